// The SWV rules of ValideerSwvPaO-profielen.xsl: PaO.* for overdrachtsoort `swv-dossier`.
#include "mapping/oso/oso_rules.h"

namespace sluis::oso {

void swvRules(RuleContext& ctx) {
    if (ctx.soort != "swv-dossier") return;
    if (ctx.metadata) {
        pugi::xml_node deel = child(ctx.metadata, "deeldossier");
        if (!hasTextNode(deel, "LAS") && !hasTextNode(deel, "LASLVS"))
            ctx.official("PaO.MD01", ctx.metadata);
        if (stringValue(child(ctx.metadata, "validatieversie")) != ctx.standard.validatieversie())
            ctx.official("PaO.MD02", ctx.metadata);
        if (!child(ctx.metadata, "categorie_uitlevering")) ctx.official("PaO.MD03", ctx.metadata);
        if (!ctx.has_overstap) ctx.official("PaO.SO01", ctx.metadata);
        if (ctx.overstap != "POSWV" && ctx.overstap != "VOSWV")
            ctx.official("PaO.SO02", ctx.metadata);
        // PaO.SO03 (overdrachtsoort is swv-dossier) cannot fire: these rules only run for it.
    }
    if (ctx.school) {
        if (!descend(ctx.school, "adreslijst/adres")) ctx.official("PaO.SL01", ctx.school, 0);
        if (!descend(ctx.school, "communicatielijst/communicatie"))
            ctx.official("PaO.SL02", ctx.school);
    }
    if (const pugi::xml_node l = ctx.leerling) {
        auto has = [&](const char* name) { return static_cast<bool>(ctx.leerlingChild(name)); };
        auto at = [&](const char* name) { return ctx.leerlingChild(name); };
        const bool vo = ctx.overstap == "VOSWV", po = ctx.overstap == "POSWV";
        leerlingBasisRules(ctx, "PaO");
        if (has("bsn") || has("onderwijsnummer"))
            ctx.official("PaO.LL12", has("bsn") ? at("bsn") : at("onderwijsnummer"));
        if (vo && has("vanpeuterspeelzaal")) ctx.official("PaO.VV01", at("vanpeuterspeelzaal"));
        if (vo && has("naampeuterspeelzaal")) ctx.official("PaO.VV02", at("naampeuterspeelzaal"));
        if (vo && has("voorschools")) ctx.official("PaO.VV03", at("voorschools"));
        if (vo && has("vroegschools")) ctx.official("PaO.VV04", at("vroegschools"));
        if (!descend(l, "schoolloopbaanlijst/schoolloopbaan")) ctx.official("PaO.SL01", l, 1);
        if (po && has("eindtoets_basisonderwijs"))
            ctx.official("PaO.EB01", at("eindtoets_basisonderwijs"));
        if (xsTrue(at("verzorgersaansprakelijk")) && !has("verzorger")) ctx.official("PaO.OV01", l);
        static const char* const kVombo[][2] = {
            {"PaO.VM01", "bevorderd"},         {"PaO.VM02", "examenresultaat"},
            {"PaO.VM03", "resultaatvakkenvo"}, {"PaO.VM04", "certificaat"},
            {"PaO.VM05", "competenties"},      {"PaO.VM06", "stage"},
            {"PaO.VM07", "overigvombo"}};
        for (const auto& [rule, name] : kVombo)
            if (po && has(name)) ctx.official(rule, at(name));
    }
    for (const auto& v : ctx.verzorgers) {
        if (xsTrue(child(v, "adresgeheim")) && descend(v, "adreslijst/adres"))
            ctx.official("PaO.OV03", child(v, "adreslijst"));
        if (auto b = child(v, "banknummer")) ctx.official("PaO.OV05", b);
    }
    // PaO.ZB01/ZB02: the zorg block is no longer in the 2019.1 schema; kept as written.
    for (const auto& z : ctx.zorgen) {
        if (auto n = child(z, "vir")) ctx.official("PaO.ZB01", n);
        if (auto n = child(z, "zat")) ctx.official("PaO.ZB02", n);
    }
    scoreRules(ctx, "PaO.TR01", "PaO.TR02", "PaO.CL01");
}

}  // namespace sluis::oso

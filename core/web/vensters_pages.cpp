// Vensters for the bevoegd gezag (vensters_pages.h): board view, one school's six steps, the
// report, the akkoord after a preview, and withdrawing with a confirmation.
#include "core/web/vensters_pages.h"

#include <cctype>

#include "core/api/procedure_decisions.h"
#include "core/error.h"
#include "core/util/amsterdam_time.h"
#include "core/util/file_clock.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::web {

namespace {

using nlohmann::json;

const char* const kBase = "/web/vensters";
const char* const kMenu = "/web/vensters";

std::string str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string upperFirst(std::string s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
    return s;
}

std::string schoolHref(const std::string& id) { return std::string(kBase) + "/" + id; }

/// A refused or failed decision: its message with the HTTP status of its code, and a link back.
void refused(Call& c, const Error& e, const std::string& id, const std::string& what) {
    log::warn("web.vensters_refused", {{"transfer_id", id},
                                       {"account", c.actor.name},
                                       {"step", what},
                                       {"code", errorCodeName(e.code)}});
    message(c, httpStatus(e.code), "Niet gelukt", e.message,
            id.empty() ? std::string(kBase) : schoolHref(id),
            id.empty() ? "Terug naar Vensters" : "Terug naar de school");
}

/// "Ja, tot <deadline>", or why not.
std::string withdrawText(const api::DecisionContext& ctx, const store::Transfer& t) {
    if (t.state == transfer::State::kWithdrawn) return "al ingetrokken";
    auto ok = api::mayWithdraw(ctx, t);
    if (!ok) {
        if (ok.code() == ErrorCode::kPermissionDenied) return "niet door uw rol";
        return "nee";
    }
    return t.withdraw_deadline ? "ja, tot " + amsterdam::formatLocal(*t.withdraw_deadline) : "ja";
}

/// An API time (UTC, ISO 8601) as local time for the page.
std::string refusedAt(const std::string& iso) {
    auto t = parseIsoUtc(iso);
    return t ? amsterdam::formatLocal(*t) : iso;
}

std::string nextStepText(const json& j) {
    std::string next = str(j, "next_step");
    if (!next.empty()) return upperFirst(next);
    const std::string state = str(j, "state");
    if (state == "scheduled") return "Niets: wacht op de leverdatum";
    if (state == "delivered") return "Niets: afgeleverd";
    if (state == "withdrawn") return "Niets: ingetrokken";
    if (state == "rejected") return "Niets: geweigerd";
    if (state == "delivering") return "Niets: wordt afgeleverd";
    return "Wacht op Sluis";
}

// --- the board view ---

void board(Call& c) {
    const api::DecisionContext ctx = c.decisions();
    auto items = api::listProcedures(ctx, "");
    if (!items) return refused(c, items.error(), "", "bekijken");
    std::vector<std::vector<std::string>> rows;
    for (const auto& j : *items) {
        const std::string id = str(j, "transfer_id");
        auto t = api::visibleTransfer(ctx, id);
        if (!t) continue;
        std::string state = stateLabel(t->state);
        if (j.value("saved", false) && t->state == transfer::State::kScheduled)
            state = "opgeslagen en ingepland";
        const std::string date = str(j, "deliver_on");
        rows.push_back({escape(t->subject), escape(state), escape(nextStepText(j)),
                        escape(date.empty() ? "nog niet gekozen" : date),
                        escape(withdrawText(ctx, *t)),
                        "<a href=\"" + escape(schoolHref(id)) + "\">Openen<span class=\"verborgen\"> " +
                            escape(t->subject) + "</span></a>"});
    }
    std::string content =
        "<p>Per school de levering <em>Vensters – Monitoring Sociale Veiligheid</em> aan de "
        "Inspectie. Open een school om de zes stappen te doorlopen: rapport controleren, niveau, "
        "leverdatum, vragen, akkoord van het bevoegd gezag en opslaan. Niets wordt verstuurd "
        "voordat de levering is opgeslagen.</p>";
    content += rows.empty() ? "<p id=\"geen-scholen\">Er zijn (nog) geen leveringen.</p>"
                            : table({"School", "Status", "Volgende stap", "Leverdatum",
                                     "Intrekken mogelijk", "Actie"},
                                    rows, "Leveringen per school");
    sendHtml(c, 200, "Vensters", content, kMenu, flashFor(c));
}

// --- one school ---

std::string stepHead(int n, const std::string& title, bool done) {
    const std::string id = "stap-" + std::to_string(n);
    return "<h2 id=\"" + id + "\">Stap " + std::to_string(n) + ": " + escape(title) +
           " <span class=\"" + (done ? "klaar" : "open") + "\" id=\"" + id + "-status\">(" +
           (done ? "gedaan" : "nog niet gedaan") + ")</span></h2>";
}

std::string form(const Call& c, const std::string& action, const std::string& inner) {
    return "<form method=\"post\" action=\"" + escape(action) + "\" class=\"formulier\">" +
           csrfField(c) + inner + "</form>";
}

void school(Call& c, const std::string& id, const std::string& error = "") {
    const api::DecisionContext ctx = c.decisions();
    auto j = api::showProcedure(ctx, id);
    if (!j) return refused(c, j.error(), "", "bekijken");
    auto tp = api::procedureTransfer(ctx, id);
    if (!tp) return refused(c, tp.error(), "", "bekijken");
    const store::Transfer& t = tp->transfer;
    const config::PurposePolicy& p = *tp->policy;
    const std::string base = schoolHref(id);
    const bool changeable = api::procedureChangeable(ctx, t).isOk();
    const bool akkoord = j->value("akkoord", false);
    const bool saved = j->value("saved", false);
    const json& steps = (*j)["steps"];
    auto apiDone = [&](int api_step) { return steps.at(api_step - 1).value("done", false); };

    std::string out = "<dl class=\"gegevens\"><dt>School</dt><dd id=\"school\">" +
                      escape(t.subject) + "</dd><dt>Status</dt><dd id=\"status\">" +
                      escape(stateLabel(t.state)) + (saved ? " (opgeslagen)" : "") +
                      "</dd><dt>Volgende stap</dt><dd id=\"volgende\">" +
                      escape(nextStepText(*j)) + "</dd><dt>Leverdatum</dt><dd id=\"leverdatum\">" +
                      escape(str(*j, "deliver_on").empty() ? "nog niet gekozen"
                                                           : str(*j, "deliver_on")) +
                      "</dd><dt>Intrekken mogelijk</dt><dd id=\"intrekken-tot\">" +
                      escape(withdrawText(ctx, t)) + "</dd></dl>";
    if (t.payload_hash.empty() || t.state == transfer::State::kReceived ||
        t.state == transfer::State::kMapped)
        out += "<p class=\"hint\" id=\"wordt-opgemaakt\">Het rapport wordt (opnieuw) opgemaakt. "
               "Vernieuw deze pagina over enkele ogenblikken.</p>";

    // 1. The report.
    bool seen = false;
    if (!t.payload_hash.empty())
        if (auto s = c.store.hasPreviewed(id, c.actor.name, t.payload_hash)) seen = *s;
    out += "<section aria-labelledby=\"stap-1\">" + stepHead(1, "rapport controleren", seen || akkoord);
    if (t.payload_hash.empty() || t.report_types.empty()) {
        out += "<p>Er is nog geen rapport.</p>";
    } else {
        out += "<p>Bekijk precies wat naar de Inspectie gaat. Het controlegetal hoort bij dit "
               "rapport; uw akkoord geldt alleen voor dit controlegetal.</p>"
               "<p>Controlegetal (SHA-256): <code class=\"hash\" id=\"rapport-hash\">" +
               escape(t.payload_hash) + "</code></p><ul>";
        for (const auto& type : t.report_types) {
            const std::string fmt = type.find("/pdf") != std::string::npos ? "pdf" : "html";
            const std::string label = fmt == "pdf" ? "PDF" : "HTML";
            const std::string href = base + "/rapport?formaat=" + fmt;
            if (fmt == "html")
                out += "<li><a id=\"rapport-bekijken\" href=\"" + escape(href) +
                       "\">Rapport bekijken (HTML)</a></li>";
            out += "<li><a id=\"rapport-download-" + fmt + "\" href=\"" + escape(href) +
                   "&amp;download=1\">Rapport downloaden (" + label + ")</a></li>";
        }
        out += "</ul>";
    }
    out += "</section>";

    // 2. The level (the procedure's choices).
    out += "<section aria-labelledby=\"stap-2\">" + stepHead(2, "niveau", apiDone(3));
    const bool may_change = c.actor.hasRole(api::kProcedureChangeRoles) && changeable;
    const json effective = p.procedure.effectiveChoices(t.choices);
    if (may_change) {
        std::string inner;
        for (const auto& ch : p.procedure.choices) {
            inner += "<fieldset class=\"veld\"><legend>" + escape(upperFirst(ch.label)) + "</legend>";
            const std::string current = str(effective, ch.id.c_str());
            for (const auto& o : ch.options)
                inner += "<label><input type=\"radio\" name=\"keuze_" + escape(ch.id) +
                         "\" value=\"" + escape(o) + "\"" + (o == current ? " checked" : "") +
                         "> " + escape(o) + "</label>";
            inner += "</fieldset>";
        }
        inner += "<p class=\"hint\">Een ander niveau maakt het rapport opnieuw op; een eerder "
                 "akkoord vervalt dan.</p><button type=\"submit\" id=\"niveau-opslaan\">Niveau "
                 "vastleggen</button>";
        out += form(c, base + "/niveau", inner);
    } else {
        for (const auto& ch : p.procedure.choices)
            out += "<p>" + escape(upperFirst(ch.label)) + ": " +
                   escape(str(effective, ch.id.c_str()).empty() ? "niet gekozen"
                                                                : str(effective, ch.id.c_str())) +
                   "</p>";
    }
    out += "</section>";

    // 3. The delivery date.
    out += "<section aria-labelledby=\"stap-3\">" + stepHead(3, "leverdatum", apiDone(4));
    const int before = p.withdraw_days_before;
    if (c.actor.hasRole(api::kScheduleRoles) && changeable) {
        const std::string earliest = amsterdam::formatDate(
            amsterdam::addDays(amsterdam::localDate(c.clock.now()), before + 1));
        out += form(
            c, base + "/datum",
            "<div class=\"veld\"><label for=\"leverdatum-invoer\">Leverdatum</label>"
            "<p class=\"hint\" id=\"leverdatum-hint\">Als JJJJ-MM-DD, op zijn vroegst " +
                escape(earliest) + ". Tot " + std::to_string(before) +
                " dag vóór de leverdatum (middernacht) kunt u nog wijzigen of intrekken.</p>"
                "<input id=\"leverdatum-invoer\" name=\"leverdatum\" type=\"text\" "
                "inputmode=\"numeric\" pattern=\"[0-9]{4}-[0-9]{2}-[0-9]{2}\" "
                "aria-describedby=\"leverdatum-hint\" required value=\"" +
                escape(str(*j, "deliver_on")) +
                "\"></div><button type=\"submit\" id=\"datum-opslaan\">Leverdatum "
                "vastleggen</button>");
    } else {
        out += "<p>" + escape(str(*j, "deliver_on").empty() ? "Nog niet gekozen."
                                                            : str(*j, "deliver_on")) +
               "</p>";
    }
    out += "</section>";

    // 4. The questions.
    out += "<section aria-labelledby=\"stap-4\">" +
           stepHead(4, "vragen over de afname", j->value("answered", false));
    const json& questions = (*j)["questions"];
    if (may_change) {
        std::string inner;
        for (const auto& q : p.procedure.questions) {
            std::string answer;
            for (const auto& qj : questions)
                if (str(qj, "id") == q.id) answer = str(qj, "answer");
            const std::string name = "vraag_" + q.id;
            if (q.type == "keuze") {
                inner += "<fieldset class=\"veld\"><legend>" + escape(q.text) + "</legend>";
                for (const auto& o : q.options)
                    inner += "<label><input type=\"radio\" name=\"" + escape(name) +
                             "\" value=\"" + escape(o) + "\"" + (o == answer ? " checked" : "") +
                             " required> " + escape(o) + "</label>";
                inner += "</fieldset>";
            } else {
                inner += "<div class=\"veld\"><label for=\"" + escape(name) + "\">" +
                         escape(q.text) + "</label><textarea id=\"" + escape(name) +
                         "\" name=\"" + escape(name) + "\" rows=\"3\" maxlength=\"" +
                         std::to_string(q.max_length) + "\" required>" + escape(answer) +
                         "</textarea></div>";
            }
        }
        inner += "<button type=\"submit\" id=\"vragen-opslaan\">Antwoorden vastleggen</button>";
        out += form(c, base + "/vragen", inner);
    } else {
        out += "<dl class=\"gegevens\">";
        for (const auto& qj : questions)
            out += "<dt>" + escape(str(qj, "text")) + "</dt><dd>" +
                   escape(str(qj, "answer").empty() ? "nog niet beantwoord" : str(qj, "answer")) +
                   "</dd>";
        out += "</dl>";
    }
    out += "</section>";

    // 5. The akkoord of the bevoegd gezag, bound to the report's hash, after a preview.
    out += "<section aria-labelledby=\"stap-5\">" + stepHead(5, "akkoord bevoegd gezag", akkoord);
    if (akkoord) {
        std::vector<std::string> by;
        for (const auto& a : (*j)["akkoord_by"]) by.push_back(a.get<std::string>());
        std::string who;
        for (const auto& b : by) who += (who.empty() ? "" : ", ") + b;
        out += "<p id=\"akkoord-door\">Akkoord gegeven door " + escape(who) +
               " op het rapport met dit controlegetal.</p>";
    } else if (const json& r = (*j)["refusal"]; r.is_object()) {
        out += "<p id=\"geweigerd-door\">Geweigerd door " + escape(str(r, "by")) + " op " +
               escape(refusedAt(str(r, "at"))) +
               ". Deze levering gaat niet naar de Inspectie.</p><p>Reden: <span "
               "id=\"weigering-reden\">" + escape(str(r, "reason")) + "</span></p>";
    } else if (api::mayApprove(ctx, t.purpose) &&
               t.state == transfer::State::kAwaitingApproval) {
        out += "<p>Bekijk het rapport en geef daarna akkoord. Uw akkoord geldt voor precies dit "
               "rapport.</p><p><a id=\"naar-akkoord\" href=\"" +
               escape(base + "/akkoord") + "\">Naar het akkoord</a></p>";
    } else if (!api::mayApprove(ctx, t.purpose)) {
        out += "<p>Alleen het bevoegd gezag geeft dit akkoord.</p>";
    } else {
        out += "<p>Het akkoord kan pas als het rapport klaar is en de eerdere stappen gedaan "
               "zijn.</p>";
    }
    out += "</section>";

    // 6. Save.
    out += "<section aria-labelledby=\"stap-6\">" + stepHead(6, "opslaan", saved);
    const bool savable = (t.state == transfer::State::kAwaitingApproval ||
                          t.state == transfer::State::kScheduled) &&
                         changeable && akkoord && !saved;
    if (saved) {
        out += "<p id=\"opgeslagen-door\">Opgeslagen door " + escape(str(*j, "saved_by")) +
               ". De levering staat klaar voor de leverdatum.</p>";
    } else if (c.actor.hasRole(api::kProcedureSaveRoles) && savable) {
        out += form(c, base + "/opslaan",
                    "<p>Opslaan legt de levering vast en stuurt gebruikersbeheer een e-mail met "
                    "wie akkoord gaf, het niveau en de leverdatum.</p><button type=\"submit\" "
                    "id=\"opslaan\">Levering opslaan</button>");
    } else if (!c.actor.hasRole(api::kProcedureSaveRoles)) {
        out += "<p>Uw rol (" + escape(c.actor.role) + ") slaat geen leveringen op.</p>";
    } else {
        out += "<p>Opslaan kan als stap 2 tot en met 5 gedaan zijn.</p>";
    }
    out += "</section>";

    // Withdraw, until the deadline.
    out += "<section aria-labelledby=\"intrekken\"><h2 id=\"intrekken\">Intrekken</h2>";
    auto may = api::mayWithdraw(ctx, t);
    if (t.state == transfer::State::kWithdrawn) {
        out += "<p id=\"ingetrokken\">Deze levering is ingetrokken en wordt niet verstuurd.</p>";
    } else if (may) {
        out += "<p>U kunt deze levering intrekken" +
               (t.withdraw_deadline ? " tot " + escape(amsterdam::formatLocal(*t.withdraw_deadline))
                                    : std::string()) +
               ".</p><p><a id=\"naar-intrekken\" href=\"" + escape(base + "/intrekken") +
               "\">Levering intrekken</a></p>";
    } else {
        out += "<p id=\"niet-intrekken\">" + escape(may.message()) + "</p>";
    }
    out += "</section>";
    sendHtml(c, error.empty() ? 200 : 400, "Vensters: school " + t.subject, out, kMenu,
             error.empty() ? flashFor(c) : errorFlash(error));
}

// --- the report ---

void report(Call& c, const std::string& id) {
    const api::DecisionContext ctx = c.decisions();
    const std::string fmt = c.param("formaat");
    if (fmt != "html" && fmt != "pdf")
        return message(c, 404, "Rapport", "Kies het rapport als HTML of PDF.", schoolHref(id),
                       "Terug naar de school");
    auto tp = api::procedureTransfer(ctx, id);
    if (!tp) return refused(c, tp.error(), "", "rapport");
    auto rep = api::viewReport(ctx, id, fmt);
    if (!rep) return refused(c, rep.error(), id, "rapport");
    log::info("web.vensters_report", {{"transfer_id", id}, {"account", c.actor.name}, {"format", fmt}});
    securityHeaders(c.resp, c.tls);
    // The report is a self-contained page without scripts, with its own inline style.
    c.resp.set("Content-Security-Policy",
               "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'; sandbox");
    const bool download = c.param("download") == "1" || fmt == "pdf";
    std::string name = "vensters-";
    for (char ch : tp->transfer.subject)
        if (std::isalnum(static_cast<unsigned char>(ch))) name += ch;
    name += "." + fmt;
    c.resp.set("Content-Disposition",
               std::string(download ? "attachment" : "inline") + "; filename=\"" + name + "\"");
    c.resp.set("X-Sluis-Payload-Sha256", rep->payload_hash);
    c.resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    c.resp.setContentType(rep->content_type);
    c.resp.setContentLength(static_cast<std::streamsize>(rep->body.size()));
    c.resp.send() << rep->body;
}

// --- the akkoord: a preview, then the decision bound to its hash ---

void akkoordPage(Call& c, const std::string& id, const std::string& error = "",
                 const std::string& reason = "") {
    const api::DecisionContext ctx = c.decisions();
    auto tp = api::procedureTransfer(ctx, id);
    if (!tp) return refused(c, tp.error(), "", "akkoord");
    if (!api::mayApprove(ctx, tp->transfer.purpose))
        return message(c, 403, "Akkoord", "Uw rol (" + c.actor.role +
                                              ") geeft geen akkoord op deze levering.",
                       schoolHref(id), "Terug naar de school");
    auto pv = api::preview(ctx, id);  // records the preview of this hash, as the API's does
    if (!pv) return refused(c, pv.error(), id, "akkoord");
    const store::Transfer& t = pv->transfer;
    const json effective = tp->policy->procedure.effectiveChoices(t.choices);
    std::string level;
    for (auto& [k, v] : effective.items())
        level += (level.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
    std::string out =
        "<p>U geeft namens het bevoegd gezag akkoord op de levering van school <strong>" +
        escape(t.subject) + "</strong> aan de Inspectie. Uw akkoord geldt voor precies het "
        "rapport met het controlegetal hieronder; verandert het rapport, dan vervalt het.</p>"
        "<dl class=\"gegevens\"><dt>Doel</dt><dd>" + escape(pv->purpose_description) +
        "</dd><dt>Grondslag</dt><dd>" + escape(pv->legal_basis) + "</dd><dt>Niveau</dt><dd>" +
        escape(level.empty() ? "-" : level) + "</dd><dt>Leverdatum</dt><dd>" +
        escape(t.deliver_at ? amsterdam::formatDate(amsterdam::localDate(*t.deliver_at))
                            : std::string("nog niet gekozen")) +
        "</dd><dt>Controlegetal (SHA-256)</dt><dd><code class=\"hash\" id=\"akkoord-hash\">" +
        escape(t.payload_hash) + "</code></dd></dl><p><a href=\"" +
        escape(schoolHref(id) + "/rapport?formaat=html") +
        "\">Rapport bekijken (HTML)</a></p>";
    if (t.state == transfer::State::kAwaitingApproval) {
        out += form(c, schoolHref(id) + "/akkoord",
                    "<input type=\"hidden\" name=\"payload_hash\" value=\"" +
                        escape(t.payload_hash) +
                        "\"><button type=\"submit\" id=\"akkoord-geven\">Akkoord geven</button>");
        // Refusing: the same shared decision as the Goedkeuren page and the API (a rejection
        // bound to this hash, with a reason).
        const bool missing = !error.empty();
        out += "<h2 id=\"weigeren-kop\">Of: weigeren</h2>" +
               form(c, schoolHref(id) + "/weigeren",
                    "<input type=\"hidden\" name=\"payload_hash\" value=\"" +
                        escape(t.payload_hash) +
                        "\"><div class=\"veld\"><label for=\"reden-weigeren\">Reden van "
                        "weigering</label><p class=\"hint\" id=\"reden-weigeren-hint\">Verplicht. "
                        "Wie de levering later bekijkt, leest waarom u weigerde. Na een weigering "
                        "gaat de levering niet naar de Inspectie.</p>" +
                        (missing ? "<p class=\"veld-fout\" id=\"reden-weigeren-fout\">" + escape(error) +
                                       "</p>"
                                 : std::string()) +
                        "<textarea id=\"reden-weigeren\" name=\"reden\" rows=\"3\" "
                        "maxlength=\"500\" required aria-describedby=\"reden-weigeren-hint" +
                        (missing ? " reden-weigeren-fout\" aria-invalid=\"true" : "") + "\">" +
                        escape(reason) +
                        "</textarea></div><button type=\"submit\" id=\"weigeren\" "
                        "class=\"secundair\">Weigeren</button>");
    } else {
        out += "<p>Deze levering wacht nu niet op een akkoord (" + escape(stateLabel(t.state)) +
               ").</p>";
    }
    out += "<p><a href=\"" + escape(schoolHref(id)) + "\">Terug naar de school</a></p>";
    sendHtml(c, error.empty() ? 200 : 400, "Vensters: akkoord " + t.subject, out, kMenu,
             error.empty() ? "" : errorFlash("Niet geweigerd: " + error));
}

void akkoordPost(Call& c, const std::string& id) {
    // As every Vensters step: a role outside the procedure's roles is refused before any lookup
    // (403, whatever the id; not the 404 of a transfer it cannot see).
    Status st = c.actor.requireRole(api::kProcedureViewRoles, "leveringen inzien");
    if (st) st = api::approveOne(c.decisions(), id, c.field("payload_hash"), true, "");
    if (!st) return refused(c, st.error(), id, "akkoord");
    log::info("web.vensters_akkoord", {{"transfer_id", id}, {"account", c.actor.name}});
    redirect(c, schoolHref(id) + "?melding=vensters-akkoord");
}

void refusePost(Call& c, const std::string& id) {
    const std::string reason = util::trim(c.field("reden"));
    // As every Vensters step: a role outside the procedure's roles is refused before any lookup
    // (403, whatever the id); then the shared reject decision of Goedkeuren and the API.
    Status st = c.actor.requireRole(api::kProcedureViewRoles, "leveringen inzien");
    if (st) st = api::approveOne(c.decisions(), id, c.field("payload_hash"), false, reason);
    if (!st) {
        // A missing reason is asked for on the akkoord page itself, next to the field.
        // (The shared decision checks the reason after the role, the state and the hash.)
        if (st.code() == ErrorCode::kInvalidArgument && reason.empty() &&
            !c.field("payload_hash").empty())
            return akkoordPage(c, id, "vul de reden van uw weigering in.", reason);
        return refused(c, st.error(), id, "weigeren");
    }
    log::info("web.vensters_refused_by_board", {{"transfer_id", id}, {"account", c.actor.name}});
    redirect(c, schoolHref(id) + "?melding=vensters-geweigerd");
}

// --- steps 2, 3, 4 and 6 ---

/// The form fields named `prefix` + id, as {id: value}.
json fieldsWithPrefix(const Call& c, const std::string& prefix) {
    json out = json::object();
    for (const auto& [k, v] : c.form)
        if (k.starts_with(prefix) && k.size() > prefix.size()) out[k.substr(prefix.size())] = v;
    return out;
}

void decide(Call& c, const std::string& id, const std::string& step) {
    const api::DecisionContext ctx = c.decisions();
    Status st;
    std::string flash;
    if (step == "niveau") {
        // Every keuze_<id> field; the shared decision checks role, transfer and values.
        st = api::chooseProcedure(ctx, id, fieldsWithPrefix(c, "keuze_"));
        flash = "vensters-niveau";
    } else if (step == "datum") {
        st = api::scheduleDelivery(ctx, id, util::trim(c.field("leverdatum")));
        if (!st && st.code() == ErrorCode::kInvalidArgument &&
            st.message().starts_with("deliver_on: "))
            st = Status(ErrorCode::kInvalidArgument,
                        "Leverdatum: " + st.message().substr(std::string("deliver_on: ").size()));
        flash = "vensters-datum";
    } else if (step == "vragen") {
        st = api::answerProcedure(ctx, id, fieldsWithPrefix(c, "vraag_"));
        auto tp = api::procedureTransfer(ctx, id);
        if (!st && st.code() == ErrorCode::kInvalidArgument && tp) {
            // The API names fields ("answers.afnamegroep"); a board member reads the question.
            std::string msg = st.message();
            for (const auto& q : tp->policy->procedure.questions)
                for (size_t at; (at = msg.find("answers." + q.id + ": ")) != std::string::npos;)
                    msg.replace(at, q.id.size() + 10, "“" + q.text + "” ");
            st = Status(ErrorCode::kInvalidArgument, msg);
        }
        flash = "vensters-vragen";
    } else if (step == "opslaan") {
        st = api::saveProcedure(ctx, id);
        flash = "vensters-opgeslagen";
    } else {
        return message(c, 404, "Niet gevonden", "Deze pagina bestaat niet.", kBase,
                       "Terug naar Vensters");
    }
    if (!st) {
        // A wrong entry is shown on the school's page; a refusal on its own page.
        if (st.code() == ErrorCode::kInvalidArgument && c.actor.hasRole(api::kProcedureViewRoles))
            return school(c, id, "Niet vastgelegd: " + st.message());
        return refused(c, st.error(), id, step);
    }
    log::info("web.vensters_step", {{"transfer_id", id}, {"account", c.actor.name}, {"step", step}});
    redirect(c, schoolHref(id) + "?melding=" + flash);
}

// --- withdraw, with a confirmation stating the consequence ---

void withdrawPage(Call& c, const std::string& id) {
    const api::DecisionContext ctx = c.decisions();
    auto tp = api::procedureTransfer(ctx, id);
    if (!tp) return refused(c, tp.error(), "", "intrekken");
    const store::Transfer& t = tp->transfer;
    auto may = api::mayWithdraw(ctx, t);
    if (!may) return refused(c, may.error(), id, "intrekken");
    const std::string date =
        t.deliver_at ? amsterdam::formatDate(amsterdam::localDate(*t.deliver_at)) : "";
    std::string out =
        "<p id=\"gevolg\">Als u deze levering intrekt, gaan de resultaten van school <strong>" +
        escape(t.subject) + "</strong> " +
        (date.empty() ? std::string("niet naar de Inspectie")
                      : "op " + escape(date) + " niet naar de Inspectie") +
        ". Dit kunt u niet ongedaan maken: voor een nieuwe levering is een nieuwe export van de "
        "enquête nodig. Gebruikersbeheer krijgt hierover een e-mail.</p>";
    out += form(c, schoolHref(id) + "/intrekken",
                "<div class=\"veld\"><label for=\"reden\">Reden (niet verplicht)</label>"
                "<textarea id=\"reden\" name=\"reden\" rows=\"2\" maxlength=\"500\"></textarea>"
                "</div><button type=\"submit\" id=\"intrekken-bevestigen\">Ja, levering "
                "intrekken</button>");
    out += "<p><a href=\"" + escape(schoolHref(id)) + "\">Nee, terug naar de school</a></p>";
    sendHtml(c, 200, "Vensters: levering intrekken", out, kMenu);
}

void withdrawPost(Call& c, const std::string& id) {
    auto st = api::withdrawTransfer(c.decisions(), id, util::trim(c.field("reden")));
    if (!st) return refused(c, st.error(), id, "intrekken");
    log::info("web.vensters_withdrawn", {{"transfer_id", id}, {"account", c.actor.name}});
    redirect(c, schoolHref(id) + "?melding=vensters-ingetrokken");
}

}  // namespace

bool routeVensters(Call& c) {
    const std::string& p = c.path;
    if (p == kBase) {
        if (c.get()) return board(c), true;
        return false;
    }
    const std::string prefix = std::string(kBase) + "/";
    if (!p.starts_with(prefix) || p.size() == prefix.size()) return false;
    const std::string rest = p.substr(prefix.size());
    const size_t slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    const std::string step = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (id.empty() || step.find('/') != std::string::npos) return false;
    if (step.empty()) {
        if (c.get()) return school(c, id), true;
        return false;
    }
    if (step == "rapport" && c.get()) return report(c, id), true;
    if (step == "akkoord") {
        if (c.get()) return akkoordPage(c, id), true;
        if (c.post()) return akkoordPost(c, id), true;
    }
    if (step == "weigeren" && c.post()) return refusePost(c, id), true;
    if (step == "intrekken") {
        if (c.get()) return withdrawPage(c, id), true;
        if (c.post()) return withdrawPost(c, id), true;
    }
    if (c.post() && (step == "niveau" || step == "datum" || step == "vragen" || step == "opslaan"))
        return decide(c, id, step), true;
    return false;
}

}  // namespace sluis::web

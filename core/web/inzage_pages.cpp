// Registering an inzage (inzage_pages.h).
#include "core/web/inzage_pages.h"

#include "core/error.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::web {

const std::vector<std::string>& inzageRoles() {
    static const std::vector<std::string> roles = {"beheerder", "mentor", "zorgcoordinator",
                                                   "directeur"};
    return roles;
}

namespace {

void inzagePage(Call& c, const std::string& error) {
    const api::Actor& actor = c.actor;
    if (!actor.hasRole(inzageRoles()))
        return sendHtml(c, 200, "Toestemming en inzage",
                        "<p>Uw rol (" + escape(actor.role) + ") legt geen inzage vast.</p>",
                        "/web/inzage", flashFor(c));
    std::string purposes;
    for (const auto& [name, p] : c.config->policies) {
        if (p.basis != config::PurposePolicy::Basis::kInzage) continue;
        const bool selected = c.field("purpose") == name;
        purposes += "<option value=\"" + escape(name) + "\"" + (selected ? " selected" : "") + ">" +
                    escape(name) + " – " + escape(p.description) + "</option>";
    }
    std::string flash =
        error.empty() ? flashFor(c) : errorFlash(error);
    sendHtml(c, error.empty() ? 200 : 400, "Toestemming en inzage",
             page("inzage.html", {{"csrf", c.session->csrf},
                                  {"pupil", c.field("pupil")},
                                  {"inzagedatum", c.form.count("inzagedatum")
                                                      ? c.field("inzagedatum")
                                                      : formatIso(c.clock.now()).substr(0, 10)},
                                  {"purposes", purposes}}),
             "/web/inzage", flash);
}

void inzagePost(Call& c) {
    const api::Actor& actor = c.actor;
    const api::DecisionContext ctx = c.decisions();
    auto done = api::registerInzage(
        ctx, {util::trim(c.field("pupil")), c.field("purpose"), c.field("inzagedatum"),
              c.field("akkoord"), c.field("redennietakkoord")});
    if (!done) {
        if (done.error().code == ErrorCode::kPermissionDenied)
            return message(c, 403, "Geweigerd", done.error().message, "/web/", "Naar het overzicht");
        return inzagePage(c, "De inzage is niet vastgelegd: " + done.error().message);
    }
    log::info("web.inzage", {{"inzage_id", done->id}, {"account", actor.name}});
    redirect(c, "/web/inzage?melding=inzage&n=" + std::to_string(done->transfers_requeued));
}

}  // namespace

bool routeInzage(Call& c) {
    if (c.path == "/web/inzage" && c.get()) return inzagePage(c, ""), true;
    if (c.path == "/web/inzage" && c.post()) return inzagePost(c), true;
    return false;
}

}  // namespace sluis::web

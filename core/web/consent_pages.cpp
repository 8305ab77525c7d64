// Consents, a pupil's registers and the disclosure register (consent_pages.h).
#include "core/web/consent_pages.h"

#include "core/api/consent_decisions.h"
#include "core/error.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::web {

namespace {

std::string urlEncode(const std::string& s) {
    std::string out;
    Poco::URI::encode(s, "&=?#+/%", out);
    return out;
}

void refused(Call& c, const Error& e, const std::string& back, const std::string& label) {
    message(c, httpStatus(e.code), e.code == ErrorCode::kPermissionDenied ? "Geweigerd" : "Niet gelukt",
            e.message, back, label);
}

// --- Registering a consent ---

/// A field error in the form's words: which form field (its element id) and what to do.
struct FieldError {
    std::string field;  ///< the input's id in toestemming.html
    std::string text;   ///< "Relatie tot de leerling: vul dit in"
    std::string hint;   ///< the part after the label, shown next to the field
};

/// The form's label of each API field, and what the person should do. The API's own messages
/// name its fields (right for the API); the form speaks in its labels.
std::vector<FieldError> formErrors(const std::string& api_message) {
    struct Known {
        const char* api;      // the API's field path (prefix of the message part)
        const char* field;    // element id on the form
        const char* label;    // the form's label
        const char* todo;     // plain Dutch
    };
    static const Known kKnown[] = {
        {"pupil", "pupil", "Leerlingnummer", "vul dit in"},
        {"purpose", "purpose", "Doel", "kies een doel uit de lijst"},
        {"given_by", "given_by-ouder", "Wie besliste?", "kies de ouder of de leerling zelf"},
        {"relation", "relation", "Relatie tot de leerling", "vul dit in"},
        {"decision", "decision-gegeven", "Besluit", "kies gegeven of geweigerd"},
        {"decided_on", "decided_on", "Datum van het besluit",
         "schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2026-11-20"},
        {"valid_from", "decided_on", "Datum van het besluit",
         "schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2026-11-20"},
        {"valid_until", "valid_until", "Geldig tot",
         "schrijf de datum als JJJJ-MM-DD, of laat het veld leeg"},
        {"method", "method", "Hoe is het besluit gegeven?", "vul dit in"},
    };
    std::vector<FieldError> out;
    auto add = [&](const std::string& field, const std::string& label, const std::string& todo) {
        for (const auto& e : out)
            if (!field.empty() && e.field == field) return;  // one per field (valid_from: decided_on)
        out.push_back({field, label + ": " + todo, todo});
    };
    size_t start = 0;
    while (start <= api_message.size()) {
        size_t end = api_message.find("; ", start);
        if (end == std::string::npos) end = api_message.size();
        const std::string part = api_message.substr(start, end - start);
        start = end + 2;
        if (part.empty()) continue;
        const std::string name = part.substr(0, part.find(':'));
        bool known = false;
        for (const auto& k : kKnown)
            if (name == k.api) {
                add(k.field, k.label, k.todo);
                known = true;
            }
        if (known) continue;
        if (name.starts_with("evidence_file")) {
            std::string todo;
            if (name == "evidence_file.filename")
                todo = "de bestandsnaam is te lang (meer dan 200 tekens); geef het bestand een kortere naam";
            else if (name == "evidence_file.content_type")
                todo = "kies een PDF, JPEG, PNG, e-mail (.eml) of tekstbestand";
            else if (part.find("leeg") != std::string::npos)
                todo = "het bestand is leeg; kies het juiste bestand";
            else if (part.find("5 MiB") != std::string::npos)
                todo = "het bestand is groter dan 5 MiB; kies een kleiner bestand";
            else
                todo = "de inhoud past niet bij het soort bestand; kies het juiste bestand";
            add("bewijs", "Bewijsstuk", todo);
            continue;
        }
        add("", "Toestemming", part);  // not a field of the form (should not happen)
    }
    return out;
}

/// The attributes that tie input `field` to its hint and its error (aria-describedby).
std::string describedBy(const std::vector<FieldError>& errors, const std::string& field,
                        bool hint) {
    std::string ids = hint ? field + "-hint" : "";
    bool wrong = false;
    for (const auto& e : errors) wrong |= e.field == field;
    if (wrong) ids += (ids.empty() ? "" : " ") + field + "-fout";
    std::string out = ids.empty() ? "" : " aria-describedby=\"" + escape(ids) + "\"";
    if (wrong) out += " aria-invalid=\"true\"";
    return out;
}

/// The error shown next to `field` (a paragraph the field's aria-describedby names), or "".
std::string errorAt(const std::vector<FieldError>& errors, const std::string& field) {
    for (const auto& e : errors)
        if (e.field == field)
            return "<p class=\"veld-fout\" id=\"" + escape(field) + "-fout\">" + escape(e.text) +
                   "</p>";
    return "";
}

void consentForm(Call& c, const std::string& error, const std::vector<FieldError>& errors = {}) {
    const api::DecisionContext ctx = c.decisions();
    if (!c.actor.hasRole(config::kConsentRecorderRoles))
        return sendHtml(c, 200, "Toestemmingen",
                        "<p>Uw rol (" + escape(c.actor.role) + ") legt geen toestemming vast.</p>" +
                            page("register_zoeken.html", {{"leerling", ""}}),
                        "/web/toestemming", flashFor(c));
    std::string purposes;
    for (const auto& [name, p] : c.config->policies) {
        if (p.basis != config::PurposePolicy::Basis::kConsent || !api::seesPurpose(ctx, name)) continue;
        const bool selected = c.field("purpose") == name;
        purposes += "<option value=\"" + escape(name) + "\"" + (selected ? " selected" : "") + ">" +
                    escape(name) + " – " + escape(p.description) + "</option>";
    }
    auto checked = [&](const char* field, const char* value, bool dflt) {
        const bool on = c.form.count(field) ? c.field(field) == value : dflt;
        return std::string(on ? " checked" : "");
    };
    Vars vars = {{"csrf", c.session->csrf},
                    {"pupil", c.field("pupil")},
                    {"purposes", purposes},
                    {"ouder", checked("given_by", "ouder", true)},
                    {"leerling", checked("given_by", "leerling", false)},
                    {"relation", c.field("relation")},
                    {"gegeven", checked("decision", "gegeven", true)},
                    {"geweigerd", checked("decision", "geweigerd", false)},
                    {"decided_on", c.form.count("decided_on") ? c.field("decided_on")
                                                              : formatIso(c.clock.now()).substr(0, 10)},
                    {"method", c.form.count("method") ? c.field("method") : "formulier"},
                    {"evidence", c.field("evidence")},
                    {"valid_until", c.field("valid_until")}};
    // Field errors: each next to its field, referenced by the field, and listed with links.
    for (const char* f : {"pupil", "purpose", "given_by-ouder", "relation", "decision-gegeven",
                          "decided_on", "method", "valid_until", "bewijs"}) {
        const std::string field = f;
        const bool hint = field == "relation" || field == "decided_on" || field == "method" ||
                          field == "valid_until" || field == "bewijs";
        vars[field + "_aria"] = describedBy(errors, field, hint);
        vars[field + "_fout"] = errorAt(errors, field);
    }
    const std::string content = purposes.empty()
                                    ? "<p>Er is geen doel dat op toestemming rust en dat u ziet.</p>"
                                    : page("toestemming.html", vars);
    std::string flash = error.empty() ? flashFor(c) : errorFlash(error);
    if (!errors.empty()) {
        flash = "<div class=\"fout\" role=\"alert\" id=\"fouten\"><p>De toestemming is niet "
                "vastgelegd. Verbeter het volgende:</p><ul>";
        for (const auto& e : errors)
            flash += e.field.empty() ? "<li>" + escape(e.text) + "</li>"
                                     : "<li><a href=\"#" + escape(e.field) + "\">" +
                                           escape(e.text) + "</a></li>";
        flash += "</ul></div>";
    }
    sendHtml(c, error.empty() && errors.empty() ? 200 : 400, "Toestemmingen",
             content + page("register_zoeken.html", {{"leerling", ""}}), "/web/toestemming", flash);
}

void consentPost(Call& c) {
    api::ConsentInput in{util::trim(c.field("pupil")), c.field("purpose"), c.field("given_by"),
                         util::trim(c.field("relation")), c.field("decision"), c.field("decided_on"),
                         util::trim(c.field("method")), c.field("evidence"), "",
                         util::trim(c.field("valid_until")), std::nullopt, ""};
    if (auto f = c.files.find("bewijs"); f != c.files.end() && !f->second.filename->empty()) {
        // The browser's filename may carry a folder (old browsers); only its last part counts.
        std::string name = *f->second.filename;
        if (auto slash = name.find_last_of("/\\"); slash != std::string::npos) name = name.substr(slash + 1);
        auto file = api::evidenceFile(name, f->second.content_type, std::move(f->second.data));
        if (file) in.evidence_file = std::move(*file);
        else in.evidence_file_error = file.error().message;  // "evidence_file...: ", mapped below
    }
    auto done = api::registerConsent(c.decisions(), in);
    if (!done) {
        if (done.error().code == ErrorCode::kPermissionDenied)
            return message(c, 403, "Geweigerd", done.error().message, "/web/", "Naar het overzicht");
        if (done.error().code == ErrorCode::kInvalidArgument ||
            done.error().code == ErrorCode::kTooLarge) {
            log::info("web.consent_form_errors", {{"account", c.actor.name}});  // no values
            return consentForm(c, "", formErrors(done.error().message));
        }
        return consentForm(c, "De toestemming is niet vastgelegd: " + done.error().message);
    }
    log::info("web.consent", {{"consent_id", done->id}, {"account", c.actor.name},
                              {"evidence_file", done->evidence_file.has_value()}});
    redirect(c, "/web/register?leerling=" + urlEncode(in.pupil) + "&melding=toestemming&n=" +
                    std::to_string(done->transfers_released));
}

// --- The pupil's register ---

std::string label(const std::string& given_by, const std::string& relation) {
    if (given_by == "leerling") return "de leerling zelf";
    return relation.empty() ? given_by : given_by + " (" + relation + ")";
}

void registerPage(Call& c) {
    const api::DecisionContext ctx = c.decisions();
    const std::string pupil = util::trim(c.param("leerling"));
    if (pupil.empty())
        return sendHtml(c, 200, "Register van een leerling",
                        page("register_zoeken.html", {{"leerling", ""}}), "/web/toestemming");
    auto consents = api::pupilConsents(ctx, pupil);
    if (!consents) return refused(c, consents.error(), "/web/", "Naar het overzicht");
    auto inzage = api::pupilInzageHistory(ctx, pupil);
    if (!inzage) return refused(c, inzage.error(), "/web/", "Naar het overzicht");
    const bool evidence = c.actor.hasRole(api::evidenceRoles());
    const bool withdraw = c.actor.hasRole(api::consentWithdrawRoles());
    std::vector<std::vector<std::string>> rows;
    for (const auto& k : *consents) {
        std::string file = "–";
        if (k.evidence_file) {
            file = escape(k.evidence_file->filename) + " (" + std::to_string(k.evidence_file->size) +
                   " bytes)";
            if (evidence)
                file += "<br><a href=\"/web/toestemming/" + escape(k.id) +
                        "/bewijs\" class=\"bewijs\">Bewijsstuk downloaden<span class=\"verborgen\"> " +
                        escape(k.id) + "</span></a>";
        }
        std::string state = k.withdrawn_at ? "ingetrokken op " + amsterdam::formatLocal(*k.withdrawn_at) +
                                                 " door " + k.withdrawn_by
                                           : std::string("geldig vanaf ") + k.valid_from +
                                                 (k.valid_until.empty() ? "" : " tot " + k.valid_until);
        std::string action = "–";
        if (withdraw && !k.withdrawn_at)
            action = "<a href=\"/web/toestemming/" + escape(k.id) +
                     "/intrekken\" class=\"intrekken\">Intrekken<span class=\"verborgen\"> " +
                     escape(k.purpose) + " " + escape(k.id) + "</span></a>";
        rows.push_back({escape(k.purpose), escape(label(k.given_by, k.relation)), escape(k.decision),
                        escape(k.decided_on), escape(k.method), escape(state), escape(k.recorded_by),
                        file, action});
    }
    std::string consent_table =
        rows.empty() ? "<p>Geen toestemmingen vastgelegd.</p>"
                     : table({"Doel", "Gegeven door", "Besluit", "Datum", "Hoe", "Geldigheid",
                              "Vastgelegd door", "Bewijsstuk", "Actie"},
                             rows, "Toestemmingen");
    rows.clear();
    bool forged = false;
    for (const auto& z : *inzage) forged |= !z.authentic;
    for (const auto& z : *inzage) {
        rows.push_back({escape(z.purpose), escape(z.inzagedatum), escape(z.akkoord),
                        escape(z.recorded_by), escape(amsterdam::formatLocal(z.recorded_at))});
        if (forged)
            rows.back().push_back(
                z.authentic ? "–"
                            : "<strong class=\"onecht\">Niet door Sluis vastgelegd: deze regel is "
                              "buiten Sluis toegevoegd of gewijzigd en telt niet mee.</strong>");
    }
    std::vector<std::string> heads = {"Doel", "Datum inzage", "Akkoord", "Vastgelegd door",
                                      "Vastgelegd op"};
    if (forged) heads.push_back("Let op");
    std::string inzage_table =
        rows.empty() ? "<p>Geen inzage vastgelegd.</p>"
                     : "<p>Elke vastgelegde inzage, de nieuwste eerst. Sluis gaat uit van de "
                       "nieuwste.</p>" +
                           table(heads, rows, "Inzage (alle vastleggingen, nieuwste eerst)");
    log::info("web.register_viewed", {{"subject", pupil}, {"account", c.actor.name}});
    sendHtml(c, 200, "Register van leerling " + pupil,
             page("register.html", {{"pupil", pupil},
                                    {"pupil_url", urlEncode(pupil)},
                                    {"consents", consent_table},
                                    {"inzage", inzage_table}}),
             "/web/toestemming", flashFor(c));
}

void evidenceDownload(Call& c, const std::string& id) {
    auto file = api::consentEvidence(c.decisions(), id);  // role, visibility, audit
    if (!file) return refused(c, file.error(), "/web/toestemming", "Terug");
    log::info("web.evidence_viewed", {{"consent_id", id}, {"account", c.actor.name}});
    securityHeaders(c.resp, c.tls);
    c.resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    c.resp.setContentType(file->content_type);
    c.resp.set("Content-Disposition", "attachment; filename=\"bewijsstuk-" + id + "\"");
    c.resp.set("X-Sluis-Sha256", file->sha256);
    c.resp.setContentLength(static_cast<std::streamsize>(file->bytes.size()));
    c.resp.send() << file->bytes;
}

// --- Withdrawing a consent ---

void withdrawPage(Call& c, const std::string& id, const std::string& notice = "") {
    auto plan = api::consentWithdrawalPlan(c.decisions(), id);
    if (!plan) return refused(c, plan.error(), "/web/toestemming", "Terug");
    const store::Consent& k = plan->consent;
    const std::string back = "/web/register?leerling=" + urlEncode(k.pupil);
    std::string body;
    if (plan->blocked) {
        body = "<p class=\"fout\" role=\"alert\" id=\"kan-niet\">Intrekken kan nu niet: " +
               escape(plan->blocked->message) + "</p>";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& t : plan->stops)
            rows.push_back({"<code>" + escape(t.id) + "</code>", escape(t.route),
                            escape(t.destination), escape(stateLabel(t.state))});
        const size_t n = plan->stops.size();
        body = "<p class=\"gevolg\" id=\"gevolg\"><strong>" + std::to_string(n) +
               (n == 1 ? " overdracht wordt" : " overdrachten worden") +
               " gestopt.</strong> Wat nog niet is verstuurd, gaat dan niet meer weg; wat al "
               "is afgeleverd, blijft afgeleverd.</p>" +
               (rows.empty() ? std::string()
                             : table({"Overdracht", "Route", "Bestemming", "Status nu"}, rows,
                                     "Overdrachten die worden gestopt")) +
               "<form method=\"post\" action=\"/web/toestemming/" + escape(k.id) + "/intrekken\">" +
               csrfField(c) + "<input type=\"hidden\" name=\"verwacht\" value=\"" +
               std::to_string(n) +
               "\"><button type=\"submit\" id=\"intrekken-bevestigen\">Ja, toestemming "
               "intrekken</button></form>";
    }
    sendHtml(c, 200, "Toestemming intrekken",
             page("intrekken.html", {{"pupil", k.pupil},
                                     {"purpose", k.purpose},
                                     {"given_by", label(k.given_by, k.relation)},
                                     {"decided_on", k.decided_on},
                                     {"back", back},
                                     {"body", body}}),
             "/web/toestemming", notice.empty() ? "" : errorFlash(notice));
}

void withdrawPost(Call& c, const std::string& id) {
    const api::DecisionContext ctx = c.decisions();
    auto consent = api::visibleConsent(ctx, id);
    // The person confirmed the consequences shown; when they changed since, show them again.
    auto plan = api::consentWithdrawalPlan(ctx, id);
    if (plan && !plan->blocked && std::to_string(plan->stops.size()) != c.field("verwacht"))
        return withdrawPage(c, id,
                            "De gevolgen zijn veranderd sinds u de pagina opende. Bekijk ze opnieuw "
                            "en bevestig dan.");
    auto stopped = api::withdrawConsent(ctx, id);
    if (!stopped) return refused(c, stopped.error(), "/web/toestemming/" + id + "/intrekken", "Terug");
    log::info("web.consent_withdrawn",
              {{"consent_id", id}, {"account", c.actor.name}, {"transfers", stopped->size()}});
    redirect(c, "/web/register?leerling=" + urlEncode(consent ? consent->pupil : "") +
                    "&melding=ingetrokken&n=" + std::to_string(stopped->size()));
}

// --- The disclosure register of one pupil ---

void pupilPage(Call& c, const std::string& pupil) {
    auto reg = api::pupilDisclosures(c.decisions(), pupil, "web");  // role, visibility, audit
    if (!reg) return refused(c, reg.error(), "/web/", "Naar het overzicht");
    std::string list;
    const auto& deliveries = (*reg)["deliveries"];
    if (deliveries.empty()) list = "<p id=\"geen-verstrekkingen\">Er is over deze leerling nog niets verstrekt.</p>";
    for (const auto& d : deliveries) {
        auto strings = [](const nlohmann::json& a) {
            std::string out;
            for (const auto& x : a) {
                std::string s = x.is_string() ? x.get<std::string>() : x.value("path", x.dump());
                out += "<li><code>" + escape(s) + "</code></li>";
            }
            return out.empty() ? std::string("<p>geen</p>") : "<ul class=\"velden\">" + out + "</ul>";
        };
        std::string approved;
        for (const auto& a : d.value("approved_by", nlohmann::json::array()))
            approved += (approved.empty() ? "" : ", ") + a.value("by", "") + " (" + a.value("role", "") +
                        ", " + a.value("at", "") + ")";
        list += "<section class=\"verstrekking\"><h2>" + escape(d.value("delivered_at", "")) + " – " +
                escape(d.value("destination", "")) + "</h2><dl class=\"gegevens\">"
                "<dt>Verstuurd op</dt><dd>" + escape(d.value("delivered_at", "")) + "</dd>"
                "<dt>Aan</dt><dd>" + escape(d.value("destination", "")) + "</dd>"
                "<dt>Waarom</dt><dd>" + escape(d.value("purpose_description", "")) + " (" +
                escape(d.value("purpose", "")) + ")</dd>"
                "<dt>Grondslag</dt><dd>" + escape(d.value("legal_basis", "")) + "</dd>"
                "<dt>Goedgekeurd door</dt><dd>" + escape(approved.empty() ? "–" : approved) + "</dd>"
                "<dt>Overdracht</dt><dd><code>" + escape(d.value("transfer_id", "")) + "</code></dd>"
                "</dl><h3>Velden die zijn verstuurd</h3>" + strings(d.value("fields", nlohmann::json::array())) +
                "</section>";
    }
    sendHtml(c, 200, "Verstrekkingen over leerling " + pupil,
             page("leerling.html", {{"pupil", pupil}, {"deliveries", list}}), "");
}

/// "<id>" when the path is /web/toestemming/<id>/<what>.
std::optional<std::string> consentPath(const Call& c, const std::string& what) {
    const std::string prefix = "/web/toestemming/", suffix = "/" + what;
    const std::string& p = c.path;
    if (!p.starts_with(prefix) || !p.ends_with(suffix) || p.size() <= prefix.size() + suffix.size())
        return std::nullopt;
    std::string id = p.substr(prefix.size(), p.size() - prefix.size() - suffix.size());
    if (id.find('/') != std::string::npos) return std::nullopt;
    return id;
}

}  // namespace

bool routeConsent(Call& c) {
    if (c.path == "/web/toestemming") {
        if (c.get()) return consentForm(c, ""), true;
        if (c.post()) return consentPost(c), true;
    }
    if (c.path == "/web/register" && c.get()) return registerPage(c), true;
    if (auto id = consentPath(c, "bewijs"); id && c.get()) return evidenceDownload(c, *id), true;
    if (auto id = consentPath(c, "intrekken")) {
        if (c.get()) return withdrawPage(c, *id), true;
        if (c.post()) return withdrawPost(c, *id), true;
    }
    if (auto id = c.segmentAfter("/web/leerling/"); id && c.get()) return pupilPage(c, *id), true;
    return false;
}

}  // namespace sluis::web

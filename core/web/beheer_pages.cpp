// The Beheer pages (beheer_pages.h).
#include "core/web/beheer_pages.h"

#include <algorithm>

#include "core/api/admin_server.h"
#include "core/api/beheer_decisions.h"
#include "core/error.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"
#include "core/util/text.h"
#include "core/auth/credentials.h"

namespace sluis::web {

namespace {

const std::string kBase = "/web/beheer";
/// Dead letters a page (the oldest first).
constexpr size_t kDeadLetterPage = 50;

std::string when(const std::optional<Timestamp>& t, const char* none) {
    return t ? escape(amsterdam::formatLocal(*t)) : std::string(none);
}

/// A duration for people: "15 minuten", "8 uur", "90 seconden".
std::string duration(std::chrono::milliseconds d) {
    using namespace std::chrono;
    auto s = duration_cast<seconds>(d).count();
    if (s >= 3600 && s % 3600 == 0) return std::to_string(s / 3600) + " uur";
    if (s >= 60 && s % 60 == 0) return std::to_string(s / 60) + " minuten";
    return std::to_string(s) + " seconden";
}

/// A small form with one button that POSTs `fields` to `action`.
std::string buttonForm(const Call& c, const std::string& action,
                       const std::vector<std::pair<std::string, std::string>>& fields,
                       const std::string& label, const std::string& id,
                       const std::string& extra_label = "") {
    std::string f = "<form method=\"post\" action=\"" + escape(action) + "\">" + csrfField(c);
    for (const auto& [k, v] : fields)
        f += "<input type=\"hidden\" name=\"" + escape(k) + "\" value=\"" + escape(v) + "\">";
    return f + "<button type=\"submit\" class=\"secundair\" id=\"" + escape(id) + "\">" +
           escape(label) +
           (extra_label.empty() ? "" : "<span class=\"verborgen\"> " + escape(extra_label) + "</span>") +
           "</button></form>";
}

std::string roleOptions(const std::string& selected) {
    std::string out;
    for (const auto& r : api::knownRoles())
        out += "<option value=\"" + escape(r) + "\"" + (r == selected ? " selected" : "") + ">" +
               escape(r) + "</option>";
    return out;
}

/// The store's address without any password (a DSN's password= part is dropped).
std::string storeText(const config::StoreConfig& s) {
    if (s.backend != "postgresql") return "SQLite, bestand " + s.sqlite_path;
    std::string out;
    for (const auto& part : util::splitWords(s.postgresql_dsn)) {
        if (part.empty() || part.starts_with("password")) continue;
        out += (out.empty() ? "" : " ") + part;
    }
    return "PostgreSQL, " + out + (s.postgresql_password.empty() ? "" : " (wachtwoord ingesteld, niet getoond)");
}

std::string deadLetterSection(Call& c, const api::DecisionContext& ctx) {
    const size_t pagina = pageNumber(c);
    auto total = api::deadLetterCount(ctx);
    auto list = total ? api::deadLetters(ctx, kDeadLetterPage, (pagina - 1) * kDeadLetterPage)
                      : Result<std::vector<store::Transfer>>(total.error());
    if (!list) return errorFlash("De vastgelopen overdrachten kunnen nu niet worden gelezen.");
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : *list)
        rows.push_back({"<code>" + escape(t.id) + "</code>", escape(t.route), escape(t.destination),
                        escape(stateLabel(t.state)), std::to_string(t.attempts),
                        escape(t.last_error.empty() ? "onbekend" : t.last_error),
                        escape(amsterdam::formatLocal(t.updated_at)),
                        buttonForm(c, kBase + "/opnieuw", {{"id", t.id}}, "Opnieuw aanbieden",
                                   "opnieuw-" + t.id, t.id)});
    const size_t n = static_cast<size_t>(*total);
    if (rows.empty() && pagina == 1)
        return "<p id=\"geen-vastgelopen\">Er zijn geen vastgelopen of mislukte overdrachten.</p>";
    const size_t pages = (n + kDeadLetterPage - 1) / kDeadLetterPage;
    std::string out =
        "<p>Opnieuw aanbieden zet de overdracht terug vóór alle poorten: toestemming of inzage, "
        "goedkeuring en planning worden opnieuw beoordeeld. Los eerst de oorzaak op.</p>";
    if (n > kDeadLetterPage)
        out += "<p id=\"vastgelopen-aantal\">" + std::to_string(n) +
               " vastgelopen of mislukte overdrachten, de oudste eerst; pagina " +
               std::to_string(pagina) + " van " + std::to_string(pages) + ".</p>";
    out += "<div class=\"tabel-scroll\">" +
           table({"Overdracht", "Route", "Bestemming", "Staat", "Pogingen", "Reden", "Sinds",
                  "Actie"},
                 rows, "Vastgelopen en mislukte overdrachten") +
           "</div>";
    if (n > kDeadLetterPage)
        out += pageNav(pagina,
                       pagina > 1 ? kBase + "?pagina=" + std::to_string(pagina - 1) + "#vastgelopen" : "",
                       "Vorige",
                       pagina < pages ? kBase + "?pagina=" + std::to_string(pagina + 1) + "#vastgelopen" : "",
                       "Volgende");
    return out;
}

std::string tokenSection(Call& c, const api::DecisionContext& ctx) {
    auto list = api::listTokens(ctx);
    if (!list) return errorFlash("De API-tokens kunnen nu niet worden gelezen.");
    const Timestamp now = c.clock.now();
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : *list) {
        std::string status = t.revoked ? "ingetrokken"
                             : (t.expires_at && *t.expires_at <= now) ? "verlopen"
                                                                      : "geldig";
        std::string action =
            t.revoked ? ""
                      : "<a id=\"intrekken-" + escape(t.id) + "\" href=\"" + kBase +
                            "/tokens/intrekken?id=" + escape(t.id) + "\">Intrekken<span class=\"verborgen\"> " +
                            escape(t.name) + "</span></a>";
        rows.push_back({escape(t.name), escape(t.role), escape(amsterdam::formatLocal(t.created_at)),
                        when(t.expires_at, "nooit"), status, action});
    }
    return rows.empty() ? "<p>Er zijn geen API-tokens.</p>"
                        : table({"Naam", "Rol", "Aangemaakt", "Verloopt", "Status", "Actie"}, rows,
                                "API-tokens");
}

std::string accountSection(Call& c, const api::DecisionContext& ctx) {
    auto list = api::listAccounts(ctx);
    if (!list) return errorFlash("De accounts kunnen nu niet worden gelezen.");
    const Timestamp now = c.clock.now();
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : *list) {
        const bool locked = a.locked_until && *a.locked_until > now;
        std::string actions = "<a id=\"totp-" + escape(a.name) + "\" href=\"" + kBase +
                              "/accounts/totp?naam=" + escape(a.name) +
                              "\">Nieuwe tweede factor<span class=\"verborgen\"> " + escape(a.name) +
                              "</span></a>";
        if (a.name != c.actor.name)
            actions += " · <a id=\"rol-" + escape(a.name) + "\" href=\"" + kBase +
                       "/accounts/rol?naam=" + escape(a.name) +
                       "\">Rol wijzigen<span class=\"verborgen\"> " + escape(a.name) + "</span></a>";
        if (a.name != c.actor.name)
            actions += " · <a id=\"verwijderen-" + escape(a.name) + "\" href=\"" + kBase +
                       "/accounts/verwijderen?naam=" + escape(a.name) +
                       "\">Verwijderen<span class=\"verborgen\"> " + escape(a.name) + "</span></a>";
        rows.push_back({escape(a.name), escape(a.role),
                        locked ? "geblokkeerd tot " + escape(amsterdam::formatLocal(*a.locked_until))
                               : std::string("nee"),
                        when(a.last_login, "nooit"), actions});
    }
    return rows.empty() ? "<p>Er zijn geen accounts.</p>"
                        : table({"Naam", "Rol", "Geblokkeerd", "Laatst aangemeld", "Acties"}, rows,
                                "Accounts van de webinterface");
}

std::string configSection(const Call& c) {
    const config::Config& cfg = *c.config;
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : cfg.routes) {
        const auto* src = cfg.source(r.source);
        const auto* snk = cfg.sink(r.sink);
        rows.push_back({escape(r.name),
                        escape(r.source) + (src ? " (" + escape(src->type) + ")" : ""),
                        escape(r.sink) + (snk ? " (" + escape(snk->type) + ")" : ""),
                        escape(r.purpose),
                        r.schedule.empty() ? std::string("aan, leest doorlopend")
                                           : "aan, volgens schema <code>" + escape(r.schedule) + "</code>"});
    }
    const auto& web = cfg.admin.web;
    std::string tls = cfg.admin.tls ? (cfg.admin.tls->client_ca.empty()
                                           ? "aan (HTTPS)"
                                           : "aan (HTTPS, met clientcertificaten)")
                                    : "uit (alleen bereikbaar op deze computer)";
    std::string out = "<dl class=\"gegevens\">";
    auto item = [&](const std::string& k, const std::string& v, const std::string& id = "") {
        out += "<dt>" + escape(k) + "</dt><dd" + (id.empty() ? "" : " id=\"" + id + "\"") + ">" +
               escape(v) + "</dd>";
    };
    item("Configuratiemap", cfg.config_dir, "config-map");
    item("Gegevensmap", cfg.data_dir);
    item("Beleid (doelen)", cfg.config_dir + "/policies.json (" + std::to_string(cfg.policies.size()) +
                                " doelen)");
    item("Opslag", storeText(cfg.store), "opslag");
    item("Versleutelde verbinding (TLS)", tls, "tls");
    item("Webinterface", "sessie eindigt na " + duration(web.idle_timeout) + " zonder gebruik en uiterlijk na " +
                             duration(web.absolute_timeout) + "; blokkade na " +
                             std::to_string(web.max_failed_logins) + " mislukte pogingen, eerst " +
                             duration(web.lockout));
    out += "</dl>";
    out += "<h3>Routes</h3><p>Elke route in de configuratie is actief; een route uitzetten gaat door "
           "haar uit <code>routes.json</code> te halen en Sluis te herstarten.</p>";
    out += table({"Route", "Bron", "Bestemming", "Doel", "Actief"}, rows, "Routes");
    return out;
}

void beheerPage(Call& c, const std::string& flash) {
    const api::DecisionContext ctx = c.decisions();
    sendHtml(c, 200, "Beheer",
             page("beheer.html", {{"dead", deadLetterSection(c, ctx)},
                                  {"tokens", tokenSection(c, ctx)},
                                  {"accounts", accountSection(c, ctx)},
                                  {"config", configSection(c)},
                                  {"csrf", c.session->csrf},
                                  {"roles", roleOptions("")}}),
             kBase, flash.empty() ? flashFor(c) : flash);
}

/// A refusal or failure of a decision as a page (403 for a role, 404, 409, 400 ...).
void refused(Call& c, const Error& e) {
    message(c, httpStatus(e.code), "Beheer", e.message, kBase, "Terug naar beheer");
}

/// "Are you sure?" before an action that cannot be undone.
void confirm(Call& c, const std::string& title, const std::string& question,
             const std::string& action, const std::string& field, const std::string& value,
             const std::string& button) {
    sendHtml(c, 200, title,
             "<p>" + escape(question) + "</p><form method=\"post\" action=\"" + escape(action) +
                 "\">" + csrfField(c) + "<input type=\"hidden\" name=\"" + escape(field) +
                 "\" value=\"" + escape(value) + "\"><button type=\"submit\" id=\"bevestigen\">" +
                 escape(button) + "</button> <a href=\"" + kBase + "\">Annuleren</a></form>",
             kBase);
}

/// A secret shown once, with what to do with it.
std::string onceBlock(const std::string& intro, const std::vector<std::pair<std::string, std::string>>& items) {
    std::string out = "<div class=\"eenmalig\"><p>" + escape(intro) + "</p><dl class=\"gegevens\">";
    for (const auto& [k, v] : items) {
        const std::string id = k == "Token" ? "nieuw-token" : k == "Wachtwoord" ? "nieuw-wachtwoord"
                             : k == "TOTP-geheim" ? "nieuw-totp" : "nieuw-uri";
        out += "<dt>" + escape(k) + "</dt><dd><code id=\"" + id + "\">" + escape(v) + "</code></dd>";
    }
    return out + "</dl><p><strong>Dit wordt maar één keer getoond.</strong> Sluis bewaart het niet "
                 "leesbaar; kwijt is kwijt (maak dan een nieuw aan).</p></div><p><a href=\"" +
           kBase + "\">Terug naar beheer</a></p>";
}

void requeuePost(Call& c) {
    auto t = api::requeue(c.decisions(), c.field("id"));
    if (!t) return refused(c, t.error());
    log::info("web.requeued", {{"transfer_id", t->id}, {"account", c.actor.name}});
    redirect(c, kBase + "?melding=opnieuw-aangeboden");
}

void tokenPost(Call& c) {
    std::optional<Timestamp> expires;
    const std::string days = util::trim(c.field("dagen"));
    if (!days.empty()) {
        int n = 0;
        try {
            n = std::stoi(days);
        } catch (const std::exception&) {
        }
        if (n <= 0 || n > 3650)
            return beheerPage(c, errorFlash("Geldigheid: geef een aantal dagen tussen 1 en 3650, of laat het leeg (verloopt nooit)."));
        expires = c.clock.now() + std::chrono::hours(24 * n);
    }
    auto made = api::createToken(c.decisions(), c.field("naam"), c.field("rol"), expires);
    if (!made) {
        if (made.error().code == ErrorCode::kPermissionDenied) return refused(c, made.error());
        return beheerPage(c, errorFlash("Het token is niet aangemaakt: " + made.error().message));
    }
    log::info("web.token_created", {{"token_id", made->info.id}, {"account", c.actor.name}});
    sendHtml(c, 201, "Nieuw API-token",
             onceBlock("Het token '" + made->info.name + "' (rol " + made->info.role +
                           ") is aangemaakt. Geef het aan het systeem dat het gebruikt, als "
                           "'Authorization: Bearer <token>'.",
                       {{"Token", made->token}}),
             kBase);
}

void revokePost(Call& c) {
    const std::string id = c.field("id");
    if (auto st = api::revokeToken(c.decisions(), id); !st) return refused(c, st.error());
    log::info("web.token_revoked", {{"token_id", id}, {"account", c.actor.name}});
    redirect(c, kBase + "?melding=token-ingetrokken");
}

void accountPost(Call& c) {
    auto made = api::addAccount(c.decisions(), util::trim(c.field("naam")), c.field("rol"));
    if (!made) {
        if (made.error().code == ErrorCode::kPermissionDenied) return refused(c, made.error());
        return beheerPage(c, errorFlash("Het account is niet toegevoegd: " + made.error().message));
    }
    log::info("web.account_added", {{"name", made->name}, {"account", c.actor.name}});
    sendHtml(c, 201, "Nieuw account",
             onceBlock("Het account '" + made->name + "' (rol " + made->role +
                           ") is toegevoegd. Geef het wachtwoord veilig door; de tweede factor "
                           "gaat in een authenticator-app (het geheim intypen, of de otpauth-URI "
                           "als QR-code).",
                       {{"Wachtwoord", made->password},
                        {"TOTP-geheim", auth::base32Encode(made->totp_secret)},
                        {"otpauth-URI", auth::otpauthUri("Sluis", made->name, made->totp_secret)}}),
             kBase);
}

void totpPost(Call& c) {
    const std::string name = c.field("naam");
    auto secret = api::resetTotp(c.decisions(), name);
    if (!secret) return refused(c, secret.error());
    log::info("web.account_totp_reset", {{"name", name}, {"account", c.actor.name}});
    sendHtml(c, 200, "Nieuwe tweede factor",
             onceBlock("Account '" + name + "' heeft een nieuwe tweede factor; de oude codes werken "
                       "niet meer, een blokkade is opgeheven en open sessies zijn beëindigd.",
                       {{"TOTP-geheim", auth::base32Encode(*secret)},
                        {"otpauth-URI", auth::otpauthUri("Sluis", name, *secret)}}),
             kBase);
}

/// GET /web/beheer/accounts/rol?naam=: the new role, chosen from a list, with what it does.
void rolePage(Call& c, const std::string& error = "", int status = 400) {
    const std::string name = c.param("naam").empty() ? c.field("naam") : c.param("naam");
    auto list = api::listAccounts(c.decisions());
    if (!list) return refused(c, list.error());
    auto acc = std::find_if(list->begin(), list->end(), [&](const auto& a) { return a.name == name; });
    if (acc == list->end())
        return message(c, 404, "Rol wijzigen", "Account '" + name + "' bestaat niet.", kBase,
                       "Terug naar beheer");
    const std::string current = acc->role;
    std::string out = "<p>Account <strong>" + escape(name) + "</strong> heeft nu de rol <strong id=\"huidige-rol\">" +
                      escape(current) +
                      "</strong>. Wie nu met dit account is aangemeld, wordt meteen afgemeld en "
                      "werkt na opnieuw aanmelden met de nieuwe rol. De wijziging komt in het "
                      "auditlog.</p><form method=\"post\" action=\"" + kBase +
                      "/accounts/rol\" class=\"formulier\">" + csrfField(c) +
                      "<input type=\"hidden\" name=\"naam\" value=\"" + escape(name) +
                      "\"><div class=\"veld\"><label for=\"nieuwe-rol\">Nieuwe rol</label>" +
                      (error.empty() ? std::string()
                                     : "<p class=\"veld-fout\" id=\"nieuwe-rol-fout\">" + escape(error) + "</p>") +
                      "<select id=\"nieuwe-rol\" name=\"rol\" required" +
                      (error.empty() ? "" : " aria-describedby=\"nieuwe-rol-fout\" aria-invalid=\"true\"") +
                      ">" + roleOptions(current) +
                      "</select></div><button type=\"submit\" id=\"bevestigen\">Rol wijzigen</button> "
                      "<a href=\"" + kBase + "\">Annuleren</a></form>";
    sendHtml(c, error.empty() ? 200 : status, "Rol wijzigen", out, kBase,
             error.empty() ? "" : errorFlash("De rol is niet gewijzigd: " + error));
}

void rolePost(Call& c) {
    const std::string name = c.field("naam");
    const std::string role = c.field("rol");
    if (auto st = api::changeAccountRole(c.decisions(), name, role); !st) {
        if (st.code() == ErrorCode::kPermissionDenied || st.code() == ErrorCode::kNotFound)
            return refused(c, st.error());
        return rolePage(c, st.message(), httpStatus(st.code()));
    }
    log::info("web.account_role_changed", {{"name", name}, {"role", role}, {"account", c.actor.name}});
    redirect(c, kBase + "?melding=account-rol");
}

void removePost(Call& c) {
    const std::string name = c.field("naam");
    if (auto st = api::removeAccount(c.decisions(), name); !st) return refused(c, st.error());
    log::info("web.account_removed", {{"name", name}, {"account", c.actor.name}});
    redirect(c, kBase + "?melding=account-verwijderd");
}

}  // namespace

bool routeBeheer(Call& c) {
    const std::string& p = c.path;
    if (p != kBase && !p.starts_with(kBase + "/")) return false;
    // Only the beheerder: every page and every POST (the decisions check the role again).
    if (c.actor.role != api::kBeheerRole) {
        message(c, 403, "Geweigerd", "Alleen een beheerder mag deze pagina gebruiken.", "/web/",
                "Naar het overzicht");
        return true;
    }
    if (c.get()) {
        if (p == kBase) return beheerPage(c, ""), true;
        if (p == kBase + "/tokens/intrekken") {
            confirm(c, "Token intrekken",
                    "Wilt u token " + c.param("id") +
                        " intrekken? Systemen die het gebruiken krijgen daarna geen toegang meer. "
                        "Dit kan niet ongedaan worden gemaakt.",
                    p, "id", c.param("id"), "Ja, token intrekken");
            return true;
        }
        if (p == kBase + "/accounts/totp") {
            confirm(c, "Nieuwe tweede factor",
                    "Wilt u account '" + c.param("naam") +
                        "' een nieuwe tweede factor geven? De authenticator-app van de gebruiker "
                        "werkt daarna niet meer voor Sluis tot het nieuwe geheim erin staat, en wie "
                        "nu met dit account is aangemeld, wordt meteen afgemeld.",
                    p, "naam", c.param("naam"), "Ja, nieuwe tweede factor");
            return true;
        }
        if (p == kBase + "/accounts/rol") return rolePage(c), true;
        if (p == kBase + "/accounts/verwijderen") {
            confirm(c, "Account verwijderen",
                    "Wilt u account '" + c.param("naam") +
                        "' verwijderen? Aanmelden lukt daarna niet meer, en wie nu met dit account "
                        "is aangemeld, wordt meteen afgemeld.",
                    p, "naam", c.param("naam"), "Ja, account verwijderen");
            return true;
        }
        return false;
    }
    if (!c.post()) return false;
    if (p == kBase + "/opnieuw") return requeuePost(c), true;
    if (p == kBase + "/tokens") return tokenPost(c), true;
    if (p == kBase + "/tokens/intrekken") return revokePost(c), true;
    if (p == kBase + "/accounts") return accountPost(c), true;
    if (p == kBase + "/accounts/totp") return totpPost(c), true;
    if (p == kBase + "/accounts/verwijderen") return removePost(c), true;
    if (p == kBase + "/accounts/rol") return rolePost(c), true;
    return false;
}

}  // namespace sluis::web

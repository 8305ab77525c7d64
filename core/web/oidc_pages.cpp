// Login with OpenID Connect: start and callback (oidc_pages.h). The flow's protocol is in
// oidc_client; here are the cookie of the login in progress, the session and the Dutch pages.
#include "core/web/oidc_pages.h"

#include <Poco/Net/NameValueCollection.h>

#include "core/util/log.h"
#include "core/auth/credentials.h"
#include "core/web/login_pages.h"
#include "core/web/oidc_client.h"

namespace sluis::web {

namespace {

/// The cookie of a login in progress. SameSite=Lax, not Strict: the browser comes back from the
/// provider's site, and a Strict cookie is not sent on that navigation. It only names a
/// short-lived anonymous session holding state, nonce and PKCE verifier.
constexpr const char* kPendingCookie = "sluis_oidc";
constexpr const char* kPendingPath = "/web/login/oidc";
/// A login in progress must come back within this time.
constexpr auto kPendingMaxAge = std::chrono::minutes(10);

void pendingCookie(Call& c, const std::string& value, bool clear) {
    std::string cookie = std::string(kPendingCookie) + "=" + value + "; Path=" + kPendingPath +
                         "; HttpOnly; SameSite=Lax";
    if (c.tls) cookie += "; Secure";
    cookie += clear ? "; Max-Age=0" : "; Max-Age=600";
    c.resp.add("Set-Cookie", cookie);
}

std::string providerName(const Call& c) { return c.oidc->config().name; }

void refused(Call& c, int status, const std::string& text) {
    message(c, status, "Aanmelden niet gelukt", text, "/web/login", "Terug naar aanmelden");
}

void audit(Call& c, const std::string& actor, const std::string& event, nlohmann::json details) {
    details["method"] = "oidc";
    auto st = c.store.audit({actor, event, "", "", std::move(details)}, c.clock.now());
    if (!st) log::error("web.audit_failed", {{"event", event}, {"message", st.message()}});
}

void start(Call& c) {
    auto s = c.oidc->begin();
    if (!s) {
        log::error("web.oidc_unavailable", {{"message", s.error().message}});
        return refused(c, 502,
                       "Sluis kan de aanmeldserver van " + providerName(c) +
                           " nu niet bereiken. Probeer het later opnieuw, of meld u aan met uw "
                           "Sluis-account.");
    }
    // The values live server-side in a fresh anonymous session; the browser gets only its id.
    auto pending_id = c.sessions.create(
        Session::Stage::kAnonymous, "", "", "",
        {{"oidc_state", s->state}, {"oidc_nonce", s->nonce}, {"oidc_verifier", s->verifier}});
    if (!pending_id) return sessionRefused(c, pending_id.error());
    pendingCookie(c, *pending_id, false);
    log::info("web.oidc_start", {{"remote", c.req.clientAddress().host().toString()}});
    redirect(c, s->url);
}

void callback(Call& c) {
    Poco::Net::NameValueCollection cookies;
    c.req.getCookies(cookies);
    const std::string pending_id = cookies.get(kPendingCookie, "");
    std::optional<Session> pending;
    // One use only, read and deleted in one store transaction: of two callbacks with the same
    // cookie (a double click, two daemons behind a balancer) only one gets the pending login.
    if (!pending_id.empty()) pending = c.sessions.take(pending_id);
    pendingCookie(c, "", true);
    const auto value = [&](const char* k) {
        if (!pending) return std::string();
        auto it = pending->pending.find(k);
        return it == pending->pending.end() ? std::string() : it->second;
    };
    if (!pending || value("oidc_state").empty() ||
        c.clock.now() - pending->created > kPendingMaxAge) {
        log::warn("web.oidc_no_pending_login",
                  {{"remote", c.req.clientAddress().host().toString()}});
        return refused(c, 400,
                       "Deze aanmelding is verlopen of is in een andere browser begonnen. "
                       "Begin opnieuw met de knop op de aanmeldpagina.");
    }
    if (!auth::constantTimeEquals(value("oidc_state"), c.param("state"))) {
        log::warn("web.oidc_state_mismatch",
                  {{"remote", c.req.clientAddress().host().toString()}});
        audit(c, "oidc", "web_login_refused", {{"reason", "state"}});
        return refused(c, 400,
                       "Deze aanmelding is geweigerd: het antwoord hoort niet bij de aanmelding "
                       "die u in deze browser begon. Begin opnieuw met de knop op de "
                       "aanmeldpagina.");
    }
    if (const std::string error = c.param("error"); !error.empty()) {
        const bool denied = error == "access_denied";
        log::warn("web.oidc_provider_error",
                  {{"error", denied ? "access_denied" : error == "login_required"
                                                          ? "login_required"
                                                          : "other"}});
        if (denied)
            return refused(c, 403,
                           "U heeft de aanmelding bij " + providerName(c) +
                               " geannuleerd, of " + providerName(c) +
                               " geeft u geen toegang tot Sluis. Vraag zo nodig de beheerder "
                               "van uw school om toegang.");
        return refused(c, 502,
                       "De aanmeldserver van " + providerName(c) +
                           " meldt een fout. Probeer het opnieuw; blijft het misgaan, vraag dan "
                           "de beheerder.");
    }
    const std::string code = c.param("code");
    if (code.empty() || code.size() > 4096)
        return refused(c, 400, "Het antwoord van de aanmeldserver is onvolledig. Begin opnieuw.");

    auto login = c.oidc->finish(code, value("oidc_nonce"), value("oidc_verifier"));
    using O = oidc::OidcClient::Outcome;
    const std::string actor = login.subject.empty() ? "" : "oidc:" + login.subject;
    switch (login.outcome) {
        case O::kOk: break;
        case O::kUnavailable:
            log::error("web.oidc_unavailable", {{"message", login.detail}});
            return refused(c, 502,
                           "Sluis kan de aanmeldserver van " + providerName(c) +
                               " nu niet bereiken. Probeer het later opnieuw.");
        case O::kRefused:
            log::warn("web.oidc_refused", {{"reason", login.detail}});
            audit(c, "oidc", "web_login_refused", {{"reason", login.detail}});
            return refused(c, 401,
                           "De aanmelding kon niet worden gecontroleerd en is geweigerd. Begin "
                           "opnieuw; blijft het misgaan, vraag dan de beheerder.");
        case O::kDomain:
            log::warn("web.oidc_refused", {{"sub", login.subject}, {"reason", "domain"}});
            audit(c, actor, "web_login_refused", {{"reason", "domain"}});
            return refused(c, 403,
                           "Uw account hoort niet bij een school die Sluis gebruikt. Meld u aan "
                           "met het account van uw school.");
        case O::kNoRole:
            log::warn("web.oidc_refused", {{"sub", login.subject}, {"reason", "no_role"}});
            audit(c, actor, "web_login_refused", {{"reason", "no_role"}});
            return refused(c, 403,
                           "U bent aangemeld bij " + providerName(c) +
                               ", maar uw account heeft (nog) geen rol in Sluis. Vraag de "
                               "beheerder van uw school om u een rol te geven.");
    }
    // A full session with a new id (no fixation): the old one, if any, ends here.
    if (!c.cookie.empty()) c.sessions.remove(c.cookie);
    auto id = c.sessions.create(Session::Stage::kFull, actor, login.role, login.display);
    if (!id) return sessionRefused(c, id.error());
    c.cookie = *id;
    audit(c, actor, "web_login", {{"role", login.role}});
    log::info("web.login", {{"sub", login.subject}, {"role", login.role}, {"method", "oidc"}});
    // Answered with a page that moves on by itself, not a redirect: a redirect here is still part
    // of the navigation that came from the provider's site, and the browser would not send the
    // SameSite=Strict session cookie with it.
    setCookie(c, c.cookie);
    pendingCookie(c, "", true);
    c.resp.set("Refresh", "0; url=/web/");
    message(c, 200, "Aangemeld", "U bent aangemeld. Sluis opent het overzicht.", "/web/",
            "Naar het overzicht");
}

}  // namespace

std::string oidcButton(const Call& c) {
    if (!c.oidc) return "";
    return "<p class=\"oidc\"><a class=\"knop\" id=\"oidc\" href=\"/web/login/oidc\">Aanmelden met " +
           escape(c.oidc->config().name) + "</a></p>";
}

bool routeOidc(Call& c) {
    if (c.path != "/web/login/oidc" && c.path != "/web/login/oidc/callback") return false;
    if (!c.oidc || !c.get()) {
        message(c, 404, "Niet gevonden", "Deze pagina bestaat niet.", "/web/login",
                "Naar aanmelden");
        return true;
    }
    if (c.path == "/web/login/oidc") start(c);
    else callback(c);
    return true;
}

}  // namespace sluis::web

// Local login: password (argon2id), then a TOTP code; lockout with back-off (login_pages.h).
#include "core/web/login_pages.h"

#include <algorithm>

#include "core/util/log.h"
#include "core/util/text.h"
#include "core/auth/credentials.h"
#include "core/web/oidc_pages.h"

namespace sluis::web {

namespace {

void loginPage(Call& c, const std::string& error) {
    if (c.loggedIn() && error.empty()) return redirect(c, "/web/");
    // A fresh anonymous session for the form's CSRF token (and no reuse of an old session id).
    if (!c.cookie.empty()) c.sessions.remove(c.cookie);
    c.cookie.clear();
    auto id = c.sessions.create(Session::Stage::kAnonymous, "", "");
    if (!id) return sessionRefused(c, id.error());
    c.cookie = *id;
    c.session = c.sessions.touch(c.cookie);
    if (!c.session) return sessionRefused(c, Error{ErrorCode::kStorage, "sessie"});
    setCookie(c, c.cookie);
    std::string flash = error.empty() ? flashFor(c)
                                      : errorFlash(error);
    sendHtml(c, error.empty() ? 200 : 401, "Aanmelden",
             page("login.html", {{"csrf", c.session->csrf},
                                       {"naam", c.field("naam")},
                                       {"oidc", oidcButton(c)}}), "", flash);
}

void loginFailed(Call& c, const store::Account& a) {
    const auto& web = c.config->admin.web;
    store::LoginUpdate u;
    u.failed_logins = a.failed_logins + 1;
    u.last_totp_step = a.last_totp_step;
    if (u.failed_logins >= web.max_failed_logins) {
        // The lock doubles with each further failure, up to a day.
        const int extra = std::min(u.failed_logins - web.max_failed_logins, 16);
        auto lock = web.lockout * (1LL << extra);
        lock = std::min<std::chrono::milliseconds>(lock, std::chrono::hours(24));
        u.locked_until = c.clock.now() + lock;
        u.locked_now = true;
    }
    auto st = c.store.recordLogin(a.name, u, c.clock.now());
    if (!st) log::error("web.login_record_failed", {{"account", a.name}, {"message", st.message()}});
    log::warn("web.login_failed", {{"account", a.name}, {"failed_logins", u.failed_logins},
                                   {"locked", u.locked_now}});
}

std::string lockedMessage(Timestamp until, Timestamp now) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(until - now).count() + 1;
    return "Dit account is tijdelijk geblokkeerd na te veel mislukte pogingen. Probeer het over " +
           std::to_string(minutes) + " minuut/minuten opnieuw, of vraag de beheerder.";
}
void loginPost(Call& c) {
    const std::string name = util::trim(c.field("naam"));
    const std::string password = c.field("wachtwoord");
    const std::string wrong = "Onbekende gebruikersnaam of onjuist wachtwoord.";
    auto found = name.empty() ? Result<std::optional<store::Account>>(std::nullopt)
                              : c.store.findAccount(name);
    if (!found) {
        log::error("web.account_read_failed", {{"message", found.error().message}});
        return message(c, 500, "Storing", "Aanmelden lukt nu niet; probeer het later opnieuw.",
                       "/web/login", "Terug");
    }
    if (!found->has_value()) {
        auth::verifyPassword(c.dummy_hash, password);  // as slow as a known name
        log::warn("web.login_unknown", {{"remote", c.req.clientAddress().host().toString()}});
        return loginPage(c, wrong);
    }
    const store::Account& a = **found;
    const Timestamp now = c.clock.now();
    if (a.locked_until && *a.locked_until > now)
        return loginPage(c, lockedMessage(*a.locked_until, now));
    if (!auth::verifyPassword(a.password_hash, password)) {
        loginFailed(c, a);
        return loginPage(c, wrong);
    }
    // Password accepted: a new session id for the second step.
    c.sessions.remove(c.cookie);
    auto id = c.sessions.create(Session::Stage::kTotp, a.name, a.role);
    if (!id) return sessionRefused(c, id.error());
    c.cookie = *id;
    setCookie(c, c.cookie);
    redirect(c, "/web/login/totp");
}

void totpPage(Call& c, const std::string& error) {
    if (!c.session || c.session->stage != Session::Stage::kTotp) return redirect(c, "/web/login");
    std::string flash =
        error.empty() ? "" : errorFlash(error);
    sendHtml(c, error.empty() ? 200 : 401, "Code uit de app",
             page("totp.html", {{"csrf", c.session->csrf}, {"naam", c.session->name}}), "", flash);
}

void totpPost(Call& c) {
    if (!c.session || c.session->stage != Session::Stage::kTotp) return redirect(c, "/web/login");
    auto found = c.store.findAccount(c.session->name);
    if (!found || !found->has_value()) {
        c.sessions.remove(c.cookie);
        return redirect(c, "/web/login");
    }
    const store::Account& a = **found;
    const Timestamp now = c.clock.now();
    if (a.locked_until && *a.locked_until > now) {
        c.sessions.remove(c.cookie);
        c.cookie.clear();
        return loginPage(c, lockedMessage(*a.locked_until, now));
    }
    const long long unix_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    auto step = auth::verifyTotp(a.totp_secret, util::trim(c.field("code")), unix_s,
                           static_cast<uint64_t>(std::max(0LL, a.last_totp_step)));
    if (!step) {
        loginFailed(c, a);
        return totpPage(c, "Deze code klopt niet (of is al gebruikt). Probeer de volgende code.");
    }
    store::LoginUpdate u;
    u.success = true;
    u.last_totp_step = static_cast<long long>(*step);
    auto st = c.store.recordLogin(a.name, u, now);
    if (!st) {
        log::error("web.login_record_failed", {{"account", a.name}, {"message", st.message()}});
        return message(c, 500, "Storing", "Aanmelden lukt nu niet; probeer het later opnieuw.",
                       "/web/login", "Terug");
    }
    c.sessions.remove(c.cookie);
    auto id = c.sessions.create(Session::Stage::kFull, a.name, a.role);
    if (!id) return sessionRefused(c, id.error());
    c.cookie = *id;
    setCookie(c, c.cookie);
    log::info("web.login", {{"account", a.name}, {"role", a.role}});
    redirect(c, "/web/");
}

}  // namespace

void sessionRefused(Call& c, const Error& e) {
    setCookie(c, "", /*clear=*/true);
    message(c, e.code == ErrorCode::kUnavailable ? 503 : 500, "Aanmelden lukt nu niet",
            sessionRefusedText(e), "/web/login", "Opnieuw proberen");
}

void logout(Call& c) {
    c.sessions.remove(c.cookie);
    setCookie(c, "", /*clear=*/true);
    log::info("web.logout", {{"account", c.session->name}});
    redirect(c, "/web/login?melding=afgemeld");
}

bool routeLogin(Call& c) {
    if (c.path == "/web/login" && c.get()) return loginPage(c, ""), true;
    if (c.path == "/web/login" && c.post()) return loginPost(c), true;
    if (c.path == "/web/login/totp" && c.get()) return totpPage(c, ""), true;
    if (c.path == "/web/login/totp" && c.post()) return totpPost(c), true;
    return false;
}

}  // namespace sluis::web

// The web interface (web_ui.h, docs/web.md). Pages are templates from web/templates filled with
// `render` (escaped by default); lists and tables are built here with `escape`. Every decision
// calls core/api/decisions.h, as the JSON API does.
#include "core/web/web_ui.h"

#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "core/api/decisions.h"
#include "core/crypto/payload_cipher.h"
#include "core/error.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"
#include "core/util/text.h"
#include "core/web/auth.h"
#include "core/web/templates.h"

namespace sluis::web {

using nlohmann::json;
using Stage = Session::Stage;

namespace {

constexpr const char* kCookie = "sluis_sessie";
constexpr std::streamsize kMaxForm = 64 * 1024;

const char* stateLabel(transfer::State s) {
    using S = transfer::State;
    switch (s) {
        case S::kReceived: return "ontvangen";
        case S::kMapped: return "opgesteld";
        case S::kAwaitingConsent: return "wacht op toestemming of inzage";
        case S::kAwaitingApproval: return "wacht op goedkeuring";
        case S::kScheduled: return "ingepland";
        case S::kDelivering: return "wordt afgeleverd";
        case S::kDelivered: return "afgeleverd";
        case S::kRejected: return "afgewezen";
        case S::kWithdrawn: return "ingetrokken";
        case S::kFailed: return "mislukt, wordt opnieuw geprobeerd";
        case S::kDeadLettered: return "vastgelopen (beheerder)";
    }
    return "onbekend";
}

/// The roles that may register an inzage (decisions.cpp checks it again).
const std::vector<std::string> kInzageRoles = {"beheerder", "mentor", "zorgcoordinator",
                                               "directeur"};

std::map<std::string, std::string> parseForm(const std::string& body) {
    std::map<std::string, std::string> out;
    size_t i = 0;
    while (i <= body.size()) {
        size_t amp = body.find('&', i);
        if (amp == std::string::npos) amp = body.size();
        std::string pair = body.substr(i, amp - i);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            std::string k = pair.substr(0, eq), v = eq == std::string::npos ? "" : pair.substr(eq + 1);
            std::replace(k.begin(), k.end(), '+', ' ');
            std::replace(v.begin(), v.end(), '+', ' ');
            std::string dk, dv;
            try {
                Poco::URI::decode(k, dk);
                Poco::URI::decode(v, dv);
            } catch (const Poco::Exception&) {
                dk.clear();
            }
            if (!dk.empty() && !out.count(dk)) out[dk] = dv;
        }
        i = amp + 1;
    }
    return out;
}

}  // namespace

struct WebUi::Call {
    Poco::Net::HTTPServerRequest& req;
    Poco::Net::HTTPServerResponse& resp;
    bool tls;
    std::string path;
    Poco::URI::QueryParameters query;
    std::map<std::string, std::string> form;
    std::string cookie;              ///< the session cookie's value, if any
    std::optional<Session> session;  ///< the valid session of that cookie

    bool loggedIn() const { return session && session->stage == Stage::kFull; }
    std::string param(const std::string& k) const {
        for (const auto& [key, v] : query)
            if (key == k) return v;
        return {};
    }
    std::string field(const std::string& k) const {
        auto it = form.find(k);
        return it == form.end() ? std::string() : it->second;
    }
};

namespace {

void securityHeaders(Poco::Net::HTTPServerResponse& resp, bool tls) {
    resp.set("Content-Security-Policy",
             "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; "
             "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    resp.set("X-Frame-Options", "DENY");
    resp.set("X-Content-Type-Options", "nosniff");
    resp.set("Referrer-Policy", "no-referrer");
    resp.set("Cache-Control", "no-store");
    resp.set("Pragma", "no-cache");
    if (tls) resp.set("Strict-Transport-Security", "max-age=31536000");
}

void setCookie(WebUi::Call& c, const std::string& value, bool clear = false);

std::string nav(const WebUi::Call& c, const std::string& current) {
    if (!c.loggedIn()) return "";
    auto item = [&](const char* href, const char* label) {
        std::string a = "<li><a href=\"" + std::string(href) + "\"";
        if (current == href) a += " aria-current=\"page\"";
        return a + ">" + label + "</a></li>";
    };
    return "<nav aria-label=\"Hoofdmenu\"><ul>" + item("/web/", "Overzicht") +
           item("/web/goedkeuren", "Goedkeuren") + item("/web/inzage", "Toestemming en inzage") +
           "<li>" + escape(c.session->name) + " (" + escape(c.session->role) +
           ")</li><li><form method=\"post\" action=\"/web/logout\"><input type=\"hidden\" "
           "name=\"csrf\" value=\"" + escape(c.session->csrf) +
           "\"><button type=\"submit\" class=\"link\">Afmelden</button></form></li></ul></nav>";
}

void sendHtml(WebUi::Call& c, int status, const std::string& title, const std::string& content,
              const std::string& current = "", const std::string& flash = "") {
    Vars v{{"title", title}, {"nav", nav(c, current)}, {"content", content}, {"flash", flash}};
    std::string page = render(*templateText("layout.html"), v);
    securityHeaders(c.resp, c.tls);
    c.resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    c.resp.setContentType("text/html; charset=utf-8");
    c.resp.setContentLength(static_cast<std::streamsize>(page.size()));
    c.resp.send() << page;
}

std::string page(const char* name, const Vars& vars) { return render(*templateText(name), vars); }

void redirect(WebUi::Call& c, const std::string& to) {
    securityHeaders(c.resp, c.tls);
    c.resp.setStatus(Poco::Net::HTTPResponse::HTTP_SEE_OTHER);
    c.resp.set("Location", to);
    c.resp.setContentLength(0);
    c.resp.send();
}

void message(WebUi::Call& c, int status, const std::string& title, const std::string& text,
             const std::string& back, const std::string& back_label) {
    sendHtml(c, status, title,
             page("melding.html", {{"kind", status < 400 ? "goed" : "fout"},
                                   {"message", text},
                                   {"back", back},
                                   {"back_label", back_label}}));
}

void setCookie(WebUi::Call& c, const std::string& value, bool clear) {
    std::string cookie = std::string(kCookie) + "=" + value +
                         "; Path=/web; HttpOnly; SameSite=Strict";
    if (c.tls) cookie += "; Secure";
    if (clear) cookie += "; Max-Age=0";
    c.resp.set("Set-Cookie", cookie);
}

std::string flashFor(const WebUi::Call& c) {
    const std::string m = c.param("melding");
    std::string text;
    if (m == "goedgekeurd") text = "De overdracht is goedgekeurd. Sluis levert haar af zodra alle voorwaarden vervuld zijn.";
    if (m == "afgewezen") text = "De overdracht is afgewezen; zij wordt niet verstuurd.";
    if (m == "inzage") {
        int n = 0;
        try {
            n = std::stoi(c.param("n"));
        } catch (const std::exception&) {
        }
        text = "De inzage is vastgelegd. " + std::to_string(std::max(n, 0)) +
               " wachtend(e) dossier(s) worden opnieuw opgesteld.";
    }
    if (m == "afgemeld") text = "U bent afgemeld.";
    if (m == "verlopen") text = "Uw sessie is verlopen. Meld u opnieuw aan.";
    if (text.empty()) return "";
    return "<p class=\"goed\" role=\"status\">" + escape(text) + "</p>";
}

std::string table(const std::vector<std::string>& heads,
                  const std::vector<std::vector<std::string>>& rows, const std::string& caption) {
    std::string t = "<table><caption class=\"verborgen\">" + escape(caption) + "</caption><thead><tr>";
    for (const auto& h : heads) t += "<th scope=\"col\">" + escape(h) + "</th>";
    t += "</tr></thead><tbody>";
    for (const auto& r : rows) {
        t += "<tr>";
        for (const auto& cell : r) t += "<td>" + cell + "</td>";  // cells are escaped by callers
        t += "</tr>";
    }
    return t + "</tbody></table>";
}

}  // namespace

WebUi::WebUi(std::shared_ptr<const config::Config> config, store::TransferStore& store,
             const Clock& clock)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      sessions_(clock, config_->admin.web.idle_timeout, config_->admin.web.absolute_timeout) {
    auto dummy = hashPassword(util::toHex(crypto::randomBytes(16)));
    if (dummy) dummy_hash_ = *dummy;
}

bool WebUi::handles(const std::string& path) {
    return path == "/" || path == "/web" || path.starts_with("/web/");
}

void WebUi::serve(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                  bool tls, const std::function<void()>& body_read) {
    Poco::URI uri(req.getURI());
    Call c{req, resp, tls, uri.getPath(), uri.getQueryParameters(), {}, {}, {}};
    if (req.getMethod() == "POST") {
        if (req.getContentLength() > kMaxForm)
            return message(c, 413, "Te groot", "Het formulier is te groot.", "/web/", "Terug");
        std::string body;
        char buf[4096];
        std::istream& in = req.stream();
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            body.append(buf, static_cast<size_t>(in.gcount()));
            if (static_cast<std::streamsize>(body.size()) > kMaxForm)
                return message(c, 413, "Te groot", "Het formulier is te groot.", "/web/", "Terug");
        }
        c.form = parseForm(body);
    }
    body_read();
    Poco::Net::NameValueCollection cookies;
    req.getCookies(cookies);
    c.cookie = cookies.get(kCookie, "");
    if (!c.cookie.empty()) c.session = sessions_.touch(c.cookie);
    route(c);
}

void WebUi::route(Call& c) {
    const std::string& p = c.path;
    const bool post = c.req.getMethod() == "POST";
    const bool get = c.req.getMethod() == "GET" || c.req.getMethod() == "HEAD";
    if (get && p == "/web/static/style.css") {
        auto css = *staticFile("style.css");
        securityHeaders(c.resp, c.tls);
        c.resp.set("Cache-Control", "no-cache");
        c.resp.setContentType("text/css; charset=utf-8");
        c.resp.setContentLength(static_cast<std::streamsize>(css.size()));
        c.resp.send() << css;
        return;
    }
    if (get && (p == "/" || p == "/web")) return redirect(c, "/web/");
    // Every POST carries the CSRF token of its session; without both it is refused.
    if (post) {
        if (!c.session || !SessionStore::csrfValid(*c.session, c.field("csrf"))) {
            log::warn("web.csrf_refused",
                      {{"path", p}, {"remote", c.req.clientAddress().host().toString()}});
            return message(c, 403, "Geweigerd",
                           "Dit formulier is niet (meer) geldig: uw sessie is verlopen of het "
                           "formulier kwam niet van deze pagina. Meld u opnieuw aan.",
                           "/web/login", "Naar aanmelden");
        }
    }
    if (p == "/web/login" && get) return loginPage(c, "");
    if (p == "/web/login" && post) return loginPost(c);
    if (p == "/web/login/totp" && get) return totpPage(c, "");
    if (p == "/web/login/totp" && post) return totpPost(c);
    if (!c.loggedIn()) {
        if (get) return redirect(c, "/web/login");
        return message(c, 403, "Geweigerd", "U bent niet aangemeld.", "/web/login",
                       "Naar aanmelden");
    }
    if (p == "/web/logout" && post) return logout(c);
    if (p == "/web/" && get) return overview(c);
    if (p == "/web/goedkeuren" && get) return queue(c);
    const std::string prefix = "/web/goedkeuren/";
    if (p.starts_with(prefix) && p.size() > prefix.size() &&
        p.find('/', prefix.size()) == std::string::npos) {
        const std::string id = p.substr(prefix.size());
        if (get) return transferPage(c, id);
        if (post) return decide(c, id);
    }
    if (p == "/web/inzage" && get) return inzagePage(c, "");
    if (p == "/web/inzage" && post) return inzagePost(c);
    message(c, 404, "Niet gevonden", "Deze pagina bestaat niet.", "/web/", "Naar het overzicht");
}

// --- Login ---

void WebUi::loginPage(Call& c, const std::string& error) {
    if (c.loggedIn() && error.empty()) return redirect(c, "/web/");
    // A fresh anonymous session for the form's CSRF token (and no reuse of an old session id).
    if (!c.cookie.empty()) sessions_.remove(c.cookie);
    c.cookie = sessions_.create(Stage::kAnonymous, "", "");
    c.session = sessions_.touch(c.cookie);
    setCookie(c, c.cookie);
    std::string flash = error.empty() ? flashFor(c)
                                      : "<p class=\"fout\" role=\"alert\">" + escape(error) + "</p>";
    sendHtml(c, error.empty() ? 200 : 401, "Aanmelden",
             page("login.html", {{"csrf", c.session->csrf}, {"naam", c.field("naam")}}), "", flash);
}

void WebUi::loginFailed(const store::Account& a) {
    const auto& web = config_->admin.web;
    store::LoginUpdate u;
    u.failed_logins = a.failed_logins + 1;
    u.last_totp_step = a.last_totp_step;
    if (u.failed_logins >= web.max_failed_logins) {
        // The lock doubles with each further failure, up to a day.
        const int extra = std::min(u.failed_logins - web.max_failed_logins, 16);
        auto lock = web.lockout * (1LL << extra);
        lock = std::min<std::chrono::milliseconds>(lock, std::chrono::hours(24));
        u.locked_until = clock_.now() + lock;
        u.locked_now = true;
    }
    auto st = store_.recordLogin(a.name, u, clock_.now());
    if (!st) log::error("web.login_record_failed", {{"account", a.name}, {"message", st.message()}});
    log::warn("web.login_failed", {{"account", a.name}, {"failed_logins", u.failed_logins},
                                   {"locked", u.locked_now}});
}

namespace {
std::string lockedMessage(Timestamp until, Timestamp now) {
    auto minutes = std::chrono::duration_cast<std::chrono::minutes>(until - now).count() + 1;
    return "Dit account is tijdelijk geblokkeerd na te veel mislukte pogingen. Probeer het over " +
           std::to_string(minutes) + " minuut/minuten opnieuw, of vraag de beheerder.";
}
}  // namespace

void WebUi::loginPost(Call& c) {
    const std::string name = util::trim(c.field("naam"));
    const std::string password = c.field("wachtwoord");
    const std::string wrong = "Onbekende gebruikersnaam of onjuist wachtwoord.";
    auto found = name.empty() ? Result<std::optional<store::Account>>(std::nullopt)
                              : store_.findAccount(name);
    if (!found) {
        log::error("web.account_read_failed", {{"message", found.error().message}});
        return message(c, 500, "Storing", "Aanmelden lukt nu niet; probeer het later opnieuw.",
                       "/web/login", "Terug");
    }
    if (!found->has_value()) {
        verifyPassword(dummy_hash_, password);  // as slow as a known name
        log::warn("web.login_unknown", {{"remote", c.req.clientAddress().host().toString()}});
        return loginPage(c, wrong);
    }
    const store::Account& a = **found;
    const Timestamp now = clock_.now();
    if (a.locked_until && *a.locked_until > now)
        return loginPage(c, lockedMessage(*a.locked_until, now));
    if (!verifyPassword(a.password_hash, password)) {
        loginFailed(a);
        return loginPage(c, wrong);
    }
    // Password accepted: a new session id for the second step.
    sessions_.remove(c.cookie);
    c.cookie = sessions_.create(Stage::kTotp, a.name, a.role);
    setCookie(c, c.cookie);
    redirect(c, "/web/login/totp");
}

void WebUi::totpPage(Call& c, const std::string& error) {
    if (!c.session || c.session->stage != Stage::kTotp) return redirect(c, "/web/login");
    std::string flash =
        error.empty() ? "" : "<p class=\"fout\" role=\"alert\">" + escape(error) + "</p>";
    sendHtml(c, error.empty() ? 200 : 401, "Code uit de app",
             page("totp.html", {{"csrf", c.session->csrf}, {"naam", c.session->name}}), "", flash);
}

void WebUi::totpPost(Call& c) {
    if (!c.session || c.session->stage != Stage::kTotp) return redirect(c, "/web/login");
    auto found = store_.findAccount(c.session->name);
    if (!found || !found->has_value()) {
        sessions_.remove(c.cookie);
        return redirect(c, "/web/login");
    }
    const store::Account& a = **found;
    const Timestamp now = clock_.now();
    if (a.locked_until && *a.locked_until > now) {
        sessions_.remove(c.cookie);
        c.cookie.clear();
        return loginPage(c, lockedMessage(*a.locked_until, now));
    }
    const long long unix_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    auto step = verifyTotp(a.totp_secret, util::trim(c.field("code")), unix_s,
                           static_cast<uint64_t>(std::max(0LL, a.last_totp_step)));
    if (!step) {
        loginFailed(a);
        return totpPage(c, "Deze code klopt niet (of is al gebruikt). Probeer de volgende code.");
    }
    store::LoginUpdate u;
    u.success = true;
    u.last_totp_step = static_cast<long long>(*step);
    auto st = store_.recordLogin(a.name, u, now);
    if (!st) {
        log::error("web.login_record_failed", {{"account", a.name}, {"message", st.message()}});
        return message(c, 500, "Storing", "Aanmelden lukt nu niet; probeer het later opnieuw.",
                       "/web/login", "Terug");
    }
    sessions_.remove(c.cookie);
    c.cookie = sessions_.create(Stage::kFull, a.name, a.role);
    setCookie(c, c.cookie);
    log::info("web.login", {{"account", a.name}, {"role", a.role}});
    redirect(c, "/web/");
}

void WebUi::logout(Call& c) {
    sessions_.remove(c.cookie);
    setCookie(c, "", /*clear=*/true);
    log::info("web.logout", {{"account", c.session->name}});
    redirect(c, "/web/login?melding=afgemeld");
}

// --- Pages ---

void WebUi::overview(Call& c) {
    const api::Actor actor{c.session->name, c.session->role};
    const api::DecisionContext ctx{config_, store_, clock_, actor};
    std::string todo;
    store::ListFilter f;
    f.state = transfer::State::kAwaitingApproval;
    f.purposes = api::visiblePurposes(ctx);  // what this role may see (policies.json visible_to)
    f.limit = 1000;
    int mine = 0;
    if (auto list = store_.list(f))
        for (const auto& t : *list) mine += api::mayApprove(ctx, t.purpose);
    f.state = transfer::State::kAwaitingConsent;
    size_t waiting_consent = 0;
    if (auto list = store_.list(f)) waiting_consent = list->size();
    std::vector<std::string> items;
    if (mine > 0)
        items.push_back("<a href=\"/web/goedkeuren\">" + std::to_string(mine) +
                        " overdracht(en) wachten op uw goedkeuring</a>");
    if (waiting_consent > 0 && actor.hasRole(kInzageRoles))
        items.push_back("<a href=\"/web/inzage\">" + std::to_string(waiting_consent) +
                        " overdracht(en) wachten op toestemming of inzage</a>");
    if (items.empty()) {
        todo = "<p>Er wacht nu niets op u.</p>";
    } else {
        todo = "<ul>";
        for (const auto& i : items) todo += "<li>" + i + "</li>";
        todo += "</ul>";
    }
    std::string counts;
    auto by = store_.countByRouteState();
    if (!by) {
        counts = "<p class=\"fout\">De aantallen kunnen nu niet worden gelezen.</p>";
    } else if (by->empty()) {
        counts = "<p>Er zijn nog geen overdrachten.</p>";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& [key, n] : *by) {
            // A route of a purpose this role does not see is left out, count and all.
            const auto route = std::find_if(config_->routes.begin(), config_->routes.end(),
                                            [&](const auto& r) { return r.name == key.first; });
            if (route != config_->routes.end() && !api::seesPurpose(ctx, route->purpose)) continue;
            rows.push_back({escape(key.first), escape(stateLabel(key.second)), std::to_string(n)});
        }
        counts = rows.empty() ? "<p>Er zijn nog geen overdrachten.</p>"
                              : table({"Route", "Status", "Aantal"}, rows, "Overdrachten per route en status");
    }
    sendHtml(c, 200, "Overzicht", page("overzicht.html", {{"todo", todo}, {"counts", counts}}),
             "/web/", flashFor(c));
}

void WebUi::queue(Call& c) {
    const api::Actor actor{c.session->name, c.session->role};
    const api::DecisionContext ctx{config_, store_, clock_, actor};
    store::ListFilter f;
    f.state = transfer::State::kAwaitingApproval;
    f.purposes = api::visiblePurposes(ctx);  // what this role may see (policies.json visible_to)
    f.limit = 1000;
    auto list = store_.list(f);
    if (!list)
        return message(c, 500, "Storing", "De wachtrij kan nu niet worden gelezen.", "/web/",
                       "Naar het overzicht");
    bool approver = false;
    for (const auto& [name, p] : config_->policies)
        approver = approver || (p.approvals.required > 0 && actor.hasRole(p.approvals.roles));
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : *list) {
        if (approver && !api::mayApprove(ctx, t.purpose)) continue;
        rows.push_back({escape(t.subject), escape(t.route), escape(t.purpose), escape(t.destination),
                        escape(amsterdam::formatLocal(t.updated_at)),
                        "<a href=\"/web/goedkeuren/" + escape(t.id) + "\">Bekijken<span class=\"verborgen\"> " +
                            escape(t.id) + "</span></a>"});
    }
    const std::string intro =
        approver ? "Overdrachten die op uw goedkeuring wachten. Bekijk elke overdracht voordat u "
                   "besluit: u keurt precies goed wat u ziet."
                 : "Uw rol keurt geen overdrachten goed. U kunt wel zien wat op goedkeuring wacht.";
    std::string q = rows.empty() ? "<p>Er wacht niets op goedkeuring.</p>"
                                 : table({"Leerling (id)", "Route", "Doel", "Bestemming",
                                          "Sinds", "Actie"},
                                         rows, "Wachtrij goedkeuren");
    sendHtml(c, 200, "Goedkeuren", page("goedkeuren.html", {{"intro", intro}, {"queue", q}}),
             "/web/goedkeuren", flashFor(c));
}

void WebUi::transferPage(Call& c, const std::string& id) {
    const api::Actor actor{c.session->name, c.session->role};
    const api::DecisionContext ctx{config_, store_, clock_, actor};
    auto pv = api::preview(ctx, id);
    if (!pv)
        return message(c, httpStatus(pv.error().code), "Overdracht", pv.error().message,
                       "/web/goedkeuren", "Terug naar de wachtrij");
    const store::Transfer& t = pv->transfer;
    std::string included;
    if (pv->included.empty()) {
        included = "<p>Geen velden.</p>";
    } else {
        included = "<ul class=\"velden\">";
        for (const auto& f : pv->included)
            included += "<li><code>" + escape(f.is_string() ? f.get<std::string>() : f.dump()) +
                        "</code></li>";
        included += "</ul>";
    }
    std::string withheld;
    if (pv->withheld.empty()) {
        withheld = "<p>Er blijft niets achter.</p>";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& w : pv->withheld)
            rows.push_back({"<code>" + escape(w.value("path", "")) + "</code>",
                            escape(w.value("reason", ""))});
        withheld = table({"Veld", "Reden"}, rows, "Velden die achterblijven");
    }
    std::string payload =
        pv->payload ? "<pre class=\"payload\" tabindex=\"0\" aria-label=\"Inhoud die wordt verstuurd\">" +
                          escape(*pv->payload) + "</pre>"
                    : "<p>De waarden zijn alleen zichtbaar voor wie goedkeurt en voor rollen met "
                      "inzagerecht.</p>";
    std::string decision;
    if (t.state == transfer::State::kAwaitingApproval) {
        if (api::mayApprove(ctx, t.purpose)) {
            const std::string hidden =
                "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(c.session->csrf) +
                "\"><input type=\"hidden\" name=\"payload_hash\" value=\"" + escape(t.payload_hash) +
                "\">";
            const std::string action = "/web/goedkeuren/" + escape(t.id);
            decision =
                "<section aria-labelledby=\"besluit\"><h2 id=\"besluit\">Besluit</h2>"
                "<p>Uw besluit geldt voor precies deze inhoud (controlegetal hierboven). Verandert "
                "de inhoud, dan vervalt het.</p><div class=\"besluit\">"
                "<form method=\"post\" action=\"" + action + "\">" + hidden +
                "<input type=\"hidden\" name=\"besluit\" value=\"goedkeuren\">"
                "<div class=\"veld\"><label for=\"reden-goed\">Toelichting (niet verplicht)</label>"
                "<textarea id=\"reden-goed\" name=\"reden\" rows=\"2\"></textarea></div>"
                "<button type=\"submit\" id=\"goedkeuren\">Goedkeuren</button></form>"
                "<form method=\"post\" action=\"" + action + "\">" + hidden +
                "<input type=\"hidden\" name=\"besluit\" value=\"afwijzen\">"
                "<div class=\"veld\"><label for=\"reden-af\">Reden van afwijzing</label>"
                "<textarea id=\"reden-af\" name=\"reden\" rows=\"2\" required></textarea></div>"
                "<button type=\"submit\" id=\"afwijzen\" class=\"secundair\">Afwijzen</button></form>"
                "</div></section>";
        } else {
            decision = "<p class=\"fout\" id=\"geen-besluit\">Uw rol (" + escape(actor.role) +
                       ") kan deze overdracht niet goedkeuren of afwijzen.</p>";
        }
    }
    std::string deliver = t.deliver_at ? amsterdam::formatLocal(*t.deliver_at) : "zodra goedgekeurd";
    std::string content = page("transfer.html", {{"id", t.id},
                                                 {"subject", t.subject},
                                                 {"destination", t.destination},
                                                 {"purpose", t.purpose},
                                                 {"purpose_description", pv->purpose_description},
                                                 {"legal_basis", pv->legal_basis},
                                                 {"state", stateLabel(t.state)},
                                                 {"deliver_at", deliver},
                                                 {"payload_hash", t.payload_hash},
                                                 {"included", included},
                                                 {"withheld", withheld},
                                                 {"payload", payload},
                                                 {"decision", decision}});
    sendHtml(c, 200, "Overdracht bekijken", content, "/web/goedkeuren");
}

void WebUi::decide(Call& c, const std::string& id) {
    const api::Actor actor{c.session->name, c.session->role};
    const api::DecisionContext ctx{config_, store_, clock_, actor};
    const std::string what = c.field("besluit");
    if (what != "goedkeuren" && what != "afwijzen")
        return message(c, 400, "Besluit", "Kies goedkeuren of afwijzen.",
                       "/web/goedkeuren/" + id, "Terug naar de overdracht");
    const bool approve = what == "goedkeuren";
    auto st = api::approveOne(ctx, id, c.field("payload_hash"), approve, c.field("reden"));
    if (!st) {
        log::warn("web.decision_refused", {{"transfer_id", id},
                                           {"account", actor.name},
                                           {"code", errorCodeName(st.code())}});
        return message(c, httpStatus(st.code()), "Besluit niet vastgelegd", st.message(),
                       "/web/goedkeuren/" + id, "Terug naar de overdracht");
    }
    log::info("web.decision", {{"transfer_id", id}, {"account", actor.name}, {"decision", what}});
    redirect(c, std::string("/web/goedkeuren?melding=") + (approve ? "goedgekeurd" : "afgewezen"));
}

void WebUi::inzagePage(Call& c, const std::string& error) {
    const api::Actor actor{c.session->name, c.session->role};
    if (!actor.hasRole(kInzageRoles))
        return sendHtml(c, 200, "Toestemming en inzage",
                        "<p>Uw rol (" + escape(actor.role) + ") legt geen inzage vast.</p>",
                        "/web/inzage", flashFor(c));
    std::string purposes;
    for (const auto& [name, p] : config_->policies) {
        if (p.basis != config::PurposePolicy::Basis::kInzage) continue;
        const bool selected = c.field("purpose") == name;
        purposes += "<option value=\"" + escape(name) + "\"" + (selected ? " selected" : "") + ">" +
                    escape(name) + " – " + escape(p.description) + "</option>";
    }
    std::string flash =
        error.empty() ? flashFor(c) : "<p class=\"fout\" role=\"alert\">" + escape(error) + "</p>";
    sendHtml(c, error.empty() ? 200 : 400, "Toestemming en inzage",
             page("inzage.html", {{"csrf", c.session->csrf},
                                  {"pupil", c.field("pupil")},
                                  {"inzagedatum", c.form.count("inzagedatum")
                                                      ? c.field("inzagedatum")
                                                      : formatIso(clock_.now()).substr(0, 10)},
                                  {"purposes", purposes}}),
             "/web/inzage", flash);
}

void WebUi::inzagePost(Call& c) {
    const api::Actor actor{c.session->name, c.session->role};
    const api::DecisionContext ctx{config_, store_, clock_, actor};
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

}  // namespace sluis::web

#pragma once
/// What every page of the web interface needs (internal to core/web, docs/web.md): the request
/// as pages see it (`Call`), the page frame (layout, navigation, flash messages, redirects) and
/// small HTML builders (tables, forms).
///
/// Pages live in areas, one file per task (login_pages, approval_pages, inzage_pages, ...). Each
/// area exposes one `bool route<Area>(Call&)` that serves the request when the path is its own
/// and returns false otherwise; web_ui.cpp asks the areas in turn (kAreas). An area adds its menu
/// item to kNavItems and its flash texts to flashText in page_kit.cpp.
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/api/decisions.h"
#include "core/config/config.h"
#include "core/store/transfer_store.h"
#include "core/transfer/state.h"
#include "core/util/clock.h"
#include "core/web/multipart.h"
#include "core/web/session.h"
#include "core/web/templates.h"

namespace sluis::web {

namespace oidc {
class OidcClient;  // oidc_client.h
}

/// One request as the pages see it, with the daemon's services.
struct Call {
    Poco::Net::HTTPServerRequest& req;
    Poco::Net::HTTPServerResponse& resp;
    bool tls;
    const std::shared_ptr<const config::Config>& config;
    store::TransferStore& store;
    const Clock& clock;
    SessionStore& sessions;
    const std::string& dummy_hash;  ///< verified for unknown login names (login_pages.cpp)

    std::string path;
    Poco::URI::QueryParameters query;
    std::map<std::string, std::string> form;  ///< the POST body's fields (urlencoded, or the
                                              ///< text parts of a multipart upload)
    std::map<std::string, MultipartPart> files;  ///< the file parts of a multipart upload
    std::string cookie;                       ///< the session cookie's value, if any
    std::optional<Session> session;           ///< the valid session of that cookie
    api::Actor actor;                         ///< who is logged in (empty before login)
    oidc::OidcClient* oidc = nullptr;         ///< set when admin.web.oidc is configured

    bool get() const { return req.getMethod() == "GET" || req.getMethod() == "HEAD"; }
    bool post() const { return req.getMethod() == "POST"; }
    bool loggedIn() const { return session && session->stage == Session::Stage::kFull; }
    std::string param(const std::string& k) const;
    std::string field(const std::string& k) const;
    /// The decision context of the logged-in person (core/api/decisions.h).
    api::DecisionContext decisions() const { return {config, store, clock, actor}; }
    /// `rest` when the path is `prefix` + one non-empty segment without '/', else nullopt.
    std::optional<std::string> segmentAfter(const std::string& prefix) const;
};

/// The session cookie's name.
inline constexpr const char* kSessionCookie = "sluis_sessie";

/// A transfer state in words for a directeur.
const char* stateLabel(transfer::State s);
/// application/x-www-form-urlencoded fields; the first of a repeated name wins.
std::map<std::string, std::string> parseForm(const std::string& body);

/// CSP (no script at all), framing, sniffing, referrer and caching headers.
void securityHeaders(Poco::Net::HTTPServerResponse& resp, bool tls);
/// The page `content` inside layout.html with menu (current item `current`) and `flash`.
void sendHtml(Call& c, int status, const std::string& title, const std::string& content,
              const std::string& current = "", const std::string& flash = "");
/// Template `name` rendered with `vars`.
std::string page(const char* name, const Vars& vars);
void redirect(Call& c, const std::string& to);
/// A page with one message and a link back.
void message(Call& c, int status, const std::string& title, const std::string& text,
             const std::string& back, const std::string& back_label);
void setCookie(Call& c, const std::string& value, bool clear = false);
/// The flash message named by ?melding= (see flashText), as HTML, or "".
std::string flashFor(const Call& c);
/// An error flash (role=alert) with `text`.
std::string errorFlash(const std::string& text);
/// A table; cells are HTML already escaped by the caller, heads and caption are escaped here.
std::string table(const std::vector<std::string>& heads,
                  const std::vector<std::vector<std::string>>& rows, const std::string& caption);
/// The hidden CSRF field of the session, for every form.
std::string csrfField(const Call& c);
/// The page number asked for with ?pagina= (1 when absent or not a number).
size_t pageNumber(const Call& c);
/// The "Vorige / Pagina N / Volgende" navigation of a paged list; a link is left out when its
/// href is empty. Hrefs are escaped here.
std::string pageNav(size_t page, const std::string& prev_href, const std::string& prev_label,
                    const std::string& next_href, const std::string& next_label);

/// One item of the main menu: shown to `roles` (empty: everyone logged in).
struct NavItem {
    const char* href;
    const char* label;
    std::vector<std::string> roles;
};
/// The main menu, in order.
const std::vector<NavItem>& navItems();

}  // namespace sluis::web

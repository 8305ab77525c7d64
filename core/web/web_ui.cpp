// The web interface (web_ui.h, docs/web.md): reads the request, checks CSRF and login, and asks
// the page areas in turn (kAreas). Pages are templates from web/templates filled with `render`
// (escaped by default); the frame and small builders are in page_kit.h. Every decision calls
// core/api/decisions.h, as the JSON API does.
#include "core/web/web_ui.h"

#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>

#include "core/crypto/payload_cipher.h"
#include "core/util/log.h"
#include "core/util/text.h"
#include "core/api/consent_decisions.h"
#include "core/web/approval_pages.h"
#include "core/web/audit_pages.h"
#include "core/auth/credentials.h"
#include "core/web/beheer_pages.h"
#include "core/web/batch_pages.h"
#include "core/web/consent_pages.h"
#include "core/web/inzage_pages.h"
#include "core/web/login_pages.h"
#include "core/web/oidc_client.h"
#include "core/web/oidc_pages.h"
#include "core/web/overview_page.h"
#include "core/web/page_kit.h"
#include "core/web/vensters_pages.h"

namespace sluis::web {

namespace {

constexpr std::streamsize kMaxForm = 64 * 1024;
/// A form with an evidence file: the file's limit (as in the API) plus room for the other fields.
constexpr std::streamsize kMaxUpload = static_cast<std::streamsize>(api::kMaxEvidenceBytes) + 256 * 1024;

/// The paths that accept multipart/form-data (a file upload); every other path reads only
/// urlencoded forms.
bool isUploadPath(const std::string& path) { return path == "/web/toestemming"; }

/// The page areas for logged-in people, asked in this order; each serves its own paths.
constexpr bool (*kAreas[])(Call&) = {
    routeOverview,
    routeApproval,
    routeInzage,
    routeVensters,
    routeAudit,
    routeBeheer,
    routeBatches,
    routeConsent,
};

}  // namespace

WebUi::WebUi(std::shared_ptr<const config::Config> config, store::TransferStore& store,
             const Clock& clock)
    : config_(std::move(config)),
      store_(store),
      clock_(clock),
      sessions_(store, clock, config_->admin.web.idle_timeout, config_->admin.web.absolute_timeout) {
    auto dummy = auth::hashPassword(util::toHex(crypto::randomBytes(16)));
    if (dummy) dummy_hash_ = *dummy;
    if (config_->admin.web.oidc)
        oidc_ = std::make_unique<oidc::OidcClient>(*config_->admin.web.oidc, clock_);
}

WebUi::~WebUi() = default;

bool WebUi::handles(const std::string& path) {
    return path == "/" || path == "/web" || path.starts_with("/web/");
}

void WebUi::serve(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                  bool tls, const std::function<void()>& body_read) {
    Poco::URI uri(req.getURI());
    Call c{req, resp, tls, config_, store_, clock_, sessions_, dummy_hash_,
           uri.getPath(), uri.getQueryParameters(), {}, {}, {}, {}, {}};
    if (c.post()) {
        // Only the upload paths read multipart, with the larger limit of their file.
        const bool upload = isUploadPath(c.path) && multipartBoundary(req.getContentType());
        const std::streamsize max = upload ? kMaxUpload : kMaxForm;
        const std::string too_large = upload ? "Het bestand is te groot (ten hoogste 5 MiB)."
                                             : "Het formulier is te groot.";
        if (req.getContentLength() > max)
            return message(c, 413, "Te groot", too_large, "/web/", "Terug");
        std::string body;
        char buf[4096];
        std::istream& in = req.stream();
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            body.append(buf, static_cast<size_t>(in.gcount()));
            if (static_cast<std::streamsize>(body.size()) > max)
                return message(c, 413, "Te groot", too_large, "/web/", "Terug");
        }
        if (upload) {
            MultipartLimits limits;
            limits.max_file_bytes = api::kMaxEvidenceBytes;
            auto parts = parseMultipart(body, req.getContentType(), limits);
            if (!parts) {
                // Nothing is read from a form that does not parse; the CSRF check then refuses it.
                log::warn("web.multipart_refused",
                          {{"path", c.path}, {"code", errorCodeName(parts.error().code)}});
                body_read();
                return message(c, parts.error().code == ErrorCode::kTooLarge ? 413 : 400,
                               "Formulier niet gelezen",
                               "Het formulier kon niet worden gelezen: " + parts.error().message,
                               "/web/", "Terug");
            }
            for (auto& p : *parts) {
                if (p.filename) c.files[p.name] = std::move(p);
                else c.form[p.name] = std::move(p.data);
            }
        } else {
            c.form = parseForm(body);
        }
    }
    body_read();
    Poco::Net::NameValueCollection cookies;
    req.getCookies(cookies);
    c.cookie = cookies.get(kSessionCookie, "");
    if (!c.cookie.empty()) c.session = sessions_.touch(c.cookie);
    if (c.loggedIn()) c.actor = {c.session->name, c.session->role};
    c.oidc = oidc_.get();
    route(c);
}

void WebUi::route(Call& c) {
    const std::string& p = c.path;
    if (c.get() && p == "/web/static/style.css") {
        auto css = *staticFile("style.css");
        securityHeaders(c.resp, c.tls);
        c.resp.set("Cache-Control", "no-cache");
        c.resp.setContentType("text/css; charset=utf-8");
        c.resp.setContentLength(static_cast<std::streamsize>(css.size()));
        c.resp.send() << css;
        return;
    }
    if (c.get() && (p == "/" || p == "/web")) return redirect(c, "/web/");
    // Every POST carries the CSRF token of its session; without both it is refused.
    if (c.post()) {
        if (!c.session || !SessionStore::csrfValid(*c.session, c.field("csrf"))) {
            log::warn("web.csrf_refused",
                      {{"path", p}, {"remote", c.req.clientAddress().host().toString()}});
            return message(c, 403, "Geweigerd",
                           "Dit formulier is niet (meer) geldig: uw sessie is verlopen of het "
                           "formulier kwam niet van deze pagina. Meld u opnieuw aan.",
                           "/web/login", "Naar aanmelden");
        }
    }
    if (routeLogin(c)) return;
    if (routeOidc(c)) return;
    if (!c.loggedIn()) {
        if (c.get()) return redirect(c, "/web/login");
        return message(c, 403, "Geweigerd", "U bent niet aangemeld.", "/web/login",
                       "Naar aanmelden");
    }
    if (p == "/web/logout" && c.post()) return logout(c);
    for (auto* area : kAreas)
        if (area(c)) return;
    message(c, 404, "Niet gevonden", "Deze pagina bestaat niet.", "/web/", "Naar het overzicht");
}

}  // namespace sluis::web

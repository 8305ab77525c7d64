#pragma once
/// The web interface for people (docs/web.md): server-rendered Dutch HTML served by the admin
/// server under /web/ when daemon.json admin.web.enabled is set. Local accounts with password and
/// TOTP, sessions in cookies, a CSRF token on every form. Every decision goes through the shared
/// functions of core/api/decisions.h, exactly as through the JSON API. The pages themselves live
/// in areas (page_kit.h); this class owns the sessions and routes each request.
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <memory>
#include <string>

#include "core/config/config.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"
#include "core/web/session.h"

namespace sluis::web {

struct Call;  // page_kit.h
namespace oidc {
class OidcClient;  // oidc_client.h
}

class WebUi {
  public:
    WebUi(std::shared_ptr<const config::Config> config, store::TransferStore& store,
          const Clock& clock);
    ~WebUi();

    /// Whether `path` belongs to the web interface: "/", "/web" and everything under "/web/".
    static bool handles(const std::string& path);

    /// Serves one request. `body_read` is called once the request (with its body) is in.
    void serve(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, bool tls,
               const std::function<void()>& body_read);

    SessionStore& sessions() { return sessions_; }

  private:
    void route(Call& c);

    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    const Clock& clock_;
    SessionStore sessions_;
    std::string dummy_hash_;  ///< verified for unknown names, so they take as long as known ones
    std::unique_ptr<oidc::OidcClient> oidc_;  ///< admin.web.oidc set: login with OpenID Connect
};

}  // namespace sluis::web

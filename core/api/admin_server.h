#pragma once
/// The admin HTTP API (JSON): health, metrics, transfers. Token-authenticated (bearer tokens,
/// stored hashed); no token → 401, wrong role → 403. Mapping of errors to HTTP codes happens in
/// one place (errorCode → httpStatus). See docs/api.md.
#include <memory>

#include "core/config/config.h"
#include "core/engine/metrics.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"

namespace Poco {
class ThreadPool;
namespace Net {
class TCPServer;
}
}  // namespace Poco

namespace sluis::web {
class WebUi;
}

namespace sluis::api {

/// The roles Sluis knows (docs/api.md says what each may do).
const std::vector<std::string>& knownRoles();

/// A new random API token ("sluis_" + 40 hex chars) and the hash to store for it.
std::pair<std::string, std::string> newApiToken();
std::string hashToken(const std::string& token);

/// Checks the files of `admin.tls` before anything listens: present and readable, a PEM
/// certificate, a PEM private key that belongs to it, a readable client CA. The errors are Dutch
/// and name the config path (daemon.json: admin.tls.certificate, ...), never key material.
Status checkAdminTls(const config::AdminTlsConfig& tls);

class Deadlines;
class AuthLimiter;

class AdminServer {
public:
    AdminServer(std::shared_ptr<const config::Config> config, store::TransferStore& store,
                engine::Metrics& metrics, const Clock& clock);
    ~AdminServer();

    /// Binds and starts serving (HTTPS when admin.tls is set). kIo when the address is in use,
    /// kInvalidConfig when the TLS files are unusable.
    Status start();
    void stop();
    /// The bound port (useful when configured as 0).
    int port() const { return port_; }

private:
    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    engine::Metrics& metrics_;
    const Clock& clock_;
    // Declared in the order they must outlive each other (destroyed bottom-up).
    std::unique_ptr<Deadlines> deadlines_;
    std::unique_ptr<AuthLimiter> limiter_;
    std::unique_ptr<web::WebUi> web_;  ///< when admin.web.enabled
    std::unique_ptr<Poco::ThreadPool> pool_;
    std::unique_ptr<Poco::Net::TCPServer> server_;
    bool ssl_initialized_ = false;
    int port_ = 0;
};

}  // namespace sluis::api

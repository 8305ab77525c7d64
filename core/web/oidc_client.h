#pragma once
/// The OpenID Connect authorization code flow with PKCE (S256), as a relying party (docs/web.md,
/// "Inloggen met de identiteitsprovider van de school"). `begin` makes state, nonce and the PKCE
/// verifier and the provider's authorization URL (the caller keeps the three server-side);
/// `finish` exchanges the code at the token endpoint with the verifier, verifies the ID token
/// (oidc_token.h) and maps its claims to a Sluis role.
///
/// The provider's discovery document and keys are fetched when first needed and cached; the keys
/// are fetched again once when a token names an unknown `kid` (key rotation). Thread-safe.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/config/config.h"
#include "core/error.h"
#include "core/util/clock.h"
#include "core/web/oidc_token.h"

namespace sluis::web::oidc {

/// What the discovery document (`<issuer>/.well-known/openid-configuration`) says.
struct Discovery {
    std::string issuer;
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string jwks_uri;
};

class OidcClient {
  public:
    OidcClient(config::OidcConfig config, const Clock& clock);

    struct Start {
        std::string url;  ///< the provider's authorization endpoint with every parameter
        std::string state, nonce, verifier;
    };
    /// A new login: kUnavailable when the provider cannot be reached, kInvalidInput when its
    /// discovery document is unusable.
    Result<Start> begin();

    enum class Outcome {
        kOk,
        kUnavailable,  ///< discovery, keys or token endpoint not reachable
        kRefused,      ///< the code was not accepted, or the ID token failed a check
        kNoRole,       ///< no (or no unambiguous) Sluis role in the role claim
        kDomain,       ///< e-mail domain not in allowed_domains
    };
    struct Login {
        Outcome outcome = Outcome::kRefused;
        std::string subject;  ///< `sub`
        std::string display;  ///< the name_claim's value, for the menu only (never logged)
        std::string role;
        std::string detail;  ///< for logs: names checks, never values or tokens
    };
    /// The code from the callback, with the nonce and verifier kept since `begin`.
    Login finish(const std::string& code, const std::string& nonce, const std::string& verifier);

    const config::OidcConfig& config() const { return config_; }
    /// The discovery document (fetched when not cached yet).
    Result<Discovery> discovery();

  private:
    Result<KeySet> fetchKeys(const std::string& jwks_uri);

    const config::OidcConfig config_;
    const Clock& clock_;
    std::mutex mutex_;
    std::optional<Discovery> discovery_;
    Timestamp discovered_at_{};
    std::optional<KeySet> keys_;
};

}  // namespace sluis::web::oidc

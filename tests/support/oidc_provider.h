#pragma once
/// A small OpenID provider over real HTTP on 127.0.0.1 (port 0), for the OIDC tests of the web
/// interface (docs/web.md). It serves
///
///   GET  /.well-known/openid-configuration  discovery (issuer http://127.0.0.1:<port>)
///   GET  /jwks                              its public keys (RSA, plus a P-256 key)
///   GET  /authorize                         a tiny HTML form to pick a test user (or refuse)
///   POST /authorize                         issues a code and redirects to redirect_uri
///   POST /token                             code -> id_token; checks client authentication
///                                           (client_secret_post or _basic), redirect_uri and
///                                           the PKCE verifier (S256); a code is used once
///
/// ID tokens are signed RS256 with a key generated at start (OpenSSL), or ES256 in that mode.
/// `setMode` makes it misbehave the ways the relying party must catch. Thread-safe.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluis::test {

class OidcProvider {
  public:
    enum class Mode {
        kNormal,
        kWrongSignature,  ///< signed with another key, under the published kid
        kWrongAudience,
        kWrongIssuer,
        kExpired,
        kWrongNonce,
        kNoRoleClaim,
        kAlgNone,  ///< "alg": "none", no signature
        kEs256,    ///< signed ES256 with the P-256 key
    };
    struct User {
        std::string id;  ///< what the form offers (value of the radio button)
        nlohmann::json claims;  ///< sub, name, email, roles, ...
    };
    struct Options {
        std::string client_id = "sluis-test";
        std::string client_secret = "oidc-test-geheim-123";
        std::string redirect_uri;  ///< empty: any http://127.0.0.1 or localhost callback
        /// Host in the authorization endpoint the browser is sent to ("localhost" makes the
        /// provider another site than a daemon on 127.0.0.1, as a real provider is).
        std::string browser_host = "127.0.0.1";
        std::vector<User> users = defaultUsers();
    };
    /// directeur (roles Sluis.Directeur), mentor (Sluis.Mentor), zonder-rol (Leerkracht only),
    /// elders (Sluis.Directeur, but e-mail at elders.example).
    static std::vector<User> defaultUsers();

    explicit OidcProvider(Options options);
    OidcProvider();
    ~OidcProvider();
    OidcProvider(const OidcProvider&) = delete;
    OidcProvider& operator=(const OidcProvider&) = delete;

    uint16_t port() const;
    std::string issuer() const;  ///< http://127.0.0.1:<port>
    void setMode(Mode m);
    /// A new RSA signing key with a new kid; the JWKS then holds only the new one (and the P-256).
    void rotateKey();
    /// Requests per path so far (e.g. "/jwks"), to see caching and refreshing.
    int requests(const std::string& path) const;
    /// The token endpoint's last refusal ("pkce", "client", "code", ...), "" when none.
    std::string lastRefusal() const;

    /// A signed token with these claims under the current key (for tests of the verifier).
    std::string sign(const nlohmann::json& claims, Mode mode = Mode::kNormal) const;
    /// The JWKS document as served.
    std::string jwks() const;

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace sluis::test

#pragma once
/// OpenID Connect ID tokens (docs/web.md, "Inloggen met de identiteitsprovider van de school"):
/// the provider's signing keys (JWKS), verification of a compact JWS with OpenSSL (RS256 and
/// ES256 only; "none" and every HMAC algorithm are refused), the claim checks of OIDC Core 3.1.3.7
/// (iss, aud/azp, exp, iat, nbf with a small skew, nonce), and what Sluis makes of the claims:
/// the role (role_claim + role_map) and the e-mail domain allow-list. No network here
/// (oidc_http.h), no flow (oidc_client.h).
#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/util/clock.h"

namespace sluis::web::oidc {

/// RFC 4648 §5 base64url without padding.
std::string base64UrlEncode(std::string_view bytes);
/// Accepts base64url with or without padding; nullopt for anything else.
std::optional<std::string> base64UrlDecode(std::string_view text);
/// The PKCE S256 code challenge of `verifier` (RFC 7636 §4.2).
std::string pkceChallenge(std::string_view verifier);
/// `n` random bytes (CSPRNG) as base64url: state, nonce, PKCE verifier.
std::string randomToken(size_t n = 32);

/// One public key of the provider.
struct Jwk {
    std::string kid;
    std::string alg;  ///< "RS256" or "ES256"
    std::shared_ptr<void> key;  ///< EVP_PKEY*, freed with EVP_PKEY_free
};

/// The provider's signing keys from its jwks_uri. Keys of other types, or for encryption, are
/// skipped; a key that cannot be read is skipped too (the token naming it then has an unknown kid).
class KeySet {
  public:
    static Result<KeySet> parse(const std::string& jwks_json);
    const Jwk* find(const std::string& kid) const;
    size_t size() const { return keys_.size(); }

  private:
    std::vector<Jwk> keys_;
};

/// What an ID token must say.
struct Expected {
    std::string issuer;
    std::string client_id;
    std::string nonce;
    Timestamp now{};
    std::chrono::seconds skew{60};
};

/// Why a token was refused; the message names the check, never a claim's value.
enum class TokenProblem {
    kNone,
    kMalformed,
    kAlgorithm,     ///< none, HS*, or anything but RS256/ES256
    kUnknownKid,    ///< no key with this kid: fetch the JWKS again, once
    kSignature,
    kIssuer,
    kAudience,
    kExpired,
    kNotYetValid,
    kNonce,
};
const char* problemName(TokenProblem p);

struct Verified {
    TokenProblem problem = TokenProblem::kNone;
    nlohmann::json claims;  ///< only when problem == kNone
    bool ok() const { return problem == TokenProblem::kNone; }
};

/// The `kid` of a compact JWS's header (not verified), or "".
std::string tokenKid(const std::string& jwt);
/// Verifies signature and claims of `jwt`.
Verified verifyIdToken(const std::string& jwt, const KeySet& keys, const Expected& expected);

/// The Sluis role for `claims`: the values of `role_claim` (a text, or a list of texts) looked up
/// in `role_map`. nullopt when none maps, or when they map to different roles (ambiguous: refused,
/// the school fixes its groups or role_map).
std::optional<std::string> mapRole(const nlohmann::json& claims, const std::string& role_claim,
                                   const std::map<std::string, std::string>& role_map);
/// Whether the person's domain is allowed: with `allowed` empty always; otherwise Google's `hd`
/// claim when present must be in the list, else the domain of `email` (or `preferred_username`,
/// Entra's UPN) must be, and `email_verified` must not be false.
bool domainAllowed(const nlohmann::json& claims, const std::vector<std::string>& allowed);

}  // namespace sluis::web::oidc

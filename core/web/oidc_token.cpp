// ID token verification with OpenSSL (oidc_token.h).
#include "core/web/oidc_token.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/crypto/payload_cipher.h"
#include "core/util/json.h"

namespace sluis::web::oidc {

using nlohmann::json;

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::shared_ptr<void> ownKey(EVP_PKEY* k) {
    return std::shared_ptr<void>(k, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
}

/// An RSA public key from the JWK's n and e (big-endian bytes).
EVP_PKEY* rsaKey(const std::string& n, const std::string& e) {
    if (n.size() < 256 || n.size() > 1024 || e.empty() || e.size() > 8) return nullptr;  // >= 2048 bits
    BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
    BIGNUM* be = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
    OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM* params = nullptr;
    EVP_PKEY_CTX* ctx = nullptr;
    EVP_PKEY* key = nullptr;
    if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) &&
        (ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr)) &&
        EVP_PKEY_fromdata_init(ctx) > 0) {
        if (EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0) key = nullptr;
    }
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return key;
}

/// A P-256 public key from the JWK's x and y (32 bytes each).
EVP_PKEY* ecKey(const std::string& x, const std::string& y) {
    if (x.size() != 32 || y.size() != 32) return nullptr;
    std::string point = "\x04" + x + y;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("prime256v1"), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
        OSSL_PARAM_construct_end()};
    EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    EVP_PKEY* key = nullptr;
    if (ctx && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = nullptr;
    EVP_PKEY_CTX_free(ctx);
    return key;
}

/// JWS ES256 signatures are r || s (32 bytes each); OpenSSL wants DER.
std::optional<std::string> ecdsaDer(const std::string& raw) {
    if (raw.size() != 64) return std::nullopt;
    ECDSA_SIG* sig = ECDSA_SIG_new();
    BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
    BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(sig);
        return std::nullopt;
    }
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    if (len <= 0) return std::nullopt;
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
}

bool verifySignature(const Jwk& k, const std::string& signing_input, const std::string& sig) {
    auto* key = static_cast<EVP_PKEY*>(k.key.get());
    std::string s = sig;
    if (k.alg == "ES256") {
        auto der = ecdsaDer(sig);
        if (!der) return false;
        s = *der;
    }
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(s.data()), s.size(),
                               reinterpret_cast<const unsigned char*>(signing_input.data()),
                               signing_input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

std::optional<std::string> b64field(const json& j, const char* k) {
    if (!j.contains(k) || !j[k].is_string()) return std::nullopt;
    return base64UrlDecode(j[k].get<std::string>());
}

/// A NumericDate claim as seconds; nullopt when absent or not a number.
std::optional<long long> numericDate(const json& c, const char* k) {
    if (!c.contains(k) || !c[k].is_number()) return std::nullopt;
    return static_cast<long long>(c[k].get<double>());
}

struct Parts {
    json header, claims;
    std::string signing_input, signature;
};

std::optional<Parts> split(const std::string& jwt) {
    if (jwt.size() > 64 * 1024) return std::nullopt;
    size_t a = jwt.find('.');
    size_t b = a == std::string::npos ? a : jwt.find('.', a + 1);
    if (b == std::string::npos || jwt.find('.', b + 1) != std::string::npos) return std::nullopt;
    auto h = base64UrlDecode(std::string_view(jwt).substr(0, a));
    auto p = base64UrlDecode(std::string_view(jwt).substr(a + 1, b - a - 1));
    auto s = base64UrlDecode(std::string_view(jwt).substr(b + 1));
    if (!h || !p || !s) return std::nullopt;
    Parts out;
    out.header = util::parseJsonOrDiscarded(*h, 16);
    out.claims = util::parseJsonOrDiscarded(*p, 16);
    if (!out.header.is_object() || !out.claims.is_object()) return std::nullopt;
    out.signing_input = jwt.substr(0, b);
    out.signature = std::move(*s);
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
}

}  // namespace

std::string base64UrlEncode(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    auto byte = [&](size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(in[k])); };
    for (; i + 2 < in.size(); i += 3) {
        unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        for (int sh : {18, 12, 6, 0}) out += kAlphabet[(n >> sh) & 63];
    }
    if (i + 1 == in.size()) {
        unsigned n = byte(i) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
    } else if (i + 2 == in.size()) {
        unsigned n = (byte(i) << 16) | (byte(i + 1) << 8);
        for (int sh : {18, 12, 6}) out += kAlphabet[(n >> sh) & 63];
    }
    return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
    while (!text.empty() && text.back() == '=') text.remove_suffix(1);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    unsigned acc = 0;
    int bits = 0;
    for (char ch : text) {
        int v;
        if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
        else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
        else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
        else if (ch == '-') v = 62;
        else if (ch == '_') v = 63;
        else return std::nullopt;
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

std::string pkceChallenge(std::string_view verifier) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), md);
    return base64UrlEncode(std::string_view(reinterpret_cast<char*>(md), sizeof md));
}

std::string randomToken(size_t n) { return base64UrlEncode(crypto::randomBytes(n)); }

Result<KeySet> KeySet::parse(const std::string& jwks_json) {
    json doc = util::parseJsonOrDiscarded(jwks_json, 16);
    if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
        return Error{ErrorCode::kInvalidInput, "JWKS: verwacht een object met \"keys\""};
    KeySet set;
    for (const auto& k : doc["keys"]) {
        if (!k.is_object()) continue;
        if (k.contains("use") && k["use"] != "sig") continue;
        const std::string kty = k.value("kty", "");
        Jwk jwk;
        jwk.kid = k.contains("kid") && k["kid"].is_string() ? k["kid"].get<std::string>() : "";
        jwk.alg = k.contains("alg") && k["alg"].is_string() ? k["alg"].get<std::string>() : "";
        EVP_PKEY* key = nullptr;
        if (kty == "RSA") {
            if (jwk.alg.empty()) jwk.alg = "RS256";
            if (jwk.alg != "RS256") continue;
            auto n = b64field(k, "n"), e = b64field(k, "e");
            if (n && e) key = rsaKey(*n, *e);
        } else if (kty == "EC") {
            if (k.value("crv", "") != "P-256") continue;
            if (jwk.alg.empty()) jwk.alg = "ES256";
            if (jwk.alg != "ES256") continue;
            auto x = b64field(k, "x"), y = b64field(k, "y");
            if (x && y) key = ecKey(*x, *y);
        }
        if (!key) continue;
        jwk.key = ownKey(key);
        set.keys_.push_back(std::move(jwk));
    }
    return set;
}

const Jwk* KeySet::find(const std::string& kid) const {
    for (const auto& k : keys_)
        if (k.kid == kid) return &k;
    // A set with one key and a token without kid: that key.
    if (kid.empty() && keys_.size() == 1) return &keys_[0];
    return nullptr;
}

const char* problemName(TokenProblem p) {
    switch (p) {
        case TokenProblem::kNone: return "ok";
        case TokenProblem::kMalformed: return "malformed";
        case TokenProblem::kAlgorithm: return "algorithm";
        case TokenProblem::kUnknownKid: return "unknown_kid";
        case TokenProblem::kSignature: return "signature";
        case TokenProblem::kIssuer: return "issuer";
        case TokenProblem::kAudience: return "audience";
        case TokenProblem::kExpired: return "expired";
        case TokenProblem::kNotYetValid: return "not_yet_valid";
        case TokenProblem::kNonce: return "nonce";
    }
    return "unknown";
}

std::string tokenKid(const std::string& jwt) {
    auto parts = split(jwt);
    if (!parts || !parts->header.contains("kid") || !parts->header["kid"].is_string()) return "";
    return parts->header["kid"].get<std::string>();
}

Verified verifyIdToken(const std::string& jwt, const KeySet& keys, const Expected& e) {
    Verified out;
    auto parts = split(jwt);
    if (!parts) return {TokenProblem::kMalformed, {}};
    const json& h = parts->header;
    const json& c = parts->claims;
    // The algorithm comes from the key, never only from the token: "none" and HS256 (with the
    // public key as HMAC secret) are refused before any key is looked at.
    const std::string alg = h.contains("alg") && h["alg"].is_string() ? h["alg"].get<std::string>() : "";
    if (alg != "RS256" && alg != "ES256") return {TokenProblem::kAlgorithm, {}};
    if (h.contains("crit")) return {TokenProblem::kMalformed, {}};
    const std::string kid = h.contains("kid") && h["kid"].is_string() ? h["kid"].get<std::string>() : "";
    const Jwk* key = keys.find(kid);
    if (!key) return {TokenProblem::kUnknownKid, {}};
    if (key->alg != alg) return {TokenProblem::kAlgorithm, {}};
    if (!verifySignature(*key, parts->signing_input, parts->signature))
        return {TokenProblem::kSignature, {}};

    if (!c.contains("iss") || c["iss"] != e.issuer) return {TokenProblem::kIssuer, {}};
    std::vector<std::string> aud;
    if (c.contains("aud") && c["aud"].is_string()) aud.push_back(c["aud"].get<std::string>());
    if (c.contains("aud") && c["aud"].is_array())
        for (const auto& a : c["aud"])
            if (a.is_string()) aud.push_back(a.get<std::string>());
    if (std::find(aud.begin(), aud.end(), e.client_id) == aud.end())
        return {TokenProblem::kAudience, {}};
    // With more than one audience the token must have been issued to us (azp).
    if ((aud.size() > 1 || c.contains("azp")) && c.value("azp", "") != e.client_id)
        return {TokenProblem::kAudience, {}};
    if (!c.contains("sub") || !c["sub"].is_string() || c["sub"].get<std::string>().empty())
        return {TokenProblem::kMalformed, {}};
    const long long now =
        std::chrono::duration_cast<std::chrono::seconds>(e.now.time_since_epoch()).count();
    const long long skew = e.skew.count();
    auto exp = numericDate(c, "exp");
    auto iat = numericDate(c, "iat");
    if (!exp || !iat) return {TokenProblem::kMalformed, {}};
    if (now >= *exp + skew) return {TokenProblem::kExpired, {}};
    if (*iat > now + skew) return {TokenProblem::kNotYetValid, {}};
    if (auto nbf = numericDate(c, "nbf"); nbf && *nbf > now + skew)
        return {TokenProblem::kNotYetValid, {}};
    if (e.nonce.empty() || !c.contains("nonce") || !c["nonce"].is_string() ||
        c["nonce"].get<std::string>() != e.nonce)
        return {TokenProblem::kNonce, {}};
    out.claims = c;
    return out;
}

std::optional<std::string> mapRole(const json& claims, const std::string& role_claim,
                                   const std::map<std::string, std::string>& role_map) {
    if (!claims.contains(role_claim)) return std::nullopt;
    const json& v = claims[role_claim];
    std::vector<std::string> values;
    if (v.is_string()) values.push_back(v.get<std::string>());
    if (v.is_array())
        for (const auto& x : v)
            if (x.is_string()) values.push_back(x.get<std::string>());
    std::set<std::string> roles;
    for (const auto& value : values)
        if (auto it = role_map.find(value); it != role_map.end()) roles.insert(it->second);
    if (roles.size() != 1) return std::nullopt;
    return *roles.begin();
}

bool domainAllowed(const json& claims, const std::vector<std::string>& allowed) {
    if (allowed.empty()) return true;
    auto in = [&](const std::string& d) {
        return std::find(allowed.begin(), allowed.end(), lower(d)) != allowed.end();
    };
    if (claims.contains("hd")) return claims["hd"].is_string() && in(claims["hd"].get<std::string>());
    if (claims.contains("email_verified") && claims["email_verified"] == false) return false;
    for (const char* k : {"email", "preferred_username"}) {
        if (!claims.contains(k) || !claims[k].is_string()) continue;
        const std::string v = claims[k].get<std::string>();
        const size_t at = v.rfind('@');
        if (at == std::string::npos || at + 1 >= v.size()) continue;
        return in(v.substr(at + 1));
    }
    return false;
}

}  // namespace sluis::web::oidc

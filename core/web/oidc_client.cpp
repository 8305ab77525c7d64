// The OpenID Connect code flow with PKCE (oidc_client.h).
#include "core/web/oidc_client.h"

#include <algorithm>

#include "core/util/json.h"
#include "core/util/log.h"
#include "core/util/percent_encode.h"
#include "core/web/oidc_http.h"

namespace sluis::web::oidc {

using nlohmann::json;

namespace {

/// The discovery document is fetched again after this long.
constexpr auto kDiscoveryMaxAge = std::chrono::hours(24);

/// A provider's short error code ("invalid_grant") for the log; anything else is cut.
std::string safeCode(const json& j) {
    if (!j.is_object() || !j.contains("error") || !j["error"].is_string()) return "";
    std::string e = j["error"].get<std::string>().substr(0, 40);
    for (char& ch : e)
        if (!((ch >= 'a' && ch <= 'z') || ch == '_')) ch = '?';
    return e;
}

}  // namespace

OidcClient::OidcClient(config::OidcConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock) {}

Result<Discovery> OidcClient::discovery() {
    {
        std::lock_guard lock(mutex_);
        if (discovery_ && clock_.now() - discovered_at_ < kDiscoveryMaxAge) return *discovery_;
    }
    std::string base = config_.issuer;
    while (!base.empty() && base.back() == '/') base.pop_back();
    auto answer = httpGet(base + "/.well-known/openid-configuration");
    if (!answer) return answer.error();
    if (answer->status != 200)
        return Error{ErrorCode::kUnavailable, "discovery: status " + std::to_string(answer->status)};
    json doc = util::parseJsonOrDiscarded(answer->body, 16);
    if (!doc.is_object()) return Error{ErrorCode::kInvalidInput, "discovery: geen JSON-object"};
    Discovery d;
    auto text = [&](const char* k) {
        return doc.contains(k) && doc[k].is_string() ? doc[k].get<std::string>() : std::string();
    };
    d.issuer = text("issuer");
    d.authorization_endpoint = text("authorization_endpoint");
    d.token_endpoint = text("token_endpoint");
    d.jwks_uri = text("jwks_uri");
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer is exactly the configured one.
    if (d.issuer != config_.issuer)
        return Error{ErrorCode::kInvalidInput,
                     "discovery: issuer in het document wijkt af van admin.web.oidc.issuer"};
    for (const auto* url : {&d.authorization_endpoint, &d.token_endpoint, &d.jwks_uri})
        if (!allowedUrl(*url))
            return Error{ErrorCode::kInvalidInput,
                         "discovery: een endpoint ontbreekt of is geen https-adres"};
    if (doc.contains("code_challenge_methods_supported") &&
        doc["code_challenge_methods_supported"].is_array()) {
        const auto& m = doc["code_challenge_methods_supported"];
        if (std::find(m.begin(), m.end(), "S256") == m.end())
            return Error{ErrorCode::kInvalidInput, "discovery: de provider kent PKCE S256 niet"};
    }
    std::lock_guard lock(mutex_);
    discovery_ = d;
    discovered_at_ = clock_.now();
    return d;
}

Result<KeySet> OidcClient::fetchKeys(const std::string& jwks_uri) {
    auto answer = httpGet(jwks_uri);
    if (!answer) return answer.error();
    if (answer->status != 200)
        return Error{ErrorCode::kUnavailable, "jwks: status " + std::to_string(answer->status)};
    auto keys = KeySet::parse(answer->body);
    if (!keys) return keys.error();
    std::lock_guard lock(mutex_);
    keys_ = *keys;
    return *keys;
}

Result<OidcClient::Start> OidcClient::begin() {
    auto d = discovery();
    if (!d) return d.error();
    Start s;
    s.state = randomToken(32);
    s.nonce = randomToken(32);
    s.verifier = randomToken(48);  // 64 characters (RFC 7636: 43 to 128)
    std::string scopes;
    for (const auto& sc : config_.scopes) scopes += (scopes.empty() ? "" : " ") + sc;
    s.url = d->authorization_endpoint +
            (d->authorization_endpoint.find('?') == std::string::npos ? "?" : "&") +
            "response_type=code&client_id=" + util::percentEncode(config_.client_id) +
            "&redirect_uri=" + util::percentEncode(config_.redirect_uri) + "&scope=" + util::percentEncode(scopes) +
            "&state=" + s.state + "&nonce=" + s.nonce +
            "&code_challenge=" + pkceChallenge(s.verifier) + "&code_challenge_method=S256";
    return s;
}

OidcClient::Login OidcClient::finish(const std::string& code, const std::string& nonce,
                                     const std::string& verifier) {
    Login out;
    auto d = discovery();
    if (!d) {
        out.outcome = Outcome::kUnavailable;
        out.detail = d.error().message;
        return out;
    }
    std::string form = "grant_type=authorization_code&code=" + util::percentEncode(code) +
                       "&redirect_uri=" + util::percentEncode(config_.redirect_uri) +
                       "&code_verifier=" + util::percentEncode(verifier);
    const bool basic = config_.token_auth == "client_secret_basic";
    if (!basic)
        form += "&client_id=" + util::percentEncode(config_.client_id) +
                "&client_secret=" + util::percentEncode(config_.client_secret);
    auto answer = basic ? httpPostForm(d->token_endpoint, form, config_.client_id, config_.client_secret)
                        : httpPostForm(d->token_endpoint, form);
    if (!answer) {
        out.outcome = answer.error().code == ErrorCode::kUnavailable ? Outcome::kUnavailable
                                                                     : Outcome::kRefused;
        out.detail = answer.error().message;
        return out;
    }
    json body = util::parseJsonOrDiscarded(answer->body, 16);
    if (answer->status != 200 || !body.is_object() || !body.contains("id_token") ||
        !body["id_token"].is_string()) {
        out.outcome = Outcome::kRefused;
        out.detail = "token endpoint: status " + std::to_string(answer->status) +
                     (safeCode(body).empty() ? "" : ", error " + safeCode(body));
        return out;
    }
    const std::string id_token = body["id_token"].get<std::string>();
    Expected e{config_.issuer, config_.client_id, nonce, clock_.now(), std::chrono::seconds(60)};
    std::optional<KeySet> keys;
    {
        std::lock_guard lock(mutex_);
        keys = keys_;
    }
    if (!keys) {
        auto fetched = fetchKeys(d->jwks_uri);
        if (!fetched) {
            out.outcome = Outcome::kUnavailable;
            out.detail = fetched.error().message;
            return out;
        }
        keys = *fetched;
    }
    Verified v = verifyIdToken(id_token, *keys, e);
    if (v.problem == TokenProblem::kUnknownKid) {
        // The provider may have rotated its keys: fetch them again, once.
        log::info("web.oidc_jwks_refresh");
        auto fetched = fetchKeys(d->jwks_uri);
        if (!fetched) {
            out.outcome = Outcome::kUnavailable;
            out.detail = fetched.error().message;
            return out;
        }
        v = verifyIdToken(id_token, *fetched, e);
    }
    if (!v.ok()) {
        out.outcome = Outcome::kRefused;
        out.detail = std::string("id_token: ") + problemName(v.problem);
        return out;
    }
    out.subject = v.claims["sub"].get<std::string>();
    if (v.claims.contains(config_.name_claim) && v.claims[config_.name_claim].is_string())
        out.display = v.claims[config_.name_claim].get<std::string>().substr(0, 200);
    if (!domainAllowed(v.claims, config_.allowed_domains)) {
        out.outcome = Outcome::kDomain;
        out.detail = "domain not allowed";
        return out;
    }
    auto role = mapRole(v.claims, config_.role_claim, config_.role_map);
    if (!role) {
        out.outcome = Outcome::kNoRole;
        out.detail = "no mapped role";
        return out;
    }
    out.role = *role;
    out.outcome = Outcome::kOk;
    return out;
}

}  // namespace sluis::web::oidc

// The test OpenID provider (oidc_provider.h).
#include "tests/support/oidc_provider.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "core/web/oidc_token.h"
#include "core/web/page_kit.h"
#include "core/web/templates.h"

namespace sluis::test {

using nlohmann::json;
using web::oidc::base64UrlEncode;

namespace {

using KeyPtr = std::shared_ptr<EVP_PKEY>;

KeyPtr generate(bool ec) {
    EVP_PKEY* k = ec ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
    if (!k) throw std::runtime_error("OpenSSL: key generation failed");
    return KeyPtr(k, EVP_PKEY_free);
}

std::string bnBytes(EVP_PKEY* k, const char* name) {
    BIGNUM* bn = nullptr;
    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1) throw std::runtime_error("OpenSSL: no param");
    std::string out(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
}

std::string signWith(EVP_PKEY* k, bool ec, const std::string& input) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    size_t len = 0;
    std::string sig;
    if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k) == 1 &&
        EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                       input.size()) == 1) {
        sig.resize(len);
        if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1)
            sig.clear();
        sig.resize(len);
    }
    EVP_MD_CTX_free(ctx);
    if (sig.empty()) throw std::runtime_error("OpenSSL: signing failed");
    if (!ec) return sig;
    // DER -> r || s (JWS, RFC 7518 §3.4).
    const unsigned char* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    const BIGNUM *r = nullptr, *s = nullptr;
    ECDSA_SIG_get0(es, &r, &s);
    std::string raw(64, '\0');
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(es);
    return raw;
}

std::string urlEncode(const std::string& v) {
    std::string out;
    Poco::URI::encode(v, "!#$&'()*+,/:;=?@[]", out);
    return out;
}

long long nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

struct OidcProvider::Impl {
    Options opt;
    std::unique_ptr<Poco::Net::HTTPServer> http;
    uint16_t port = 0;

    mutable std::mutex mu;
    Mode mode = Mode::kNormal;
    KeyPtr rsa, other_rsa, ec;
    std::string kid, ec_kid = "ec-1";
    int generation = 1;
    std::map<std::string, int> counts;
    std::string last_refusal;
    struct Code {
        std::string user, redirect_uri, nonce, challenge;
        long long expires = 0;
    };
    std::map<std::string, Code> codes;

    std::string issuer() const { return "http://127.0.0.1:" + std::to_string(port); }

    const User* user(const std::string& id) const {
        for (const auto& u : opt.users)
            if (u.id == id) return &u;
        return nullptr;
    }

    std::string jwks() const {
        std::lock_guard lock(mu);
        std::string pub(65, '\0');
        size_t len = 0;
        EVP_PKEY_get_octet_string_param(ec.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                        reinterpret_cast<unsigned char*>(pub.data()), pub.size(),
                                        &len);
        json keys = json::array();
        keys.push_back({{"kty", "RSA"}, {"use", "sig"}, {"alg", "RS256"}, {"kid", kid},
                        {"n", base64UrlEncode(bnBytes(rsa.get(), OSSL_PKEY_PARAM_RSA_N))},
                        {"e", base64UrlEncode(bnBytes(rsa.get(), OSSL_PKEY_PARAM_RSA_E))}});
        keys.push_back({{"kty", "EC"}, {"use", "sig"}, {"alg", "ES256"}, {"crv", "P-256"},
                        {"kid", ec_kid}, {"x", base64UrlEncode(pub.substr(1, 32))},
                        {"y", base64UrlEncode(pub.substr(33, 32))}});
        return json{{"keys", keys}}.dump();
    }

    std::string sign(json claims, Mode m) const {
        std::lock_guard lock(mu);
        json header = {{"typ", "JWT"}};
        bool use_ec = m == Mode::kEs256;
        header["alg"] = m == Mode::kAlgNone ? "none" : use_ec ? "ES256" : "RS256";
        header["kid"] = use_ec ? ec_kid : kid;
        std::string input = base64UrlEncode(header.dump()) + "." + base64UrlEncode(claims.dump());
        if (m == Mode::kAlgNone) return input + ".";
        EVP_PKEY* k = use_ec ? ec.get() : m == Mode::kWrongSignature ? other_rsa.get() : rsa.get();
        return input + "." + base64UrlEncode(signWith(k, use_ec, input));
    }

    json idClaims(const User& u, const std::string& nonce, Mode m) const {
        json c = u.claims;
        const long long now = nowSeconds();
        c["iss"] = m == Mode::kWrongIssuer ? "http://127.0.0.1:1/ander" : issuer();
        c["aud"] = m == Mode::kWrongAudience ? "een-andere-client" : opt.client_id;
        c["iat"] = m == Mode::kExpired ? now - 7200 : now;
        c["exp"] = m == Mode::kExpired ? now - 3600 : now + 300;
        c["nonce"] = m == Mode::kWrongNonce ? "een-andere-nonce" : nonce;
        if (m == Mode::kNoRoleClaim) c.erase("roles");
        return c;
    }

    bool redirectOk(const std::string& uri) const {
        if (!opt.redirect_uri.empty()) return uri == opt.redirect_uri;
        return uri.starts_with("http://127.0.0.1:") || uri.starts_with("http://localhost:");
    }

    void count(const std::string& path) {
        std::lock_guard lock(mu);
        ++counts[path];
    }
};

namespace {

std::string readBody(Poco::Net::HTTPServerRequest& req) {
    std::string body;
    char buf[4096];
    std::istream& in = req.stream();
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        body.append(buf, static_cast<size_t>(in.gcount()));
        if (body.size() > 64 * 1024) break;
    }
    return body;
}

void send(Poco::Net::HTTPServerResponse& resp, int status, const std::string& type,
          const std::string& body) {
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType(type);
    resp.set("Cache-Control", "no-store");
    resp.setContentLength(static_cast<std::streamsize>(body.size()));
    resp.send() << body;
}

void sendJson(Poco::Net::HTTPServerResponse& resp, int status, const json& j) {
    send(resp, status, "application/json", j.dump());
}

class Handler : public Poco::Net::HTTPRequestHandler {
  public:
    explicit Handler(OidcProvider::Impl& p) : p_(p) {}

    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& resp) override {
        Poco::URI uri(req.getURI());
        const std::string path = uri.getPath();
        p_.count(path);
        std::map<std::string, std::string> q;
        for (const auto& [k, v] : uri.getQueryParameters()) q.emplace(k, v);
        if (req.getMethod() == "POST") {
            for (auto& [k, v] : web::parseForm(readBody(req))) q.emplace(k, v);
        }
        auto get = [&](const char* k) {
            auto it = q.find(k);
            return it == q.end() ? std::string() : it->second;
        };
        if (path == "/.well-known/openid-configuration") {
            const std::string browser =
                "http://" + p_.opt.browser_host + ":" + std::to_string(p_.port);
            return sendJson(resp, 200,
                            {{"issuer", p_.issuer()},
                             {"authorization_endpoint", browser + "/authorize"},
                             {"token_endpoint", p_.issuer() + "/token"},
                             {"jwks_uri", p_.issuer() + "/jwks"},
                             {"response_types_supported", {"code"}},
                             {"subject_types_supported", {"public"}},
                             {"id_token_signing_alg_values_supported", {"RS256", "ES256"}},
                             {"code_challenge_methods_supported", {"S256"}},
                             {"token_endpoint_auth_methods_supported",
                              {"client_secret_post", "client_secret_basic"}}});
        }
        if (path == "/jwks") return send(resp, 200, "application/json", p_.jwks());
        if (path == "/authorize" && req.getMethod() == "GET") return authorizeForm(resp, get);
        if (path == "/authorize" && req.getMethod() == "POST") return authorizePost(resp, get);
        if (path == "/token" && req.getMethod() == "POST") return token(req, resp, get);
        send(resp, 404, "text/plain", "not found");
    }

  private:
    template <class Get>
    void authorizeForm(Poco::Net::HTTPServerResponse& resp, Get& get) {
        if (get("client_id") != p_.opt.client_id || !p_.redirectOk(get("redirect_uri")) ||
            get("response_type") != "code" || get("code_challenge_method") != "S256" ||
            get("code_challenge").empty() || get("state").empty() || get("nonce").empty())
            return send(resp, 400, "text/html; charset=utf-8",
                        "<!DOCTYPE html><title>Fout</title><p>Ongeldig verzoek.</p>");
        using web::escape;
        std::string html =
            "<!DOCTYPE html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Test-"
            "identiteitsprovider</title></head><body><h1>Test-identiteitsprovider</h1>"
            "<form method=\"post\" action=\"/authorize\"><fieldset><legend>Kies een "
            "testgebruiker</legend>";
        for (const char* k : {"client_id", "redirect_uri", "state", "nonce", "code_challenge"})
            html += "<input type=\"hidden\" name=\"" + std::string(k) + "\" value=\"" +
                    escape(get(k)) + "\">";
        for (const auto& u : p_.opt.users)
            html += "<p><input type=\"radio\" name=\"user\" id=\"user-" + escape(u.id) +
                    "\" value=\"" + escape(u.id) + "\"><label for=\"user-" + escape(u.id) +
                    "\">" + escape(u.claims.value("name", u.id)) + "</label></p>";
        html +=
            "</fieldset><button type=\"submit\" id=\"aanmelden\" name=\"action\" "
            "value=\"login\">Aanmelden</button> <button type=\"submit\" id=\"weigeren\" "
            "name=\"action\" value=\"deny\">Weigeren</button></form></body></html>";
        send(resp, 200, "text/html; charset=utf-8", html);
    }

    template <class Get>
    void authorizePost(Poco::Net::HTTPServerResponse& resp, Get& get) {
        const std::string redirect_uri = get("redirect_uri");
        if (get("client_id") != p_.opt.client_id || !p_.redirectOk(redirect_uri))
            return send(resp, 400, "text/plain", "bad request");
        std::string to = redirect_uri + (redirect_uri.find('?') == std::string::npos ? "?" : "&");
        const OidcProvider::User* u = p_.user(get("user"));
        if (get("action") == "deny" || !u) {
            to += "error=access_denied&state=" + urlEncode(get("state"));
        } else {
            const std::string code = web::oidc::randomToken(24);
            {
                std::lock_guard lock(p_.mu);
                p_.codes[code] = {u->id, redirect_uri, get("nonce"), get("code_challenge"),
                                  nowSeconds() + 120};
            }
            to += "code=" + code + "&state=" + urlEncode(get("state"));
        }
        resp.setStatus(Poco::Net::HTTPResponse::HTTP_FOUND);
        resp.set("Location", to);
        resp.setContentLength(0);
        resp.send();
    }

    template <class Get>
    void token(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp, Get& get) {
        auto refuse = [&](const std::string& why, const char* error) {
            {
                std::lock_guard lock(p_.mu);
                p_.last_refusal = why;
            }
            sendJson(resp, error == std::string("invalid_client") ? 401 : 400, {{"error", error}});
        };
        std::string client_id = get("client_id"), secret = get("client_secret");
        if (req.has("Authorization")) {
            const std::string auth = req.get("Authorization");
            if (!auth.starts_with("Basic ")) return refuse("client", "invalid_client");
            std::istringstream in(auth.substr(6));
            Poco::Base64Decoder dec(in);
            std::string pair((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
            const size_t colon = pair.find(':');
            if (colon == std::string::npos) return refuse("client", "invalid_client");
            std::string u, s;
            Poco::URI::decode(pair.substr(0, colon), u);
            Poco::URI::decode(pair.substr(colon + 1), s);
            client_id = u;
            secret = s;
        }
        if (client_id != p_.opt.client_id || secret != p_.opt.client_secret)
            return refuse("client", "invalid_client");
        if (get("grant_type") != "authorization_code")
            return refuse("grant_type", "unsupported_grant_type");
        OidcProvider::Impl::Code code;
        {
            std::lock_guard lock(p_.mu);
            auto it = p_.codes.find(get("code"));
            if (it == p_.codes.end()) {
                p_.last_refusal = "code";
                return sendJson(resp, 400, {{"error", "invalid_grant"}});
            }
            code = it->second;
            p_.codes.erase(it);  // one use
        }
        if (code.expires < nowSeconds()) return refuse("code", "invalid_grant");
        if (code.redirect_uri != get("redirect_uri")) return refuse("redirect_uri", "invalid_grant");
        if (web::oidc::pkceChallenge(get("code_verifier")) != code.challenge)
            return refuse("pkce", "invalid_grant");
        Mode m;
        {
            std::lock_guard lock(p_.mu);
            m = p_.mode;
        }
        const OidcProvider::User* u = p_.user(code.user);
        std::string id_token = p_.sign(p_.idClaims(*u, code.nonce, m), m);
        sendJson(resp, 200,
                 {{"access_token", web::oidc::randomToken(24)},
                  {"token_type", "Bearer"},
                  {"expires_in", 300},
                  {"id_token", id_token}});
    }

    using Mode = OidcProvider::Mode;
    OidcProvider::Impl& p_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit Factory(OidcProvider::Impl& p) : p_(p) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
        return new Handler(p_);
    }

  private:
    OidcProvider::Impl& p_;
};

}  // namespace

std::vector<OidcProvider::User> OidcProvider::defaultUsers() {
    return {
        {"directeur",
         {{"sub", "u-dir-1"}, {"name", "Dirk Directeur"}, {"email", "dirk@school.example"},
          {"email_verified", true}, {"roles", {"Sluis.Directeur", "Personeel"}}}},
        {"mentor",
         {{"sub", "u-men-1"}, {"name", "Mia Mentor"}, {"email", "mia@school.example"},
          {"roles", {"Sluis.Mentor"}}}},
        {"zonder-rol",
         {{"sub", "u-geen-1"}, {"name", "Zeno Zonderrol"}, {"email", "zeno@school.example"},
          {"roles", {"Personeel"}}}},
        {"elders",
         {{"sub", "u-eld-1"}, {"name", "Els Elders"}, {"email", "els@elders.example"},
          {"roles", {"Sluis.Directeur"}}}},
    };
}

OidcProvider::OidcProvider() : OidcProvider(Options{}) {}

OidcProvider::OidcProvider(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->opt = std::move(options);
    impl_->rsa = generate(false);
    impl_->other_rsa = generate(false);
    impl_->ec = generate(true);
    impl_->kid = "rsa-1";
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64);
    impl_->port = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    params->setMaxQueued(32);
    params->setKeepAlive(false);
    params->setTimeout(Poco::Timespan(10, 0));
    impl_->http = std::make_unique<Poco::Net::HTTPServer>(new Factory(*impl_), socket, params);
    impl_->http->start();
}

OidcProvider::~OidcProvider() {
    if (impl_ && impl_->http) impl_->http->stopAll(true);
}

uint16_t OidcProvider::port() const { return impl_->port; }
std::string OidcProvider::issuer() const { return impl_->issuer(); }

void OidcProvider::setMode(Mode m) {
    std::lock_guard lock(impl_->mu);
    impl_->mode = m;
}

void OidcProvider::rotateKey() {
    auto k = generate(false);
    std::lock_guard lock(impl_->mu);
    impl_->rsa = k;
    impl_->kid = "rsa-" + std::to_string(++impl_->generation);
}

int OidcProvider::requests(const std::string& path) const {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->counts.find(path);
    return it == impl_->counts.end() ? 0 : it->second;
}

std::string OidcProvider::lastRefusal() const {
    std::lock_guard lock(impl_->mu);
    return impl_->last_refusal;
}

std::string OidcProvider::sign(const json& claims, Mode mode) const {
    return impl_->sign(claims, mode);
}

std::string OidcProvider::jwks() const { return impl_->jwks(); }

}  // namespace sluis::test

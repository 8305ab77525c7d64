// Login with OpenID Connect (docs/web.md): ID token verification (core/web/oidc_token), the
// configuration of admin.web.oidc (core/config), and the whole code flow with PKCE
// (core/web/oidc_client) against the test provider over real HTTP on loopback.
#include <gtest/gtest.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/URI.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/config/config.h"
#include "core/util/percent_encode.h"
#include "core/web/oidc_client.h"
#include "core/web/oidc_http.h"
#include "core/web/oidc_token.h"
#include "tests/support/oidc_provider.h"

namespace sluis::web::oidc {
namespace {

using nlohmann::json;
using test::OidcProvider;
namespace fs = std::filesystem;

Timestamp systemNow() { return SystemClock().now(); }

long long unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(systemNow().time_since_epoch()).count();
}

/// One provider (its keys take a moment to generate) for the verification tests.
class TokenTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { provider_ = new OidcProvider(); }
    static void TearDownTestSuite() {
        delete provider_;
        provider_ = nullptr;
    }

    json claims() const {
        return {{"iss", provider_->issuer()}, {"sub", "u-1"}, {"aud", "sluis-test"},
                {"iat", unixNow()}, {"exp", unixNow() + 300}, {"nonce", "n-123"},
                {"roles", {"Sluis.Directeur"}}};
    }
    Expected expected() const { return {provider_->issuer(), "sluis-test", "n-123", systemNow()}; }
    KeySet keys() const {
        auto k = KeySet::parse(provider_->jwks());
        EXPECT_TRUE(k.isOk());
        return *k;
    }
    TokenProblem check(const json& c, OidcProvider::Mode m = OidcProvider::Mode::kNormal) const {
        return verifyIdToken(provider_->sign(c, m), keys(), expected()).problem;
    }

    static OidcProvider* provider_;
};
OidcProvider* TokenTest::provider_ = nullptr;

TEST_F(TokenTest, GoodRs256TokenIsAccepted) {
    auto v = verifyIdToken(provider_->sign(claims()), keys(), expected());
    ASSERT_TRUE(v.ok()) << problemName(v.problem);
    EXPECT_EQ(v.claims["sub"], "u-1");
    EXPECT_EQ(keys().size(), 2u);  // the RSA and the P-256 key
}

TEST_F(TokenTest, GoodEs256TokenIsAccepted) {
    EXPECT_EQ(check(claims(), OidcProvider::Mode::kEs256), TokenProblem::kNone);
}

TEST_F(TokenTest, BadSignatureIsRefused) {
    EXPECT_EQ(check(claims(), OidcProvider::Mode::kWrongSignature), TokenProblem::kSignature);
    // A changed payload under a genuine signature.
    std::string jwt = provider_->sign(claims());
    const size_t a = jwt.find('.'), b = jwt.find('.', a + 1);
    json forged = claims();
    forged["roles"] = {"Sluis.Beheerder"};
    std::string tampered = jwt.substr(0, a + 1) + base64UrlEncode(forged.dump()) + jwt.substr(b);
    EXPECT_EQ(verifyIdToken(tampered, keys(), expected()).problem, TokenProblem::kSignature);
}

TEST_F(TokenTest, AlgNoneAndHmacAreRefused) {
    EXPECT_EQ(check(claims(), OidcProvider::Mode::kAlgNone), TokenProblem::kAlgorithm);
    // HS256 with anything as the key: refused before a key is looked at.
    std::string header = base64UrlEncode(R"({"alg":"HS256","kid":"rsa-1"})");
    std::string jwt = header + "." + base64UrlEncode(claims().dump()) + "." + base64UrlEncode("x");
    EXPECT_EQ(verifyIdToken(jwt, keys(), expected()).problem, TokenProblem::kAlgorithm);
    EXPECT_EQ(verifyIdToken("a.b", keys(), expected()).problem, TokenProblem::kMalformed);
    EXPECT_EQ(verifyIdToken("", keys(), expected()).problem, TokenProblem::kMalformed);
}

TEST_F(TokenTest, WrongIssuerOrAudienceIsRefused) {
    json c = claims();
    c["iss"] = "http://127.0.0.1:1/ander";
    EXPECT_EQ(check(c), TokenProblem::kIssuer);
    c = claims();
    c["aud"] = "een-andere-client";
    EXPECT_EQ(check(c), TokenProblem::kAudience);
    // Several audiences: ours must be there and azp must be us.
    c["aud"] = {"een-andere-client", "sluis-test"};
    EXPECT_EQ(check(c), TokenProblem::kAudience);
    c["azp"] = "sluis-test";
    EXPECT_EQ(check(c), TokenProblem::kNone);
}

TEST_F(TokenTest, TimesAreCheckedWithSmallSkew) {
    json c = claims();
    c["exp"] = unixNow() - 30;  // within the 60 s skew
    EXPECT_EQ(check(c), TokenProblem::kNone);
    c["exp"] = unixNow() - 120;
    EXPECT_EQ(check(c), TokenProblem::kExpired);
    c = claims();
    c["iat"] = unixNow() + 600;
    EXPECT_EQ(check(c), TokenProblem::kNotYetValid);
    c = claims();
    c["nbf"] = unixNow() + 600;
    EXPECT_EQ(check(c), TokenProblem::kNotYetValid);
    c = claims();
    c.erase("exp");
    EXPECT_EQ(check(c), TokenProblem::kMalformed);
    // The injected clock decides, not the machine's: two hours later the token has expired.
    Expected later = expected();
    later.now += std::chrono::hours(2);
    EXPECT_EQ(verifyIdToken(provider_->sign(claims()), keys(), later).problem,
              TokenProblem::kExpired);
}

TEST_F(TokenTest, NonceMustMatch) {
    json c = claims();
    c["nonce"] = "een-andere-nonce";
    EXPECT_EQ(check(c), TokenProblem::kNonce);
    c.erase("nonce");
    EXPECT_EQ(check(c), TokenProblem::kNonce);
}

TEST_F(TokenTest, SameKidOtherKeyIsBadSignature) {
    OidcProvider other;  // also publishes kid "rsa-1", with its own key
    EXPECT_EQ(verifyIdToken(other.sign(claims()), keys(), expected()).problem,
              TokenProblem::kSignature);
}

TEST(OidcToken, UnknownKidAfterRotation) {
    OidcProvider p;
    auto old_keys = KeySet::parse(p.jwks());
    ASSERT_TRUE(old_keys.isOk());
    p.rotateKey();
    json c = {{"iss", p.issuer()}, {"sub", "u-1"}, {"aud", "sluis-test"}, {"iat", unixNow()},
              {"exp", unixNow() + 300}, {"nonce", "n"}};
    Expected e{p.issuer(), "sluis-test", "n", systemNow()};
    const std::string jwt = p.sign(c);
    EXPECT_EQ(tokenKid(jwt), "rsa-2");
    EXPECT_EQ(verifyIdToken(jwt, *old_keys, e).problem, TokenProblem::kUnknownKid);
    auto new_keys = KeySet::parse(p.jwks());
    EXPECT_EQ(verifyIdToken(jwt, *new_keys, e).problem, TokenProblem::kNone);
}

TEST(OidcToken, Base64UrlAndPkce) {
    EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
    EXPECT_EQ(*base64UrlDecode("-_8"), "\xfb\xff");
    EXPECT_FALSE(base64UrlDecode("a+b/").has_value());
    // RFC 7636 appendix B.
    EXPECT_EQ(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    EXPECT_NE(randomToken(), randomToken());
    EXPECT_EQ(randomToken(32).size(), 43u);
}

TEST(OidcToken, RoleMapping) {
    const std::map<std::string, std::string> map = {{"Sluis.Directeur", "directeur"},
                                                    {"Sluis.Mentor", "mentor"},
                                                    {"Directie", "directeur"}};
    EXPECT_EQ(mapRole({{"roles", "Sluis.Mentor"}}, "roles", map), "mentor");
    EXPECT_EQ(mapRole({{"roles", {"Personeel", "Sluis.Directeur"}}}, "roles", map), "directeur");
    // Two values for the same role are fine; two different roles are ambiguous: refused.
    EXPECT_EQ(mapRole({{"roles", {"Directie", "Sluis.Directeur"}}}, "roles", map), "directeur");
    EXPECT_EQ(mapRole({{"roles", {"Sluis.Mentor", "Sluis.Directeur"}}}, "roles", map), std::nullopt);
    EXPECT_EQ(mapRole({{"roles", {"Personeel"}}}, "roles", map), std::nullopt);
    EXPECT_EQ(mapRole({{"groups", {"Sluis.Mentor"}}}, "roles", map), std::nullopt);
    EXPECT_EQ(mapRole({{"roles", 7}}, "roles", map), std::nullopt);
}

TEST(OidcToken, DomainAllowList) {
    const std::vector<std::string> allowed = {"school.example"};
    EXPECT_TRUE(domainAllowed({{"email", "a@elders.example"}}, {}));
    EXPECT_TRUE(domainAllowed({{"email", "a@School.Example"}}, allowed));
    EXPECT_FALSE(domainAllowed({{"email", "a@elders.example"}}, allowed));
    EXPECT_FALSE(domainAllowed({{"email", "a@school.example"}, {"email_verified", false}}, allowed));
    EXPECT_TRUE(domainAllowed({{"preferred_username", "a@school.example"}}, allowed));
    EXPECT_FALSE(domainAllowed({{"sub", "x"}}, allowed));
    // Google's hd claim decides when present.
    EXPECT_TRUE(domainAllowed({{"hd", "school.example"}, {"email", "a@school.example"}}, allowed));
    EXPECT_FALSE(domainAllowed({{"hd", "elders.example"}, {"email", "a@school.example"}}, allowed));
}

TEST(OidcHttp, OnlyHttpsOrLoopback) {
    EXPECT_TRUE(allowedUrl("https://login.microsoftonline.com/x/v2.0"));
    EXPECT_TRUE(allowedUrl("http://127.0.0.1:8080/"));
    EXPECT_TRUE(allowedUrl("http://localhost:8080/"));
    EXPECT_FALSE(allowedUrl("http://login.example.nl/"));
    EXPECT_FALSE(allowedUrl("file:///etc/passwd"));
    EXPECT_FALSE(allowedUrl(""));
}

// --- configuration ---

class OidcConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("sluis-oidc-config-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        secret_ = dir_ / "oidc.secret";
        std::ofstream(secret_) << "geheim-123\n";
        fs::permissions(secret_, fs::perms::owner_read | fs::perms::owner_write);
    }
    void TearDown() override { fs::remove_all(dir_); }

    json oidc() const {
        return {{"issuer", "https://login.example.nl/school"},
                {"name", "Schoolaccount"},
                {"client_id", "sluis"},
                {"client_secret_file", secret_.string()},
                {"redirect_uri", "https://sluis.school.nl/web/login/oidc/callback"},
                {"role_claim", "groups"},
                {"role_map", {{"g-directie", "directeur"}}}};
    }
    /// The errors of a configuration with this oidc block ("" when it loads).
    std::string load(const json& o, std::shared_ptr<const config::Config>* out = nullptr) const {
        json daemon = {{"data_dir", dir_.string()},
                       {"admin", {{"web", {{"enabled", true}, {"oidc", o}}}}}};
        connector::ConnectorRegistry connectors;
        mapper::MapperRegistry mappers;
        auto cfg = config::buildConfig({{"daemon.json", daemon}}, dir_.string(), {}, connectors,
                                       mappers);
        if (!cfg) return cfg.error().message;
        if (out) *out = *cfg;
        return "";
    }

    fs::path dir_, secret_;
};

TEST_F(OidcConfigTest, GoodConfigLoads) {
    std::shared_ptr<const config::Config> cfg;
    ASSERT_EQ(load(oidc(), &cfg), "");
    ASSERT_TRUE(cfg->admin.web.oidc);
    const auto& o = *cfg->admin.web.oidc;
    EXPECT_EQ(o.client_secret, "geheim-123");
    EXPECT_EQ(o.role_map.at("g-directie"), "directeur");
    EXPECT_EQ(o.token_auth, "client_secret_post");
    EXPECT_EQ(o.scopes, (std::vector<std::string>{"openid", "profile", "email"}));
}

TEST_F(OidcConfigTest, ErrorsNameTheField) {
    json o = oidc();
    o.erase("client_id");
    EXPECT_NE(load(o).find("admin.web.oidc.client_id: verplicht"), std::string::npos) << load(o);
    o = oidc();
    o["client_secret"] = "geheim";
    EXPECT_NE(load(o).find("admin.web.oidc.client_secret: zet het geheim niet in daemon.json"),
              std::string::npos);
    EXPECT_EQ(load(o).find("geheim-123"), std::string::npos);
    o = oidc();
    o["issuer"] = "http://login.example.nl/";
    EXPECT_NE(load(o).find("admin.web.oidc.issuer: alleen https"), std::string::npos);
    o = oidc();
    o["redirect_uri"] = "https://sluis.school.nl/terug";
    EXPECT_NE(load(o).find("admin.web.oidc.redirect_uri: moet eindigen op /web/login/oidc/callback"),
              std::string::npos);
    o = oidc();
    o["role_map"] = {{"g-directie", "koning"}};
    EXPECT_NE(load(o).find("admin.web.oidc.role_map[\"g-directie\"]: verwacht een Sluis-rol"),
              std::string::npos);
    o = oidc();
    o["scopes"] = {"profile"};
    EXPECT_NE(load(o).find("admin.web.oidc.scopes: moet \"openid\" bevatten"), std::string::npos);
    o = oidc();
    o["token_auth"] = "private_key_jwt";
    EXPECT_NE(load(o).find("admin.web.oidc.token_auth"), std::string::npos);
    o = oidc();
    o["allowed_domains"] = {"@school.nl"};
    EXPECT_NE(load(o).find("admin.web.oidc.allowed_domains"), std::string::npos);
    o = oidc();
    o["kleur"] = "blauw";
    EXPECT_NE(load(o).find("admin.web.oidc.kleur: onbekende sleutel"), std::string::npos);
}

TEST_F(OidcConfigTest, SecretFileMustBePrivateAndNoSymlink) {
    fs::permissions(secret_, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    std::string err = load(oidc());
    EXPECT_NE(err.find("admin.web.oidc.client_secret_file"), std::string::npos) << err;
    EXPECT_NE(err.find("leesbaar voor anderen"), std::string::npos) << err;
    EXPECT_EQ(err.find("geheim-123"), std::string::npos);

    fs::permissions(secret_, fs::perms::owner_read);
    fs::create_symlink(secret_, dir_ / "link.secret");
    json o = oidc();
    o["client_secret_file"] = (dir_ / "link.secret").string();
    err = load(o);
    EXPECT_NE(err.find("symbolische koppeling"), std::string::npos) << err;

    o["client_secret_file"] = (dir_ / "bestaat-niet").string();
    EXPECT_NE(load(o).find("bestaat niet"), std::string::npos);
    std::ofstream(dir_ / "leeg.secret") << "\n";
    fs::permissions(dir_ / "leeg.secret", fs::perms::owner_read);
    o["client_secret_file"] = (dir_ / "leeg.secret").string();
    EXPECT_NE(load(o).find("is leeg"), std::string::npos);
}

// --- the whole code flow against the test provider ---

/// What the browser does at the provider: open the form, pick `user` (or refuse), and follow
/// nothing: the answer's Location is the callback with code and state.
Poco::URI authorize(const std::string& start_url, const std::string& user,
                    const std::string& action = "login") {
    Poco::URI start(start_url);
    std::string form = "user=" + util::percentEncode(user) + "&action=" + action;
    std::string get_query;
    for (const auto& [k, v] : start.getQueryParameters()) {
        if (k == "client_id" || k == "redirect_uri" || k == "state" || k == "nonce" ||
            k == "code_challenge")
            form += "&" + k + "=" + util::percentEncode(v);
    }
    Poco::Net::HTTPClientSession s(start.getHost(), start.getPort());
    {
        Poco::Net::HTTPRequest get(Poco::Net::HTTPRequest::HTTP_GET, start.getPathAndQuery(),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
        s.sendRequest(get);
        Poco::Net::HTTPResponse r;
        std::istream& in = s.receiveResponse(r);
        std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(r.getStatus(), 200) << html;
        EXPECT_NE(html.find("Kies een testgebruiker"), std::string::npos);
    }
    Poco::Net::HTTPClientSession s2(start.getHost(), start.getPort());
    Poco::Net::HTTPRequest post(Poco::Net::HTTPRequest::HTTP_POST, "/authorize",
                                Poco::Net::HTTPMessage::HTTP_1_1);
    post.setContentType("application/x-www-form-urlencoded");
    post.setContentLength(static_cast<std::streamsize>(form.size()));
    s2.sendRequest(post) << form;
    Poco::Net::HTTPResponse r;
    s2.receiveResponse(r);
    EXPECT_EQ(r.getStatus(), 302);
    return Poco::URI(r.get("Location", ""));
}

std::string param(const Poco::URI& u, const std::string& k) {
    for (const auto& [key, v] : u.getQueryParameters())
        if (key == k) return v;
    return "";
}

class FlowTest : public ::testing::Test {
  protected:
    FlowTest() : clock_(systemNow()) {}

    config::OidcConfig cfg() const {
        config::OidcConfig c;
        c.issuer = provider_.issuer();
        c.name = "Testschool";
        c.client_id = "sluis-test";
        c.client_secret = "oidc-test-geheim-123";
        c.redirect_uri = "http://127.0.0.1:8480/web/login/oidc/callback";
        c.role_map = {{"Sluis.Directeur", "directeur"}, {"Sluis.Mentor", "mentor"}};
        return c;
    }
    OidcClient::Login login(OidcClient& client, const std::string& user) {
        auto start = client.begin();
        EXPECT_TRUE(start.isOk()) << start.error().message;
        Poco::URI back = authorize(start->url, user);
        EXPECT_EQ(param(back, "state"), start->state);
        return client.finish(param(back, "code"), start->nonce, start->verifier);
    }

    OidcProvider provider_;
    ManualClock clock_;
};

TEST_F(FlowTest, CodeFlowWithPkceGivesTheMappedRole) {
    OidcClient client(cfg(), clock_);
    auto start = client.begin();
    ASSERT_TRUE(start.isOk()) << start.error().message;
    Poco::URI url(start->url);
    EXPECT_EQ(param(url, "code_challenge"), pkceChallenge(start->verifier));
    EXPECT_EQ(param(url, "code_challenge_method"), "S256");
    EXPECT_EQ(param(url, "scope"), "openid profile email");
    EXPECT_EQ(param(url, "nonce"), start->nonce);
    EXPECT_NE(start->state, start->nonce);
    Poco::URI back = authorize(start->url, "directeur");
    EXPECT_EQ(back.getPath(), "/web/login/oidc/callback");
    auto l = client.finish(param(back, "code"), start->nonce, start->verifier);
    ASSERT_EQ(l.outcome, OidcClient::Outcome::kOk) << l.detail;
    EXPECT_EQ(l.subject, "u-dir-1");
    EXPECT_EQ(l.role, "directeur");
    EXPECT_EQ(l.display, "Dirk Directeur");
    // A code is used once.
    auto again = client.finish(param(back, "code"), start->nonce, start->verifier);
    EXPECT_EQ(again.outcome, OidcClient::Outcome::kRefused);
    EXPECT_EQ(provider_.lastRefusal(), "code");
    // Discovery and keys are cached.
    EXPECT_EQ(login(client, "mentor").role, "mentor");
    EXPECT_EQ(provider_.requests("/.well-known/openid-configuration"), 1);
    EXPECT_EQ(provider_.requests("/jwks"), 1);
}

TEST_F(FlowTest, WrongVerifierOrSecretIsRefusedByTheProvider) {
    OidcClient client(cfg(), clock_);
    auto start = client.begin();
    ASSERT_TRUE(start.isOk());
    Poco::URI back = authorize(start->url, "directeur");
    auto l = client.finish(param(back, "code"), start->nonce, randomToken(48));
    EXPECT_EQ(l.outcome, OidcClient::Outcome::kRefused);
    EXPECT_EQ(provider_.lastRefusal(), "pkce");
    EXPECT_NE(l.detail.find("invalid_grant"), std::string::npos) << l.detail;

    auto bad = cfg();
    bad.client_secret = "fout";
    OidcClient wrong(bad, clock_);
    EXPECT_EQ(login(wrong, "directeur").outcome, OidcClient::Outcome::kRefused);
    EXPECT_EQ(provider_.lastRefusal(), "client");
}

TEST_F(FlowTest, ClientSecretBasicWorks) {
    auto c = cfg();
    c.token_auth = "client_secret_basic";
    OidcClient client(c, clock_);
    auto l = login(client, "mentor");
    EXPECT_EQ(l.outcome, OidcClient::Outcome::kOk) << l.detail;
    EXPECT_EQ(l.role, "mentor");
}

TEST_F(FlowTest, NoMappedRoleOrForeignDomainIsRefused) {
    auto c = cfg();
    c.allowed_domains = {"school.example"};
    OidcClient client(c, clock_);
    auto l = login(client, "zonder-rol");
    EXPECT_EQ(l.outcome, OidcClient::Outcome::kNoRole);
    EXPECT_EQ(l.subject, "u-geen-1");
    EXPECT_EQ(l.detail.find("Personeel"), std::string::npos);  // no claim values in the detail
    EXPECT_EQ(login(client, "elders").outcome, OidcClient::Outcome::kDomain);
    EXPECT_EQ(login(client, "directeur").outcome, OidcClient::Outcome::kOk);
    provider_.setMode(OidcProvider::Mode::kNoRoleClaim);
    EXPECT_EQ(login(client, "directeur").outcome, OidcClient::Outcome::kNoRole);
}

TEST_F(FlowTest, MisbehavingProviderIsRefused) {
    OidcClient client(cfg(), clock_);
    const std::pair<OidcProvider::Mode, const char*> cases[] = {
        {OidcProvider::Mode::kWrongSignature, "id_token: signature"},
        {OidcProvider::Mode::kWrongAudience, "id_token: audience"},
        {OidcProvider::Mode::kWrongIssuer, "id_token: issuer"},
        {OidcProvider::Mode::kExpired, "id_token: expired"},
        {OidcProvider::Mode::kWrongNonce, "id_token: nonce"},
        {OidcProvider::Mode::kAlgNone, "id_token: algorithm"},
    };
    for (const auto& [mode, detail] : cases) {
        provider_.setMode(mode);
        auto l = login(client, "directeur");
        EXPECT_EQ(l.outcome, OidcClient::Outcome::kRefused) << detail;
        EXPECT_EQ(l.detail, detail);
    }
    provider_.setMode(OidcProvider::Mode::kEs256);
    EXPECT_EQ(login(client, "directeur").outcome, OidcClient::Outcome::kOk);
}

TEST_F(FlowTest, KeyRotationFetchesTheKeysOnce) {
    OidcClient client(cfg(), clock_);
    EXPECT_EQ(login(client, "directeur").outcome, OidcClient::Outcome::kOk);
    EXPECT_EQ(provider_.requests("/jwks"), 1);
    provider_.rotateKey();
    auto l = login(client, "directeur");
    EXPECT_EQ(l.outcome, OidcClient::Outcome::kOk) << l.detail;
    EXPECT_EQ(provider_.requests("/jwks"), 2);
    EXPECT_EQ(login(client, "directeur").outcome, OidcClient::Outcome::kOk);
    EXPECT_EQ(provider_.requests("/jwks"), 2);
}

TEST_F(FlowTest, UnreachableProviderIsUnavailable) {
    auto c = cfg();
    c.issuer = "http://127.0.0.1:1";
    OidcClient client(c, clock_);
    auto start = client.begin();
    ASSERT_FALSE(start.isOk());
    EXPECT_EQ(start.error().code, ErrorCode::kUnavailable);
    // A discovery document for another issuer is not used.
    auto d = cfg();
    d.issuer = provider_.issuer() + "/";
    OidcClient other(d, clock_);
    auto s2 = other.begin();
    ASSERT_FALSE(s2.isOk());
    EXPECT_NE(s2.error().message.find("issuer"), std::string::npos);
}

}  // namespace
}  // namespace sluis::web::oidc

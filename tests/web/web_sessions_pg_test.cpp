// Web sessions in the store (issue 16, docs/web.md "Sessions"): two real `sluis serve` on one
// PostgreSQL database, logging in over real HTTP with the real login form (password, then the
// TOTP code computed from the secret `sluis account add` printed), on a shared test clock.
// A session made by one daemon works on the other; logging out on one ends it on both; a restart
// keeps it; removing the account (through the Beheer page or `sluis account remove`) or giving it
// a new second factor sends its next request to the login page, on every daemon.
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/URI.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "core/util/clock.h"
#include "core/util/file_clock.h"
#include "core/auth/credentials.h"
#include "tests/support/oidc_provider.h"
#include "tests/support/pg_database.h"
#include "tests/support/process.h"
#include "tests/support/minimal_config.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();

struct WebReply {
    int status = 0;
    std::string body;
    std::string location;
    std::string cookie;  ///< the new value of sluis_sessie, if the answer set one
    std::string oidc_cookie;  ///< the new value of sluis_oidc (a login with OpenID Connect)
};

/// One request to the web interface on 127.0.0.1:`port` with session cookie `cookie`; `form`
/// makes it a urlencoded POST. `cookie_name`: another cookie than the session's.
WebReply web(int port, const std::string& method, const std::string& path,
             const std::string& cookie, const std::map<std::string, std::string>& form = {},
             const std::string& cookie_name = "sluis_sessie") {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!cookie.empty()) {
        Poco::Net::NameValueCollection c;
        c.add(cookie_name, cookie);
        req.setCookies(c);
    }
    Poco::Net::HTMLForm body;
    for (const auto& [k, v] : form) body.add(k, v);
    if (method == "POST") {
        body.prepareSubmit(req);
        body.write(session.sendRequest(req));
    } else {
        session.sendRequest(req);
    }
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    WebReply r;
    r.status = static_cast<int>(resp.getStatus());
    Poco::StreamCopier::copyToString(in, r.body);
    r.location = resp.get("Location", "");
    std::vector<Poco::Net::HTTPCookie> cookies;
    resp.getCookies(cookies);
    for (const auto& c : cookies) {
        if (c.getName() == "sluis_sessie" && c.getMaxAge() != 0) r.cookie = c.getValue();
        if (c.getName() == "sluis_oidc" && c.getMaxAge() != 0) r.oidc_cookie = c.getValue();
    }
    return r;
}

std::string csrfOf(const std::string& page) {
    std::smatch m;
    static const std::regex re("name=\"csrf\" value=\"([0-9a-f]+)\"");
    return std::regex_search(page, m, re) ? m[1].str() : std::string();
}

std::string lineValue(const std::string& out, const std::string& key) {
    const auto at = out.find(key);
    if (at == std::string::npos) return "";
    const auto end = out.find('\n', at);
    return out.substr(at + key.size(), end - at - key.size());
}

class WebSessionsPostgres : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_EQ(db_.error(), "");
        test::writeMinimalConfig(config_,
                                 json{{"admin", {{"port", 0}, {"web", {{"enabled", true}}}}},
                                      {"key_file", (dir_ / "sluis.key").string()},
                                      {"worker", {{"poll_interval", "50ms"}}}},
                                 {{"path", "inbox"}, {"settle_time", "0ms"}},
                                 json{{"backend", "postgresql"}, {"postgresql", {{"dsn", db_.dsn()}}}});
        test::setClockFile(clock_, "2026-12-07T08:00:00Z");
        ::setenv("SLUIS_ENABLE_TEST_CLOCK", "1", 1);
    }

    test::RunResult cli(std::vector<std::string> args) {
        args.insert(args.end(), {"--config", config_.string(), "--data-dir", (dir_ / "cli").string()});
        return test::run(kExe, args);
    }

    /// `sluis account add`; remembers the password and the TOTP secret it printed once.
    void addAccount(const std::string& name, const std::string& role) {
        auto r = cli({"account", "add", "--name", name, "--role", role});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        passwords_[name] = lineValue(r.out, "wachtwoord: ");
        auto secret = auth::base32Decode(lineValue(r.out, "totp-geheim: "));
        ASSERT_TRUE(secret) << r.out;
        secrets_[name] = *secret;
    }

    int start(test::Daemon& d, const std::string& data) {
        return test::startServe(d, kExe,
                                {"serve", "--config", config_.string(), "--data-dir",
                                 (dir_ / data).string(), "--test-clock", clock_.string()},
                                dir_ / data, dir_ / (data + ".log"));
    }

    /// Logs `name` in on daemon `port` through the login form; returns the session cookie. Each
    /// login moves the shared test clock a minute on (a TOTP code is accepted only once).
    std::string login(int port, const std::string& name) {
        now_ += std::chrono::minutes(1);
        test::setClockFile(clock_, formatIso(now_));
        auto form = web(port, "GET", "/web/login", "");
        EXPECT_EQ(form.status, 200);
        auto pw = web(port, "POST", "/web/login", form.cookie,
                      {{"csrf", csrfOf(form.body)}, {"naam", name}, {"wachtwoord", passwords_[name]}});
        EXPECT_EQ(pw.status, 303) << pw.body;
        EXPECT_EQ(pw.location, "/web/login/totp");
        auto totp = web(port, "GET", "/web/login/totp", pw.cookie);
        EXPECT_EQ(totp.status, 200) << totp.body;
        const long long unix_s =
            std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
        auto done = web(port, "POST", "/web/login/totp", pw.cookie,
                        {{"csrf", csrfOf(totp.body)}, {"code", auth::totp(secrets_[name], unix_s)}});
        EXPECT_EQ(done.status, 303) << done.body;
        EXPECT_EQ(done.location, "/web/");
        EXPECT_EQ(done.cookie.size(), 64u);
        return done.cookie;
    }

    /// Whether `cookie` is a logged-in session on daemon `port` (the overview answers; without
    /// a session it sends the browser to the login page).
    bool loggedIn(int port, const std::string& cookie) {
        auto r = web(port, "GET", "/web/", cookie);
        if (r.status == 303) {
            EXPECT_EQ(r.location, "/web/login");
            return false;
        }
        EXPECT_EQ(r.status, 200) << r.body;
        return r.status == 200;
    }

    /// Adds admin.web.oidc for `provider` to daemon.json.
    void withOidc(const test::OidcProvider& provider) {
        test::writeFile(config_ / "oidc.secret", "oidc-test-geheim-123\n");
        fs::permissions(config_ / "oidc.secret", fs::perms::owner_read | fs::perms::owner_write);
        json d = json::parse(test::readFile(config_ / "daemon.json"));
        d["admin"]["web"]["oidc"] = {
            {"issuer", provider.issuer()},
            {"name", "Testschool"},
            {"client_id", "sluis-test"},
            {"client_secret_file", (config_ / "oidc.secret").string()},
            {"redirect_uri", "http://127.0.0.1:8480/web/login/oidc/callback"},
            {"role_claim", "roles"},
            {"role_map", {{"Sluis.Directeur", "directeur"}, {"Sluis.Mentor", "mentor"}}}};
        test::writeFile(config_ / "daemon.json", d.dump());
    }

    test::PgDatabase db_;
    test::TempDir dir_;
    fs::path config_ = dir_ / "config";
    fs::path clock_ = dir_ / "clock";
    Timestamp now_ = *parseIsoUtc("2026-12-07T08:00:00Z");
    std::map<std::string, std::string> passwords_, secrets_;
};

TEST_F(WebSessionsPostgres, OneSessionOnEveryDaemonEndedAtOnceWhenTheAccountGoes) {
    addAccount("dir.bos", "directeur");
    addAccount("beh.eer", "beheerder");
    test::Daemon d1, d2;
    int p1 = start(d1, "data1");
    const int p2 = start(d2, "data2");
    ASSERT_GT(p1, 0);
    ASSERT_GT(p2, 0);

    // Logged in on daemon 1, the same cookie works on daemon 2 (a load balancer may send the
    // next request anywhere), with the same CSRF token.
    const std::string a = login(p1, "dir.bos");
    ASSERT_TRUE(loggedIn(p1, a));
    auto page2 = web(p2, "GET", "/web/", a);
    ASSERT_EQ(page2.status, 200);
    EXPECT_NE(page2.body.find("dir.bos"), std::string::npos);
    EXPECT_EQ(csrfOf(page2.body), csrfOf(web(p1, "GET", "/web/", a).body));
    EXPECT_EQ(db_.dumpAllRows().find(a), std::string::npos) << "the cookie value is never stored";

    // Logging out on daemon 2 ends it on daemon 1.
    auto out = web(p2, "POST", "/web/logout", a, {{"csrf", csrfOf(page2.body)}});
    EXPECT_EQ(out.status, 303);
    EXPECT_FALSE(loggedIn(p1, a));
    EXPECT_FALSE(loggedIn(p2, a));

    // A restart of daemon 1 keeps a session.
    const std::string b = login(p2, "dir.bos");
    ASSERT_TRUE(loggedIn(p1, b));
    EXPECT_EQ(d1.terminate(), 0);
    p1 = start(d1, "data1");
    ASSERT_GT(p1, 0);
    EXPECT_TRUE(loggedIn(p1, b)) << "a restart keeps the session";

    // The beheerder (on daemon 2) removes the account through the Beheer page: the directeur's
    // next request, on either daemon, lands on the login page.
    const std::string beheer = login(p2, "beh.eer");
    auto confirm = web(p2, "GET", "/web/beheer/accounts/verwijderen?naam=dir.bos", beheer);
    ASSERT_EQ(confirm.status, 200) << confirm.body;
    auto removed = web(p2, "POST", "/web/beheer/accounts/verwijderen", beheer,
                       {{"csrf", csrfOf(confirm.body)}, {"naam", "dir.bos"}});
    EXPECT_EQ(removed.status, 303) << removed.body;
    EXPECT_FALSE(loggedIn(p1, b)) << "removed account: session ended at once";
    EXPECT_FALSE(loggedIn(p2, b));
    EXPECT_TRUE(loggedIn(p1, beheer)) << "other accounts stay logged in";

    // The same through the command line, and for a new second factor.
    addAccount("juf.ans", "mentor");
    const std::string c = login(p1, "juf.ans");
    const std::string d = login(p2, "juf.ans");
    ASSERT_TRUE(loggedIn(p2, c));
    auto reset = cli({"account", "reset-totp", "juf.ans"});
    ASSERT_EQ(reset.exit_code, 0) << reset.err;
    EXPECT_FALSE(loggedIn(p1, c)) << "new second factor: sessions ended";
    EXPECT_FALSE(loggedIn(p2, d));
    secrets_["juf.ans"] = *auth::base32Decode(lineValue(reset.out, "totp-geheim: "));
    const std::string e = login(p2, "juf.ans");
    ASSERT_TRUE(loggedIn(p1, e));
    auto gone = cli({"account", "remove", "juf.ans"});
    ASSERT_EQ(gone.exit_code, 0) << gone.err;
    EXPECT_FALSE(loggedIn(p1, e)) << "removed with `sluis account remove`: session ended";
    EXPECT_TRUE(loggedIn(p2, beheer));

    EXPECT_EQ(d1.terminate(), 0);
    EXPECT_EQ(d2.terminate(), 0);
    for (const char* log : {"data1.log", "data2.log"}) {
        const std::string text = test::readFile(dir_ / log);
        EXPECT_EQ(text.find(a), std::string::npos) << "no cookie value in " << log;
        EXPECT_EQ(text.find(passwords_["dir.bos"]), std::string::npos);
    }
}

// The pending OpenID Connect login (state, nonce, PKCE verifier) is in the store too: daemon 1
// starts it, daemon 2 answers the provider's callback (a load balancer in between), once.
TEST_F(WebSessionsPostgres, AnOidcLoginStartedOnOneDaemonFinishesOnTheOther) {
    test::OidcProvider provider;
    withOidc(provider);
    // The provider signs with the real time: the daemons' clock shows it too.
    test::setClockFile(clock_, formatIso(SystemClock().now()));
    test::Daemon d1, d2;
    const int p1 = start(d1, "data1");
    const int p2 = start(d2, "data2");
    ASSERT_GT(p1, 0);
    ASSERT_GT(p2, 0);

    auto begin = web(p1, "GET", "/web/login/oidc", "");
    ASSERT_EQ(begin.status, 303) << begin.body;
    ASSERT_EQ(begin.oidc_cookie.size(), 64u);
    const std::string raw = db_.dumpAllRows();
    Poco::URI authorize(begin.location);
    std::map<std::string, std::string> form{{"user", "directeur"}, {"action", "login"}};
    for (const auto& [k, v] : authorize.getQueryParameters()) {
        if (k == "state" || k == "nonce") {
            EXPECT_EQ(raw.find(v), std::string::npos) << k << " sealed";
        }
        if (k == "client_id" || k == "redirect_uri" || k == "state" || k == "nonce" ||
            k == "code_challenge")
            form[k] = v;
    }
    // The person picks a user at the provider, which answers with a redirect to the callback.
    Poco::Net::HTTPClientSession ps(authorize.getHost(), authorize.getPort());
    Poco::Net::HTTPRequest post(Poco::Net::HTTPRequest::HTTP_POST, "/authorize",
                                Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTMLForm body;
    for (const auto& [k, v] : form) body.add(k, v);
    body.prepareSubmit(post);
    body.write(ps.sendRequest(post));
    Poco::Net::HTTPResponse pr;
    ps.receiveResponse(pr);
    ASSERT_EQ(static_cast<int>(pr.getStatus()), 302);
    Poco::URI back(pr.get("Location", ""));
    ASSERT_EQ(back.getPath(), "/web/login/oidc/callback");

    // Daemon 2 answers the callback: it finds the pending login daemon 1 stored.
    auto done = web(p2, "GET", back.getPathEtc(), begin.oidc_cookie, {}, "sluis_oidc");
    ASSERT_EQ(done.status, 200) << done.body;
    ASSERT_EQ(done.cookie.size(), 64u);
    auto page = web(p1, "GET", "/web/", done.cookie);
    ASSERT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("Dirk Directeur"), std::string::npos);
    // Used once: the same callback again, on either daemon, is refused.
    EXPECT_EQ(web(p1, "GET", back.getPathEtc(), begin.oidc_cookie, {}, "sluis_oidc").status, 400);
    EXPECT_EQ(d1.terminate(), 0);
    EXPECT_EQ(d2.terminate(), 0);
}

}  // namespace
}  // namespace sluis

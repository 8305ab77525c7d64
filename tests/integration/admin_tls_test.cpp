// HTTPS for the admin API through the real daemon and CLI (issue 14, M7): the CLI client over
// https with the test CA, plain HTTP refused on the TLS port, no clear-text API on a non-loopback
// address, Dutch errors naming the config path for unusable certificates and keys, and mutual
// TLS with admin.tls.client_ca.
#include <unistd.h>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iterator>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/minimal_config.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::pkiFile;

const std::string kExe = sluis::test::sluisExe();

class AdminTlsTest : public ::testing::Test {
  protected:
    void SetUp() override {
        unsetenv("SLUIS_TOKEN");
        unsetenv("SLUIS_CA");
        unsetenv("SLUIS_CLIENT_CERT");
        unsetenv("SLUIS_CLIENT_KEY");
    }
    void TearDown() override { unsetenv("SLUIS_CA"); }

    /// A minimal config whose daemon.json has `admin` (port 0 added).
    void writeConfig(json admin) {
        admin["port"] = 0;
        test::writeMinimalConfig(config_,
                                 json{{"admin", admin},
                                      {"worker", {{"poll_interval", "50ms"}}}});
    }

    static json tls(const std::string& cert = "server.crt", const std::string& key = "server.key") {
        return {{"certificate", pkiFile(cert)}, {"key", pkiFile(key)}};
    }

    int start(test::Daemon& d) {
        return test::startServe(
            d, kExe, {"serve", "--config", config_.string(), "--data-dir", data_.string()}, data_,
            dir_ / "serve.log");
    }

    test::RunResult checkConfig() {
        return test::run(kExe, {"check-config", config_.string(), "--data-dir", data_.string()});
    }

    /// `sluis serve` expected to refuse its config (bounded, should it start after all).
    test::RunResult serveRefused() {
        return test::run("/usr/bin/timeout", {"30", kExe, "serve", "--config", config_.string(),
                                              "--data-dir", data_.string()});
    }

    /// The CLI client with `url` and the token in a file, plus `extra` arguments.
    test::RunResult client(const std::string& url, std::vector<std::string> args,
                           const std::vector<std::string>& extra = {}) {
        test::writeFile(dir_ / "token", token_ + "\n");
        args.insert(args.end(), {"--url", url, "--token-file", (dir_ / "token").string()});
        args.insert(args.end(), extra.begin(), extra.end());
        return test::run(kExe, args);
    }

    std::vector<std::string> addConsent(const std::string& pupil) {
        return {"consent",      "add",        "--pupil",  pupil,    "--purpose",
                "demo",         "--given-by", "ouder",    "--relation", "vader",
                "--decision",   "gegeven",    "--decided-on", "2026-11-01", "--method",
                "formulier"};
    }

    test::TempDir dir_;
    fs::path config_ = dir_ / "config";
    fs::path data_ = dir_ / "data";
    std::string token_;
};

/// GET `path` over HTTPS on 127.0.0.1:`port`, trusting `ca`; the status (throws on TLS errors).
int httpsStatus(int port, const std::string& path, const std::string& ca) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Params p;
    p.caLocation = ca;
    p.loadDefaultCAs = false;
    p.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
    Poco::Net::HTTPSClientSession s("localhost", static_cast<Poco::UInt16>(port), ctx);
    s.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    s.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = s.receiveResponse(resp);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const int status = resp.getStatus();
    Poco::Net::uninitializeSSL();
    return status;
}

TEST_F(AdminTlsTest, HttpsWorksWithTheCliClientAndPlainHttpToTheTlsPortFails) {
    writeConfig({{"listen", "127.0.0.1"}, {"tls", tls()}, {"request_timeout", "2s"}});
    token_ = test::createToken(kExe, config_, data_, "mentor-a", "mentor");
    ASSERT_FALSE(token_.empty());
    test::Daemon d;
    const int port = start(d);
    ASSERT_NE(port, 0);
    const std::string https = "https://127.0.0.1:" + std::to_string(port);
    const std::string http = "http://127.0.0.1:" + std::to_string(port);

    EXPECT_EQ(httpsStatus(port, "/health", pkiFile("ca.crt")), 200);

    // The CLI with --ca ...
    auto added = client(https, addConsent("801"), {"--ca", pkiFile("ca.crt")});
    ASSERT_EQ(added.exit_code, 0) << added.err;
    // ... and with SLUIS_CA, by host name.
    setenv("SLUIS_CA", pkiFile("ca.crt").c_str(), 1);
    auto listed = client("https://localhost:" + std::to_string(port),
                         {"consent", "list", "--pupil", "801", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_NE(listed.out.find("\"801\""), std::string::npos) << listed.out;
    unsetenv("SLUIS_CA");

    // Verification is never off: no CA (the system's CAs do not know the test CA), another CA.
    auto unknown = client(https, {"consent", "list", "--pupil", "801"});
    EXPECT_NE(unknown.exit_code, 0);
    EXPECT_NE(unknown.err.find("TLS-verbinding"), std::string::npos) << unknown.err;
    auto other = client(https, {"consent", "list", "--pupil", "801"},
                        {"--ca", pkiFile("other-ca.crt")});
    EXPECT_NE(other.exit_code, 0);
    EXPECT_NE(other.err.find("TLS-verbinding"), std::string::npos) << other.err;
    auto missing_ca = client(https, {"consent", "list", "--pupil", "801"},
                             {"--ca", (dir_ / "geen-ca.crt").string()});
    EXPECT_NE(missing_ca.exit_code, 0);
    EXPECT_NE(missing_ca.err.find("geen-ca.crt"), std::string::npos) << missing_ca.err;

    // Plain HTTP to the TLS port gets no answer: not from the CLI, not from a raw client.
    auto plain = client(http, {"consent", "list", "--pupil", "801"});
    EXPECT_NE(plain.exit_code, 0);
    EXPECT_EQ(plain.out.find("801"), std::string::npos) << plain.out;
    int plain_status = 0;
    try {
        plain_status = test::httpCall(port, "GET", "/health").status;
    } catch (const Poco::Exception&) {
        plain_status = -1;
    }
    EXPECT_NE(plain_status, 200);

    // A connection that never completes its TLS handshake is cut at the request deadline.
    Poco::Net::StreamSocket raw(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
    raw.sendBytes("\x16", 1);  // the first byte of a ClientHello, and no more
    raw.setReceiveTimeout(Poco::Timespan(30, 0));
    const auto t0 = std::chrono::steady_clock::now();
    char buf[64];
    int n = -1;
    try {
        // At most a TLS alert, then the end of the stream.
        while ((n = raw.receiveBytes(buf, sizeof buf)) > 0) {
        }
    } catch (const Poco::Exception&) {
        n = 0;  // reset: closed as well
    }
    EXPECT_EQ(n, 0);
    // Closed by the 2 s deadline (not by a handshake error: the ClientHello is just unfinished).
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1500));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
    EXPECT_TRUE(test::waitUntil([&] {
        return test::readFile(dir_ / "serve.log").find("api.request_deadline") != std::string::npos;
    }));

    // The daemon still serves HTTPS.
    EXPECT_EQ(httpsStatus(port, "/health", pkiFile("ca.crt")), 200);
}

TEST_F(AdminTlsTest, NonLoopbackListenNeedsTls) {
    writeConfig({{"listen", "0.0.0.0"}});
    auto refused = checkConfig();
    EXPECT_EQ(refused.exit_code, 1) << refused.out;
    EXPECT_NE(refused.err.find("admin.listen"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("admin.tls"), std::string::npos) << refused.err;
    auto serve = serveRefused();
    EXPECT_NE(serve.exit_code, 0);
    EXPECT_NE(serve.err.find("admin.listen"), std::string::npos) << serve.err;
    EXPECT_NE(serve.err.find("admin.tls"), std::string::npos) << serve.err;

    for (const char* other : {"192.168.1.10", "::", "sluis.school.example"}) {
        writeConfig({{"listen", other}});
        auto r = checkConfig();
        EXPECT_EQ(r.exit_code, 1) << other;
        EXPECT_NE(r.err.find("admin.tls"), std::string::npos) << other << ": " << r.err;
    }
    for (const char* loopback : {"127.0.0.1", "::1", "localhost", "127.0.0.2"}) {
        writeConfig({{"listen", loopback}});
        auto r = checkConfig();
        EXPECT_EQ(r.exit_code, 0) << loopback << ": " << r.err;
    }

    writeConfig({{"listen", "0.0.0.0"}, {"tls", tls()}});
    auto accepted = checkConfig();
    EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
}

TEST_F(AdminTlsTest, UnusableCertificateOrKeyGivesADutchErrorNamingTheConfigPath) {
    struct Case {
        json tls;
        std::string expected;  ///< in the error
    };
    const std::vector<Case> cases = {
        {{{"certificate", (dir_ / "ontbreekt.crt").string()}, {"key", pkiFile("server.key")}},
         "daemon.json: admin.tls.certificate: bestand " + (dir_ / "ontbreekt.crt").string() +
             " bestaat niet"},
        {{{"certificate", pkiFile("server.crt")}, {"key", (dir_ / "ontbreekt.key").string()}},
         "daemon.json: admin.tls.key: bestand " + (dir_ / "ontbreekt.key").string() +
             " bestaat niet"},
        {tls("server.crt", "other-server.key"),
         "daemon.json: admin.tls.key: de sleutel in " + pkiFile("other-server.key") +
             " hoort niet bij het certificaat"},
        {tls("server.crt", "ca.crt"), "daemon.json: admin.tls.key: " + pkiFile("ca.crt") +
                                          " bevat geen leesbare PEM-privésleutel"},
        {tls("server.key", "server.key"), "daemon.json: admin.tls.certificate: " +
                                              pkiFile("server.key") + " bevat geen PEM-certificaat"},
        {{{"certificate", pkiFile("server.crt")}}, "daemon.json: admin.tls.key: verplicht"},
    };
    for (const auto& c : cases) {
        writeConfig({{"listen", "0.0.0.0"}, {"tls", c.tls}});
        auto r = checkConfig();
        EXPECT_EQ(r.exit_code, 1) << c.expected;
        EXPECT_NE(r.err.find(c.expected), std::string::npos) << r.err;
        auto serve = serveRefused();
        EXPECT_NE(serve.exit_code, 0) << c.expected;
        EXPECT_NE(serve.err.find(c.expected), std::string::npos) << serve.err;
    }
    // An unreadable key (mode 0000), unless this runs as root (root reads it anyway).
    if (::geteuid() != 0) {
        fs::copy_file(pkiFile("server.key"), dir_ / "geheim.key");
        fs::permissions(dir_ / "geheim.key", fs::perms::none);
        writeConfig({{"listen", "127.0.0.1"},
                     {"tls", {{"certificate", pkiFile("server.crt")},
                              {"key", (dir_ / "geheim.key").string()}}}});
        auto r = checkConfig();
        EXPECT_EQ(r.exit_code, 1);
        EXPECT_NE(r.err.find("daemon.json: admin.tls.key: kan"), std::string::npos) << r.err;
    }
}

TEST_F(AdminTlsTest, ClientCaRequiresAClientCertificateFromThatCa) {
    json t = tls();
    t["client_ca"] = pkiFile("ca.crt");
    writeConfig({{"listen", "127.0.0.1"}, {"tls", t}});
    token_ = test::createToken(kExe, config_, data_, "mentor-a", "mentor");
    ASSERT_FALSE(token_.empty());
    test::Daemon d;
    const int port = start(d);
    ASSERT_NE(port, 0);
    const std::string https = "https://localhost:" + std::to_string(port);
    const std::vector<std::string> list = {"consent", "list", "--pupil", "802"};

    auto without = client(https, list, {"--ca", pkiFile("ca.crt")});
    EXPECT_NE(without.exit_code, 0) << without.out;
    auto foreign = client(https, list,
                          {"--ca", pkiFile("ca.crt"), "--client-cert", pkiFile("other-client.crt"),
                           "--client-key", pkiFile("other-client.key")});
    EXPECT_NE(foreign.exit_code, 0) << foreign.out;
    auto with = client(https, list,
                       {"--ca", pkiFile("ca.crt"), "--client-cert", pkiFile("client.crt"),
                        "--client-key", pkiFile("client.key")});
    EXPECT_EQ(with.exit_code, 0) << with.err;
    auto half = client(https, list, {"--ca", pkiFile("ca.crt"), "--client-cert", pkiFile("client.crt")});
    EXPECT_NE(half.exit_code, 0);
    EXPECT_NE(half.err.find("--client-key"), std::string::npos) << half.err;
}

}  // namespace
}  // namespace sluis

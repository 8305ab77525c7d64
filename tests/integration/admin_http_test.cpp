// The admin API's HTTP hardening through the real daemon: malformed URIs (L5), failed
// authentication logged with the remote address (L1), and no port sharing (M7).
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/minimal_config.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();

class AdminHttpTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = dir_ / "config";
        test::writeMinimalConfig(config_,
                                 json{{"admin", {{"port", 0}}},
                                      {"worker", {{"poll_interval", "50ms"}}}});
    }

    int start(test::Daemon& d, const fs::path& data) {
        return test::startServe(
            d, kExe, {"serve", "--config", config_.string(), "--data-dir", data.string()}, data,
            dir_ / "serve.log");
    }

    /// Sends `raw` on a fresh connection and returns the status line's code.
    static int rawStatus(int port, const std::string& raw) {
        Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)));
        s.setReceiveTimeout(Poco::Timespan(30, 0));
        s.sendBytes(raw.data(), static_cast<int>(raw.size()));
        std::string reply;
        char buf[1024];
        while (reply.find("\r\n") == std::string::npos) {
            int n = s.receiveBytes(buf, sizeof buf);
            if (n <= 0) break;
            reply.append(buf, static_cast<size_t>(n));
        }
        // "HTTP/1.1 400 Bad Request"
        if (reply.size() < 12) return 0;
        return std::stoi(reply.substr(9, 3));
    }

    test::TempDir dir_;
    fs::path config_;
};

TEST_F(AdminHttpTest, MalformedUriGets400AndALogLine) {
    test::Daemon d;
    const int port = start(d, dir_ / "data");
    ASSERT_NE(port, 0);
    EXPECT_EQ(rawStatus(port, "GET /%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 400);
    EXPECT_EQ(rawStatus(port, "GET /api/v1/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
              400);
    EXPECT_TRUE(test::waitUntil(
        [&] { return test::readFile(dir_ / "serve.log").find("api.bad_uri") != std::string::npos; }))
        << test::readFile(dir_ / "serve.log");
    // The daemon still answers well-formed requests.
    EXPECT_EQ(test::httpCall(port, "GET", "/health").status, 200);
}

TEST_F(AdminHttpTest, FailedAuthenticationIsLoggedWithRemoteAddressNotToken) {
    test::Daemon d;
    const int port = start(d, dir_ / "data");
    ASSERT_NE(port, 0);
    const std::string bogus = "bogus-token-3f9a1c";
    EXPECT_EQ(test::httpCall(port, "GET", "/api/v1/transfers", bogus).status, 401);
    EXPECT_TRUE(test::waitUntil([&] {
        const std::string log = test::readFile(dir_ / "serve.log");
        return log.find("api.unauthenticated") != std::string::npos &&
               log.find("127.0.0.1") != std::string::npos;
    })) << test::readFile(dir_ / "serve.log");
    EXPECT_EQ(test::readFile(dir_ / "serve.log").find(bogus), std::string::npos);
}

TEST_F(AdminHttpTest, SecondDaemonOnTheSamePortIsRefused) {
    test::Daemon first;
    const int port = start(first, dir_ / "data1");
    ASSERT_NE(port, 0);
    auto second = test::run(kExe, {"serve", "--config", config_.string(), "--data-dir",
                                   (dir_ / "data2").string(), "--admin-port",
                                   std::to_string(port)});
    EXPECT_NE(second.exit_code, 0);
    EXPECT_NE(second.err.find("is al in gebruik"), std::string::npos) << second.err;
    // The first daemon still owns the port and answers.
    EXPECT_EQ(test::httpCall(port, "GET", "/health").status, 200);
}

}  // namespace
}  // namespace sluis

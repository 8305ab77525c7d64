// The real `sluis serve` on the PostgreSQL store: starts, accepts an export, delivers it, and the
// rows are in the database (the real test server, see tests/support/pg_database.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/pg_database.h"
#include "tests/support/process.h"
#include "tests/support/minimal_config.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();
const char* kPassword = "pg-wachtwoord-dat-nooit-in-een-log-mag";


TEST(DaemonPostgres, ServeOnPostgresqlDeliversAnExport) {
    test::PgDatabase db;
    ASSERT_EQ(db.error(), "");
    test::TempDir dir;
    fs::path config = dir / "config", data = dir / "data";
    // The server trusts loopback, so the password is not checked; it must still never be logged.
    ::setenv("SLUIS_TEST_PG_PASSWORD", kPassword, 1);
    test::writeMinimalConfig(
        config, json{{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}},
        {{"path", "inbox"}, {"settle_time", "0ms"}},
        json{{"backend", "postgresql"},
             {"postgresql", {{"dsn", db.dsn()}, {"password_env", "SLUIS_TEST_PG_PASSWORD"}}}});
    auto tok = test::run(kExe, {"token", "create", "--name", "t", "--role", "beheerder", "--config",
                                config.string(), "--data-dir", data.string()});
    ASSERT_EQ(tok.exit_code, 0) << tok.err;
    std::string token = tok.out.substr(0, tok.out.find('\n'));

    test::Daemon d;
    d.start(kExe, {"serve", "--config", config.string(), "--data-dir", data.string()},
            (dir / "serve.log").string());
    int port = 0;
    test::waitUntil([&] {
        if (fs::exists(data / "admin.port")) port = std::stoi(test::readFile(data / "admin.port"));
        return port != 0;
    });
    ASSERT_GT(port, 0) << test::readFile(dir / "serve.log");

    std::string out;
    for (int i = 1; i <= 3; ++i)
        out += json{{"school", {{"naam", "OBS Het Anker"}, {"brincode", "99ZZ"}}},
                    {"leerling",
                     {{"leerlingid", std::to_string(i)},
                      {"bsn", test::validBsn(i)},
                      {"achternaam", "Pgnaam" + std::to_string(i)},
                      {"geboortedatum", "2014-06-15"}}}}
                   .dump() +
               "\n";
    fs::create_directories(data / "inbox");
    test::writeFile(data / ".export.tmp", out);
    fs::rename(data / ".export.tmp", data / "inbox" / "export.jsonl");

    auto delivered = [&] {
        size_t n = 0;
        if (fs::exists(data / "outbox"))
            for (auto& e : fs::directory_iterator(data / "outbox")) n += e.is_regular_file();
        return n;
    };
    test::waitUntil([&] { return delivered() >= 3; });
    ASSERT_EQ(delivered(), 3u) << test::readFile(dir / "serve.log");

    auto list = test::httpCall(port, "GET", "/api/v1/transfers?state=delivered", token);
    ASSERT_EQ(list.status, 200) << list.raw;
    EXPECT_NE(list.raw.find("\"delivered\""), std::string::npos);
    EXPECT_EQ(d.terminate(), 0);

    // The rows are in PostgreSQL (7 = delivered), the payloads there are encrypted.
    EXPECT_EQ(db.query("SELECT CAST(COUNT(*) AS TEXT) FROM transfers WHERE state = 7"),
              std::vector<std::string>{"3"});
    EXPECT_EQ(db.dumpAllRows().find("Pgnaam"), std::string::npos);
    std::string log = test::readFile(dir / "serve.log");
    EXPECT_EQ(log.find(kPassword), std::string::npos);
    EXPECT_EQ(log.find("Pgnaam"), std::string::npos);
}

}  // namespace
}  // namespace sluis

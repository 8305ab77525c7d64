// `sluis key rotate` through the real binary next to a running `sluis serve` (issue 14 L4): the
// master key is replaced without stopping the daemon, the old key file can then be deleted while
// the daemon keeps serving and delivering (and after a restart), a killed rotation continues when
// run again, and a second rotation at the same time is refused. On PostgreSQL two daemons with
// their own data dirs keep delivering through a rotation (`--prepare` hands them the new key).
// Every wait polls for progress (outbox files, the status command); none sleeps.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/support/http_client.h"
#include "tests/support/pg_database.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();

std::string exportFile(int from, int to) {
    std::string out;
    for (int i = from; i < to; ++i)
        out += json{{"school", {{"naam", "OBS Het Anker"}, {"brincode", "99ZZ"}}},
                    {"leerling",
                     {{"leerlingid", std::to_string(i)},
                      {"bsn", test::validBsn(i)},
                      {"achternaam", "Sleutelnaam" + std::to_string(i)},
                      {"geboortedatum", "2014-06-15"}}}}
                   .dump() +
               "\n";
    return out;
}

/// One Sluis installation: config dir and data dir, SQLite or (with `pg_dsn`) PostgreSQL.
class Install {
public:
    Install(const fs::path& root, const std::string& pg_dsn = "") : config_(root / "config"), data_(root / "data"),
                                                                    log_(root / "serve.log") {
        test::writeFile(config_ / "daemon.json",
                        json{{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}}.dump());
        json store = pg_dsn.empty() ? json{{"backend", "sqlite"}}
                                    : json{{"backend", "postgresql"}, {"postgresql", {{"dsn", pg_dsn}}}};
        test::writeFile(config_ / "store.json", store.dump());
        test::writeFile(config_ / "connectors.json",
                        json{{"sources", {{{"name", "inbox"}, {"type", "directory"},
                                           {"options", {{"path", "inbox"}, {"settle_time", "0ms"}}}}}},
                             {"sinks", {{{"name", "outbox"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}}}}}
                            .dump());
        test::writeFile(config_ / "policies.json", json{{"purposes", {{"demo", {{"legal_basis", "test"}}}}}}.dump());
        test::writeFile(config_ / "routes.json",
                        json{{"routes", {{{"name", "demo"}, {"source", "inbox"}, {"decoder", "canonical-jsonl"},
                                          {"purpose", "demo"}, {"encoder", "canonical-json"}, {"sink", "outbox"}}}}}
                            .dump());
    }
    const fs::path& data() const { return data_; }
    std::vector<std::string> with(std::vector<std::string> args) const {
        args.insert(args.end(), {"--config", config_.string(), "--data-dir", data_.string()});
        return args;
    }
    test::RunResult sluis(std::vector<std::string> args) const { return test::run(kExe, with(std::move(args))); }
    int start(test::Daemon& d) const {
        return test::startServe(d, kExe, with({"serve"}), data_, log_);
    }
    void drop(const std::string& name, const std::string& content) const {
        fs::create_directories(data_ / "inbox");
        test::writeFile(data_ / ("." + name + ".tmp"), content);
        fs::rename(data_ / ("." + name + ".tmp"), data_ / "inbox" / name);
    }
    size_t delivered() const {
        size_t n = 0;
        std::error_code ec;
        if (fs::exists(data_ / "outbox", ec))
            for (auto& e : fs::directory_iterator(data_ / "outbox", ec)) n += e.is_regular_file();
        return n;
    }
    std::string log() const { return fs::exists(log_) ? test::readFile(log_) : std::string(); }
    /// "nog onder een oudere sleutel: N" of `sluis key status`; -1 when it fails.
    long long older() const {
        auto r = sluis({"key", "status"});
        std::smatch m;
        static const std::regex re("nog onder een oudere sleutel: (\\d+)");
        if (r.exit_code != 0 || !std::regex_search(r.out, m, re)) return -1;
        return std::stoll(m[1].str());
    }
    std::string fingerprint() const {
        auto r = sluis({"key", "status"});
        std::smatch m;
        static const std::regex re("huidige sleutel: ([0-9a-f]{16})");
        if (r.exit_code != 0 || !std::regex_search(r.out, m, re)) return {};
        return m[1].str();
    }
    std::vector<fs::path> oldKeyFiles() const {
        std::vector<fs::path> out;
        for (auto& e : fs::directory_iterator(data_))
            if (e.path().filename().string().rfind("sluis.key.old-", 0) == 0) out.push_back(e.path());
        return out;
    }

private:
    fs::path config_, data_, log_;
};

TEST(KeyRotation, WhileTheDaemonRunsAfterwardsTheOldKeyCanBeDeleted) {
    test::TempDir dir;
    Install in(dir.path());
    test::Daemon d;
    int port = in.start(d);
    ASSERT_GT(port, 0);
    in.drop("a.jsonl", exportFile(1, 11));
    ASSERT_TRUE(test::waitUntil([&] { return in.delivered() >= 10; })) << in.log();
    const std::string old_fp = in.fingerprint();
    ASSERT_EQ(old_fp.size(), 16u);

    // Stopped after one batch (as if interrupted): the store already uses the new key.
    auto part = in.sluis({"key", "rotate", "--batch", "3", "--max-batches", "1"});
    ASSERT_EQ(part.exit_code, 0) << part.err;
    EXPECT_NE(part.out.find("Start 'sluis key rotate' opnieuw"), std::string::npos) << part.out;
    EXPECT_TRUE(fs::exists(in.data() / "sluis.key.new"));
    EXPECT_EQ((fs::status(in.data() / "sluis.key.new").permissions() & fs::perms::all),
              fs::perms::owner_read | fs::perms::owner_write);
    const long long left = in.older();
    EXPECT_GT(left, 0);
    const std::string new_fp = in.fingerprint();
    EXPECT_NE(new_fp, old_fp);

    // The daemon follows without a restart: new exports are taken in and delivered, under the
    // new key (nothing new under the old one).
    in.drop("b.jsonl", exportFile(11, 16));
    ASSERT_TRUE(test::waitUntil([&] { return in.delivered() >= 15; })) << in.log();
    EXPECT_EQ(in.older(), left);

    // Run again: it continues and finishes.
    auto rest = in.sluis({"key", "rotate"});
    ASSERT_EQ(rest.exit_code, 0) << rest.err;
    EXPECT_NE(rest.out.find("sleutelrotatie voltooid"), std::string::npos) << rest.out;
    EXPECT_EQ(in.older(), 0);
    EXPECT_EQ(in.fingerprint(), new_fp);
    EXPECT_FALSE(fs::exists(in.data() / "sluis.key.new"));
    auto old_files = in.oldKeyFiles();
    ASSERT_EQ(old_files.size(), 1u);
    EXPECT_EQ(old_files[0].filename().string(), "sluis.key.old-" + old_fp);

    // The old key is not needed any more.
    fs::remove(old_files[0]);
    in.drop("c.jsonl", exportFile(16, 21));
    ASSERT_TRUE(test::waitUntil([&] { return in.delivered() >= 20; })) << in.log();
    auto health = test::httpCall(port, "GET", "/health");
    EXPECT_EQ(health.status, 200) << health.raw;
    EXPECT_EQ(d.terminate(), 0);

    // Restarted with only the new key: it opens and delivers; the audit chain is whole.
    port = in.start(d);
    ASSERT_GT(port, 0) << in.log();
    in.drop("d.jsonl", exportFile(21, 24));
    ASSERT_TRUE(test::waitUntil([&] { return in.delivered() >= 23; })) << in.log();
    EXPECT_EQ(d.terminate(), 0);
    auto verify = in.sluis({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_EQ(in.older(), 0);
    std::string log = in.log();
    EXPECT_EQ(log.find("Sleutelnaam"), std::string::npos);
    EXPECT_NE(log.find("store.key_switched"), std::string::npos);
}

TEST(KeyRotation, AKilledRotationContinuesAndASecondOneIsRefused) {
    test::TempDir dir;
    Install in(dir.path());
    test::Daemon d;
    ASSERT_GT(in.start(d), 0);
    in.drop("a.jsonl", exportFile(1, 41));
    ASSERT_TRUE(test::waitUntil([&] { return in.delivered() >= 40; })) << in.log();
    const std::string old_fp = in.fingerprint();

    // A second rotation while one runs (it holds the lock file) is refused, in Dutch.
    {
        int fd = ::open((in.data() / "sluis.key.rotate.lock").c_str(), O_RDWR | O_CREAT, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
        auto refused = in.sluis({"key", "rotate"});
        EXPECT_NE(refused.exit_code, 0);
        EXPECT_NE(refused.err.find("er loopt al een sleutelrotatie"), std::string::npos) << refused.err;
        EXPECT_FALSE(fs::exists(in.data() / "sluis.key.new"));
        ::close(fd);
    }

    // A rotation killed with SIGKILL once it has begun (wherever it was by then) ...
    test::Daemon rotation;
    rotation.start(kExe, in.with({"key", "rotate", "--batch", "1"}), (dir / "rotate.log").string());
    ASSERT_TRUE(test::waitUntil([&] { return fs::exists(in.data() / "sluis.key.new") || !in.oldKeyFiles().empty(); }));
    rotation.kill9();
    // ... continues when run again.
    auto again = in.sluis({"key", "rotate"});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(in.older(), 0);
    EXPECT_NE(in.fingerprint(), old_fp);
    for (const auto& f : in.oldKeyFiles()) fs::remove(f);
    in.drop("b.jsonl", exportFile(41, 46));
    ASSERT_TRUE(test::waitUntil([&] { return in.delivered() >= 45; })) << in.log();
    EXPECT_EQ(d.terminate(), 0);
    auto verify = in.sluis({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST(KeyRotation, TwoDaemonsOnPostgresqlKeepDeliveringThroughARotation) {
    test::PgDatabase db;
    ASSERT_EQ(db.error(), "");
    test::TempDir dir;
    Install a(dir / "a", db.dsn()), b(dir / "b", db.dsn());
    // One store, one key: b gets a's key file as an installation would (copied, 0600).
    test::Daemon da, dbd;
    ASSERT_GT(a.start(da), 0);
    fs::create_directories(b.data());
    fs::copy_file(a.data() / "sluis.key", b.data() / "sluis.key");
    fs::permissions(b.data() / "sluis.key", fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_GT(b.start(dbd), 0) << b.log();
    a.drop("a.jsonl", exportFile(1, 11));
    b.drop("b.jsonl", exportFile(11, 21));
    ASSERT_TRUE(test::waitUntil([&] { return a.delivered() + b.delivered() >= 20; })) << a.log() << b.log();

    // --prepare writes the new key only; it goes to the other daemon's data dir before the switch.
    auto prep = a.sluis({"key", "rotate", "--prepare"});
    ASSERT_EQ(prep.exit_code, 0) << prep.err;
    fs::copy_file(a.data() / "sluis.key.new", b.data() / "sluis.key.new");
    fs::permissions(b.data() / "sluis.key.new", fs::perms::owner_read | fs::perms::owner_write);
    auto rot = a.sluis({"key", "rotate", "--batch", "4"});
    ASSERT_EQ(rot.exit_code, 0) << rot.err;
    EXPECT_EQ(a.older(), 0);
    // b's data dir: the new key becomes sluis.key there too (as docs/operations.md says).
    fs::rename(b.data() / "sluis.key", b.data() / "sluis.key.old");
    fs::rename(b.data() / "sluis.key.new", b.data() / "sluis.key");
    for (const auto& f : a.oldKeyFiles()) fs::remove(f);
    fs::remove(b.data() / "sluis.key.old");

    a.drop("c.jsonl", exportFile(21, 26));
    b.drop("d.jsonl", exportFile(26, 31));
    ASSERT_TRUE(test::waitUntil([&] { return a.delivered() + b.delivered() >= 30; })) << a.log() << b.log();
    EXPECT_EQ(da.terminate(), 0);
    EXPECT_EQ(dbd.terminate(), 0);
    auto verify = b.sluis({"audit", "verify"});
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
    EXPECT_EQ(db.dumpAllRows().find("Sleutelnaam"), std::string::npos);
}

}  // namespace
}  // namespace sluis

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <set>
#include <thread>

#include "connectors/directory/directory.h"
#include "core/util/clock.h"
#include "core/util/fs.h"
#include "tests/support/test_util.h"

namespace sluis::connectors {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

connector::Options opts(const connector::SourceFactory& f, const json& j) {
    std::vector<std::string> errors;
    auto o = connector::validateOptions(f.options(), j, "x", errors);
    EXPECT_TRUE(o) << (errors.empty() ? "" : errors[0]);
    return o.value();
}

connector::Options opts(const connector::SinkFactory& f, const json& j) {
    std::vector<std::string> errors;
    auto o = connector::validateOptions(f.options(), j, "x", errors);
    EXPECT_TRUE(o) << (errors.empty() ? "" : errors[0]);
    return o.value();
}

void age(const fs::path& p) {
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::minutes(5));
}

TEST(DirectorySource, OffersSettledFilesAndAcknowledgesDurably) {
    test::TempDir dir;
    auto factory = makeDirectorySourceFactory();
    auto src = factory->create("in", opts(*factory, {{"path", (dir / "inbox").string()},
                                                     {"suffix", ".jsonl"},
                                                     {"keep_processed_days", 7}}));
    ASSERT_TRUE(src);
    test::writeFile(dir / "inbox/a.jsonl", "aaa");
    test::writeFile(dir / "inbox/b.jsonl", "bbb");
    test::writeFile(dir / "inbox/ignored.txt", "x");
    test::writeFile(dir / "inbox/.hidden.jsonl", "x");
    age(dir / "inbox/a.jsonl");  // b is fresh: still being written, not offered yet
    auto items = (*src)->poll(10);
    ASSERT_TRUE(items);
    ASSERT_EQ(items->size(), 1u);
    EXPECT_EQ((*items)[0].name, "a.jsonl");
    EXPECT_EQ((*items)[0].bytes, "aaa");
    // Offered again until acknowledged, with the same idempotency key.
    auto again = (*src)->poll(10);
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ((*again)[0].idempotency_key, (*items)[0].idempotency_key);
    ASSERT_TRUE((*src)->acknowledge((*items)[0], {true, ""}));
    EXPECT_FALSE(fs::exists(dir / "inbox/a.jsonl"));
    EXPECT_EQ(test::readFile(dir / "inbox/processed/a.jsonl"), "aaa");
    // Acknowledging twice (e.g. after a restart) is harmless.
    ASSERT_TRUE((*src)->acknowledge((*items)[0], {true, ""}));

    age(dir / "inbox/b.jsonl");
    items = (*src)->poll(10);
    ASSERT_EQ(items->size(), 1u);
    ASSERT_TRUE((*src)->acknowledge((*items)[0], {false, "regel 3: ongeldige datum"}));
    EXPECT_EQ(test::readFile(dir / "inbox/failed/b.jsonl"), "bbb");
    std::string reason = test::readFile(dir / "inbox/failed/b.jsonl.reden.txt");
    EXPECT_NE(reason.find("regel 3: ongeldige datum"), std::string::npos);
}

TEST(DirectorySource, TooLargeFilesAreParkedWithAReason) {
    test::TempDir dir;
    auto factory = makeDirectorySourceFactory();
    auto src = factory->create("in", opts(*factory, {{"path", (dir / "inbox").string()},
                                                     {"max_file_size", 4}}));
    ASSERT_TRUE(src);
    test::writeFile(dir / "inbox/big.jsonl", "0123456789");
    age(dir / "inbox/big.jsonl");
    auto items = (*src)->poll(10);
    ASSERT_TRUE(items);
    EXPECT_TRUE(items->empty());
    EXPECT_TRUE(fs::exists(dir / "inbox/failed/big.jsonl"));
    EXPECT_NE(test::readFile(dir / "inbox/failed/big.jsonl.reden.txt").find("groter dan"),
              std::string::npos);
}

TEST(DirectorySink, WritesAtomicallyAndIdempotently) {
    test::TempDir dir;
    test::writeFile(dir / "out/.tr_old.json.tmp-123", "half");  // left by a crash
    auto factory = makeDirectorySinkFactory();
    auto sink = factory->create("out", opts(*factory, {{"path", (dir / "out").string()}}));
    ASSERT_TRUE(sink);
    EXPECT_FALSE(fs::exists(dir / "out/.tr_old.json.tmp-123"));
    connector::Delivery d{"tr_1", "k1", "application/json", "json", "{\"a\":1}"};
    auto r = (*sink)->deliver(d);
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kDelivered);
    EXPECT_EQ(r.receipt, "tr_1.json");
    EXPECT_EQ(test::readFile(dir / "out/tr_1.json"), "{\"a\":1}");
    // Retry of the same delivery: no second file, still delivered.
    r = (*sink)->deliver(d);
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kDelivered);
    size_t files = 0;
    for (auto& e : fs::directory_iterator(dir / "out")) files += e.is_regular_file();
    EXPECT_EQ(files, 1u);
    // Same id, other content: refused, the delivered file is untouched.
    d.payload = "{\"a\":2}";
    r = (*sink)->deliver(d);
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kRejected);
    EXPECT_EQ(test::readFile(dir / "out/tr_1.json"), "{\"a\":1}");
    // Names are sanitised: no path traversal through ids or extensions.
    connector::Delivery evil{"../../etc/x", "k", "", "../sh", "x"};
    r = (*sink)->deliver(evil);
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kDelivered);
    EXPECT_TRUE(fs::exists(dir / "out" / r.receipt));
    EXPECT_EQ(r.receipt.find('/'), std::string::npos);
}

TEST(DirectorySink, UnwritableTargetIsRetryLater) {
    test::TempDir dir;
    auto factory = makeDirectorySinkFactory();
    auto sink = factory->create("out", opts(*factory, {{"path", (dir / "out").string()}}));
    ASSERT_TRUE(sink);
    fs::remove_all(dir / "out");
    test::writeFile(dir / "out", "now a file, not a folder");
    auto r = (*sink)->deliver({"tr_2", "k2", "", "json", "x"});
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kRetryLater);
    EXPECT_FALSE(r.message.empty());
}

// --- issue 14, M4: symlinks and predictable temp names -------------------------------------

/// Every entry of `dir` (names), not following symlinks.
std::set<std::string> names(const fs::path& dir) {
    std::set<std::string> out;
    for (auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
    return out;
}

TEST(AtomicWrite, TempNamesAreRandomAndNothingPlantedIsFollowed) {
    test::TempDir dir;
    test::writeFile(dir / "sluis.key", "SECRET-KEY");
    // Every temp name an attacker could predict from the old scheme, planted as a symlink.
    fs::create_directories(dir / "out");
    for (int pid : {static_cast<int>(::getpid()), 1, 2, 100})
        fs::create_symlink(dir / "sluis.key", dir / "out" / (".doc.json.tmp-" + std::to_string(pid)));
    ASSERT_TRUE(util::writeFileAtomic(dir / "out/doc.json", "nieuw"));
    EXPECT_EQ(test::readFile(dir / "sluis.key"), "SECRET-KEY");
    EXPECT_EQ(test::readFile(dir / "out/doc.json"), "nieuw");
    struct stat st {};
    ASSERT_EQ(::stat((dir / "out/doc.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "default mode is owner-only";
    // Nothing of ours is left behind; the planted links are left alone (not followed, not removed).
    for (const auto& n : names(dir / "out"))
        EXPECT_TRUE(n == "doc.json" || n.find(".tmp-") != std::string::npos) << n;
    // A symlink at the final name is replaced by the rename, never written through.
    fs::create_symlink(dir / "sluis.key", dir / "out/link.json");
    ASSERT_TRUE(util::writeFileAtomic(dir / "out/link.json", "x", 0640));
    EXPECT_EQ(test::readFile(dir / "sluis.key"), "SECRET-KEY");
    EXPECT_FALSE(fs::is_symlink(dir / "out/link.json"));
    ASSERT_EQ(::stat((dir / "out/link.json").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST(AtomicWrite, FailureLeavesNoTempFile) {
    test::TempDir dir;
    fs::create_directories(dir / "out/target.json");  // a directory: the rename must fail
    test::writeFile(dir / "out/target.json/inside", "x");
    auto st = util::writeFileAtomic(dir / "out/target.json", "data");
    EXPECT_FALSE(st);
    EXPECT_NE(st.message().find("target.json"), std::string::npos) << st.message();
    EXPECT_EQ(names(dir / "out"), std::set<std::string>{"target.json"});
}

TEST(ReadRegularFile, RefusesSymlinksAndFifosWithoutBlocking) {
    test::TempDir dir;
    test::writeFile(dir / "plain", "abc");
    fs::create_symlink(dir / "plain", dir / "link");
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    EXPECT_EQ(*util::readRegularFile(dir / "plain"), "abc");
    auto l = util::readRegularFile(dir / "link");
    ASSERT_FALSE(l);
    EXPECT_NE(l.error().message.find("symbolische link"), std::string::npos) << l.error().message;
    auto f = util::readRegularFile(dir / "fifo");  // would block for ever with a plain open
    ASSERT_FALSE(f);
    EXPECT_NE(f.error().message.find("geen gewoon bestand"), std::string::npos) << f.error().message;
}

TEST(DirectorySink, SymlinkAtTheFinalNameIsRejectedAndTheVictimUntouched) {
    test::TempDir dir;
    test::writeFile(dir / "sluis.key", "SECRET-KEY");
    auto factory = makeDirectorySinkFactory();
    auto sink = factory->create("out", opts(*factory, {{"path", (dir / "out").string()}}));
    ASSERT_TRUE(sink);
    fs::create_symlink(dir / "sluis.key", dir / "out/tr_9.json");
    auto r = (*sink)->deliver({"tr_9", "k9", "application/json", "json", "{\"dossier\":1}"});
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kRejected);
    EXPECT_NE(r.message.find("symbolische link"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("tr_9.json"), std::string::npos) << r.message;
    EXPECT_EQ(test::readFile(dir / "sluis.key"), "SECRET-KEY");
    EXPECT_TRUE(fs::is_symlink(dir / "out/tr_9.json"));
    // A FIFO at the final name is refused the same way, without blocking.
    ASSERT_EQ(::mkfifo((dir / "out/tr_10.json").c_str(), 0600), 0);
    r = (*sink)->deliver({"tr_10", "k10", "application/json", "json", "{}"});
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kRejected);
    // Temp names cannot be predicted: links planted at the old names are never written through.
    fs::create_symlink(dir / "sluis.key", dir / ("out/.tr_11.json.tmp-" + std::to_string(::getpid())));
    r = (*sink)->deliver({"tr_11", "k11", "application/json", "json", "{\"dossier\":2}"});
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kDelivered) << r.message;
    EXPECT_EQ(test::readFile(dir / "out/tr_11.json"), "{\"dossier\":2}");
    EXPECT_EQ(test::readFile(dir / "sluis.key"), "SECRET-KEY");
}

TEST(DirectorySink, SymlinkedOutboxIsRefusedRetryably) {
    test::TempDir dir;
    fs::create_directories(dir / "elsewhere");
    auto factory = makeDirectorySinkFactory();
    auto sink = factory->create("out", opts(*factory, {{"path", (dir / "out").string()}}));
    ASSERT_TRUE(sink);
    fs::remove(dir / "out");
    fs::create_directory_symlink(dir / "elsewhere", dir / "out");
    auto r = (*sink)->deliver({"tr_3", "k3", "", "json", "x"});
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kRetryLater);
    EXPECT_NE(r.message.find("symbolische link"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find((dir / "out").string()), std::string::npos) << r.message;
    EXPECT_TRUE(fs::is_empty(dir / "elsewhere"));
    // Once it is a real folder again, the retry goes through.
    fs::remove(dir / "out");
    fs::create_directories(dir / "out");
    r = (*sink)->deliver({"tr_3", "k3", "", "json", "x"});
    EXPECT_EQ(r.outcome, connector::DeliveryOutcome::kDelivered) << r.message;
}

TEST(DirectorySource, SymlinksAndFifosAreParkedUnopenedWhileRegularFilesAreOffered) {
    test::TempDir dir;
    test::writeFile(dir / "sluis.key", "SECRET-KEY");
    auto factory = makeDirectorySourceFactory();
    auto src = factory->create("in", opts(*factory, {{"path", (dir / "inbox").string()}, {"settle_time", "0ms"}}));
    ASSERT_TRUE(src);
    test::writeFile(dir / "inbox/goed.jsonl", "goed");
    age(dir / "inbox/goed.jsonl");
    fs::create_symlink(dir / "sluis.key", dir / "inbox/sleutel.jsonl");
    fs::create_symlink(dir / "nergens", dir / "inbox/dangling.jsonl");
    ASSERT_EQ(::mkfifo((dir / "inbox/pijp.jsonl").c_str(), 0600), 0);
    auto items = (*src)->poll(10);  // must not block on the FIFO
    ASSERT_TRUE(items);
    ASSERT_EQ(items->size(), 1u);
    EXPECT_EQ((*items)[0].name, "goed.jsonl");
    EXPECT_EQ((*items)[0].bytes, "goed");
    for (const char* n : {"sleutel.jsonl", "dangling.jsonl", "pijp.jsonl"}) {
        EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "inbox" / n))) << n;
        EXPECT_TRUE(fs::exists(fs::symlink_status(dir / "inbox/failed" / n))) << n;
        std::string reason = test::readFile(dir / "inbox/failed" / (std::string(n) + ".reden.txt"));
        EXPECT_NE(reason.find("geen gewoon bestand"), std::string::npos) << reason;
    }
    EXPECT_TRUE(fs::is_symlink(dir / "inbox/failed/sleutel.jsonl"));
    EXPECT_NE(test::readFile(dir / "inbox/failed/sleutel.jsonl.reden.txt").find("symbolische link"),
              std::string::npos);
    EXPECT_NE(test::readFile(dir / "inbox/failed/pijp.jsonl.reden.txt").find("FIFO"), std::string::npos);
    EXPECT_EQ(test::readFile(dir / "sluis.key"), "SECRET-KEY");
    // The stored export is deleted by default: no clear copy stays behind.
    ASSERT_TRUE((*src)->acknowledge((*items)[0], {true, ""}));
    EXPECT_FALSE(fs::exists(dir / "inbox/goed.jsonl"));
    EXPECT_TRUE(fs::is_empty(dir / "inbox/processed"));
}

// --- issue 14, M5: retention of the files a source keeps -----------------------------------

TEST(DirectorySource, KeptAndRefusedFilesExpireAfterTheirDays) {
    test::TempDir dir;
    auto factory = makeDirectorySourceFactory();
    auto src = factory->create("in", opts(*factory, {{"path", (dir / "inbox").string()},
                                                     {"settle_time", "0ms"},
                                                     {"keep_processed_days", 3},
                                                     {"keep_failed_days", 30}}));
    ASSERT_TRUE(src);
    test::writeFile(dir / "inbox/ok.jsonl", "ok");
    test::writeFile(dir / "inbox/bad.jsonl", "bad");
    age(dir / "inbox/ok.jsonl");
    age(dir / "inbox/bad.jsonl");
    auto items = (*src)->poll(10);
    ASSERT_EQ(items->size(), 2u);
    for (const auto& i : *items) ASSERT_TRUE((*src)->acknowledge(i, {i.name == "ok.jsonl", "regel 1: fout"}));
    ASSERT_TRUE(fs::exists(dir / "inbox/processed/ok.jsonl"));
    ASSERT_TRUE(fs::exists(dir / "inbox/failed/bad.jsonl"));
    // Counted from when they were parked (now), not from the export's own (older) mtime.
    Timestamp now = SystemClock().now();
    EXPECT_TRUE((*src)->expiredFiles(now + std::chrono::days(2))->empty());
    auto after3 = (*src)->expiredFiles(now + std::chrono::days(3) + std::chrono::minutes(1));
    ASSERT_TRUE(after3);
    ASSERT_EQ(after3->size(), 1u);
    EXPECT_EQ((*after3)[0].path, (dir / "inbox/processed/ok.jsonl").string());
    EXPECT_EQ((*after3)[0].kind, "processed");
    auto after30 = (*src)->expiredFiles(now + std::chrono::days(30) + std::chrono::minutes(1));
    ASSERT_EQ(after30->size(), 3u);  // ok.jsonl, bad.jsonl, bad.jsonl.reden.txt
    for (const auto& f : *after30) ASSERT_TRUE((*src)->removeRetained(f));
    EXPECT_TRUE(fs::is_empty(dir / "inbox/processed"));
    EXPECT_TRUE(fs::is_empty(dir / "inbox/failed"));
    // Only files the source parked can be removed through it.
    test::writeFile(dir / "other.txt", "x");
    EXPECT_FALSE((*src)->removeRetained({(dir / "other.txt").string(), "failed", now, now}));
    EXPECT_TRUE(fs::exists(dir / "other.txt"));
}

TEST(DirectorySource, ParkingTimesAndReasonsFollowTheInjectedClock) {
    // A daemon on a test clock far from the real time: files are parked at the clock's time, so
    // their retention is counted in the same time the purge asks about (never the system clock).
    test::TempDir dir;
    ManualClock clock(fromMillis(1900000000000));  // 2030-03-17T17:46:40Z
    auto factory = makeDirectorySourceFactory(&clock);
    auto src = factory->create("in", opts(*factory, {{"path", (dir / "inbox").string()},
                                                     {"settle_time", "0ms"},
                                                     {"keep_processed_days", 3},
                                                     {"keep_failed_days", 30}}));
    ASSERT_TRUE(src);
    test::writeFile(dir / "inbox/ok.jsonl", "ok");
    test::writeFile(dir / "inbox/bad.jsonl", "bad");
    age(dir / "inbox/ok.jsonl");
    age(dir / "inbox/bad.jsonl");
    auto items = (*src)->poll(10);
    ASSERT_EQ(items->size(), 2u);
    for (const auto& i : *items) ASSERT_TRUE((*src)->acknowledge(i, {i.name == "ok.jsonl", "regel 1: fout"}));
    const Timestamp parked = clock.now();
    EXPECT_NE(test::readFile(dir / "inbox/failed/bad.jsonl.reden.txt").find("Tijdstip: " + formatIso(parked)),
              std::string::npos);
    // Years after the real time, but not yet three days after the clock's: nothing is due.
    EXPECT_TRUE((*src)->expiredFiles(parked + std::chrono::days(3) - std::chrono::minutes(1))->empty());
    auto after3 = (*src)->expiredFiles(parked + std::chrono::days(3));
    ASSERT_TRUE(after3);
    ASSERT_EQ(after3->size(), 1u);
    EXPECT_EQ((*after3)[0].path, (dir / "inbox/processed/ok.jsonl").string());
    EXPECT_EQ((*after3)[0].since, parked);
    EXPECT_EQ((*after3)[0].due, parked + std::chrono::days(3));
    // The clock moves on; a file refused now is parked at the new time.
    clock.advance(std::chrono::days(10));
    test::writeFile(dir / "inbox/later.jsonl", "later");
    age(dir / "inbox/later.jsonl");
    items = (*src)->poll(10);
    ASSERT_EQ(items->size(), 1u);
    ASSERT_TRUE((*src)->acknowledge((*items)[0], {false, "regel 1: fout"}));
    auto after30 = (*src)->expiredFiles(parked + std::chrono::days(30));
    ASSERT_TRUE(after30);
    std::set<std::string> due;
    for (const auto& f : *after30) due.insert(fs::path(f.path).filename().string());
    EXPECT_EQ(due, (std::set<std::string>{"ok.jsonl", "bad.jsonl", "bad.jsonl.reden.txt"}));
    EXPECT_EQ((*src)->expiredFiles(clock.now() + std::chrono::days(30))->size(), 5u);
}

TEST(DirectorySource, AParkedSymlinkIsRemovedNotItsTarget) {
    test::TempDir dir;
    test::writeFile(dir / "sluis.key", "SECRET-KEY");
    auto factory = makeDirectorySourceFactory();
    auto src = factory->create("in", opts(*factory, {{"path", (dir / "inbox").string()}, {"keep_failed_days", 1}}));
    ASSERT_TRUE(src);
    fs::create_symlink(dir / "sluis.key", dir / "inbox/x.jsonl");
    ASSERT_TRUE((*src)->poll(10));
    ASSERT_TRUE(fs::is_symlink(dir / "inbox/failed/x.jsonl"));
    auto due = (*src)->expiredFiles(SystemClock().now() + std::chrono::days(2));
    ASSERT_EQ(due->size(), 2u);
    for (const auto& f : *due) ASSERT_TRUE((*src)->removeRetained(f));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "inbox/failed/x.jsonl")));
    EXPECT_EQ(test::readFile(dir / "sluis.key"), "SECRET-KEY");
}

TEST(DirectorySource, NegativeRetentionIsAConfigError) {
    test::TempDir dir;
    auto factory = makeDirectorySourceFactory();
    auto src = factory->create("in", opts(*factory, {{"path", (dir / "inbox").string()}, {"keep_failed_days", -1}}));
    ASSERT_FALSE(src);
    EXPECT_NE(src.error().message.find("keep_failed_days"), std::string::npos);
}

}  // namespace
}  // namespace sluis::connectors

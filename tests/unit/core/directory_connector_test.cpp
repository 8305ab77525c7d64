#include <gtest/gtest.h>
#include <utime.h>

#include <thread>

#include "connectors/directory/directory.h"
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
                                                     {"suffix", ".jsonl"}}));
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

}  // namespace
}  // namespace sluis::connectors

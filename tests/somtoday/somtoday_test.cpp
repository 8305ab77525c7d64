// Integration tests of the somtoday-rest source and sink against SomtodayPeer (real TLS, PKI made
// by certs/make-test-pki.sh in a temporary directory), and tests of the somtoday-json mapper.
#include "connectors/somtoday/somtoday.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include "core/model/bsn.h"
#include "mapping/somtoday/somtoday_mapper.h"
#include "tests/support/somtoday_peer.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

using connector::Acknowledgement;
using connector::Delivery;
using connector::DeliveryOutcome;
using connector::SourceItem;
using nlohmann::json;
using test::SomtodayPeer;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const mapper::MapperRegistry& mappers() {
    static mapper::MapperRegistry r = [] {
        mapper::MapperRegistry m;
        EXPECT_TRUE(mapping::registerSomtodayMappers(m).isOk());
        return m;
    }();
    return r;
}

/// Stands in for the engine: decodes every item, stores it under its idempotency key (a key
/// already stored is recognised, like TransferStore::ingest), then acknowledges.
struct FakeCore {
    std::map<std::string, json> stored;  // idempotency key -> canonical record
    size_t newly_stored = 0;
    size_t recognised = 0;
    std::vector<std::string> decode_errors;

    /// Decodes and stores, but does not acknowledge.
    void store(const SourceItem& item) {
        auto batch = mappers().decoder("somtoday-json")->decode(item.bytes, {item.name});
        if (!batch) {
            decode_errors.push_back(batch.error().message);
            return;
        }
        ASSERT_EQ(batch->records.size(), 1u);
        if (stored.count(item.idempotency_key) != 0) {
            ++recognised;
            EXPECT_EQ(stored[item.idempotency_key], batch->records[0])
                << "same key, different content: " << item.name;
            return;
        }
        stored[item.idempotency_key] = batch->records[0];
        ++newly_stored;
    }

    /// Polls until a poll yields nothing; returns the first error (if any) and stops there.
    Status sync(connector::Source& source, size_t batch = 10, int max_polls = 200) {
        for (int i = 0; i < max_polls; ++i) {
            auto items = source.poll(batch);
            if (!items) return items.error();
            if (items->empty()) return {};
            for (const auto& item : *items) {
                store(item);
                SLUIS_RETURN_IF_ERROR(source.acknowledge(item, Acknowledgement{true, ""}));
            }
        }
        return {ErrorCode::kInternal, "sync eindigt niet"};
    }

    std::set<std::string> leerlingIds() const {
        std::set<std::string> ids;
        for (const auto& [k, r] : stored)
            ids.insert(r["leerling"]["leerlingid"].get<std::string>());
        return ids;
    }
};

class SomtodayTest : public ::testing::Test {
  protected:
    std::unique_ptr<SomtodayPeer> startPeer(size_t pupils, const std::string& cert = "server") {
        return std::make_unique<SomtodayPeer>(test::pkiFile(cert + ".crt"),
                                              test::pkiFile(cert + ".key"), pupils);
    }

    json sourceOptions(const SomtodayPeer& peer, json extra = json::object()) {
        json o = {{"base_url", peer.baseUrl()},
                  {"token_url", peer.tokenUrl()},
                  {"client_id", SomtodayPeer::kClientId},
                  {"client_secret", SomtodayPeer::kClientSecret},
                  {"ca_file", test::pkiFile("ca.crt")},
                  {"cursor_file", (tmp_ / "somtoday.cursor").string()},
                  {"page_size", 10},
                  {"interval", "1h"},
                  {"retry_interval", "0s"},
                  {"connect_timeout", "5s"},
                  {"timeout", "5s"},
                  {"retry_after_max", "2s"},
                  {"max_retries", 3}};
        for (auto it = extra.begin(); it != extra.end(); ++it) o[it.key()] = it.value();
        return o;
    }

    Result<std::unique_ptr<connector::Source>> makeSource(const json& values) {
        auto f = connectors::makeSomtodaySourceFactory(source_clock_);
        std::vector<std::string> errors;
        auto opts = connector::validateOptions(f->options(), values, "sources.somtoday", errors);
        if (!opts) return opts.error();
        return f->create("somtoday", *opts);
    }

    Result<std::unique_ptr<connector::Sink>> makeSink(const json& values) {
        auto f = connectors::makeSomtodaySinkFactory();
        std::vector<std::string> errors;
        json v = values;
        v.erase("cursor_file");
        v.erase("page_size");
        v.erase("interval");
        v.erase("retry_interval");
        auto opts = connector::validateOptions(f->options(), v, "sinks.somtoday", errors);
        if (!opts) return opts.error();
        return f->create("somtoday", *opts);
    }

    std::unique_ptr<connector::Source> source(const json& values) {
        auto s = makeSource(values);
        EXPECT_TRUE(s.isOk()) << (s ? "" : s.error().message);
        return s ? std::move(*s) : nullptr;
    }

    static size_t count(const std::vector<SomtodayPeer::Request>& log, const std::string& path) {
        size_t n = 0;
        for (const auto& r : log) n += r.path == path ? 1 : 0;
        return n;
    }

    test::TempDir tmp_;
    /// The sources' clock (Retry-After, retry_interval, pass interval): moved by the tests, so
    /// that they never sleep to let time pass.
    ManualClock clock_{SystemClock().now()};
    /// What the sources are given; nullptr (the system clock) where the peer's own real time
    /// matters (its token lifetimes).
    const Clock* source_clock_ = &clock_;
};

// ---- source ----

TEST_F(SomtodayTest, FullSyncOffersEveryPupilOnceAsACompleteBundle) {
    auto peer = startPeer(25);
    auto src = source(sourceOptions(*peer));
    FakeCore core;
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_TRUE(core.decode_errors.empty()) << core.decode_errors.front();
    EXPECT_EQ(core.stored.size(), 25u);
    EXPECT_EQ(core.leerlingIds().size(), 25u);
    EXPECT_EQ(core.recognised, 0u);

    // Pupil 0 arrived with its bundle mapped to the canonical record.
    json p0 = peer->pupil(0);
    const json* rec = nullptr;
    for (const auto& [k, r] : core.stored)
        if (r["leerling"]["leerlingid"] == std::to_string(p0["leerlingnummer"].get<long long>()))
            rec = &r;
    ASSERT_NE(rec, nullptr);
    EXPECT_EQ((*rec)["leerling"]["bsn"], p0["bsn"]);
    EXPECT_TRUE(model::isValidBsn((*rec)["leerling"]["bsn"].get<std::string>()));
    EXPECT_EQ((*rec)["leerling"]["achternaam"], p0["achternaam"]);
    EXPECT_EQ((*rec)["school"]["brincode"], "99XX");
    EXPECT_EQ((*rec)["verzorgers"].size(), 2u);
    EXPECT_EQ((*rec)["verzorgers"][0]["relatietotkind"], "moeder");
    ASSERT_EQ((*rec)["cijferlijsten"].size(), 1u);
    EXPECT_EQ((*rec)["cijferlijsten"][0]["cijfers"].size(), 3u);
    EXPECT_EQ((*rec)["cijferlijsten"][0]["schooljaar"], "2024-2025");

    // Three pages of pupils, related resources per page, one token, a committed cursor.
    auto log = peer->requests();
    EXPECT_EQ(count(log, "/rest/v1/leerlingen"), 3u);
    // Two verzorgers per pupil: 20, 20 and 10 per pupil page, so 2 + 2 + 1 pages of 10.
    EXPECT_EQ(count(log, "/rest/v1/verzorgers"), 5u);
    EXPECT_EQ(peer->tokensIssued(), 1u);
    auto cursor = json::parse(test::readFile(tmp_ / "somtoday.cursor"));
    EXPECT_TRUE(connectors::parseIsoMillis(cursor["changed_since"].get<std::string>()));
    // Keys are stable per upstream version: pupil id + lastModified.
    std::string key = "somtoday:somtoday:" + std::to_string(p0["id"].get<long long>()) + "@" +
                      p0["lastModified"].get<std::string>();
    EXPECT_EQ(core.stored.count(key), 1u);
}

TEST_F(SomtodayTest, PagingStopsExactlyAtAMultipleOfThePageSize) {
    auto peer = startPeer(30);
    auto src = source(sourceOptions(*peer));
    FakeCore core;
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 30u);
    std::vector<std::string> ranges;
    for (const auto& r : peer->requests())
        if (r.path == "/rest/v1/leerlingen") ranges.push_back(r.range);
    // No fourth request: Content-Range says 30 of 30 after the third page.
    EXPECT_EQ(ranges, (std::vector<std::string>{"items=0-9", "items=10-19", "items=20-29"}));
}

TEST_F(SomtodayTest, PagingFollowsAServerThatSendsSmallerPages) {
    auto peer = startPeer(30);
    peer->setMaxPageSize(7);
    auto src = source(sourceOptions(*peer));
    FakeCore core;
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 30u);
    std::vector<std::string> ranges;
    for (const auto& r : peer->requests())
        if (r.path == "/rest/v1/leerlingen") ranges.push_back(r.range);
    EXPECT_EQ(ranges, (std::vector<std::string>{"items=0-9", "items=7-16", "items=14-23",
                                                "items=21-30", "items=28-37"}));
    // 30 pupils * 3 resultaten = 90 items, 7 per page, split over the pupil pages: all arrived.
    size_t cijfers = 0;
    for (const auto& [k, r] : core.stored) cijfers += r["cijferlijsten"][0]["cijfers"].size();
    EXPECT_EQ(cijfers, 90u);
}

TEST_F(SomtodayTest, IncrementalSyncOffersOnlyChangedPupils) {
    auto peer = startPeer(20);
    FakeCore core;
    ASSERT_TRUE(core.sync(*source(sourceOptions(*peer))).isOk());
    ASSERT_EQ(core.stored.size(), 20u);

    peer->touch(3);
    peer->touch(7);
    ASSERT_TRUE(core.sync(*source(sourceOptions(*peer))).isOk());
    EXPECT_EQ(core.stored.size(), 22u);  // two new versions
    EXPECT_EQ(core.newly_stored, 22u);
    std::string last_query;
    for (const auto& r : peer->requests())
        if (r.path == "/rest/v1/leerlingen") last_query = r.query;
    EXPECT_NE(last_query.find("changedSince="), std::string::npos);
    size_t leerjaar3 = 0;
    for (const auto& [k, r] : core.stored) leerjaar3 += r["leerling"].value("leerjaar", 0) == 3;
    EXPECT_EQ(leerjaar3, 2u);

    // The overlap reads the two again, but the cursor file remembers them: nothing offered.
    size_t before = core.newly_stored + core.recognised;
    ASSERT_TRUE(core.sync(*source(sourceOptions(*peer))).isOk());
    EXPECT_EQ(core.newly_stored + core.recognised, before);
}

TEST_F(SomtodayTest, TokenRevokedMidSyncIsRefreshedOnceWithoutDuplicates) {
    auto peer = startPeer(25);
    peer->expireTokensAfter(5);  // the 6th resource call meets a dead token
    auto src = source(sourceOptions(*peer));
    FakeCore core;
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 25u);
    EXPECT_EQ(core.recognised, 0u);
    EXPECT_EQ(peer->unauthorized(), 1u);
    EXPECT_EQ(peer->tokensIssued(), 2u);
}

TEST_F(SomtodayTest, ShortLivedTokensAreRenewedBeforeTheyExpire) {
    auto peer = startPeer(12);
    peer->setTokenLifetime(1s);
    peer->setDelay(120ms);  // the sync outlives the first token
    source_clock_ = nullptr;  // the peer expires its tokens on real time: so must the client
    auto src = source(sourceOptions(*peer, {{"page_size", 3}}));
    FakeCore core;
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 12u);
    EXPECT_GE(peer->tokensIssued(), 2u);
    EXPECT_EQ(peer->unauthorized(), 0u) << "renewed before expiry, never rejected";
}

TEST_F(SomtodayTest, A429StormIsWaitedOutAsTheServerAsks) {
    auto peer = startPeer(5);
    peer->failNext(429, 2, 1);
    auto src = source(sourceOptions(*peer));
    FakeCore core;
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 5u);
    auto log = peer->requests();
    size_t throttled = 0;
    for (size_t i = 0; i + 1 < log.size(); ++i)
        if (log[i].status == 429) {
            ++throttled;
            EXPECT_GE(log[i + 1].at - log[i].at, 950ms) << "retried before Retry-After passed";
        }
    EXPECT_EQ(throttled, 2u);
}

TEST_F(SomtodayTest, ARetryAfterAboveTheCapIsWaitedOutBetweenPolls) {
    auto peer = startPeer(5);
    peer->failNext(503, 1, 1);
    auto src = source(sourceOptions(*peer, {{"retry_after_max", "0s"}}));
    auto first = src->poll(10);
    ASSERT_FALSE(first.isOk());
    EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(first.error().message.find("Retry-After"), std::string::npos);
    size_t sent = peer->requests().size();
    auto again = src->poll(10);  // within the second: nothing is sent
    EXPECT_TRUE(!again.isOk() || again->empty());
    EXPECT_EQ(peer->requests().size(), sent);
    clock_.advance(1100ms);  // the server's Retry-After (1 s) has passed
    FakeCore core;
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 5u);
}

TEST_F(SomtodayTest, AServerErrorIsReportedAndThePassResumesLater) {
    auto peer = startPeer(25);
    auto src = source(sourceOptions(*peer, {{"retry_interval", "200ms"}}));
    FakeCore core;
    auto items = src->poll(10);  // page 1 and its related resources
    ASSERT_TRUE(items.isOk());
    ASSERT_EQ(items->size(), 10u);
    for (const auto& i : *items) {
        core.store(i);
        ASSERT_TRUE(src->acknowledge(i, {true, ""}).isOk());
    }
    peer->failNext(500, 1);
    auto failed = src->poll(10);
    ASSERT_FALSE(failed.isOk());
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(failed.error().message.find("HTTP 500"), std::string::npos);
    EXPECT_NE(failed.error().message.find("leerlingen (items 10-19)"), std::string::npos);
    size_t sent = peer->requests().size();
    auto soon = src->poll(10);  // within retry_interval: nothing sent
    ASSERT_TRUE(soon.isOk());
    EXPECT_TRUE(soon->empty());
    EXPECT_EQ(peer->requests().size(), sent);
    EXPECT_FALSE(fs::exists(tmp_ / "somtoday.cursor")) << "cursor committed with a page missing";
    clock_.advance(250ms);  // retry_interval has passed
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 25u);
    EXPECT_EQ(core.recognised, 0u) << "the pass resumed at page 2, not from the start";
    EXPECT_TRUE(fs::exists(tmp_ / "somtoday.cursor"));
}

TEST_F(SomtodayTest, BrokenJsonIsAClearErrorWithoutValues) {
    auto peer = startPeer(5);
    peer->breakJsonNext(1);
    auto src = source(sourceOptions(*peer));
    auto r = src->poll(10);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find("leerlingen (items 0-9): antwoord is geen geldige JSON"),
              std::string::npos)
        << r.error().message;
    EXPECT_EQ(r.error().message.find(peer->pupil(0)["achternaam"].get<std::string>()),
              std::string::npos);
    FakeCore core;  // the next attempt reads the page again
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 5u);
}

TEST_F(SomtodayTest, ASlowServerRunsIntoTheTimeout) {
    auto peer = startPeer(3);
    peer->setDelay(1500ms);
    auto src = source(sourceOptions(*peer, {{"timeout", "300ms"}}));
    auto r = src->poll(10);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(r.error().message.find("time-out"), std::string::npos) << r.error().message;
}

TEST_F(SomtodayTest, CrashMidSyncResumesFromTheCommittedCursorWithoutDuplicates) {
    auto peer = startPeer(25);
    FakeCore core;
    {
        auto src = source(sourceOptions(*peer));
        auto first = src->poll(5);
        ASSERT_TRUE(first.isOk());
        for (const auto& i : *first) {
            core.store(i);
            ASSERT_TRUE(src->acknowledge(i, {true, ""}).isOk());
        }
        auto second = src->poll(5);
        ASSERT_TRUE(second.isOk());
        for (const auto& i : *second) core.store(i);  // stored, then the process dies
    }
    ASSERT_EQ(core.stored.size(), 10u);
    EXPECT_FALSE(fs::exists(tmp_ / "somtoday.cursor"));

    auto src = source(sourceOptions(*peer));  // restart with the same cursor file
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 25u);
    EXPECT_EQ(core.newly_stored, 25u) << "no pupil stored twice";
    EXPECT_EQ(core.recognised, 10u) << "the ten stored before the crash came again, same keys";
    EXPECT_TRUE(fs::exists(tmp_ / "somtoday.cursor"));
}

TEST_F(SomtodayTest, ItemsTheCoreDidNotAcknowledgeRestartThePass) {
    auto peer = startPeer(8);
    auto src = source(sourceOptions(*peer));
    FakeCore core;
    auto lost = src->poll(10);  // the core failed to store these and did not acknowledge
    ASSERT_TRUE(lost.isOk());
    ASSERT_EQ(lost->size(), 8u);
    ASSERT_TRUE(core.sync(*src).isOk());
    EXPECT_EQ(core.stored.size(), 8u);
    EXPECT_TRUE(fs::exists(tmp_ / "somtoday.cursor"));
}

TEST_F(SomtodayTest, AServerCertificateFromAnotherCaIsRefused) {
    auto peer = startPeer(3, "other-server");
    auto src = source(sourceOptions(*peer));
    auto r = src->poll(10);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(r.error().message.find("servercertificaat"), std::string::npos) << r.error().message;
    EXPECT_TRUE(peer->requests().empty()) << "nothing may pass an unverified connection";
}

TEST_F(SomtodayTest, WrongClientSecretIsUnauthenticated) {
    auto peer = startPeer(3);
    auto src = source(sourceOptions(*peer, {{"client_secret", "fout"}}));
    auto r = src->poll(10);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(r.error().message.find(SomtodayPeer::kClientSecret), std::string::npos);
}

TEST_F(SomtodayTest, ConfigurationIsCheckedUpFront) {
    auto peer = startPeer(1);
    auto insecure = makeSource(sourceOptions(*peer, {{"insecure_skip_verify", true}}));
    ASSERT_FALSE(insecure.isOk());
    EXPECT_EQ(insecure.error().code, ErrorCode::kInvalidConfig);
    EXPECT_NE(insecure.error().message.find("insecure_skip_verify=true is niet toegestaan"),
              std::string::npos);
    auto sink = makeSink(sourceOptions(*peer, {{"insecure_skip_verify", true}}));
    ASSERT_FALSE(sink.isOk());
    auto http = makeSource(sourceOptions(*peer, {{"base_url", "http://localhost/rest"}}));
    ASSERT_FALSE(http.isOk());
    EXPECT_NE(http.error().message.find("https://"), std::string::npos);
    auto no_dir = makeSource(sourceOptions(*peer, {{"cursor_file", "/bestaat/niet/c.json"}}));
    ASSERT_FALSE(no_dir.isOk());
    EXPECT_NE(no_dir.error().message.find("cursor_file"), std::string::npos);
    json missing = sourceOptions(*peer);
    missing.erase("cursor_file");
    EXPECT_FALSE(makeSource(missing).isOk());
}

TEST_F(SomtodayTest, ACorruptCursorFileIsAClearError) {
    auto peer = startPeer(2);
    test::writeFile(tmp_ / "somtoday.cursor", "{niet json");
    auto r = source(sourceOptions(*peer))->poll(10);
    ASSERT_FALSE(r.isOk());
    EXPECT_NE(r.error().message.find("beschadigd"), std::string::npos);
    EXPECT_TRUE(peer->requests().empty());
}

// ---- sink ----

json canonicalFromPeer(const SomtodayPeer& peer, size_t index) {
    json bundle = {{"leerling", peer.pupil(index)}};
    json record;
    std::vector<std::string> problems;
    EXPECT_TRUE(mapping::somtodayBundleToCanonical(bundle, json::object(), record, problems));
    return record;
}

TEST_F(SomtodayTest, SinkDeliversOnceIdempotentlyAndTheBodyMapsBack) {
    auto peer = startPeer(2);
    auto sink = makeSink(sourceOptions(*peer));
    ASSERT_TRUE(sink.isOk()) << sink.error().message;
    json record = canonicalFromPeer(*peer, 1);
    auto enc = mappers().encoder("somtoday-json")->encode(record, {});
    ASSERT_TRUE(enc.isOk()) << enc.error().message;
    Delivery d{"t-1", "transfer-key-1", enc->content_type, enc->file_extension, enc->bytes};
    auto first = (*sink)->deliver(d);
    EXPECT_EQ(first.outcome, DeliveryOutcome::kDelivered) << first.message;
    EXPECT_EQ(first.receipt, "DOS-000001");
    auto again = (*sink)->deliver(d);  // e.g. a retry after a lost answer
    EXPECT_EQ(again.outcome, DeliveryOutcome::kDelivered);
    EXPECT_EQ(again.receipt, "DOS-000001");
    EXPECT_NE(again.message.find("409"), std::string::npos);
    auto posted = peer->posted();
    ASSERT_EQ(posted.size(), 1u);
    EXPECT_EQ(peer->duplicatePosts(), 1u);
    EXPECT_EQ(posted[0].idempotency_key, "transfer-key-1");
    auto back = mappers().decoder("somtoday-json")->decode(posted[0].body, {"post"});
    ASSERT_TRUE(back.isOk()) << back.error().message;
    EXPECT_EQ(back->records[0], record);
}

TEST_F(SomtodayTest, SinkRefreshesARevokedTokenAndClassifiesFailures) {
    auto peer = startPeer(1);
    auto sink = makeSink(sourceOptions(*peer, {{"max_retries", 0}}));
    ASSERT_TRUE(sink.isOk());
    json record = canonicalFromPeer(*peer, 0);
    auto enc = mappers().encoder("somtoday-json")->encode(record, {});
    ASSERT_TRUE(enc.isOk());
    auto d = [&](const std::string& key) {
        return Delivery{"t-" + key, key, "application/json", "json", enc->bytes};
    };
    EXPECT_EQ((*sink)->deliver(d("a")).outcome, DeliveryOutcome::kDelivered);
    peer->expireTokensAfter(1);  // the next call revokes every token; the one after gets 401
    EXPECT_EQ((*sink)->deliver(d("b")).outcome, DeliveryOutcome::kDelivered);
    EXPECT_EQ((*sink)->deliver(d("c")).outcome, DeliveryOutcome::kDelivered);
    EXPECT_EQ(peer->unauthorized(), 1u);
    EXPECT_EQ(peer->tokensIssued(), 2u);

    peer->failNext(503, 1, 0);
    auto busy = (*sink)->deliver(d("d"));
    EXPECT_EQ(busy.outcome, DeliveryOutcome::kRetryLater);
    peer->failNext(500, 1);
    EXPECT_EQ((*sink)->deliver(d("d")).outcome, DeliveryOutcome::kRetryLater);
    EXPECT_EQ((*sink)->deliver(d("d")).outcome, DeliveryOutcome::kDelivered);
    auto bad = (*sink)->deliver(Delivery{"t-e", "e", "application/json", "json", "{}"});
    EXPECT_EQ(bad.outcome, DeliveryOutcome::kRejected);
    EXPECT_NE(bad.message.find("422"), std::string::npos);
    EXPECT_EQ(peer->posted().size(), 4u);
}

// ---- somtoday-json mapper ----

std::string bundleText(json leerling_patch = json::object(), json extra = json::object()) {
    json l = {{"id", 1},
              {"leerlingnummer", 4711},
              {"bsn", "111222333"},
              {"achternaam", "Visser"},
              {"geboortedatum", "2012-04-05"},
              {"geslacht", "Vrouw"},
              {"vestiging", {{"naam", "De Sluis"}, {"brinNummer", "99XX"}}}};
    l.merge_patch(leerling_patch);
    json b = {{"leerling", l}};
    b.merge_patch(extra);
    return b.dump();
}

TEST(SomtodayJson, ProblemsNameTheFieldPathNeverTheValue) {
    const auto* dec = mappers().decoder("somtoday-json");
    ASSERT_TRUE(dec->decode(bundleText(), {"b"}).isOk());
    auto bad = dec->decode(
        bundleText({{"bsn", "123456789"}, {"geslacht", "Jongen"}, {"geboortedatum", "5-4-2012"}},
                   {{"verzorgers", json::array({{{"achternaam", "Visser"}, {"relatie", "Oom"}}})},
                    {"absenties", json::array({{{"datum", "2025-01-06"}}})}}),
        {"leerling 1"});
    ASSERT_FALSE(bad.isOk());
    EXPECT_EQ(bad.error().code, ErrorCode::kValidationFailed);
    const std::string& m = bad.error().message;
    for (const char* path : {"leerling.bsn", "leerling.geslacht", "leerling.geboortedatum",
                             "verzorgers[0].relatie", "absenties[0].geoorloofd"})
        EXPECT_NE(m.find(path), std::string::npos) << path << " in " << m;
    for (const char* value : {"123456789", "Jongen", "5-4-2012", "Oom"})
        EXPECT_EQ(m.find(value), std::string::npos) << value << " leaked in " << m;
    auto broken = dec->decode("{\"leerling\": {\"achternaam\": \"Vis", {"leerling 2"});
    ASSERT_FALSE(broken.isOk());
    EXPECT_EQ(broken.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(broken.error().message.find("leerling 2: geen geldige JSON"), std::string::npos);
    EXPECT_EQ(broken.error().message.find("Vis"), std::string::npos);
}

TEST(SomtodayJson, EncoderRefusesFieldsTheContractCannotCarry) {
    const auto* dec = mappers().decoder("somtoday-json");
    auto ok = dec->decode(bundleText(), {"b"});
    ASSERT_TRUE(ok.isOk());
    json record = ok->records[0];
    record["leerling"]["communicatie"] =
        json::array({{{"soort", "telefoon"}, {"aanduiding", "werk"}, {"nummer", "030-1234567"}}});
    record["overstapadvies"] = {{"advies", json::array({"60"})}};
    const auto* enc = mappers().encoder("somtoday-json");
    auto refused = enc->encode(record, {});
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.error().code, ErrorCode::kValidationFailed);
    EXPECT_NE(refused.error().message.find("leerling.communicatie[].aanduiding"), std::string::npos)
        << refused.error().message;
    EXPECT_NE(refused.error().message.find("overstapadvies.advies[]"), std::string::npos);
    EXPECT_EQ(refused.error().message.find("030-1234567"), std::string::npos);
    mapper::EncodeContext omit;
    omit.options = {{"unmapped", "omit"}};
    auto omitted = enc->encode(record, omit);
    ASSERT_TRUE(omitted.isOk());
    EXPECT_EQ(json::parse(omitted->bytes)["leerling"]["mobielNummer"], "030-1234567");
}

}  // namespace
}  // namespace sluis

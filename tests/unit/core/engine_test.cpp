#include "core/engine/engine.h"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include "connectors/directory/directory.h"
#include "core/store/open_store.h"
#include "mapping/canonical/canonical_mapper.h"
#include "tests/support/pg_database.h"
#include "tests/support/test_util.h"

namespace sluis::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using store::State;

/// A sink for engine tests: fails the first `failures` attempts, then delivers into memory.
/// Registered in the test's own registry (tests build their own registry).
struct FlakyState {
    int failures = 0;
    bool reject = false;
    std::vector<std::string> delivered;
    int attempts = 0;
};

class FlakySink final : public connector::Sink {
public:
    explicit FlakySink(FlakyState& s) : s_(s) {}
    connector::DeliveryResult deliver(const connector::Delivery& d) noexcept override {
        ++s_.attempts;
        if (s_.reject) return {connector::DeliveryOutcome::kRejected, "geweigerd", ""};
        if (s_.failures > 0) {
            --s_.failures;
            return {connector::DeliveryOutcome::kRetryLater, "tijdelijk niet bereikbaar", ""};
        }
        s_.delivered.push_back(d.transfer_id);
        return {connector::DeliveryOutcome::kDelivered, "", "ontvangst-" + d.transfer_id};
    }

private:
    FlakyState& s_;
};

class FlakyFactory final : public connector::SinkFactory {
public:
    explicit FlakyFactory(FlakyState& s) : s_(s) {}
    std::string name() const override { return "flaky"; }
    std::string description() const override { return "test"; }
    std::vector<connector::OptionSpec> options() const override { return {}; }
    Result<std::unique_ptr<connector::Sink>> create(const std::string&,
                                                    const connector::Options&) const override {
        return std::unique_ptr<connector::Sink>(std::make_unique<FlakySink>(s_));
    }

private:
    FlakyState& s_;
};

/// Stands in for a record stored by an older Sluis (canonical model version 1): the decoder of
/// today would refuse it, so this one lets it into the store unchecked.
class UncheckedJsonDecoder final : public mapper::Decoder {
  public:
    std::string name() const override { return "ongecontroleerd-json"; }
    Result<mapper::DecodedBatch> decode(std::string_view bytes,
                                        const mapper::DecodeContext&) const override {
        mapper::DecodedBatch b;
        b.records.push_back(json::parse(bytes));
        return b;
    }
};

const char* kPupil =
    R"({"school":{"naam":"De Regenboog","brincode":"12AB"},"leerling":{"leerlingid":"%ID%","bsn":"111222333","achternaam":"Jansen","geboortedatum":"2014-03-01"}})";

std::string pupils(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        std::string line = kPupil;
        line.replace(line.find("%ID%"), 4, std::to_string(100 + i));
        out += line + "\n";
    }
    return out;
}

/// Run against both store backends (PostgreSQL: a fresh database on the test server).
class EngineTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        ASSERT_TRUE(sluis::connectors::registerDirectory(connectors_));
        ASSERT_TRUE(connectors_.addSink(std::make_unique<FlakyFactory>(flaky_)));
        ASSERT_TRUE(mapping::registerCanonicalMappers(mappers_));
        ASSERT_TRUE(mappers_.addDecoder(std::make_unique<UncheckedJsonDecoder>()));
        // Here and not in configure(): a failure in SetUp stops the test (no PostgreSQL test
        // server: the test fails with the reason instead of crashing on a store it lacks).
        if (GetParam() == "postgresql") {
            pg_ = std::make_unique<test::PgDatabase>();
            ASSERT_EQ(pg_->error(), "");
        }
    }

    void configure(const std::string& sink_type, json policy_extra = json::object(),
                   const std::string& decoder = "canonical-jsonl") {
        json route = {{"name", "r"},
                      {"source", "in"},
                      {"decoder", decoder},
                      {"purpose", "demo"},
                      {"encoder", "canonical-json"},
                      {"sink", "out"}};
        json policy = {{"legal_basis", "test"}};
        for (auto& [k, v] : policy_extra.items()) policy[k] = v;
        json sink_opts = sink_type == "directory" ? json{{"path", "outbox"}} : json::object();
        std::map<std::string, json> docs = {
            {"daemon.json", {{"worker", {{"max_attempts", 3}, {"backoff_initial", "10s"}}}}},
            {"connectors.json",
             {{"sources", {{{"name", "in"}, {"type", "directory"},
                            {"options", {{"path", "inbox"}, {"settle_time", "0ms"}, {"keep_processed_days", 30}}}}}},
              {"sinks", {{{"name", "out"}, {"type", sink_type}, {"options", sink_opts}}}}}},
            {"policies.json", {{"purposes", {{"demo", policy}}}}},
            {"routes.json", {{"routes", {route}}}}};
        auto cfg = config::buildConfig(docs, "test", {dir_.path().string()}, connectors_, mappers_);
        ASSERT_TRUE(cfg) << cfg.error().message;
        config_ = *cfg;
        config::StoreConfig store_cfg = config_->store;
        if (GetParam() == "postgresql") {
            store_cfg.backend = "postgresql";
            store_cfg.postgresql_dsn = pg_->dsn();
        }
        auto s = store::openStore(store_cfg, config_->key_file);
        ASSERT_TRUE(s) << s.error().message;
        store_ = std::move(s.value());
        engine_ = std::make_unique<Engine>(config_, connectors_, mappers_, *store_, clock_, metrics_);
        ASSERT_TRUE(engine_->start());
    }

    void drop(const std::string& name, const std::string& content) {
        test::writeFile(dir_ / "inbox" / name, content);
        fs::last_write_time(dir_ / "inbox" / name, fs::file_time_type::clock::now() - std::chrono::seconds(5));
    }

    void runUntilIdle() {
        for (int i = 0; i < 50 && engine_->runOnce() > 0; ++i) {
        }
    }

    long long count(State s) { return (*store_->countByState())[s]; }
    /// Runs an UPDATE behind the store's back, as damage from outside Sluis would.
    void damage(const std::string& sql) {
        if (pg_) {
            ASSERT_EQ(pg_->query(sql + " RETURNING CAST(1 AS TEXT)").size(), 1u);
            return;
        }
        Poco::Data::Session raw("SQLite", config_->store.sqlite_path);
        Poco::Data::Statement stmt(raw);
        stmt << sql;
        ASSERT_EQ(stmt.execute(), 1u);
    }

    test::TempDir dir_;
    connector::ConnectorRegistry connectors_;
    mapper::MapperRegistry mappers_;
    FlakyState flaky_;
    ManualClock clock_{fromMillis(1'780'000'000'000)};
    Metrics metrics_;
    std::shared_ptr<const config::Config> config_;
    std::unique_ptr<test::PgDatabase> pg_;
    std::unique_ptr<store::TransferStore> store_;
    std::unique_ptr<Engine> engine_;
};

TEST_P(EngineTest, ExportBecomesDeliveredFilesOnePerPupil) {
    configure("directory");
    drop("groep8.jsonl", pupils(5));
    runUntilIdle();
    EXPECT_EQ(count(State::kDelivered), 5);
    EXPECT_TRUE(fs::exists(dir_ / "inbox/processed/groep8.jsonl"));
    size_t files = 0;
    for (auto& e : fs::directory_iterator(dir_ / "outbox")) {
        ++files;
        auto j = json::parse(test::readFile(e.path()));
        EXPECT_EQ(j["school"]["brincode"], "12AB");
    }
    EXPECT_EQ(files, 5u);
    auto list = store_->list({});
    ASSERT_TRUE(list);
    for (const auto& t : *list) {
        auto h = store_->history(t.id);
        ASSERT_EQ(h->size(), 5u);  // received, mapped, scheduled, delivering, delivered
        EXPECT_EQ(h->back().to, State::kDelivered);
        EXPECT_EQ(t.receipt, t.id + ".json");
    }
    // The same export dropped again is recognised: no new transfers.
    drop("groep8-kopie.jsonl", pupils(5));
    runUntilIdle();
    EXPECT_EQ(store_->list({})->size(), 5u);
    EXPECT_TRUE(fs::exists(dir_ / "inbox/processed/groep8-kopie.jsonl"));
    std::string metrics = metrics_.render(*store_->countByState());
    EXPECT_NE(metrics.find("sluis_transfers{state=\"delivered\"} 5"), std::string::npos);
    EXPECT_NE(metrics.find("sluis_delivery_attempts_total{outcome=\"delivered\"} 5"), std::string::npos);
}

// Every pass is counted, idle or not: the tests of the daemon wait on this counter
// (sluis_engine_passes_total, test::waitForPasses) instead of sleeping.
TEST_P(EngineTest, EveryPassIsCountedForTheMetricsEndpoint) {
    configure("directory");
    EXPECT_EQ(metrics_.passes(), 0);
    drop("groep8.jsonl", pupils(2));
    EXPECT_GT(engine_->runOnce(), 0u);
    engine_->runOnce();
    engine_->runOnce();
    EXPECT_EQ(metrics_.passes(), 3);
    std::string metrics = metrics_.render(*store_->countByState());
    EXPECT_NE(metrics.find("\nsluis_engine_passes_total 3\n"), std::string::npos) << metrics;
}

// Issue 14, M5: the daemon's periodic purge also removes the files the source parked in failed/
// once their days have passed (default 30), and audits each by name.
TEST_P(EngineTest, PeriodicPurgeRemovesRefusedFilesAfterTheirDays) {
    configure("directory");
    drop("kapot.jsonl", "{dit is geen json\n");
    runUntilIdle();
    ASSERT_TRUE(fs::exists(dir_ / "inbox/failed/kapot.jsonl"));
    ASSERT_TRUE(fs::exists(dir_ / "inbox/failed/kapot.jsonl.reden.txt"));
    // The files were parked at the real time; the purge compares with the engine's clock.
    clock_.set(SystemClock().now() + std::chrono::days(29));
    engine_->runOnce();
    EXPECT_TRUE(fs::exists(dir_ / "inbox/failed/kapot.jsonl"));
    clock_.set(SystemClock().now() + std::chrono::days(31));
    engine_->runOnce();
    EXPECT_FALSE(fs::exists(dir_ / "inbox/failed/kapot.jsonl"));
    EXPECT_FALSE(fs::exists(dir_ / "inbox/failed/kapot.jsonl.reden.txt"));
    size_t purged = 0;
    auto log = store_->auditLog(0, 1000);
    ASSERT_TRUE(log) << log.error().message;
    for (const auto& a : log.value())
        if (a.event.event == "file_purged") {
            ++purged;
            EXPECT_EQ(a.event.details["kind"], "failed");
        }
    EXPECT_EQ(purged, 2u);
}

TEST_P(EngineTest, BadExportIsRefusedWholeWithReasonAndNothingStored) {
    configure("directory");
    std::string content = pupils(3);
    content += R"({"school":{"naam":"X","brincode":"12AB"},"leerling":{"leerlingid":"9","bsn":"123456789","achternaam":"Bakker","geboortedatum":"2014-02-30"}})";
    content += "\n{niet json\n";
    drop("kapot.jsonl", content);
    runUntilIdle();
    EXPECT_TRUE(store_->list({})->empty());
    ASSERT_TRUE(fs::exists(dir_ / "inbox/failed/kapot.jsonl"));
    std::string reason = test::readFile(dir_ / "inbox/failed/kapot.jsonl.reden.txt");
    EXPECT_NE(reason.find("kapot.jsonl:4: leerling.bsn"), std::string::npos) << reason;
    EXPECT_NE(reason.find("kapot.jsonl:4: leerling.geboortedatum"), std::string::npos) << reason;
    EXPECT_NE(reason.find("kapot.jsonl:5: geen geldige JSON"), std::string::npos) << reason;
    EXPECT_EQ(reason.find("123456789"), std::string::npos) << "value leaked into reason file";
    EXPECT_EQ(reason.find("Bakker"), std::string::npos) << "value leaked into reason file";

    drop("latin1.jsonl", std::string("{\"a\":\"caf\xe9\"}\n"));
    drop("binair.jsonl", std::string("\x00\x01\x02", 3));
    drop("leeg.jsonl", "");
    runUntilIdle();
    EXPECT_NE(test::readFile(dir_ / "inbox/failed/latin1.jsonl.reden.txt").find("UTF-8"), std::string::npos);
    EXPECT_NE(test::readFile(dir_ / "inbox/failed/binair.jsonl.reden.txt").find("binair"), std::string::npos);
    EXPECT_NE(test::readFile(dir_ / "inbox/failed/leeg.jsonl.reden.txt").find("geen leerlingen"),
              std::string::npos);
    EXPECT_TRUE(store_->list({})->empty());
}

TEST_P(EngineTest, AStoredRecordOfAnOlderModelVersionIsRefusedByPath) {
    configure("directory", json::object(), "ongecontroleerd-json");
    json old = json::parse(pupils(1));
    old["leerling"]["voornamen"] = "Anna Sophie";  // model version 1; now voornamenlijst
    drop("oud.json", old.dump() + "\n");
    runUntilIdle();
    EXPECT_EQ(count(State::kDeadLettered), 1);
    auto t = store_->list({})->at(0);
    EXPECT_NE(
        t.last_error.find("opgeslagen record uit een oudere Sluis-versie: leerling.voornamen"),
        std::string::npos)
        << t.last_error;
    EXPECT_NE(t.last_error.find("gebruik leerling.voornamenlijst"), std::string::npos);
    EXPECT_EQ(t.last_error.find("Anna"), std::string::npos) << "value in the error";
    EXPECT_TRUE(!fs::exists(dir_ / "outbox") || fs::is_empty(dir_ / "outbox"));
}

TEST_P(EngineTest, RetriesWithBackoffThenDelivers) {
    configure("flaky");
    flaky_.failures = 2;
    drop("a.jsonl", pupils(1));
    runUntilIdle();
    EXPECT_EQ(count(State::kFailed), 1);
    auto t = store_->list({})->at(0);
    ASSERT_TRUE(t.next_attempt_at);
    EXPECT_EQ(*t.next_attempt_at, clock_.now() + std::chrono::seconds(10));
    EXPECT_EQ(t.last_error, "tijdelijk niet bereikbaar");
    runUntilIdle();  // not due yet: nothing happens
    EXPECT_EQ(flaky_.attempts, 1);
    clock_.advance(std::chrono::seconds(10));
    runUntilIdle();
    EXPECT_EQ(flaky_.attempts, 2);
    t = store_->list({})->at(0);
    EXPECT_EQ(*t.next_attempt_at, clock_.now() + std::chrono::seconds(20));  // doubled
    clock_.advance(std::chrono::seconds(20));
    runUntilIdle();
    EXPECT_EQ(count(State::kDelivered), 1);
    EXPECT_EQ(flaky_.delivered.size(), 1u);
    EXPECT_EQ(store_->list({})->at(0).receipt, "ontvangst-" + t.id);
}

// A row damaged outside Sluis is left as it is (and logged on every pass); the worker goes on
// with the other transfers.
TEST_P(EngineTest, ADamagedRowDoesNotHoldUpTheOthers) {
    configure("flaky");
    flaky_.failures = 2;  // both fail their first attempt, so both wait in the store
    drop("a.jsonl", pupils(2));
    runUntilIdle();
    ASSERT_EQ(count(State::kFailed), 2);
    auto all = store_->list({});
    ASSERT_TRUE(all) << all.error().message;
    const std::string damaged = all->at(0).id, other = all->at(1).id;
    damage("UPDATE transfers SET choices = 'kapot' WHERE id = '" + damaged + "'");
    clock_.advance(std::chrono::seconds(10));
    runUntilIdle();
    EXPECT_EQ(flaky_.delivered, std::vector<std::string>{other});
    EXPECT_EQ(count(State::kDelivered), 1);
    EXPECT_EQ(count(State::kFailed), 1) << "the damaged transfer is still there";
    EXPECT_FALSE(store_->get(damaged));
}

TEST_P(EngineTest, GivesUpAfterMaxAttemptsAndOnRejection) {
    configure("flaky");
    flaky_.failures = 100;
    drop("a.jsonl", pupils(1));
    for (int i = 0; i < 5; ++i) {
        runUntilIdle();
        clock_.advance(std::chrono::hours(1));
    }
    EXPECT_EQ(flaky_.attempts, 3);
    EXPECT_EQ(count(State::kDeadLettered), 1);
    flaky_.reject = true;
    drop("b.jsonl", pupils(2).substr(pupils(1).size()));
    runUntilIdle();
    EXPECT_EQ(count(State::kDeadLettered), 2);
}

TEST_P(EngineTest, ApprovalGateHoldsTransfers) {
    configure("flaky", {{"approvals", {{"required", 1}, {"roles", {"directeur"}}}}});
    drop("a.jsonl", pupils(2));
    runUntilIdle();
    EXPECT_EQ(count(State::kAwaitingApproval), 2);
    EXPECT_TRUE(flaky_.delivered.empty());
    configure("flaky", {{"basis", "consent"}});
    drop("b.jsonl", pupils(3).substr(pupils(2).size()));
    runUntilIdle();
    EXPECT_EQ(count(State::kAwaitingConsent), 1);
    EXPECT_TRUE(flaky_.delivered.empty());
}

TEST_P(EngineTest, InterruptedDeliveryIsCompletedOnceAfterRestart) {
    configure("directory");
    drop("a.jsonl", pupils(1));
    engine_->runOnce();  // stores and renders
    auto t = store_->list({})->at(0);
    ASSERT_EQ(t.state, State::kMapped);
    // Simulate a crash after the sink wrote the file but before 'delivered' was recorded.
    ASSERT_TRUE(store_->transition(t.id, State::kMapped, State::kScheduled, {},
                                   {"test", "s", "", "demo", json::object()}, "", clock_.now()));
    ASSERT_TRUE(store_->transition(t.id, State::kScheduled, State::kDelivering, {.attempts = 1},
                                   {"test", "d", "", "demo", json::object()}, "", clock_.now()));
    auto payload = store_->payload(t.id);
    ASSERT_TRUE(payload);
    test::writeFile(dir_ / "outbox" / (t.id + ".json"), *payload);
    engine_ = std::make_unique<Engine>(config_, connectors_, mappers_, *store_, clock_, metrics_);
    ASSERT_TRUE(engine_->start());
    runUntilIdle();
    EXPECT_EQ(count(State::kDelivered), 1);
    size_t files = 0;
    for (auto& e : fs::directory_iterator(dir_ / "outbox")) files += e.is_regular_file();
    EXPECT_EQ(files, 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluis::engine

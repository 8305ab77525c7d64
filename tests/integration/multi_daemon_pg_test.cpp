// Several daemons on one store (issue 15, item 2): three real `sluis serve` processes on one
// PostgreSQL database deliver N transfers to a mutual-TLS Inspectie peer, while random daemons are
// killed with SIGKILL at random moments and started again. Every transfer must reach the peer, the
// peer must never see a second POST for a delivery id unless a daemon was killed between the two
// (a takeover after the dead daemon's lease ran out, which the receiver answers with the original
// receipt), the audit chain must be whole with one `delivered` record per transfer, and the
// disclosure register must name exactly the deliveries the peer has.
//
// Knobs (environment): SLUIS_TEST_MULTI_N (transfers, default 1500; 500 under AddressSanitizer),
// SLUIS_TEST_MULTI_KILLS (default 6), SLUIS_TEST_MULTI_SEED (the random seed; printed at the
// start, so a failure can be rerun exactly), SLUIS_TEST_MULTI_DEADLINE_S (a backstop, default 480:
// every wait ends as soon as the progress it waits for is there). Needs the PostgreSQL test server (SLUIS_TEST_PG_DSN, as every PostgreSQL test:
// without it the test fails and says so).
//
// Also here: a second daemon on one SQLite file is refused, whatever data dir it runs with.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "core/config/config.h"
#include "core/policy/disclosures.h"
#include "core/store/transfer_store.h"
#include "tests/support/inspectie_peer.h"
#include "tests/support/pg_database.h"
#include "tests/support/process.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using SteadyTime = std::chrono::steady_clock::time_point;

const std::string kExe = sluis::test::sluisExe();
/// worker.lease of the daemons under test, and how long a request may be on its way to the peer.
constexpr std::chrono::seconds kLease{8};
constexpr std::chrono::seconds kInFlight{3};

long long envNumber(const char* name, long long fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    try {
        return std::stoll(v);
    } catch (const std::exception&) {
        ADD_FAILURE() << name << "=" << v << " is geen getal";
        return fallback;
    }
}

size_t countLines(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

#if defined(__SANITIZE_ADDRESS__)
constexpr long long kDefaultTransfers = 500;  // sanitizer builds run the daemons 2-3 times slower
#else
constexpr long long kDefaultTransfers = 1500;
#endif

TEST(MultiDaemonPostgres, ThreeDaemonsKilledAtRandomDeliverEveryTransferExactlyOnce) {
    const long long n = envNumber("SLUIS_TEST_MULTI_N", kDefaultTransfers);
    const long long kills = envNumber("SLUIS_TEST_MULTI_KILLS", 6);
    const unsigned long long seed =
        static_cast<unsigned long long>(envNumber("SLUIS_TEST_MULTI_SEED", std::random_device{}()));
    ASSERT_GT(n, 0);
    // The seed goes first, so that it is in the output however the test ends.
    std::cout << "[ multi-daemon ] SLUIS_TEST_MULTI_SEED=" << seed << " SLUIS_TEST_MULTI_N=" << n
              << " SLUIS_TEST_MULTI_KILLS=" << kills << std::endl;
    RecordProperty("seed", std::to_string(seed));
    SCOPED_TRACE("herhaal met SLUIS_TEST_MULTI_SEED=" + std::to_string(seed) +
                 " SLUIS_TEST_MULTI_N=" + std::to_string(n));
    std::mt19937_64 rng(seed);
    const auto started = std::chrono::steady_clock::now();

    test::PgDatabase db;
    ASSERT_EQ(db.error(), "");
    test::InspectiePeer peer(test::pkiFile("server.crt"), test::pkiFile("server.key"),
                             test::pkiFile("ca.crt"));
    test::TempDir dir;
    fs::path config = dir / "config", inbox = dir / "inbox";
    // One config for all three; each daemon has its own data dir (and so its own sluis.lock),
    // they share the database, the key file and the inbox.
    test::writeFile(config / "daemon.json",
                    json{{"admin", {{"port", 0}}},
                         {"key_file", (dir / "sluis.key").string()},
                         {"worker",
                          {{"poll_interval", "50ms"},
                           {"batch_size", 50},
                           {"backoff_initial", "200ms"},
                           {"lease", std::to_string(kLease.count()) + "s"}}}}
                        .dump());
    test::writeFile(config / "store.json",
                    json{{"backend", "postgresql"}, {"postgresql", {{"dsn", db.dsn()}}}}.dump());
    test::writeFile(
        config / "connectors.json",
        json{{"sources",
              {{{"name", "inbox"},
                {"type", "directory"},
                {"options", {{"path", inbox.string()}, {"settle_time", "0ms"}}}}}},
             {"sinks",
              {{{"name", "inspectie"},
                {"type", "inspectie-https"},
                {"options",
                 {{"url", peer.url()},
                  {"ca_file", test::pkiFile("ca.crt")},
                  {"cert_file", test::pkiFile("client.crt")},
                  {"key_file", test::pkiFile("client.key")},
                  {"timeout", "5s"}}}}}}}
            .dump());
    test::writeFile(config / "policies.json",
                    json{{"purposes", {{"toezicht", {{"legal_basis", "test"}}}}}}.dump());
    test::writeFile(config / "routes.json", json{{"routes",
                                                  {{{"name", "toezicht"},
                                                    {"source", "inbox"},
                                                    {"decoder", "canonical-jsonl"},
                                                    {"purpose", "toezicht"},
                                                    {"encoder", "canonical-json"},
                                                    {"sink", "inspectie"}}}}}
                                                .dump());

    constexpr int kDaemons = 3;
    std::vector<std::unique_ptr<test::Daemon>> daemons;
    std::vector<fs::path> data_dirs, logs;
    auto start = [&](int i) {
        ASSERT_GT(test::startServe(*daemons[i], kExe,
                                   {"serve", "--config", config.string(), "--data-dir",
                                    data_dirs[i].string()},
                                   data_dirs[i], logs[i]),
                  0);
    };
    for (int i = 0; i < kDaemons; ++i) {
        daemons.push_back(std::make_unique<test::Daemon>());
        data_dirs.push_back(dir / ("data" + std::to_string(i)));
        logs.push_back(dir / ("serve" + std::to_string(i) + ".log"));
        start(i);
    }
    auto allLogs = [&] {
        std::string out;
        for (int i = 0; i < kDaemons; ++i)
            out += "--- daemon " + std::to_string(i) + "\n" + test::readFile(logs[i]);
        return out.size() > 20000 ? out.substr(out.size() - 20000) : out;
    };

    // The export: files of 100 pupils each, dropped while the daemons run.
    for (long long first = 0; first < n; first += 100) {
        std::string out;
        for (long long i = first; i < std::min(n, first + 100); ++i)
            out += json{{"school", {{"naam", "OBS De Sluis"}, {"brincode", "99ZZ"}}},
                        {"leerling",
                         {{"leerlingid", "L" + std::to_string(i)},
                          {"bsn", test::validBsn(static_cast<int>(i))},
                          {"achternaam", "Multinaam"},
                          {"geboortedatum", "2014-06-15"}}}}
                       .dump() +
                   "\n";
        char name[32];
        std::snprintf(name, sizeof name, "export-%05lld.jsonl", first / 100);
        test::dropFile(inbox, name, out);
    }

    auto stored = [&] {
        auto rows = db.query("SELECT CAST(COUNT(*) AS TEXT) FROM transfers");
        return rows.empty() ? 0LL : std::stoll(rows[0]);
    };
    auto deliveredInStore = [&] {
        auto rows = db.query("SELECT CAST(COUNT(*) AS TEXT) FROM transfers WHERE state = 7");
        return rows.empty() ? 0LL : std::stoll(rows[0]);
    };
    const auto deadline = started + std::chrono::seconds(envNumber("SLUIS_TEST_MULTI_DEADLINE_S", 480));
    auto left = [&] {
        auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        return std::max(d, std::chrono::milliseconds(1));
    };

    // Kill points, on observable progress: the first while the export is being stored, the others
    // at random numbers of deliveries the peer has received.
    std::vector<long long> points;
    std::uniform_int_distribution<long long> ingest_point(1, std::max<long long>(1, n / 2));
    std::uniform_int_distribution<long long> delivery_point(std::max<long long>(1, n / 20),
                                                            std::max<long long>(1, n * 9 / 10));
    for (long long k = 1; k < kills; ++k) points.push_back(delivery_point(rng));
    std::sort(points.begin(), points.end());
    std::vector<SteadyTime> killed_at;
    std::vector<bool> down(kDaemons, false);
    std::uniform_int_distribution<int> pick(0, kDaemons - 1);
    std::bernoulli_distribution restart_now(0.5);
    auto killOne = [&] {
        // Keep at least one daemon running: start one that is down first when needed.
        if (std::count(down.begin(), down.end(), false) <= 1)
            for (int i = 0; i < kDaemons; ++i)
                if (down[i]) {
                    start(i);
                    down[i] = false;
                    break;
                }
        int victim = pick(rng);
        while (down[victim]) victim = (victim + 1) % kDaemons;
        daemons[victim]->kill9();
        killed_at.push_back(std::chrono::steady_clock::now());
        down[victim] = true;
        std::cout << "[ multi-daemon ] kill -9 daemon " << victim << " at " << stored() << " stored, "
                  << peer.deliveries() << " delivered" << std::endl;
        if (restart_now(rng)) {
            start(victim);
            down[victim] = false;
        }
    };
    if (kills > 0) {
        long long at = ingest_point(rng);
        ASSERT_TRUE(test::waitUntil([&] { return stored() >= at; }, left())) << allLogs();
        killOne();
    }
    for (long long at : points) {
        ASSERT_TRUE(test::waitUntil([&] { return static_cast<long long>(peer.deliveries()) >= at; }, left()))
            << "bij " << peer.deliveries() << " van " << at << " leveringen\n"
            << allLogs();
        killOne();
    }
    for (int i = 0; i < kDaemons; ++i)
        if (down[i]) {
            start(i);
            down[i] = false;
        }

    ASSERT_TRUE(test::waitUntil(
        [&] { return static_cast<long long>(peer.deliveries()) >= n && deliveredInStore() >= n; }, left()))
        << peer.deliveries() << " bij de ontvanger, " << deliveredInStore() << " afgeleverd in de opslag, "
        << stored() << " opgeslagen\n"
        << allLogs();
    for (int i = 0; i < kDaemons; ++i) EXPECT_EQ(daemons[i]->terminate(), 0) << allLogs();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::cout << "[ multi-daemon ] " << n << " transfers delivered by " << kDaemons << " daemons with "
              << killed_at.size() << " kills in " << seconds << " s" << std::endl;

    // The store: every transfer delivered, nothing else.
    EXPECT_EQ(stored(), n);
    EXPECT_EQ(deliveredInStore(), n);

    // The peer: every transfer once. A second POST of a delivery id only after a kill between the
    // two (the dead daemon's delivery taken over), and never more of them than kills.
    auto open = store::openPostgresStore({db.dsn(), "", (dir / "sluis.key").string()});
    ASSERT_TRUE(open) << open.error().message;
    store::TransferStore& st = **open;
    std::map<std::string, store::Transfer> by_key;  // delivery id (idempotency key) -> transfer
    for (size_t offset = 0;; offset += 1000) {
        store::ListFilter f;
        f.limit = 1000;
        f.offset = offset;
        auto page = st.list(f);
        ASSERT_TRUE(page) << page.error().message;
        for (auto& t : *page) by_key[t.idempotency_key] = t;
        if (page->size() < 1000) break;
    }
    ASSERT_EQ(static_cast<long long>(by_key.size()), n);
    std::map<std::string, std::string> receipt_of;  // delivery id -> the peer's receipt
    for (const auto& r : peer.received()) {
        EXPECT_TRUE(by_key.count(r.delivery_id)) << "onbekende levering " << r.delivery_id;
        receipt_of[r.delivery_id] = r.receipt;
    }
    EXPECT_EQ(static_cast<long long>(receipt_of.size()), n);
    // What the daemons logged about one transfer (for a failure message).
    auto linesAbout = [&](const std::string& transfer_id) {
        std::string out;
        for (int i = 0; i < kDaemons; ++i) {
            std::istringstream in(test::readFile(logs[i]));
            for (std::string line; std::getline(in, line);)
                if (line.find(transfer_id) != std::string::npos || line.find("engine.instance") != std::string::npos)
                    out += "daemon " + std::to_string(i) + ": " + line + "\n";
        }
        return out;
    };
    std::map<std::string, std::vector<SteadyTime>> posts;
    for (const auto& p : peer.posts()) posts[p.delivery_id].push_back(p.at);
    size_t repeats = 0;
    for (const auto& [id, times] : posts) {
        if (times.size() < 2) continue;
        repeats += times.size() - 1;
        for (size_t i = 1; i < times.size(); ++i) {
            // A legitimate repeat is a takeover: the first POST came from a daemon that was
            // killed (the peer may read a request that was on its way only after the kill: hence
            // the slack), and the second came after that daemon's lease ran out, so well apart.
            // Two daemons sending the same transfer at once (the bug of issue 15) fail both.
            bool killed = std::any_of(killed_at.begin(), killed_at.end(), [&](SteadyTime k) {
                return k > times[i - 1] - kInFlight && k < times[i];
            });
            EXPECT_TRUE(killed && times[i] - times[i - 1] >= kLease / 2)
                << "levering " << id << " twee keer gepost zonder kill ertussen of binnen de lease ("
                << std::chrono::duration_cast<std::chrono::milliseconds>(times[i] - times[i - 1]).count()
                << " ms tussen de POSTs); log:\n"
                << linesAbout(by_key[id].id);
        }
    }
    EXPECT_LE(repeats, killed_at.size());
    std::cout << "[ multi-daemon ] " << peer.posts().size() << " POSTs for " << posts.size()
              << " delivery ids (" << repeats << " repeated POSTs, each a takeover after a kill)" << std::endl;

    // The audit log: one chain, and per transfer exactly one `created` and one `delivered`.
    auto verified = store::verifyAudit(st);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_TRUE(verified->ok) << "audit record " << verified->first_bad_seq << ": " << verified->problem;
    std::map<std::string, int> created, delivered;
    for (long long after = 0;;) {
        auto page = st.auditLog(after, 5000);
        ASSERT_TRUE(page) << page.error().message;
        if (page->empty()) break;
        for (const auto& a : *page) {
            if (a.event.event == "created") ++created[a.event.transfer_id];
            if (a.event.event == "delivered") ++delivered[a.event.transfer_id];
            after = a.seq;
        }
    }
    EXPECT_EQ(static_cast<long long>(delivered.size()), n);
    for (const auto& [key, t] : by_key) {
        EXPECT_EQ(created[t.id], 1) << t.id;
        EXPECT_EQ(delivered[t.id], 1) << t.id;
    }

    // The disclosure register: per pupil exactly the delivery the peer has, with its receipt.
    config::Config cfg;
    long long in_register = 0;
    for (const auto& [key, t] : by_key) {
        auto reg = policy::disclosureRegister(cfg, st, t.subject);
        ASSERT_TRUE(reg) << reg.error().message;
        const auto& items = (*reg)["deliveries"];
        in_register += static_cast<long long>(items.size());
        ASSERT_EQ(items.size(), 1u) << t.subject;
        EXPECT_EQ(items[0]["transfer_id"], t.id);
        EXPECT_EQ(items[0]["receipt"], receipt_of[key]) << t.id;
    }
    EXPECT_EQ(in_register, static_cast<long long>(peer.deliveries()));

    // Every start logged its own instance id, and the work was shared.
    std::set<std::string> instances;
    int delivering_daemons = 0;
    for (int i = 0; i < kDaemons; ++i) {
        std::string log = test::readFile(logs[i]);
        for (size_t at = log.find("\"engine.instance\""); at != std::string::npos;
             at = log.find("\"engine.instance\"", at + 1)) {
            size_t id = log.find("\"instance\":\"", at);
            if (id != std::string::npos) instances.insert(log.substr(id + 12, 14));
        }
        if (countLines(log, "\"engine.delivered\"") > 0) ++delivering_daemons;
    }
    EXPECT_GE(delivering_daemons, 2);
    EXPECT_EQ(instances.size(), kDaemons + killed_at.size() + 0u) << "een instance-id per start";
}

TEST(MultiDaemonSqlite, ASecondDaemonOnOneSqliteFileIsRefused) {
    test::TempDir dir;
    fs::path config = dir / "config";
    test::writeFile(config / "daemon.json",
                    json{{"admin", {{"port", 0}}}, {"key_file", (dir / "sluis.key").string()}}.dump());
    test::writeFile(config / "store.json",
                    json{{"backend", "sqlite"}, {"sqlite", {{"path", (dir / "gedeeld.db").string()}}}}.dump());
    test::writeFile(config / "connectors.json",
                    json{{"sources", {{{"name", "inbox"}, {"type", "directory"}, {"options", {{"path", "inbox"}}}}}},
                         {"sinks", {{{"name", "outbox"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}}}}}
                        .dump());
    test::writeFile(config / "policies.json", json{{"purposes", {{"demo", {{"legal_basis", "test"}}}}}}.dump());
    test::writeFile(config / "routes.json", json{{"routes",
                                                  {{{"name", "demo"},
                                                    {"source", "inbox"},
                                                    {"decoder", "canonical-jsonl"},
                                                    {"purpose", "demo"},
                                                    {"encoder", "canonical-json"},
                                                    {"sink", "outbox"}}}}}
                                                .dump());
    test::Daemon first;
    ASSERT_GT(test::startServe(first, kExe, {"serve", "--config", config.string(), "--data-dir", (dir / "a").string()},
                               dir / "a", dir / "a.log"),
              0);
    // Another data dir (so another sluis.lock), the same database file: refused at once. (The
    // timeout only bounds a failing test; a refusal ends in milliseconds.)
    auto second = test::run("/usr/bin/timeout", {"60", kExe, "serve", "--config", config.string(), "--data-dir",
                                                 (dir / "b").string()});
    EXPECT_NE(second.exit_code, 0);
    EXPECT_NE(second.exit_code, 124) << "de tweede daemon draaide door";
    EXPECT_NE(second.err.find("er draait al een Sluis op database"), std::string::npos) << second.err;
    EXPECT_EQ(first.terminate(), 0);
    // Once the first has stopped, a daemon on the other data dir may use the file.
    test::Daemon again;
    EXPECT_GT(test::startServe(again, kExe, {"serve", "--config", config.string(), "--data-dir", (dir / "b").string()},
                               dir / "b", dir / "b.log"),
              0);
    EXPECT_EQ(again.terminate(), 0);
}

}  // namespace
}  // namespace sluis

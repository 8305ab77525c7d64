// Integration tests: the real `sluis` binary, a real SQLite store, real files and real HTTP.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "core/util/clock.h"
#include "core/util/fs.h"
#include "tests/support/http_client.h"
#include "tests/support/minimal_config.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kExe = sluis::test::sluisExe();

struct HttpResult {
    int status = 0;
    std::string body;
};

HttpResult http(int port, const std::string& method, const std::string& path,
                const std::string& token = "") {
    auto r = test::httpCall(port, method, path, token);
    return {r.status, r.raw};
}


/// One JSONL export with pupils [from, to).
std::string exportFile(int from, int to) {
    std::string out;
    for (int i = from; i < to; ++i) {
        json rec = {{"school", {{"naam", "OBS Het Anker"}, {"brincode", "99ZZ"}}},
                    {"leerling",
                     {{"leerlingid", std::to_string(i)},
                      {"bsn", test::validBsn(i)},
                      {"achternaam", "Achternaam" + std::to_string(i)},
                      {"geboortedatum", "2014-06-15"}}}};
        out += rec.dump() + "\n";
    }
    return out;
}

class DaemonTest : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        test::writeMinimalConfig(
            config_,
            json{{"admin", {{"port", 0}}},
                 {"worker", {{"poll_interval", "50ms"}, {"backoff_initial", "100ms"}}}},
            {{"path", "inbox"}, {"settle_time", "0ms"}, {"keep_processed_days", 30}});
    }

    std::vector<std::string> serveArgs() {
        return {"serve", "--config", config_.string(), "--data-dir", data_.string()};
    }

    /// Starts the daemon and waits for its admin port.
    int start(test::Daemon& d) {
        fs::remove(data_ / "admin.port");
        d.start(kExe, serveArgs(), (dir_ / "serve.log").string());
        if (test::waitUntil([&] { return fs::exists(data_ / "admin.port"); }))
            return std::stoi(test::readFile(data_ / "admin.port"));
        ADD_FAILURE() << "daemon did not start; log:\n" << test::readFile(dir_ / "serve.log");
        return 0;
    }

    /// Drops a file into the inbox the way a well-behaved exporter does: write, then rename.
    void drop(const std::string& name, const std::string& content) {
        fs::create_directories(data_ / "inbox");
        test::writeFile(data_ / ("." + name + ".tmp"), content);
        fs::rename(data_ / ("." + name + ".tmp"), data_ / "inbox" / name);
    }

    std::string token(const std::string& role) {
        auto r = test::run(kExe, {"token", "create", "--name", "t-" + role, "--role", role,
                                  "--config", config_.string(), "--data-dir", data_.string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.out.substr(0, r.out.find('\n'));
    }

    std::vector<fs::path> outboxFiles() {
        std::vector<fs::path> out;
        if (!fs::exists(data_ / "outbox")) return out;
        for (auto& e : fs::directory_iterator(data_ / "outbox"))
            if (e.is_regular_file()) out.push_back(e.path());
        return out;
    }

    test::TempDir dir_;
    fs::path config_, data_;
};

TEST_F(DaemonTest, ExportIsDeliveredAndVisibleThroughTheApi) {
    std::string admin = token("beheerder");
    std::string mentor = token("mentor");
    std::string directeur = token("directeur");
    test::Daemon d;
    int port = start(d);
    ASSERT_GT(port, 0);
    drop("export.jsonl", exportFile(1, 11));
    test::waitUntil([&] { return outboxFiles().size() >= 10; });
    ASSERT_EQ(outboxFiles().size(), 10u);

    EXPECT_EQ(http(port, "GET", "/health").status, 200);
    EXPECT_EQ(http(port, "GET", "/api/v1/transfers").status, 401);
    EXPECT_EQ(http(port, "GET", "/api/v1/transfers", "sluis_wrong").status, 401);
    auto list = http(port, "GET", "/api/v1/transfers?state=delivered&limit=100", admin);
    ASSERT_EQ(list.status, 200) << list.body;
    auto transfers = json::parse(list.body)["transfers"];
    ASSERT_EQ(transfers.size(), 10u);
    std::string id = transfers[0]["id"];
    EXPECT_FALSE(transfers[0].contains("payload"));

    auto detail = http(port, "GET", "/api/v1/transfers/" + id, mentor);
    ASSERT_EQ(detail.status, 200);
    auto j = json::parse(detail.body);
    EXPECT_EQ(j["history"].size(), 5u);
    EXPECT_FALSE(j.contains("payload"));
    EXPECT_EQ(detail.body.find("Achternaam"), std::string::npos);  // metadata only

    EXPECT_EQ(http(port, "GET", "/api/v1/transfers/" + id + "?include=payload", mentor).status, 403);
    EXPECT_EQ(http(port, "GET", "/api/v1/transfers/" + id + "?include=payload", admin).status, 403);
    auto withPayload = http(port, "GET", "/api/v1/transfers/" + id + "?include=payload", directeur);
    ASSERT_EQ(withPayload.status, 200);
    EXPECT_NE(json::parse(withPayload.body)["payload"].get<std::string>().find("Achternaam"),
              std::string::npos);
    EXPECT_EQ(http(port, "GET", "/api/v1/transfers/tr_nope", admin).status, 404);
    EXPECT_EQ(http(port, "POST", "/api/v1/transfers/" + id + "/requeue", mentor).status, 403);
    EXPECT_EQ(http(port, "GET", "/api/v1/transfers?state=bogus", admin).status, 400);

    auto metrics = http(port, "GET", "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("sluis_transfers{state=\"delivered\"} 10"), std::string::npos);
    EXPECT_NE(metrics.body.find("sluis_delivery_latency_seconds_count 10"), std::string::npos);

    EXPECT_EQ(d.terminate(), 0);
    // Logs carry ids, never the personal values of the export.
    std::string log = test::readFile(dir_ / "serve.log");
    EXPECT_NE(log.find("engine.delivered"), std::string::npos);
    EXPECT_EQ(log.find("Achternaam"), std::string::npos);
    EXPECT_EQ(log.find(test::validBsn(1)), std::string::npos);
    for (const auto& line : std::vector<std::string>{log.substr(0, log.find('\n'))})
        EXPECT_NO_THROW(json::parse(line));
}

// An OSO dossier that breaks the standard is refused when it is rendered: the transfer is
// rejected (terminal, never retried, not a dead letter at delivery) and the reason, naming the
// field path, shows in the transfer detail and the preview. The other pupils go out.
TEST_F(DaemonTest, OsoDossierThatBreaksTheStandardIsRefusedAtRenderWithItsReason) {
    // Two pupils of a generated Magister-style export, imported as the README demo does.
    auto gen = test::run(kExe, {"demo", "generate-magister", (dir_ / "export").string(), "--pupils",
                                "2", "--seed", "3"});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    std::vector<std::string> args = {"mapping", "import", "magister"};
    for (const char* f : {"leerlingen.csv", "ouders.csv", "cijfers.csv", "overstap.csv",
                          "schoolloopbaan.csv"})
        args.push_back((dir_ / "export" / f).string());
    args.insert(args.end(), {"--school-json", (dir_ / "export" / "school.json").string(), "--out",
                             (dir_ / "pupils.jsonl").string()});
    auto imp = test::run(kExe, args);
    ASSERT_EQ(imp.exit_code, 0) << imp.err;
    std::istringstream in(test::readFile(dir_ / "pupils.jsonl"));
    std::string line, jsonl;
    for (int i = 0; std::getline(in, line); ++i) {
        json rec = json::parse(line);
        ASSERT_TRUE(rec.contains("inzage")) << "the export carries the parents' inzage";
        // The second pupil comes from a source that kept a double advice as two codes.
        if (i == 1) rec["overstapadvies"]["advies"] = json::array({"60", "70"});
        jsonl += rec.dump() + "\n";
    }
    test::writeFile(config_ / "policies.json",
                    json{{"purposes", {{"povo", {{"legal_basis", "test"},
                                                 {"basis", "inzage"},
                                                 {"categories", "all"},
                                                 {"identifiers", true}}}}}}
                        .dump());
    test::writeFile(config_ / "routes.json",
                    json{{"routes", {{{"name", "povo"}, {"source", "inbox"},
                                      {"decoder", "canonical-jsonl"}, {"purpose", "povo"},
                                      {"profile", "POVO"}, {"encoder", "oso-2019.1"},
                                      {"sink", "outbox"}}}}}
                        .dump());
    std::string admin = token("beheerder"), directeur = token("directeur"), mentor = token("mentor");
    test::Daemon d;
    int port = start(d);
    ASSERT_GT(port, 0);
    drop("export.jsonl", jsonl);
    // The dossier carries the parents' inzage as registered in Sluis: render waits for it.
    for (const char* pupil : {"10001", "10002"}) {
        ASSERT_TRUE(test::waitUntil([&] {
            auto r = json::parse(http(port, "GET", std::string("/api/v1/transfers?subject=") + pupil, admin).body,
                                 nullptr, false);
            return r.is_object() && !r["transfers"].empty() &&
                   r["transfers"][0]["state"] == "awaiting_consent";
        })) << test::readFile(dir_ / "serve.log");
        auto reg = test::httpCall(port, "POST", "/api/v1/inzage", mentor,
                                  {{"pupil", pupil}, {"purpose", "povo"},
                                   {"inzagedatum", "2026-03-25"}, {"akkoord", "Ja"}});
        ASSERT_EQ(reg.status, 201) << reg.raw;
    }

    json refused;
    ASSERT_TRUE(test::waitUntil([&] {
        auto r = json::parse(http(port, "GET", "/api/v1/transfers?subject=10002", admin).body, nullptr, false);
        if (!r.is_object() || r["transfers"].empty() || r["transfers"][0]["state"] != "rejected")
            return false;
        refused = r["transfers"][0];
        return true;
    })) << test::readFile(dir_ / "serve.log");
    ASSERT_TRUE(test::waitUntil([&] { return outboxFiles().size() == 1; }));
    std::string err = refused["last_error"];
    EXPECT_NE(err.find("geweigerd bij het omzetten"), std::string::npos) << err;
    EXPECT_NE(err.find("overstapadvies.advies"), std::string::npos) << err;
    EXPECT_TRUE(refused["payload_hash"].get<std::string>().empty());
    std::string id = refused["id"];
    auto detail = json::parse(http(port, "GET", "/api/v1/transfers/" + id, admin).body);
    ASSERT_FALSE(detail["history"].empty());
    EXPECT_EQ(detail["history"].back()["to"], "rejected");
    EXPECT_EQ(detail["history"].back()["from"], "received");
    auto preview = http(port, "GET", "/api/v1/transfers/" + id + "/preview", directeur);
    EXPECT_EQ(preview.status, 409);
    EXPECT_NE(preview.body.find("overstapadvies.advies"), std::string::npos) << preview.body;
    // Nothing is dead-lettered and the refusal is not retried.
    auto dead = json::parse(http(port, "GET", "/api/v1/transfers?state=dead_lettered", admin).body);
    EXPECT_TRUE(dead["transfers"].empty());
    auto again = json::parse(http(port, "GET", "/api/v1/transfers/" + id, admin).body);
    EXPECT_EQ(again["attempts"], 0);
    EXPECT_EQ(again["history"].size(), detail["history"].size());
    EXPECT_EQ(d.terminate(), 0);
    std::string log = test::readFile(dir_ / "serve.log");
    EXPECT_NE(log.find("engine.render_refused"), std::string::npos);
    // The delivered pupil is a POVO dossier that Sluis's validator accepts.
    auto files = outboxFiles();
    ASSERT_EQ(files.size(), 1u);
    auto v = test::run(kExe, {"oso", "validate", files[0].string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
}

// kill -9 at random moments, restart, repeat: nothing is lost and nothing is delivered twice.
TEST_F(DaemonTest, SurvivesKillNineAtRandomMoments) {
    const int kFiles = 6, kPerFile = 40;
    // The seed is printed first, so a failure can be rerun exactly: SLUIS_TEST_KILL_SEED=<seed>.
    const char* env_seed = std::getenv("SLUIS_TEST_KILL_SEED");
    const unsigned long long seed =
        env_seed != nullptr ? std::stoull(env_seed) : static_cast<unsigned long long>(std::random_device{}());
    std::cout << "[ kill -9 ] SLUIS_TEST_KILL_SEED=" << seed << std::endl;
    std::mt19937 rng(static_cast<std::mt19937::result_type>(seed));
    std::uniform_int_distribution<int> pause(0, 250);
    int dropped = 0;
    for (int round = 0; round < 12; ++round) {
        test::Daemon d;
        d.start(kExe, serveArgs(), (dir_ / "serve.log").string());
        if (dropped < kFiles && round % 2 == 0) {
            drop("export-" + std::to_string(dropped) + ".jsonl",
                 exportFile(dropped * kPerFile, (dropped + 1) * kPerFile));
            ++dropped;
        }
        // A random moment to kill at (the fault injected), not a wait for the daemon.
        std::this_thread::sleep_for(std::chrono::milliseconds(pause(rng)));
        d.kill9();
    }
    while (dropped < kFiles) {
        drop("export-" + std::to_string(dropped) + ".jsonl",
             exportFile(dropped * kPerFile, (dropped + 1) * kPerFile));
        ++dropped;
    }
    std::string admin = token("beheerder");
    test::Daemon d;
    int port = start(d);
    ASSERT_GT(port, 0);
    const size_t total = kFiles * kPerFile;
    test::waitUntil([&] { return outboxFiles().size() >= total; });
    ASSERT_TRUE(test::waitForPasses(port, 3));  // anything extra would show up now

    // Every pupil delivered exactly once, as a complete file.
    std::set<std::string> pupils;
    for (const auto& f : outboxFiles()) {
        std::string name = f.filename().string();
        ASSERT_FALSE(name.starts_with(".")) << "temp file left visible: " << name;
        json j = json::parse(test::readFile(f));  // throws on a half-written file
        EXPECT_TRUE(pupils.insert(j["leerling"]["leerlingid"].get<std::string>()).second)
            << "delivered twice: " << j["leerling"]["leerlingid"];
    }
    EXPECT_EQ(pupils.size(), total);
    EXPECT_EQ(outboxFiles().size(), total);

    auto list = http(port, "GET", "/api/v1/transfers?limit=1000", admin);
    ASSERT_EQ(list.status, 200);
    auto transfers = json::parse(list.body)["transfers"];
    EXPECT_EQ(transfers.size(), total);
    for (const auto& t : transfers) {
        EXPECT_EQ(t["state"], "delivered");
        auto detail = json::parse(http(port, "GET", "/api/v1/transfers/" + t["id"].get<std::string>(), admin).body);
        int delivered = 0;
        for (const auto& h : detail["history"]) delivered += h["to"] == "delivered";
        EXPECT_EQ(delivered, 1);
    }
    // Every export file was acknowledged exactly once.
    size_t processed = 0;
    for (auto& e : fs::directory_iterator(data_ / "inbox/processed")) processed += e.is_regular_file();
    EXPECT_EQ(processed, static_cast<size_t>(kFiles));
    EXPECT_EQ(d.terminate(), 0);
}

/// Issue 14, M4, through the real daemon: a symlinked outbox is refused (retryably, naming the
/// path) and nothing reaches what it points at; a symlink planted at a transfer's final name
/// (pointing at the daemon's own key file) is a permanent rejection, and the key stays untouched.
TEST_F(DaemonTest, PlantedSymlinksInTheOutboxAreNeverWrittenThrough) {
    // Retries only when requeued, so the test decides when the next attempt happens.
    test::writeFile(config_ / "daemon.json",
                    json{{"admin", {{"port", 0}}},
                         {"worker", {{"poll_interval", "50ms"}, {"backoff_initial", "1h"}}}}
                        .dump());
    std::string admin = token("beheerder");  // also creates the data dir and sluis.key
    const std::string key_before = test::readFile(data_ / "sluis.key");
    fs::create_directories(dir_ / "elsewhere");
    fs::create_directory_symlink(dir_ / "elsewhere", data_ / "outbox");
    test::Daemon d;
    int port = start(d);
    ASSERT_GT(port, 0);
    drop("export.jsonl", exportFile(1, 3));
    json failed;
    ASSERT_TRUE(test::waitUntil([&] {
        auto r = http(port, "GET", "/api/v1/transfers?state=failed", admin);
        if (r.status != 200) return false;
        failed = json::parse(r.body)["transfers"];
        return failed.size() == 2;
    }));
    EXPECT_TRUE(fs::is_empty(dir_ / "elsewhere"));
    for (const auto& t : failed) {
        std::string err = t["last_error"];
        EXPECT_NE(err.find("symbolische link"), std::string::npos) << err;
        EXPECT_NE(err.find((data_ / "outbox").string()), std::string::npos) << err;
    }
    // The outbox is a real folder again, but someone planted the first transfer's file name as a
    // link to the key file.
    fs::remove(data_ / "outbox");
    fs::create_directories(data_ / "outbox");
    std::string victim_id = failed[0]["id"], other_id = failed[1]["id"];
    fs::create_symlink(data_ / "sluis.key", data_ / "outbox" / (victim_id + ".json"));
    // And the temp name the daemon used to write the other one through (`.<name>.tmp-<pid>`),
    // pointing at another file it may write.
    test::writeFile(dir_ / "victim.txt", "ONAANGETAST");
    std::set<std::string> planted;
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string pid = e.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream cmd(e.path() / "cmdline");
        std::string line((std::istreambuf_iterator<char>(cmd)), std::istreambuf_iterator<char>());
        if (line.find(std::string("serve") + '\0') == std::string::npos || line.find(data_.string()) == std::string::npos)
            continue;
        std::string name = "." + other_id + ".json.tmp-" + pid;
        fs::create_symlink(dir_ / "victim.txt", data_ / "outbox" / name);
        planted.insert(name);
    }
    ASSERT_FALSE(planted.empty()) << "daemon process not found";
    for (const auto& id : {victim_id, other_id})
        ASSERT_EQ(http(port, "POST", "/api/v1/transfers/" + id + "/requeue", admin).status, 200);
    auto stateOf = [&](const std::string& id) {
        auto r = http(port, "GET", "/api/v1/transfers/" + id, admin);
        return r.status == 200 ? json::parse(r.body)["state"].get<std::string>() : std::string();
    };
    ASSERT_TRUE(test::waitUntil([&] { return stateOf(victim_id) == "dead_lettered" && stateOf(other_id) == "delivered"; }))
        << stateOf(victim_id) << " / " << stateOf(other_id);
    EXPECT_EQ(test::readFile(data_ / "sluis.key"), key_before);
    EXPECT_EQ(test::readFile(dir_ / "victim.txt"), "ONAANGETAST");
    EXPECT_TRUE(fs::is_symlink(data_ / "outbox" / (victim_id + ".json")));
    EXPECT_NE(test::readFile(data_ / "outbox" / (other_id + ".json")).find("leerlingid"), std::string::npos);
    auto detail = json::parse(http(port, "GET", "/api/v1/transfers/" + victim_id, admin).body);
    EXPECT_NE(detail["last_error"].get<std::string>().find("symbolische link"), std::string::npos) << detail.dump();
    // Nothing but the delivered file and the planted links: no temp file of ours left behind.
    size_t entries = 0;
    for (auto& e : fs::directory_iterator(data_ / "outbox")) {
        std::string n = e.path().filename().string();
        if (planted.count(n)) continue;
        ++entries;
        EXPECT_FALSE(n.starts_with(".")) << e.path();
    }
    EXPECT_EQ(entries, 2u);
    EXPECT_EQ(d.terminate(), 0);
    std::string log = test::readFile(dir_ / "serve.log");
    EXPECT_NE(log.find("sink.outbox_refused"), std::string::npos);
    EXPECT_NE(log.find("sink.target_refused"), std::string::npos);
}

/// Issue 14, M4 and M5, through the real daemon and binary: symlinks and a FIFO in the inbox are
/// parked unopened while the regular export is stored; the stored export is not kept; and
/// `sluis purge --dry-run` lists every transfer never delivered (with state and age) and every
/// file past its retention, changing nothing, after which `sluis purge` removes them and audits it.
TEST_F(DaemonTest, InboxRefusesLinksAndPurgeCoversUndeliveredTransfersAndParkedFiles) {
    setenv("SLUIS_ENABLE_TEST_CLOCK", "1", 1);
    test::writeFile(config_ / "daemon.json",
                    json{{"admin", {{"port", 0}}},
                         {"worker", {{"poll_interval", "50ms"}, {"backoff_initial", "1h"}}}}
                        .dump());
    test::writeFile(config_ / "policies.json",
                    json{{"purposes", {{"demo", {{"legal_basis", "test"}, {"retention", "30d"}}}}}}.dump());
    test::writeFile(config_ / "connectors.json",
                    json{{"sources", {{{"name", "inbox"}, {"type", "directory"},
                                       {"options", {{"path", "inbox"}, {"settle_time", "0ms"}, {"suffix", ".jsonl"},
                                                    {"keep_failed_days", 14}}}}}},
                         {"sinks", {{{"name", "outbox"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}}}}}
                        .dump());
    std::string admin = token("beheerder");
    const std::string key_before = test::readFile(data_ / "sluis.key");
    // The outbox is a symlink: deliveries fail (retryably) and the transfers are never delivered.
    fs::create_directories(dir_ / "elsewhere");
    fs::create_directory_symlink(dir_ / "elsewhere", data_ / "outbox");
    fs::create_directories(data_ / "inbox");
    fs::create_symlink(data_ / "sluis.key", data_ / "inbox/sleutel.jsonl");
    ASSERT_EQ(::mkfifo((data_ / "inbox/pijp.jsonl").c_str(), 0600), 0);
    test::Daemon d;
    int port = start(d);
    ASSERT_GT(port, 0);
    drop("export.jsonl", exportFile(1, 3));
    drop("kapot.jsonl", "{dit is geen json\n");
    ASSERT_TRUE(test::waitUntil([&] {
        auto r = http(port, "GET", "/api/v1/transfers?state=failed", admin);
        return r.status == 200 && json::parse(r.body)["transfers"].size() == 2 &&
               fs::exists(data_ / "inbox/failed/kapot.jsonl.reden.txt") && !fs::exists(data_ / "inbox/export.jsonl");
    }));
    // The FIFO did not block the daemon (it got this far); links and FIFO are parked, not read.
    for (const char* n : {"sleutel.jsonl", "pijp.jsonl"}) {
        EXPECT_FALSE(fs::exists(fs::symlink_status(data_ / "inbox" / n))) << n;
        EXPECT_TRUE(fs::exists(fs::symlink_status(data_ / "inbox/failed" / n))) << n;
        EXPECT_NE(test::readFile(data_ / "inbox/failed" / (std::string(n) + ".reden.txt")).find("geen gewoon bestand"),
                  std::string::npos);
    }
    EXPECT_TRUE(fs::is_symlink(data_ / "inbox/failed/sleutel.jsonl"));
    EXPECT_EQ(test::readFile(data_ / "sluis.key"), key_before);
    // The stored export is deleted (default keep_processed_days 0): no clear copy stays behind.
    EXPECT_TRUE(fs::is_empty(data_ / "inbox/processed"));
    EXPECT_EQ(d.terminate(), 0);
    std::string log = test::readFile(dir_ / "serve.log");
    EXPECT_NE(log.find("source.file_refused"), std::string::npos);
    EXPECT_EQ(log.find("SECRET"), std::string::npos);

    auto purge = [&](const std::string& at, bool dry) {
        test::writeFile(dir_ / "clock", at + "\n");
        std::vector<std::string> args = {"purge", "--config", config_.string(), "--data-dir", data_.string(),
                                         "--test-clock", (dir_ / "clock").string()};
        if (dry) args.push_back("--dry-run");
        return test::run(kExe, args);
    };
    auto plusDays = [](int days) {
        return formatIso(SystemClock().now() + std::chrono::days(days));
    };
    // After 10 days: nothing is due yet.
    auto r = purge(plusDays(10), true);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("0 overdracht(en) en 0 bestand(en) komen in aanmerking"), std::string::npos) << r.out;
    // After 15 days: the parked files (14 days), not yet the transfers (30 days).
    r = purge(plusDays(15), true);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* n : {"kapot.jsonl", "kapot.jsonl.reden.txt", "sleutel.jsonl", "pijp.jsonl"})
        EXPECT_NE(r.out.find((data_ / "inbox/failed" / n).string() + " (bron inbox, failed"), std::string::npos)
            << n << "\n" << r.out;
    EXPECT_NE(r.out.find("0 overdracht(en) en 6 bestand(en) komen in aanmerking"), std::string::npos) << r.out;
    // After 31 days: both transfers, never delivered, with their state and age.
    r = purge(plusDays(31), true);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string listing = r.out;
    size_t lines = 0;
    for (size_t p = 0; (p = listing.find("zou verwijderen: overdracht ", p)) != std::string::npos; ++p) ++lines;
    EXPECT_EQ(lines, 2u) << listing;
    EXPECT_NE(listing.find("toestand failed, doel demo, nooit afgeleverd, aangemaakt 31 dagen geleden"), std::string::npos) << listing;
    EXPECT_NE(listing.find("2 overdracht(en) en 6 bestand(en) komen in aanmerking; er is niets veranderd"),
              std::string::npos)
        << listing;
    // The dry run changed nothing.
    EXPECT_TRUE(fs::exists(data_ / "inbox/failed/kapot.jsonl"));
    EXPECT_EQ(purge(plusDays(31), true).out, listing);

    r = purge(plusDays(31), false);
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(r.out.find("2 overdracht(en) en 6 bestand(en) opgeschoond"), std::string::npos) << r.out;
    EXPECT_TRUE(fs::is_empty(data_ / "inbox/failed"));
    EXPECT_EQ(test::readFile(data_ / "sluis.key"), key_before);  // the parked link went, not its target
    EXPECT_NE(purge(plusDays(31), true).out.find("0 overdracht(en) en 0 bestand(en)"), std::string::npos);
    auto v = test::run(kExe, {"audit", "verify", "--config", config_.string(), "--data-dir", data_.string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;

    // The daemon sees them withdrawn and purged, and cannot requeue them.
    test::Daemon again;
    port = start(again);
    ASSERT_GT(port, 0);
    auto list = json::parse(http(port, "GET", "/api/v1/transfers?state=withdrawn", admin).body)["transfers"];
    ASSERT_EQ(list.size(), 2u);
    for (const auto& t : list) {
        EXPECT_TRUE(t["payload_purged"].get<bool>());
        EXPECT_NE(http(port, "POST", "/api/v1/transfers/" + t["id"].get<std::string>() + "/requeue", admin).status,
                  200);
    }
    auto audit = http(port, "GET", "/api/v1/audit?limit=1000", admin);
    EXPECT_NE(audit.body.find("retention_expired"), std::string::npos);
    EXPECT_NE(audit.body.find("file_purged"), std::string::npos);
    EXPECT_NE(audit.body.find("purge_run"), std::string::npos);
    EXPECT_EQ(again.terminate(), 0);
}

/// Permission bits of `p` (not following a symlink).
unsigned modeOf(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return 01000;  // cannot be a valid mode
    return st.st_mode & 07777;
}

TEST_F(DaemonTest, DataDirAndStoreFilesAreOwnerOnlyWhateverTheUmask) {
    // Started the way a careless service unit would: umask 022.
    mode_t old = ::umask(022);
    std::string admin = token("beheerder");
    test::Daemon d;
    int port = start(d);
    ::umask(old);
    ASSERT_GT(port, 0);
    drop("export.jsonl", exportFile(1, 3));
    ASSERT_TRUE(test::waitUntil([&] { return outboxFiles().size() >= 2; }));
    EXPECT_EQ(modeOf(data_), 0700u);
    for (const char* f : {"sluis.db", "sluis.db-wal", "sluis.db-shm", "sluis.key", "sluis.lock"}) {
        ASSERT_TRUE(fs::exists(data_ / f)) << f;
        EXPECT_EQ(modeOf(data_ / f), 0600u) << f;
    }
    ASSERT_EQ(d.terminate(), 0);

    // A restore or a copy left them open: the daemon narrows them at start and says so.
    ASSERT_EQ(::chmod(data_.c_str(), 0755), 0);
    ASSERT_EQ(::chmod((data_ / "sluis.db").c_str(), 0644), 0);
    ASSERT_EQ(::chmod((data_ / "sluis.key").c_str(), 0640), 0);
    test::Daemon again;
    ASSERT_GT(start(again), 0);
    EXPECT_EQ(modeOf(data_), 0700u);
    EXPECT_EQ(modeOf(data_ / "sluis.db"), 0600u);
    EXPECT_EQ(modeOf(data_ / "sluis.key"), 0600u);
    std::string log = test::readFile(dir_ / "serve.log");
    EXPECT_NE(log.find("daemon.permissions_repaired"), std::string::npos) << log;
    EXPECT_NE(log.find("0644"), std::string::npos) << log;
    EXPECT_NE(log.find("sluis.db"), std::string::npos) << log;
}

TEST_F(DaemonTest, TokensCanBeListedRevokedAndExpire) {
    auto tokenCli = [&](std::vector<std::string> args) {
        args.insert(args.begin(), "token");
        args.insert(args.end(), {"--config", config_.string(), "--data-dir", data_.string()});
        return test::run(kExe, args);
    };
    auto create = [&](const std::string& name, const std::string& expires) {
        std::vector<std::string> args = {"create", "--name", name, "--role", "beheerder"};
        if (!expires.empty()) args.insert(args.end(), {"--expires", expires});
        auto r = tokenCli(args);
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.out.substr(0, r.out.find('\n'));
    };
    std::string standard = create("standaard", "");
    std::string month = create("maand", "30d");
    std::string revoked = create("weg", "nooit");

    auto bad = tokenCli({"create", "--name", "x", "--role", "beheerder", "--expires", "gisteren"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--expires"), std::string::npos) << bad.err;
    bad = tokenCli({"create", "--name", "x", "--role", "beheerder", "--expires", "2001-01-01"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("niet in de toekomst"), std::string::npos) << bad.err;

    // The list names every token with its expiry, never the token or its hash.
    auto list = tokenCli({"list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    for (const auto& t : {standard, month, revoked}) {
        EXPECT_EQ(list.out.find(t), std::string::npos) << "token value in the list";
        EXPECT_EQ(list.out.find(util::sha256Hex(t)), std::string::npos) << "token hash in the list";
    }
    for (const char* name : {"standaard", "maand", "weg"})
        EXPECT_NE(list.out.find(name), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("nooit"), std::string::npos) << list.out;
    auto idOf = [&](const std::string& name) {
        std::istringstream lines(list.out);
        for (std::string line; std::getline(lines, line);)
            if (line.find("\t" + name + "\t") != std::string::npos) return line.substr(0, line.find('\t'));
        ADD_FAILURE() << name << " not listed:\n" << list.out;
        return std::string();
    };

    // The daemon runs on a clock the test moves: a day from now.
    const Timestamp now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    fs::path clock = dir_ / "clock";
    test::setClockFile(clock, formatIso(now + 24h));
    setenv("SLUIS_ENABLE_TEST_CLOCK", "1", 1);
    test::Daemon d;
    fs::remove(data_ / "admin.port");
    auto args = serveArgs();
    args.insert(args.end(), {"--test-clock", clock.string()});
    int port = test::startServe(d, kExe, args, data_, dir_ / "serve.log");
    ASSERT_GT(port, 0);
    for (const auto& t : {standard, month, revoked})
        EXPECT_EQ(http(port, "GET", "/api/v1/transfers", t).status, 200);

    // Revoked while the daemon runs: refused from the next request on, and audited.
    auto r = tokenCli({"revoke", idOf("weg")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto refused = http(port, "GET", "/api/v1/transfers", revoked);
    EXPECT_EQ(refused.status, 401);
    EXPECT_NE(refused.body.find("ingetrokken"), std::string::npos) << refused.body;
    r = tokenCli({"revoke", idOf("weg")});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("al ingetrokken"), std::string::npos) << r.err;
    r = tokenCli({"revoke", "tok_bestaatniet"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("bestaat niet"), std::string::npos) << r.err;
    auto audit = http(port, "GET", "/api/v1/audit?limit=1000", standard);
    ASSERT_EQ(audit.status, 200);
    EXPECT_NE(audit.body.find("token_revoked"), std::string::npos);
    EXPECT_NE(audit.body.find(idOf("weg")), std::string::npos);

    // Forty days on, the 30-day token has expired; the default one (365 days) still works.
    test::setClockFile(clock, formatIso(now + 40 * 24h));
    ASSERT_TRUE(test::waitUntil([&] { return http(port, "GET", "/api/v1/transfers", month).status == 401; }));
    auto expired = http(port, "GET", "/api/v1/transfers", month);
    EXPECT_NE(expired.body.find("verlopen"), std::string::npos) << expired.body;
    EXPECT_EQ(http(port, "GET", "/api/v1/transfers", standard).status, 200);
    // A year and a day on, the default one has expired too.
    test::setClockFile(clock, formatIso(now + 367 * 24h));
    ASSERT_TRUE(test::waitUntil([&] { return http(port, "GET", "/api/v1/transfers", standard).status == 401; }));

    list = tokenCli({"list"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    EXPECT_NE(list.out.find("ingetrokken"), std::string::npos) << list.out;
    ASSERT_EQ(d.terminate(), 0);
}

TEST_F(DaemonTest, AuditCheckpointsRevealACutShortLogEvenWhenTheFileBesideItIsGone) {
    test::Daemon d;
    ASSERT_GT(start(d), 0);
    drop("export.jsonl", exportFile(1, 4));
    ASSERT_TRUE(test::waitUntil([&] { return outboxFiles().size() >= 3; }));
    ASSERT_EQ(d.terminate(), 0);
    auto cli = [&](std::vector<std::string> args) {
        args.insert(args.end(), {"--config", config_.string(), "--data-dir", data_.string()});
        return test::run(kExe, args);
    };
    auto pub = cli({"audit", "public-key"});
    ASSERT_EQ(pub.exit_code, 0) << pub.err;
    const std::string key = pub.out.substr(0, pub.out.find('\n'));
    ASSERT_EQ(key.size(), 64u);
    auto cp = cli({"audit", "checkpoint"});
    ASSERT_EQ(cp.exit_code, 0) << cp.err;
    json line = json::parse(cp.out);
    const long long head = line["seq"];
    ASSERT_GT(head, 3);
    EXPECT_EQ(line["public_key"], key);
    // The FG keeps the line elsewhere.
    test::writeFile(dir_ / "fg-checkpoints.jsonl", cp.out);
    auto ok = cli({"audit", "verify"});
    EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
    // The daemon made one at its start, the command one more.
    EXPECT_NE(ok.out.find("2 checkpoint(s) kloppen (laatste bij record " + std::to_string(head) + ")"),
              std::string::npos)
        << ok.out;

    // The newest two records are deleted behind Sluis's back: the chain itself still links up ...
    auto del = test::run("/usr/bin/sqlite3", {(data_ / "sluis.db").string(),
                                              "DELETE FROM audit WHERE seq > " + std::to_string(head - 2)});
    ASSERT_EQ(del.exit_code, 0) << del.err;
    auto cut = cli({"audit", "verify"});
    EXPECT_EQ(cut.exit_code, 1) << cut.out;
    EXPECT_NE(cut.out.find("records " + std::to_string(head - 1) + ".." + std::to_string(head) + " ontbreken"),
              std::string::npos)
        << cut.out;
    EXPECT_NE(cut.out.find("ingekort"), std::string::npos) << cut.out;
    // ... and whoever did that also removes the checkpoint file: the FG's copy still tells.
    fs::remove(data_ / "audit-checkpoints.jsonl");
    auto blind = cli({"audit", "verify"});
    EXPECT_EQ(blind.exit_code, 0) << blind.out;
    EXPECT_NE(blind.out.find("geen checkpoints"), std::string::npos) << blind.out;
    auto fg = cli({"audit", "verify", "--checkpoints", (dir_ / "fg-checkpoints.jsonl").string(), "--public-key", key});
    EXPECT_EQ(fg.exit_code, 1) << fg.out;
    EXPECT_NE(fg.out.find("ontbreken"), std::string::npos) << fg.out;
    // A checkpoint file that is not one is named with its line.
    test::writeFile(dir_ / "kapot.jsonl", cp.out + "{kapot\n");
    auto broken = cli({"audit", "verify", "--checkpoints", (dir_ / "kapot.jsonl").string()});
    EXPECT_NE(broken.exit_code, 0);
    EXPECT_NE(broken.err.find("kapot.jsonl:2"), std::string::npos) << broken.err;
}

namespace {

/// The commands `sluis --help` lists, or the sub-commands `sluis <command> --help` lists: the
/// second word of every line "  sluis <command> <sub>  ..." / the first of "  <command>  ...".
std::vector<std::string> listed(const std::string& usage, const std::string& command) {
    std::vector<std::string> out;
    std::istringstream in(usage);
    bool in_list = false;
    for (std::string line; std::getline(in, line);) {
        if (line == "opdrachten:") {
            in_list = true;
            continue;
        }
        if (!in_list) continue;
        if (line.empty()) break;
        std::istringstream words(line);
        std::string first, second, third;
        words >> first >> second >> third;
        out.push_back(command.empty() ? first : third);
    }
    return out;
}

}  // namespace

TEST_F(DaemonTest, EveryCommandAndSubCommandPrintsItsOwnUsageForHelpAndH) {
    auto top = test::run(kExe, {"--help"});
    ASSERT_EQ(top.exit_code, 0) << top.err;
    const auto commands = listed(top.out, "");
    ASSERT_GE(commands.size(), 20u) << top.out;
    size_t leaves = 0;
    for (const auto& cmd : commands) {
        for (const char* flag : {"--help", "-h"}) {
            auto r = test::run(kExe, {cmd, flag});
            EXPECT_EQ(r.exit_code, 0) << cmd << " " << flag << ": " << r.err;
            EXPECT_TRUE(r.out.starts_with("gebruik: sluis " + cmd)) << cmd << " " << flag << ": " << r.out;
            EXPECT_NE(r.out.find("--help"), std::string::npos) << r.out;
        }
        const auto subs = listed(test::run(kExe, {cmd, "--help"}).out, cmd);
        std::vector<std::vector<std::string>> leaf_paths;
        if (subs.empty()) leaf_paths.push_back({cmd});
        for (const auto& sub : subs) leaf_paths.push_back({cmd, sub});
        for (const auto& path : leaf_paths) {
            std::string name = path.size() == 1 ? path[0] : path[0] + " " + path[1];
            for (const char* flag : {"--help", "-h"}) {
                auto args = path;
                args.push_back(flag);
                auto r = test::run(kExe, args);
                EXPECT_EQ(r.exit_code, 0) << name << " " << flag << ": " << r.err;
                // A leaf's own usage: its name, its options (each with a line) and -h.
                EXPECT_TRUE(r.out.starts_with("gebruik: sluis " + name)) << name << ": " << r.out;
                EXPECT_NE(r.out.find("opties:\n"), std::string::npos) << name << ": " << r.out;
                EXPECT_TRUE(r.err.empty()) << name << ": " << r.err;
            }
            // An unknown option: exit 2, the option named, pointing at this command's --help.
            auto args = path;
            args.push_back("--geen-optie");
            auto bad = test::run(kExe, args);
            EXPECT_EQ(bad.exit_code, 2) << name << ": " << bad.err;
            EXPECT_NE(bad.err.find("--geen-optie"), std::string::npos) << name << ": " << bad.err;
            EXPECT_NE(bad.err.find("sluis " + name + " --help"), std::string::npos) << name << ": " << bad.err;
            ++leaves;
        }
    }
    EXPECT_GE(leaves, 50u);
    // The example from the issue: a sub-command's --help is its usage, not a missing value.
    auto sub = test::run(kExe, {"oso", "validate", "--help"});
    EXPECT_EQ(sub.exit_code, 0) << sub.err;
    EXPECT_NE(sub.out.find("--format VORM"), std::string::npos) << sub.out;
    // `sluis help oso write` is `sluis oso write --help`.
    auto help = test::run(kExe, {"help", "oso", "write"});
    EXPECT_EQ(help.exit_code, 0) << help.err;
    EXPECT_TRUE(help.out.starts_with("gebruik: sluis oso write")) << help.out;
    EXPECT_NE(help.out.find("--profile PROFIEL"), std::string::npos) << help.out;
}

TEST_F(DaemonTest, ServeWithoutConfigUsesEtcSluisOrDotConfigAndOtherwiseRefuses) {
    // Started in a directory without ./config (and no /etc/sluis on a test machine): refused,
    // exit 2, naming both places and --config, and nothing is created.
    if (fs::exists("/etc/sluis")) GTEST_SKIP() << "/etc/sluis exists on this machine";
    fs::path empty = dir_ / "elders";
    fs::create_directories(empty);
    auto inDir = [&](const std::string& args) {
        return test::run("/bin/sh", {"-c", "cd '" + empty.string() + "' && exec '" + kExe + "' " + args});
    };
    auto r = inDir("serve --data-dir data");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("/etc/sluis"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("./config"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(empty / "data"));
    // ./config without a daemon.json is not a configuration either.
    fs::create_directories(empty / "config");
    r = inDir("serve --data-dir data");
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("./config"), std::string::npos) << r.err;
    // With ./config/daemon.json serve takes that one: a daemon.json broken on purpose makes it
    // stop with an error naming exactly that file (no waiting for a daemon).
    ASSERT_TRUE(util::writeFileAtomic(empty / "config" / "daemon.json", "{\"dit is\": kapot", 0600).isOk());
    r = inDir("serve --data-dir data");
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("./config"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("daemon.json: geen geldige JSON"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(empty / "data"));
    // And a complete ./config is used by the other local commands too.
    for (const char* f : {"daemon.json", "store.json", "connectors.json", "routes.json", "policies.json"})
        fs::copy_file(config_ / f, empty / "config" / f, fs::copy_options::overwrite_existing);
    auto check = inDir("token list --data-dir data");
    EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST_F(DaemonTest, ClearErrorsForBrokenEnvironments) {
    // A store file that is not SQLite: refused, file untouched.
    fs::create_directories(data_);
    test::writeFile(data_ / "sluis.db", "leerlingen.csv per ongeluk hernoemd\n");
    auto r = test::run(kExe, serveArgs());
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("geen SQLite-database"), std::string::npos) << r.err;
    EXPECT_EQ(test::readFile(data_ / "sluis.db"), "leerlingen.csv per ongeluk hernoemd\n");
    fs::remove(data_ / "sluis.db");

    // Missing key file for an existing store.
    token("beheerder");  // creates store and key
    fs::rename(data_ / "sluis.key", dir_ / "sluis.key.backup");
    r = test::run(kExe, serveArgs());
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("sleutelbestand"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("ontbreekt"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(data_ / "sluis.key"));
    fs::rename(dir_ / "sluis.key.backup", data_ / "sluis.key");

    // Configuration errors: exit 1, every error with its path.
    EXPECT_EQ(test::run(kExe, {"check-config", config_.string()}).exit_code, 0);
    test::writeFile(config_ / "routes.json", R"({"routes":[{"name":"x","sorce":"inbox"}]})");
    r = test::run(kExe, {"check-config", config_.string()});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("routes.json: routes[0].sorce: onbekende sleutel"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("routes.json: routes[0].source: verplicht"), std::string::npos) << r.err;
    r = test::run(kExe, serveArgs());
    EXPECT_EQ(r.exit_code, 1);

    // Unknown command and bad usage.
    EXPECT_EQ(test::run(kExe, {"bogus"}).exit_code, 2);
    EXPECT_EQ(test::run(kExe, {"token", "create", "--role", "koning", "--name", "x"}).exit_code, 2);
}

TEST(Cli, ModelSchemaMatchesTheDocumentedSchema) {
    auto r = test::run(kExe, {"model", "schema"});
    ASSERT_EQ(r.exit_code, 0);
    json printed = json::parse(r.out);
    json documented = json::parse(test::readFile(test::sourceDir() / "docs/model.schema.json"));
    EXPECT_EQ(printed, documented)
        << "docs/model.schema.json is stale: regenerate with 'sluis model schema > docs/model.schema.json'";
    EXPECT_EQ(test::run(kExe, {"version"}).exit_code, 0);
}

}  // namespace
}  // namespace sluis

namespace sluis {
namespace {

// The shipped demo configuration, end to end: a PO->VO export waits for inzage and approval and
// then leaves as an OSO dossier that validates against the official schema.
TEST(DemoConfig, PovoDossierLeavesOnlyAfterInzageAndApprovalAndIsValidOso) {
    test::TempDir dir;
    auto data = dir / "data";
    std::string config = (test::sourceDir() / "config/demo").string();
    auto tok = [&](const std::string& name, const std::string& role) {
        auto r = test::run(kExe, {"token", "create", "--name", name, "--role", role, "--config", config,
                                  "--data-dir", data.string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.out.substr(0, r.out.find('\n'));
    };
    std::string mentor = tok("juf", "mentor"), directeur = tok("dir", "directeur");
    // As scripts/demo.sh does: a generated Magister-style export of group 8, as one bundle.
    auto gen = test::run(kExe, {"demo", "generate-magister", (dir / "export").string(), "--pupils",
                                "30", "--seed", "8", "--brin", "12AB", "--bundle"});
    ASSERT_EQ(gen.exit_code, 0) << gen.err;
    fs::create_directories(data / "povo-inbox");
    fs::copy_file(dir / "export" / "export.bundle", data / "povo-inbox/.x");
    fs::last_write_time(data / "povo-inbox/.x", fs::file_time_type::clock::now() - std::chrono::seconds(10));
    fs::rename(data / "povo-inbox/.x", data / "povo-inbox/groep8-magister.bundle");
    test::Daemon d;
    d.start(kExe, {"serve", "--config", config, "--data-dir", data.string(), "--admin-port", "0"},
            (dir / "serve.log").string());
    test::waitUntil([&] { return fs::exists(data / "admin.port"); });
    ASSERT_TRUE(fs::exists(data / "admin.port")) << test::readFile(dir / "serve.log");
    int port = std::stoi(test::readFile(data / "admin.port"));

    auto find = [&](const std::string& state) {
        json found;
        if (test::waitUntil([&] {
                auto r = http(port, "GET", "/api/v1/transfers?subject=10001", mentor);
                auto list = json::parse(r.body, nullptr, false);
                if (!list.is_object() || list["transfers"].empty() ||
                    list["transfers"][0]["state"] != state)
                    return false;
                found = list["transfers"][0];
                return true;
            }))
            return found;
        ADD_FAILURE() << "never reached " << state;
        return json();
    };
    find("awaiting_consent");
    EXPECT_FALSE(fs::exists(data / "oso-outbox") && !fs::is_empty(data / "oso-outbox"));

    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req("POST", "/api/v1/inzage", Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", "Bearer " + mentor);
    std::string body = R"({"pupil":"10001","purpose":"povo","inzagedatum":"2026-11-20","akkoord":"Nee","redennietakkoord":"Advies te laag"})";
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    s.receiveResponse(resp);
    ASSERT_EQ(resp.getStatus(), 201);

    json t = find("awaiting_approval");
    std::string id = t["id"];
    auto preview = json::parse(http(port, "GET", "/api/v1/transfers/" + id + "/preview", directeur).body);
    std::string hash = preview["payload_hash"];
    Poco::Net::HTTPClientSession s2("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest approve("POST", "/api/v1/transfers/" + id + "/approve", Poco::Net::HTTPMessage::HTTP_1_1);
    approve.set("Authorization", "Bearer " + directeur);
    std::string ab = json{{"payload_hash", hash}}.dump();
    approve.setContentLength(static_cast<std::streamsize>(ab.size()));
    s2.sendRequest(approve) << ab;
    Poco::Net::HTTPResponse aresp;
    s2.receiveResponse(aresp);
    ASSERT_EQ(aresp.getStatus(), 200);
    find("delivered");
    EXPECT_EQ(d.terminate(), 0);

    auto file = data / "oso-outbox" / (id + ".xml");
    ASSERT_TRUE(fs::exists(file));
    std::string xml = test::readFile(file);
    EXPECT_NE(xml.find("<akkoord>Nee</akkoord>"), std::string::npos);
    EXPECT_NE(xml.find("Advies te laag"), std::string::npos);
    // The export's grades arrive as OSO cijferlijsten (derived from the canonical cijfers).
    EXPECT_NE(xml.find("<cijferlijstTypelijst>"), std::string::npos);
    EXPECT_NE(xml.find("<onderdeel>"), std::string::npos);
    auto v = test::run(kExe, {"oso", "validate", file.string()});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    // Only that one pupil left the building.
    size_t files = 0;
    for (auto& e : fs::directory_iterator(data / "oso-outbox")) files += e.is_regular_file();
    EXPECT_EQ(files, 1u);
}

}  // namespace
}  // namespace sluis

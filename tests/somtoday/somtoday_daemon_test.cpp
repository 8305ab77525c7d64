// End to end: the real `sluis serve` with the somtoday-rest source and sink against SomtodayPeer
// (real TLS, PKI made by certs/make-test-pki.sh in a temporary directory), a temporary config
// directory, the directory connectors on the other side, and the admin API to watch the states.
//
// Versions and "twice". A pupil *version* is what the API serves for one (id, lastModified); the
// source offers it under the idempotency key `somtoday:<source>:<id>@<lastModified>`, the store
// makes exactly one transfer per key, and the directory sink writes exactly one file per transfer
// (`<transfer id>.json`). A version is *delivered twice* when two delivered transfers (two outbox
// files) come from it. The versions made here always differ in content (touch() changes the
// stamgroep), so from the outside: per pupil, no two delivered transfers may carry the same
// payload hash, and the number of delivered transfers equals the number of versions the pupil
// had while the daemon synced.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/somtoday_peer.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::SomtodayPeer;
using namespace std::chrono_literals;

const std::string kExe = sluis::test::sluisExe();

using test::waitUntil;

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

/// The leerlingid the somtoday-json decoder makes of pupil `index` of the peer.
std::string leerlingid(size_t index) { return std::to_string(20240000 + index); }

class SomtodayDaemonTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        fs::create_directories(data_);
    }

    void startPeer(size_t pupils = 25) {
        peer_ = std::make_unique<SomtodayPeer>(test::pkiFile("server.crt"),
                                               test::pkiFile("server.key"), pupils);
    }

    json clientOptions(json extra = json::object()) const {
        json o = {{"base_url", peer_->baseUrl()},
                  {"token_url", peer_->tokenUrl()},
                  {"client_id", SomtodayPeer::kClientId},
                  {"client_secret", SomtodayPeer::kClientSecret},
                  {"ca_file", test::pkiFile("ca.crt")},
                  {"connect_timeout", "5s"},
                  {"timeout", "10s"},
                  {"retry_after_max", "2s"},
                  {"max_retries", 2}};
        for (auto it = extra.begin(); it != extra.end(); ++it) o[it.key()] = it.value();
        return o;
    }

    void write(const std::string& file, const json& j) {
        test::writeFile(config_ / file, j.dump(2));
    }

    /// somtoday-rest source -> somtoday-json -> purpose `sync` -> canonical-json -> outbox.
    void writeSourceConfig(json source_extra = json::object(), size_t batch_size = 100) {
        write("daemon.json", {{"admin", {{"port", 0}}},
                              {"worker",
                               {{"poll_interval", "50ms"},
                                {"batch_size", batch_size},
                                {"backoff_initial", "100ms"}}}});
        json options = clientOptions({{"cursor_file", "somtoday.cursor"},
                                      {"page_size", 7},
                                      {"interval", "300ms"},
                                      {"retry_interval", "200ms"}});
        for (auto it = source_extra.begin(); it != source_extra.end(); ++it)
            options[it.key()] = it.value();
        write(
            "connectors.json",
            {{"sources", {{{"name", "somtoday"}, {"type", "somtoday-rest"}, {"options", options}}}},
             {"sinks",
              {{{"name", "outbox"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}}}}});
        write("policies.json",
              {{"purposes",
                {{"sync", {{"legal_basis", "test: leerlingadministratie"}, {"basis", "none"}}}}}});
        write("routes.json", {{"routes",
                               {{{"name", "sync"},
                                 {"source", "somtoday"},
                                 {"decoder", "somtoday-json"},
                                 {"purpose", "sync"},
                                 {"encoder", "canonical-json"},
                                 {"sink", "outbox"}}}}});
    }

    void makeToken() {
        auto r = test::run(kExe, {"token", "create", "--name", "beheer", "--role", "beheerder",
                                  "--config", config_.string(), "--data-dir", data_.string()});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        token_ = r.out.substr(0, r.out.find('\n'));
    }

    /// A directory inbox of canonical dossiers, routed to the somtoday-rest sink (the peer).
    void writeSinkConfig() {
        write("connectors.json",
              {{"sources",
                {{{"name", "inbox"},
                  {"type", "directory"},
                  {"options", {{"path", "inbox"}, {"settle_time", "0ms"}}}}}},
               {"sinks",
                {{{"name", "somtoday"}, {"type", "somtoday-rest"}, {"options", clientOptions()}}}}});
        write("policies.json",
              {{"purposes",
                {{"inschrijving", {{"legal_basis", "test: inschrijving"}, {"basis", "none"}}}}}});
        write("routes.json", {{"routes",
                               {{{"name", "naar-somtoday"},
                                 {"source", "inbox"},
                                 {"decoder", "canonical-jsonl"},
                                 {"purpose", "inschrijving"},
                                 {"encoder", "somtoday-json"},
                                 {"encoder_options", {{"unmapped", "omit"}}},
                                 {"sink", "somtoday"}}}}});
    }

    void startDaemon() {
        if (token_.empty()) makeToken();
        fs::remove(data_ / "admin.port");
        std::vector<std::string> args = {"serve", "--config", config_.string(), "--data-dir",
                                         data_.string()};
        if (!clock_file_.empty()) {
            setenv("SLUIS_ENABLE_TEST_CLOCK", "1", 1);
            args.insert(args.end(), {"--test-clock", clock_file_.string()});
        }
        daemon_.start(kExe, args, (dir_ / "serve.log").string());
        ASSERT_TRUE(waitUntil([&] { return fs::exists(data_ / "admin.port"); }))
            << "daemon did not start:\n"
            << log();
        port_ = std::stoi(test::readFile(data_ / "admin.port"));
    }

    /// Runs the daemon (from the next startDaemon) on a clock read from a file, at `iso` (UTC).
    void useTestClock(const std::string& iso) {
        clock_file_ = dir_ / "clock";
        test::setClockFile(clock_file_, iso);
    }

    std::string log() const {
        return fs::exists(dir_ / "serve.log") ? test::readFile(dir_ / "serve.log") : "";
    }

    json transfers(const std::string& query = "") {
        auto r = test::httpCall(port_, "GET", "/api/v1/transfers?limit=1000" + query, token_);
        EXPECT_EQ(r.status, 200) << r.raw;
        return r.body.value("transfers", json::array());
    }

    size_t delivered() { return transfers("&state=delivered").size(); }

    /// Waits until `n` transfers are delivered.
    void waitDelivered(size_t n, std::chrono::milliseconds limit = 60s) {
        size_t now = 0;
        bool ok = waitUntil(
            [&] {
                now = delivered();
                return now >= n;
            },
            limit);
        ASSERT_TRUE(ok) << "delivered " << now << " of " << n << "; log:\n" << log();
        ASSERT_EQ(now, n) << "more transfers than expected";
    }

    /// Waits until `n` more sync passes have been committed (cursor written).
    void waitPasses(size_t n) {
        size_t target = count(log(), "source.pass_committed") + n;
        ASSERT_TRUE(waitUntil([&] { return count(log(), "source.pass_committed") >= target; }))
            << "no new sync pass; log:\n"
            << log();
    }

    std::map<std::string, json> outbox() const {
        std::map<std::string, json> out;
        if (!fs::exists(data_ / "outbox")) return out;
        for (const auto& e : fs::directory_iterator(data_ / "outbox")) {
            std::string name = e.path().filename().string();
            if (name.starts_with(".")) continue;  // a write cut short by SIGKILL; removed on start
            out[e.path().stem().string()] =
                json::parse(test::readFile(e.path()));  // throws when half-written
        }
        return out;
    }

    /// Checks outbox and API against `versions` (leerlingid -> number of versions delivered):
    /// one file per delivered transfer, no version twice, every transfer delivered exactly once.
    /// Returns leerlingid -> the files' records, oldest transfer first.
    std::map<std::string, std::vector<json>> checkDeliveries(
        const std::map<std::string, size_t>& versions) {
        auto files = outbox();
        for (const auto& e : fs::directory_iterator(data_ / "outbox"))
            EXPECT_FALSE(e.path().filename().string().starts_with("."))
                << "temp file left: " << e.path();
        json all = transfers("&route=sync");
        std::map<std::string, std::vector<json>> by_pupil;
        std::map<std::string, std::set<std::string>> hashes;
        size_t expected = 0;
        for (const auto& [id, n] : versions) expected += n;
        EXPECT_EQ(files.size(), expected);
        EXPECT_EQ(all.size(), expected);
        for (const json& t : all) {  // the API lists the oldest first
            std::string id = t["id"], subject = t["subject"];
            EXPECT_EQ(t["state"], "delivered") << id;
            EXPECT_TRUE(hashes[subject].insert(t["payload_hash"].get<std::string>()).second)
                << "pupil " << subject << ": one version delivered twice";
            auto f = files.find(id);
            if (f == files.end()) {
                ADD_FAILURE() << "delivered transfer " << id << " has no outbox file";
                continue;
            }
            EXPECT_EQ(f->second["leerling"]["leerlingid"], subject);
            by_pupil[subject].push_back(f->second);
            auto detail = test::httpCall(port_, "GET", "/api/v1/transfers/" + id, token_);
            size_t deliveries = 0;
            for (const auto& h : detail.body["history"]) deliveries += h["to"] == "delivered";
            EXPECT_EQ(deliveries, 1u) << id;
        }
        std::map<std::string, size_t> got;
        for (const auto& [subject, records] : by_pupil) got[subject] = records.size();
        EXPECT_EQ(got, versions);
        return by_pupil;
    }

    static std::map<std::string, size_t> oneVersionEach(size_t pupils) {
        std::map<std::string, size_t> v;
        for (size_t i = 0; i < pupils; ++i) v[leerlingid(i)] = 1;
        return v;
    }

    test::TempDir dir_;
    fs::path config_, data_, clock_file_;
    std::unique_ptr<SomtodayPeer> peer_;
    test::Daemon daemon_;
    std::string token_;
    int port_ = 0;
};

TEST_F(SomtodayDaemonTest, FullSyncThenExactlyTheChangedPupilsAgain) {
    startPeer(25);
    writeSourceConfig();
    startDaemon();
    waitDelivered(25);
    waitPasses(1);  // an incremental pass after the full one brings nothing new
    EXPECT_EQ(delivered(), 25u);
    auto first = checkDeliveries(oneVersionEach(25));
    for (size_t i = 0; i < 25; ++i) {
        const json& rec = first[leerlingid(i)].at(0);
        EXPECT_EQ(rec["leerling"]["achternaam"], peer_->pupil(i)["achternaam"]);
        EXPECT_EQ(rec["leerling"]["groep"], peer_->pupil(i)["stamgroep"]);
        EXPECT_EQ(rec["verzorgers"].size(), 2u);
    }
    auto cursor = json::parse(test::readFile(data_ / "somtoday.cursor"));
    EXPECT_EQ(cursor["sluis_somtoday_cursor"], 1);

    // The school changes three pupils: exactly those come again, as new versions.
    for (size_t i : {3u, 11u, 20u}) peer_->touch(i);
    waitDelivered(28);
    waitPasses(2);
    EXPECT_EQ(delivered(), 28u);
    auto versions = oneVersionEach(25);
    for (size_t i : {3u, 11u, 20u}) versions[leerlingid(i)] = 2;
    auto after = checkDeliveries(versions);
    for (size_t i : {3u, 11u, 20u}) {
        const auto& recs = after[leerlingid(i)];
        ASSERT_EQ(recs.size(), 2u);
        EXPECT_EQ(recs[0]["leerling"]["leerjaar"], 2);
        EXPECT_EQ(recs[1]["leerling"]["leerjaar"], 3);
        EXPECT_EQ(recs[1]["leerling"]["groep"], peer_->pupil(i)["stamgroep"]);
    }
    // Only the first pass read everything; later passes asked for changes only.
    size_t full = 0, incremental = 0;
    for (const auto& r : peer_->requests())
        if (r.path == "/rest/v1/leerlingen")
            (r.query.find("changedSince=") == std::string::npos ? full : incremental)++;
    EXPECT_EQ(full, 4u);  // 25 pupils, pages of 7
    EXPECT_GE(incremental, 3u);
    EXPECT_EQ(daemon_.terminate(), 0);
    std::string l = log();
    EXPECT_EQ(l.find(peer_->pupil(3)["bsn"].get<std::string>()), std::string::npos)
        << "a BSN in the log";
    EXPECT_EQ(l.find(SomtodayPeer::kClientSecret), std::string::npos)
        << "the client secret in the log";
}

TEST_F(SomtodayDaemonTest, KillNineMidSyncLosesNothingAndDeliversNothingTwice) {
    startPeer(25);
    peer_->setDelay(60ms);                                    // slow API: a pass takes ~1.5 s
    writeSourceConfig({{"page_size", 5}}, /*batch_size=*/5);  // store and deliver page by page
    startDaemon();
    ASSERT_TRUE(waitUntil([&] { return outbox().size() >= 5; })) << log();
    daemon_.kill9();
    size_t before = outbox().size();
    ASSERT_LT(before, 25u) << "the kill came after the pass; slow the peer down";
    EXPECT_FALSE(fs::exists(data_ / "somtoday.cursor")) << "cursor committed mid-pass";

    // While the daemon is down the school changes a pupil that was already delivered.
    std::string changed;
    for (const auto& [id, rec] : outbox()) changed = rec["leerling"]["leerlingid"];
    size_t changed_index = std::stoul(changed) - 20240000;
    peer_->touch(changed_index);

    // Restart, and kill again while the pass re-reads what is already stored.
    startDaemon();
    ASSERT_TRUE(waitUntil([&] { return count(log(), "source.item_already_stored") >= 3; }))
        << log();
    daemon_.kill9();

    peer_->setDelay(0ms);
    startDaemon();
    waitDelivered(26);
    waitPasses(1);
    EXPECT_EQ(delivered(), 26u);
    auto versions = oneVersionEach(25);
    versions[changed] = 2;
    auto got = checkDeliveries(versions);
    EXPECT_EQ(got[changed][1]["leerling"]["groep"], peer_->pupil(changed_index)["stamgroep"]);
    EXPECT_TRUE(fs::exists(data_ / "somtoday.cursor"));
    EXPECT_EQ(daemon_.terminate(), 0);
}

TEST_F(SomtodayDaemonTest, A429StormDuringASyncIsWaitedOut) {
    startPeer(25);
    peer_->setDelay(40ms);
    writeSourceConfig({{"page_size", 5}}, /*batch_size=*/5);
    startDaemon();
    ASSERT_TRUE(waitUntil([&] { return outbox().size() >= 5; })) << log();
    peer_->failNext(429, 5, 1);  // five times "too many requests, come back in 1 s"
    ASSERT_LT(outbox().size(), 25u) << "the storm came after the pass; slow the peer down";
    waitDelivered(25);  // five 1 s waits, then the rest
    checkDeliveries(oneVersionEach(25));

    auto reqs = peer_->requests();
    size_t throttled = 0;
    for (size_t i = 0; i < reqs.size(); ++i) {
        if (reqs[i].status != 429) continue;
        ++throttled;
        // Nothing was sent before the server's Retry-After had passed.
        ASSERT_LT(i + 1, reqs.size());
        EXPECT_GE(reqs[i + 1].at - reqs[i].at, 900ms) << "request " << i + 1 << " too early";
    }
    EXPECT_EQ(throttled, 5u);
    EXPECT_NE(log().find("somtoday.throttled"), std::string::npos);
    EXPECT_EQ(daemon_.terminate(), 0);
}

TEST_F(SomtodayDaemonTest, ATokenRevokedMidSyncIsRenewedOnce) {
    startPeer(25);
    peer_->expireTokensAfter(6);  // the API revokes every token after 6 resource calls
    writeSourceConfig({{"page_size", 5}}, /*batch_size=*/5);
    startDaemon();
    waitDelivered(25);
    waitPasses(1);
    checkDeliveries(oneVersionEach(25));
    EXPECT_EQ(peer_->unauthorized(), 1u);
    EXPECT_EQ(peer_->tokensIssued(), 2u);
    EXPECT_NE(log().find("somtoday.token_rejected"), std::string::npos);
    EXPECT_EQ(daemon_.terminate(), 0);
}

// `sluis serve --test-clock` reaches the somtoday-rest source: its pass interval and its token's
// lifetime move with the daemon's clock, not with the real time.
TEST_F(SomtodayDaemonTest, TheSourcesIntervalAndTokenFollowTheDaemonsTestClock) {
    startPeer(5);
    useTestClock("2027-09-01T08:00:00Z");
    writeSourceConfig({{"interval", "1h"}});
    startDaemon();
    waitDelivered(5);
    EXPECT_EQ(count(log(), "source.pass_started"), 1u);
    EXPECT_EQ(peer_->tokensIssued(), 1u);

    // A change at the school: on the daemon's clock the hour has not passed, so however many
    // passes the engine makes, the source does not ask again.
    peer_->touch(2);
    ASSERT_TRUE(test::waitForPasses(port_, 20)) << log();
    EXPECT_EQ(count(log(), "source.pass_started"), 1u);
    EXPECT_EQ(delivered(), 5u);

    // The clock moves an hour on: the next pass brings the change, on a new token (the first
    // one's lifetime, 3600 s, has passed on the daemon's clock, not in real time).
    test::setClockFile(clock_file_, "2027-09-01T09:00:01Z");
    waitDelivered(6);
    EXPECT_EQ(count(log(), "source.pass_started"), 2u);
    EXPECT_EQ(peer_->tokensIssued(), 2u);
    EXPECT_EQ(peer_->unauthorized(), 0u);
    auto versions = oneVersionEach(5);
    versions[leerlingid(2)] = 2;
    checkDeliveries(versions);
    EXPECT_EQ(daemon_.terminate(), 0);
}

// Inbound dossiers (canonical JSONL, as an OSO reader produces them) leave through the
// somtoday-rest sink: each is POSTed once, a 500 is retried with the same Idempotency-Key, and a
// delivery cut short by SIGKILL is recognised by the API (409) instead of being created twice.
TEST_F(SomtodayDaemonTest, SinkPostsEveryDossierOnceWithAReceipt) {
    startPeer(0);
    peer_->failNext(500, 1);  // the first answer of the API is a server error
    write("daemon.json", {{"admin", {{"port", 0}}},
                          {"worker", {{"poll_interval", "50ms"}, {"backoff_initial", "100ms"}}}});
    writeSinkConfig();
    std::vector<std::string> dossiers;
    {
        std::string seed =
            test::readFile(test::sourceDir() / "config/demo/inbox-seed/groep8-demo.jsonl");
        std::stringstream ss(seed);
        for (std::string line; std::getline(ss, line) && dossiers.size() < 5;)
            if (!line.empty()) dossiers.push_back(line);
    }
    auto drop = [&](const std::string& name, const std::vector<std::string>& lines) {
        std::string content;
        for (const auto& l : lines) content += l + "\n";
        fs::create_directories(data_ / "inbox");
        test::writeFile(data_ / ("." + name), content);
        fs::rename(data_ / ("." + name), data_ / "inbox" / name);
    };
    startDaemon();
    drop("dossiers-1.jsonl", {dossiers.begin(), dossiers.begin() + 4});
    waitDelivered(4);

    auto posted = peer_->posted();
    ASSERT_EQ(posted.size(), 4u);
    std::map<std::string, std::string> receipt_of;  // leerlingnummer -> id the API gave
    std::set<std::string> keys;
    for (const auto& p : posted) {
        EXPECT_TRUE(keys.insert(p.idempotency_key).second) << "same Idempotency-Key twice";
        json body = json::parse(p.body);
        receipt_of[body["leerling"]["leerlingnummer"].get<std::string>()] = p.id;
    }
    EXPECT_EQ(receipt_of.size(), 4u);
    EXPECT_EQ(peer_->duplicatePosts(), 0u);
    size_t errors = 0;
    for (const auto& r : peer_->requests()) errors += r.status == 500;
    EXPECT_EQ(errors, 1u);
    int retried = 0;
    for (const auto& t : transfers("&route=naar-somtoday")) {
        EXPECT_EQ(t["state"], "delivered");
        EXPECT_EQ(t["receipt"], receipt_of[t["subject"].get<std::string>()]) << t.dump();
        retried += t["attempts"].get<int>() > 1;
    }
    EXPECT_EQ(retried, 1);

    // SIGKILL while the API is still answering the POST: the API has the dossier, Sluis does not
    // know. After the restart the same key comes again and the API answers 409 with its id.
    // The POST is held by the API until the daemon is dead, so the kill lands while the
    // request is certainly in the API's hands (not before it was sent).
    peer_->holdPosts();
    drop("dossiers-2.jsonl", {dossiers[4]});
    std::string subject = json::parse(dossiers[4])["leerling"]["leerlingid"];
    ASSERT_TRUE(waitUntil([&] { return peer_->heldPosts() == 1; })) << log();
    auto t = transfers("&route=naar-somtoday&subject=" + subject);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0]["state"], "delivering");
    daemon_.kill9();
    peer_->releasePosts();
    ASSERT_TRUE(waitUntil([&] { return peer_->posted().size() == 5; }));
    startDaemon();
    waitDelivered(5);
    posted = peer_->posted();
    EXPECT_EQ(posted.size(), 5u);
    EXPECT_EQ(peer_->duplicatePosts(), 1u);
    t = transfers("&route=naar-somtoday&subject=" + subject);
    ASSERT_EQ(t.size(), 1u);
    EXPECT_EQ(t[0]["receipt"], posted[4].id);
    EXPECT_EQ(daemon_.terminate(), 0);
}

// The somtoday-rest sink's token lifetime follows the daemon's test clock too.
TEST_F(SomtodayDaemonTest, TheSinksTokenFollowsTheDaemonsTestClock) {
    startPeer(0);
    useTestClock("2027-09-01T08:00:00Z");
    write("daemon.json", {{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}});
    writeSinkConfig();
    std::vector<std::string> dossiers;
    {
        std::stringstream ss(
            test::readFile(test::sourceDir() / "config/demo/inbox-seed/groep8-demo.jsonl"));
        for (std::string line; std::getline(ss, line) && dossiers.size() < 3;)
            if (!line.empty()) dossiers.push_back(line);
    }
    ASSERT_EQ(dossiers.size(), 3u);
    startDaemon();
    test::dropFile(data_ / "inbox", "een.jsonl", dossiers[0] + "\n");
    waitDelivered(1);
    // Half an hour later on the daemon's clock: the token is still good.
    test::setClockFile(clock_file_, "2027-09-01T08:30:00Z");
    test::dropFile(data_ / "inbox", "twee.jsonl", dossiers[1] + "\n");
    waitDelivered(2);
    EXPECT_EQ(peer_->tokensIssued(), 1u);
    // Two hours later on the daemon's clock (seconds in real time): a new token first.
    test::setClockFile(clock_file_, "2027-09-01T10:00:00Z");
    test::dropFile(data_ / "inbox", "drie.jsonl", dossiers[2] + "\n");
    waitDelivered(3);
    EXPECT_EQ(peer_->tokensIssued(), 2u);
    EXPECT_EQ(peer_->posted().size(), 3u);
    EXPECT_EQ(peer_->unauthorized(), 0u);
    EXPECT_EQ(daemon_.terminate(), 0);
}

TEST_F(SomtodayDaemonTest, CheckConfigRefusesInsecureSkipVerify) {
    startPeer(0);
    writeSourceConfig();
    auto check = [&] {
        return test::run(kExe, {"check-config", config_.string(), "--data-dir", data_.string()});
    };
    auto ok = check();
    EXPECT_EQ(ok.exit_code, 0) << ok.err;

    writeSourceConfig({{"insecure_skip_verify", true}});
    auto r = check();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(
        r.err.find(
            "connectors.json: sources[0].options: bron somtoday: insecure_skip_verify=true is "
            "niet toegestaan"),
        std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("gebruik ca_file voor een eigen CA"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find(SomtodayPeer::kClientSecret), std::string::npos) << "secret echoed";
    // serve refuses the same configuration before it talks to anyone.
    auto serve =
        test::run(kExe, {"serve", "--config", config_.string(), "--data-dir", data_.string()});
    EXPECT_EQ(serve.exit_code, 1);
    EXPECT_NE(serve.err.find("insecure_skip_verify=true is niet toegestaan"), std::string::npos)
        << serve.err;
    EXPECT_TRUE(peer_->requests().empty());

    // The sink is refused the same way.
    write("connectors.json",
          {{"sources",
            {{{"name", "inbox"}, {"type", "directory"}, {"options", {{"path", "inbox"}}}}}},
           {"sinks",
            {{{"name", "somtoday"},
              {"type", "somtoday-rest"},
              {"options", clientOptions({{"insecure_skip_verify", true}})}}}}});
    write("routes.json", {{"routes",
                           {{{"name", "naar-somtoday"},
                             {"source", "inbox"},
                             {"decoder", "canonical-jsonl"},
                             {"purpose", "sync"},
                             {"encoder", "somtoday-json"},
                             {"sink", "somtoday"}}}}});
    r = check();
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(
        r.err.find("connectors.json: sinks[0].options: doel somtoday: insecure_skip_verify=true is "
                   "niet toegestaan"),
        std::string::npos)
        << r.err;
}

}  // namespace
}  // namespace sluis

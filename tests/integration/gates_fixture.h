#pragma once
// The fixture of the gates integration tests: a real `sluis serve` with two routes (povo: inzage
// and two directeur approvals; swv: consent), tokens per role, and helpers to drop exports and
// wait for states. With `useTestClock()` before SetUp the daemon runs on a file clock that the
// test moves (deadlines, DST).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "core/util/amsterdam_time.h"
#include "core/util/clock.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace gates_fixture {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

inline const std::string kExe = sluis::test::sluisExe();

using Http = test::HttpReply;

/// The date `days` after today (Europe/Amsterdam, the system clock these tests' daemon runs on),
/// as YYYY-MM-DD: a delivery date far enough ahead to keep a transfer waiting, within the
/// policy's `max_days_ahead` (366 by default).
inline std::string daysAhead(int days) {
    return amsterdam::formatDate(amsterdam::addDays(amsterdam::localDate(SystemClock().now()), days));
}

/// A pupil with data that must never leave under the povo policy below.
inline json pupil(const std::string& id, const std::string& bsn, const std::string& version) {
    return {{"school", {{"naam", "OBS De Linde"}, {"brincode", "11AA"}}},
            {"leerling",
             {{"leerlingid", id},
              {"bsn", bsn},
              {"achternaam", "Achternaam-" + id + "-" + version},
              {"geboortedatum", "2014-09-01"}}},
            {"verzuim",
             {{"dagdelengeoorloofd", 4},
              {"meldingen",
               {{{"datum", "2026-10-01"},
                 {"soort", "geoorloofd"},
                 {"reden", "specialist"},
                 {"medisch", true},
                 {"toelichting", "GEHEIM-ZIEKENHUIS-" + id}},
                {{"datum", "2026-10-08"}, {"soort", "ongeoorloofd"}, {"reden", "te-laat"}}}}}},
            {"onderwijsondersteuning",
             {{"diagnoselijst", {{{"naam", "GEHEIM-DIAGNOSE-" + id}}}},
              {"medicijngebruikaanwezig", true}}},
            {"leerlingbespreking",
             {{{"datum", "2026-09-15"}, {"signalering", "GEHEIM-BESPREKING-" + id}}}}};
}

class GatesTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        auto w = [&](const std::string& f, const json& j) {
            test::writeFile(config_ / f, j.dump(2));
        };
        w("daemon.json", {{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}});
        w("connectors.json",
          {{"sources",
            {{{"name", "inbox"},
              {"type", "directory"},
              {"options", {{"path", "inbox"}, {"settle_time", "0ms"}}}},
             {{"name", "swv-inbox"},
              {"type", "directory"},
              {"options", {{"path", "swv-inbox"}, {"settle_time", "0ms"}}}}}},
           {"sinks",
            {{{"name", "vo-school"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}},
             {{"name", "swv"}, {"type", "directory"}, {"options", {{"path", "swv-outbox"}}}}}}});
        w("policies.json",
          {{"purposes",
            {{"povo",
              {{"legal_basis", "onderwijskundig rapport"},
               {"basis", "inzage"},
               {"approvals", {{"required", 2}, {"roles", {"directeur"}}, {"four_eyes", true}}},
               {"categories",
                {"school", "leerling", "ouderinzage", "verzuim", "onderwijsondersteuning"}},
               {"special_categories", false},
               {"care_profile", false}}},
             {"swv",
              {{"legal_basis", "toestemming"}, {"basis", "consent"}, {"identifiers", false}}}}}});
        w("routes.json", {{"routes",
                           {{{"name", "povo"},
                             {"source", "inbox"},
                             {"decoder", "canonical-jsonl"},
                             {"purpose", "povo"},
                             {"encoder", "canonical-json"},
                             {"sink", "vo-school"}},
                            {{"name", "swv"},
                             {"source", "swv-inbox"},
                             {"decoder", "canonical-jsonl"},
                             {"purpose", "swv"},
                             {"encoder", "canonical-json"},
                             {"sink", "swv"}}}}});
        for (const char* role : {"mentor", "beheerder", "fg"}) tokens_[role] = token(role, role);
        for (const char* name : {"dir-a", "dir-b", "dir-c"})
            tokens_[name] = token(name, "directeur");
        startDaemon();
        ASSERT_NE(port_, 0);
    }

    /// Starts `sluis serve` (again, after `daemon_.terminate()`); sets `port_` (0 on failure).
    void startDaemon() {
        std::vector<std::string> args = {"serve", "--config", config_.string(), "--data-dir",
                                         data_.string()};
        if (!clock_file_.empty()) {
            setenv("SLUIS_ENABLE_TEST_CLOCK", "1", 1);
            args.insert(args.end(), {"--test-clock", clock_file_.string()});
        }
        port_ = test::startServe(daemon_, kExe, args, data_, dir_ / "serve.log");
    }

    /// Runs one SQL statement on the store file, as someone with write access to the database
    /// (but not to the key) could. Call with the daemon stopped.
    void sqlite(const std::string& statement) {
        auto r = test::run("/usr/bin/sqlite3", {(data_ / "sluis.db").string(), statement});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }

    std::string token(const std::string& name, const std::string& role) {
        return test::createToken(kExe, config_, data_, name, role);
    }

    void drop(const std::string& name, const std::vector<json>& pupils,
              const std::string& inbox = "inbox") {
        std::string content;
        for (const auto& p : pupils) content += p.dump() + "\n";
        test::dropFile(data_ / inbox, name, content);
    }

    Http api(const std::string& who, const std::string& method, const std::string& path,
             const json& body = json()) {
        return test::httpCall(port_, method, path, who.empty() ? "" : tokens_.at(who), body);
    }

    /// Runs the daemon on a clock read from a file, starting at `start` (ISO UTC). Call before
    /// SetUp.
    void useTestClock(const std::string& start) {
        clock_file_ = dir_ / "clock";
        setClock(start);
    }
    void setClock(const std::string& iso) { test::setClockFile(clock_file_, iso); }

    /// Waits until the transfer of `pupil` is in `state`; returns it.
    json waitFor(const std::string& pupil_id, const std::string& state,
                 const std::string& route = "povo") {
        json last;
        if (test::waitUntil([&] {
                auto r = api("beheerder", "GET",
                             "/api/v1/transfers?subject=" + pupil_id + "&route=" + route);
                if (r.status != 200 || r.body["transfers"].empty()) return false;
                last = r.body["transfers"][0];
                return last["state"] == state;
            }))
            return last;
        ADD_FAILURE() << "pupil " << pupil_id << " never reached " << state
                      << "; last: " << last.dump();
        return last;
    }

    std::string allDeliveredBytes() {
        std::string all;
        if (fs::exists(data_ / "outbox"))
            for (auto& e : fs::directory_iterator(data_ / "outbox"))
                all += test::readFile(e.path());
        return all;
    }

    test::TempDir dir_;
    fs::path config_, data_, clock_file_;
    std::map<std::string, std::string> tokens_;
    test::Daemon daemon_;
    int port_ = 0;
};

}  // namespace gates_fixture
}  // namespace sluis

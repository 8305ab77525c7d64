// The daemon's injected clock reaches what the plugins write: the real `sluis serve` on a test
// clock (`--test-clock`, a FileClock) delivers OSO dossiers whose metadata/datum is the clock's
// date in Europe/Amsterdam, not the real day and not the UTC date.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();

/// A small pupil (that of tests/oso/oso_profiles_test.cpp, valid as a BB dossier) without a
/// metadata/datum of its own: the writer must supply it.
json pupil(const std::string& id) {
    json p = json::parse(R"({
  "school": {"naam": "Basisschool De Esch", "brincode": "21XY", "vestigingscode": "01",
             "aanleverpunt": "1",
             "adressen": [{"soortadres": "bezoek", "straat": "Schoolpad", "nummer": "4",
                           "postcode": "9999ZZ", "plaats": "Ergens"}],
             "communicatie": [{"soort": "telefoon", "aanduiding": "werk",
                               "nummer": "0501234567", "geheim": false}]},
  "leerling": {"voornamenlijst": ["Kim"], "roepnaam": "Kim", "achternaam": "Testpersoon",
               "geboortedatum": "2014-02-03", "geslacht": "1", "adresgeheim": false,
               "geboorteplaats": "Ergens", "bsn": "111222333", "leerlingid": "T0001",
               "adressen": [{"soortadres": "gba", "straat": "Laan", "nummer": "7",
                             "postcode": "9999YY", "plaats": "Ergens", "land": "6030",
                             "landomschrijving": "Nederland"}]},
  "verzorgersaansprakelijk": true,
  "verzorgers": [{"achternaam": "Testpersoon", "adresgeheim": false, "gezag": true}],
  "schoolloopbaan": [{"schooljaar": "2025-2026", "groepscode": "7B", "jaargroep": "7",
                      "begindatum": "2025-08-25", "brincode": "21XY", "vestigingscode": "01"}],
  "overstapadvies": {"advies": ["40"], "argumentatie": "Zelfstandig."}
})");
    p["leerling"]["leerlingid"] = id;
    p["leerling"]["bsn"] = test::validBsn(std::stoi(id));
    return p;
}

class InjectedClockTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        clock_ = dir_ / "clock";
        write("daemon.json", {{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}});
        write("connectors.json",
              {{"sources",
                {{{"name", "inbox"},
                  {"type", "directory"},
                  {"options", {{"path", "inbox"}, {"settle_time", "0ms"}}}}}},
               {"sinks",
                {{{"name", "outbox"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}}}}});
        write("policies.json", {{"purposes",
                                 {{"intern",
                                   {{"legal_basis", "overdracht binnen de school"},
                                    {"basis", "none"},
                                    {"categories", "all"},
                                    {"identifiers", true}}}}}});
        write("routes.json", {{"routes",
                               {{{"name", "bb"},
                                 {"source", "inbox"},
                                 {"decoder", "canonical-jsonl"},
                                 {"purpose", "intern"},
                                 {"profile", "BB"},
                                 {"opt_out", {"ouderinzage", "vve"}},
                                 {"encoder", "oso-2019.1"},
                                 {"sink", "outbox"}}}}});
    }

    void write(const std::string& file, const json& j) {
        test::writeFile(config_ / file, j.dump(2));
    }

    std::vector<fs::path> outboxFiles() const {
        std::vector<fs::path> out;
        if (!fs::exists(data_ / "outbox")) return out;
        for (const auto& e : fs::directory_iterator(data_ / "outbox"))
            if (e.is_regular_file() && !e.path().filename().string().starts_with("."))
                out.push_back(e.path());
        return out;
    }

    /// Drops pupil `id`, waits for its dossier in the outbox, and returns its metadata/datum.
    std::string deliverAndReadDatum(const std::string& id) {
        std::set<fs::path> before;
        for (const auto& f : outboxFiles()) before.insert(f);
        test::dropFile(data_ / "inbox", "pupil-" + id + ".jsonl", pupil(id).dump() + "\n");
        fs::path delivered;
        bool ok = test::waitUntil([&] {
            for (const auto& f : outboxFiles())
                if (!before.count(f)) delivered = f;
            return !delivered.empty();
        });
        if (!ok) {
            ADD_FAILURE() << "no dossier for pupil " << id << "; log:\n"
                          << test::readFile(dir_ / "serve.log");
            return std::string();
        }
        // <metadata> is the dossier's first element; its <datum> the first <datum> in it.
        std::string xml = test::readFile(delivered);
        size_t md = xml.find("<metadata>");
        size_t open = xml.find("<datum>", md == std::string::npos ? 0 : md);
        size_t close = xml.find("</datum>", open == std::string::npos ? 0 : open);
        size_t md_end = xml.find("</metadata>");
        if (md == std::string::npos || open == std::string::npos || close == std::string::npos ||
            close > md_end) {
            ADD_FAILURE() << "no metadata/datum in " << delivered;
            return std::string();
        }
        return xml.substr(open + 7, close - open - 7);
    }

    test::TempDir dir_;
    fs::path config_, data_, clock_;
};

TEST_F(InjectedClockTest, DeliveredOsoDossierCarriesTheClocksAmsterdamDate) {
    // Winter time (UTC+1): 22:30 UTC on 1 January is still 1 January in Amsterdam.
    test::setClockFile(clock_, "2026-01-01T22:30:00Z");
    setenv("SLUIS_ENABLE_TEST_CLOCK", "1", 1);
    test::Daemon d;
    int port = test::startServe(d, kExe,
                                {"serve", "--config", config_.string(), "--data-dir",
                                 data_.string(), "--test-clock", clock_.string()},
                                data_, dir_ / "serve.log");
    ASSERT_GT(port, 0);
    EXPECT_EQ(deliverAndReadDatum("1001"), "2026-01-01");
    // The clock moves on; the next dossiers follow it. 23:30 UTC is 2 January in Amsterdam
    // (the UTC date is still 1 January).
    test::setClockFile(clock_, "2026-01-01T23:30:00Z");
    EXPECT_EQ(deliverAndReadDatum("1002"), "2026-01-02");
    // Summer time (UTC+2): 22:30 UTC on 31 March is already 1 April.
    test::setClockFile(clock_, "2026-03-31T22:30:00Z");
    EXPECT_EQ(deliverAndReadDatum("1003"), "2026-04-01");
    EXPECT_EQ(d.terminate(), 0);
    // The log names the transfers, never a value of the record.
    std::string log = test::readFile(dir_ / "serve.log");
    EXPECT_EQ(log.find("Testpersoon"), std::string::npos);
}

}  // namespace
}  // namespace sluis

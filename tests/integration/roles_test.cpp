// #14 L2 "roles are too broad", through the real `sluis serve` on both store backends: a purpose
// is seen only by the roles policies.json gives it (`visible_to`; beheerder and fg see all), an
// invisible transfer answers exactly as an unknown id, lists are filtered, and whoever recorded
// the consent a transfer relies on cannot also be its approver (four eyes).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/pg_database.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();

json pupil(const std::string& id, int n) {
    return {{"school", {{"naam", "OBS De Linde"}, {"brincode", "11AA"}}},
            {"leerling",
             {{"leerlingid", id},
              {"bsn", test::validBsn(n)},
              {"achternaam", "Rollen-" + id},
              {"geboortedatum", "2014-09-01"}}}};
}

class RolesTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        auto w = [&](const std::string& f, const json& j) { test::writeFile(config_ / f, j.dump(2)); };
        w("daemon.json", {{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}});
        if (GetParam() == "postgresql") {
            pg_ = std::make_unique<test::PgDatabase>();
            ASSERT_EQ(pg_->error(), "");
            w("store.json", {{"backend", "postgresql"}, {"postgresql", {{"dsn", pg_->dsn()}}}});
        }
        w("connectors.json",
          {{"sources",
            {{{"name", "inbox"}, {"type", "directory"}, {"options", {{"path", "inbox"}, {"settle_time", "0ms"}}}},
             {{"name", "swv-inbox"},
              {"type", "directory"},
              {"options", {{"path", "swv-inbox"}, {"settle_time", "0ms"}}}}}},
           {"sinks",
            {{{"name", "outbox"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}},
             {{"name", "swv"}, {"type", "directory"}, {"options", {{"path", "swv-outbox"}}}}}}});
        w("policies.json",
          {{"purposes",
            {{"demo", {{"legal_basis", "test"}}},
             {"swv",
              {{"legal_basis", "toestemming"},
               {"basis", "consent"},
               {"identifiers", false},
               {"approvals", {{"required", 1}, {"roles", {"zorgcoordinator", "directeur"}}, {"four_eyes", true}}},
               {"visible_to", {"zorgcoordinator", "directeur"}}}}}}});
        w("routes.json", {{"routes",
                           {{{"name", "demo"},
                             {"source", "inbox"},
                             {"decoder", "canonical-jsonl"},
                             {"purpose", "demo"},
                             {"encoder", "canonical-json"},
                             {"sink", "outbox"}},
                            {{"name", "swv"},
                             {"source", "swv-inbox"},
                             {"decoder", "canonical-jsonl"},
                             {"purpose", "swv"},
                             {"encoder", "canonical-json"},
                             {"sink", "swv"}}}}});
        tokens_["beheerder"] = test::createToken(kExe, config_, data_, "beheerder", "beheerder");
        tokens_["juf"] = test::createToken(kExe, config_, data_, "juf", "mentor");
        tokens_["zorg-a"] = test::createToken(kExe, config_, data_, "zorg-a", "zorgcoordinator");
        tokens_["zorg-b"] = test::createToken(kExe, config_, data_, "zorg-b", "zorgcoordinator");
        port_ = test::startServe(daemon_, kExe, {"serve", "--config", config_.string(), "--data-dir", data_.string()},
                                 data_, dir_ / "serve.log");
        ASSERT_NE(port_, 0);
    }

    test::HttpReply api(const std::string& who, const std::string& method, const std::string& path,
                        const json& body = json()) {
        return test::httpCall(port_, method, path, tokens_.at(who), body);
    }

    /// Waits (as beheerder, who sees everything) until the transfer of `subject` on `route` is in
    /// `state`; returns it.
    json waitFor(const std::string& subject, const std::string& route, const std::string& state) {
        json last;
        if (test::waitUntil([&] {
                auto r = api("beheerder", "GET", "/api/v1/transfers?subject=" + subject + "&route=" + route);
                if (r.status != 200 || r.body["transfers"].empty()) return false;
                last = r.body["transfers"][0];
                return last["state"] == state;
            }))
            return last;
        ADD_FAILURE() << subject << " never reached " << state << "; last: " << last.dump() << "\n"
                      << test::readFile(dir_ / "serve.log");
        return last;
    }

    size_t files(const std::string& dir) {
        size_t n = 0;
        if (fs::exists(data_ / dir))
            for (auto& e : fs::directory_iterator(data_ / dir)) n += e.is_regular_file();
        return n;
    }

    json consentBody(const std::string& pupil_id) {
        return {{"pupil", pupil_id},  {"purpose", "swv"},          {"given_by", "ouder"},
                {"relation", "moeder"}, {"decision", "gegeven"}, {"decided_on", "2026-01-05"},
                {"method", "formulier"}};
    }

    std::unique_ptr<test::PgDatabase> pg_;
    test::TempDir dir_;
    fs::path config_, data_;
    std::map<std::string, std::string> tokens_;
    test::Daemon daemon_;
    int port_ = 0;
};

TEST_P(RolesTest, AMentorDoesNotSeeSwvTransfersAndTheConsentRecorderIsNoSecondPairOfEyes) {
    test::dropFile(data_ / "swv-inbox", "swv.jsonl", pupil("801", 801).dump() + "\n");
    test::dropFile(data_ / "inbox", "demo.jsonl", pupil("802", 802).dump() + "\n");
    json swv = waitFor("801", "swv", "awaiting_consent");
    waitFor("802", "demo", "delivered");
    const std::string id = swv["id"];

    // The mentor's list has the demo transfer and not the swv one (filtered in the query: the
    // subject filter finds nothing either).
    auto list = api("juf", "GET", "/api/v1/transfers");
    ASSERT_EQ(list.status, 200) << list.raw;
    ASSERT_EQ(list.body["transfers"].size(), 1u) << list.raw;
    EXPECT_EQ(list.body["transfers"][0]["purpose"], "demo");
    EXPECT_EQ(list.raw.find(id), std::string::npos);
    auto bySubject = api("juf", "GET", "/api/v1/transfers?subject=801");
    ASSERT_EQ(bySubject.status, 200);
    EXPECT_TRUE(bySubject.body["transfers"].empty()) << bySubject.raw;
    // The zorgcoordinator, who may see swv, does see it.
    auto zorgList = api("zorg-a", "GET", "/api/v1/transfers?subject=801");
    ASSERT_EQ(zorgList.body["transfers"].size(), 1u) << zorgList.raw;

    // Every endpoint answers for the invisible transfer exactly what it answers for an id that
    // does not exist.
    const std::string unknown = "tr_bestaatnietxxxxxxxxxx";
    const std::vector<std::pair<std::string, std::string>> endpoints = {
        {"GET", ""},          {"GET", "/preview"},   {"GET", "/report"},
        {"POST", "/approve"}, {"POST", "/reject"},   {"POST", "/withdraw"},
        {"POST", "/schedule"}, {"POST", "/requeue"}, {"GET", "?include=payload"}};
    for (const auto& [method, tail] : endpoints) {
        json body = method == "POST" ? json{{"payload_hash", "x"}, {"reason", "r"}} : json();
        auto seen = api("juf", method, "/api/v1/transfers/" + id + tail, body);
        auto none = api("juf", method, "/api/v1/transfers/" + unknown + tail, body);
        EXPECT_EQ(seen.status, none.status) << method << " " << tail << ": " << seen.raw;
        std::string a = seen.raw, b = none.raw;
        if (auto at = a.find(id); at != std::string::npos) a.replace(at, id.size(), "ID");
        if (auto at = b.find(unknown); at != std::string::npos) b.replace(at, unknown.size(), "ID");
        EXPECT_EQ(a, b) << method << " " << tail;
    }
    EXPECT_EQ(api("juf", "GET", "/api/v1/transfers/" + id).status, 404);
    EXPECT_EQ(api("juf", "GET", "/api/v1/transfers/" + id + "/preview").status, 404);
    EXPECT_EQ(api("juf", "GET", "/api/v1/approvals").body["transfers"].size(), 0u);

    // A mentor records no consent or inzage for a purpose they do not see.
    auto mentorConsent = api("juf", "POST", "/api/v1/consents", consentBody("801"));
    EXPECT_EQ(mentorConsent.status, 403) << mentorConsent.raw;
    EXPECT_NE(mentorConsent.raw.find("mag geen toestemming registreren voor doel 'swv'"), std::string::npos);
    auto mentorInzage = api("juf", "POST", "/api/v1/inzage",
                            {{"pupil", "801"}, {"purpose", "swv"}, {"inzagedatum", "2026-01-05"}, {"akkoord", "Ja"}});
    EXPECT_EQ(mentorInzage.status, 403) << mentorInzage.raw;

    // zorg-a records the consent; the transfer then waits for an approval.
    auto consent = api("zorg-a", "POST", "/api/v1/consents", consentBody("801"));
    ASSERT_EQ(consent.status, 201) << consent.raw;
    const std::string consent_id = consent.body["id"];
    json waiting = waitFor("801", "swv", "awaiting_approval");
    const std::string hash = waiting["payload_hash"];

    // The consent is not in the mentor's view of the pupil, nor can the mentor withdraw it.
    auto consents = api("juf", "GET", "/api/v1/pupils/801/consents");
    ASSERT_EQ(consents.status, 200);
    EXPECT_TRUE(consents.body["consents"].empty()) << consents.raw;
    EXPECT_EQ(api("juf", "POST", "/api/v1/consents/" + consent_id + "/withdraw").status, 404);

    // zorg-a recorded the consent: their approval is refused, also in bulk.
    ASSERT_EQ(api("zorg-a", "GET", "/api/v1/transfers/" + id + "/preview").status, 200);
    auto own = api("zorg-a", "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", hash}});
    EXPECT_EQ(own.status, 403) << own.raw;
    EXPECT_EQ(own.body["error"]["message"].get<std::string>().rfind("vier-ogenprincipe: ", 0), 0u) << own.raw;
    auto bulk = api("zorg-a", "POST", "/api/v1/approvals/bulk", {{"items", {{{"id", id}, {"payload_hash", hash}}}}});
    ASSERT_EQ(bulk.status, 200) << bulk.raw;
    EXPECT_EQ(bulk.body["approved"], 0) << bulk.raw;

    // The worker goes on (a later export is delivered) and the swv transfer is still waiting:
    // nothing left on the strength of zorg-a alone.
    test::dropFile(data_ / "inbox", "demo2.jsonl", pupil("803", 803).dump() + "\n");
    waitFor("803", "demo", "delivered");
    auto still = api("beheerder", "GET", "/api/v1/transfers/" + id);
    EXPECT_EQ(still.body["state"], "awaiting_approval") << still.raw;
    EXPECT_EQ(files("swv-outbox"), 0u);

    // A second person's approval does count.
    ASSERT_EQ(api("zorg-b", "GET", "/api/v1/transfers/" + id + "/preview").status, 200);
    auto other = api("zorg-b", "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", hash}});
    ASSERT_EQ(other.status, 200) << other.raw;
    waitFor("801", "swv", "delivered");
    EXPECT_EQ(files("swv-outbox"), 1u);

    // The disclosure register shows the swv delivery to who sees swv, not to the mentor.
    auto mine = api("juf", "GET", "/api/v1/pupils/801/disclosures");
    ASSERT_EQ(mine.status, 200) << mine.raw;
    EXPECT_TRUE(mine.body["deliveries"].empty()) << mine.raw;
    auto zorg = api("zorg-b", "GET", "/api/v1/pupils/801/disclosures");
    ASSERT_EQ(zorg.status, 200) << zorg.raw;
    EXPECT_EQ(zorg.body["deliveries"].size(), 1u) << zorg.raw;
    EXPECT_EQ(daemon_.terminate(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RolesTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluis

// Integration tests of the gates with the real daemon: inzage, approvals bound to the payload
// hash, four eyes, data changes, minimisation of everything that leaves, the disclosure register
// and audit tamper detection.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kExe = SLUIS_EXE;

struct Http {
    int status = 0;
    json body;
    std::string raw;
};

Http call(int port, const std::string& method, const std::string& path, const std::string& token,
          const json& body = json()) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) req.set("Authorization", "Bearer " + token);
    std::string text = body.is_null() ? "" : body.dump();
    req.setContentLength(static_cast<std::streamsize>(text.size()));
    if (!text.empty()) req.setContentType("application/json");
    session.sendRequest(req) << text;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return {static_cast<int>(resp.getStatus()), json::parse(raw, nullptr, false), raw};
}

/// A pupil with data that must never leave under the povo policy below.
json pupil(const std::string& id, const std::string& bsn, const std::string& version) {
    return {{"school", {{"naam", "OBS De Linde"}, {"brincode", "11AA"}}},
            {"leerling",
             {{"leerlingid", id},
              {"bsn", bsn},
              {"achternaam", "Achternaam-" + id + "-" + version},
              {"geboortedatum", "2014-09-01"}}},
            {"verzuim",
             {{"dagdelengeoorloofd", 4},
              {"meldingen",
               {{{"datum", "2026-10-01"}, {"soort", "geoorloofd"}, {"reden", "specialist"},
                 {"medisch", true}, {"toelichting", "GEHEIM-ZIEKENHUIS-" + id}},
                {{"datum", "2026-10-08"}, {"soort", "ongeoorloofd"}, {"reden", "te-laat"}}}}}},
            {"onderwijsondersteuning",
             {{"diagnoses", {{{"omschrijving", "GEHEIM-DIAGNOSE-" + id}}}},
              {"medicijngebruik", {{{"omschrijving", "GEHEIM-MEDICIJN-" + id}}}}}},
            {"leerlingbespreking", {{{"datum", "2026-09-15"}, {"signalering", "GEHEIM-BESPREKING-" + id}}}}};
}

class GatesTest : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        auto w = [&](const std::string& f, const json& j) { test::writeFile(config_ / f, j.dump(2)); };
        w("daemon.json", {{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}});
        w("connectors.json",
          {{"sources", {{{"name", "inbox"}, {"type", "directory"}, {"options", {{"path", "inbox"}, {"settle_time", "0ms"}}}},
                        {{"name", "swv-inbox"}, {"type", "directory"}, {"options", {{"path", "swv-inbox"}, {"settle_time", "0ms"}}}}}},
           {"sinks", {{{"name", "vo-school"}, {"type", "directory"}, {"options", {{"path", "outbox"}}}},
                      {{"name", "swv"}, {"type", "directory"}, {"options", {{"path", "swv-outbox"}}}}}}});
        w("policies.json",
          {{"purposes",
            {{"povo",
              {{"legal_basis", "onderwijskundig rapport"},
               {"basis", "inzage"},
               {"approvals", {{"required", 2}, {"roles", {"directeur"}}, {"four_eyes", true}}},
               {"categories", {"school", "leerling", "ouderinzage", "verzuim", "onderwijsondersteuning"}},
               {"special_categories", false},
               {"care_profile", false}}},
             {"swv", {{"legal_basis", "toestemming"}, {"basis", "consent"}, {"identifiers", false}}}}}});
        w("routes.json", {{"routes",
                           {{{"name", "povo"}, {"source", "inbox"}, {"decoder", "canonical-jsonl"},
                             {"purpose", "povo"}, {"encoder", "canonical-json"}, {"sink", "vo-school"}},
                            {{"name", "swv"}, {"source", "swv-inbox"}, {"decoder", "canonical-jsonl"},
                             {"purpose", "swv"}, {"encoder", "canonical-json"}, {"sink", "swv"}}}}});
        for (const char* role : {"mentor", "beheerder", "fg"}) tokens_[role] = token(role, role);
        for (const char* name : {"dir-a", "dir-b", "dir-c"}) tokens_[name] = token(name, "directeur");
        fs::remove(data_ / "admin.port");
        daemon_.start(kExe, {"serve", "--config", config_.string(), "--data-dir", data_.string()},
                      (dir_ / "serve.log").string());
        for (int i = 0; i < 400 && !fs::exists(data_ / "admin.port"); ++i) std::this_thread::sleep_for(25ms);
        ASSERT_TRUE(fs::exists(data_ / "admin.port")) << test::readFile(dir_ / "serve.log");
        port_ = std::stoi(test::readFile(data_ / "admin.port"));
    }

    std::string token(const std::string& name, const std::string& role) {
        auto r = test::run(kExe, {"token", "create", "--name", name, "--role", role, "--config",
                                  config_.string(), "--data-dir", data_.string()});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return r.out.substr(0, r.out.find('\n'));
    }

    void drop(const std::string& name, const std::vector<json>& pupils, const std::string& inbox = "inbox") {
        std::string content;
        for (const auto& p : pupils) content += p.dump() + "\n";
        fs::create_directories(data_ / inbox);
        test::writeFile(data_ / ("." + name), content);
        fs::rename(data_ / ("." + name), data_ / inbox / name);
    }

    Http api(const std::string& who, const std::string& method, const std::string& path, const json& body = json()) {
        return call(port_, method, path, who.empty() ? "" : tokens_.at(who), body);
    }

    /// Waits until the transfer of `pupil` is in `state`; returns it.
    json waitFor(const std::string& pupil_id, const std::string& state, const std::string& route = "povo") {
        json last;
        for (int i = 0; i < 400; ++i) {
            auto r = api("beheerder", "GET", "/api/v1/transfers?subject=" + pupil_id + "&route=" + route);
            if (r.status == 200 && !r.body["transfers"].empty()) {
                last = r.body["transfers"][0];
                if (last["state"] == state) return last;
            }
            std::this_thread::sleep_for(25ms);
        }
        ADD_FAILURE() << "pupil " << pupil_id << " never reached " << state << "; last: " << last.dump();
        return last;
    }

    std::string allDeliveredBytes() {
        std::string all;
        if (fs::exists(data_ / "outbox"))
            for (auto& e : fs::directory_iterator(data_ / "outbox")) all += test::readFile(e.path());
        return all;
    }

    test::TempDir dir_;
    fs::path config_, data_;
    std::map<std::string, std::string> tokens_;
    test::Daemon daemon_;
    int port_ = 0;
};

TEST_F(GatesTest, NothingLeavesBeforeInzageAndTwoFreshApprovalsAndOnlyWhatThePurposeNeeds) {
    drop("groep8.jsonl", {pupil("501", "111222333", "v1"), pupil("502", "123456782", "v1")});
    waitFor("501", "awaiting_consent");
    waitFor("502", "awaiting_consent");
    EXPECT_TRUE(allDeliveredBytes().empty());

    // Inzage by the parents (they disagree, with their view).
    auto z = api("mentor", "POST", "/api/v1/inzage",
                 {{"pupil", "501"}, {"purpose", "povo"}, {"inzagedatum", "2026-11-01"}, {"akkoord", "Nee"},
                  {"redennietakkoord", "Ouders vinden het advies te laag"}});
    ASSERT_EQ(z.status, 201) << z.raw;
    EXPECT_EQ(api("mentor", "POST", "/api/v1/inzage", {{"pupil", "501"}, {"purpose", "povo"}, {"akkoord", "Misschien"}}).status, 400);
    json t = waitFor("501", "awaiting_approval");
    std::string id = t["id"];
    EXPECT_TRUE(allDeliveredBytes().empty());

    // Preview: paths for everyone, values for approvers; withheld fields with reasons.
    auto mentorView = api("mentor", "GET", "/api/v1/transfers/" + id + "/preview");
    ASSERT_EQ(mentorView.status, 200) << mentorView.raw;
    EXPECT_TRUE(mentorView.body["payload"].is_null());
    std::string withheld = mentorView.body["withheld"].dump();
    EXPECT_NE(withheld.find("onderwijsondersteuning.diagnoses[0].omschrijving"), std::string::npos) << withheld;
    EXPECT_NE(withheld.find("verzuim.meldingen[0].reden"), std::string::npos) << withheld;
    EXPECT_NE(withheld.find("leerlingbespreking[0].signalering"), std::string::npos) << withheld;
    EXPECT_EQ(withheld.find("GEHEIM"), std::string::npos) << "preview leaks a withheld value";

    // Who may approve, and how.
    EXPECT_EQ(api("", "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", t["payload_hash"]}}).status, 401);
    EXPECT_EQ(api("mentor", "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", t["payload_hash"]}}).status, 403);
    auto unseen = api("dir-a", "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", t["payload_hash"]}});
    EXPECT_EQ(unseen.status, 409) << "approval without looking at the preview";
    auto preview = api("dir-a", "GET", "/api/v1/transfers/" + id + "/preview");
    ASSERT_EQ(preview.status, 200);
    std::string payload = preview.body["payload"];
    EXPECT_NE(payload.find("Ouders vinden het advies te laag"), std::string::npos) << "parents' view travels along";
    auto ok = api("dir-a", "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", preview.body["payload_hash"]}});
    ASSERT_EQ(ok.status, 200) << ok.raw;
    EXPECT_EQ(ok.body["state"], "awaiting_approval");  // one of two

    // The data changes after the first approval: it lapses.
    drop("groep8-correctie.jsonl", {pupil("501", "111222333", "v2")});
    std::string old_hash = preview.body["payload_hash"];
    json t2;
    for (int i = 0; i < 400; ++i) {
        t2 = waitFor("501", "awaiting_approval");
        if (t2["payload_hash"] != old_hash) break;
        std::this_thread::sleep_for(25ms);
    }
    ASSERT_NE(t2["payload_hash"], old_hash);
    api("dir-b", "GET", "/api/v1/transfers/" + id + "/preview");
    auto stale = api("dir-b", "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", old_hash}});
    EXPECT_EQ(stale.status, 409) << stale.raw;
    for (const char* who : {"dir-a", "dir-b"}) {
        auto p = api(who, "GET", "/api/v1/transfers/" + id + "/preview");
        ASSERT_EQ(p.status, 200);
        auto a = api(who, "POST", "/api/v1/transfers/" + id + "/approve", {{"payload_hash", p.body["payload_hash"]}});
        ASSERT_EQ(a.status, 200) << a.raw;
    }
    waitFor("501", "delivered");

    // Pupil 502: the directeur who chose the delivery date may not approve (four eyes).
    ASSERT_EQ(api("mentor", "POST", "/api/v1/inzage",
                  {{"pupil", "502"}, {"purpose", "povo"}, {"inzagedatum", "2026-11-02"}, {"akkoord", "Ja"}}).status, 201);
    json t502 = waitFor("502", "awaiting_approval");
    std::string id502 = t502["id"];
    auto sched = api("dir-c", "POST", "/api/v1/transfers/" + id502 + "/schedule", {{"deliver_on", "2099-03-25"}});
    ASSERT_EQ(sched.status, 200) << sched.raw;
    EXPECT_EQ(api("dir-c", "POST", "/api/v1/transfers/" + id502 + "/schedule", {{"deliver_on", "2001-01-01"}}).status, 400);
    api("dir-c", "GET", "/api/v1/transfers/" + id502 + "/preview");
    auto self = api("dir-c", "POST", "/api/v1/transfers/" + id502 + "/approve", {{"payload_hash", t502["payload_hash"]}});
    EXPECT_EQ(self.status, 403) << self.raw;
    // Rejection needs a reason; then it is final and nothing is sent.
    api("dir-a", "GET", "/api/v1/transfers/" + id502 + "/preview");
    EXPECT_EQ(api("dir-a", "POST", "/api/v1/transfers/" + id502 + "/reject", {{"payload_hash", t502["payload_hash"]}}).status, 400);
    auto rej = api("dir-a", "POST", "/api/v1/transfers/" + id502 + "/reject",
                   {{"payload_hash", t502["payload_hash"]}, {"reason", "verkeerde school"}});
    ASSERT_EQ(rej.status, 200) << rej.raw;
    EXPECT_EQ(rej.body["state"], "rejected");

    // Every delivered byte: none of the withheld values, and the generalised absence.
    std::string delivered = allDeliveredBytes();
    ASSERT_FALSE(delivered.empty());
    for (const char* secret : {"GEHEIM-DIAGNOSE", "GEHEIM-MEDICIJN", "GEHEIM-ZIEKENHUIS", "GEHEIM-BESPREKING",
                               "specialist", "Achternaam-502"})
        EXPECT_EQ(delivered.find(secret), std::string::npos) << secret << " left the building";
    json sent = json::parse(delivered);
    EXPECT_EQ(sent["leerling"]["achternaam"], "Achternaam-501-v2");
    EXPECT_EQ(sent["verzuim"]["meldingen"][0]["soort"], "geoorloofd");
    EXPECT_EQ(sent["inzage"]["akkoord"], "Nee");

    // Disclosure register: the delivery, to whom, which fields, approved by whom.
    auto reg = api("fg", "GET", "/api/v1/pupils/501/disclosures");
    ASSERT_EQ(reg.status, 200) << reg.raw;
    ASSERT_EQ(reg.body["deliveries"].size(), 1u);
    auto d = reg.body["deliveries"][0];
    EXPECT_EQ(d["destination"], "vo-school");
    EXPECT_EQ(d["approved_by"].size(), 2u);
    EXPECT_NE(d["fields"].dump().find("leerling.bsn"), std::string::npos);
    EXPECT_FALSE(d["consent_or_inzage"].get<std::string>().empty());
    EXPECT_TRUE(api("fg", "GET", "/api/v1/pupils/502/disclosures").body["deliveries"].empty());
    auto html = api("fg", "GET", "/api/v1/pupils/501/disclosures?format=html");
    EXPECT_EQ(html.status, 200);
    EXPECT_NE(html.raw.find("Overzicht van verstrekte gegevens"), std::string::npos);
    EXPECT_EQ(api("mentor", "GET", "/api/v1/audit/verify").status, 403);

    // Audit: intact, then tampered with directly in the database.
    auto verify = api("fg", "GET", "/api/v1/audit/verify");
    ASSERT_EQ(verify.status, 200);
    EXPECT_TRUE(verify.body["ok"]) << verify.raw;
    EXPECT_EQ(daemon_.terminate(), 0);
    auto cli = test::run(kExe, {"audit", "verify", "--config", config_.string(), "--data-dir", data_.string()});
    EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
    auto report = test::run(kExe, {"disclosures", "--pupil", "501", "--config", config_.string(), "--data-dir", data_.string()});
    EXPECT_EQ(report.exit_code, 0);
    EXPECT_NE(report.out.find("vo-school"), std::string::npos);
    auto sql = test::run("/usr/bin/sqlite3", {(data_ / "sluis.db").string(),
                                              "UPDATE audit SET actor = 'iemand anders' WHERE seq = 5;"});
    ASSERT_EQ(sql.exit_code, 0) << sql.err;
    cli = test::run(kExe, {"audit", "verify", "--config", config_.string(), "--data-dir", data_.string()});
    EXPECT_EQ(cli.exit_code, 1);
    EXPECT_NE(cli.out.find("record 5"), std::string::npos) << cli.out;
    sql = test::run("/usr/bin/sqlite3", {(data_ / "sluis.db").string(), "DELETE FROM audit WHERE seq = 3;"});
    cli = test::run(kExe, {"audit", "verify", "--config", config_.string(), "--data-dir", data_.string()});
    EXPECT_EQ(cli.exit_code, 1);
    EXPECT_NE(cli.out.find("record 3 ontbreekt"), std::string::npos) << cli.out;
}

TEST_F(GatesTest, ConsentGatesAndItsWithdrawalStopsWhatWasNotDeliveredYet) {
    drop("swv.jsonl", {pupil("601", "111222333", "v1"), pupil("602", "123456782", "v1")}, "swv-inbox");
    json t601 = waitFor("601", "awaiting_consent", "swv");
    json t602 = waitFor("602", "awaiting_consent", "swv");
    // 601 gets a delivery date far ahead; 602 goes out as soon as consent is there.
    ASSERT_EQ(api("dir-c", "POST", "/api/v1/transfers/" + t601["id"].get<std::string>() + "/schedule",
                  {{"deliver_on", "2099-06-01"}}).status, 200);
    auto bad = api("mentor", "POST", "/api/v1/consents", {{"pupil", "601"}, {"purpose", "swv"}, {"given_by", "oma"}});
    EXPECT_EQ(bad.status, 400);
    auto c601 = api("mentor", "POST", "/api/v1/consents",
                    {{"pupil", "601"}, {"purpose", "swv"}, {"given_by", "ouder"}, {"relation", "vader"},
                     {"decision", "gegeven"}, {"decided_on", "2026-11-01"}, {"method", "formulier"}});
    ASSERT_EQ(c601.status, 201) << c601.raw;
    auto c602 = api("mentor", "POST", "/api/v1/consents",
                    {{"pupil", "602"}, {"purpose", "swv"}, {"given_by", "ouder"}, {"relation", "moeder"},
                     {"decision", "gegeven"}, {"decided_on", "2026-11-01"}, {"method", "ouderportaal"}});
    ASSERT_EQ(c602.status, 201);
    waitFor("601", "scheduled", "swv");
    waitFor("602", "delivered", "swv");
    // Withdrawing 601's consent stops its scheduled transfer at once; nothing of 601 is sent.
    auto w = api("mentor", "POST", "/api/v1/consents/" + c601.body["id"].get<std::string>() + "/withdraw");
    ASSERT_EQ(w.status, 200) << w.raw;
    EXPECT_EQ(w.body["withdrawn_transfers"].size(), 1u);
    waitFor("601", "withdrawn", "swv");
    std::string sent;
    for (auto& e : fs::directory_iterator(data_ / "swv-outbox")) sent += test::readFile(e.path());
    EXPECT_NE(sent.find("Achternaam-602"), std::string::npos);
    EXPECT_EQ(sent.find("Achternaam-601"), std::string::npos);
    EXPECT_EQ(sent.find("123456782"), std::string::npos) << "identifiers are not for the SWV purpose";
    auto reg = api("fg", "GET", "/api/v1/pupils/601/consents");
    ASSERT_EQ(reg.status, 200);
    EXPECT_FALSE(reg.body["consents"][0]["withdrawn_at"].is_null());
    // Withdrawing a transfer that was already delivered is refused.
    auto late = api("beheerder", "POST", "/api/v1/transfers/" + t602["id"].get<std::string>() + "/withdraw");
    EXPECT_EQ(late.status, 409);
}

}  // namespace
}  // namespace sluis

// Integration tests of the gates with the real daemon: inzage, approvals bound to the payload
// hash, four eyes, data changes, minimisation of everything that leaves, the disclosure register
// and audit tamper detection.
#include "tests/integration/gates_fixture.h"

namespace sluis {
namespace {

using namespace gates_fixture;

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
    EXPECT_NE(withheld.find("onderwijsondersteuning.diagnoselijst[0].naam"), std::string::npos)
        << withheld;
    EXPECT_NE(withheld.find("onderwijsondersteuning.medicijngebruikaanwezig"), std::string::npos)
        << withheld;
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
    test::waitUntil([&] {
        t2 = waitFor("501", "awaiting_approval");
        return t2["payload_hash"] != old_hash;
    });
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
    auto sched = api("dir-c", "POST", "/api/v1/transfers/" + id502 + "/schedule", {{"deliver_on", daysAhead(300)}});
    ASSERT_EQ(sched.status, 200) << sched.raw;
    EXPECT_EQ(api("dir-c", "POST", "/api/v1/transfers/" + id502 + "/schedule", {{"deliver_on", "2001-01-01"}}).status, 400);
    // More than a year ahead (policy max_days_ahead, 366 by default) is taken for a typing error.
    auto far = api("dir-c", "POST", "/api/v1/transfers/" + id502 + "/schedule", {{"deliver_on", daysAhead(400)}});
    EXPECT_EQ(far.status, 400) << far.raw;
    EXPECT_NE(far.raw.find("tikfout"), std::string::npos) << far.raw;
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
    for (const char* secret : {"GEHEIM-DIAGNOSE", "medicijngebruik", "GEHEIM-ZIEKENHUIS",
                               "GEHEIM-BESPREKING", "specialist", "Achternaam-502"})
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
                  {{"deliver_on", daysAhead(330)}}).status, 200);
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

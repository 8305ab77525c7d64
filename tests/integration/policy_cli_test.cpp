// Integration tests of the policy layer with the real daemon, beyond gates_test.cpp: withdrawal
// deadlines on an injected clock (midnight, both DST changes) and delivery at the date; the
// token-authenticated `sluis` client for consents, evidence files, previews, approvals and
// batches; role checks (401/403) on everything new.
#include "tests/integration/gates_fixture.h"

namespace sluis {
namespace {

using namespace gates_fixture;

/// Runs the `sluis` client against the fixture's daemon as `who`.
class ClientTest : public GatesTest {
  protected:
    test::RunResult cli(const std::string& who, std::vector<std::string> args) {
        return test::runClient(kExe, port_, who.empty() ? "" : tokens_.at(who), dir_ / ("token-" + who),
                               std::move(args));
    }

    std::vector<std::string> outboxNames(const std::string& outbox) {
        std::vector<std::string> out;
        if (fs::exists(data_ / outbox))
            for (auto& e : fs::directory_iterator(data_ / outbox))
                out.push_back(test::readFile(e.path()));
        return out;
    }
};

class DeadlineTest : public ClientTest {
  protected:
    void SetUp() override {
        useTestClock("2027-03-20T10:00:00Z");
        ClientTest::SetUp();
    }

    std::string scheduleWithConsent(const std::string& pupil_id, const std::string& deliver_on) {
        json t = waitFor(pupil_id, "awaiting_consent", "swv");
        std::string id = t["id"];
        auto s = api("dir-c", "POST", "/api/v1/transfers/" + id + "/schedule",
                     {{"deliver_on", deliver_on}});
        EXPECT_EQ(s.status, 200) << s.raw;
        auto c = api("mentor", "POST", "/api/v1/consents",
                     {{"pupil", pupil_id},
                      {"purpose", "swv"},
                      {"given_by", "ouder"},
                      {"relation", "moeder"},
                      {"decision", "gegeven"},
                      {"decided_on", "2027-03-20"},
                      {"method", "formulier"}});
        EXPECT_EQ(c.status, 201) << c.raw;
        waitFor(pupil_id, "scheduled", "swv");
        return id;
    }

    std::string stateOf(const std::string& id) {
        return api("beheerder", "GET", "/api/v1/transfers/" + id).body.value("state", "");
    }
};

TEST_F(DeadlineTest, WithdrawalUntilOneDayBeforeInAmsterdamTimeAndDeliveryAtTheDate) {
    std::vector<json> pupils;
    const std::vector<std::string> ids = {"701", "702", "703", "704", "711", "712"};
    const std::vector<std::string> bsns = {"111222333", "123456782", "111222333",
                                           "123456782", "111222333", "123456782"};
    for (size_t i = 0; i < ids.size(); ++i) pupils.push_back(pupil(ids[i], bsns[i], "v1"));
    drop("swv.jsonl", pupils, "swv-inbox");
    std::map<std::string, std::string> tr;
    // Spring: 2027-03-28 is the DST change (02:00 CET -> 03:00 CEST). Delivery on 29 March, so
    // the deadline is local midnight starting 28 March = 2027-03-27T23:00Z (still CET).
    for (const char* p : {"701", "702", "703", "704"}) tr[p] = scheduleWithConsent(p, "2027-03-29");
    // Autumn: 2027-10-31 is the change back. Delivery on 1 November: deadline is local midnight
    // starting 31 October = 2027-10-30T22:00Z (still CEST); delivery at 2027-10-31T23:00Z (CET).
    for (const char* p : {"711", "712"}) tr[p] = scheduleWithConsent(p, "2027-11-01");
    EXPECT_EQ(api("beheerder", "GET", "/api/v1/transfers/" + tr["701"]).body["withdraw_deadline"],
              "2027-03-27T23:00:00.000Z");

    setClock("2027-03-27T10:00:00Z");  // two days before the delivery date
    auto w1 = cli("beheerder", {"transfer", "withdraw", tr["701"], "--reason", "ouders verhuizen"});
    EXPECT_EQ(w1.exit_code, 0) << w1.out << w1.err;
    EXPECT_NE(w1.out.find("ingetrokken"), std::string::npos) << w1.out;
    EXPECT_EQ(stateOf(tr["701"]), "withdrawn");

    setClock("2027-03-27T22:59:59Z");  // 23:59:59 local on 27 March: the last second
    EXPECT_EQ(api("beheerder", "POST", "/api/v1/transfers/" + tr["702"] + "/withdraw").status, 200);

    setClock("2027-03-27T23:00:00Z");  // local midnight: one day before, refused
    auto late = cli("beheerder", {"transfer", "withdraw", tr["703"]});
    EXPECT_NE(late.exit_code, 0);
    EXPECT_NE(late.err.find("intrekken kon tot 2027-03-28 00:00"), std::string::npos) << late.err;
    auto consents = api("fg", "GET", "/api/v1/pupils/704/consents");
    ASSERT_EQ(consents.status, 200);
    std::string consent704 = consents.body["consents"][0]["id"];
    auto lateConsent = api("mentor", "POST", "/api/v1/consents/" + consent704 + "/withdraw");
    EXPECT_EQ(lateConsent.status, 409)
        << "consent withdrawal after the deadline: " << lateConsent.raw;
    EXPECT_EQ(stateOf(tr["703"]), "scheduled");
    EXPECT_EQ(stateOf(tr["704"]), "scheduled");

    setClock("2027-03-28T21:59:59Z");    // 23:59:59 CEST on 28 March: not yet
    ASSERT_TRUE(test::waitForPasses(port_, 3));  // whole worker passes at this time
    EXPECT_EQ(stateOf(tr["703"]), "scheduled");
    EXPECT_TRUE(outboxNames("swv-outbox").empty());

    setClock("2027-03-28T22:00:00Z");  // local midnight starting 29 March: delivered
    waitFor("703", "delivered", "swv");
    waitFor("704", "delivered", "swv");
    std::string sent;
    for (const auto& f : outboxNames("swv-outbox")) sent += f;
    EXPECT_NE(sent.find("Achternaam-703"), std::string::npos);
    EXPECT_NE(sent.find("Achternaam-704"), std::string::npos);
    EXPECT_EQ(sent.find("Achternaam-701"), std::string::npos);
    EXPECT_EQ(sent.find("Achternaam-702"), std::string::npos);
    EXPECT_EQ(stateOf(tr["711"]), "scheduled");

    setClock("2027-10-30T21:59:59Z");  // 23:59:59 CEST on 30 October
    EXPECT_EQ(api("dir-a", "POST", "/api/v1/transfers/" + tr["711"] + "/withdraw").status, 200);
    setClock("2027-10-30T22:00:00Z");  // 00:00 CEST on 31 October: one day before, refused
    auto autumn = api("dir-a", "POST", "/api/v1/transfers/" + tr["712"] + "/withdraw");
    EXPECT_EQ(autumn.status, 409) << autumn.raw;
    EXPECT_NE(autumn.raw.find("2027-10-31 00:00"), std::string::npos) << autumn.raw;
    setClock("2027-10-31T22:59:59Z");  // 23:59:59 CET on 31 October: not yet
    ASSERT_TRUE(test::waitForPasses(port_, 3));
    EXPECT_EQ(stateOf(tr["712"]), "scheduled");
    setClock("2027-10-31T23:00:00Z");
    waitFor("712", "delivered", "swv");
    EXPECT_EQ(stateOf(tr["711"]), "withdrawn");

    // Every delivery is in the register; the withdrawn ones are not.
    for (const char* p : {"703", "704", "712"})
        EXPECT_EQ(api("fg", "GET", std::string("/api/v1/pupils/") + p + "/disclosures")
                      .body["deliveries"]
                      .size(),
                  1u)
            << p;
    for (const char* p : {"701", "702", "711"})
        EXPECT_TRUE(api("fg", "GET", std::string("/api/v1/pupils/") + p + "/disclosures")
                        .body["deliveries"]
                        .empty())
            << p;
}

TEST_F(ClientTest, ConsentWithEvidenceFileThroughTheCliAndItsRoleChecks) {
    drop("swv.jsonl", {pupil("801", "111222333", "v1")}, "swv-inbox");
    waitFor("801", "awaiting_consent", "swv");
    const std::string pdf = std::string("%PDF-1.4\n% toestemmingsformulier\n") +
                            std::string(3000, '\x7f') + "\n%%EOF\n";
    test::writeFile(dir_ / "formulier.pdf", pdf);
    test::writeFile(dir_ / "nep.pdf", "dit is geen pdf");
    const std::vector<std::string> base = {"consent",      "add",        "--pupil",    "801",
                                           "--purpose",    "swv",        "--given-by", "ouder",
                                           "--relation",   "voogd",      "--decision", "gegeven",
                                           "--decided-on", "2026-11-20", "--method",   "formulier"};

    // No token, a file that is not what it claims, a role that may not record consents.
    auto none = cli("", base);
    EXPECT_NE(none.exit_code, 0);
    EXPECT_NE(none.err.find("geen token"), std::string::npos) << none.err;
    auto args = base;
    args.insert(args.end(), {"--evidence-file", (dir_ / "nep.pdf").string()});
    auto fake = cli("mentor", args);
    EXPECT_NE(fake.exit_code, 0);
    EXPECT_NE(fake.err.find("evidence_file: de inhoud is geen application/pdf"), std::string::npos)
        << fake.err;
    auto fg = cli("fg", base);
    EXPECT_NE(fg.exit_code, 0);
    EXPECT_NE(fg.err.find("HTTP 403"), std::string::npos) << fg.err;
    EXPECT_EQ(api("beheerder", "GET", "/api/v1/transfers?subject=801&route=swv")
                  .body["transfers"][0]["state"],
              "awaiting_consent");

    args = base;
    args.insert(args.end(), {"--evidence-file", (dir_ / "formulier.pdf").string()});
    auto ok = cli("mentor", args);
    ASSERT_EQ(ok.exit_code, 0) << ok.out << ok.err;
    EXPECT_NE(ok.out.find("1 wachtende overdracht(en) vrijgegeven"), std::string::npos) << ok.out;
    waitFor("801", "delivered", "swv");

    auto list = cli("fg", {"consent", "list", "--pupil", "801"});
    ASSERT_EQ(list.exit_code, 0) << list.err;
    json listed = json::parse(list.out);
    const json& ev = listed["consents"][0]["evidence_file"];
    EXPECT_EQ(ev["filename"], "formulier.pdf");
    EXPECT_EQ(ev["size"], pdf.size());
    std::string consent_id = listed["consents"][0]["id"];

    // Download: only roles that may see evidence, audited, byte-identical.
    auto mentor = api("mentor", "GET", "/api/v1/consents/" + consent_id + "/evidence");
    EXPECT_EQ(mentor.status, 403);
    EXPECT_EQ(api("", "GET", "/api/v1/consents/" + consent_id + "/evidence").status, 401);
    auto got =
        cli("fg", {"consent", "evidence", consent_id, "--out", (dir_ / "terug.pdf").string()});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(test::readFile(dir_ / "terug.pdf"), pdf);
    EXPECT_EQ(ev["sha256"], listed["consents"][0]["evidence_file"]["sha256"]);
    EXPECT_NE(got.out.find(ev["sha256"].get<std::string>()), std::string::npos);
    auto audit = api("fg", "GET", "/api/v1/audit?limit=5000");
    ASSERT_EQ(audit.status, 200);
    std::string events = audit.raw;
    EXPECT_NE(events.find("consent_evidence_viewed"), std::string::npos);
    EXPECT_EQ(events.find("formulier.pdf"), std::string::npos)
        << "file names may name the child; not in the audit";
    // The evidence is encrypted at rest: neither its text nor its name is in the database file.
    EXPECT_EQ(daemon_.terminate(), 0);
    std::string db =
        test::readFile(data_ / "sluis.db") +
        (fs::exists(data_ / "sluis.db-wal") ? test::readFile(data_ / "sluis.db-wal") : "");
    EXPECT_EQ(db.find("toestemmingsformulier"), std::string::npos);
    EXPECT_EQ(db.find("formulier.pdf"), std::string::npos);
}

TEST_F(ClientTest, MentorPreparesABatchDirecteurenApproveItAfterEachPreview) {
    drop("groep8.jsonl", {pupil("901", "111222333", "v1"), pupil("902", "123456782", "v1"),
                          pupil("903", "111222333", "v1")});
    std::vector<std::string> ids;
    for (const char* p : {"901", "902", "903"}) {
        waitFor(p, "awaiting_consent");
        auto z = cli("mentor", {"inzage", "add", "--pupil", p, "--purpose", "povo", "--date",
                                "2026-11-20", "--akkoord", "Ja"});
        ASSERT_EQ(z.exit_code, 0) << z.err;
        ids.push_back(waitFor(p, "awaiting_approval")["id"]);
    }
    auto queue = cli("dir-a", {"approvals"});
    ASSERT_EQ(queue.exit_code, 0) << queue.err;
    EXPECT_NE(queue.out.find("3 overdracht(en) wachten op goedkeuring"), std::string::npos)
        << queue.out;

    // A mentor may prepare but not approve.
    std::vector<std::string> prep = {"batch", "prepare", "--name", "groep 8b",
                                     ids[0],  ids[1],    ids[2]};
    auto prepared = cli("mentor", prep);
    ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
    auto batches = api("mentor", "GET", "/api/v1/batches");
    ASSERT_EQ(batches.body["batches"].size(), 1u);
    std::string batch = batches.body["batches"][0]["id"];
    auto mentorApproves = cli("mentor", {"batch", "approve", batch});
    EXPECT_NE(mentorApproves.exit_code, 0);
    EXPECT_NE(mentorApproves.err.find("HTTP 403"), std::string::npos) << mentorApproves.err;
    auto mentorSingle = cli("mentor", {"transfer", "approve", ids[0], "--hash", "x"});
    EXPECT_NE(mentorSingle.err.find("HTTP 403"), std::string::npos) << mentorSingle.err;

    // The directeur must have seen every preview first; nothing is approved before that.
    auto blind = cli("dir-a", {"batch", "approve", batch});
    EXPECT_NE(blind.exit_code, 0);
    EXPECT_NE(blind.err.find("nog niet bekeken"), std::string::npos) << blind.err;
    for (const auto& id : ids) {
        auto p = cli("dir-a", {"transfer", "preview", id});
        ASSERT_EQ(p.exit_code, 0) << p.err;
        EXPECT_NE(p.out.find("exact wat wordt verzonden"), std::string::npos);
        EXPECT_EQ(p.out.find("GEHEIM"), std::string::npos) << "withheld values in the preview";
    }
    auto first = cli("dir-a", {"batch", "approve", batch});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.out.find("3 van 3 goedgekeurd"), std::string::npos) << first.out;
    auto shown = api("dir-a", "GET", "/api/v1/batches/" + batch);
    EXPECT_EQ(shown.body["status"], "prepared")
        << "povo needs two directeuren; the batch stays open";

    // 903's data changes before the second directeur: that one lapses, the others go out.
    drop("correctie.jsonl", {pupil("903", "111222333", "v2")});
    std::string old903 = shown.body["items"][2]["payload_hash"];
    test::waitUntil([&] {
        auto t = api("beheerder", "GET", "/api/v1/transfers/" + ids[2]);
        return t.body["payload_hash"] != old903 && t.body["state"] == "awaiting_approval";
    });
    for (const auto& id : {ids[0], ids[1]})
        ASSERT_EQ(cli("dir-b", {"transfer", "preview", id}).exit_code, 0);
    auto second = api("dir-b", "POST", "/api/v1/batches/" + batch + "/approve", json::object());
    ASSERT_EQ(second.status, 200) << second.raw;
    EXPECT_EQ(second.body["approved"], 2);
    EXPECT_EQ(second.body["results"][2]["ok"], false);
    EXPECT_NE(second.body["results"][2]["error"]["message"].get<std::string>().find("gewijzigd"),
              std::string::npos);
    waitFor("901", "delivered");
    waitFor("902", "delivered");
    EXPECT_EQ(api("beheerder", "GET", "/api/v1/transfers/" + ids[2]).body["state"],
              "awaiting_approval");
    std::string sent = allDeliveredBytes();
    EXPECT_EQ(sent.find("Achternaam-903"), std::string::npos);

    // 903 on its own, after a fresh preview by two directeuren, via the CLI.
    for (const char* who : {"dir-a", "dir-b"}) {
        auto p = api(who, "GET", "/api/v1/transfers/" + ids[2] + "/preview");
        auto a = cli(who, {"transfer", "approve", ids[2], "--hash", p.body["payload_hash"]});
        ASSERT_EQ(a.exit_code, 0) << a.err;
    }
    waitFor("903", "delivered");
    EXPECT_NE(allDeliveredBytes().find("Achternaam-903-v2"), std::string::npos);
    // Nothing in the batch waits any more: it reports itself completed. Audit has the batch events.
    EXPECT_EQ(api("fg", "GET", "/api/v1/batches/" + batch).body["status"], "completed");
    auto audit = api("fg", "GET", "/api/v1/audit?limit=5000");
    EXPECT_NE(audit.raw.find("batch_prepared"), std::string::npos);
    EXPECT_NE(audit.raw.find("batch_approved"), std::string::npos);
}

}  // namespace
}  // namespace sluis

// Integration tests with the real daemon: no way around the gates (issue 14, H1 and part of M3).
// A requeue is no way past consent, inzage or approval; the engine re-evaluates the gates and the
// payload hash immediately before every delivery, so a row changed in the database cannot make a
// transfer leave; a withdrawn consent also stops transfers that gave up or failed.
#include "tests/integration/gates_fixture.h"

namespace sluis {
namespace {

using namespace gates_fixture;

class GatesBypassTest : public GatesTest {
  protected:
    json detail(const std::string& id) {
        auto r = api("beheerder", "GET", "/api/v1/transfers/" + id);
        EXPECT_EQ(r.status, 200) << r.raw;
        return r.body;
    }
    bool historySays(const std::string& id, const std::string& text) {
        return detail(id)["history"].dump().find(text) != std::string::npos;
    }
    /// Whether the audit log holds an alert `event` for transfer `id`.
    bool auditHasAlert(const std::string& id, const std::string& event) {
        auto r = api("beheerder", "GET", "/api/v1/audit?limit=5000");
        EXPECT_EQ(r.status, 200) << r.raw;
        for (const auto& rec : r.body["records"])
            if (rec["transfer_id"] == id && rec["event"] == event &&
                rec["details"].value("alert", false))
                return true;
        return false;
    }
    /// The parents' inzage for the povo purpose, registered by the mentor.
    void registerInzage(const std::string& pupil_id) {
        auto r = api("mentor", "POST", "/api/v1/inzage",
                     {{"pupil", pupil_id}, {"purpose", "povo"}, {"inzagedatum", "2026-11-01"},
                      {"akkoord", "Ja"}});
        ASSERT_EQ(r.status, 201) << r.raw;
    }
    /// Two directeuren preview and approve the current payload.
    void approveByTwoDirecteuren(const std::string& id) {
        for (const char* who : {"dir-a", "dir-b"}) {
            auto p = api(who, "GET", "/api/v1/transfers/" + id + "/preview");
            ASSERT_EQ(p.status, 200) << p.raw;
            auto a = api(who, "POST", "/api/v1/transfers/" + id + "/approve",
                         {{"payload_hash", p.body["payload_hash"]}});
            ASSERT_EQ(a.status, 200) << a.raw;
        }
    }
    void restartAfter(const std::string& statement) {
        ASSERT_EQ(daemon_.terminate(), 0);
        sqlite(statement);
        startDaemon();
        ASSERT_NE(port_, 0);
    }
};

TEST_F(GatesBypassTest, RequeueIsNoWayPastInzageOrApproval) {
    drop("groep8.jsonl", {pupil("701", "111222333", "v1")});
    std::string id = waitFor("701", "awaiting_consent")["id"];

    // Waiting for inzage: a requeue is refused and changes nothing.
    auto r1 = api("beheerder", "POST", "/api/v1/transfers/" + id + "/requeue");
    EXPECT_EQ(r1.status, 409) << r1.raw;
    EXPECT_EQ(detail(id)["state"], "awaiting_consent");

    registerInzage("701");
    waitFor("701", "awaiting_approval");
    // Waiting for approval: refused too.
    auto r2 = api("beheerder", "POST", "/api/v1/transfers/" + id + "/requeue");
    EXPECT_EQ(r2.status, 409) << r2.raw;
    EXPECT_EQ(detail(id)["state"], "awaiting_approval");

    // A dead-lettered transfer (here: marked so in the database) that never had its approvals:
    // the requeue sends it back through the gates, where it waits for approval again.
    restartAfter("UPDATE transfers SET state = 11 WHERE id = '" + id + "';");
    EXPECT_EQ(detail(id)["state"], "dead_lettered");
    auto r3 = api("beheerder", "POST", "/api/v1/transfers/" + id + "/requeue");
    ASSERT_EQ(r3.status, 200) << r3.raw;
    EXPECT_EQ(r3.body["state"], "awaiting_approval");
    waitFor("701", "awaiting_approval");
    EXPECT_TRUE(allDeliveredBytes().empty()) << "delivered without approval";

    // After two approvals it leaves, and the register names both approvers.
    approveByTwoDirecteuren(id);
    waitFor("701", "delivered");
    auto reg = api("fg", "GET", "/api/v1/pupils/701/disclosures");
    ASSERT_EQ(reg.status, 200);
    ASSERT_EQ(reg.body["deliveries"].size(), 1u);
    EXPECT_EQ(reg.body["deliveries"][0]["approved_by"].size(), 2u);
}

TEST_F(GatesBypassTest, EngineReevaluatesTheGatesImmediatelyBeforeDelivery) {
    drop("groep8.jsonl", {pupil("702", "111222333", "v1")});
    std::string id = waitFor("702", "awaiting_consent")["id"];
    registerInzage("702");
    waitFor("702", "awaiting_approval");

    // Someone with write access to the database marks it scheduled without any approval.
    restartAfter("UPDATE transfers SET state = 5 WHERE id = '" + id + "';");
    // The engine checks the gates before handing it to the sink: back to waiting for approval.
    waitFor("702", "awaiting_approval");
    EXPECT_TRUE(historySays(id, "poorten vlak voor levering opnieuw beoordeeld")) << detail(id).dump();
    EXPECT_TRUE(allDeliveredBytes().empty()) << "delivered without approval";
}

TEST_F(GatesBypassTest, APayloadThatIsNotTheApprovedOneNeverLeaves) {
    drop("groep8.jsonl", {pupil("703", "111222333", "v1")});
    std::string id = waitFor("703", "awaiting_consent")["id"];
    registerInzage("703");
    waitFor("703", "awaiting_approval");
    // A delivery date far ahead (chosen by a third directeur), then two approvals: scheduled.
    ASSERT_EQ(api("dir-c", "POST", "/api/v1/transfers/" + id + "/schedule",
                  {{"deliver_on", daysAhead(300)}})
                  .status,
              200);
    approveByTwoDirecteuren(id);
    waitFor("703", "scheduled");

    // The approved payload is swapped for the full, unminimised canonical record in the database
    // (both are ciphertexts under the same data key), and the delivery date is made due.
    restartAfter("UPDATE transfers SET payload = canonical, deliver_at = NULL WHERE id = '" + id +
                 "';");
    waitFor("703", "dead_lettered");
    json t = detail(id);
    // The swapped blob was sealed for the canonical column: it does not open as the payload.
    EXPECT_NE(t.dump().find("niet te ontsleutelen"), std::string::npos) << t.dump();
    EXPECT_TRUE(auditHasAlert(id, "payload_mismatch")) << detail(id).dump();
    std::string sent = allDeliveredBytes();
    EXPECT_TRUE(sent.empty()) << "a payload other than the approved one left the building";
    EXPECT_EQ(sent.find("GEHEIM"), std::string::npos);
    // A requeue does not help: the payload still does not match its hash.
    ASSERT_EQ(api("beheerder", "POST", "/api/v1/transfers/" + id + "/requeue").status, 200);
    ASSERT_TRUE(test::waitUntil([&] {
        json d = detail(id);
        return d["state"] == "dead_lettered" && d["history"].size() > t["history"].size();
    })) << detail(id).dump();
    EXPECT_TRUE(allDeliveredBytes().empty());
}

TEST_F(GatesBypassTest, APayloadHashThatIsNotTheApprovedOneNeverLeaves) {
    drop("groep8.jsonl", {pupil("706", "111222333", "v1")});
    std::string id = waitFor("706", "awaiting_consent")["id"];
    registerInzage("706");
    waitFor("706", "awaiting_approval");
    ASSERT_EQ(api("dir-c", "POST", "/api/v1/transfers/" + id + "/schedule",
                  {{"deliver_on", daysAhead(300)}})
                  .status,
              200);
    approveByTwoDirecteuren(id);
    waitFor("706", "scheduled");
    // The recorded hash no longer matches the sealed payload (as after a payload was replaced
    // by an older one of the same transfer, or the hash edited): not delivered.
    restartAfter("UPDATE transfers SET payload_hash = '" + std::string(64, 'a') +
                 "', deliver_at = NULL WHERE id = '" + id + "';");
    waitFor("706", "dead_lettered");
    json t = detail(id);
    EXPECT_NE(t.dump().find("goedgekeurde hash"), std::string::npos) << t.dump();
    EXPECT_TRUE(auditHasAlert(id, "payload_mismatch")) << t.dump();
    EXPECT_TRUE(allDeliveredBytes().empty());
}

TEST_F(GatesBypassTest, ApprovalsAndInzageAddedByHandDoNotCount) {
    drop("groep8.jsonl", {pupil("707", "111222333", "v1"), pupil("708", "123456782", "v1")});
    std::string id = waitFor("707", "awaiting_consent")["id"];
    std::string other = waitFor("708", "awaiting_consent")["id"];
    registerInzage("707");
    waitFor("707", "awaiting_approval");
    std::string hash;
    for (const char* who : {"dir-a", "dir-b"}) {
        auto p = api(who, "GET", "/api/v1/transfers/" + id + "/preview");
        ASSERT_EQ(p.status, 200) << p.raw;
        hash = p.body["payload_hash"];
    }
    // Someone with write access to the database (but not the key file) adds the two approvals,
    // an inzage for the other pupil, marks the first transfer scheduled and sends the other back
    // to be rendered (which looks the inzage up in the register).
    std::string forged;
    for (const char* who : {"dir-a", "dir-b"})
        forged += "INSERT INTO approvals (transfer_id, approver, role, payload_hash, decision, reason, at)"
                  " VALUES ('" + id + "', '" + who + "', 'directeur', '" + hash + "', 'approved', '', 1);";
    forged += "INSERT INTO inzage (id, pupil, purpose, inzagedatum, akkoord, redennietakkoord, recorded_by,"
              " recorded_at) VALUES ('inz_hand', '708', 'povo', '2026-11-01', 'Ja', '', 'mentor', 1);";
    forged += "UPDATE transfers SET state = 5 WHERE id = '" + id + "';";
    forged += "UPDATE transfers SET state = 1 WHERE id = '" + other + "';";
    restartAfter(forged);
    // The engine checks the gates before delivery; the rows without a valid MAC do not count.
    waitFor("707", "awaiting_approval");
    waitFor("708", "awaiting_consent");
    EXPECT_TRUE(allDeliveredBytes().empty()) << "delivered on forged approvals or inzage";
    // And the FG's check names the forged rows.
    auto v = api("fg", "GET", "/api/v1/audit/verify");
    ASSERT_EQ(v.status, 200) << v.raw;
    EXPECT_EQ(v.body["ok"], false) << v.raw;
    EXPECT_EQ(v.body["kind"], "register") << v.raw;
    EXPECT_NE(v.body["problem"].get<std::string>().find("approvals"), std::string::npos) << v.raw;
    EXPECT_NE(v.body["problem"].get<std::string>().find("3 rijen"), std::string::npos) << v.raw;
    // Approved for real, it leaves.
    approveByTwoDirecteuren(id);
    waitFor("707", "delivered");
}

TEST_F(GatesBypassTest, AWithdrawnConsentAlsoStopsDeadLetteredAndFailedTransfers) {
    drop("swv.jsonl", {pupil("704", "111222333", "v1"), pupil("705", "123456782", "v1")},
         "swv-inbox");
    std::string a = waitFor("704", "awaiting_consent", "swv")["id"];
    std::string b = waitFor("705", "awaiting_consent", "swv")["id"];
    auto consent = [&](const std::string& pupil_id) {
        auto c = api("mentor", "POST", "/api/v1/consents",
                     {{"pupil", pupil_id}, {"purpose", "swv"}, {"given_by", "ouder"},
                      {"relation", "vader"}, {"decision", "gegeven"}, {"decided_on", "2026-11-01"},
                      {"method", "formulier"}});
        EXPECT_EQ(c.status, 201) << c.raw;
        return c.body["id"].get<std::string>();
    };
    // Both transfers gave up before consent was registered (dead-lettered, failed).
    restartAfter("UPDATE transfers SET state = 11 WHERE id = '" + a + "'; UPDATE transfers SET state = 10, next_attempt_at = 4102444800000000 WHERE id = '" + b + "';");
    std::string ca = consent("704"), cb = consent("705");
    for (const auto& [c, id] : {std::pair{ca, a}, std::pair{cb, b}}) {
        auto w = api("mentor", "POST", "/api/v1/consents/" + c + "/withdraw");
        ASSERT_EQ(w.status, 200) << w.raw;
        EXPECT_EQ(w.body["withdrawn_transfers"].size(), 1u) << w.raw;
        EXPECT_EQ(detail(id)["state"], "withdrawn");
    }
    // And a requeue cannot bring them back.
    EXPECT_EQ(api("beheerder", "POST", "/api/v1/transfers/" + a + "/requeue").status, 409);
    bool nothing = !fs::exists(data_ / "swv-outbox") || fs::is_empty(data_ / "swv-outbox");
    EXPECT_TRUE(nothing);
}

}  // namespace
}  // namespace sluis

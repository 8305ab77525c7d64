#include "core/policy/gates.h"

#include <gtest/gtest.h>

#include "app/cli.h"
#include "core/policy/minimise.h"
#include "core/policy/retention.h"
#include "core/util/amsterdam_time.h"
#include "tests/support/test_util.h"

namespace sluis::policy {
namespace {

using nlohmann::json;
using store::State;

class GatesUnitTest : public ::testing::Test {
protected:
    void SetUp() override {
        connector::ConnectorRegistry c;
        mapper::MapperRegistry m;
        ASSERT_TRUE(app::registerAll(c, m));
        std::map<std::string, json> docs = {
            {"connectors.json",
             {{"sources", {{{"name", "in"}, {"type", "directory"}, {"options", {{"path", "in"}}}}}},
              {"sinks", {{{"name", "out"}, {"type", "directory"}, {"options", {{"path", "out"}}}}}}}},
            {"policies.json",
             {{"purposes",
               {{"swv", {{"legal_basis", "toestemming"}, {"basis", "consent"}}},
                {"vensters", {{"legal_basis", "akkoord"}, {"approvals", {{"required", 1}, {"roles", {"bevoegd-gezag"}}}}}},
                {"swv-zorg", {{"legal_basis", "toestemming"}, {"basis", "consent"},
                              {"approvals", {{"required", 1}, {"roles", {"zorgcoordinator"}}}}}}}}}},
            {"routes.json", {{"routes", {{{"name", "r"}, {"source", "in"}, {"decoder", "canonical-jsonl"},
                                          {"purpose", "swv"}, {"encoder", "canonical-json"}, {"sink", "out"}}}}}}};
        auto cfg = config::buildConfig(docs, "t", {dir_.path().string()}, c, m);
        ASSERT_TRUE(cfg) << cfg.error().message;
        config_ = *cfg;
        auto s = store::openSqliteStore({config_->store.sqlite_path, config_->key_file});
        ASSERT_TRUE(s);
        store_ = std::move(s.value());
        gates_ = std::make_unique<Gates>(config_, *store_, clock_);
    }

    std::string addTransfer(const std::string& pupil, const std::string& birth, const std::string& purpose = "swv") {
        store::IngestBatch b;
        b.ingest_key = "k" + pupil + purpose;
        b.source = "in";
        b.actor = "bron:in";
        store::NewTransfer nt;
        nt.meta.id = store::newTransferId();
        nt.meta.idempotency_key = b.ingest_key;
        nt.meta.direction = "outbound";
        nt.meta.route = "r-" + purpose;
        nt.meta.purpose = purpose;
        nt.meta.source = "in";
        nt.meta.destination = "out";
        nt.meta.subject = pupil;
        nt.canonical = json{{"leerling", {{"leerlingid", pupil}, {"geboortedatum", birth}}}}.dump();
        b.transfers.push_back(nt);
        EXPECT_TRUE(store_->ingest(b, clock_.now()));
        store::TransitionUpdate u;
        u.payload = "payload-" + pupil;
        EXPECT_TRUE(store_->transition(nt.meta.id, State::kReceived, State::kMapped, u, {"t", "m", "", purpose, {}}, "", clock_.now()));
        return nt.meta.id;
    }

    void consent(const std::string& id, const std::string& pupil, const std::string& by, const std::string& decided,
                 const std::string& decision = "gegeven") {
        store::Consent k{id, pupil, "swv", by, by == "ouder" ? "moeder" : "", decision, decided, "formulier",
                         "", decided, "", "juf", clock_.now(), std::nullopt, ""};
        ASSERT_TRUE(store_->addConsent(k, clock_.now()));
    }

    test::TempDir dir_;
    ManualClock clock_{amsterdam::startOfDay({2027, 3, 1}) + std::chrono::hours(10)};
    std::shared_ptr<const config::Config> config_;
    std::unique_ptr<store::TransferStore> store_;
    std::unique_ptr<Gates> gates_;
};

TEST_F(GatesUnitTest, ConsentFromTheRightPersonOpensTheGate) {
    std::string young = addTransfer("1", "2015-01-01");    // 12: parents decide
    std::string sixteen = addTransfer("2", "2010-06-01");  // 16 on the decision date: the pupil decides
    EXPECT_EQ(gates_->evaluate(*store_->get(young))->next, State::kAwaitingConsent);
    consent("c-wrong", "1", "leerling", "2027-02-01");  // a 12-year-old cannot consent here
    EXPECT_EQ(gates_->evaluate(*store_->get(young))->next, State::kAwaitingConsent);
    consent("c1", "1", "ouder", "2027-02-01");
    auto d = gates_->evaluate(*store_->get(young));
    EXPECT_EQ(d->next, State::kScheduled);
    EXPECT_EQ(d->consent_id, "c1");

    consent("c2", "2", "ouder", "2027-02-01");  // parents of a 16-year-old: not valid
    EXPECT_EQ(gates_->evaluate(*store_->get(sixteen))->next, State::kAwaitingConsent);
    consent("c3", "2", "leerling", "2027-02-01");
    EXPECT_EQ(gates_->evaluate(*store_->get(sixteen))->next, State::kScheduled);
    // A newer refusal overrides.
    consent("c4", "2", "leerling", "2027-02-20", "geweigerd");
    EXPECT_EQ(gates_->evaluate(*store_->get(sixteen))->next, State::kAwaitingConsent);
    ASSERT_TRUE(gates_->advance(young, "t"));
    EXPECT_EQ(store_->get(young)->state, State::kScheduled);
    EXPECT_EQ(store_->get(young)->consent_id, "c1");
}

TEST_F(GatesUnitTest, WithdrawingConsentStopsUndeliveredTransfersAtOnce) {
    std::string id = addTransfer("7", "2015-01-01");
    consent("c7", "7", "ouder", "2027-02-01");
    ASSERT_TRUE(gates_->advance(id, "t"));
    auto stopped = gates_->withdrawConsent("c7", "ouder via mentor");
    ASSERT_TRUE(stopped) << stopped.error().message;
    ASSERT_EQ(stopped->size(), 1u);
    EXPECT_EQ(store_->get(id)->state, State::kWithdrawn);
    auto log = store_->auditLog(0, 1000);
    bool audited = false;
    for (const auto& r : *log) audited = audited || (r.event.event == "withdrawn" && r.event.transfer_id == id);
    EXPECT_TRUE(audited);
    EXPECT_FALSE(gates_->withdrawConsent("c7", "x"));  // already withdrawn
}

TEST_F(GatesUnitTest, WithdrawalDeadlineIsOneDayBeforeDeliveryInAmsterdamTime) {
    // Delivery on Monday 29 March 2027 (CEST starts Sunday 28 March): deadline is local midnight
    // starting Sunday 28 March, i.e. 2027-03-27 23:00 UTC (still CET then).
    std::string id = addTransfer("9", "2015-01-01");
    store::TransitionUpdate u;
    u.deliver_at = std::optional<Timestamp>(amsterdam::startOfDay({2027, 3, 29}));
    u.withdraw_deadline = std::optional<Timestamp>(amsterdam::startOfDay({2027, 3, 28}));
    ASSERT_TRUE(store_->transition(id, State::kMapped, State::kMapped, u, {"t", "s", "", "swv", {}}, "", clock_.now()));
    auto t = *store_->get(id);
    clock_.set(amsterdam::startOfDay({2027, 3, 27}) + std::chrono::hours(12));  // two days before: fine
    EXPECT_TRUE(gates_->checkWithdrawable(t));
    clock_.set(amsterdam::startOfDay({2027, 3, 28}) - std::chrono::milliseconds(1));  // last moment
    EXPECT_TRUE(gates_->checkWithdrawable(t));
    clock_.set(amsterdam::startOfDay({2027, 3, 28}));  // one day before, at midnight: refused
    auto refused = gates_->checkWithdrawable(t);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.code(), ErrorCode::kConflict);
    EXPECT_NE(refused.message().find("2027-03-28 00:00 (CET)"), std::string::npos) << refused.message();
    // Autumn: delivery Monday 1 November 2027; CET returns Sunday 31 October.
    std::string id2 = addTransfer("10", "2015-01-01");
    u.deliver_at = std::optional<Timestamp>(amsterdam::startOfDay({2027, 11, 1}));
    u.withdraw_deadline = std::optional<Timestamp>(amsterdam::startOfDay({2027, 10, 31}));
    ASSERT_TRUE(store_->transition(id2, State::kMapped, State::kMapped, u, {"t", "s", "", "swv", {}}, "", clock_.now()));
    auto t2 = *store_->get(id2);
    clock_.set(amsterdam::startOfDay({2027, 10, 31}) - std::chrono::minutes(1));
    EXPECT_TRUE(gates_->checkWithdrawable(t2));
    clock_.set(amsterdam::startOfDay({2027, 10, 31}) + std::chrono::minutes(1));
    EXPECT_FALSE(gates_->checkWithdrawable(t2));
    EXPECT_EQ(amsterdam::startOfDay({2027, 10, 31}), amsterdam::startOfDay({2027, 10, 30}) + std::chrono::hours(24));
}

TEST_F(GatesUnitTest, ApprovalsCountOnlyForTheCurrentPayloadAndEligibleApprovers) {
    std::string id = addTransfer("20", "2015-01-01", "vensters");
    auto t = *store_->get(id);
    EXPECT_EQ(gates_->evaluate(t)->next, State::kAwaitingApproval);
    ASSERT_TRUE(store_->addApproval({0, id, "bestuur", "directeur", t.payload_hash, "approved", "", clock_.now()}, "vensters", clock_.now()));
    EXPECT_EQ(gates_->evaluate(t)->next, State::kAwaitingApproval);  // wrong role
    ASSERT_TRUE(store_->addApproval({0, id, "bestuur", "bevoegd-gezag", "oude-hash", "approved", "", clock_.now()}, "vensters", clock_.now()));
    EXPECT_EQ(gates_->evaluate(t)->next, State::kAwaitingApproval);  // other data
    ASSERT_TRUE(store_->addApproval({0, id, "bron:in", "bevoegd-gezag", t.payload_hash, "approved", "", clock_.now()}, "vensters", clock_.now()));
    EXPECT_EQ(gates_->evaluate(t)->next, State::kAwaitingApproval);  // creator: four eyes
    ASSERT_TRUE(store_->addApproval({0, id, "bestuur", "bevoegd-gezag", t.payload_hash, "approved", "", clock_.now()}, "vensters", clock_.now()));
    EXPECT_EQ(gates_->evaluate(t)->next, State::kScheduled);
    // What counted is what the API's procedures and the disclosure register show: one approver.
    auto count = gates_->countApprovals(t, *config_->policy("vensters"));
    ASSERT_TRUE(count);
    EXPECT_EQ(count->valid, 1);
    ASSERT_EQ(count->counted.size(), 1u);
    EXPECT_EQ(count->counted[0].approver, "bestuur");
    EXPECT_EQ(count->counted[0].role, "bevoegd-gezag");
    // A purpose no longer configured: its rules are unknown, every approver of this payload counts.
    auto unknown = policy::Gates::countApprovals(*store_, t, nullptr);
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->valid, 2);
}

// #14 L2: whoever recorded the consent a transfer relies on is a changer under four eyes; their
// approval is not the second pair of eyes, in evaluate (and so in the engine's re-check before
// every delivery) as in the count the API shows.
TEST_F(GatesUnitTest, WhoeverRecordedTheConsentIsAChangerForFourEyes) {
    std::string id = addTransfer("30", "2015-01-01", "swv-zorg");
    auto t = *store_->get(id);
    EXPECT_EQ(gates_->evaluate(t)->next, State::kAwaitingConsent);
    store::Consent k{"ct-zorg", "30", "swv-zorg", "ouder", "moeder", "gegeven", "2027-02-01", "formulier",
                     "", "2027-02-01", "", "zorg-a", clock_.now(), std::nullopt, ""};
    ASSERT_TRUE(store_->addConsent(k, clock_.now()));
    auto basis = gates_->reliedOn(t, *config_->policy("swv-zorg"));
    ASSERT_TRUE(basis);
    ASSERT_TRUE(basis->has_value());
    EXPECT_EQ((*basis)->id, "ct-zorg");
    EXPECT_EQ((*basis)->recorded_by, "zorg-a");
    EXPECT_EQ(gates_->evaluate(t)->next, State::kAwaitingApproval);
    ASSERT_TRUE(store_->addApproval({0, id, "zorg-a", "zorgcoordinator", t.payload_hash, "approved", "", clock_.now()},
                                    "swv-zorg", clock_.now()));
    auto d = gates_->evaluate(t);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->next, State::kAwaitingApproval) << "the recorder of the consent approved alone";
    EXPECT_EQ(gates_->countApprovals(t, *config_->policy("swv-zorg"))->valid, 0);
    ASSERT_TRUE(store_->addApproval({0, id, "zorg-b", "zorgcoordinator", t.payload_hash, "approved", "", clock_.now()},
                                    "swv-zorg", clock_.now()));
    EXPECT_EQ(gates_->evaluate(t)->next, State::kScheduled);
    EXPECT_EQ(gates_->countApprovals(t, *config_->policy("swv-zorg"))->valid, 1);

    // A newer consent recorded by the second approver is what the transfer relies on now: zorg-b
    // became the changer, and the one approval that counts is zorg-a's.
    clock_.advance(std::chrono::minutes(1));
    store::Consent k2{"ct-zorg-2", "30", "swv-zorg", "ouder", "vader", "gegeven", "2027-02-20", "formulier",
                      "", "2027-02-20", "", "zorg-b", clock_.now(), std::nullopt, ""};
    ASSERT_TRUE(store_->addConsent(k2, clock_.now()));
    EXPECT_EQ(gates_->reliedOn(t, *config_->policy("swv-zorg"))->value().recorded_by, "zorg-b");
    EXPECT_EQ(gates_->countApprovals(t, *config_->policy("swv-zorg"))->valid, 1);
    // Without four eyes the recorder's approval counts like any other.
    config::PurposePolicy lax = *config_->policy("swv-zorg");
    lax.approvals.four_eyes = false;
    EXPECT_EQ(gates_->countApprovals(t, lax)->valid, 2);
}

TEST_F(GatesUnitTest, RetentionPurgesPayloadsButKeepsMetadataAndAudit) {
    std::string id = addTransfer("30", "2015-01-01");
    ASSERT_TRUE(store_->transition(id, State::kMapped, State::kScheduled, {}, {"t", "s", "", "swv", {}}, "", clock_.now()));
    ASSERT_TRUE(store_->transition(id, State::kScheduled, State::kDelivering, {}, {"t", "d", "", "swv", {}}, "", clock_.now()));
    ASSERT_TRUE(store_->transition(id, State::kDelivering, State::kDelivered, {}, {"t", "ok", "", "swv", {}}, "", clock_.now()));
    clock_.advance(std::chrono::hours(24 * 729));
    EXPECT_TRUE(purgeCandidates(*config_, *store_, clock_.now())->empty());  // default 730 days
    clock_.advance(std::chrono::hours(24 * 2));
    auto due = purgeCandidates(*config_, *store_, clock_.now());
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ(due->at(0).transfer.id, id);
    ASSERT_EQ(*purgeDue(*config_, *store_, clock_.now(), "test"), 1u);
    auto t = store_->get(id);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->payload_purged);
    EXPECT_EQ(t->state, State::kDelivered);
    EXPECT_FALSE(store_->payload(id));
    EXPECT_FALSE(store_->canonical(id));
    EXPECT_TRUE(purgeCandidates(*config_, *store_, clock_.now())->empty());
    auto log = store_->auditLog(0, 1000);
    EXPECT_EQ(log->back().event.event, "purged");
    EXPECT_TRUE(store::verifyAudit(*store_)->ok);
}

TEST(Minimise, WithholdsByCategorySensitivityAndGeneralisesMedicalAbsence) {
    config::PurposePolicy p;
    p.name = "test";
    p.all_categories = false;
    p.categories = {"school", "leerling", "verzuim", "onderwijsondersteuning"};
    p.identifiers = false;
    json rec = {
        {"school", {{"naam", "S"}, {"brincode", "12AB"}}},
        {"leerling",
         {{"leerlingid", "1"},
          {"bsn", "111222333"},
          {"achternaam", "A"},
          {"geboortedatum", "2014-01-01"}}},
        {"verzorgers", {{{"achternaam", "Ouder"}}}},
        {"verzuim",
         {{"meldingen",
           {{{"datum", "2026-01-01"}, {"soort", "geoorloofd"}, {"reden", "tandarts"}},
            {{"datum", "2026-01-02"}, {"soort", "ongeoorloofd"}, {"reden", "spijbelen"}}}}}},
        {"onderwijsondersteuning",
         {{"lwootoewijzing", {{"lwoo_ingangdatum", "2025-08-01"}}},
          {"diagnoselijst", {{{"naam", "X"}}}},
          {"medicijngebruikaanwezig", true}}}};
    auto m = minimise(rec, p, *model::ModelDefinition::builtin());
    EXPECT_FALSE(m.record["leerling"].contains("bsn"));
    EXPECT_FALSE(m.record.contains("verzorgers"));
    EXPECT_EQ(m.record["verzuim"]["meldingen"][0], (json{{"datum", "2026-01-01"}, {"soort", "geoorloofd"}}));
    EXPECT_EQ(m.record["verzuim"]["meldingen"][1]["reden"], "spijbelen");
    EXPECT_EQ(m.record["onderwijsondersteuning"],
              (json{{"lwootoewijzing", {{"lwoo_ingangdatum", "2025-08-01"}}}}));
    std::set<std::string> withheld;
    for (const auto& w : m.withheld) withheld.insert(w.path);
    EXPECT_TRUE(withheld.count("leerling.bsn"));
    EXPECT_TRUE(withheld.count("verzorgers[0].achternaam"));
    EXPECT_TRUE(withheld.count("verzuim.meldingen[0].reden"));
    EXPECT_TRUE(withheld.count("onderwijsondersteuning.diagnoselijst[0].naam"));
    EXPECT_TRUE(withheld.count("onderwijsondersteuning.medicijngebruikaanwezig"));
    // A care profile keeps what it is allowed.
    p.care_profile = true;
    p.special_categories = true;
    auto care = minimise(rec, p, *model::ModelDefinition::builtin());
    EXPECT_EQ(care.record["verzuim"]["meldingen"][0]["reden"], "tandarts");
    EXPECT_EQ(care.record["onderwijsondersteuning"]["diagnoselijst"][0]["naam"], "X");
    EXPECT_EQ(care.record["onderwijsondersteuning"]["medicijngebruikaanwezig"], true);
}

TEST(Minimise, AWithheldRetiredFieldNamesItsReplacement) {
    config::PurposePolicy p;
    p.name = "test";
    json rec = {
        {"leerling", {{"achternaam", "A"}, {"voornamen", "Jan Piet"}, {"hobby", "voetbal"}}},
        {"toetsen", {{{"vak", "rekenen"}}}},
        {"onderwijsondersteuning",
         {{"handelingsplannen",
           {{{"isgerichtop", "lezen"}}, {{"isgerichtop", "rekenen"}, {"titel", "plan"}}}}}}};
    const auto& model = *model::ModelDefinition::builtin();
    auto m = minimise(rec, p, model);
    std::map<std::string, std::string> withheld;
    for (const auto& w : m.withheld) withheld[w.path] = w.reason;
    const std::string gone = "bestaat niet meer in modelversie " + std::to_string(model.version()) +
                             " (één vorm per gegeven); gebruik ";
    EXPECT_EQ(withheld["leerling.voornamen"], "veld " + gone + "leerling.voornamenlijst");
    EXPECT_EQ(withheld["onderwijsondersteuning.handelingsplannen[1].titel"],
              "veld " + gone + "onderwijsondersteuning.handelingsplannen[1].isgerichtop");
    // A leaf inside a retired container names the container and its replacement.
    EXPECT_EQ(withheld["toetsen[0].vak"], "veld toetsen " + gone + "toetsresultaten");
    // A field that never was in the model says just that.
    EXPECT_EQ(withheld["leerling.hobby"], "veld staat niet in het model");
    EXPECT_EQ(withheld.size(), 4u);
    EXPECT_EQ(m.record["leerling"], (json{{"achternaam", "A"}}));
    EXPECT_FALSE(m.record.contains("toetsen"));
    EXPECT_EQ(m.record["onderwijsondersteuning"]["handelingsplannen"][1],
              (json{{"isgerichtop", "rekenen"}}));
}

}  // namespace
}  // namespace sluis::policy

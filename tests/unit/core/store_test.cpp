#include "core/store/transfer_store.h"

#include <gtest/gtest.h>

#include "core/util/fs.h"
#include "tests/support/test_util.h"

namespace sluis::store {
namespace {

using nlohmann::json;

class StoreTest : public ::testing::Test {
protected:
    void SetUp() override {
        auto s = openSqliteStore({(dir_ / "sluis.db").string(), (dir_ / "sluis.key").string()});
        ASSERT_TRUE(s) << s.error().message;
        store_ = std::move(s.value());
    }

    IngestBatch batch(const std::string& key, int n, int first_subject = 1000) {
        IngestBatch b;
        b.ingest_key = key;
        b.source = "inbox";
        b.item_name = "export.jsonl";
        b.actor = "bron:inbox";
        for (int i = 0; i < n; ++i) {
            NewTransfer nt;
            nt.meta.id = newTransferId();
            nt.meta.idempotency_key = key + "#" + std::to_string(i);
            nt.meta.direction = "outbound";
            nt.meta.route = "r";
            nt.meta.purpose = "demo";
            nt.meta.source = "inbox";
            nt.meta.destination = "outbox";
            nt.meta.subject = std::to_string(first_subject + i);
            nt.canonical = json{{"leerling", {{"achternaam", "Geheimnaam" + std::to_string(i)}}}}.dump();
            b.transfers.push_back(nt);
        }
        return b;
    }

    AuditEvent ev(const std::string& name) { return AuditEvent{"test", name, "", "demo", json::object()}; }

    test::TempDir dir_;
    std::unique_ptr<TransferStore> store_;
    Timestamp t0_ = fromMillis(1'700'000'000'000);
};

TEST_F(StoreTest, IngestIsAllOrNothingAndIdempotent) {
    auto r1 = store_->ingest(batch("k1", 3), t0_);
    ASSERT_TRUE(r1);
    EXPECT_EQ(*r1, IngestResult::kStored);
    auto r2 = store_->ingest(batch("k1", 3), t0_);
    ASSERT_TRUE(r2);
    EXPECT_EQ(*r2, IngestResult::kAlreadyStored);
    auto counts = store_->countByState();
    ASSERT_TRUE(counts);
    EXPECT_EQ((*counts)[State::kReceived], 3);

    // A batch with a duplicate transfer idempotency key fails as a whole: nothing half-written.
    auto b = batch("k2", 2, 2000);
    b.transfers[1].meta.idempotency_key = b.transfers[0].meta.idempotency_key;
    auto r3 = store_->ingest(b, t0_);
    ASSERT_FALSE(r3);
    EXPECT_EQ(r3.error().code, ErrorCode::kStorage);
    counts = store_->countByState();
    EXPECT_EQ((*counts)[State::kReceived], 3);
    auto again = store_->ingest(batch("k2", 2, 2000), t0_);  // the key was not consumed by the failure
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, IngestResult::kStored);
}

TEST_F(StoreTest, TransitionsWriteHistoryAndAuditTogether) {
    auto b = batch("k", 1);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    TransitionUpdate u;
    u.payload = "rendered payload";
    u.content_type = "application/json";
    u.file_extension = "json";
    ASSERT_TRUE(store_->transition(id, State::kReceived, State::kMapped, u, ev("mapped"), "omgezet", t0_));
    auto t = store_->get(id);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->state, State::kMapped);
    EXPECT_EQ(t->payload_hash, util::sha256Hex("rendered payload"));
    EXPECT_EQ(t->content_type, "application/json");
    auto p = store_->payload(id);
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, "rendered payload");

    // Wrong from-state: refused, nothing written.
    auto wrong = store_->transition(id, State::kReceived, State::kMapped, {}, ev("x"), "", t0_);
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::kConflict);
    // Not in the table: refused.
    auto illegal = store_->transition(id, State::kMapped, State::kDelivered, {}, ev("x"), "", t0_);
    ASSERT_FALSE(illegal);
    EXPECT_EQ(illegal.error().code, ErrorCode::kConflict);

    auto h = store_->history(id);
    ASSERT_TRUE(h);
    ASSERT_EQ(h->size(), 2u);
    EXPECT_FALSE((*h)[0].from);
    EXPECT_EQ((*h)[1].from, State::kReceived);
    EXPECT_EQ((*h)[1].to, State::kMapped);

    auto log = store_->auditLog(0, 100);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->size(), 2u);  // created + mapped, nothing for the refused ones
    EXPECT_EQ((*log)[1].event.event, "mapped");
    EXPECT_EQ((*log)[1].event.details["to"], "mapped");
    // Hash chain: each record's hash covers its predecessor.
    std::string prev;
    for (const auto& rec : *log) {
        EXPECT_EQ(rec.prev_hash, prev);
        EXPECT_EQ(rec.hash, auditHash(prev, rec.seq, rec.at, rec.event));
        prev = rec.hash;
    }
}

TEST_F(StoreTest, NewDataForAWaitingPupilReplacesItAndVoidsApprovals) {
    auto b = batch("v1", 1);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    TransitionUpdate u;
    u.payload = "versie 1";
    ASSERT_TRUE(store_->transition(id, State::kReceived, State::kMapped, u, ev("m"), "", t0_));
    ASSERT_TRUE(store_->transition(id, State::kMapped, State::kAwaitingApproval, {}, ev("g"), "", t0_));
    auto hash1 = store_->get(id)->payload_hash;
    ASSERT_TRUE(store_->addApproval({0, id, "directeur-a", "directeur", hash1, "approved", "", t0_}, "demo", t0_));

    auto v2 = batch("v2", 1);  // same route and pupil, new content
    v2.transfers[0].canonical = R"({"leerling":{"achternaam":"Gecorrigeerd"}})";
    ASSERT_TRUE(store_->ingest(v2, t0_));
    auto list = store_->list({});
    ASSERT_EQ(list->size(), 1u) << "no second transfer for the same pupil and route";
    auto t = store_->get(id);
    EXPECT_EQ(t->state, State::kReceived);
    EXPECT_EQ(t->payload_hash, "");
    EXPECT_EQ(*store_->canonical(id), R"({"leerling":{"achternaam":"Gecorrigeerd"}})");
    EXPECT_FALSE(store_->payload(id));  // the old rendering is gone
    auto h = store_->history(id);
    EXPECT_EQ(h->back().from, State::kAwaitingApproval);
    EXPECT_EQ(h->back().to, State::kReceived);
    // The approval is still on record, bound to the old hash.
    auto approvals = store_->approvals(id);
    ASSERT_EQ(approvals->size(), 1u);
    EXPECT_EQ((*approvals)[0].payload_hash, hash1);
}

TEST_F(StoreTest, RegisterFieldsAreEncryptedAndAuditIsVerifiable) {
    Consent c{"c1", "1000", "swv", "ouder", "moeder", "gegeven", "2026-01-10", "formulier",
              "Formulier getekend door Moedernaam", "2026-01-10", "", "juf", t0_, std::nullopt, ""};
    ASSERT_TRUE(store_->addConsent(c, t0_));
    Inzage i{"i1", "1000", "povo", "2026-03-01", "Nee", "Ouders vinden het advies te laag", "juf", t0_};
    ASSERT_TRUE(store_->addInzage(i, t0_));
    auto got = store_->consents("1000", "swv");
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].evidence, c.evidence);
    auto z = store_->latestInzage("1000", "povo");
    ASSERT_TRUE(z->has_value());
    EXPECT_EQ((*z)->redennietakkoord, i.redennietakkoord);
    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok);
    EXPECT_EQ(v->records, 2);
    store_.reset();
    std::string raw = test::readFile(dir_ / "sluis.db");
    if (std::filesystem::exists(dir_ / "sluis.db-wal")) raw += test::readFile(dir_ / "sluis.db-wal");
    EXPECT_EQ(raw.find("Moedernaam"), std::string::npos);
    EXPECT_EQ(raw.find("te laag"), std::string::npos);
}

TEST_F(StoreTest, PayloadsAreEncryptedAtRest) {
    ASSERT_TRUE(store_->ingest(batch("k", 2), t0_));
    store_.reset();  // flush and close
    std::string raw;
    for (const char* f : {"sluis.db", "sluis.db-wal"}) {
        if (std::filesystem::exists(dir_ / f)) raw += test::readFile(dir_ / f);
    }
    ASSERT_FALSE(raw.empty());
    EXPECT_EQ(raw.find("Geheimnaam"), std::string::npos);
    EXPECT_NE(raw.find("outbox"), std::string::npos);  // metadata is not encrypted
}

TEST_F(StoreTest, DueSelectsWhatTheWorkerMustDo) {
    auto b = batch("k", 2);
    std::string a = b.transfers[0].meta.id, c = b.transfers[1].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    auto due = store_->due(t0_, 10);
    ASSERT_TRUE(due);
    EXPECT_EQ(due->size(), 2u);
    TransitionUpdate later;
    later.payload = "p";
    ASSERT_TRUE(store_->transition(a, State::kReceived, State::kMapped, later, ev("m"), "", t0_));
    TransitionUpdate sched;
    sched.deliver_at = std::optional<Timestamp>(t0_ + std::chrono::hours(24));
    ASSERT_TRUE(store_->transition(a, State::kMapped, State::kScheduled, sched, ev("s"), "", t0_));
    due = store_->due(t0_, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ((*due)[0].id, c);
    due = store_->due(t0_ + std::chrono::hours(24), 10);
    EXPECT_EQ(due->size(), 2u);
}

TEST_F(StoreTest, ReopenChecksTheKey) {
    ASSERT_TRUE(store_->ingest(batch("k", 1), t0_));
    store_.reset();
    // Same key: fine.
    ASSERT_TRUE(openSqliteStore({(dir_ / "sluis.db").string(), (dir_ / "sluis.key").string()}));
    // Key file gone: a clear error, and no new key is made silently.
    std::filesystem::rename(dir_ / "sluis.key", dir_ / "sluis.key.bak");
    auto missing = openSqliteStore({(dir_ / "sluis.db").string(), (dir_ / "sluis.key").string()});
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kCrypto);
    EXPECT_NE(missing.error().message.find("ontbreekt"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "sluis.key"));
    // Another store's key: refused.
    auto other = openSqliteStore({(dir_ / "other.db").string(), (dir_ / "other.key").string()});
    ASSERT_TRUE(other);
    auto wrong = openSqliteStore({(dir_ / "sluis.db").string(), (dir_ / "other.key").string()});
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("hoort niet bij"), std::string::npos);
}

TEST(StoreOpen, RefusesAFileThatIsNotSqlite) {
    test::TempDir dir;
    test::writeFile(dir / "sluis.db", "dit is geen database, maar een tekstbestand\n");
    auto s = openSqliteStore({(dir / "sluis.db").string(), (dir / "sluis.key").string()});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kStorage);
    EXPECT_NE(s.error().message.find("geen SQLite-database"), std::string::npos);
    EXPECT_EQ(test::readFile(dir / "sluis.db"), "dit is geen database, maar een tekstbestand\n");
    EXPECT_FALSE(std::filesystem::exists(dir / "sluis.key"));
}

TEST(StoreOpen, TokensAreStoredHashed) {
    test::TempDir dir;
    auto s = openSqliteStore({(dir / "sluis.db").string(), (dir / "sluis.key").string()});
    ASSERT_TRUE(s);
    ApiToken t{"tok_1", "juf", "mentor", util::sha256Hex("sluis_secret"), fromMillis(0), false};
    ASSERT_TRUE((*s)->addToken(t));
    auto found = (*s)->findToken(util::sha256Hex("sluis_secret"));
    ASSERT_TRUE(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->role, "mentor");
    auto none = (*s)->findToken(util::sha256Hex("other"));
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    s.value().reset();
    EXPECT_EQ(test::readFile(dir / "sluis.db").find("sluis_secret"), std::string::npos);
}

}  // namespace
}  // namespace sluis::store

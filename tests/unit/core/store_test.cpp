#include "core/store/audit_checkpoints.h"
#include "core/store/audit_verifier.h"
#include "core/store/transfer_store.h"

#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>
#include <thread>

#include "core/api/audit_decisions.h"
#include "core/crypto/key_ring.h"
#include "core/crypto/payload_cipher.h"
#include "core/store/key_rotation.h"
#include "core/store/open_store.h"
#include "core/policy/retention.h"
#include "core/util/fs.h"
#include "core/util/text.h"
#include "tests/support/pg_database.h"
#include "tests/support/test_util.h"

namespace sluis::store {
namespace {

using nlohmann::json;

/// Where a store under test lives: a SQLite file or a fresh PostgreSQL database (the real test
/// server; see tests/support/pg_database.h). Reopening gives the same data.
class Backend {
public:
    explicit Backend(std::string kind) : kind_(std::move(kind)) {
        if (kind_ == "postgresql") pg_ = std::make_unique<test::PgDatabase>();
    }
    /// Empty when usable; otherwise why not (the test fails).
    std::string error() const { return pg_ ? pg_->error() : std::string(); }
    Result<std::unique_ptr<TransferStore>> open(const std::filesystem::path& key_file,
                                                const Clock& clock = SystemClock()) {
        if (pg_) return openPostgresStore({pg_->dsn(), "", key_file.string()}, clock);
        return openSqliteStore({(dir_ / "sluis.db").string(), key_file.string()}, clock);
    }
    /// Everything the backend keeps at rest, as bytes or text.
    std::string raw() const {
        if (pg_) return pg_->dumpAllRows();
        std::string out;
        for (const char* f : {"sluis.db", "sluis.db-wal"})
            if (std::filesystem::exists(dir_ / f)) out += test::readFile(dir_ / f);
        return out;
    }
    test::PgDatabase* pg() { return pg_.get(); }
    /// The first column of the first row of a query run behind the store's back.
    std::string scalar(const std::string& sql) {
        if (pg_) {
            auto rows = pg_->query(sql);
            return rows.empty() ? std::string() : rows[0];
        }
        Poco::Data::Session raw("SQLite", (dir_ / "sluis.db").string());
        std::string out;
        raw << sql, Poco::Data::Keywords::into(out), Poco::Data::Keywords::now;
        return out;
    }
    /// Runs an UPDATE behind the store's back (as damage from outside Sluis would); returns how
    /// many rows it changed.
    size_t update(const std::string& sql) {
        if (pg_) return pg_->query(sql + " RETURNING CAST(1 AS TEXT)").size();
        Poco::Data::Session raw("SQLite", (dir_ / "sluis.db").string());
        Poco::Data::Statement stmt(raw);
        stmt << sql;
        return stmt.execute();
    }

private:
    std::string kind_;
    test::TempDir dir_;
    std::unique_ptr<test::PgDatabase> pg_;
};

/// The store tests, run against both backends.
class StoreTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        backend_ = std::make_unique<Backend>(GetParam());
        ASSERT_EQ(backend_->error(), "");
        auto s = backend_->open(dir_ / "sluis.key");
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

    test::TempDir dir_;  // key files
    std::unique_ptr<Backend> backend_;
    std::unique_ptr<TransferStore> store_;
    Timestamp t0_ = fromMillis(1'700'000'000'000);
};

TEST_P(StoreTest, IngestIsAllOrNothingAndIdempotent) {
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
    auto audit_before = store_->auditLog(0, 1000);
    ASSERT_TRUE(audit_before);
    auto r3 = store_->ingest(b, t0_);
    ASSERT_FALSE(r3);
    EXPECT_EQ(r3.error().code, ErrorCode::kStorage);
    counts = store_->countByState();
    EXPECT_EQ((*counts)[State::kReceived], 3);
    auto audit_after = store_->auditLog(0, 1000);
    ASSERT_TRUE(audit_after);
    EXPECT_EQ(audit_after->size(), audit_before->size()) << "no audit record of the rolled-back batch";
    auto listed = store_->list({});
    ASSERT_TRUE(listed);
    for (const auto& t : *listed) {
        EXPECT_NE(t.id, b.transfers[0].meta.id);
        EXPECT_TRUE(store_->history(t.id));
    }
    EXPECT_TRUE(store_->history(b.transfers[0].meta.id)->empty()) << "no history of the rolled-back batch";
    auto again = store_->ingest(batch("k2", 2, 2000), t0_);  // the key was not consumed by the failure
    ASSERT_TRUE(again);
    EXPECT_EQ(*again, IngestResult::kStored);
}

TEST_P(StoreTest, TransitionsWriteHistoryAndAuditTogether) {
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
        EXPECT_EQ(rec.hash, store_->auditChainHash(prev, rec.seq, rec.at, rec.event));
        EXPECT_NE(rec.hash, legacyAuditHash(prev, rec.seq, rec.at, rec.event));  // keyed
        prev = rec.hash;
    }
}

TEST_P(StoreTest, NewDataForAWaitingPupilReplacesItAndVoidsApprovals) {
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

TEST_P(StoreTest, RegisterFieldsAreEncryptedAndAuditIsVerifiable) {
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
    std::string raw = backend_->raw();
    ASSERT_FALSE(raw.empty());
    EXPECT_EQ(raw.find("Moedernaam"), std::string::npos);
    EXPECT_EQ(raw.find("te laag"), std::string::npos);
}

/// Rewrites the chain from record `from` on with the keyless SHA-256 link, as someone with
/// write access to the database (but no key file) could after changing a record.
void relinkWithoutKey(Backend& backend, TransferStore& store, long long from) {
    auto log = store.auditLog(0, 1000);
    ASSERT_TRUE(log);
    std::string prev;
    for (const auto& rec : *log) {
        if (rec.seq >= from) {
            std::string hash = legacyAuditHash(prev, rec.seq, rec.at, rec.event);
            ASSERT_EQ(backend.update("UPDATE audit SET prev_hash = '" + prev + "', hash = '" + hash +
                                     "' WHERE seq = " + std::to_string(rec.seq)),
                      1u);
            prev = hash;
        } else {
            prev = rec.hash;
        }
    }
}

TEST_P(StoreTest, ARewrittenAuditRecordIsFoundEvenWithEveryLaterHashRecomputed) {
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    ASSERT_TRUE(verifyAudit(*store_)->ok);
    // Record 3 now says someone else did it; every later link is recomputed to match.
    ASSERT_EQ(backend_->update("UPDATE audit SET actor = 'iemand-anders' WHERE seq = 3"), 1u);
    relinkWithoutKey(*backend_, *store_, 3);
    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->ok);
    EXPECT_EQ(v->kind, "rewritten");
    EXPECT_EQ(v->first_bad_seq, 3);
    EXPECT_NE(v->problem.find("record 3"), std::string::npos) << v->problem;
}

TEST_P(StoreTest, SwappedAuditRecordsAreReportedAsReordered) {
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    // Records 2 and 3 swap places (their contents move; the numbering stays).
    ASSERT_EQ(backend_->update("UPDATE audit SET seq = 100 WHERE seq = 2"), 1u);
    ASSERT_EQ(backend_->update("UPDATE audit SET seq = 2 WHERE seq = 3"), 1u);
    ASSERT_EQ(backend_->update("UPDATE audit SET seq = 3 WHERE seq = 100"), 1u);
    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->ok);
    EXPECT_EQ(v->kind, "reordered");
    EXPECT_EQ(v->first_bad_seq, 2);
}

TEST_P(StoreTest, ACheckpointRevealsTruncationAndRejectsForgery) {
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    auto cp = store_->auditCheckpoint(t0_);
    ASSERT_TRUE(cp) << cp.error().message;
    EXPECT_EQ(cp->seq, 7);
    EXPECT_EQ(cp->public_key, store_->auditPublicKey());
    AuditAnchors anchors{{*cp}, ""};
    auto fine = verifyAudit(*store_, anchors);
    ASSERT_TRUE(fine);
    EXPECT_TRUE(fine->ok) << fine->problem;
    EXPECT_EQ(fine->checkpoints_checked, 1);
    EXPECT_EQ(fine->last_checkpoint_seq, 7);

    // The newest records deleted: the chain itself is still intact ...
    ASSERT_EQ(backend_->update("DELETE FROM audit WHERE seq >= 6"), 2u);
    ASSERT_TRUE(verifyAudit(*store_)->ok);
    // ... but the checkpoint knew there were seven.
    auto cut = verifyAudit(*store_, anchors);
    ASSERT_TRUE(cut);
    EXPECT_FALSE(cut->ok);
    EXPECT_EQ(cut->kind, "truncated");
    EXPECT_EQ(cut->first_bad_seq, 6);
    EXPECT_NE(cut->problem.find("records 6..7 ontbreken"), std::string::npos) << cut->problem;

    // A checkpoint someone made up (or changed) is not signed by this installation.
    AuditCheckpoint forged = *cp;
    forged.seq = 5;
    auto f = verifyAudit(*store_, {{forged}, ""});
    ASSERT_TRUE(f);
    EXPECT_FALSE(f->ok);
    EXPECT_EQ(f->kind, "checkpoint");
    // The FG's own copy of the public key decides, not the one the store offers.
    auto other = verifyAudit(*store_, {{}, std::string(64, 'a')});
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->ok);  // no checkpoints: nothing to check against
    auto strange = verifyAudit(*store_, {{*cp}, std::string(64, 'a')});
    ASSERT_TRUE(strange);
    EXPECT_FALSE(strange->ok);
    EXPECT_EQ(strange->kind, "checkpoint");
}

// The FG's page checks only what was added since the last check (core/store/audit_verifier.h).
TEST_P(StoreTest, AQuickCheckReadsOnlyTheRecordsAddedSinceTheLastCheck) {
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    AuditVerifier& verifier = store_->auditVerifier();
    EXPECT_FALSE(verifier.lastFullAt().has_value());
    // Nothing checked yet: the first quick check is a full one.
    auto first = verifier.sinceLast(*store_, {}, t0_);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_TRUE(first->full);
    EXPECT_TRUE(first->verification.ok);
    EXPECT_EQ(first->walked, 6);
    ASSERT_TRUE(verifier.lastFullAt().has_value());
    EXPECT_EQ(*verifier.lastFullAt(), t0_);

    for (int i = 6; i < 9; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    const Timestamp later = t0_ + std::chrono::minutes(5);
    auto quick = verifier.sinceLast(*store_, {}, later);
    ASSERT_TRUE(quick) << quick.error().message;
    EXPECT_FALSE(quick->full);
    EXPECT_TRUE(quick->verification.ok) << quick->verification.problem;
    EXPECT_EQ(quick->walked, 3);
    EXPECT_EQ(quick->verification.records, 9);
    EXPECT_EQ(quick->last_full_records, 6);
    ASSERT_TRUE(quick->last_full_at.has_value());
    EXPECT_EQ(*quick->last_full_at, t0_);  // the full check's time, not this one's
    // Nothing new: nothing read but the head.
    auto again = verifier.sinceLast(*store_, {}, later);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->walked, 0);
    EXPECT_TRUE(again->verification.ok);
}

// The trade-off, made visible: an older record rewritten between two full checks is not seen by
// the quick check, and is reported by the next full one, and from then on by every check.
TEST_P(StoreTest, AnOlderRecordRewrittenBetweenFullChecksIsFoundByTheNextFullCheck) {
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    AuditVerifier& verifier = store_->auditVerifier();
    ASSERT_TRUE(verifier.full(*store_, {}, t0_)->verification.ok);
    ASSERT_EQ(backend_->update("UPDATE audit SET actor = 'iemand-anders' WHERE seq = 2"), 1u);
    auto quick = verifier.sinceLast(*store_, {}, t0_);
    ASSERT_TRUE(quick);
    EXPECT_FALSE(quick->full);
    EXPECT_TRUE(quick->verification.ok);  // record 2 lies before the mark: not read again
    auto full = verifier.full(*store_, {}, t0_ + std::chrono::hours(1));
    ASSERT_TRUE(full);
    EXPECT_FALSE(full->verification.ok);
    EXPECT_EQ(full->verification.kind, "rewritten");
    EXPECT_EQ(full->verification.first_bad_seq, 2);
    // A known problem is never hidden by a quick check: every check is full until it is mended.
    ASSERT_TRUE(store_->audit(ev("e6"), t0_));
    auto after = verifier.sinceLast(*store_, {}, t0_ + std::chrono::hours(1));
    ASSERT_TRUE(after);
    EXPECT_TRUE(after->full);
    EXPECT_FALSE(after->verification.ok);
    EXPECT_EQ(after->verification.first_bad_seq, 2);
}

// What the quick check does read, it checks: the head record itself, every new record and the
// record of every checkpoint. A problem there is reported as the full check reports it.
TEST_P(StoreTest, AQuickCheckFindsTheHeadRewrittenAndReportsItInFull) {
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    AuditVerifier& verifier = store_->auditVerifier();
    ASSERT_TRUE(verifier.full(*store_, {}, t0_)->verification.ok);
    // Record 5 rewritten with every later link recomputed: the head's hash changes, so the
    // quick check turns into a full one.
    ASSERT_EQ(backend_->update("UPDATE audit SET actor = 'iemand-anders' WHERE seq = 5"), 1u);
    relinkWithoutKey(*backend_, *store_, 5);
    auto v = verifier.sinceLast(*store_, {}, t0_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->full);
    EXPECT_FALSE(v->verification.ok);
    EXPECT_EQ(v->verification.first_bad_seq, 5);
    EXPECT_EQ(v->verification.kind, "rewritten");
}

TEST_P(StoreTest, AQuickCheckReadsEveryCheckpointsRecordAgain) {
    for (int i = 0; i < 7; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    auto cp = store_->auditCheckpoint(t0_);
    ASSERT_TRUE(cp) << cp.error().message;
    const AuditAnchors anchors{{*cp}, ""};
    AuditVerifier& verifier = store_->auditVerifier();
    ASSERT_TRUE(verifier.full(*store_, anchors, t0_)->verification.ok);
    for (int i = 7; i < 10; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    auto fine = verifier.sinceLast(*store_, anchors, t0_);
    ASSERT_TRUE(fine);
    EXPECT_FALSE(fine->full);
    EXPECT_TRUE(fine->verification.ok) << fine->verification.problem;
    EXPECT_EQ(fine->verification.checkpoints_checked, 1);
    // The checkpoint's record (7, before the head at 10) gets another hash; nothing after it
    // changes, so only reading record 7 again can see it.
    ASSERT_EQ(backend_->update("UPDATE audit SET hash = '" + std::string(64, '0') + "' WHERE seq = 7"),
              1u);
    auto v = verifier.sinceLast(*store_, anchors, t0_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->full);
    EXPECT_FALSE(v->verification.ok);
    EXPECT_EQ(v->verification.first_bad_seq, 7);
}

// A record added after the mark and then changed is read by the quick check and found.
TEST_P(StoreTest, AQuickCheckFindsANewRecordRewritten) {
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    AuditVerifier& verifier = store_->auditVerifier();
    ASSERT_TRUE(verifier.full(*store_, {}, t0_)->verification.ok);
    for (int i = 4; i < 8; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    ASSERT_EQ(backend_->update("UPDATE audit SET actor = 'iemand-anders' WHERE seq = 6"), 1u);
    auto v = verifier.sinceLast(*store_, {}, t0_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->full);
    EXPECT_FALSE(v->verification.ok);
    EXPECT_EQ(v->verification.first_bad_seq, 6);
    EXPECT_EQ(v->verification.kind, "rewritten");
}

TEST_P(StoreTest, AKeylessAuditLogIsKeyedOnceAtOpenKeepingWhatItFound) {
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    // Turn it back into the log of an older Sluis: keyless links, no chain marker.
    relinkWithoutKey(*backend_, *store_, 1);
    ASSERT_EQ(backend_->update("DELETE FROM meta WHERE key = 'audit_chain'"), 1u);
    store_.reset();
    auto s = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(s) << s.error().message;
    auto v = verifyAudit(**s);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->records, 6);
    auto log = (*s)->auditLog(5, 10);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->size(), 1u);
    EXPECT_EQ((*log)[0].event.event, "audit_chain_keyed");
    EXPECT_EQ((*log)[0].event.details["previous_chain_intact"], true);
    EXPECT_EQ((*log)[0].event.details["records"], 5);
    s->reset();

    // An old log that was already tampered with is keyed too, but says so in the chain.
    auto again = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(again);
    relinkWithoutKey(*backend_, **again, 1);
    ASSERT_EQ(backend_->update("UPDATE audit SET actor = 'iemand-anders' WHERE seq = 2"), 1u);
    ASSERT_EQ(backend_->update("DELETE FROM meta WHERE key = 'audit_chain'"), 1u);
    again->reset();
    auto third = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(third);
    auto keyed = (*third)->auditLog(6, 10);
    ASSERT_TRUE(keyed);
    ASSERT_EQ(keyed->size(), 1u);
    EXPECT_EQ((*keyed)[0].event.details["previous_chain_intact"], false);
    EXPECT_EQ((*keyed)[0].event.details["previous_chain_first_bad_seq"], 2);
}

TEST_P(StoreTest, RegisterRowsWrittenOutsideSluisDoNotCountAndAreReported) {
    ASSERT_TRUE(store_->addApproval({0, "tr_1", "dir-a", "directeur", "h1", "approved", "", {}}, "povo", t0_));
    ASSERT_TRUE(store_->approvals("tr_1")->size() == 1u);
    ASSERT_TRUE(store_->unauthenticRows()->empty());
    ASSERT_EQ(backend_->update("INSERT INTO approvals (transfer_id, approver, role, payload_hash, decision,"
                               " reason, at) VALUES ('tr_1', 'dir-b', 'directeur', 'h1', 'approved', '', 1)"),
              1u);
    // A copied MAC does not help either: it covers the row's content.
    ASSERT_EQ(backend_->update("UPDATE approvals SET approver = 'dir-c' WHERE approver = 'dir-a'"), 1u);
    auto got = store_->approvals("tr_1");
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->empty());
    auto bad = store_->unauthenticRows();
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->size(), 2u);
    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_FALSE(v->ok);
    EXPECT_EQ(v->kind, "register");
}

TEST_P(StoreTest, InzageHistoryListsEveryRowNewestFirstAndReportsForgedRows) {
    ASSERT_TRUE(store_->addInzage({"i1", "1000", "povo", "2026-03-01", "Nee", "Te laag advies", "juf", {}}, t0_));
    const Timestamp t1 = t0_ + std::chrono::hours(24);
    ASSERT_TRUE(store_->addInzage({"i2", "1000", "povo", "2026-03-02", "Ja", "", "meester", {}}, t1));
    ASSERT_TRUE(store_->addInzage({"i3", "1000", "swv", "2026-03-03", "Ja", "", "juf", {}}, t1));
    ASSERT_TRUE(store_->addInzage({"i4", "2000", "povo", "2026-03-04", "Ja", "", "juf", {}}, t1));
    auto povo = store_->inzages("1000", "povo");
    ASSERT_TRUE(povo) << povo.error().message;
    ASSERT_EQ(povo->size(), 2u);
    EXPECT_EQ((*povo)[0].id, "i2");  // newest first
    EXPECT_EQ((*povo)[1].id, "i1");
    EXPECT_EQ((*povo)[1].redennietakkoord, "Te laag advies");
    EXPECT_EQ((*povo)[1].recorded_by, "juf");
    EXPECT_TRUE((*povo)[0].authentic && (*povo)[1].authentic);
    auto all = store_->inzages("1000", "");
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 3u);
    EXPECT_TRUE(store_->inzages("3000", "")->empty());
    // A changed row stays in the list, marked as not written by Sluis (its sealed view is not
    // opened); it no longer counts as the latest inzage.
    ASSERT_EQ(backend_->update("UPDATE inzage SET akkoord = 'Ja' WHERE id = 'i1'"), 1u);
    ASSERT_EQ(backend_->update("UPDATE inzage SET recorded_at = " + std::to_string(toMillis(t1) + 1000) +
                               " WHERE id = 'i1'"),
              1u);
    povo = store_->inzages("1000", "povo");
    ASSERT_TRUE(povo) << povo.error().message;
    ASSERT_EQ(povo->size(), 2u);
    EXPECT_EQ((*povo)[0].id, "i1");
    EXPECT_FALSE((*povo)[0].authentic);
    EXPECT_TRUE((*povo)[0].redennietakkoord.empty());
    EXPECT_TRUE((*povo)[1].authentic);
    auto latest = store_->latestInzage("1000", "povo");
    ASSERT_TRUE(latest && latest->has_value());
    EXPECT_EQ((*latest)->id, "i2");
}

TEST(AuditCheckpointFile, RoundTripsAndNamesTheBadLine) {
    test::TempDir dir;
    AuditCheckpoint cp{3, "abc", fromMillis(1700000000000), std::string(64, '1'), std::string(128, '2')};
    auto file = dir / kCheckpointFile;
    ASSERT_TRUE(appendCheckpointFile(file, cp));
    cp.seq = 4;
    ASSERT_TRUE(appendCheckpointFile(file, cp));
    auto got = readCheckpointFile(file);
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[1].seq, 4);
    EXPECT_EQ((*got)[0].hash, "abc");
    EXPECT_EQ(toMillis((*got)[0].at), 1700000000000);
    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    test::writeFile(file, test::readFile(file) + "{\"seq\": \"x\"}\n");
    auto bad = readCheckpointFile(file);
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find(file.string() + ":3"), std::string::npos) << bad.error().message;
    EXPECT_NE(bad.error().message.find("seq"), std::string::npos) << bad.error().message;
    // Never read or written through a symlink.
    auto link = dir / "link.jsonl";
    std::filesystem::create_symlink(file, link);
    EXPECT_FALSE(readCheckpointFile(link));
    EXPECT_FALSE(appendCheckpointFile(link, cp));
    EXPECT_TRUE(readCheckpointFile(dir / "none.jsonl")->empty());
}

TEST_P(StoreTest, AuditVerifyNamesTheWholeMissingRangeInTheMiddle) {
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(store_->audit(ev("e" + std::to_string(i)), t0_));
    ASSERT_TRUE(verifyAudit(*store_)->ok);
    // Removed behind the store's back, as someone with write access to the database could.
    ASSERT_EQ(backend_->update("DELETE FROM audit WHERE seq = 5"), 1u);
    auto one = verifyAudit(*store_);
    ASSERT_TRUE(one);
    EXPECT_FALSE(one->ok);
    EXPECT_EQ(one->first_bad_seq, 5);
    EXPECT_EQ(one->problem, "record 5 ontbreekt (verwijderd?)");
    ASSERT_EQ(backend_->update("DELETE FROM audit WHERE seq IN (3, 4)"), 2u);
    auto range = verifyAudit(*store_);
    ASSERT_TRUE(range);
    EXPECT_FALSE(range->ok);
    EXPECT_EQ(range->first_bad_seq, 3);
    EXPECT_EQ(range->problem, "records 3..5 ontbreken (verwijderd?)");
}

TEST_P(StoreTest, PayloadsAreEncryptedAtRest) {
    ASSERT_TRUE(store_->ingest(batch("k", 2), t0_));
    store_.reset();  // flush and close
    std::string raw = backend_->raw();
    ASSERT_FALSE(raw.empty());
    EXPECT_EQ(raw.find("Geheimnaam"), std::string::npos);
    EXPECT_NE(raw.find("outbox"), std::string::npos);  // metadata is not encrypted
}

TEST_P(StoreTest, DueSelectsWhatTheWorkerMustDo) {
    auto b = batch("k", 2);
    std::string a = b.transfers[0].meta.id, c = b.transfers[1].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    auto due = store_->due(t0_, 10);
    ASSERT_TRUE(due);
    EXPECT_EQ(due->transfers.size(), 2u);
    EXPECT_TRUE(due->damaged.empty());
    TransitionUpdate later;
    later.payload = "p";
    ASSERT_TRUE(store_->transition(a, State::kReceived, State::kMapped, later, ev("m"), "", t0_));
    TransitionUpdate sched;
    sched.deliver_at = std::optional<Timestamp>(t0_ + std::chrono::hours(24));
    ASSERT_TRUE(store_->transition(a, State::kMapped, State::kScheduled, sched, ev("s"), "", t0_));
    due = store_->due(t0_, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->transfers.size(), 1u);
    EXPECT_EQ(due->transfers[0].id, c);
    due = store_->due(t0_ + std::chrono::hours(24), 10);
    EXPECT_EQ(due->transfers.size(), 2u);
}

// --- Claims and leases: several daemons on one store (docs/operations.md) ---

TEST_P(StoreTest, ClaimedWorkIsLeftToItsOwnerUntilTheLeaseRunsOut) {
    auto b = batch("k", 3);
    ASSERT_TRUE(store_->ingest(b, t0_));
    auto other = backend_->open(dir_ / "sluis.key");  // a second daemon: its own connection
    ASSERT_TRUE(other) << other.error().message;
    const auto lease = std::chrono::seconds(60);
    Claim a{"d_a", t0_ + lease}, c{"d_c", t0_ + lease};
    auto mine = store_->claimDue(a, t0_, 2);
    ASSERT_TRUE(mine) << mine.error().message;
    ASSERT_EQ(mine->transfers.size(), 2u);
    auto theirs = (*other)->claimDue(c, t0_, 10);
    ASSERT_TRUE(theirs) << theirs.error().message;
    ASSERT_EQ(theirs->transfers.size(), 1u) << "only what nobody holds";
    auto ids = [](const Result<DueTransfers>& d) {
        std::set<std::string> out;
        if (d)
            for (const auto& t : d->transfers) out.insert(t.id);
        return out;
    };
    const std::string x = mine->transfers[0].id, y = mine->transfers[1].id;
    EXPECT_FALSE(ids(theirs).count(x) || ids(theirs).count(y));
    // The owner claims its own again; the other daemon gets them only after the lease ran out.
    EXPECT_EQ(ids(store_->claimDue(a, t0_ + std::chrono::seconds(1), 2)), (std::set<std::string>{x, y}));
    auto early = (*other)->claimDue(c, t0_ + std::chrono::seconds(59), 10);
    EXPECT_FALSE(ids(early).count(x) || ids(early).count(y));
    // Extended while working: still held after the first lease would have run out.
    ASSERT_TRUE(store_->extendClaims({"d_a", t0_ + std::chrono::seconds(120)}, {x}));
    auto later = (*other)->claimDue(c, t0_ + std::chrono::seconds(61), 10);
    EXPECT_FALSE(ids(later).count(x));
    EXPECT_TRUE(ids(later).count(y));
    // A transition under a claim that was lost is refused, and quietly identifiable as such.
    TransitionUpdate u;
    u.payload = "p";
    u.claim = a;
    auto lost = store_->transition(mine->transfers[1].id, State::kReceived, State::kMapped, u, ev("m"), "", t0_);
    ASSERT_FALSE(lost);
    EXPECT_EQ(lost.code(), ErrorCode::kConflict);
    u.claim = c;
    ASSERT_TRUE((*other)->transition(mine->transfers[1].id, State::kReceived, State::kMapped, u, ev("m"), "", t0_));
    // ... and that transition released the claim: anyone may pick the transfer up now.
    auto free = store_->claimDue({"d_a", t0_ + std::chrono::seconds(62)}, t0_ + std::chrono::seconds(62), 10);
    ASSERT_TRUE(free);
    bool seen = false;
    for (const auto& t : free->transfers) seen |= t.id == mine->transfers[1].id;
    EXPECT_TRUE(seen);
    // Released claims are free at once.
    ASSERT_TRUE(store_->releaseClaims("d_a", {mine->transfers[0].id}));
    auto now_free = (*other)->claimDue(c, t0_ + std::chrono::seconds(63), 10);
    ASSERT_TRUE(now_free);
    seen = false;
    for (const auto& t : now_free->transfers) seen |= t.id == mine->transfers[0].id;
    EXPECT_TRUE(seen);
}

TEST_P(StoreTest, ADeliveringTransferIsTakenOverOnlyAfterItsLeaseRanOut) {
    auto b = batch("k", 1);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    auto other = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(other) << other.error().message;
    Claim a{"d_a", t0_ + std::chrono::seconds(60)};
    ASSERT_EQ(store_->claimDue(a, t0_, 10)->transfers.size(), 1u);
    TransitionUpdate u;
    u.payload = "p";
    u.claim = a;
    ASSERT_TRUE(store_->transition(id, State::kReceived, State::kMapped, u, ev("m"), "", t0_));
    ASSERT_TRUE(store_->transition(id, State::kMapped, State::kScheduled, {}, ev("s"), "", t0_));
    ASSERT_EQ(store_->claimDue(a, t0_, 10)->transfers.size(), 1u);
    TransitionUpdate start;
    start.claim = Claim{"d_a", t0_ + std::chrono::seconds(30)};
    ASSERT_TRUE(store_->transition(id, State::kScheduled, State::kDelivering, start, ev("d"), "", t0_));
    // Daemon a dies here. Its delivering transfer is not released, nor taken before the lease
    // given with the transition into delivering ran out.
    ASSERT_TRUE(store_->releaseClaims("d_a", {id}));
    Claim c{"d_c", t0_ + std::chrono::seconds(120)};
    EXPECT_TRUE((*other)->claimDue(c, t0_ + std::chrono::seconds(29), 10)->transfers.empty());
    auto taken = (*other)->claimDue(c, t0_ + std::chrono::seconds(30), 10);
    ASSERT_TRUE(taken);
    ASSERT_EQ(taken->transfers.size(), 1u);
    EXPECT_EQ(taken->transfers[0].state, State::kDelivering);
    ASSERT_TRUE((*other)->renewClaim(id, State::kDelivering, c));
    // Daemon a, on a stale copy, can neither confirm nor finish the delivery.
    auto renew = store_->renewClaim(id, State::kDelivering, a);
    ASSERT_FALSE(renew);
    EXPECT_EQ(renew.code(), ErrorCode::kConflict);
    TransitionUpdate done;
    done.claim = a;
    EXPECT_EQ(store_->transition(id, State::kDelivering, State::kDelivered, done, ev("delivered"), "", t0_).code(),
              ErrorCode::kConflict);
    done.claim = c;
    ASSERT_TRUE((*other)->transition(id, State::kDelivering, State::kDelivered, done, ev("delivered"), "", t0_));
    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
}

TEST_P(StoreTest, NewDataReleasesTheClaimOnTheOldData) {
    auto b = batch("k1", 1);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    Claim a{"d_a", t0_ + std::chrono::seconds(60)};
    ASSERT_EQ(store_->claimDue(a, t0_, 10)->transfers.size(), 1u);
    // While daemon a renders the old record, a corrected export arrives.
    auto again = batch("k2", 1);
    ASSERT_TRUE(store_->ingest(again, t0_));
    EXPECT_EQ(store_->get(id)->state, State::kReceived);
    TransitionUpdate u;
    u.payload = "rendered from the old record";
    u.claim = a;
    auto stale = store_->transition(id, State::kReceived, State::kMapped, u, ev("m"), "", t0_);
    ASSERT_FALSE(stale) << "a rendering of replaced data must not be stored";
    EXPECT_EQ(stale.code(), ErrorCode::kConflict);
}

TEST_P(StoreTest, NotificationsAndLeasesAreClaimedOnce) {
    auto b = batch("k", 1);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    ASSERT_TRUE(store_->addNotification(Notification{0, "withdrawn", id, {"a@school.nl"}, "s", "b"}, t0_));
    auto other = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(other) << other.error().message;
    Claim a{"d_a", t0_ + std::chrono::seconds(60)}, c{"d_c", t0_ + std::chrono::seconds(120)};
    auto mine = store_->claimNotifications(a, t0_, 10);
    ASSERT_TRUE(mine) << mine.error().message;
    ASSERT_EQ(mine->size(), 1u);
    EXPECT_EQ((*mine)[0].to, std::vector<std::string>{"a@school.nl"});
    EXPECT_TRUE((*other)->claimNotifications(c, t0_, 10)->empty());
    // Daemon a died before recording the send: after the lease, c takes it; a's late record is refused.
    auto taken = (*other)->claimNotifications(c, t0_ + std::chrono::seconds(60), 10);
    ASSERT_EQ(taken->size(), 1u);
    EXPECT_EQ(store_->notificationAttempt((*mine)[0].id, true, "", std::nullopt, t0_, "d_a").code(),
              ErrorCode::kConflict);
    ASSERT_TRUE((*other)->notificationAttempt((*mine)[0].id, true, "", std::nullopt, t0_, "d_c"));
    EXPECT_TRUE(store_->claimNotifications(a, t0_ + std::chrono::hours(1), 10)->empty());

    EXPECT_TRUE(*store_->claimLease("purge", "d_a", t0_, t0_ + std::chrono::minutes(10)));
    EXPECT_FALSE(*(*other)->claimLease("purge", "d_c", t0_ + std::chrono::minutes(9), t0_ + std::chrono::minutes(19)));
    EXPECT_TRUE(*(*other)->claimLease("purge", "d_c", t0_ + std::chrono::minutes(10), t0_ + std::chrono::minutes(20)));
    EXPECT_TRUE(*store_->claimLease("source:inbox", "d_a", t0_, t0_ + std::chrono::minutes(1)));
    ASSERT_TRUE(store_->releaseLease("source:inbox", "d_a"));
    EXPECT_TRUE(*(*other)->claimLease("source:inbox", "d_c", t0_, t0_ + std::chrono::minutes(1)));
}

TEST_P(StoreTest, ReopenChecksTheKey) {
    ASSERT_TRUE(store_->ingest(batch("k", 1), t0_));
    store_.reset();
    // Same key: fine.
    ASSERT_TRUE(backend_->open(dir_ / "sluis.key"));
    // Key file gone: a clear error, and no new key is made silently.
    std::filesystem::rename(dir_ / "sluis.key", dir_ / "sluis.key.bak");
    auto missing = backend_->open(dir_ / "sluis.key");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kCrypto);
    EXPECT_NE(missing.error().message.find("ontbreekt"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "sluis.key"));
    // Another store's key: refused.
    Backend other_backend(GetParam());
    ASSERT_EQ(other_backend.error(), "");
    auto other = other_backend.open(dir_ / "other.key");
    ASSERT_TRUE(other) << other.error().message;
    auto wrong = backend_->open(dir_ / "other.key");
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().code, ErrorCode::kCrypto);
    EXPECT_NE(wrong.error().message.find("hoort niet bij"), std::string::npos);
    // The right key still works, and the data is still readable.
    std::filesystem::rename(dir_ / "sluis.key.bak", dir_ / "sluis.key");
    auto again = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(again) << again.error().message;
    auto list = (*again)->list({});
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 1u);
    EXPECT_TRUE((*again)->canonical((*list)[0].id));
}

TEST_P(StoreTest, BlobsWrittenBeforeColumnBindingAreResealedOnOpen) {
    auto b = batch("k", 1);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    store_.reset();
    // Make the row look as an older Sluis wrote it: the canonical record sealed with only the
    // transfer id as associated data (blob version 1), and no migration recorded.
    auto master = crypto::loadOrCreateKeyFile(dir_ / "sluis.key", false);
    ASSERT_TRUE(master);
    auto wrapped = util::decodeBase64(backend_->scalar("SELECT data_key FROM transfers WHERE id = '" + id + "'"));
    ASSERT_TRUE(wrapped);
    auto dek = crypto::KeyRing(*master).open(*wrapped, "dek:" + id);
    ASSERT_TRUE(dek);
    crypto::Key k{};
    std::memcpy(k.data(), dek->data(), k.size());
    auto legacy = crypto::seal(k, json{{"leerling", {{"achternaam", "Oudnaam"}}}}.dump(), id);
    ASSERT_TRUE(legacy);
    EXPECT_EQ(backend_->update("UPDATE transfers SET canonical = '" + util::encodeBase64(*legacy) +
                               "' WHERE id = '" + id + "'"),
              1u);
    EXPECT_EQ(backend_->update("DELETE FROM meta WHERE key = 'blob_binding'"), 1u);

    auto reopened = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(reopened) << reopened.error().message;
    auto canonical = (*reopened)->canonical(id);
    ASSERT_TRUE(canonical) << canonical.error().message;
    EXPECT_NE(canonical->find("Oudnaam"), std::string::npos);
    reopened->reset();
    auto sealed = util::decodeBase64(backend_->scalar("SELECT canonical FROM transfers WHERE id = '" + id + "'"));
    ASSERT_TRUE(sealed);
    EXPECT_EQ(crypto::PayloadCipher::blobVersion(*sealed), 2u) << "resealed, bound to its column";
    EXPECT_EQ(backend_->scalar("SELECT value FROM meta WHERE key = 'blob_binding'"), "2");

    // After the migration a version 1 blob is refused, not read.
    EXPECT_EQ(backend_->update("UPDATE transfers SET canonical = '" + util::encodeBase64(*legacy) +
                               "' WHERE id = '" + id + "'"),
              1u);
    auto again = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(again) << again.error().message;
    auto refused = (*again)->canonical(id);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kCrypto);
}

TEST_P(StoreTest, TokensExpireAndAreRevokedWithAnAuditRecord) {
    ApiToken a{"tok_a", "juf", "mentor", util::sha256Hex("a"), fromMillis(1000), false, fromMillis(5000), {}};
    ApiToken b{"tok_b", "meester", "beheerder", util::sha256Hex("b"), fromMillis(2000), false, {}, {}};
    ASSERT_TRUE(store_->addToken(a));
    ASSERT_TRUE(store_->addToken(b));
    auto found = store_->findToken(util::sha256Hex("a"));
    ASSERT_TRUE(found && found->has_value());
    ASSERT_TRUE((*found)->expires_at.has_value());
    EXPECT_EQ(toMillis(*(*found)->expires_at), 5000);

    ASSERT_TRUE(store_->revokeToken("tok_b", "cli", fromMillis(3000)));
    auto gone = store_->findToken(util::sha256Hex("b"));
    ASSERT_TRUE(gone);
    EXPECT_FALSE(gone->has_value());
    auto again = store_->revokeToken("tok_b", "cli", fromMillis(3001));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kConflict);
    auto missing = store_->revokeToken("tok_x", "cli", fromMillis(3001));
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

    auto all = store_->listTokens();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ((*all)[0].id, "tok_b");  // newest first
    EXPECT_TRUE((*all)[0].revoked);
    ASSERT_TRUE((*all)[0].revoked_at.has_value());
    EXPECT_EQ(toMillis(*(*all)[0].revoked_at), 3000);
    EXPECT_FALSE((*all)[0].expires_at.has_value());
    EXPECT_FALSE((*all)[1].revoked);

    auto log = store_->auditLog(0, 100);
    ASSERT_TRUE(log);
    bool audited = false;
    for (const auto& r : *log)
        if (r.event.event == "token_revoked" && r.event.details.value("token_id", "") == "tok_b") audited = true;
    EXPECT_TRUE(audited);
}

TEST_P(StoreTest, WebAccountsKeepTheSecretSealedAndCountFailedLogins) {
    Account a;
    a.name = "directeur1";
    a.role = "directeur";
    a.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
    a.totp_secret = "TOTPGEHEIM-0123456789";
    a.created_at = t0_;
    ASSERT_TRUE(store_->addAccount(a, "cli", t0_));
    auto dup = store_->addAccount(a, "cli", t0_);
    ASSERT_FALSE(dup);
    EXPECT_EQ(dup.error().code, ErrorCode::kConflict);

    auto found = store_->findAccount("directeur1");
    ASSERT_TRUE(found && found->has_value()) << (found ? "" : found.error().message);
    EXPECT_EQ((*found)->role, "directeur");
    EXPECT_EQ((*found)->totp_secret, "TOTPGEHEIM-0123456789");
    EXPECT_EQ((*found)->password_hash, a.password_hash);
    EXPECT_EQ((*found)->failed_logins, 0);
    auto none = store_->findAccount("niemand");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());

    LoginUpdate fail;
    fail.failed_logins = 3;
    fail.locked_until = t0_ + std::chrono::minutes(1);
    fail.locked_now = true;
    ASSERT_TRUE(store_->recordLogin("directeur1", fail, t0_));
    found = store_->findAccount("directeur1");
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->failed_logins, 3);
    ASSERT_TRUE((*found)->locked_until.has_value());
    EXPECT_EQ(*(*found)->locked_until, t0_ + std::chrono::minutes(1));

    LoginUpdate ok;
    ok.success = true;
    ok.last_totp_step = 12345;
    ASSERT_TRUE(store_->recordLogin("directeur1", ok, t0_ + std::chrono::minutes(2)));
    found = store_->findAccount("directeur1");
    EXPECT_EQ((*found)->failed_logins, 0);
    EXPECT_FALSE((*found)->locked_until.has_value());
    EXPECT_EQ((*found)->last_totp_step, 12345);
    ASSERT_TRUE((*found)->last_login.has_value());

    ASSERT_TRUE(store_->resetTotp("directeur1", "NIEUWGEHEIM-987654", "cli", t0_));
    found = store_->findAccount("directeur1");
    EXPECT_EQ((*found)->totp_secret, "NIEUWGEHEIM-987654");
    EXPECT_EQ((*found)->last_totp_step, 0);

    auto list = store_->listAccounts();
    ASSERT_TRUE(list);
    ASSERT_EQ(list->size(), 1u);
    EXPECT_TRUE((*list)[0].totp_secret.empty());
    EXPECT_TRUE((*list)[0].password_hash.empty());

    ASSERT_TRUE(store_->removeAccount("directeur1", "cli", t0_));
    auto gone = store_->removeAccount("directeur1", "cli", t0_);
    ASSERT_FALSE(gone);
    EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);

    std::set<std::string> events;
    auto log = store_->auditLog(0, 100);
    ASSERT_TRUE(log);
    for (const auto& r : *log) events.insert(r.event.event);
    for (const char* e : {"account_added", "account_locked", "web_login", "account_totp_reset",
                          "account_removed"})
        EXPECT_TRUE(events.count(e)) << e;
    store_.reset();
    const std::string raw = backend_->raw();
    EXPECT_EQ(raw.find("TOTPGEHEIM"), std::string::npos);
    EXPECT_EQ(raw.find("NIEUWGEHEIM"), std::string::npos);
}

TEST_P(StoreTest, CountsPerRouteAndState) {
    ASSERT_TRUE(store_->ingest(batch("k", 3), t0_));
    auto counts = store_->countByRouteState();
    ASSERT_TRUE(counts);
    ASSERT_EQ(counts->size(), 1u);
    EXPECT_EQ(counts->begin()->first.first, "r");
    EXPECT_EQ(counts->begin()->first.second, State::kReceived);
    EXPECT_EQ(counts->begin()->second, 3);
}

TEST_P(StoreTest, TokensAreStoredHashed) {
    ApiToken t{"tok_1", "juf", "mentor", util::sha256Hex("sluis_secret"), fromMillis(0), false};
    ASSERT_TRUE(store_->addToken(t));
    auto found = store_->findToken(util::sha256Hex("sluis_secret"));
    ASSERT_TRUE(found);
    ASSERT_TRUE(found->has_value());
    EXPECT_EQ((*found)->role, "mentor");
    auto none = store_->findToken(util::sha256Hex("other"));
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->has_value());
    store_.reset();
    EXPECT_EQ(backend_->raw().find("sluis_secret"), std::string::npos);
}

TEST_P(StoreTest, RegisterBatchesProceduresAndNotificationsRoundTrip) {
    auto b = batch("k", 2);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    // Consents of one pupil, newest first; same millisecond: the later one first.
    Consent c1{"c1", "1000", "swv", "ouder", "moeder", "gegeven", "2026-01-10", "formulier",
               "eerste", "2026-01-10", "", "juf", t0_, std::nullopt, ""};
    Consent c2 = c1;
    c2.id = "c2";
    c2.evidence = "tweede";
    c2.evidence_file = EvidenceFile{"scan.pdf", "application/pdf", 0, "", "%PDF-1.4 bytes"};
    ASSERT_TRUE(store_->addConsent(c1, t0_));
    ASSERT_TRUE(store_->addConsent(c2, t0_));
    auto got = store_->consents("1000", "");
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->size(), 2u);
    EXPECT_EQ((*got)[0].id, "c2");
    ASSERT_TRUE((*got)[0].evidence_file);
    EXPECT_EQ((*got)[0].evidence_file->filename, "scan.pdf");
    auto file = store_->consentEvidence("c2");
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->bytes, "%PDF-1.4 bytes");
    ASSERT_TRUE(store_->withdrawConsent("c1", "juf", {}, t0_));
    EXPECT_FALSE(store_->withdrawConsent("c1", "juf", {}, t0_));
    EXPECT_TRUE(store_->getConsent("c1")->withdrawn_at);

    // Previews are recorded once per viewer and hash.
    const AuditEvent seen{"dir", "previewed", id, "demo", {{"payload_hash", "h1"}}};
    ASSERT_TRUE(store_->recordPreview(id, "dir", "h1", seen, t0_));
    ASSERT_TRUE(store_->recordPreview(id, "dir", "h1", seen, t0_));
    EXPECT_TRUE(*store_->hasPreviewed(id, "dir", "h1"));
    EXPECT_FALSE(*store_->hasPreviewed(id, "dir", "h2"));

    Batch batch_rec{"b1", "groep 8", "demo", "mentor", t0_, {{id, "h1"}}, "prepared", "", std::nullopt};
    ASSERT_TRUE(store_->addBatch(batch_rec, t0_));
    ASSERT_TRUE(store_->closeBatch("b1", "approved", "dir", json::object(), t0_));
    EXPECT_FALSE(store_->closeBatch("b1", "approved", "dir", json::object(), t0_));
    auto batches = store_->batches(10);
    ASSERT_TRUE(batches);
    ASSERT_EQ(batches->size(), 1u);
    EXPECT_EQ((*batches)[0].status, "approved");
    EXPECT_EQ((*batches)[0].items.size(), 1u);

    ASSERT_TRUE(store_->saveProcedureAnswers(id, json{{"vraag", "ja"}}, "juf", "demo", t0_));
    ASSERT_TRUE(store_->saveProcedure(id, "juf", "h1", t0_, "demo",
                                      Notification{0, "procedure_saved", id, {"a@school.nl"}, "s", "b"},
                                      t0_));
    auto proc = store_->procedure(id);
    ASSERT_TRUE(proc);
    EXPECT_EQ(proc->answers["vraag"], "ja");
    EXPECT_EQ(proc->saved_hash, "h1");
    auto due = store_->dueNotifications(t0_, 10);
    ASSERT_TRUE(due);
    ASSERT_EQ(due->size(), 1u);
    ASSERT_TRUE(store_->notificationAttempt((*due)[0].id, true, "", std::nullopt, t0_));
    EXPECT_TRUE(store_->dueNotifications(t0_, 10)->empty());
    EXPECT_TRUE((*store_->notifications(id))[0].sent_at);

    ASSERT_TRUE(store_->claimScheduleRun("r", t0_, "fired", t0_));
    auto again = store_->claimScheduleRun("r", t0_, "fired", t0_);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
    EXPECT_EQ(*store_->lastScheduleRun("r"), t0_);

    TransitionUpdate u;
    u.payload = "p";
    u.reports = std::vector<std::pair<std::string, std::string>>{{"text/html", "<p>rapport</p>"}};
    ASSERT_TRUE(store_->transition(id, State::kReceived, State::kMapped, u, ev("m"), "", t0_));
    EXPECT_EQ(store_->get(id)->report_types, std::vector<std::string>{"text/html"});
    EXPECT_EQ(*store_->report(id, "text/html"), "<p>rapport</p>");
    ASSERT_TRUE(store_->purgePayload(id, "sluis", t0_));
    EXPECT_TRUE(store_->get(id)->payload_purged);
    EXPECT_FALSE(store_->report(id, "text/html"));
    ListFilter unpurged;
    unpurged.unpurged_only = true;
    EXPECT_EQ(store_->list(unpurged)->size(), 1u);
    // The retention purge's query: millisecond timestamps need 64 bits on both backends.
    ListFilter old;
    old.updated_before = t0_ + std::chrono::hours(1);
    old.unpurged_only = true;
    auto stale = store_->list(old);
    ASSERT_TRUE(stale) << stale.error().message;
    EXPECT_EQ(stale->size(), 1u);
    old.updated_before = t0_;
    EXPECT_TRUE(store_->list(old)->empty());

    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
}

TEST_P(StoreTest, ACorruptJsonColumnFailsTheReadNamingWhereNotWhat) {
    auto b = batch("k", 2);
    const std::string id = b.transfers[0].meta.id, other = b.transfers[1].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    ASSERT_TRUE(store_->saveProcedureAnswers(id, json{{"vraag", "ja"}}, "juf", "demo", t0_));
    const std::string where = " WHERE id = '" + id + "'";
    // Only what names the place may be in the message, never the damaged text.
    auto expectNamed = [&](const Status& st, const std::string& column) {
        ASSERT_FALSE(st);
        EXPECT_EQ(st.code(), ErrorCode::kStorage);
        EXPECT_NE(st.message().find(column), std::string::npos) << st.message();
        EXPECT_NE(st.message().find(id), std::string::npos) << st.message();
        EXPECT_EQ(st.message().find("Geheim"), std::string::npos) << st.message();
    };

    ASSERT_EQ(backend_->update("UPDATE transfers SET choices = '{\"niveau\": Geheim'" + where), 1u);
    expectNamed(store_->get(id).status(), "transfers.choices");
    // A list with one damaged row fails as a whole, saying which row.
    expectNamed(store_->list({}).status(), "transfers.choices");
    EXPECT_TRUE(store_->get(other)) << "the other rows stay readable one by one";
    // The worker's selection goes on with the other rows and says which one it left.
    auto due = store_->due(t0_, 10);
    ASSERT_TRUE(due) << due.error().message;
    ASSERT_EQ(due->transfers.size(), 1u);
    EXPECT_EQ(due->transfers[0].id, other);
    ASSERT_EQ(due->damaged.size(), 1u);
    EXPECT_EQ(due->damaged[0].transfer_id, id);
    expectNamed(Status(due->damaged[0].error), "transfers.choices");

    // Well-formed JSON that is not an object is damage too.
    ASSERT_EQ(backend_->update("UPDATE transfers SET choices = '{}', disclosure = '[\"Geheim\"]'" +
                               where),
              1u);
    expectNamed(store_->get(id).status(), "transfers.disclosure");

    ASSERT_EQ(backend_->update("UPDATE transfers SET disclosure = '{}'" + where), 1u);
    ASSERT_TRUE(store_->get(id));
    ASSERT_EQ(backend_->update("UPDATE procedures SET answers = 'Geheim' WHERE transfer_id = '" +
                               id + "'"),
              1u);
    expectNamed(store_->procedure(id).status(), "procedures.answers");

    // A batch whose item list was damaged is not shown as an empty batch.
    Batch batch_row;
    batch_row.id = "bt_1";
    batch_row.name = "groep 8";
    batch_row.purpose = "demo";
    batch_row.prepared_by = "juf";
    batch_row.items = {{id, "hash"}};
    ASSERT_TRUE(store_->addBatch(batch_row, t0_));
    ASSERT_TRUE(store_->getBatch("bt_1"));
    for (const char* damaged : {"'Geheim'", "'[{\"transfer_id\": 7}]'", "'{}'"}) {
        ASSERT_EQ(backend_->update(std::string("UPDATE batches SET items = ") + damaged +
                                   " WHERE id = 'bt_1'"),
                  1u);
        auto got = store_->getBatch("bt_1");
        ASSERT_FALSE(got) << damaged;
        EXPECT_EQ(got.error().code, ErrorCode::kStorage);
        EXPECT_NE(got.error().message.find("batches.items van rij bt_1"), std::string::npos)
            << got.error().message;
        EXPECT_EQ(got.error().message.find("Geheim"), std::string::npos);
    }
}

/// Issue 14, M5: the retention purge covers every state. A transfer never delivered is purged
/// once its retention has passed counted from creation (and ended, so nothing can deliver or
/// requeue it without its data); a delivered one counted from delivery; one in the hands of a
/// sink waits.
TEST_P(StoreTest, RetentionPurgesEveryStateNeverDeliveredFromCreation) {
    auto r = store_->ingest(batch("ret", 5), t0_);
    ASSERT_TRUE(r) << r.error().message;
    auto all = store_->list({});
    ASSERT_EQ(all->size(), 5u);
    std::string waiting = (*all)[0].id, dead = (*all)[1].id, delivered = (*all)[2].id, inflight = (*all)[3].id,
                fresh_received = (*all)[4].id;
    auto go = [&](const std::string& id, std::vector<State> path, Timestamp at) {
        State from = State::kReceived;
        for (State to : path) {
            TransitionUpdate u;
            if (to == State::kMapped) u.payload = "{\"dossier\":\"" + id + "\"}";
            ASSERT_TRUE(store_->transition(id, from, to, u, ev("s"), "", at)) << stateName(to);
            from = to;
        }
    };
    go(waiting, {State::kMapped, State::kAwaitingApproval}, t0_ + std::chrono::days(1));
    go(dead, {State::kMapped, State::kScheduled, State::kDelivering, State::kFailed, State::kDeadLettered},
       t0_ + std::chrono::days(2));
    go(delivered, {State::kMapped, State::kScheduled, State::kDelivering, State::kDelivered},
       t0_ + std::chrono::days(10));
    go(inflight, {State::kMapped, State::kScheduled, State::kDelivering}, t0_ + std::chrono::days(3));

    config::Config cfg;
    config::PurposePolicy p;
    p.retention = std::chrono::days(30);
    cfg.policies["demo"] = p;

    // Before its retention nothing goes, although some have been waiting or dead for weeks.
    EXPECT_TRUE(policy::purgeCandidates(cfg, *store_, t0_ + std::chrono::days(29))->empty());

    Timestamp now = t0_ + std::chrono::days(31);
    auto due = policy::purgeCandidates(cfg, *store_, now);
    ASSERT_TRUE(due) << due.error().message;
    std::set<std::string> ids;
    for (const auto& i : *due) {
        ids.insert(i.transfer.id);
        EXPECT_TRUE(i.from_creation);
        EXPECT_EQ(i.due, t0_ + std::chrono::days(30));
    }
    EXPECT_EQ(ids, (std::set<std::string>{waiting, dead, fresh_received}));
    auto n = policy::purgeDue(cfg, *store_, now, "sluis");
    ASSERT_TRUE(n) << n.error().message;
    EXPECT_EQ(*n, 3u);
    for (const auto& id : {waiting, dead, fresh_received}) {
        auto t = store_->get(id);
        EXPECT_TRUE(t->payload_purged) << id;
        EXPECT_EQ(t->state, State::kWithdrawn) << id;  // cannot be approved, delivered or requeued any more
        EXPECT_FALSE(store_->payload(id));
        EXPECT_FALSE(store_->canonical(id));
        EXPECT_NE(store_->history(id)->back().reason.find("bewaartermijn"), std::string::npos);
    }
    EXPECT_FALSE(store_->get(delivered)->payload_purged);
    EXPECT_TRUE(store_->payload(delivered));
    EXPECT_EQ(store_->get(inflight)->state, State::kDelivering);
    EXPECT_TRUE(store_->payload(inflight));

    // The delivered one: counted from delivery (day 10), so due at day 40. Purged, stays delivered.
    EXPECT_TRUE(policy::purgeCandidates(cfg, *store_, t0_ + std::chrono::days(39))->empty());
    ASSERT_EQ(*policy::purgeDue(cfg, *store_, t0_ + std::chrono::days(41), "sluis"), 1u);
    EXPECT_TRUE(store_->get(delivered)->payload_purged);
    EXPECT_EQ(store_->get(delivered)->state, State::kDelivered);
    EXPECT_FALSE(store_->payload(delivered));

    // Every purge is audited, and the chain still verifies.
    size_t purged = 0, expired = 0;
    auto log = store_->auditLog(0, 1000);
    ASSERT_TRUE(log) << log.error().message;
    for (const auto& a : log.value()) {
        purged += a.event.event == "purged";
        expired += a.event.event == "retention_expired";
    }
    EXPECT_EQ(purged, 4u);
    EXPECT_EQ(expired, 3u);
    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
    // Nothing is purged twice, and the one in the hands of a sink still waits.
    EXPECT_TRUE(policy::purgeCandidates(cfg, *store_, t0_ + std::chrono::days(400))->empty());
}

/// A transfer whose purpose was removed from policies.json is not kept for ever: the default
/// retention (730 days) applies.
TEST_P(StoreTest, RetentionOfAPurposeNoLongerConfiguredFallsBackToTheDefault) {
    auto b = batch("oud", 1);
    b.transfers[0].meta.purpose = "opgeheven";
    ASSERT_TRUE(store_->ingest(b, t0_));
    config::Config cfg;
    config::PurposePolicy p;
    p.retention = std::chrono::days(30);
    cfg.policies["demo"] = p;
    EXPECT_TRUE(policy::purgeCandidates(cfg, *store_, t0_ + std::chrono::days(729))->empty());
    auto due = policy::purgeCandidates(cfg, *store_, t0_ + std::chrono::days(731));
    ASSERT_TRUE(due) << due.error().message;
    ASSERT_EQ(due->size(), 1u);
    EXPECT_EQ(due->at(0).transfer.purpose, "opgeheven");
    ASSERT_EQ(*policy::purgeDue(cfg, *store_, t0_ + std::chrono::days(731), "sluis"), 1u);
    EXPECT_TRUE(store_->get(due->at(0).transfer.id)->payload_purged);
}

std::string fingerprintOf(const std::filesystem::path& key_file) {
    auto k = crypto::loadOrCreateKeyFile(key_file, false);
    return k ? crypto::keyFingerprint(*k) : std::string();
}

bool hasAuditEvent(TransferStore& store, const std::string& event) {
    auto log = store.auditLog(0, 100000);
    if (!log) return false;
    for (const auto& r : *log)
        if (r.event.event == event) return true;
    return false;
}

// Issue 14 L4: the master key is replaced while a store is in use (the "daemon" below keeps its
// store open throughout), resumably, and the old key is not needed afterwards.
TEST_P(StoreTest, KeyRotationRewrapsEverythingResumesAndTheOldKeyIsNotNeededAfterwards) {
    auto b = batch("k1", 5);
    ASSERT_TRUE(store_->ingest(b, t0_));
    Consent c{"c1", "1000", "swv", "ouder", "moeder", "gegeven", "2026-01-10", "formulier",
              "Formulier getekend door Moedernaam", "2026-01-10", "", "juf", t0_, std::nullopt, ""};
    c.evidence_file = EvidenceFile{"toestemming-moedernaam.pdf", "application/pdf", 9, util::sha256Hex("%PDF-1.4\n"),
                                   "%PDF-1.4\n"};
    ASSERT_TRUE(store_->addConsent(c, t0_));
    Inzage i{"i1", "1000", "povo", "2026-03-01", "Nee", "Ouders vinden het advies te laag", "juf", t0_};
    ASSERT_TRUE(store_->addInzage(i, t0_));
    const std::string old_fp = fingerprintOf(dir_ / "sluis.key");
    auto before = store_->keyStatus();
    ASSERT_TRUE(before) << before.error().message;
    EXPECT_EQ(before->fingerprint, old_fp);
    EXPECT_EQ(before->older, 0);

    RotationOptions o;
    o.key_file = dir_ / "sluis.key";
    o.batch = 2;
    o.max_batches = 1;
    auto opener = [&] { return backend_->open(dir_ / "sluis.key"); };
    // Interrupted after one batch.
    auto first = rotateMasterKey(o, opener, t0_);
    ASSERT_TRUE(first) << first.error().message;
    EXPECT_FALSE(first->complete);
    EXPECT_EQ(first->rewrapped, 2);
    EXPECT_GT(first->remaining, 0);
    EXPECT_EQ(first->old_fingerprint, old_fp);
    ASSERT_TRUE(std::filesystem::exists(dir_ / "sluis.key.new"));
    EXPECT_EQ(std::filesystem::status(dir_ / "sluis.key.new").permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    const std::string new_fp = first->new_fingerprint;
    EXPECT_NE(new_fp, old_fp);
    EXPECT_EQ(backend_->scalar("SELECT value FROM meta WHERE key = 'key_fingerprint'"), new_fp);

    // The store that was open all along follows the switch: it writes under the new key and
    // still reads what is under the old one.
    auto during = store_->ingest(batch("k2", 1, 2000), t0_);
    ASSERT_TRUE(during) << during.error().message;
    auto status = store_->keyStatus();
    ASSERT_TRUE(status);
    EXPECT_EQ(status->fingerprint, new_fp);
    EXPECT_EQ(status->older, first->remaining) << "what was written meanwhile is under the new key";
    for (const auto& t : b.transfers) EXPECT_TRUE(store_->canonical(t.meta.id)) << t.meta.id;

    // Run again: it continues and finishes.
    o.max_batches = 0;
    auto second = rotateMasterKey(o, opener, t0_);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_TRUE(second->complete);
    EXPECT_EQ(second->new_fingerprint, new_fp);
    EXPECT_EQ(second->remaining, 0);
    EXPECT_EQ(second->rewrapped, first->remaining);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "sluis.key.new"));
    EXPECT_EQ(fingerprintOf(dir_ / "sluis.key"), new_fp);
    ASSERT_TRUE(std::filesystem::exists(dir_ / ("sluis.key.old-" + old_fp)));
    EXPECT_EQ(fingerprintOf(dir_ / ("sluis.key.old-" + old_fp)), old_fp);

    // The old key is not needed any more: remove it, open the store afresh, read everything.
    std::filesystem::remove(dir_ / ("sluis.key.old-" + old_fp));
    store_.reset();
    auto reopened = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(reopened) << reopened.error().message;
    auto& s = **reopened;
    auto after = s.keyStatus();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->fingerprint, new_fp);
    EXPECT_EQ(after->older, 0);
    auto all = s.list({});
    ASSERT_TRUE(all);
    EXPECT_EQ(all->size(), 6u);
    for (const auto& t : *all) {
        auto canon = s.canonical(t.id);
        ASSERT_TRUE(canon) << t.id << ": " << canon.error().message;
        EXPECT_NE(canon->find("Geheimnaam"), std::string::npos);
    }
    auto consents = s.consents("1000", "swv");
    ASSERT_TRUE(consents);
    ASSERT_EQ(consents->size(), 1u) << "re-wrapping keeps the register row's MAC valid";
    EXPECT_EQ((*consents)[0].evidence, c.evidence);
    auto file = s.consentEvidence("c1");
    ASSERT_TRUE(file) << file.error().message;
    EXPECT_EQ(file->bytes, "%PDF-1.4\n");
    EXPECT_EQ(file->filename, "toestemming-moedernaam.pdf");
    auto z = s.latestInzage("1000", "povo");
    ASSERT_TRUE(z);
    ASSERT_TRUE(z->has_value());
    EXPECT_EQ((*z)->redennietakkoord, i.redennietakkoord);
    auto v = verifyAudit(s);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_TRUE(hasAuditEvent(s, "key_rotation_started"));
    EXPECT_TRUE(hasAuditEvent(s, "key_rotated"));
    reopened->reset();
    // Nothing personal at rest, and the old key opens nothing any more.
    std::string raw = backend_->raw();
    EXPECT_EQ(raw.find("Moedernaam"), std::string::npos);
}

TEST_P(StoreTest, KeyRotationReWrapsLegacyUntaggedBlobs) {
    // A data key wrapped before blobs carried a key tag (as an older Sluis wrote it).
    auto b = batch("k", 1);
    std::string id = b.transfers[0].meta.id;
    ASSERT_TRUE(store_->ingest(b, t0_));
    auto master = crypto::loadOrCreateKeyFile(dir_ / "sluis.key", false);
    ASSERT_TRUE(master);
    auto wrapped = util::decodeBase64(backend_->scalar("SELECT data_key FROM transfers WHERE id = '" + id + "'"));
    ASSERT_TRUE(wrapped);
    ASSERT_EQ((*wrapped)[0], 'K');
    std::string untagged = wrapped->substr(9);
    ASSERT_TRUE(crypto::open(*master, untagged, "dek:" + id)) << "the tag is a prefix on the old format";
    EXPECT_EQ(backend_->update("UPDATE transfers SET data_key = '" + util::encodeBase64(untagged) + "' WHERE id = '" +
                               id + "'"),
              1u);
    auto st = store_->keyStatus();
    ASSERT_TRUE(st);
    EXPECT_EQ(st->older, 1);
    EXPECT_TRUE(store_->canonical(id)) << "an untagged blob is still read";
    RotationOptions o;
    o.key_file = dir_ / "sluis.key";
    auto r = rotateMasterKey(o, [&] { return backend_->open(dir_ / "sluis.key"); }, t0_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_TRUE(r->complete);
    std::filesystem::remove(dir_ / ("sluis.key.old-" + r->old_fingerprint));
    store_.reset();
    auto reopened = backend_->open(dir_ / "sluis.key");
    ASSERT_TRUE(reopened) << reopened.error().message;
    EXPECT_TRUE((*reopened)->canonical(id));
    EXPECT_EQ((*reopened)->keyStatus()->older, 0);
}

TEST_P(StoreTest, ASecondKeyRotationAtTheSameTimeIsRefused) {
    ASSERT_TRUE(store_->ingest(batch("k", 2), t0_));
    RotationOptions o;
    o.key_file = dir_ / "sluis.key";
    auto opener = [&] { return backend_->open(dir_ / "sluis.key"); };
    // The lock file a running rotation holds.
    int fd = ::open((dir_ / "sluis.key.rotate.lock").c_str(), O_RDWR | O_CREAT, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    auto refused = rotateMasterKey(o, opener, t0_);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kConflict);
    EXPECT_NE(refused.error().message.find("er loopt al een sleutelrotatie"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "sluis.key.new")) << "nothing done";
    ::close(fd);
    // PostgreSQL: the advisory lock, for a rotation from another data dir on the same database.
    auto a = opener();
    ASSERT_TRUE(a);
    auto got = (*a)->tryRotationLock();
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_TRUE(*got);
    if (GetParam() == "postgresql") {
        auto other = opener();
        ASSERT_TRUE(other);
        auto second = (*other)->tryRotationLock();
        ASSERT_TRUE(second);
        EXPECT_FALSE(*second);
        auto blocked = rotateMasterKey(o, opener, t0_);
        ASSERT_FALSE(blocked);
        EXPECT_EQ(blocked.error().code, ErrorCode::kConflict);
    }
    a->reset();
    auto done = rotateMasterKey(o, opener, t0_);
    ASSERT_TRUE(done) << done.error().message;
    EXPECT_TRUE(done->complete) << "the lock is released with its holder";
}

// Opening writes with the clock it is given, never the system's: every schema version it applies,
// and the record of a one-time upgrade (here: keying an old audit log).
TEST_P(StoreTest, OpeningStampsTheInjectedClocksTime) {
    Backend fresh(GetParam());
    ASSERT_EQ(fresh.error(), "");
    test::TempDir keys;
    ManualClock clock(fromMillis(1'234'567'890'123));
    auto s = fresh.open(keys / "sluis.key", clock);
    ASSERT_TRUE(s) << s.error().message;
    const std::string versions = fresh.scalar("SELECT CAST(COUNT(*) AS TEXT) FROM schema_migrations");
    EXPECT_NE(versions, "0");
    EXPECT_EQ(fresh.scalar("SELECT CAST(COUNT(*) AS TEXT) FROM schema_migrations"
                           " WHERE applied_at = 1234567890123"),
              versions);

    ASSERT_TRUE((*s)->audit(ev("e1"), t0_));
    relinkWithoutKey(fresh, **s, 1);
    ASSERT_EQ(fresh.update("DELETE FROM meta WHERE key = 'audit_chain'"), 1u);
    s->reset();
    clock.set(fromMillis(1'300'000'000'000));
    auto again = fresh.open(keys / "sluis.key", clock);
    ASSERT_TRUE(again) << again.error().message;
    auto log = (*again)->auditLog(1, 10);
    ASSERT_TRUE(log);
    ASSERT_EQ(log->size(), 1u);
    EXPECT_EQ((*log)[0].event.event, "audit_chain_keyed");
    EXPECT_EQ(toMillis((*log)[0].at), 1'300'000'000'000);
}

// One interface call is one unit of work: a consent withdrawal that the database refuses half-way
// (the second transfer is no longer in the state the plan expects, as when another actor moved it
// meanwhile) leaves nothing behind: not the consent's withdrawal, not the first transfer's state,
// history or audit records.
TEST_P(StoreTest, AConsentWithdrawalThatFailsHalfWayWritesNothing) {
    ASSERT_TRUE(store_->ingest(batch("k1", 2), t0_));
    auto all = store_->list({});
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 2u);
    const std::string a = (*all)[0].id, b = (*all)[1].id;
    Consent c{"c1", "1000", "demo", "ouder", "moeder", "gegeven", "2026-01-10", "formulier",
              "notitie", "2026-01-10", "", "juf", t0_, std::nullopt, ""};
    ASSERT_TRUE(store_->addConsent(c, t0_));
    auto audit_before = store_->auditLog(0, 1000);
    ASSERT_TRUE(audit_before);

    Status st = store_->withdrawConsent(
        "c1", "juf", {{a, State::kReceived, State::kWithdrawn}, {b, State::kMapped, State::kWithdrawn}}, t0_);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kConflict);
    EXPECT_FALSE(store_->getConsent("c1")->withdrawn_at);
    EXPECT_EQ(store_->get(a)->state, State::kReceived);
    EXPECT_EQ(store_->history(a)->size(), 1u);
    EXPECT_EQ(store_->auditLog(0, 1000)->size(), audit_before->size());
    auto forged = store_->unauthenticRows();
    ASSERT_TRUE(forged);
    EXPECT_TRUE(forged->empty()) << forged->front();

    // The same withdrawal with the right plan is written whole.
    ASSERT_TRUE(store_->withdrawConsent(
        "c1", "juf", {{a, State::kReceived, State::kWithdrawn}, {b, State::kReceived, State::kWithdrawn}}, t0_));
    EXPECT_TRUE(store_->getConsent("c1")->withdrawn_at);
    EXPECT_EQ(store_->get(a)->state, State::kWithdrawn);
    EXPECT_EQ(store_->get(b)->state, State::kWithdrawn);
    EXPECT_EQ(store_->history(b)->size(), 2u);
    EXPECT_EQ(store_->auditLog(0, 1000)->size(), audit_before->size() + 3);
    auto v = verifyAudit(*store_);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
}

// --- webbench: the audit log searched and paged in the store (searchAudit) and api::readAudit
// over it, compared with a plain walk of the whole log that filters in memory (the way readAudit
// worked before).
namespace {
bool namesPupilRef(const json& d, const std::string& id) {
    for (const char* k : {"subject", "pupil", "leerling"})
        if (d.is_object() && d.contains(k) && d[k].is_string() && d[k].get<std::string>() == id) return true;
    return false;
}
}  // namespace

TEST_P(StoreTest, AuditSearchFiltersAndPagesLikeAWalkOfTheWholeLog) {
    // 12 transfers of pupils 1000..1011, each moved on with engine events; people's records
    // naming pupils in their details (top level, and once nested, which must not count); actors
    // differing only in case; times an hour apart.
    auto b = batch("k", 12);
    ASSERT_TRUE(store_->ingest(b, t0_));
    Timestamp t = t0_;
    int n = 0;
    for (const auto& nt : b.transfers) {
        t += std::chrono::hours(1);
        ASSERT_TRUE(store_->transition(nt.meta.id, State::kReceived, State::kMapped, {},
                                       {"sluis", "mapped", nt.meta.id, "demo", json::object()}, "", t));
        ASSERT_TRUE(store_->audit({n % 2 ? "fg1 (fg)" : "FG1 (fg)", "payload_viewed", nt.meta.id, "demo",
                                   json::object()}, t));
        ASSERT_TRUE(store_->audit({"juf.ans (mentor)", "inzage_registered", "", "povo",
                                   {{"subject", nt.meta.subject}, {"inzage_id", "iz" + std::to_string(n)}}}, t));
        ++n;
    }
    ASSERT_TRUE(store_->audit({"x (beheerder)", "odd", "", "", {{"nested", {{"subject", "1004"}}}}}, t));
    ASSERT_TRUE(store_->audit({"x (beheerder)", "odd", "", "", {{"pupil", "10%4_"}}}, t));
    auto all = store_->auditLog(0, 100000);
    ASSERT_TRUE(all);
    ASSERT_GT(all->size(), 40u);

    std::map<std::string, std::string> subject_of;
    for (const auto& nt : b.transfers) subject_of[nt.meta.id] = nt.meta.subject;
    auto matches = [&](const AuditRecord& r, const api::AuditFilter& f) {
        if (!f.transfer_id.empty() && r.event.transfer_id != f.transfer_id) return false;
        if (!f.event.empty() && r.event.event != f.event) return false;
        if (!f.actor.empty() && r.event.actor.find(f.actor) == std::string::npos) return false;
        if (f.from && r.at < *f.from) return false;
        if (f.until && r.at >= *f.until) return false;
        if (!f.subject.empty()) {
            auto it = subject_of.find(r.event.transfer_id);
            bool of_pupil = it != subject_of.end() && it->second == f.subject;
            if (!of_pupil && !namesPupilRef(r.event.details, f.subject)) return false;
        }
        return true;
    };
    std::vector<api::AuditFilter> filters(9);
    filters[1].transfer_id = b.transfers[3].meta.id;
    filters[2].event = "payload_viewed";
    filters[3].actor = "fg1";  // case matters: only the odd ones
    filters[4].subject = "1004";  // its transfer's records and the inzage record, not the nested one
    filters[5].from = t0_ + std::chrono::hours(3);
    filters[5].until = t0_ + std::chrono::hours(7);
    filters[6].subject = "10%4_";  // LIKE's wildcards are taken literally
    filters[7].event = "inzage_registered";
    filters[7].actor = "mentor";
    filters[8].subject = "1007";
    filters[8].event = "mapped";

    ManualClock clock(t + std::chrono::hours(1));
    std::shared_ptr<const config::Config> cfg = std::make_shared<config::Config>();
    api::Actor fg{"fg1", "fg"};
    api::DecisionContext ctx{cfg, *store_, clock, fg};
    const long long upto = all->back().seq;  // pages pinned before readAudit adds audit_viewed
    for (size_t fi = 0; fi < filters.size(); ++fi) {
        const auto& f = filters[fi];
        std::vector<long long> want;  // newest first
        for (auto it = all->rbegin(); it != all->rend(); ++it)
            if (matches(*it, f)) want.push_back(it->seq);
        ASSERT_FALSE(want.empty()) << "filter " << fi;
        // The store: a superset of the filter, newest first, and exact where it says so.
        AuditSearch s;
        s.transfer_id = f.transfer_id;
        s.event = f.event;
        s.actor = f.actor;
        s.subject = f.subject;
        s.from = f.from;
        s.until = f.until;
        s.newest_first = true;
        s.before = upto + 1;
        s.limit = 100000;
        auto found = store_->searchAudit(s);
        ASSERT_TRUE(found) << found.error().message;
        std::set<long long> got_seqs;
        for (size_t i = 0; i < found->size(); ++i) {
            got_seqs.insert((*found)[i].seq);
            if (i > 0) {
                EXPECT_LT((*found)[i].seq, (*found)[i - 1].seq) << "newest first";
            }
        }
        for (long long w : want) EXPECT_TRUE(got_seqs.count(w)) << "filter " << fi << " misses " << w;
        if (f.actor.empty() && f.subject.empty()) {
            EXPECT_EQ(found->size(), want.size()) << "exact, filter " << fi;
        }
        // readAudit: pages of 3, newest first, pinned; every page exactly the reference's slice.
        std::vector<long long> paged;
        for (size_t offset = 0;; offset += 3) {
            api::AuditQuery q;
            q.filter = f;
            q.newest_first = true;
            q.upto = upto;
            q.offset = offset;
            q.limit = 3;
            auto page = api::readAudit(ctx, q);
            ASSERT_TRUE(page) << page.error().message;
            for (const auto& r : page->records) paged.push_back(r.seq);
            EXPECT_EQ(page->more, offset + 3 < want.size()) << "filter " << fi << " offset " << offset;
            if (!page->more) break;
        }
        EXPECT_EQ(paged, want) << "filter " << fi;
        // Oldest first from a cursor (the API), pages of 2.
        std::vector<long long> forward;
        long long after = 0;
        for (int guard = 0; guard < 100; ++guard) {
            api::AuditQuery q;
            q.filter = f;
            q.after = after;
            q.limit = 2;
            auto page = api::readAudit(ctx, q);
            ASSERT_TRUE(page) << page.error().message;
            for (const auto& r : page->records)
                if (r.seq <= upto) forward.push_back(r.seq);
            // Each read adds its own audit_viewed record: stop at the pinned end.
            if (page->records.empty() || !page->more || page->records.back().seq >= upto) break;
            after = page->records.back().seq;
        }
        std::vector<long long> want_forward(want.rbegin(), want.rend());
        EXPECT_EQ(forward, want_forward) << "filter " << fi;
    }
    // The store pages in SQL: offset and limit on an exact filter.
    AuditSearch s;
    s.event = "mapped";
    s.newest_first = true;
    s.offset = 2;
    s.limit = 4;
    auto page = store_->searchAudit(s);
    ASSERT_TRUE(page);
    std::vector<long long> mapped;
    for (auto it = all->rbegin(); it != all->rend(); ++it)
        if (it->event.event == "mapped") mapped.push_back(it->seq);
    ASSERT_EQ(page->size(), 4u);
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ((*page)[i].seq, mapped[i + 2]);
}

TEST_P(StoreTest, CountMatchesList) {
    auto b = batch("k", 9);
    for (int i = 0; i < 9; ++i) b.transfers[i].meta.purpose = i % 3 ? "demo" : "povo";
    ASSERT_TRUE(store_->ingest(b, t0_));
    for (int i = 0; i < 4; ++i)
        ASSERT_TRUE(store_->transition(b.transfers[i].meta.id, State::kReceived, State::kMapped, {}, ev("m"), "",
                                       t0_ + std::chrono::hours(1)));
    std::vector<ListFilter> filters(7);
    filters[1].state = State::kMapped;
    filters[2].purposes = std::set<std::string>{"povo"};
    filters[3].purposes = std::set<std::string>{};
    filters[4].states = {State::kMapped, State::kReceived};
    filters[4].purposes = std::set<std::string>{"demo", "povo"};
    filters[5].subject = b.transfers[2].meta.subject;
    filters[6].state = State::kReceived;
    filters[6].purpose = "demo";
    filters[6].updated_before = t0_ + std::chrono::minutes(1);
    for (size_t i = 0; i < filters.size(); ++i) {
        ListFilter f = filters[i];
        f.limit = 1000;
        auto listed = store_->list(f);
        ASSERT_TRUE(listed);
        f.limit = 2;  // ignored by count, as the offset is
        f.offset = 1;
        auto n = store_->count(f);
        ASSERT_TRUE(n) << n.error().message;
        EXPECT_EQ(*n, static_cast<long long>(listed->size())) << "filter " << i;
    }
    EXPECT_EQ(*store_->count(filters[0]), 9);
    EXPECT_EQ(*store_->count(filters[3]), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

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

TEST(StoreOpen, AnOlderSqliteDatabaseIsMigratedAndKeepsItsData) {
    test::TempDir dir;
    std::string db = (dir / "sluis.db").string(), key = (dir / "sluis.key").string();
    std::string id;
    {
        auto s = openSqliteStore({db, key});
        ASSERT_TRUE(s) << s.error().message;
        IngestBatch b{"k", "inbox", "export.jsonl", "bron:inbox", {}};
        NewTransfer nt;
        nt.meta.id = id = newTransferId();
        nt.meta.idempotency_key = "k#0";
        nt.meta.route = "r";
        nt.meta.subject = "1000";
        nt.canonical = R"({"leerling":{"achternaam":"Oudversie"}})";
        b.transfers.push_back(nt);
        ASSERT_TRUE((*s)->ingest(b, fromMillis(1)));
    }
    {
        // Turn it back into a version-3 database (as an older Sluis left it).
        Poco::Data::Session raw("SQLite", db);
        using Poco::Data::Keywords::now;
        for (const char* sql : {"DROP TABLE transfer_reports", "DROP TABLE procedures",
                                "DROP TABLE notifications", "DROP TABLE schedule_runs",
                                "ALTER TABLE transfers DROP COLUMN choices",
                                "ALTER TABLE api_tokens DROP COLUMN expires_at",
                                "ALTER TABLE api_tokens DROP COLUMN revoked_at",
                                "DROP TABLE leases", "ALTER TABLE transfers DROP COLUMN claimed_by",
                                "ALTER TABLE transfers DROP COLUMN lease_until",
                                "ALTER TABLE approvals DROP COLUMN mac", "ALTER TABLE consents DROP COLUMN mac",
                                "ALTER TABLE inzage DROP COLUMN mac", "ALTER TABLE transfer_history DROP COLUMN mac",
                                "DROP TABLE web_accounts", "DROP TABLE web_sessions", "DROP INDEX audit_transfer",
                                "DROP INDEX audit_event",
                                "DELETE FROM meta WHERE key IN ('audit_chain', 'register_macs',"
                                " 'audit_hmac_key', 'audit_signing_key')",
                                "DELETE FROM schema_migrations WHERE version >= 4"})
            raw << sql, now;
    }
    auto s = openSqliteStore({db, key});
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(*(*s)->canonical(id), R"({"leerling":{"achternaam":"Oudversie"}})");
    EXPECT_TRUE((*s)->get(id)->choices.is_object());
    ASSERT_TRUE((*s)->claimScheduleRun("r", fromMillis(5), "fired", fromMillis(5)));
    auto v = verifyAudit(**s);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
}

// --- PostgreSQL only ---

TEST(PostgresStore, TwoDaemonsMigratingAtOnceBothOpen) {
    test::PgDatabase db;
    ASSERT_EQ(db.error(), "");
    test::TempDir dir;
    // The first start creates the key file; both processes then share it (as two daemons on one
    // database share the data key).
    std::vector<std::thread> starts;
    std::vector<std::unique_ptr<TransferStore>> stores(4);
    std::vector<std::string> errors(stores.size());
    for (size_t i = 0; i < stores.size(); ++i)
        starts.emplace_back([&, i] {
            auto r = openPostgresStore({db.dsn(), "", (dir / "sluis.key").string()});
            if (r) {
                stores[i] = std::move(r.value());
            } else {
                errors[i] = r.error().message;
            }
        });
    for (auto& t : starts) t.join();
    for (size_t i = 0; i < stores.size(); ++i) ASSERT_TRUE(stores[i]) << errors[i];
    // Every version applied exactly once, none skipped.
    auto applied = db.query("SELECT CAST(COUNT(*) AS TEXT) FROM schema_migrations");
    ASSERT_EQ(applied.size(), 1u);
    EXPECT_GE(std::stoi(applied[0]), 6);
    EXPECT_EQ(db.query("SELECT CAST(MAX(version) AS TEXT) FROM schema_migrations"), applied);
    EXPECT_EQ(db.query("SELECT value FROM meta WHERE key = 'key_fingerprint'").size(), 1u);
    // Audit records from two connections form one chain.
    std::vector<std::thread> writers;
    for (size_t i = 0; i < 2; ++i)
        writers.emplace_back([&, i] {
            for (int n = 0; n < 20; ++n)
                EXPECT_TRUE(stores[i]->audit({"t", "e", "", "", json::object()}, fromMillis(n)));
        });
    for (auto& t : writers) t.join();
    auto v = verifyAudit(*stores[2]);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->records, 40);
}

TEST(PostgresStore, ALostConnectionIsReopenedForTheNextCall) {
    test::PgDatabase db;
    ASSERT_EQ(db.error(), "");
    test::TempDir dir;
    auto s = openPostgresStore({db.dsn(), "", (dir / "sluis.key").string()});
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_TRUE((*s)->audit({"t", "voor", "", "", json::object()}, fromMillis(1)));
    // The server ends the store's connection (as a restart would).
    db.query("SELECT CAST(pg_terminate_backend(pid) AS TEXT) FROM pg_stat_activity"
             " WHERE datname = current_database() AND pid <> pg_backend_pid()");
    auto failed = (*s)->audit({"t", "tijdens", "", "", json::object()}, fromMillis(2));
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::kStorage);
    ASSERT_TRUE((*s)->audit({"t", "na", "", "", json::object()}, fromMillis(3)));
    auto v = verifyAudit(**s);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->records, 2);
}

TEST(PostgresStore, UnreachableServerIsAStorageErrorWithoutThePassword) {
    test::TempDir dir;
    auto s = openPostgresStore({"host=127.0.0.1 port=1 dbname=x user=x connect_timeout=2",
                                "geheim-wachtwoord", (dir / "sluis.key").string()});
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kStorage);
    EXPECT_EQ(s.error().message.find("geheim-wachtwoord"), std::string::npos) << s.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir / "sluis.key"));
}


TEST(PostgresStore, ConcurrentClaimsHandEveryTransferToOneDaemon) {
    test::PgDatabase db;
    ASSERT_EQ(db.error(), "");
    test::TempDir dir;
    std::vector<std::unique_ptr<TransferStore>> stores;
    for (int i = 0; i < 3; ++i) {
        auto r = openPostgresStore({db.dsn(), "", (dir / "sluis.key").string()});
        ASSERT_TRUE(r) << r.error().message;
        stores.push_back(std::move(r.value()));
    }
    IngestBatch b{"k", "inbox", "export.jsonl", "bron:inbox", {}};
    for (int i = 0; i < 300; ++i) {
        NewTransfer nt;
        nt.meta.id = newTransferId();
        nt.meta.idempotency_key = "k#" + std::to_string(i);
        nt.meta.route = "r";
        nt.meta.subject = std::to_string(1000 + i);
        nt.canonical = "{}";
        b.transfers.push_back(nt);
    }
    const Timestamp t0 = fromMillis(1'700'000'000'000);
    ASSERT_TRUE(stores[0]->ingest(b, t0));
    // Three daemons claim and move on at the same time, in small batches; every transfer must be
    // moved exactly once (a second move would be refused, and is counted).
    std::vector<std::thread> workers;
    std::vector<int> moved(3, 0), refused(3, 0);
    for (int w = 0; w < 3; ++w)
        workers.emplace_back([&, w] {
            Claim c{"d_" + std::to_string(w), t0 + std::chrono::hours(1)};
            for (;;) {
                auto due = stores[w]->claimDue(c, t0, 7);
                ASSERT_TRUE(due) << due.error().message;
                if (due->transfers.empty()) return;
                for (const auto& t : due->transfers) {
                    TransitionUpdate u;
                    u.claim = c;
                    auto st = stores[w]->transition(t.id, State::kReceived, State::kDeadLettered, u,
                                                    {"t", "dead_lettered", "", "", json::object()}, "", t0);
                    if (st) ++moved[w];
                    else ++refused[w];
                }
            }
        });
    for (auto& t : workers) t.join();
    EXPECT_EQ(moved[0] + moved[1] + moved[2], 300);
    EXPECT_EQ(refused[0] + refused[1] + refused[2], 0);
    EXPECT_GT(std::count_if(moved.begin(), moved.end(), [](int m) { return m > 0; }), 1)
        << "the work was shared";
    auto v = verifyAudit(*stores[1]);
    ASSERT_TRUE(v);
    EXPECT_TRUE(v->ok) << v->problem;
    EXPECT_EQ(v->records, 600);
}

}  // namespace
}  // namespace sluis::store

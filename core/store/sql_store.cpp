// The SQL transfer store, through Poco::Data: one implementation for SQLite (the embedded default)
// and PostgreSQL (the scale-out store). What differs between the two is a small Dialect object:
// placeholders, schema types, string aggregation, session setup and locks (core/store/sql/session.h).
//
// SqlStore here is the facade: each interface call opens one unit of work (write(): one
// transaction, the audit chain lock first; query(): a read) and hands it to the repository of its
// concern in core/store/sql/ (transfers, consents, approvals, procedures, tokens, audit). Still
// here: opening (migrations, key check, one-time upgrades) and key rotation. Verifying the audit
// chain is core/store/audit_verifier.cpp, over this interface.
//
// One connection guarded by a mutex: the daemon has one writer (the worker) and a few readers (the
// admin API). On SQLite, WAL keeps readers of other processes (sqlite3 CLI, backups) from blocking
// it; on PostgreSQL, advisory locks serialise what two daemons could otherwise race on (migrations,
// the audit hash chain: every write transaction takes that lock first), and work is claimed with an
// owner and a lease (claimDue & co., SELECT ... FOR UPDATE SKIP LOCKED; docs/architecture.md,
// "Claims and leases").
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/SQLite/Connector.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/crypto/key_ring.h"
#include "core/crypto/signing.h"
#include "core/store/audit_verifier.h"
#include "core/store/open_store.h"
#include "core/store/sql/approval_repository.h"
#include "core/store/sql/audit_repository.h"
#include "core/store/sql/consent_repository.h"
#include "core/store/sql/migrations.h"
#include "core/store/sql/procedure_repository.h"
#include "core/store/sql/rows.h"
#include "core/store/sql/sealed.h"
#include "core/store/sql/session.h"
#include "core/store/sql/token_repository.h"
#include "core/store/sql/transfer_repository.h"
#include "core/store/sql/unit_of_work.h"
#include "core/store/sql/web_session_repository.h"
#include "core/store/transfer_store.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::store {

namespace {

using namespace sql;

class SqlStore final : public TransferStore {
public:
    SqlStore(const std::string& connector, const std::string& connection,
             std::unique_ptr<Dialect> dialect)
        : db_(connector, connection, std::move(dialect)),
          mu_(db_.mutex()),
          session_(db_.session()),
          dialect_(&db_.dialect()),
          transfer_columns_(transferColumns(*dialect_)) {}

    /// Migrations, key check and the one-time upgrades; their records are stamped by `clock`.
    Status init(const std::string& key_file, const Clock& clock) {
        return guard("openen", [&]() -> Status {
            db_.setup();
            const bool locked = dialect_->lockedMigrations();
            // Two daemons starting at once: the second waits here until the first has migrated
            // and recorded the key fingerprint, then sees both.
            if (locked) {
                session_.begin();
                lock(kMigrationLock);
            }
            try {
                Status st = sql::migrate(db_, clock, !locked);
                if (st.isOk()) st = initKey(key_file);
                if (st.isOk()) {
                    if (locked) {
                        st = resealLegacyBlobs();
                        if (st.isOk()) st = initAuditKeys(clock);
                    } else {
                        session_.begin();
                        st = resealLegacyBlobs();
                        if (st.isOk()) st = initAuditKeys(clock);
                        if (st.isOk()) {
                            session_.commit();
                        } else {
                            session_.rollback();
                        }
                    }
                }
                if (locked) {
                    if (st.isOk()) {
                        session_.commit();
                    } else {
                        session_.rollback();
                    }
                }
                return st;
            } catch (...) {
                if (locked) session_.rollback();
                throw;
            }
        });
    }

    // --- Transfers, history, claims and leases, schedule runs (core/store/sql/transfer_repository.h) ---

    Result<IngestResult> ingest(const IngestBatch& batch, Timestamp now_ts) override {
        Result<IngestResult> result = IngestResult::kStored;
        Status st = write("opslaan", [&](UnitOfWork& w) -> Status {
            result = TransferRepository(w).ingest(batch, now_ts);
            return result.status();
        });
        if (!st) return st.error();
        return result;
    }
    Status transition(const std::string& id, State from, State to, const TransitionUpdate& u,
                      const AuditEvent& event, const std::string& reason, Timestamp now_ts) override {
        if (from != to && !transfer::canTransition(from, to))
            return {ErrorCode::kConflict, std::string("overgang ") + transfer::stateName(from) + " -> " +
                                              transfer::stateName(to) + " is niet toegestaan"};
        return write("statuswijziging", [&](UnitOfWork& w) {
            return TransferRepository(w).transition(id, from, to, u, event, reason, now_ts);
        });
    }
    Result<DueTransfers> due(Timestamp now_ts, size_t max) override {
        return query<DueTransfers>([&](UnitOfWork& w) { return TransferRepository(w).due(now_ts, max); });
    }
    Result<DueTransfers> claimDue(const Claim& claim, Timestamp now_ts, size_t max) override {
        return writeResult<DueTransfers>("werk claimen", /*chain=*/false, [&](UnitOfWork& w) {
            return TransferRepository(w).claimDue(claim, now_ts, max);
        });
    }
    Status extendClaims(const Claim& claim, const std::vector<std::string>& ids) override {
        if (ids.empty()) return {};
        return write("claims verlengen", [&](UnitOfWork& w) { return TransferRepository(w).extendClaims(claim, ids); },
                     /*chain=*/false);
    }
    Status renewClaim(const std::string& id, State state, const Claim& claim) override {
        return write("claim bevestigen", [&](UnitOfWork& w) { return TransferRepository(w).renewClaim(id, state, claim); },
                     /*chain=*/false);
    }
    Status releaseClaims(const std::string& owner, const std::vector<std::string>& ids) override {
        if (ids.empty()) return {};
        return write("claims vrijgeven",
                     [&](UnitOfWork& w) { return TransferRepository(w).releaseClaims(owner, ids); },
                     /*chain=*/false);
    }
    Result<bool> claimLease(const std::string& name, const std::string& owner, Timestamp now_ts,
                            Timestamp until_ts) override {
        if (alone_) return true;  // the only daemon on this store: no disk write per pass
        return writeResult<bool>("lease claimen", /*chain=*/false, [&](UnitOfWork& w) {
            return TransferRepository(w).claimLease(name, owner, now_ts, until_ts);
        });
    }
    Status releaseLease(const std::string& name, const std::string& owner) override {
        if (alone_) return {};
        return write("lease vrijgeven", [&](UnitOfWork& w) { return TransferRepository(w).releaseLease(name, owner); },
                     /*chain=*/false);
    }
    /// Releases every claim and from now on holds every named lease without writing it: for a
    /// daemon that knows it is alone on the store (SQLite, locked).
    Status releaseAllClaims() {
        alone_ = true;
        return write("claims vrijgeven", [&](UnitOfWork& w) { return TransferRepository(w).releaseAllClaims(); },
                     /*chain=*/false);
    }
    Result<Transfer> get(const std::string& id) override {
        return query<Transfer>([&](UnitOfWork& w) { return TransferRepository(w).get(id); });
    }
    Result<std::vector<Transfer>> list(const ListFilter& f) override {
        return query<std::vector<Transfer>>([&](UnitOfWork& w) { return TransferRepository(w).list(f); });
    }
    Result<long long> count(const ListFilter& f) override {
        return query<long long>([&](UnitOfWork& w) { return TransferRepository(w).count(f); });
    }
    Result<std::vector<HistoryEntry>> history(const std::string& id) override {
        return query<std::vector<HistoryEntry>>([&](UnitOfWork& w) { return TransferRepository(w).history(id); });
    }
    Result<std::map<State, long long>> countByState() override {
        return query<std::map<State, long long>>([&](UnitOfWork& w) { return TransferRepository(w).countByState(); });
    }
    Result<std::map<std::pair<std::string, State>, long long>> countByRouteState() override {
        return query<std::map<std::pair<std::string, State>, long long>>(
            [&](UnitOfWork& w) { return TransferRepository(w).countByRouteState(); });
    }
    Result<std::string> payload(const std::string& id) override {
        return query<std::string>([&](UnitOfWork& w) { return TransferRepository(w).decryptColumn(id, "payload"); });
    }
    Result<std::string> canonical(const std::string& id) override {
        return query<std::string>([&](UnitOfWork& w) { return TransferRepository(w).decryptColumn(id, "canonical"); });
    }
    Status purgePayload(const std::string& id, const std::string& actor, Timestamp now_ts) override {
        return write("verwijderen", [&](UnitOfWork& w) { return TransferRepository(w).purgePayload(id, actor, now_ts); });
    }
    Result<std::string> report(const std::string& id, const std::string& content_type) override {
        return query<std::string>([&](UnitOfWork& w) { return TransferRepository(w).report(id, content_type); });
    }
    Result<std::optional<Timestamp>> lastScheduleRun(const std::string& route) override {
        return query<std::optional<Timestamp>>([&](UnitOfWork& w) { return TransferRepository(w).lastScheduleRun(route); });
    }
    Status claimScheduleRun(const std::string& route, Timestamp due, const std::string& outcome,
                            Timestamp now_ts) override {
        return write("planning vastleggen", [&](UnitOfWork& w) {
            return TransferRepository(w).claimScheduleRun(route, due, outcome, now_ts);
        });
    }

    // --- Audit log (core/store/sql/audit_repository.h) ---

    Status audit(const AuditEvent& event, Timestamp now_ts) override {
        return write("audit", [&](UnitOfWork& w) { return AuditRepository(w).append(event, now_ts); });
    }
    Result<std::vector<AuditRecord>> auditLog(long long after_seq, size_t limit) override {
        return query<std::vector<AuditRecord>>([&](UnitOfWork& w) { return AuditRepository(w).log(after_seq, limit); });
    }
    Result<std::vector<AuditRecord>> searchAudit(const AuditSearch& q) override {
        return query<std::vector<AuditRecord>>([&](UnitOfWork& w) { return AuditRepository(w).search(q); });
    }

    // --- Consents and inzage (core/store/sql/consent_repository.h) ---


    Status addConsent(const Consent& c, Timestamp now_ts) override {
        return write("toestemming opslaan", [&](UnitOfWork& w) { return ConsentRepository(w).addConsent(c, now_ts); });
    }
    Result<Consent> getConsent(const std::string& id) override {
        return query<Consent>([&](UnitOfWork& w) { return ConsentRepository(w).getConsent(id); });
    }
    Result<std::vector<Consent>> consents(const std::string& pupil, const std::string& purpose) override {
        return query<std::vector<Consent>>([&](UnitOfWork& w) { return ConsentRepository(w).consents(pupil, purpose); });
    }
    Status withdrawConsent(const std::string& id, const std::string& actor,
                           const std::vector<PlannedTransition>& stop, Timestamp now_ts) override {
        return write("toestemming intrekken",
                     [&](UnitOfWork& w) { return ConsentRepository(w).withdrawConsent(id, actor, stop, now_ts); });
    }
    Result<EvidenceFile> consentEvidence(const std::string& consent_id) override {
        return query<EvidenceFile>([&](UnitOfWork& w) { return ConsentRepository(w).consentEvidence(consent_id); });
    }
    Status addInzage(const Inzage& i, Timestamp now_ts) override {
        return write("inzage opslaan", [&](UnitOfWork& w) { return ConsentRepository(w).addInzage(i, now_ts); });
    }
    Result<std::optional<Inzage>> latestInzage(const std::string& pupil, const std::string& purpose) override {
        return query<std::optional<Inzage>>(
            [&](UnitOfWork& w) { return ConsentRepository(w).latestInzage(pupil, purpose); });
    }

    // --- Approvals, previews, batches (core/store/sql/approval_repository.h) ---

    Result<std::vector<Inzage>> inzages(const std::string& pupil, const std::string& purpose) override {
        return query<std::vector<Inzage>>(
            [&](UnitOfWork& w) { return ConsentRepository(w).inzages(pupil, purpose); });
    }

    Status recordPreview(const std::string& transfer_id, const std::string& viewer,
                         const std::string& payload_hash, const AuditEvent& event, Timestamp now_ts) override {
        return write("preview vastleggen", [&](UnitOfWork& w) {
            return ApprovalRepository(w).recordPreview(transfer_id, viewer, payload_hash, event, now_ts);
        });
    }
    Result<bool> hasPreviewed(const std::string& transfer_id, const std::string& viewer,
                              const std::string& payload_hash) override {
        return query<bool>(
            [&](UnitOfWork& w) { return ApprovalRepository(w).hasPreviewed(transfer_id, viewer, payload_hash); });
    }
    Status addApproval(const Approval& a, const std::string& purpose, Timestamp now_ts) override {
        return write("goedkeuring opslaan",
                     [&](UnitOfWork& w) { return ApprovalRepository(w).addApproval(a, purpose, now_ts); });
    }
    Result<std::vector<Approval>> approvals(const std::string& transfer_id) override {
        return query<std::vector<Approval>>([&](UnitOfWork& w) { return ApprovalRepository(w).approvals(transfer_id); });
    }
    Status addBatch(const Batch& b, Timestamp now_ts) override {
        return write("batch opslaan", [&](UnitOfWork& w) { return ApprovalRepository(w).addBatch(b, now_ts); });
    }
    Result<Batch> getBatch(const std::string& id) override {
        return query<Batch>([&](UnitOfWork& w) { return ApprovalRepository(w).getBatch(id); });
    }
    Result<std::vector<Batch>> batches(size_t limit) override {
        return query<std::vector<Batch>>([&](UnitOfWork& w) { return ApprovalRepository(w).batches(limit); });
    }
    Status closeBatch(const std::string& id, const std::string& status, const std::string& actor,
                      const nlohmann::json& outcome, Timestamp now_ts) override {
        return write("batch afsluiten", [&](UnitOfWork& w) {
            return ApprovalRepository(w).closeBatch(id, status, actor, outcome, now_ts);
        });
    }

    // --- Guided deliveries and the notification outbox (core/store/sql/procedure_repository.h) ---

    Result<ProcedureRecord> procedure(const std::string& transfer_id) override {
        return query<ProcedureRecord>([&](UnitOfWork& w) { return ProcedureRepository(w).procedure(transfer_id); });
    }
    Status saveProcedureAnswers(const std::string& transfer_id, const nlohmann::json& answers, const std::string& actor,
                                const std::string& purpose, Timestamp now_ts) override {
        return write("antwoorden opslaan", [&](UnitOfWork& w) {
            return ProcedureRepository(w).saveProcedureAnswers(transfer_id, answers, actor, purpose, now_ts);
        });
    }
    Status saveProcedure(const std::string& transfer_id, const std::string& actor, const std::string& payload_hash,
                         std::optional<Timestamp> deliver_at, const std::string& purpose,
                         const std::optional<Notification>& notice, Timestamp now_ts) override {
        return write("levering opslaan", [&](UnitOfWork& w) {
            return ProcedureRepository(w).saveProcedure(transfer_id, actor, payload_hash, deliver_at, purpose, notice,
                                                        now_ts);
        });
    }
    Status addNotification(const Notification& n, Timestamp now_ts) override {
        return write("melding opslaan", [&](UnitOfWork& w) { return ProcedureRepository(w).addNotification(n, now_ts); });
    }
    Result<std::vector<Notification>> dueNotifications(Timestamp now_ts, size_t max) override {
        return query<std::vector<Notification>>(
            [&](UnitOfWork& w) { return ProcedureRepository(w).dueNotifications(now_ts, max); });
    }
    Result<std::vector<Notification>> notifications(const std::string& transfer_id) override {
        return query<std::vector<Notification>>(
            [&](UnitOfWork& w) { return ProcedureRepository(w).notifications(transfer_id); });
    }
    /// The claim is one write unit of work; the claimed notifications are read after it.
    Result<std::vector<Notification>> claimNotifications(const Claim& claim, Timestamp now_ts,
                                                         size_t max) override {
        auto ids = writeResult<std::vector<long long>>("meldingen claimen", /*chain=*/false, [&](UnitOfWork& w) {
            return ProcedureRepository(w).claimNotifications(claim, now_ts, max);
        });
        if (!ids) return ids.error();
        return query<std::vector<Notification>>(
            [&](UnitOfWork& w) { return ProcedureRepository(w).notificationsById(*ids); });
    }
    Status notificationAttempt(long long id, bool sent, const std::string& error, std::optional<Timestamp> next_attempt,
                               Timestamp now_ts, const std::string& owner) override {
        return write("melding bijwerken", [&](UnitOfWork& w) {
            return ProcedureRepository(w).notificationAttempt(id, sent, error, next_attempt, now_ts, owner);
        });
    }

    // --- API tokens and web accounts (core/store/sql/token_repository.h) ---

    Status addToken(const ApiToken& t) override {
        return write("token opslaan", [&](UnitOfWork& w) { return TokenRepository(w).addToken(t); },
                     /*chain=*/true);
    }
    Result<std::optional<ApiToken>> findToken(const std::string& token_hash) override {
        return query<std::optional<ApiToken>>([&](UnitOfWork& w) { return TokenRepository(w).findToken(token_hash); });
    }
    Result<std::vector<ApiToken>> listTokens() override {
        return query<std::vector<ApiToken>>([&](UnitOfWork& w) { return TokenRepository(w).listTokens(); });
    }
    Status revokeToken(const std::string& id, const std::string& actor, Timestamp now_ts) override {
        return write("token intrekken",
                     [&](UnitOfWork& w) { return TokenRepository(w).revokeToken(id, actor, now_ts); });
    }
    Status addAccount(const Account& a, const std::string& actor, Timestamp now_ts) override {
        return write("account opslaan", [&](UnitOfWork& w) { return TokenRepository(w).addAccount(a, actor, now_ts); });
    }
    Result<std::optional<Account>> findAccount(const std::string& name) override {
        return query<std::optional<Account>>([&](UnitOfWork& w) { return TokenRepository(w).findAccount(name); });
    }
    Result<std::vector<Account>> listAccounts() override {
        return query<std::vector<Account>>([&](UnitOfWork& w) { return TokenRepository(w).listAccounts(); });
    }
    Status removeAccount(const std::string& name, const std::string& actor, Timestamp now_ts) override {
        return write("account verwijderen",
                     [&](UnitOfWork& w) { return TokenRepository(w).removeAccount(name, actor, now_ts); });
    }
    Status changeAccountRole(const std::string& name, const std::string& role, const std::string& actor,
                             Timestamp now_ts) override {
        return write("rol van account wijzigen", [&](UnitOfWork& w) {
            return TokenRepository(w).changeRole(name, role, actor, now_ts);
        });
    }
    Status resetTotp(const std::string& name, const std::string& secret, const std::string& actor,
                     Timestamp now_ts) override {
        return write("tweede factor vervangen",
                     [&](UnitOfWork& w) { return TokenRepository(w).resetTotp(name, secret, actor, now_ts); });
    }
    Status recordLogin(const std::string& name, const LoginUpdate& u, Timestamp now_ts) override {
        return write("aanmelding vastleggen",
                     [&](UnitOfWork& w) { return TokenRepository(w).recordLogin(name, u, now_ts); },
                     /*chain=*/TokenRepository::loginIsAudited(u));
    }

    // --- Web sessions (core/store/sql/web_session_repository.h); no audit records, no chain lock ---

    Status addSession(const WebSession& ws, const SessionLimits& limits,
                      const SessionCutoffs& expired) override {
        return write("sessie opslaan",
                     [&](UnitOfWork& w) { return WebSessionRepository(w).add(ws, limits, expired); },
                     /*chain=*/false);
    }
    Result<std::optional<WebSession>> findSession(const std::string& id_hash) override {
        return query<std::optional<WebSession>>(
            [&](UnitOfWork& w) { return WebSessionRepository(w).find(id_hash); });
    }
    Status touchSession(const std::string& id_hash, Timestamp now_ts) override {
        return write("sessie bijwerken",
                     [&](UnitOfWork& w) { return WebSessionRepository(w).touch(id_hash, now_ts); },
                     /*chain=*/false);
    }
    Status removeSession(const std::string& id_hash) override {
        return write("sessie beëindigen",
                     [&](UnitOfWork& w) { return WebSessionRepository(w).remove(id_hash); },
                     /*chain=*/false);
    }
    Result<std::optional<WebSession>> takeSession(const std::string& id_hash) override {
        return writeResult<std::optional<WebSession>>("sessie overnemen", /*chain=*/false, [&](UnitOfWork& w) {
            return WebSessionRepository(w).take(id_hash);
        });
    }
    Result<long long> removeAccountSessions(const std::string& name) override {
        return writeResult<long long>("sessies beëindigen", /*chain=*/false, [&](UnitOfWork& w) {
            return WebSessionRepository(w).removeAccount(name);
        });
    }
    Result<long long> purgeSessions(const SessionCutoffs& expired) override {
        return writeResult<long long>("verlopen sessies opruimen", /*chain=*/false,
                                      [&](UnitOfWork& w) { return WebSessionRepository(w).purge(expired); });
    }
    Result<long long> countSessions() override {
        return query<long long>([&](UnitOfWork& w) { return WebSessionRepository(w).count(); });
    }

private:
    // The session's helpers (core/store/sql/session.h); the caller holds mu_.
    std::string q(const std::string& text) const { return db_.q(text); }
    Statement sql(const std::string& text, bool schema = false) { return db_.sql(text, schema); }
    void lock(long long key) { db_.lock(key); }
    template <typename Bind, typename Each>
    Status eachRow(const std::string& text, Bind&& bind, Each&& each) {
        return db_.eachRow(text, bind, each);
    }
    template <typename F>
    Status guard(const char* what, F&& f) {
        return db_.guard(what, f);
    }

    /// The read path: locks, runs the query in `guard` and reads every row with `each`.
    template <typename Bind, typename Each>
    Status read(const std::string& text, Bind&& bind, Each&& each) {
        std::lock_guard<std::mutex> lock(mu_);
        return guard("lezen", [&]() -> Status {
            SLUIS_RETURN_IF_ERROR(syncKeys());
            return eachRow(text, bind, each);
        });
    }

    /// Runs `f` in a transaction; rolls back on error or exception. With `chain` (every
    /// transaction that may append to the audit log), the audit chain lock is taken first, before
    /// any row lock: appends stay one chain, and the lock order is the same everywhere (no
    /// deadlock between a row lock and the chain lock). Claims and leases take no chain lock.
    /// One write unit of work: the session's mutex, one transaction (see txn), `f(w)` in it.
    template <typename F>
    Status write(const char* what, F&& f, bool chain = true) {
        std::lock_guard<std::mutex> lock(mu_);
        return txn(what, [&]() -> Status {
            UnitOfWork w(db_, keys_);
            return f(w);
        }, chain);
    }

    /// A write unit of work whose repository call returns a value.
    template <typename T, typename F>
    Result<T> writeResult(const char* what, bool chain, F&& f) {
        std::optional<Result<T>> out;
        Status st = write(what, [&](UnitOfWork& w) -> Status {
            out.emplace(f(w));
            return out->status();
        }, chain);
        if (!st) return st.error();
        return std::move(*out);
    }

    /// One read unit of work: the session's mutex, the keys followed, `f(w)` (no transaction).
    template <typename T, typename F>
    Result<T> query(F&& f) {
        std::lock_guard<std::mutex> lock(mu_);
        std::optional<Result<T>> out;
        Status st = guard("lezen", [&]() -> Status {
            SLUIS_RETURN_IF_ERROR(syncKeys());
            UnitOfWork w(db_, keys_);
            out.emplace(f(w));
            return {};
        });
        if (!st) return st.error();
        return std::move(*out);
    }

    template <typename F>
    Status txn(const char* what, F&& f, bool chain = true) {
        return guard(what, [&]() -> Status {
            db_.beginTxn();
            Status st;
            try {
                if (chain) lock(kAuditLock);
                // Never write with a key the store has rotated away from (sluis key rotate).
                st = syncKeys();
                if (st.isOk()) st = f();
            } catch (...) {
                db_.rollbackTxn();
                throw;
            }
            if (st.isOk()) {
                db_.commitTxn();
            } else {
                db_.rollbackTxn();
            }
            return st;
        });
    }

    /// Follows a key rotation: when `meta.key_fingerprint` names another key than the current
    /// one, that key becomes current, loaded again from the data dir (`sluis.key`,
    /// `sluis.key.new`) when this process does not hold it yet. No restart needed.
    Status syncKeys() {
        NullStr fp;
        sql("SELECT value FROM meta WHERE key = 'key_fingerprint'"), into(fp), now;
        if (fp.isNull() || !cipher_ || fp.value() == cipher_->fingerprint()) return {};
        const std::string from = cipher_->fingerprint();
        auto ring = cipher_->ring().withCurrent(fp.value());
        if (!ring) {
            auto keys = crypto::loadKeyFiles(key_file_, false);
            if (!keys) return keys.error();
            std::vector<crypto::Key> all = *keys;
            auto loaded = crypto::ringFor(all, fp.value(), key_file_);
            if (!loaded) return loaded.error();
            // Keep the keys held so far too: values not yet re-wrapped stay readable.
            ring = std::move(loaded);
        }
        // Older keys this process held stay in the ring (re-wrapping may not be done yet).
        cipher_ = std::make_shared<const crypto::PayloadCipher>(
            std::make_shared<const crypto::KeyRing>(ring->merged(cipher_->ring())));
        log::info("store.key_switched", {{"from", from}, {"to", fp.value()}});
        return {};
    }

    /// Appends to the audit chain in the open transaction (AuditRepository::append).
    Status insertAudit(const AuditEvent& e, Timestamp at_ts) {
        UnitOfWork w(db_, keys_);
        return AuditRepository(w).append(e, at_ts);
    }

    // --- Master key rotation ---

    /// "substr(column, 1, 12) <> ?": base64 of the 9-byte tag of the current key is exactly its
    /// first 12 characters (see KeyRing).
    static std::string notUnder(const SealedColumn& c) {
        return std::string(c.column) + " IS NOT NULL AND substr(" + c.column + ", 1, 12) <> ?" + c.where;
    }

    Result<KeyStatus> keyStatus() override {
        std::lock_guard<std::mutex> lock(mu_);
        KeyStatus out;
        Status st = guard("lezen", [&]() -> Status {
            SLUIS_RETURN_IF_ERROR(syncKeys());
            out.fingerprint = cipher_->fingerprint();
            std::string prefix = b64(cipher_->ring().tag());
            for (const auto& c : masterSealedColumns()) {
                Poco::Int64 n = 0;
                sql("SELECT COUNT(*) FROM " + std::string(c.table) + " WHERE " + notUnder(c)), use(prefix),
                    into(n), now;
                out.older += n;
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Status switchMasterKey(const std::string& fingerprint, const std::string& actor, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("sleutel wisselen", [&]() -> Status {
            const std::string from = cipher_->fingerprint();
            if (from == fingerprint) return {};
            auto ring = cipher_->ring().withCurrent(fingerprint);
            if (!ring) return ring.error();
            auto next = std::make_shared<const crypto::PayloadCipher>(
                std::make_shared<const crypto::KeyRing>(std::move(*ring)));
            std::string fp = fingerprint;
            sql("UPDATE meta SET value = ? WHERE key = 'key_fingerprint'"), use(fp), now;
            auto previous = cipher_;
            cipher_ = next;
            // The audit keys are needed by every daemon at once: re-wrapped in this transaction.
            auto done = rewrapColumn(masterSealedColumns().front(), 1000);
            if (done) {
                Status audited = insertAudit({actor, "key_rotation_started", "", "", {{"from", from}, {"to", fingerprint}}}, now_ts);
                if (audited.isOk()) return {};
                done = audited.error();
            }
            cipher_ = previous;  // rolled back
            return done.error();
        });
    }

    Result<long long> rewrapBatch(size_t max_rows) override {
        std::lock_guard<std::mutex> lock(mu_);
        long long done = 0;
        Status st = txn("sleutel vervangen", [&]() -> Status {
            for (const auto& c : masterSealedColumns()) {
                if (static_cast<size_t>(done) >= max_rows) break;
                auto n = rewrapColumn(c, max_rows - static_cast<size_t>(done));
                if (!n) return n.error();
                done += *n;
            }
            return {};
        });
        if (!st) return st.error();
        return done;
    }

    Result<bool> tryRotationLock() override {
        std::lock_guard<std::mutex> lock(mu_);
        if (dialect_->transactionLock(0).empty()) return true;
        int got = 0;
        Status st = guard("vergrendelen", [&]() -> Status {
            session_ << "SELECT CASE WHEN pg_try_advisory_lock(" + std::to_string(kRotationLock) +
                            ") THEN 1 ELSE 0 END",
                into(got), now;
            return {};
        });
        if (!st) return st.error();
        return got == 1;
    }

    /// Re-wraps up to `max_rows` values of column `c` that are not under the current key (caller
    /// holds the lock, in a transaction). A row whose MAC was already wrong (written outside
    /// Sluis) keeps a wrong MAC: re-wrapping never makes such a row count.
    Result<long long> rewrapColumn(const SealedColumn& c, size_t max_rows) {
        std::string prefix = b64(cipher_->ring().tag());
        Poco::Int64 limit = static_cast<Poco::Int64>(max_rows);
        std::vector<std::pair<std::string, std::string>> rows;
        SLUIS_RETURN_IF_ERROR(eachRow(
            "SELECT " + std::string(c.key) + ", " + c.column + " FROM " + c.table + " WHERE " + notUnder(c) +
                " ORDER BY " + c.key + " LIMIT ?",
            [&](Statement& st) { st, use(prefix), use(limit); },
            [&](const Row& row) { rows.emplace_back(row.str(0), row.str(1)); }));
        long long done = 0;
        for (auto& [key, value] : rows) {
            const std::string aad = c.aad_prefix + key;
            auto plain = cipher_->ring().open(unb64(value), aad);
            if (!plain)
                return Error{ErrorCode::kCrypto, std::string("sleutel vervangen: ") + c.table + "." + c.column +
                                                     " van rij " + key + ": " + plain.error().message};
            auto sealed = cipher_->ring().seal(*plain, aad);
            if (!sealed) return sealed.error();
            bool authentic = true;
            const std::string mac_table = c.mac_table;
            if (!mac_table.empty()) {
                const auto& t = macTable(mac_table);
                std::string k = key;
                SLUIS_RETURN_IF_ERROR(eachRow(
                    "SELECT " + columnList(t) + ", mac FROM " + t.table + " WHERE " + t.key + " = ?",
                    [&](Statement& st) { st, use(k); },
                    [&](const Row& row) { authentic = rowAuthentic(mac_table, row, 0, t.columns.size(), k); }));
            }
            std::string next = b64(*sealed), k = key, old = value;
            Statement up = sql("UPDATE " + std::string(c.table) + " SET " + c.column + " = ? WHERE " + c.key +
                               " = ? AND " + c.column + " = ?");
            up, use(next), use(k), use(old);
            if (up.execute() != 1) continue;  // changed meanwhile (purged): nothing to re-wrap
            if (!mac_table.empty() && authentic) SLUIS_RETURN_IF_ERROR(macRow(mac_table, key));
            ++done;
        }
        return done;
    }

    Status resealLegacyBlobs() {
        UnitOfWork w(db_, keys_);
        return TransferRepository(w).resealLegacyBlobs();
    }

    /// Loads the master keys of the data dir (`sluis.key`, and `sluis.key.new` during a key
    /// rotation); the one `meta.key_fingerprint` names is current, the other only opens.
    Status initKey(const std::string& key_file) {
        key_file_ = key_file;
        NullStr fp;
        sql("SELECT value FROM meta WHERE key = 'key_fingerprint'"), into(fp), now;
        auto keys = crypto::loadKeyFiles(key_file, /*may_create=*/fp.isNull());
        if (!keys) return keys.error();
        if (keys->empty()) return Status(ErrorCode::kCrypto, "sleutelbestand " + key_file + " ontbreekt");
        if (fp.isNull()) {
            std::string mine = crypto::keyFingerprint(keys->front());
            sql("INSERT INTO meta (key, value) VALUES ('key_fingerprint', ?)"), use(mine), now;
            cipher_ = std::make_shared<const crypto::PayloadCipher>(
                std::make_shared<const crypto::KeyRing>(keys->front(), *keys));
            return {};
        }
        auto ring = crypto::ringFor(*keys, fp.value(), key_file);
        if (!ring) return ring.error();
        cipher_ = std::make_shared<const crypto::PayloadCipher>(
            std::make_shared<const crypto::KeyRing>(std::move(*ring)));
        return {};
    }

public:
    ~SqlStore() override {
        if (lock_fd_ >= 0) ::close(lock_fd_);
    }
    /// Keeps `fd` (an flock'ed file) open for the life of the store.
    void holdLock(int fd) { lock_fd_ = fd; }

private:
    int lock_fd_ = -1;
    bool alone_ = false;
    /// The audit chain's HMAC key and the checkpoint signing key: random, made once, stored in
    /// `meta` sealed under the master key (so a key rotation re-wraps them like data keys).
    Result<crypto::Key> sealedMetaKey(const std::string& name) {
        NullStr stored;
        std::string key_name = name;
        sql("SELECT value FROM meta WHERE key = ?"), use(key_name), into(stored), now;
        const std::string aad = "sluis.meta." + name;
        crypto::Key key{};
        if (stored.isNull()) {
            std::string raw = crypto::randomBytes(key.size());
            std::copy(raw.begin(), raw.end(), key.begin());
            auto sealed = cipher_->sealField(aad, raw);
            if (!sealed) return sealed.error();
            std::string value = b64(*sealed);
            sql("INSERT INTO meta (key, value) VALUES (?, ?)"), use(key_name), use(value), now;
            return key;
        }
        auto raw = cipher_->openField(aad, unb64(stored.value()));
        if (!raw || raw->size() != key.size())
            return Error{ErrorCode::kCrypto, "sleutel '" + name +
                                                 "' in de opslag is niet te openen met dit sleutelbestand"
                                                 " (gewijzigd buiten Sluis?)"};
        std::copy(raw->begin(), raw->end(), key.begin());
        return key;
    }

    Status initAuditKeys(const Clock& clock) {
        auto hmac = sealedMetaKey("audit_hmac_key");
        if (!hmac) return hmac.error();
        auto seed = sealedMetaKey("audit_signing_key");
        if (!seed) return seed.error();
        auto pub = crypto::ed25519PublicKey(*seed);
        if (!pub) return pub.error();
        audit_key_ = *hmac;
        signing_seed_ = *seed;
        public_key_hex_ = util::toHex(*pub);
        SLUIS_RETURN_IF_ERROR(keyAuditChain(clock));
        return sealRegisterRows(clock);
    }

    /// One-time migration: the audit log written before the chain was keyed (plain SHA-256
    /// links) is re-linked with the keyed hash. The old chain is checked on the way; what that
    /// check found is kept in the log itself, in the `audit_chain_keyed` record that follows,
    /// so an earlier tampering is not laundered by the re-keying.
    Status keyAuditChain(const Clock& clock) {
        NullStr done;
        sql("SELECT value FROM meta WHERE key = 'audit_chain'"), into(done), now;
        if (!done.isNull() && done.value() == "hmac-sha256") return {};
        lock(kAuditLock);
        long long after = 0, expected = 1, records = 0, first_bad = 0;
        std::string prev_old, prev_new, problem;
        for (;;) {
            std::vector<AuditRecord> page;
            Poco::Int64 from = after;
            SLUIS_RETURN_IF_ERROR(eachRow(
                std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq > ? ORDER BY seq LIMIT 1000",
                [&](Statement& st) { st, use(from); },
                [&](const Row& row) { page.push_back(auditRecord(row)); }));
            if (page.empty()) break;
            for (auto& rec : page) {
                ++records;
                if (problem.empty()) {
                    if (rec.seq != expected) {
                        problem = "records " + std::to_string(expected) + ".." + std::to_string(rec.seq - 1) +
                                  " ontbreken";
                        first_bad = expected;
                    } else if (rec.prev_hash != prev_old ||
                               rec.hash != legacyAuditHash(prev_old, rec.seq, rec.at, rec.event)) {
                        problem = "record " + std::to_string(rec.seq) + " klopt niet met de keten";
                        first_bad = rec.seq;
                    }
                }
                prev_old = rec.hash;
                expected = rec.seq + 1;
                std::string hash = auditChainHash(prev_new, rec.seq, rec.at, rec.event);
                Poco::Int64 seq = rec.seq;
                sql("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?"), use(prev_new), use(hash),
                    use(seq), now;
                prev_new = hash;
                after = rec.seq;
            }
        }
        if (done.isNull()) {
            sql("INSERT INTO meta (key, value) VALUES ('audit_chain', 'hmac-sha256')"), now;
        } else {
            sql("UPDATE meta SET value = 'hmac-sha256' WHERE key = 'audit_chain'"), now;
        }
        if (records == 0) return {};
        nlohmann::json details = {{"records", records}, {"previous_chain_intact", problem.empty()}};
        if (!problem.empty()) {
            details["previous_chain_first_bad_seq"] = first_bad;
            details["previous_chain_problem"] = problem;
            log::error("store.audit_chain_was_broken", {{"first_bad_seq", first_bad}, {"problem", problem}});
        }
        log::info("store.audit_chain_keyed", {{"records", records}});
        return insertAudit({"sluis", "audit_chain_keyed", "", "", details}, clock.now());
    }

    std::string rowMac(const std::string& table, const MacValues& values) const {
        return sql::rowMac(audit_key_, table, values);
    }
    bool rowAuthentic(const std::string& table, const Row& row, size_t first, size_t mac_col,
                      const std::string& key) {
        UnitOfWork w(db_, keys_);
        return w.rowAuthentic(table, row, first, mac_col, key);
    }
    Status macRow(const std::string& table, const std::string& key) {
        UnitOfWork w(db_, keys_);
        return w.macRow(table, key);
    }
    /// One-time migration: register rows written before rows carried a MAC get one now (they are
    /// trusted as they are at this moment; the audit record `registers_sealed` says when).
    Status sealRegisterRows(const Clock& clock) {
        NullStr done;
        sql("SELECT value FROM meta WHERE key = 'register_macs'"), into(done), now;
        if (!done.isNull() && done.value() == "1") return {};
        long long sealed = 0;
        for (const auto& t : macTables()) {
            std::vector<std::pair<std::string, std::string>> updates;
            SLUIS_RETURN_IF_ERROR(eachRow(
                "SELECT " + std::string(t.key) + ", " + columnList(t) + " FROM " + t.table + " WHERE mac = ''",
                [](Statement&) {},
                [&](const Row& row) {
                    updates.emplace_back(row.str(0), rowMac(t.table, rowValues(row, 1, t.columns.size())));
                }));
            for (auto& [key, mac] : updates) {
                if (std::string(t.key) == "seq") {
                    Poco::Int64 k = std::stoll(key);
                    sql("UPDATE " + std::string(t.table) + " SET mac = ? WHERE seq = ?"), use(mac), use(k), now;
                } else {
                    sql("UPDATE " + std::string(t.table) + " SET mac = ? WHERE id = ?"), use(mac), use(key), now;
                }
            }
            sealed += static_cast<long long>(updates.size());
        }
        if (done.isNull()) {
            sql("INSERT INTO meta (key, value) VALUES ('register_macs', '1')"), now;
        } else {
            sql("UPDATE meta SET value = '1' WHERE key = 'register_macs'"), now;
        }
        if (sealed == 0) return {};
        log::info("store.registers_sealed", {{"rows", sealed}});
        return insertAudit({"sluis", "registers_sealed", "", "", {{"rows", sealed}}}, clock.now());
    }

    Result<std::vector<std::string>> unauthenticRows() override {
        std::vector<std::string> out;
        for (const auto& t : macTables()) {
            Status st = read(
                "SELECT " + std::string(t.key) + ", mac, " + columnList(t) + " FROM " + t.table + " ORDER BY " + t.key,
                [](Statement&) {},
                [&](const Row& row) {
                    if (row.str(1) != rowMac(t.table, rowValues(row, 2, t.columns.size())))
                        out.push_back(std::string(t.table) + " " + t.key + " " + row.str(0));
                });
            if (!st) return st.error();
        }
        return out;
    }

    std::string auditChainHash(const std::string& prev_hash, long long seq, Timestamp at,
                               const AuditEvent& e) const override {
        return AuditRepository::chainHash(audit_key_, prev_hash, seq, at, e);
    }

    std::string auditPublicKey() const override { return public_key_hex_; }
    AuditVerifier& auditVerifier() override { return verifier_; }

    Result<AuditCheckpoint> auditCheckpoint(Timestamp now_ts) override {
        AuditCheckpoint cp;
        auto head = query<std::pair<long long, std::string>>([](UnitOfWork& w) { return AuditRepository(w).head(); });
        if (!head) return head.error();
        cp.seq = head->first;
        cp.hash = head->second;
        cp.at = now_ts;
        cp.public_key = public_key_hex_;
        auto sig = crypto::ed25519Sign(signing_seed_, checkpointMessage(cp));
        if (!sig) return sig.error();
        cp.signature = util::toHex(*sig);
        return cp;
    }

    SqlSession db_;        ///< the connection (core/store/sql/session.h)
    std::mutex& mu_;       ///< db_'s mutex: held around every use of the session
    Session& session_;     ///< db_'s Poco session
    const Dialect* dialect_;
    std::string transfer_columns_;  ///< The SELECT list rowToTransfer reads, in this dialect.
    StoreKeys keys_;  ///< what every unit of work uses (core/store/sql/unit_of_work.h)
    // keys_'s members by their old names, for the methods not yet moved into a repository.
    std::shared_ptr<const crypto::PayloadCipher>& cipher_ = keys_.cipher;
    std::string& key_file_ = keys_.key_file;
    crypto::Key& audit_key_ = keys_.audit_key;
    crypto::Key& signing_seed_ = keys_.signing_seed;
    std::string& public_key_hex_ = keys_.public_key_hex;
    AuditVerifier verifier_;  ///< how far this process has verified the chain (audit_verifier.h)
};

/// `text` with every occurrence of `secret` replaced (error texts of the database client).
std::string redact(std::string text, const std::string& secret) {
    if (secret.empty()) return text;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
        text.replace(at, secret.size(), "***");
    return text;
}

/// A libpq connection string value: quoted, with \ and ' escaped.
std::string libpqQuote(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    return out + "'";
}

}  // namespace

std::string newTransferId() { return "tr_" + util::toHex(crypto::randomBytes(12)); }

std::string legacyAuditHash(const std::string& prev_hash, long long seq, Timestamp at,
                            const AuditEvent& e) {
    return util::sha256Hex(auditCanonical(prev_hash, seq, at, e));
}

std::string checkpointMessage(const AuditCheckpoint& cp) {
    return "sluis.audit.checkpoint.v1|" + std::to_string(cp.seq) + "|" + cp.hash + "|" +
           std::to_string(toMillis(cp.at));
}

Result<std::unique_ptr<TransferStore>> openSqliteStore(const SqliteOptions& options) {
    static const SystemClock clock;
    return openSqliteStore(options, clock);
}

Result<std::unique_ptr<TransferStore>> openPostgresStore(const PostgresOptions& options) {
    static const SystemClock clock;
    return openPostgresStore(options, clock);
}

Result<std::unique_ptr<TransferStore>> openSqliteStore(const SqliteOptions& options, const Clock& clock) {
    namespace fs = std::filesystem;
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::SQLite::Connector::registerConnector(); });
    std::error_code ec;
    if (fs::exists(options.path, ec) && fs::file_size(options.path, ec) > 0) {
        std::ifstream in(options.path, std::ios::binary);
        char header[16] = {};
        in.read(header, sizeof header);
        if (!in || std::string(header, 16) != std::string("SQLite format 3\0", 16))
            return Error{ErrorCode::kStorage, "opslagbestand " + options.path +
                                                  " is geen SQLite-database; controleer store.json"
                                                  " (er is niets gewijzigd)"};
    }
    fs::path dir = fs::path(options.path).parent_path();
    if (!dir.empty()) fs::create_directories(dir, ec);
    // One daemon per SQLite file, whatever data dir it runs with: an exclusive lock on a file
    // beside the database (not on the database file itself: closing another descriptor of it
    // would drop SQLite's own POSIX locks).
    int lock_fd = -1;
    if (options.exclusive) {
        std::string lock_path = options.path + ".lock";
        lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (lock_fd < 0)
            return Error{ErrorCode::kIo, "kan " + lock_path + " niet openen: " + std::strerror(errno)};
        if (::flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(lock_fd);
            return Error{ErrorCode::kConflict,
                         "er draait al een Sluis op database " + options.path +
                             " (SQLite heeft één daemon; gebruik PostgreSQL voor meerdere)"};
        }
    }
    std::unique_ptr<SqlStore> store;
    try {
        store = std::make_unique<SqlStore>("SQLite", options.path, std::make_unique<SqliteDialect>());
    } catch (const Poco::Exception& e) {
        if (lock_fd >= 0) ::close(lock_fd);
        return Error{ErrorCode::kStorage,
                     "kan database " + options.path + " niet openen: " + e.displayText()};
    }
    if (lock_fd >= 0) store->holdLock(lock_fd);
    SLUIS_RETURN_IF_ERROR(store->init(options.key_file, clock));
    // Alone on this file: claims of an earlier daemon (crashed) are stale; a delivery it left
    // in delivering is redone at once, as it always was.
    if (options.exclusive) SLUIS_RETURN_IF_ERROR(store->releaseAllClaims());
    return std::unique_ptr<TransferStore>(std::move(store));
}

Result<std::unique_ptr<TransferStore>> openPostgresStore(const PostgresOptions& options, const Clock& clock) {
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
    std::string connection = options.dsn;
    if (!options.password.empty()) connection += " password=" + libpqQuote(options.password);
    {
        // Try the connection with libpq first: Poco 1.11 leaks the PGconn of a failed connect,
        // and libpq's message is the clearer one (it names host and port, never the password).
        PGconn* probe = PQconnectdb(connection.c_str());
        const bool ok = probe && PQstatus(probe) == CONNECTION_OK;
        std::string why = probe ? PQerrorMessage(probe) : "geen geheugen";
        PQfinish(probe);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        if (!ok)
            return Error{ErrorCode::kStorage, "kan geen verbinding maken met de PostgreSQL-server: " +
                                                  redact(why, options.password)};
    }
    std::unique_ptr<SqlStore> store;
    try {
        store = std::make_unique<SqlStore>("PostgreSQL", connection,
                                           std::make_unique<PostgresDialect>());
    } catch (const Poco::Exception& e) {
        return Error{ErrorCode::kStorage, "kan geen verbinding maken met de PostgreSQL-server: " +
                                              redact(e.displayText(), options.password)};
    }
    Status st = store->init(options.key_file, clock);
    if (!st) return Error{st.error().code, redact(st.error().message, options.password)};
    return std::unique_ptr<TransferStore>(std::move(store));
}

}  // namespace sluis::store

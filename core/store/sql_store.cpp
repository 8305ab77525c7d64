// The SQL transfer store, through Poco::Data: one implementation for SQLite (the embedded default)
// and PostgreSQL (the scale-out store). What differs between the two is a small Dialect object:
// placeholders, schema types, string aggregation, session setup and locks.
//
// One connection guarded by a mutex: the daemon has one writer (the worker) and a few readers (the
// admin API). On SQLite, WAL keeps readers of other processes (sqlite3 CLI, backups) from blocking
// it; on PostgreSQL, advisory locks serialise what two daemons could otherwise race on (migrations,
// the audit hash chain: every write transaction takes that lock first), and work is claimed with an
// owner and a lease (claimDue & co., SELECT ... FOR UPDATE SKIP LOCKED; docs/architecture.md,
// "Claims and leases").
#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/PostgreSQL/SessionImpl.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>

#include "core/crypto/key_ring.h"
#include "core/crypto/signing.h"
#include "core/store/transfer_store.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::store {

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;
using NullInt = Poco::Nullable<Poco::Int64>;
using NullStr = Poco::Nullable<std::string>;

namespace {

// Each entry is one schema version. Never edit a released entry; append a new one.
const std::vector<std::vector<std::string>>& migrations() {
    static const std::vector<std::vector<std::string>> m = {
        {
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE transfers ("
            " id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE,"
            " direction TEXT NOT NULL, route TEXT NOT NULL, purpose TEXT NOT NULL,"
            " profile TEXT NOT NULL, source TEXT NOT NULL, destination TEXT NOT NULL,"
            " subject TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
            " next_attempt_at INTEGER, deliver_at INTEGER, created_at INTEGER NOT NULL,"
            " updated_at INTEGER NOT NULL, content_type TEXT NOT NULL DEFAULT '',"
            " file_extension TEXT NOT NULL DEFAULT '', payload_hash TEXT NOT NULL DEFAULT '',"
            " receipt TEXT NOT NULL DEFAULT '', last_error TEXT NOT NULL DEFAULT '',"
            " data_key TEXT, canonical TEXT, payload TEXT)",
            "CREATE INDEX transfers_state ON transfers (state, next_attempt_at)",
            "CREATE INDEX transfers_subject ON transfers (subject)",
            "CREATE TABLE transfer_history ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, transfer_id TEXT NOT NULL,"
            " from_state INTEGER, to_state INTEGER NOT NULL, at INTEGER NOT NULL,"
            " actor TEXT NOT NULL, reason TEXT NOT NULL)",
            "CREATE INDEX transfer_history_transfer ON transfer_history (transfer_id, seq)",
            "CREATE TABLE audit ("
            " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
            " event TEXT NOT NULL, transfer_id TEXT NOT NULL, purpose TEXT NOT NULL,"
            " details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
            "CREATE TABLE ingested ("
            " ingest_key TEXT PRIMARY KEY, source TEXT NOT NULL, item_name TEXT NOT NULL,"
            " at INTEGER NOT NULL, transfers INTEGER NOT NULL)",
            "CREATE TABLE api_tokens ("
            " id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
            " token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
            " revoked INTEGER NOT NULL DEFAULT 0)",
        },
        {
            "ALTER TABLE transfers ADD COLUMN created_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE transfers ADD COLUMN changed_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE transfers ADD COLUMN withdraw_deadline INTEGER",
            "ALTER TABLE transfers ADD COLUMN disclosure TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE transfers ADD COLUMN consent_id TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX transfers_route_subject ON transfers (route, subject, state)",
            "CREATE TABLE consents ("
            " id TEXT PRIMARY KEY, pupil TEXT NOT NULL, purpose TEXT NOT NULL,"
            " given_by TEXT NOT NULL, relation TEXT NOT NULL, decision TEXT NOT NULL,"
            " decided_on TEXT NOT NULL, method TEXT NOT NULL, evidence TEXT NOT NULL,"
            " valid_from TEXT NOT NULL, valid_until TEXT NOT NULL, recorded_by TEXT NOT NULL,"
            " recorded_at INTEGER NOT NULL, withdrawn_at INTEGER, withdrawn_by TEXT NOT NULL DEFAULT '')",
            "CREATE INDEX consents_pupil ON consents (pupil, purpose)",
            "CREATE TABLE inzage ("
            " id TEXT PRIMARY KEY, pupil TEXT NOT NULL, purpose TEXT NOT NULL,"
            " inzagedatum TEXT NOT NULL, akkoord TEXT NOT NULL, redennietakkoord TEXT NOT NULL,"
            " recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL)",
            "CREATE INDEX inzage_pupil ON inzage (pupil, purpose)",
            "CREATE TABLE approvals ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, transfer_id TEXT NOT NULL, approver TEXT NOT NULL,"
            " role TEXT NOT NULL, payload_hash TEXT NOT NULL, decision TEXT NOT NULL,"
            " reason TEXT NOT NULL, at INTEGER NOT NULL)",
            "CREATE INDEX approvals_transfer ON approvals (transfer_id)",
            "CREATE TABLE previews ("
            " transfer_id TEXT NOT NULL, viewer TEXT NOT NULL, payload_hash TEXT NOT NULL,"
            " at INTEGER NOT NULL, PRIMARY KEY (transfer_id, viewer, payload_hash))",
        },
        {
            // Evidence files of consents: file name and bytes sealed with the master key.
            "CREATE TABLE consent_evidence ("
            " consent_id TEXT PRIMARY KEY REFERENCES consents (id), filename TEXT NOT NULL,"
            " content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
            " data TEXT NOT NULL)",
            "CREATE TABLE batches ("
            " id TEXT PRIMARY KEY, name TEXT NOT NULL, purpose TEXT NOT NULL,"
            " prepared_by TEXT NOT NULL, prepared_at INTEGER NOT NULL, items TEXT NOT NULL,"
            " status TEXT NOT NULL, decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER,"
            " outcome TEXT NOT NULL DEFAULT '{}')",
        },
        {
            "ALTER TABLE transfers ADD COLUMN choices TEXT NOT NULL DEFAULT '{}'",
            // Human-readable renderings of the payload for checking (HTML, PDF), encrypted with
            // the transfer's data key.
            "CREATE TABLE transfer_reports ("
            " transfer_id TEXT NOT NULL, content_type TEXT NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY (transfer_id, content_type))",
            "CREATE TABLE procedures ("
            " transfer_id TEXT PRIMARY KEY, answers TEXT NOT NULL DEFAULT '{}',"
            " answered_by TEXT NOT NULL DEFAULT '', answered_at INTEGER,"
            " saved_by TEXT NOT NULL DEFAULT '', saved_at INTEGER, saved_hash TEXT NOT NULL DEFAULT '',"
            " saved_deliver_at INTEGER)",
            "CREATE TABLE notifications ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, transfer_id TEXT NOT NULL,"
            " recipients TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
            " created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER,"
            " sent_at INTEGER, last_error TEXT NOT NULL DEFAULT '')",
            "CREATE INDEX notifications_due ON notifications (sent_at, next_attempt_at)",
            "CREATE TABLE schedule_runs ("
            " route TEXT NOT NULL, due_at INTEGER NOT NULL, outcome TEXT NOT NULL, at INTEGER NOT NULL,"
            " PRIMARY KEY (route, due_at))",
        },
        {
            // Token expiry and when a token was revoked (issue 14 L1).
            "ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER",
            "ALTER TABLE api_tokens ADD COLUMN revoked_at INTEGER",
        },
        {
            // Claims with leases, so that several daemons can share one PostgreSQL store: which
            // daemon instance works on a transfer or notification, and until when.
            "ALTER TABLE transfers ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE transfers ADD COLUMN lease_until INTEGER",
            "ALTER TABLE notifications ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE notifications ADD COLUMN lease_until INTEGER",
            // Named leases on shared work: a source poll, the periodic purge.
            "CREATE TABLE leases (name TEXT PRIMARY KEY, owner TEXT NOT NULL, lease_until INTEGER NOT NULL)",
        },
        {
            // A keyed MAC per register row (issue 14 M3/M1): rows added or changed outside Sluis
            // do not count and are reported by the audit check.
            "ALTER TABLE approvals ADD COLUMN mac TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE consents ADD COLUMN mac TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE inzage ADD COLUMN mac TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE transfer_history ADD COLUMN mac TEXT NOT NULL DEFAULT ''",
        },
        {
            // Local accounts of the web interface (issue 16): argon2id password hash, TOTP
            // secret sealed with the master key, lockout counters, the last TOTP step used.
            "CREATE TABLE web_accounts ("
            " name TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,"
            " totp_secret TEXT NOT NULL, failed_logins INTEGER NOT NULL DEFAULT 0,"
            " locked_until INTEGER, last_totp_step INTEGER NOT NULL DEFAULT 0,"
            " created_at INTEGER NOT NULL, last_login INTEGER)",
        },
        {
            // webbench (issue 16): the Audit page's filters by transfer and by action, newest
            // first, without walking the whole log.
            "CREATE INDEX audit_transfer ON audit (transfer_id, seq)",
            "CREATE INDEX audit_event ON audit (event, seq)",
        },
    };
    return m;
}

std::string b64(const std::string& in) {
    std::ostringstream out;
    Poco::Base64Encoder enc(out);
    enc.rdbuf()->setLineLength(0);
    enc << in;
    enc.close();
    return out.str();
}

std::string unb64(const std::string& in) {
    std::istringstream src(in);
    Poco::Base64Decoder dec(src);
    std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
    return out;
}

NullInt nullable(const std::optional<Timestamp>& t) {
    return t ? NullInt(toMillis(*t)) : NullInt();
}

/// What differs between the SQL backends. The statements in this file are written once, in the
/// SQLite spelling with `?` placeholders; the dialect turns them into its own.
class Dialect {
public:
    virtual ~Dialect() = default;
    /// A statement as this backend wants it (placeholders).
    virtual std::string statement(const std::string& sql) const = 0;
    /// A schema statement (column types, autoincrement).
    virtual std::string schema(const std::string& sql) const = 0;
    /// Extra schema statements of a migration version (1-based) for this backend.
    virtual std::vector<std::string> schemaExtras(size_t /*version*/) const { return {}; }
    /// `group_concat(column, ',')` in this dialect.
    virtual std::string joinStrings(const std::string& column) const = 0;
    /// Statements run once on a new connection.
    virtual std::vector<std::string> sessionSetup() const { return {}; }
    /// Whether all migrations and the key check run in one transaction, under the migration
    /// lock (see transactionLock).
    virtual bool lockedMigrations() const { return false; }
    /// A statement taking a transaction-scoped lock named `key` (empty: none needed, because
    /// the connection is the only writer).
    virtual std::string transactionLock(long long /*key*/) const { return {}; }
    /// Connects again when the connection was lost (server restart); true when it did.
    virtual bool reconnect(Session& /*session*/) const { return false; }
    /// The tail of a SELECT that claims rows: lock them, skipping rows another transaction holds
    /// (empty where the connection is the only writer).
    virtual std::string skipLocked() const { return {}; }
    /// The statement that starts a write transaction (empty: the session's own begin()). SQLite
    /// takes the write lock at once (BEGIN IMMEDIATE): another process (a `sluis key rotate`
    /// beside the daemon) may have written between a deferred transaction's first read and its
    /// first write, which WAL mode would refuse without waiting.
    virtual std::string beginWrite() const { return {}; }
};

class SqliteDialect final : public Dialect {
public:
    std::string statement(const std::string& sql) const override { return sql; }
    std::string schema(const std::string& sql) const override { return sql; }
    std::string joinStrings(const std::string& column) const override {
        return "group_concat(" + column + ", ',')";
    }
    std::vector<std::string> sessionSetup() const override {
        // busy_timeout: a daemon and a `sluis` command on one file wait for each other's write
        // transactions (each short) instead of failing.
        return {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
                "PRAGMA busy_timeout=10000"};
    }
    std::string beginWrite() const override { return "BEGIN IMMEDIATE"; }
};

class PostgresDialect final : public Dialect {
public:
    /// `?` -> `$1`, `$2`, ... outside quoted literals (Poco 1.11's connector passes the text as is).
    std::string statement(const std::string& sql) const override {
        std::string out;
        out.reserve(sql.size() + 16);
        int n = 0;
        bool quoted = false;
        for (char c : sql) {
            if (c == '\'') quoted = !quoted;
            if (c == '?' && !quoted) {
                out += '$' + std::to_string(++n);
            } else {
                out += c;
            }
        }
        return out;
    }
    std::string schema(const std::string& sql) const override {
        static const std::regex autoincrement("INTEGER PRIMARY KEY AUTOINCREMENT");
        static const std::regex integer("\\bINTEGER\\b");
        std::string s = std::regex_replace(sql, autoincrement,
                                           "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
        return std::regex_replace(s, integer, "BIGINT");
    }
    /// SQLite's implicit rowid orders rows of the same millisecond by insertion; PostgreSQL gets
    /// an identity column of the same name so the queries stay the same.
    std::vector<std::string> schemaExtras(size_t version) const override {
        const char* add = " ADD COLUMN rowid BIGINT GENERATED ALWAYS AS IDENTITY";
        if (version == 2)
            return {std::string("ALTER TABLE consents") + add, std::string("ALTER TABLE inzage") + add};
        if (version == 3) return {std::string("ALTER TABLE batches") + add};
        return {};
    }
    std::string joinStrings(const std::string& column) const override {
        return "string_agg(" + column + ", ',')";
    }
    std::vector<std::string> sessionSetup() const override {
        return {"SET client_min_messages = warning"};  // no NOTICE lines on stderr
    }
    bool lockedMigrations() const override { return true; }
    /// PQreset on the same connection object: Poco 1.11's own reconnect leaves the lost PGconn
    /// unfreed (a leak per outage).
    bool reconnect(Session& session) const override {
        auto* impl = dynamic_cast<Poco::Data::PostgreSQL::SessionImpl*>(session.impl());
        if (!impl) return false;
        PGconn* conn = impl->handle();
        if (!conn || PQstatus(conn) == CONNECTION_OK) return false;
        PQreset(conn);
        return PQstatus(conn) == CONNECTION_OK;
    }
    std::string transactionLock(long long key) const override {
        return "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(" + std::to_string(key) + ")) AS l";
    }
    std::string skipLocked() const override { return " FOR UPDATE SKIP LOCKED"; }
};

/// "1, 2, 3": a named state set (core/transfer/state.h) in SQL.
std::string stateList(const std::vector<State>& states) {
    std::string out;
    for (State st : states) out += (out.empty() ? "" : ", ") + std::to_string(static_cast<int>(st));
    return out;
}

/// "?, ?, ?" for `n` values.
std::string placeholders(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
}

// Advisory lock keys (PostgreSQL): arbitrary, fixed, distinct.
constexpr long long kMigrationLock = 0x51755f6d6967;  // "Qu_mig"
constexpr long long kAuditLock = 0x51755f617564;      // "Qu_aud"
constexpr long long kRotationLock = 0x51755f726f74;   // "Qu_rot" (session-level, key rotation)

/// A column sealed directly with the master key: its table, the key column naming a row, the
/// associated data (`aad_prefix` + key), the MAC table covering it (empty: none) and an extra
/// condition on the rows.
struct SealedColumn {
    const char* table;
    const char* key;
    const char* column;
    const char* aad_prefix;
    const char* mac_table;
    const char* where;
};
const std::vector<SealedColumn>& masterSealedColumns() {
    static const std::vector<SealedColumn> cols = {
        {"meta", "key", "value", "sluis.meta.", "", " AND key IN ('audit_hmac_key', 'audit_signing_key')"},
        {"transfers", "id", "data_key", "dek:", "", ""},
        {"consents", "id", "evidence", "consent:", "consents", ""},
        {"consent_evidence", "consent_id", "filename", "consent-file-name:", "", ""},
        {"consent_evidence", "consent_id", "data", "consent-file:", "", ""},
        {"inzage", "id", "redennietakkoord", "inzage:", "inzage", ""},
    };
    return cols;
}

std::string transferColumns(const Dialect& d) {
    return "id, idempotency_key, direction, route, purpose, profile, source, destination, subject, state,"
           " attempts, next_attempt_at, deliver_at, created_at, updated_at, content_type, file_extension,"
           " payload_hash, receipt, last_error, CASE WHEN data_key IS NULL THEN 1 ELSE 0 END AS purged,"
           " created_by, changed_by, withdraw_deadline, disclosure, consent_id, choices,"
           " (SELECT COALESCE(" +
           d.joinStrings("content_type") +
           ", '') FROM transfer_reports r"
           "  WHERE r.transfer_id = transfers.id) AS report_types";
}

/// A column damaged outside Sluis: names table, column and row, never what the column holds.
Error damagedColumn(const char* table, const char* column, const std::string& id,
                    const char* expected) {
    return Error{ErrorCode::kStorage, std::string("opslag beschadigd: ") + table + "." + column +
                                          " van rij " + id + " is " + expected};
}

/// One row of a query result, read by column number.
class Row {
public:
    Row(RecordSet& rs, size_t row) : rs_(rs), row_(row) {}
    bool isNull(size_t col) const { return rs_.value(col, row_).isEmpty(); }
    /// Empty for NULL.
    std::string str(size_t col) const {
        auto v = rs_.value(col, row_);
        return v.isEmpty() ? std::string() : v.convert<std::string>();
    }
    long long i64(size_t col) const { return rs_.value(col, row_).convert<Poco::Int64>(); }
    int i32(size_t col) const { return rs_.value(col, row_).convert<int>(); }
    Timestamp time(size_t col) const { return fromMillis(i64(col)); }
    std::optional<Timestamp> optTime(size_t col) const {
        if (isNull(col)) return std::nullopt;
        return time(col);
    }
    /// The JSON object stored in `col`. A column that does not hold one (corrupted outside Sluis:
    /// Sluis only writes objects there) is a storage error naming `table`.`column` and the row
    /// `id`, never what the column holds.
    Result<nlohmann::json> object(size_t col, const char* table, const char* column,
                                  const std::string& id) const {
        auto j = nlohmann::json::parse(str(col), nullptr, false);
        if (j.is_object()) return j;
        return damagedColumn(table, column, id, "geen geldig JSON-object");
    }

private:
    RecordSet& rs_;
    size_t row_;
};

Result<Transfer> rowToTransfer(const Row& row) {
    Transfer t;
    t.id = row.str(0);
    t.idempotency_key = row.str(1);
    t.direction = row.str(2);
    t.route = row.str(3);
    t.purpose = row.str(4);
    t.profile = row.str(5);
    t.source = row.str(6);
    t.destination = row.str(7);
    t.subject = row.str(8);
    t.state = static_cast<State>(row.i32(9));
    t.attempts = row.i32(10);
    t.next_attempt_at = row.optTime(11);
    t.deliver_at = row.optTime(12);
    t.created_at = row.time(13);
    t.updated_at = row.time(14);
    t.content_type = row.str(15);
    t.file_extension = row.str(16);
    t.payload_hash = row.str(17);
    t.receipt = row.str(18);
    t.last_error = row.str(19);
    t.payload_purged = row.i32(20) != 0;
    t.created_by = row.str(21);
    t.changed_by = row.str(22);
    t.withdraw_deadline = row.optTime(23);
    auto disclosure = row.object(24, "transfers", "disclosure", t.id);
    if (!disclosure) return disclosure.error();
    t.disclosure = std::move(*disclosure);
    t.consent_id = row.str(25);
    auto choices = row.object(26, "transfers", "choices", t.id);
    if (!choices) return choices.error();
    t.choices = std::move(*choices);
    std::string types = row.str(27);
    for (size_t i = 0, j; i < types.size(); i = j + 1) {
        j = types.find(',', i);
        if (j == std::string::npos) j = types.size();
        if (j > i) t.report_types.push_back(types.substr(i, j - i));
    }
    return t;
}

/// The registers whose rows carry a keyed MAC: the columns it covers, in this order, and the key
/// column that names a row.
struct MacTable {
    const char* table;
    const char* key;
    std::vector<const char*> columns;
};
const std::vector<MacTable>& macTables() {
    static const std::vector<MacTable> tables = {
        {"approvals", "seq", {"transfer_id", "approver", "role", "payload_hash", "decision", "reason", "at"}},
        {"consents",
         "id",
         {"id", "pupil", "purpose", "given_by", "relation", "decision", "decided_on", "method", "evidence",
          "valid_from", "valid_until", "recorded_by", "recorded_at", "withdrawn_at", "withdrawn_by"}},
        {"inzage",
         "id",
         {"id", "pupil", "purpose", "inzagedatum", "akkoord", "redennietakkoord", "recorded_by", "recorded_at"}},
        {"transfer_history", "seq", {"transfer_id", "from_state", "to_state", "at", "actor", "reason"}},
    };
    return tables;
}
const MacTable& macTable(const std::string& name) {
    for (const auto& t : macTables())
        if (name == t.table) return t;
    throw std::logic_error("no MAC table " + name);
}
std::string columnList(const MacTable& t) {
    std::string out;
    for (const char* c : t.columns) out += std::string(out.empty() ? "" : ", ") + c;
    return out;
}
using MacValues = std::vector<std::optional<std::string>>;

/// The columns `auditRecord` reads, in its order.
constexpr const char* kAuditColumns = "seq, at, actor, event, transfer_id, purpose, details, prev_hash, hash";
AuditRecord auditRecord(const Row& row) {
    AuditRecord a;
    a.seq = row.i64(0);
    a.at = row.time(1);
    a.event.actor = row.str(2);
    a.event.event = row.str(3);
    a.event.transfer_id = row.str(4);
    a.event.purpose = row.str(5);
    a.event.details = nlohmann::json::parse(row.str(6), nullptr, false);
    a.prev_hash = row.str(7);
    a.hash = row.str(8);
    return a;
}

/// The bytes an audit chain link covers: the record and its predecessor's hash.
std::string auditCanonical(const std::string& prev_hash, long long seq, Timestamp at, const AuditEvent& e) {
    nlohmann::json canon = {{"prev", prev_hash}, {"seq", seq},         {"at", toMillis(at)},
                            {"actor", e.actor},  {"event", e.event},   {"transfer_id", e.transfer_id},
                            {"purpose", e.purpose}, {"details", e.details}};
    return canon.dump();
}

class SqlStore final : public TransferStore {
public:
    SqlStore(const std::string& connector, const std::string& connection,
             std::unique_ptr<Dialect> dialect)
        : session_(connector, connection),
          dialect_(std::move(dialect)),
          transfer_columns_(transferColumns(*dialect_)) {}

    Status init(const std::string& key_file) {
        return guard("openen", [&]() -> Status {
            for (const auto& s : dialect_->sessionSetup()) session_ << s, now;
            const bool locked = dialect_->lockedMigrations();
            // Two daemons starting at once: the second waits here until the first has migrated
            // and recorded the key fingerprint, then sees both.
            if (locked) {
                session_.begin();
                lock(kMigrationLock);
            }
            try {
                Status st = migrate(!locked);
                if (st.isOk()) st = initKey(key_file);
                if (st.isOk()) {
                    if (locked) {
                        st = resealLegacyBlobs();
                        if (st.isOk()) st = initAuditKeys();
                    } else {
                        session_.begin();
                        st = resealLegacyBlobs();
                        if (st.isOk()) st = initAuditKeys();
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

    Result<IngestResult> ingest(const IngestBatch& batch, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        Result<IngestResult> result = IngestResult::kStored;
        Status st = txn("opslaan", [&]() -> Status {
            int seen = 0;
            std::string key = batch.ingest_key;
            sql("SELECT COUNT(*) FROM ingested WHERE ingest_key = ?"), use(key), into(seen),
                now;
            if (seen > 0) {
                result = IngestResult::kAlreadyStored;
                return {};
            }
            Poco::Int64 at = toMillis(now_ts);
            for (const auto& nt : batch.transfers) {
                const Transfer& t = nt.meta;
                // A newer version of data already waiting for this pupil on this route replaces
                // it: the transfer goes back to 'received' and is rendered again, so approvals
                // bound to the old payload hash lapse.
                std::string route = t.route, subject = t.subject;
                NullStr existing_id, existing_dk;
                Poco::Nullable<int> existing_state;
                if (!subject.empty()) {
                    Statement find(session_);
                    find << q("SELECT id, data_key, state FROM transfers WHERE route = ? AND subject = ?"
                            " AND state IN (" + stateList(transfer::replaceableStates()) +
                            ") ORDER BY created_at DESC LIMIT 1"),
                        use(route), use(subject), into(existing_id), into(existing_dk),
                        into(existing_state);
                    find.execute();
                }
                if (!existing_id.isNull() && !existing_dk.isNull()) {
                    std::string eid = existing_id.value();
                    auto enc = cipher_->encrypt(unb64(existing_dk.value()), eid, "canonical", nt.canonical);
                    if (!enc) return enc.error();
                    std::string canon = b64(*enc), actor = batch.actor;
                    int received = static_cast<int>(State::kReceived), from_i = existing_state.value();
                    // Guarded by the state it was found in, and the claim of a daemon working on
                    // the old data is released (its next step under that claim is refused).
                    Statement replace(session_);
                    replace << q("UPDATE transfers SET canonical = ?, payload = NULL, payload_hash = '',"
                                 " state = ?, changed_by = ?, updated_at = ?, claimed_by = '',"
                                 " lease_until = NULL WHERE id = ? AND state = ?"),
                        use(canon), use(received), use(actor), use(at), use(eid), use(from_i);
                    if (replace.execute() != 1) {
                        // Moved on meanwhile (e.g. to delivering): not replaced; the new data
                        // becomes a transfer of its own below.
                        existing_id = NullStr();
                    }
                }
                if (!existing_id.isNull() && !existing_dk.isNull()) {
                    std::string eid = existing_id.value();
                    State from = static_cast<State>(existing_state.value());
                    if (from != State::kReceived)
                        SLUIS_RETURN_IF_ERROR(insertHistory(eid, from, State::kReceived, now_ts,
                                                            batch.actor, "nieuwe gegevens ontvangen"));
                    AuditEvent ev{batch.actor, "data_changed", eid, t.purpose,
                                  {{"route", t.route}, {"subject", t.subject},
                                   {"ingest_key", batch.ingest_key},
                                   {"from", transfer::stateName(from)}}};
                    SLUIS_RETURN_IF_ERROR(insertAudit(ev, now_ts));
                    continue;
                }
                auto wrapped = cipher_->newWrappedDataKey(t.id);
                if (!wrapped) return wrapped.error();
                auto enc = cipher_->encrypt(*wrapped, t.id, "canonical", nt.canonical);
                if (!enc) return enc.error();
                std::string dk = b64(*wrapped), canon = b64(*enc);
                int state = static_cast<int>(State::kReceived);
                NullInt deliver = nullable(t.deliver_at);
                std::string id = t.id, ik = t.idempotency_key, dir = t.direction,
                            purpose = t.purpose, profile = t.profile, source = t.source,
                            dest = t.destination, actor = batch.actor;
                sql("INSERT INTO transfers (id, idempotency_key, direction, route, purpose,"
                            " profile, source, destination, subject, state, deliver_at, created_at,"
                            " updated_at, data_key, canonical, created_by, changed_by) VALUES"
                            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                    use(id), use(ik), use(dir), use(route), use(purpose), use(profile), use(source),
                    use(dest), use(subject), use(state), use(deliver), use(at), use(at), use(dk),
                    use(canon), use(actor), use(actor), now;
                SLUIS_RETURN_IF_ERROR(insertHistory(t.id, std::nullopt, State::kReceived, now_ts,
                                                    batch.actor, "ontvangen via " + batch.source));
                AuditEvent ev{batch.actor, "created", t.id, t.purpose,
                              {{"route", t.route}, {"source", t.source}, {"subject", t.subject},
                               {"ingest_key", batch.ingest_key}}};
                SLUIS_RETURN_IF_ERROR(insertAudit(ev, now_ts));
            }
            Poco::Int64 count = static_cast<Poco::Int64>(batch.transfers.size());
            std::string src = batch.source, name = batch.item_name;
            sql("INSERT INTO ingested (ingest_key, source, item_name, at, transfers)"
                        " VALUES (?, ?, ?, ?, ?)"),
                use(key), use(src), use(name), use(at), use(count), now;
            return {};
        });
        if (!st) return st.error();
        return result;
    }

    Status transition(const std::string& id, State from, State to, const TransitionUpdate& u,
                      const AuditEvent& event, const std::string& reason, Timestamp now_ts) override {
        if (from != to && !transfer::canTransition(from, to))
            return {ErrorCode::kConflict, std::string("overgang ") + transfer::stateName(from) +
                                              " -> " + transfer::stateName(to) +
                                              " is niet toegestaan"};
        std::lock_guard<std::mutex> lock(mu_);
        return txn("statuswijziging", [&]() -> Status {
            std::string text = "UPDATE transfers SET state = ?, updated_at = ?";
            int to_i = static_cast<int>(to);
            Poco::Int64 at = toMillis(now_ts);
            // Claims (see TransitionUpdate::claim): kept and extended into delivering under the
            // claim, released by every transition to another state.
            const bool keep_claim = to == State::kDelivering;
            Poco::Int64 lease = u.claim ? toMillis(u.claim->until) : 0;
            std::string owner = u.claim ? u.claim->owner : std::string();
            if (keep_claim && u.claim) text += ", lease_until = ?";
            if (!keep_claim) text += ", claimed_by = '', lease_until = NULL";
            Statement stmt(session_);
            // Values must outlive execute(): keep them in locals captured by reference.
            std::string payload_b64, hash, ctype, ext, receipt, last_error, changed_by, disclosure,
                consent_id, choices;
            std::vector<std::pair<std::string, std::string>> sealed_reports;
            int attempts = 0;
            NullInt next, deliver, deadline;
            if (u.payload || u.reports) {
                NullStr dk_null;
                sql("SELECT data_key FROM transfers WHERE id = ?"), use(const_cast<std::string&>(id)),
                    into(dk_null), now;
                if (dk_null.isNull())
                    return Status(ErrorCode::kConflict, "payload van " + id + " is al verwijderd");
                if (u.payload) {
                    auto enc = cipher_->encrypt(unb64(dk_null.value()), id, "payload", *u.payload);
                    if (!enc) return enc.error();
                    payload_b64 = b64(*enc);
                    hash = util::sha256Hex(*u.payload);
                    text += ", payload = ?, payload_hash = ?";
                }
                if (u.reports) {
                    for (const auto& [type, bytes] : *u.reports) {
                        auto enc = cipher_->encrypt(unb64(dk_null.value()), id, reportColumn(type), bytes);
                        if (!enc) return enc.error();
                        sealed_reports.emplace_back(type, b64(*enc));
                    }
                }
            }
            if (u.choices) { choices = u.choices->dump(); text += ", choices = ?"; }
            if (u.content_type) { ctype = *u.content_type; text += ", content_type = ?"; }
            if (u.file_extension) { ext = *u.file_extension; text += ", file_extension = ?"; }
            if (u.attempts) { attempts = *u.attempts; text += ", attempts = ?"; }
            if (u.next_attempt_at) { next = nullable(*u.next_attempt_at); text += ", next_attempt_at = ?"; }
            if (u.deliver_at) { deliver = nullable(*u.deliver_at); text += ", deliver_at = ?"; }
            if (u.receipt) { receipt = *u.receipt; text += ", receipt = ?"; }
            if (u.last_error) { last_error = *u.last_error; text += ", last_error = ?"; }
            if (u.changed_by) { changed_by = *u.changed_by; text += ", changed_by = ?"; }
            if (u.withdraw_deadline) { deadline = nullable(*u.withdraw_deadline); text += ", withdraw_deadline = ?"; }
            if (u.disclosure) { disclosure = u.disclosure->dump(); text += ", disclosure = ?"; }
            if (u.consent_id) { consent_id = *u.consent_id; text += ", consent_id = ?"; }
            text += " WHERE id = ? AND state = ?";
            if (u.claim) text += " AND claimed_by = ?";
            int from_i = static_cast<int>(from);
            std::string id_copy = id;
            stmt << q(text), use(to_i), use(at);
            if (keep_claim && u.claim) stmt, use(lease);
            if (u.payload) stmt, use(payload_b64), use(hash);
            if (u.choices) stmt, use(choices);
            if (u.content_type) stmt, use(ctype);
            if (u.file_extension) stmt, use(ext);
            if (u.attempts) stmt, use(attempts);
            if (u.next_attempt_at) stmt, use(next);
            if (u.deliver_at) stmt, use(deliver);
            if (u.receipt) stmt, use(receipt);
            if (u.last_error) stmt, use(last_error);
            if (u.changed_by) stmt, use(changed_by);
            if (u.withdraw_deadline) stmt, use(deadline);
            if (u.disclosure) stmt, use(disclosure);
            if (u.consent_id) stmt, use(consent_id);
            stmt, use(id_copy), use(from_i);
            if (u.claim) stmt, use(owner);
            size_t changed = stmt.execute();
            if (changed != 1)
                return Status(ErrorCode::kConflict, "overdracht " + id + " is niet (meer) in status " +
                                                        transfer::stateName(from) +
                                                        (u.claim ? " onder claim van " + owner : std::string()));
            if (u.reports) {
                sql("DELETE FROM transfer_reports WHERE transfer_id = ?"), use(id_copy), now;
                for (auto& [type, data] : sealed_reports)
                    sql("INSERT INTO transfer_reports (transfer_id, content_type, data) VALUES (?, ?, ?)"),
                        use(id_copy), use(type), use(data), now;
            }
            if (from != to) SLUIS_RETURN_IF_ERROR(insertHistory(id, from, to, now_ts, event.actor, reason));
            AuditEvent ev = event;
            if (ev.event.empty()) ev.event = "state_changed";
            ev.transfer_id = id;
            ev.details["from"] = transfer::stateName(from);
            ev.details["to"] = transfer::stateName(to);
            return insertAudit(ev, now_ts);
        });
    }

    Result<DueTransfers> due(Timestamp now_ts, size_t max) override {
        DueTransfers out;
        Poco::Int64 at = toMillis(now_ts);
        Poco::Int64 limit = static_cast<Poco::Int64>(max);
        int received = static_cast<int>(State::kReceived), mapped = static_cast<int>(State::kMapped),
            delivering = static_cast<int>(State::kDelivering),
            scheduled = static_cast<int>(State::kScheduled), failed = static_cast<int>(State::kFailed);
        Status st = read(
            "SELECT " + transfer_columns_ +
                " FROM transfers WHERE state IN (?, ?, ?)"
                " OR (state = ? AND (deliver_at IS NULL OR deliver_at <= ?))"
                " OR (state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?))"
                " ORDER BY created_at, id LIMIT ?",
            [&](Statement& s) {
                s, use(received), use(mapped), use(delivering), use(scheduled), use(at), use(failed),
                    use(at), use(limit);
            },
            [&](const Row& row) -> Status {
                auto t = rowToTransfer(row);
                if (t) out.transfers.push_back(std::move(*t));
                else out.damaged.push_back({row.str(0), t.error()});
                return {};
            });
        if (!st) return st.error();
        return out;
    }

    Result<DueTransfers> claimDue(const Claim& claim, Timestamp now_ts, size_t max) override {
        std::lock_guard<std::mutex> lock(mu_);
        DueTransfers out;
        Status st = txn(
            "werk claimen",
            [&]() -> Status {
                Poco::Int64 at = toMillis(now_ts), until = toMillis(claim.until);
                Poco::Int64 limit = static_cast<Poco::Int64>(max);
                int scheduled = static_cast<int>(State::kScheduled), failed = static_cast<int>(State::kFailed);
                std::string owner = claim.owner;
                std::vector<std::string> ids;
                SLUIS_RETURN_IF_ERROR(eachRow(
                    "SELECT id FROM transfers WHERE (state IN (" + stateList(transfer::workStates()) + ")"
                    " OR (state = ? AND (deliver_at IS NULL OR deliver_at <= ?))"
                    " OR (state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)))"
                    " AND (lease_until IS NULL OR lease_until <= ? OR claimed_by = ?)"
                    " ORDER BY created_at, id LIMIT ?" + dialect_->skipLocked(),
                    [&](Statement& s) {
                        s, use(scheduled), use(at), use(failed), use(at), use(at), use(owner), use(limit);
                    },
                    [&](const Row& row) { ids.push_back(row.str(0)); }));
                if (ids.empty()) return {};
                {
                    Statement up = sql("UPDATE transfers SET claimed_by = ?, lease_until = ? WHERE id IN (" +
                                       placeholders(ids.size()) + ")");
                    up, use(owner), use(until);
                    for (auto& id : ids) up, use(id);
                    up.execute();
                }
                return eachRow(
                    "SELECT " + transfer_columns_ + " FROM transfers WHERE id IN (" + placeholders(ids.size()) +
                        ") ORDER BY created_at, id",
                    [&](Statement& s) {
                        for (auto& id : ids) s, use(id);
                    },
                    [&](const Row& row) {
                        auto t = rowToTransfer(row);
                        if (t) out.transfers.push_back(std::move(*t));
                        else out.damaged.push_back({row.str(0), t.error()});
                    });
            },
            /*chain=*/false);
        if (!st) return st.error();
        return out;
    }

    Status extendClaims(const Claim& claim, const std::vector<std::string>& ids) override {
        if (ids.empty()) return {};
        std::lock_guard<std::mutex> lock(mu_);
        return txn(
            "claims verlengen",
            [&]() -> Status {
                std::string owner = claim.owner;
                Poco::Int64 until = toMillis(claim.until);
                std::vector<std::string> list = ids;
                // Rows another transaction is changing right now are skipped, never waited for.
                Statement up = sql("UPDATE transfers SET lease_until = ? WHERE id IN (SELECT id FROM transfers"
                                   " WHERE claimed_by = ? AND id IN (" + placeholders(list.size()) + ")" +
                                   dialect_->skipLocked() + ")");
                up, use(until), use(owner);
                for (auto& id : list) up, use(id);
                up.execute();
                return {};
            },
            /*chain=*/false);
    }

    Status renewClaim(const std::string& id, State state, const Claim& claim) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn(
            "claim bevestigen",
            [&]() -> Status {
                std::string tid = id, owner = claim.owner;
                Poco::Int64 until = toMillis(claim.until);
                int st = static_cast<int>(state);
                Statement up = sql("UPDATE transfers SET lease_until = ? WHERE id = ? AND state = ? AND claimed_by = ?");
                up, use(until), use(tid), use(st), use(owner);
                if (up.execute() != 1)
                    return Status(ErrorCode::kConflict, "overdracht " + id + " is niet (meer) geclaimd door " +
                                                            claim.owner + " in status " + transfer::stateName(state));
                return {};
            },
            /*chain=*/false);
    }

    Status releaseClaims(const std::string& owner, const std::vector<std::string>& ids) override {
        if (ids.empty()) return {};
        std::lock_guard<std::mutex> lock(mu_);
        return txn(
            "claims vrijgeven",
            [&]() -> Status {
                std::string o = owner;
                std::vector<std::string> list = ids;
                Statement up = sql("UPDATE transfers SET claimed_by = '', lease_until = NULL WHERE id IN"
                                   " (SELECT id FROM transfers WHERE claimed_by = ? AND state <> " +
                                   std::to_string(static_cast<int>(State::kDelivering)) + " AND id IN (" +
                                   placeholders(list.size()) + ")" + dialect_->skipLocked() + ")");
                up, use(o);
                for (auto& id : list) up, use(id);
                up.execute();
                return {};
            },
            /*chain=*/false);
    }

    Result<bool> claimLease(const std::string& name, const std::string& owner, Timestamp now_ts,
                            Timestamp until_ts) override {
        if (alone_) return true;  // the only daemon on this store: no disk write per pass
        std::lock_guard<std::mutex> lock(mu_);
        bool held = false;
        Status st = txn(
            "lease claimen",
            [&]() -> Status {
                std::string n = name, o = owner;
                Poco::Int64 at = toMillis(now_ts), until = toMillis(until_ts);
                sql("INSERT INTO leases (name, owner, lease_until) VALUES (?, '', 0) ON CONFLICT DO NOTHING"),
                    use(n), now;
                // The row lock serialises two claimers; the second sees the first's lease.
                Statement up = sql("UPDATE leases SET owner = ?, lease_until = ? WHERE name = ?"
                                   " AND (lease_until <= ? OR owner = ?)");
                up, use(o), use(until), use(n), use(at), use(o);
                held = up.execute() == 1;
                return {};
            },
            /*chain=*/false);
        if (!st) return st.error();
        return held;
    }

    Status releaseLease(const std::string& name, const std::string& owner) override {
        if (alone_) return {};
        std::lock_guard<std::mutex> lock(mu_);
        return txn(
            "lease vrijgeven",
            [&]() -> Status {
                std::string n = name, o = owner;
                sql("UPDATE leases SET owner = '', lease_until = 0 WHERE name = ? AND owner = ?"), use(n), use(o),
                    now;
                return {};
            },
            /*chain=*/false);
    }

    /// Releases every claim and from now on holds every named lease without writing it: for a
    /// daemon that knows it is alone on the store (SQLite, locked).
    Status releaseAllClaims() {
        alone_ = true;
        std::lock_guard<std::mutex> lock(mu_);
        return txn(
            "claims vrijgeven",
            [&]() -> Status {
                sql("UPDATE transfers SET claimed_by = '', lease_until = NULL WHERE lease_until IS NOT NULL"), now;
                sql("UPDATE notifications SET claimed_by = '', lease_until = NULL WHERE lease_until IS NOT NULL"),
                    now;
                sql("UPDATE leases SET owner = '', lease_until = 0"), now;
                return {};
            },
            /*chain=*/false);
    }

    Result<Transfer> get(const std::string& id) override {
        std::optional<Transfer> out;
        std::string key = id;
        Status st = read(
            "SELECT " + transfer_columns_ + " FROM transfers WHERE id = ?",
            [&](Statement& s) { s, use(key); },
            [&](const Row& row) -> Status {
                auto t = rowToTransfer(row);
                if (!t) return t.status();
                out = std::move(*t);
                return {};
            });
        if (!st) return st.error();
        if (!out) return Error{ErrorCode::kNotFound, "overdracht " + id + " bestaat niet"};
        return *out;
    }

    Result<std::vector<Transfer>> list(const ListFilter& f) override {
        std::vector<Transfer> out;
        int state = f.state ? static_cast<int>(*f.state) : -1;
        std::string route = f.route, subject = f.subject, purpose = f.purpose;
        Poco::Int64 limit = static_cast<Poco::Int64>(f.limit),
                    offset = static_cast<Poco::Int64>(f.offset),
                    before = f.updated_before ? toMillis(*f.updated_before) : -1,
                    created_before = f.created_before ? toMillis(*f.created_before) : -1;
        int unpurged = f.unpurged_only ? 1 : 0;
        std::string states;
        for (State s : f.states)
            states += (states.empty() ? "" : ",") + std::to_string(static_cast<int>(s));
        // The purposes the caller may see, bound one placeholder each (never spliced in).
        std::vector<std::string> purposes;
        std::string purpose_clause;
        if (f.purposes) {
            purposes.assign(f.purposes->begin(), f.purposes->end());
            std::string marks;
            for (size_t i = 0; i < purposes.size(); ++i) marks += i ? ", ?" : "?";
            purpose_clause = purposes.empty() ? " AND 1 = 0" : " AND purpose IN (" + marks + ")";
        }
        Status st = read(
            "SELECT " + transfer_columns_ +
                " FROM transfers WHERE (? < 0 OR state = ?) AND (? = '' OR route = ?)"
                " AND (? = '' OR subject = ?) AND (? = '' OR purpose = ?)"
                " AND (? < CAST(0 AS BIGINT) OR updated_at < ?) AND (? = 0 OR data_key IS NOT NULL)"
                " AND (? < CAST(0 AS BIGINT) OR created_at < ?)" +
                (states.empty() ? "" : " AND state IN (" + states + ")") + purpose_clause +
                " ORDER BY created_at, id LIMIT ? OFFSET ?",
            [&](Statement& s) {
                s, use(state), use(state), use(route), use(route), use(subject), use(subject),
                    use(purpose), use(purpose), use(before), use(before), use(unpurged), use(created_before),
                    use(created_before);
                for (auto& p : purposes) s, use(p);
                s, use(limit), use(offset);
            },
            [&](const Row& row) -> Status {
                auto t = rowToTransfer(row);
                if (!t) return t.status();
                out.push_back(std::move(*t));
                return {};
            });
        if (!st) return st.error();
        return out;
    }

    Result<std::vector<HistoryEntry>> history(const std::string& id) override {
        std::vector<HistoryEntry> out;
        std::string key = id;
        Status st = read(
            "SELECT seq, from_state, to_state, at, actor, reason FROM transfer_history"
            " WHERE transfer_id = ? ORDER BY seq",
            [&](Statement& s) { s, use(key); },
            [&](const Row& row) {
                HistoryEntry h;
                h.seq = row.i64(0);
                if (!row.isNull(1)) h.from = static_cast<State>(row.i32(1));
                h.to = static_cast<State>(row.i32(2));
                h.at = row.time(3);
                h.actor = row.str(4);
                h.reason = row.str(5);
                out.push_back(std::move(h));
            });
        if (!st) return st.error();
        return out;
    }

    Result<std::map<State, long long>> countByState() override {
        std::map<State, long long> out;
        for (State s : transfer::allStates()) out[s] = 0;
        Status st = read("SELECT state, COUNT(*) FROM transfers GROUP BY state", [](Statement&) {},
                         [&](const Row& row) { out[static_cast<State>(row.i32(0))] = row.i64(1); });
        if (!st) return st.error();
        return out;
    }

    Result<std::map<std::pair<std::string, State>, long long>> countByRouteState() override {
        std::map<std::pair<std::string, State>, long long> out;
        Status st = read("SELECT route, state, COUNT(*) FROM transfers GROUP BY route, state",
                         [](Statement&) {}, [&](const Row& row) {
                             out[{row.str(0), static_cast<State>(row.i32(1))}] = row.i64(2);
                         });
        if (!st) return st.error();
        return out;
    }

    Result<std::string> payload(const std::string& id) override { return decryptColumn(id, "payload"); }
    Result<std::string> canonical(const std::string& id) override {
        return decryptColumn(id, "canonical");
    }

    Status audit(const AuditEvent& event, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("audit", [&]() { return insertAudit(event, now_ts); });
    }

    Result<std::vector<AuditRecord>> auditLog(long long after_seq, size_t limit) override {
        std::vector<AuditRecord> out;
        Poco::Int64 after = after_seq, lim = static_cast<Poco::Int64>(limit);
        Status st = read(
            std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
            [&](Statement& s) { s, use(after), use(lim); },
            [&](const Row& row) { out.push_back(auditRecord(row)); });
        if (!st) return st.error();
        return out;
    }

    // --- webbench: the audit log searched and paged in SQL (AuditSearch; issue 16's page budget).
    // Only the active conditions are in the statement, so the indexes of migration 9 serve them;
    // every value is bound, never spliced in.
    Result<std::vector<AuditRecord>> searchAudit(const AuditSearch& q) override {
        std::string where;
        // The bound values in placeholder order (reserved: `use` keeps references to them).
        std::vector<std::string> texts;
        std::vector<Poco::Int64> numbers;
        std::vector<std::pair<bool, size_t>> order;  // (is text, index)
        texts.reserve(8);
        numbers.reserve(8);
        auto text = [&](std::string v) {
            order.emplace_back(true, texts.size());
            texts.push_back(std::move(v));
        };
        auto number = [&](Poco::Int64 v) {
            order.emplace_back(false, numbers.size());
            numbers.push_back(v);
        };
        auto cond = [&](const std::string& c) { where += (where.empty() ? " WHERE " : " AND ") + c; };
        // A LIKE pattern that matches `needle` literally anywhere.
        auto contains = [](const std::string& needle) {
            std::string p = "%";
            for (char ch : needle) {
                if (ch == '%' || ch == '_' || ch == '\\') p += '\\';
                p += ch;
            }
            return p + "%";
        };
        if (!q.transfer_id.empty()) cond("transfer_id = ?"), text(q.transfer_id);
        if (!q.event.empty()) cond("event = ?"), text(q.event);
        if (!q.actor.empty()) cond("actor LIKE ? ESCAPE '\\'"), text(contains(q.actor));
        if (q.from) cond("at >= ?"), number(toMillis(*q.from));
        if (q.until) cond("at < ?"), number(toMillis(*q.until));
        if (!q.subject.empty()) {
            // The pupil's transfers, or the id as a JSON string value in the details (as
            // insertAudit writes them: nlohmann's dump, so the quoted form appears literally).
            cond("(transfer_id IN (SELECT id FROM transfers WHERE subject = ?) OR details LIKE ? ESCAPE '\\')");
            text(q.subject);
            text(contains(nlohmann::json(q.subject).dump()));
        }
        if (q.newest_first) {
            if (q.before > 0) cond("seq < ?"), number(q.before);
        } else if (q.after > 0) {
            cond("seq > ?"), number(q.after);
        }
        number(static_cast<Poco::Int64>(q.limit));
        number(static_cast<Poco::Int64>(q.offset));
        std::vector<AuditRecord> out;
        Status st = read(std::string("SELECT ") + kAuditColumns + " FROM audit" + where + " ORDER BY seq" +
                             (q.newest_first ? " DESC" : "") + " LIMIT ? OFFSET ?",
                         [&](Statement& s) {
                             for (auto [is_text, i] : order) {
                                 if (is_text) s, use(texts[i]);
                                 else s, use(numbers[i]);
                             }
                         },
                         [&](const Row& row) { out.push_back(auditRecord(row)); });
        if (!st) return st.error();
        return out;
    }

    // Same conditions as list() (kept in step by StoreTest.CountMatchesList), but only the active
    // ones are in the statement, so the state and route indexes serve them (list()'s
    // `(? < 0 OR state = ?)` form makes SQLite read the whole table).
    Result<long long> count(const ListFilter& f) override {
        std::string where = " WHERE 1 = 1";
        std::vector<std::string> texts;
        std::vector<Poco::Int64> numbers;
        std::vector<std::pair<bool, size_t>> order;  // (is text, index), in placeholder order
        texts.reserve(8 + (f.purposes ? f.purposes->size() : 0));
        numbers.reserve(8);
        auto text = [&](const std::string& c, std::string v) {
            where += " AND " + c;
            order.emplace_back(true, texts.size());
            texts.push_back(std::move(v));
        };
        auto number = [&](const std::string& c, Poco::Int64 v) {
            where += " AND " + c;
            order.emplace_back(false, numbers.size());
            numbers.push_back(v);
        };
        if (f.state) number("state = ?", static_cast<int>(*f.state));
        if (!f.route.empty()) text("route = ?", f.route);
        if (!f.subject.empty()) text("subject = ?", f.subject);
        if (!f.purpose.empty()) text("purpose = ?", f.purpose);
        if (f.updated_before) number("updated_at < ?", toMillis(*f.updated_before));
        if (f.unpurged_only) where += " AND data_key IS NOT NULL";
        if (f.created_before) number("created_at < ?", toMillis(*f.created_before));
        std::string states;
        for (State s : f.states)
            states += (states.empty() ? "" : ",") + std::to_string(static_cast<int>(s));
        if (!states.empty()) where += " AND state IN (" + states + ")";
        if (f.purposes) {
            if (f.purposes->empty()) where += " AND 1 = 0";
            else {
                std::string marks;
                for (const auto& p : *f.purposes) {
                    marks += marks.empty() ? "?" : ", ?";
                    order.emplace_back(true, texts.size());
                    texts.push_back(p);
                }
                where += " AND purpose IN (" + marks + ")";
            }
        }
        long long n = 0;
        Status st = read(
            "SELECT COUNT(*) FROM transfers" + where,
            [&](Statement& s) {
                for (auto [is_text, i] : order) {
                    if (is_text) s, use(texts[i]);
                    else s, use(numbers[i]);
                }
            },
            [&](const Row& row) { n = row.i64(0); });
        if (!st) return st.error();
        return n;
    }
    // --- webbench: end

    Status addConsent(const Consent& c, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("toestemming opslaan", [&]() -> Status {
            auto ev = cipher_->sealField("consent:" + c.id, c.evidence);
            if (!ev) return ev.error();
            std::string id = c.id, pupil = c.pupil, purpose = c.purpose, by = c.given_by,
                        rel = c.relation, dec = c.decision, on = c.decided_on, method = c.method,
                        evidence = b64(*ev), from = c.valid_from, until = c.valid_until,
                        rec = c.recorded_by;
            Poco::Int64 at = toMillis(now_ts);
            sql("INSERT INTO consents (id, pupil, purpose, given_by, relation, decision,"
                        " decided_on, method, evidence, valid_from, valid_until, recorded_by,"
                        " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                use(id), use(pupil), use(purpose), use(by), use(rel), use(dec), use(on), use(method),
                use(evidence), use(from), use(until), use(rec), use(at), now;
            SLUIS_RETURN_IF_ERROR(macRow("consents", c.id));
            nlohmann::json details = {{"consent_id", c.id}, {"subject", c.pupil}, {"given_by", c.given_by}};
            if (c.evidence_file) {
                const EvidenceFile& f = *c.evidence_file;
                auto name = cipher_->sealField("consent-file-name:" + c.id, f.filename);
                if (!name) return name.error();
                auto data = cipher_->sealField("consent-file:" + c.id, f.bytes);
                if (!data) return data.error();
                std::string fname = b64(*name), ctype = f.content_type, sha = util::sha256Hex(f.bytes),
                            blob = b64(*data);
                Poco::Int64 size = static_cast<Poco::Int64>(f.bytes.size());
                sql("INSERT INTO consent_evidence (consent_id, filename, content_type, size, sha256, data)"
                            " VALUES (?, ?, ?, ?, ?, ?)"),
                    use(id), use(fname), use(ctype), use(size), use(sha), use(blob), now;
                details["evidence_file"] = {{"sha256", sha}, {"size", size}, {"content_type", ctype}};
            }
            return insertAudit({c.recorded_by, c.decision == "gegeven" ? "consent_given" : "consent_refused",
                                "", c.purpose, details},
                               now_ts);
        });
    }

    Result<Consent> getConsent(const std::string& id) override {
        auto list = queryConsents("id = ?", id, "");
        if (!list) return list.error();
        if (list->empty()) return Error{ErrorCode::kNotFound, "toestemming " + id + " bestaat niet"};
        return list->front();
    }

    Result<std::vector<Consent>> consents(const std::string& pupil, const std::string& purpose) override {
        return queryConsents("pupil = ? AND (? = '' OR purpose = ?)", pupil, purpose);
    }

    Status withdrawConsent(const std::string& id, const std::string& actor,
                           const std::vector<PlannedTransition>& stop, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("toestemming intrekken", [&]() -> Status {
            std::string cid = id, a = actor;
            Poco::Int64 at = toMillis(now_ts);
            Statement up(session_);
            up << q("UPDATE consents SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ? AND withdrawn_at IS NULL"),
                use(at), use(a), use(cid);
            if (up.execute() != 1)
                return Status(ErrorCode::kConflict, "toestemming " + id + " bestaat niet of is al ingetrokken");
            SLUIS_RETURN_IF_ERROR(macRow("consents", id));
            SLUIS_RETURN_IF_ERROR(insertAudit({actor, "consent_withdrawn", "", "", {{"consent_id", id}}}, now_ts));
            for (const auto& p : stop) {
                if (!transfer::canTransition(p.from, p.to))
                    return Status(ErrorCode::kConflict, "overdracht " + p.id + " kan niet worden gestopt");
                int to = static_cast<int>(p.to), from = static_cast<int>(p.from);
                std::string tid = p.id;
                Statement st(session_);
                st << q("UPDATE transfers SET state = ?, updated_at = ? WHERE id = ? AND state = ?"),
                    use(to), use(at), use(tid), use(from);
                if (st.execute() != 1)
                    return Status(ErrorCode::kConflict, "overdracht " + p.id + " is intussen veranderd; probeer opnieuw");
                SLUIS_RETURN_IF_ERROR(insertHistory(p.id, p.from, p.to, now_ts, actor, "toestemming ingetrokken"));
                SLUIS_RETURN_IF_ERROR(insertAudit({actor, "withdrawn", p.id, "",
                                                   {{"consent_id", id}, {"from", transfer::stateName(p.from)},
                                                    {"to", transfer::stateName(p.to)}}},
                                                  now_ts));
            }
            return {};
        });
    }

    Status addInzage(const Inzage& i, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("inzage opslaan", [&]() -> Status {
            auto view = cipher_->sealField("inzage:" + i.id, i.redennietakkoord);
            if (!view) return view.error();
            std::string id = i.id, pupil = i.pupil, purpose = i.purpose, date = i.inzagedatum,
                        akkoord = i.akkoord, reden = b64(*view), rec = i.recorded_by;
            Poco::Int64 at = toMillis(now_ts);
            sql("INSERT INTO inzage (id, pupil, purpose, inzagedatum, akkoord, redennietakkoord,"
                        " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                use(id), use(pupil), use(purpose), use(date), use(akkoord), use(reden), use(rec), use(at), now;
            SLUIS_RETURN_IF_ERROR(macRow("inzage", i.id));
            return insertAudit({i.recorded_by, "inzage_recorded", "", i.purpose,
                                {{"inzage_id", i.id}, {"subject", i.pupil}, {"akkoord", i.akkoord}}},
                               now_ts);
        });
    }

    Result<std::optional<Inzage>> latestInzage(const std::string& pupil, const std::string& purpose) override {
        std::optional<Inzage> out;
        std::string p = pupil, pu = purpose;
        Status st = read(
            "SELECT id, pupil, purpose, inzagedatum, akkoord, redennietakkoord, recorded_by,"
            " recorded_at, mac FROM inzage WHERE pupil = ? AND purpose = ? ORDER BY recorded_at DESC,"
            " rowid DESC",
            [&](Statement& s) { s, use(p), use(pu); },
            [&](const Row& row) -> Status {
                // The newest row that Sluis wrote; one added or changed outside Sluis does not count.
                if (out || !rowAuthentic("inzage", row, 0, 8, row.str(0))) return {};
                Inzage i;
                i.id = row.str(0);
                i.pupil = row.str(1);
                i.purpose = row.str(2);
                i.inzagedatum = row.str(3);
                i.akkoord = row.str(4);
                auto view = cipher_->openField("inzage:" + i.id, unb64(row.str(5)));
                if (!view) return view.error();
                i.redennietakkoord = *view;
                i.recorded_by = row.str(6);
                i.recorded_at = row.time(7);
                out = std::move(i);
                return {};
            });
        if (!st) return st.error();
        return out;
    }

    Status recordPreview(const std::string& transfer_id, const std::string& viewer,
                         const std::string& payload_hash, const AuditEvent& event, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("preview vastleggen", [&]() -> Status {
            std::string t = transfer_id, v = viewer, h = payload_hash;
            Poco::Int64 at = toMillis(now_ts);
            sql("INSERT INTO previews (transfer_id, viewer, payload_hash, at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING"),
                use(t), use(v), use(h), use(at), now;
            return insertAudit(event, now_ts);
        });
    }

    Result<bool> hasPreviewed(const std::string& transfer_id, const std::string& viewer,
                              const std::string& payload_hash) override {
        std::lock_guard<std::mutex> lock(mu_);
        int n = 0;
        Status st = guard("lezen", [&]() -> Status {
            std::string t = transfer_id, v = viewer, h = payload_hash;
            sql("SELECT COUNT(*) FROM previews WHERE transfer_id = ? AND viewer = ? AND payload_hash = ?"),
                use(t), use(v), use(h), into(n), now;
            return {};
        });
        if (!st) return st.error();
        return n > 0;
    }

    Status addApproval(const Approval& a, const std::string& purpose, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("goedkeuring opslaan", [&]() -> Status {
            std::string t = a.transfer_id, who = a.approver, role = a.role, h = a.payload_hash,
                        d = a.decision, r = a.reason;
            Poco::Int64 at = toMillis(now_ts);
            std::string mac = rowMac("approvals", {t, who, role, h, d, r, std::to_string(at)});
            sql("INSERT INTO approvals (transfer_id, approver, role, payload_hash, decision, reason, at, mac)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
                use(t), use(who), use(role), use(h), use(d), use(r), use(at), use(mac), now;
            return insertAudit({a.approver, a.decision == "approved" ? "approved" : "rejected", a.transfer_id,
                                purpose, {{"role", a.role}, {"payload_hash", a.payload_hash}}},
                               now_ts);
        });
    }

    Result<std::vector<Approval>> approvals(const std::string& transfer_id) override {
        std::vector<Approval> out;
        std::string t = transfer_id;
        Status st = read(
            "SELECT seq, transfer_id, approver, role, payload_hash, decision, reason, at, mac"
            " FROM approvals WHERE transfer_id = ? ORDER BY seq",
            [&](Statement& s) { s, use(t); },
            [&](const Row& row) {
                // A row added or changed outside Sluis is no approval.
                if (!rowAuthentic("approvals", row, 1, 8, row.str(0))) return;
                Approval a;
                a.seq = row.i64(0);
                a.transfer_id = row.str(1);
                a.approver = row.str(2);
                a.role = row.str(3);
                a.payload_hash = row.str(4);
                a.decision = row.str(5);
                a.reason = row.str(6);
                a.at = row.time(7);
                out.push_back(std::move(a));
            });
        if (!st) return st.error();
        return out;
    }

    Result<EvidenceFile> consentEvidence(const std::string& consent_id) override {
        auto list = queryConsents("id = ?", consent_id, "");
        if (!list) return list.error();
        if (list->empty()) return Error{ErrorCode::kNotFound, "toestemming " + consent_id + " bestaat niet"};
        if (!list->front().evidence_file)
            return Error{ErrorCode::kNotFound, "bij toestemming " + consent_id + " is geen bewijsstuk opgeslagen"};
        EvidenceFile f = *list->front().evidence_file;
        std::lock_guard<std::mutex> lock(mu_);
        NullStr data;
        Status st = guard("lezen", [&]() -> Status {
            SLUIS_RETURN_IF_ERROR(syncKeys());
            std::string id = consent_id;
            sql("SELECT data FROM consent_evidence WHERE consent_id = ?"), use(id), into(data), now;
            return {};
        });
        if (!st) return st.error();
        if (data.isNull()) return Error{ErrorCode::kNotFound, "bewijsstuk van " + consent_id + " ontbreekt"};
        auto bytes = cipher_->openField("consent-file:" + consent_id, unb64(data.value()));
        if (!bytes) return bytes.error();
        if (util::sha256Hex(*bytes) != f.sha256)
            return Error{ErrorCode::kCrypto, "bewijsstuk van " + consent_id + " komt niet overeen met zijn hash"};
        f.bytes = std::move(*bytes);
        return f;
    }

    Status addBatch(const Batch& b, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("batch opslaan", [&]() -> Status {
            nlohmann::json items = nlohmann::json::array();
            for (const auto& i : b.items) items.push_back({{"transfer_id", i.transfer_id}, {"payload_hash", i.payload_hash}});
            std::string id = b.id, name = b.name, purpose = b.purpose, by = b.prepared_by, it = items.dump(),
                        status = "prepared";
            Poco::Int64 at = toMillis(now_ts);
            sql("INSERT INTO batches (id, name, purpose, prepared_by, prepared_at, items, status)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)"),
                use(id), use(name), use(purpose), use(by), use(at), use(it), use(status), now;
            nlohmann::json ids = nlohmann::json::array();
            for (const auto& i : b.items) ids.push_back(i.transfer_id);
            return insertAudit({b.prepared_by, "batch_prepared", "", b.purpose, {{"batch_id", b.id}, {"transfers", ids}}},
                               now_ts);
        });
    }

    Result<Batch> getBatch(const std::string& id) override {
        auto list = queryBatches("WHERE id = ?", id, 1);
        if (!list) return list.error();
        if (list->empty()) return Error{ErrorCode::kNotFound, "batch " + id + " bestaat niet"};
        return list->front();
    }

    Result<std::vector<Batch>> batches(size_t limit) override { return queryBatches("", "", limit); }

    Status closeBatch(const std::string& id, const std::string& status, const std::string& actor,
                      const nlohmann::json& outcome, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("batch afsluiten", [&]() -> Status {
            std::string bid = id, st = status, by = actor, out = outcome.dump();
            Poco::Int64 at = toMillis(now_ts);
            Statement up(session_);
            up << q("UPDATE batches SET status = ?, decided_by = ?, decided_at = ?, outcome = ?"
                  " WHERE id = ? AND status = 'prepared'"),
                use(st), use(by), use(at), use(out), use(bid);
            if (up.execute() != 1)
                return Status(ErrorCode::kConflict, "batch " + id + " bestaat niet of is al afgehandeld");
            return insertAudit({actor, "batch_decided", "", "", {{"batch_id", id}, {"status", status}, {"outcome", outcome}}},
                               now_ts);
        });
    }

    Status purgePayload(const std::string& id, const std::string& actor, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("verwijderen", [&]() -> Status {
            std::string tid = id;
            Poco::Int64 at = toMillis(now_ts);
            Statement up(session_);
            sql("DELETE FROM transfer_reports WHERE transfer_id = ?"), use(tid), now;
            up << q("UPDATE transfers SET data_key = NULL, canonical = NULL, payload = NULL, updated_at = ?"
                  " WHERE id = ? AND data_key IS NOT NULL"),
                use(at), use(tid);
            if (up.execute() != 1) return Status(ErrorCode::kNotFound, "niets te verwijderen voor " + id);
            return insertAudit({actor, "purged", id, "", {{"removed", {"payload", "canonical", "report", "data_key"}}}}, now_ts);
        });
    }

    Result<std::string> report(const std::string& id, const std::string& content_type) override {
        std::lock_guard<std::mutex> lock(mu_);
        NullStr dk, data;
        Status st = guard("lezen", [&]() -> Status {
            SLUIS_RETURN_IF_ERROR(syncKeys());
            std::string key = id, type = content_type;
            sql("SELECT data_key FROM transfers WHERE id = ?"), use(key), into(dk), now;
            sql("SELECT data FROM transfer_reports WHERE transfer_id = ? AND content_type = ?"), use(key),
                use(type), into(data), now;
            return {};
        });
        if (!st) return st.error();
        if (dk.isNull() || data.isNull())
            return Error{ErrorCode::kNotFound, "geen rapport (" + content_type + ") voor overdracht " + id};
        return cipher_->decrypt(unb64(dk.value()), id, reportColumn(content_type), unb64(data.value()));
    }

    Result<ProcedureRecord> procedure(const std::string& transfer_id) override {
        ProcedureRecord out;
        out.transfer_id = transfer_id;
        std::string t = transfer_id;
        Status st = read(
            "SELECT answers, answered_by, answered_at, saved_by, saved_at, saved_hash, saved_deliver_at"
            " FROM procedures WHERE transfer_id = ?",
            [&](Statement& s) { s, use(t); },
            [&](const Row& row) -> Status {
                auto answers = row.object(0, "procedures", "answers", transfer_id);
                if (!answers) return answers.status();
                out.answers = std::move(*answers);
                out.answered_by = row.str(1);
                out.answered_at = row.optTime(2);
                out.saved_by = row.str(3);
                out.saved_at = row.optTime(4);
                out.saved_hash = row.str(5);
                out.saved_deliver_at = row.optTime(6);
                return {};
            });
        if (!st) return st.error();
        return out;
    }

    Status saveProcedureAnswers(const std::string& transfer_id, const nlohmann::json& answers, const std::string& actor,
                                const std::string& purpose, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("antwoorden opslaan", [&]() -> Status {
            std::string t = transfer_id, a = answers.dump(), by = actor;
            Poco::Int64 at = toMillis(now_ts);
            sql("INSERT INTO procedures (transfer_id, answers, answered_by, answered_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (transfer_id) DO UPDATE SET answers = excluded.answers,"
                        " answered_by = excluded.answered_by, answered_at = excluded.answered_at,"
                        " saved_at = CASE WHEN procedures.answers = excluded.answers THEN procedures.saved_at END"),
                use(t), use(a), use(by), use(at), now;
            nlohmann::json keys = nlohmann::json::array();
            for (auto& [k, v] : answers.items()) keys.push_back(k);
            return insertAudit({actor, "procedure_answered", transfer_id, purpose, {{"questions", keys}}}, now_ts);
        });
    }

    Status saveProcedure(const std::string& transfer_id, const std::string& actor, const std::string& payload_hash,
                         std::optional<Timestamp> deliver_at, const std::string& purpose,
                         const std::optional<Notification>& notice, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("levering opslaan", [&]() -> Status {
            std::string t = transfer_id, by = actor, h = payload_hash;
            Poco::Int64 at = toMillis(now_ts);
            NullInt d = nullable(deliver_at);
            sql("INSERT INTO procedures (transfer_id, saved_by, saved_at, saved_hash, saved_deliver_at)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (transfer_id) DO UPDATE SET"
                        " saved_by = excluded.saved_by, saved_at = excluded.saved_at,"
                        " saved_hash = excluded.saved_hash, saved_deliver_at = excluded.saved_deliver_at"),
                use(t), use(by), use(at), use(h), use(d), now;
            if (notice) SLUIS_RETURN_IF_ERROR(insertNotification(*notice, now_ts));
            return insertAudit({actor, "procedure_saved", transfer_id, purpose,
                                {{"payload_hash", payload_hash},
                                 {"deliver_at", deliver_at ? nlohmann::json(formatIso(*deliver_at)) : nlohmann::json()}}},
                               now_ts);
        });
    }

    Status addNotification(const Notification& n, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("melding opslaan", [&]() -> Status { return insertNotification(n, now_ts); });
    }

    Result<std::vector<Notification>> dueNotifications(Timestamp now_ts, size_t max) override {
        Poco::Int64 at = toMillis(now_ts);
        return queryNotifications("WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?"
                                  " ORDER BY id LIMIT ?",
                                  at, static_cast<Poco::Int64>(max), "");
    }

    Result<std::vector<Notification>> notifications(const std::string& transfer_id) override {
        return queryNotifications("WHERE transfer_id = ? ORDER BY id", 0, 0, transfer_id);
    }

    Result<std::vector<Notification>> claimNotifications(const Claim& claim, Timestamp now_ts,
                                                         size_t max) override {
        std::vector<long long> ids;
        {
            std::lock_guard<std::mutex> lock(mu_);
            Status st = txn(
                "meldingen claimen",
                [&]() -> Status {
                    Poco::Int64 at = toMillis(now_ts), until = toMillis(claim.until),
                                limit = static_cast<Poco::Int64>(max);
                    std::string owner = claim.owner;
                    SLUIS_RETURN_IF_ERROR(eachRow(
                        "SELECT id FROM notifications WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL"
                        " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ? OR claimed_by = ?)"
                        " ORDER BY id LIMIT ?" + dialect_->skipLocked(),
                        [&](Statement& s) { s, use(at), use(at), use(owner), use(limit); },
                        [&](const Row& row) { ids.push_back(row.i64(0)); }));
                    for (long long id : ids) {
                        Poco::Int64 nid = id;
                        sql("UPDATE notifications SET claimed_by = ?, lease_until = ? WHERE id = ?"), use(owner),
                            use(until), use(nid), now;
                    }
                    return {};
                },
                /*chain=*/false);
            if (!st) return st.error();
        }
        std::vector<Notification> out;
        for (long long id : ids) {
            auto one = queryNotifications("WHERE id = ? AND 0 = ?", id, 0, "");
            if (!one) return one.error();
            for (auto& n : *one) out.push_back(std::move(n));
        }
        return out;
    }

    Status notificationAttempt(long long id, bool sent, const std::string& error, std::optional<Timestamp> next_attempt,
                               Timestamp now_ts, const std::string& owner) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("melding bijwerken", [&]() -> Status {
            Poco::Int64 nid = id, at = toMillis(now_ts);
            NullInt sent_at = sent ? NullInt(at) : NullInt();
            NullInt next = sent ? NullInt() : nullable(next_attempt);
            std::string err = error, o = owner;
            Statement up = sql("UPDATE notifications SET attempts = attempts + 1, sent_at = ?, next_attempt_at = ?,"
                               " last_error = ?, claimed_by = '', lease_until = NULL WHERE id = ?" +
                               std::string(owner.empty() ? "" : " AND claimed_by = ? AND sent_at IS NULL"));
            up, use(sent_at), use(next), use(err), use(nid);
            if (!owner.empty()) up, use(o);
            if (up.execute() != 1)
                return Status(ErrorCode::kConflict, "melding " + std::to_string(id) +
                                                        (owner.empty() ? " bestaat niet"
                                                                       : " is niet (meer) geclaimd door " + owner));
            std::string event = sent ? "notification_sent" : (next_attempt ? "notification_failed" : "notification_given_up");
            return insertAudit({"sluis", event, "", "", {{"notification_id", id}}}, now_ts);
        });
    }

    Result<std::optional<Timestamp>> lastScheduleRun(const std::string& route) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::optional<Timestamp> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string r = route;
            NullInt last;
            sql("SELECT MAX(due_at) FROM schedule_runs WHERE route = ?"), use(r), into(last), now;
            if (!last.isNull()) out = fromMillis(last.value());
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Status claimScheduleRun(const std::string& route, Timestamp due, const std::string& outcome,
                            Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("planning vastleggen", [&]() -> Status {
            std::string r = route, o = outcome;
            Poco::Int64 d = toMillis(due), at = toMillis(now_ts);
            // Exactly once, also with two daemons at the same instant: the primary key decides.
            Statement ins = sql("INSERT INTO schedule_runs (route, due_at, outcome, at) VALUES (?, ?, ?, ?)"
                                " ON CONFLICT DO NOTHING");
            ins, use(r), use(d), use(o), use(at);
            if (ins.execute() != 1)
                return Status(ErrorCode::kAlreadyExists, "planning van route " + route + " voor " + formatIso(due) +
                                                             " is al uitgevoerd");
            return insertAudit({"planner", "schedule_" + outcome, "", "",
                                {{"route", route}, {"due_at", formatIso(due)}}},
                               now_ts);
        });
    }

    Status addToken(const ApiToken& t) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("token opslaan", [&]() -> Status {
            std::string id = t.id, name = t.name, role = t.role, hash = t.token_hash;
            Poco::Int64 at = toMillis(t.created_at);
            NullInt expires = nullable(t.expires_at);
            sql("INSERT INTO api_tokens (id, name, role, token_hash, created_at, expires_at)"
                        " VALUES (?, ?, ?, ?, ?, ?)"),
                use(id), use(name), use(role), use(hash), use(at), use(expires), now;
            return {};
        });
    }

    Result<std::optional<ApiToken>> findToken(const std::string& token_hash) override {
        std::optional<ApiToken> out;
        std::string hash = token_hash;
        Status st = read(
            "SELECT id, name, role, created_at, expires_at FROM api_tokens"
            " WHERE token_hash = ? AND revoked = 0",
            [&](Statement& s) { s, use(hash); },
            [&](const Row& row) {
                ApiToken t;
                t.id = row.str(0);
                t.name = row.str(1);
                t.role = row.str(2);
                t.created_at = row.time(3);
                t.expires_at = row.optTime(4);
                t.token_hash = hash;
                out = t;
            });
        if (!st) return st.error();
        return out;
    }

    Result<std::vector<ApiToken>> listTokens() override {
        std::vector<ApiToken> out;
        Status st = read(
            "SELECT id, name, role, created_at, expires_at, revoked, revoked_at, token_hash"
            " FROM api_tokens ORDER BY created_at DESC, id",
            [](Statement&) {},
            [&](const Row& row) {
                ApiToken t;
                t.id = row.str(0);
                t.name = row.str(1);
                t.role = row.str(2);
                t.created_at = row.time(3);
                t.expires_at = row.optTime(4);
                t.revoked = row.i32(5) != 0;
                t.revoked_at = row.optTime(6);
                t.token_hash = row.str(7);
                out.push_back(std::move(t));
            });
        if (!st) return st.error();
        return out;
    }

    Status revokeToken(const std::string& id, const std::string& actor, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("token intrekken", [&]() -> Status {
            std::string token_id = id;
            int revoked = 0;
            Poco::Nullable<int> found;
            sql("SELECT revoked FROM api_tokens WHERE id = ?"), use(token_id), into(found), now;
            if (found.isNull())
                return Error{ErrorCode::kNotFound, "token " + id + " bestaat niet"};
            revoked = found.value();
            if (revoked != 0)
                return Error{ErrorCode::kConflict, "token " + id + " is al ingetrokken"};
            Poco::Int64 at = toMillis(now_ts);
            sql("UPDATE api_tokens SET revoked = 1, revoked_at = ? WHERE id = ?"), use(at), use(token_id),
                now;
            return insertAudit({actor, "token_revoked", "", "", {{"token_id", id}}}, now_ts);
        });
    }

    Status addAccount(const Account& a, const std::string& actor, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("account opslaan", [&]() -> Status {
            std::string name = a.name, role = a.role, hash = a.password_hash;
            Poco::Nullable<std::string> existing;
            sql("SELECT name FROM web_accounts WHERE name = ?"), use(name), into(existing), now;
            if (!existing.isNull())
                return Error{ErrorCode::kConflict, "account '" + a.name + "' bestaat al"};
            auto sealed = cipher_->sealField("web-account-totp:" + a.name, a.totp_secret);
            if (!sealed) return sealed.error();
            std::string secret = b64(*sealed);
            Poco::Int64 at = toMillis(now_ts);
            sql("INSERT INTO web_accounts (name, role, password_hash, totp_secret, created_at)"
                " VALUES (?, ?, ?, ?, ?)"),
                use(name), use(role), use(hash), use(secret), use(at), now;
            return insertAudit({actor, "account_added", "", "", {{"account", a.name}, {"role", a.role}}},
                               now_ts);
        });
    }

    Result<std::optional<Account>> findAccount(const std::string& name) override {
        std::optional<Account> out;
        std::string n = name;
        Status st = read(
            "SELECT name, role, password_hash, totp_secret, failed_logins, locked_until,"
            " last_totp_step, created_at, last_login FROM web_accounts WHERE name = ?",
            [&](Statement& s) { s, use(n); },
            [&](const Row& row) -> Status {
                Account a;
                a.name = row.str(0);
                a.role = row.str(1);
                a.password_hash = row.str(2);
                auto secret = cipher_->openField("web-account-totp:" + a.name, unb64(row.str(3)));
                if (!secret) return secret.error();
                a.totp_secret = *secret;
                a.failed_logins = row.i32(4);
                a.locked_until = row.optTime(5);
                a.last_totp_step = row.i64(6);
                a.created_at = row.time(7);
                a.last_login = row.optTime(8);
                out = std::move(a);
                return {};
            });
        if (!st) return st.error();
        return out;
    }

    Result<std::vector<Account>> listAccounts() override {
        std::vector<Account> out;
        Status st = read(
            "SELECT name, role, failed_logins, locked_until, created_at, last_login"
            " FROM web_accounts ORDER BY name",
            [](Statement&) {},
            [&](const Row& row) {
                Account a;  // no hash, no secret: a list never needs them
                a.name = row.str(0);
                a.role = row.str(1);
                a.failed_logins = row.i32(2);
                a.locked_until = row.optTime(3);
                a.created_at = row.time(4);
                a.last_login = row.optTime(5);
                out.push_back(std::move(a));
            });
        if (!st) return st.error();
        return out;
    }

    Status removeAccount(const std::string& name, const std::string& actor, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("account verwijderen", [&]() -> Status {
            std::string n = name;
            Poco::Nullable<std::string> existing;
            sql("SELECT name FROM web_accounts WHERE name = ?"), use(n), into(existing), now;
            if (existing.isNull())
                return Error{ErrorCode::kNotFound, "account '" + name + "' bestaat niet"};
            sql("DELETE FROM web_accounts WHERE name = ?"), use(n), now;
            return insertAudit({actor, "account_removed", "", "", {{"account", name}}}, now_ts);
        });
    }

    Status resetTotp(const std::string& name, const std::string& secret, const std::string& actor,
                     Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("tweede factor vervangen", [&]() -> Status {
            std::string n = name;
            Poco::Nullable<std::string> existing;
            sql("SELECT name FROM web_accounts WHERE name = ?"), use(n), into(existing), now;
            if (existing.isNull())
                return Error{ErrorCode::kNotFound, "account '" + name + "' bestaat niet"};
            auto sealed = cipher_->sealField("web-account-totp:" + name, secret);
            if (!sealed) return sealed.error();
            std::string value = b64(*sealed);
            sql("UPDATE web_accounts SET totp_secret = ?, last_totp_step = 0, failed_logins = 0,"
                " locked_until = NULL WHERE name = ?"),
                use(value), use(n), now;
            return insertAudit({actor, "account_totp_reset", "", "", {{"account", name}}}, now_ts);
        });
    }

    Status recordLogin(const std::string& name, const LoginUpdate& u, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("aanmelding vastleggen", [&]() -> Status {
            std::string n = name;
            int failed = u.failed_logins;
            NullInt locked = nullable(u.locked_until);
            Poco::Int64 step = u.last_totp_step;
            if (u.success) {
                Poco::Int64 at = toMillis(now_ts);
                sql("UPDATE web_accounts SET failed_logins = 0, locked_until = NULL,"
                    " last_totp_step = ?, last_login = ? WHERE name = ?"),
                    use(step), use(at), use(n), now;
                return insertAudit({name, "web_login", "", "", {{"account", name}}}, now_ts);
            }
            sql("UPDATE web_accounts SET failed_logins = ?, locked_until = ? WHERE name = ?"),
                use(failed), use(locked), use(n), now;
            if (u.locked_now)
                return insertAudit({name, "account_locked", "", "",
                                    {{"account", name}, {"failed_logins", failed}}},
                                   now_ts);
            return {};
        }, /*chain=*/u.success || u.locked_now);
    }

private:
    /// Applies the missing schema versions; each in its own transaction when `per_version`
    /// (otherwise the caller holds one around all of them).
    Status migrate(bool per_version) {
        sql("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
            " applied_at INTEGER NOT NULL)",
            true),
            now;
        int current = 0;
        sql("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"), into(current), now;
        const auto& all = migrations();
        if (current > static_cast<int>(all.size()))
            return Status(ErrorCode::kStorage,
                          "database heeft schemaversie " + std::to_string(current) +
                              ", deze Sluis kent tot " + std::to_string(all.size()) +
                              ": gebruik een nieuwere Sluis");
        for (size_t v = static_cast<size_t>(current); v < all.size(); ++v) {
            if (per_version) session_.begin();
            try {
                for (const auto& ddl : all[v]) sql(ddl, true), now;
                for (const auto& ddl : dialect_->schemaExtras(v + 1)) session_ << ddl, now;
                Poco::Int64 at = toMillis(SystemClock().now());
                int version = static_cast<int>(v + 1);
                sql("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
                    use(version), use(at), now;
                if (per_version) session_.commit();
            } catch (...) {
                if (per_version) session_.rollback();
                throw;
            }
        }
        return {};
    }

    /// `text` in this backend's spelling.
    std::string q(const std::string& text) const { return dialect_->statement(text); }

    /// A statement on the connection, in this backend's spelling (`schema`: a schema statement).
    Statement sql(const std::string& text, bool schema = false) {
        Statement stmt(session_);
        stmt << (schema ? dialect_->schema(text) : dialect_->statement(text));
        return stmt;
    }

    /// Takes a transaction-scoped lock where the backend needs one (inside a transaction).
    void lock(long long key) {
        std::string text = dialect_->transactionLock(key);
        if (text.empty()) return;
        int ignored = 0;
        session_ << text, into(ignored), now;
    }

    /// Runs a query and calls `each(row)` for every row (stops at the first error). `bind` adds
    /// the parameters to the statement; they must outlive this call. Caller holds the lock.
    template <typename Bind, typename Each>
    Status eachRow(const std::string& text, Bind&& bind, Each&& each) {
        Statement stmt = sql(text);
        bind(stmt);
        stmt.execute();
        RecordSet rs(stmt);
        for (size_t r = 0; r < rs.rowCount(); ++r) {
            Row row(rs, r);
            if constexpr (std::is_void_v<decltype(each(row))>) {
                each(row);
            } else {
                Status st = each(row);
                if (!st) return st;
            }
        }
        return {};
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

    template <typename F>
    Status guard(const char* what, F&& f) {
        try {
            return f();
        } catch (const Poco::Exception& e) {
            Status st(ErrorCode::kStorage, std::string("database-fout bij ") + what + ": " +
                                               e.displayText());
            reconnectIfLost();
            return st;
        } catch (const std::exception& e) {
            return Status(ErrorCode::kStorage, std::string("database-fout bij ") + what + ": " + e.what());
        }
    }

    /// After a lost connection (database server restarted, network gone) the call that noticed
    /// it has failed; connecting again here lets the next call work (the worker retries).
    void reconnectIfLost() {
        try {
            if (!dialect_->reconnect(session_)) return;  // not lost, or still unreachable
            for (const auto& s : dialect_->sessionSetup()) session_ << s, now;
        } catch (const Poco::Exception&) {
            // Lost again at once: the next failing call tries again.
        }
    }

    /// Runs `f` in a transaction; rolls back on error or exception. With `chain` (every
    /// transaction that may append to the audit log), the audit chain lock is taken first, before
    /// any row lock: appends stay one chain, and the lock order is the same everywhere (no
    /// deadlock between a row lock and the chain lock). Claims and leases take no chain lock.
    template <typename F>
    Status txn(const char* what, F&& f, bool chain = true) {
        return guard(what, [&]() -> Status {
            beginTxn();
            Status st;
            try {
                if (chain) lock(kAuditLock);
                // Never write with a key the store has rotated away from (sluis key rotate).
                st = syncKeys();
                if (st.isOk()) st = f();
            } catch (...) {
                rollbackTxn();
                throw;
            }
            if (st.isOk()) {
                commitTxn();
            } else {
                rollbackTxn();
            }
            return st;
        });
    }

    void beginTxn() {
        std::string begin = dialect_->beginWrite();
        if (begin.empty()) {
            session_.begin();
        } else {
            session_ << begin, now;
        }
    }
    void commitTxn() {
        if (dialect_->beginWrite().empty()) {
            session_.commit();
        } else {
            session_ << "COMMIT", now;
        }
    }
    void rollbackTxn() {
        if (dialect_->beginWrite().empty()) {
            session_.rollback();
            return;
        }
        try {
            session_ << "ROLLBACK", now;
        } catch (const Poco::Exception&) {
            // SQLite rolled back already (e.g. after SQLITE_FULL): nothing left to undo.
        }
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

    Status insertHistory(const std::string& id, std::optional<State> from, State to, Timestamp at_ts,
                         const std::string& actor, const std::string& reason) {
        std::string tid = id, a = actor, r = reason;
        Poco::Nullable<int> f = from ? Poco::Nullable<int>(static_cast<int>(*from)) : Poco::Nullable<int>();
        int t = static_cast<int>(to);
        Poco::Int64 at = toMillis(at_ts);
        std::string mac = rowMac("transfer_history",
                                 {tid, from ? std::optional<std::string>(std::to_string(static_cast<int>(*from)))
                                            : std::nullopt,
                                  std::to_string(t), std::to_string(at), a, r});
        sql("INSERT INTO transfer_history (transfer_id, from_state, to_state, at, actor, reason, mac)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)"),
            use(tid), use(f), use(t), use(at), use(a), use(r), use(mac), now;
        return {};
    }

    Status insertAudit(const AuditEvent& e, Timestamp at_ts) {
        // The chain is read and extended under one lock, so two daemons on one PostgreSQL
        // database cannot both append the same sequence number.
        lock(kAuditLock);
        Poco::Int64 seq = 0;
        std::string prev;
        SLUIS_RETURN_IF_ERROR(eachRow(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [](Statement&) {},
            [&](const Row& row) {
                seq = row.i64(0);
                prev = row.str(1);
            }));
        ++seq;
        std::string hash = auditChainHash(prev, seq, at_ts, e);
        Poco::Int64 at = toMillis(at_ts);
        std::string actor = e.actor, event = e.event, tid = e.transfer_id, purpose = e.purpose,
                    details = e.details.dump();
        sql("INSERT INTO audit (seq, at, actor, event, transfer_id, purpose, details,"
            " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
            use(seq), use(at), use(actor), use(event), use(tid), use(purpose), use(details),
            use(prev), use(hash), now;
        return {};
    }

    Result<std::vector<Consent>> queryConsents(const std::string& where, const std::string& a,
                                               const std::string& b) {
        std::vector<Consent> out;
        std::string x = a, y = b;
        Status st = read(
            "SELECT id, pupil, purpose, given_by, relation, decision, decided_on, method, evidence,"
            " valid_from, valid_until, recorded_by, recorded_at, withdrawn_at, withdrawn_by,"
            " e.filename, e.content_type, e.size, e.sha256, consents.mac"
            " FROM consents LEFT JOIN consent_evidence e ON e.consent_id = consents.id"
            " WHERE " + where + " ORDER BY recorded_at DESC, consents.rowid DESC",
            [&](Statement& s) {
                s, use(x);
                if (!b.empty() || where.find("purpose") != std::string::npos) s, use(y), use(y);
            },
            [&](const Row& row) -> Status {
                // A consent added or changed outside Sluis does not count.
                if (!rowAuthentic("consents", row, 0, 19, row.str(0))) return {};
                Consent c;
                c.id = row.str(0);
                c.pupil = row.str(1);
                c.purpose = row.str(2);
                c.given_by = row.str(3);
                c.relation = row.str(4);
                c.decision = row.str(5);
                c.decided_on = row.str(6);
                c.method = row.str(7);
                auto ev = cipher_->openField("consent:" + c.id, unb64(row.str(8)));
                if (!ev) return ev.error();
                c.evidence = *ev;
                c.valid_from = row.str(9);
                c.valid_until = row.str(10);
                c.recorded_by = row.str(11);
                c.recorded_at = row.time(12);
                c.withdrawn_at = row.optTime(13);
                c.withdrawn_by = row.str(14);
                if (!row.isNull(15)) {
                    EvidenceFile f;
                    auto name = cipher_->openField("consent-file-name:" + c.id, unb64(row.str(15)));
                    if (!name) return name.error();
                    f.filename = *name;
                    f.content_type = row.str(16);
                    f.size = row.i64(17);
                    f.sha256 = row.str(18);
                    c.evidence_file = std::move(f);
                }
                out.push_back(std::move(c));
                return {};
            });
        if (!st) return st.error();
        return out;
    }

    Status insertNotification(const Notification& n, Timestamp now_ts) {
        std::string kind = n.kind, tid = n.transfer_id, subject = n.subject, body = n.body,
                    to = nlohmann::json(n.to).dump();
        Poco::Int64 at = toMillis(now_ts);
        sql("INSERT INTO notifications (kind, transfer_id, recipients, subject, body, created_at,"
            " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
            use(kind), use(tid), use(to), use(subject), use(body), use(at), use(at), now;
        return insertAudit({"sluis", "notification_queued", n.transfer_id, "",
                            {{"kind", n.kind}, {"recipients", n.to.size()}}},
                           now_ts);
    }

    Result<std::vector<Notification>> queryNotifications(const std::string& tail, Poco::Int64 a,
                                                         Poco::Int64 b,
                                                         const std::string& transfer_id) {
        std::vector<Notification> out;
        Poco::Int64 x = a, y = b;
        std::string t = transfer_id;
        Status st = read(
            "SELECT id, kind, transfer_id, recipients, subject, body, created_at, attempts,"
            " next_attempt_at, sent_at, last_error FROM notifications " + tail,
            [&](Statement& s) {
                if (transfer_id.empty()) {
                    s, use(x), use(y);
                } else {
                    s, use(t);
                }
            },
            [&](const Row& row) {
                Notification n;
                n.id = row.i64(0);
                n.kind = row.str(1);
                n.transfer_id = row.str(2);
                auto to = nlohmann::json::parse(row.str(3), nullptr, false);
                if (to.is_array())
                    for (const auto& v : to)
                        if (v.is_string()) n.to.push_back(v.get<std::string>());
                n.subject = row.str(4);
                n.body = row.str(5);
                n.created_at = row.time(6);
                n.attempts = row.i32(7);
                n.next_attempt_at = row.optTime(8);
                n.sent_at = row.optTime(9);
                n.last_error = row.str(10);
                out.push_back(std::move(n));
            });
        if (!st) return st.error();
        return out;
    }

    Result<std::vector<Batch>> queryBatches(const std::string& where, const std::string& arg,
                                            size_t limit) {
        std::vector<Batch> out;
        std::string a = arg;
        Poco::Int64 lim = static_cast<Poco::Int64>(limit);
        Status st = read(
            "SELECT id, name, purpose, prepared_by, prepared_at, items, status, decided_by, decided_at"
            " FROM batches " + where + " ORDER BY prepared_at DESC, rowid DESC LIMIT ?",
            [&](Statement& s) {
                if (!where.empty()) s, use(a);
                s, use(lim);
            },
            [&](const Row& row) -> Status {
                Batch b;
                b.id = row.str(0);
                b.name = row.str(1);
                b.purpose = row.str(2);
                b.prepared_by = row.str(3);
                b.prepared_at = row.time(4);
                // Sluis writes a list of {transfer_id, payload_hash}; anything else was damaged
                // outside Sluis, and an empty batch must not be shown in its place.
                auto items = nlohmann::json::parse(row.str(5), nullptr, false);
                if (!items.is_array())
                    return damagedColumn("batches", "items", b.id, "geen geldige lijst");
                for (const auto& i : items) {
                    if (!i.is_object() || !i.contains("transfer_id") ||
                        !i["transfer_id"].is_string() || !i.contains("payload_hash") ||
                        !i["payload_hash"].is_string())
                        return damagedColumn("batches", "items", b.id, "geen geldige lijst");
                    b.items.push_back({i["transfer_id"].get<std::string>(),
                                       i["payload_hash"].get<std::string>()});
                }
                b.status = row.str(6);
                b.decided_by = row.str(7);
                b.decided_at = row.optTime(8);
                out.push_back(std::move(b));
                return {};
            });
        if (!st) return st.error();
        return out;
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

    Result<std::string> decryptColumn(const std::string& id, const std::string& column) {
        std::lock_guard<std::mutex> lock(mu_);
        NullStr dk, data;
        Status st = guard("lezen", [&]() -> Status {
            SLUIS_RETURN_IF_ERROR(syncKeys());
            std::string key = id;
            Statement stmt = sql("SELECT data_key, " + column + " FROM transfers WHERE id = ?");
            stmt, use(key), into(dk), into(data);
            if (stmt.execute() == 0)
                return Status(ErrorCode::kNotFound, "overdracht " + id + " bestaat niet");
            return {};
        });
        if (!st) return st.error();
        if (dk.isNull() || data.isNull())
            return Error{ErrorCode::kNotFound, "gegevens van overdracht " + id +
                                                   " zijn er niet (nog niet aangemaakt of verwijderd)"};
        return cipher_->decrypt(unb64(dk.value()), id, column, unb64(data.value()));
    }

    /// The column name a report blob is bound to (see PayloadCipher).
    static std::string reportColumn(const std::string& content_type) { return "report:" + content_type; }

    /// One-time migration: blobs written before blobs were bound to their column (version 1,
    /// bound to the transfer id only) are opened and sealed again as version 2. Until this has
    /// run, an old blob could be moved between a transfer's columns; after it, no version 1 blob
    /// is left and none is accepted. Batches of 200 rows keep memory flat on a large store.
    Status resealLegacyBlobs() {
        NullStr done;
        sql("SELECT value FROM meta WHERE key = 'blob_binding'"), into(done), now;
        if (!done.isNull() && done.value() == "2") return {};
        size_t resealed = 0;
        std::string after;
        for (;;) {
            std::vector<std::string> ids, keys;
            std::vector<NullStr> canon, payload;
            Status st = eachRow(
                "SELECT id, data_key, canonical, payload FROM transfers WHERE data_key IS NOT NULL"
                " AND id > ? ORDER BY id LIMIT 200",
                [&](Statement& s) { s, use(after); },
                [&](Row& row) {
                    ids.push_back(row.str(0));
                    keys.push_back(row.str(1));
                    canon.push_back(row.isNull(2) ? NullStr() : NullStr(row.str(2)));
                    payload.push_back(row.isNull(3) ? NullStr() : NullStr(row.str(3)));
                });
            if (!st) return st;
            if (ids.empty()) break;
            for (size_t i = 0; i < ids.size(); ++i) {
                std::string dk = unb64(keys[i]);
                auto reseal = [&](const NullStr& blob, const std::string& column,
                                  const std::string& update, const std::string* extra) -> Status {
                    if (blob.isNull()) return {};
                    std::string sealed = unb64(blob.value());
                    if (crypto::PayloadCipher::blobVersion(sealed) != 1) return {};
                    auto plain = cipher_->decryptLegacy(dk, ids[i], sealed);
                    if (!plain)
                        return Status(ErrorCode::kCrypto, "bijwerken van de versleuteling: kolom " + column +
                                                              " van overdracht " + ids[i] + ": " +
                                                              plain.error().message);
                    auto enc = cipher_->encrypt(dk, ids[i], column, *plain);
                    if (!enc) return enc.error();
                    std::string value = b64(*enc), id = ids[i];
                    if (extra) {
                        std::string type = *extra;
                        sql(update), use(value), use(id), use(type), now;
                    } else {
                        sql(update), use(value), use(id), now;
                    }
                    ++resealed;
                    return {};
                };
                SLUIS_RETURN_IF_ERROR(reseal(canon[i], "canonical",
                                             "UPDATE transfers SET canonical = ? WHERE id = ?", nullptr));
                SLUIS_RETURN_IF_ERROR(reseal(payload[i], "payload",
                                             "UPDATE transfers SET payload = ? WHERE id = ?", nullptr));
                std::vector<std::pair<std::string, std::string>> reports;
                std::string tid = ids[i];
                SLUIS_RETURN_IF_ERROR(eachRow(
                    "SELECT content_type, data FROM transfer_reports WHERE transfer_id = ?",
                    [&](Statement& s) { s, use(tid); },
                    [&](Row& row) {
                        reports.emplace_back(row.str(0), row.str(1));
                    }));
                for (const auto& [type, data] : reports)
                    SLUIS_RETURN_IF_ERROR(reseal(NullStr(data), reportColumn(type),
                                                 "UPDATE transfer_reports SET data = ? WHERE transfer_id = ?"
                                                 " AND content_type = ?",
                                                 &type));
            }
            after = ids.back();
        }
        if (done.isNull()) {
            sql("INSERT INTO meta (key, value) VALUES ('blob_binding', '2')"), now;
        } else {
            sql("UPDATE meta SET value = '2' WHERE key = 'blob_binding'"), now;
        }
        if (resealed > 0)
            log::info("store.blobs_resealed", {{"blobs", static_cast<long long>(resealed)}});
        return {};
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

    Status initAuditKeys() {
        auto hmac = sealedMetaKey("audit_hmac_key");
        if (!hmac) return hmac.error();
        auto seed = sealedMetaKey("audit_signing_key");
        if (!seed) return seed.error();
        auto pub = crypto::ed25519PublicKey(*seed);
        if (!pub) return pub.error();
        audit_key_ = *hmac;
        signing_seed_ = *seed;
        public_key_hex_ = util::toHex(*pub);
        SLUIS_RETURN_IF_ERROR(keyAuditChain());
        return sealRegisterRows();
    }

    /// One-time migration: the audit log written before the chain was keyed (plain SHA-256
    /// links) is re-linked with the keyed hash. The old chain is checked on the way; what that
    /// check found is kept in the log itself, in the `audit_chain_keyed` record that follows,
    /// so an earlier tampering is not laundered by the re-keying.
    Status keyAuditChain() {
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
        return insertAudit({"sluis", "audit_chain_keyed", "", "", details}, std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    }

    /// The keyed MAC of one register row (its covered columns as text, NULL as null).
    std::string rowMac(const std::string& table, const MacValues& values) const {
        nlohmann::json a = nlohmann::json::array({table});
        for (const auto& v : values) a.push_back(v ? nlohmann::json(*v) : nlohmann::json());
        return crypto::hmacSha256Hex(audit_key_, "sluis.row.v1|" + a.dump());
    }
    static MacValues rowValues(const Row& row, size_t first, size_t n) {
        MacValues out;
        for (size_t i = first; i < first + n; ++i)
            out.push_back(row.isNull(i) ? std::nullopt : std::optional<std::string>(row.str(i)));
        return out;
    }
    /// Whether columns [first, first + n) of `row` and the MAC in column `mac_col` belong together;
    /// logs the row (table and key, never values) when they do not.
    bool rowAuthentic(const std::string& table, const Row& row, size_t first, size_t mac_col,
                      const std::string& key) const {
        const auto& t = macTable(table);
        if (row.str(mac_col) == rowMac(table, rowValues(row, first, t.columns.size()))) return true;
        log::error("store.row_unauthentic", {{"table", table}, {t.key, key}, {"alert", true}});
        return false;
    }
    /// (Re)computes the MAC of the row of `table` whose key column is `key`, from what is stored.
    Status macRow(const std::string& table, const std::string& key) {
        const auto& t = macTable(table);
        std::string k = key, mac;
        bool found = false;
        SLUIS_RETURN_IF_ERROR(eachRow(
            "SELECT " + columnList(t) + " FROM " + t.table + " WHERE " + t.key + " = ?",
            [&](Statement& st) { st, use(k); },
            [&](const Row& row) {
                mac = rowMac(table, rowValues(row, 0, t.columns.size()));
                found = true;
            }));
        if (!found) return Status(ErrorCode::kNotFound, table + " " + key + " bestaat niet");
        sql("UPDATE " + std::string(t.table) + " SET mac = ? WHERE " + t.key + " = ?"), use(mac), use(k), now;
        return {};
    }
    /// One-time migration: register rows written before rows carried a MAC get one now (they are
    /// trusted as they are at this moment; the audit record `registers_sealed` says when).
    Status sealRegisterRows() {
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
        return insertAudit({"sluis", "registers_sealed", "", "", {{"rows", sealed}}},
                           std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
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
        return crypto::hmacSha256Hex(audit_key_, auditCanonical(prev_hash, seq, at, e));
    }

    std::string auditPublicKey() const override { return public_key_hex_; }

    Result<AuditCheckpoint> auditCheckpoint(Timestamp now_ts) override {
        AuditCheckpoint cp;
        Status st = read(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [](Statement&) {},
            [&](const Row& row) {
                cp.seq = row.i64(0);
                cp.hash = row.str(1);
            });
        if (!st) return st.error();
        cp.at = now_ts;
        cp.public_key = public_key_hex_;
        auto sig = crypto::ed25519Sign(signing_seed_, checkpointMessage(cp));
        if (!sig) return sig.error();
        cp.signature = util::toHex(*sig);
        return cp;
    }

    std::mutex mu_;
    Session session_;
    std::unique_ptr<Dialect> dialect_;
    std::string transfer_columns_;  ///< The SELECT list rowToTransfer reads, in this dialect.
    std::shared_ptr<const crypto::PayloadCipher> cipher_;
    std::string key_file_;  ///< sluis.key in the data dir (sluis.key.new beside it)
    crypto::Key audit_key_{};      ///< HMAC key of the audit chain
    crypto::Key signing_seed_{};   ///< Ed25519 seed for checkpoints
    std::string public_key_hex_;   ///< of signing_seed_
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

Result<AuditVerification> verifyAudit(TransferStore& store, const AuditAnchors& anchors) {
    AuditVerification v;
    long long after = 0;
    std::string prev;
    long long expected_seq = 1;
    // The checkpoints by the record they name; the hash found there is compared after the walk.
    std::map<long long, std::string> wanted;
    for (const auto& cp : anchors.checkpoints)
        if (cp.seq > 0) wanted[cp.seq];
    auto fail = [&](long long seq, const std::string& kind, const std::string& why) {
        v.ok = false;
        v.first_bad_seq = seq;
        v.kind = kind;
        v.problem = why;
        return v;
    };
    while (true) {
        auto page = store.auditLog(after, 1000);
        if (!page) return page.error();
        if (page->empty()) break;
        for (const auto& rec : *page) {
            ++v.records;
            if (rec.seq != expected_seq) {
                // Name the whole missing range, not just its first record.
                if (rec.seq == expected_seq + 1)
                    return fail(expected_seq, "missing",
                                "record " + std::to_string(expected_seq) + " ontbreekt (verwijderd?)");
                if (rec.seq < expected_seq)
                    return fail(rec.seq, "reordered",
                                "record " + std::to_string(rec.seq) + " staat niet op zijn plaats");
                return fail(expected_seq, "missing",
                            "records " + std::to_string(expected_seq) + ".." + std::to_string(rec.seq - 1) +
                                " ontbreken (verwijderd?)");
            }
            if (rec.prev_hash != prev)
                return fail(rec.seq, "reordered",
                            "record " + std::to_string(rec.seq) +
                                " verwijst niet naar het vorige record (volgorde gewijzigd of record vervangen)");
            if (rec.hash != store.auditChainHash(prev, rec.seq, rec.at, rec.event))
                return fail(rec.seq, "rewritten",
                            "record " + std::to_string(rec.seq) +
                                " is gewijzigd: de sleutelhash klopt niet (herschreven buiten Sluis?)");
            if (auto it = wanted.find(rec.seq); it != wanted.end()) it->second = rec.hash;
            prev = rec.hash;
            ++expected_seq;
            after = rec.seq;
        }
    }
    const long long last = expected_seq - 1;
    auto forged = store.unauthenticRows();
    if (!forged) return forged.error();
    if (!forged->empty())
        return fail(0, "register",
                    forged->front() + " is buiten Sluis toegevoegd of gewijzigd (sleutelhash klopt niet)" +
                        (forged->size() > 1 ? "; " + std::to_string(forged->size()) + " rijen in totaal" : ""));
    const std::string trusted = anchors.trusted_public_key.empty() ? store.auditPublicKey()
                                                                   : anchors.trusted_public_key;
    auto trusted_raw = util::fromHex(trusted);
    for (const auto& cp : anchors.checkpoints) {
        const std::string when = formatIso(cp.at);
        auto sig = util::fromHex(cp.signature);
        if (cp.public_key != trusted || !trusted_raw || !sig ||
            !crypto::ed25519Verify(*trusted_raw, checkpointMessage(cp), *sig))
            return fail(cp.seq, "checkpoint",
                        "checkpoint van " + when + " (record " + std::to_string(cp.seq) +
                            ") is niet geldig ondertekend met de vertrouwde sleutel");
        ++v.checkpoints_checked;
        if (cp.seq > last)
            return fail(last + 1, "truncated",
                        "records " + std::to_string(last + 1) + ".." + std::to_string(cp.seq) +
                            " ontbreken: het log eindigt bij record " + std::to_string(last) +
                            ", maar het checkpoint van " + when + " telde er " + std::to_string(cp.seq) +
                            " (ingekort?)");
        if (cp.seq > 0 && wanted[cp.seq] != cp.hash)
            return fail(cp.seq, "rewritten",
                        "record " + std::to_string(cp.seq) + " wijkt af van het checkpoint van " + when +
                            " (log herschreven)");
        v.last_checkpoint_seq = std::max(v.last_checkpoint_seq, cp.seq);
    }
    return v;
}

Result<std::unique_ptr<TransferStore>> openSqliteStore(const SqliteOptions& options) {
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
    SLUIS_RETURN_IF_ERROR(store->init(options.key_file));
    // Alone on this file: claims of an earlier daemon (crashed) are stale; a delivery it left
    // in delivering is redone at once, as it always was.
    if (options.exclusive) SLUIS_RETURN_IF_ERROR(store->releaseAllClaims());
    return std::unique_ptr<TransferStore>(std::move(store));
}

Result<std::unique_ptr<TransferStore>> openPostgresStore(const PostgresOptions& options) {
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
    Status st = store->init(options.key_file);
    if (!st) return Error{st.error().code, redact(st.error().message, options.password)};
    return std::unique_ptr<TransferStore>(std::move(store));
}

}  // namespace sluis::store

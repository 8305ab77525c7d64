#include "core/store/sql/migrations.h"

namespace sluis::store::sql {

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
            // Web sessions shared by every daemon on the store (issue 16): keyed by the SHA-256
            // of the cookie value, never the value; the pending OpenID Connect values sealed.
            "CREATE TABLE web_sessions ("
            " id_hash TEXT PRIMARY KEY, stage INTEGER NOT NULL, name TEXT NOT NULL,"
            " role TEXT NOT NULL, display TEXT NOT NULL, pending TEXT,"
            " created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL)",
            "CREATE INDEX web_sessions_name ON web_sessions (name)",
            "CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen)",
        },
        {
            // The Audit page's filters by transfer and by action, newest first, without walking
            // the whole log (issue 16's page budget).
            "CREATE INDEX audit_transfer ON audit (transfer_id, seq)",
            "CREATE INDEX audit_event ON audit (event, seq)",
        },
    };
    return m;
}

Status migrate(SqlSession& db, const Clock& clock, bool per_version) {
    db.sql("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
           " applied_at INTEGER NOT NULL)",
           true),
        now;
    int current = 0;
    db.sql("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"), into(current), now;
    const auto& all = migrations();
    if (current > static_cast<int>(all.size()))
        return Status(ErrorCode::kStorage, "database heeft schemaversie " + std::to_string(current) +
                                               ", deze Sluis kent tot " + std::to_string(all.size()) +
                                               ": gebruik een nieuwere Sluis");
    for (size_t v = static_cast<size_t>(current); v < all.size(); ++v) {
        if (per_version) db.session().begin();
        try {
            for (const auto& ddl : all[v]) db.sql(ddl, true), now;
            for (const auto& ddl : db.dialect().schemaExtras(v + 1)) db.session() << ddl, now;
            Poco::Int64 at = toMillis(clock.now());
            int version = static_cast<int>(v + 1);
            db.sql("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"), use(version), use(at), now;
            if (per_version) db.session().commit();
        } catch (...) {
            if (per_version) db.session().rollback();
            throw;
        }
    }
    return {};
}

}  // namespace sluis::store::sql

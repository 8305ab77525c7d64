#include "core/store/sql/audit_repository.h"

#include "core/crypto/signing.h"
#include "core/store/sql/rows.h"
#include "core/store/sql/where.h"

namespace sluis::store::sql {

Status AuditRepository::append(const AuditEvent& e, Timestamp at_ts) {
    w_.db().lock(kAuditLock);
    Poco::Int64 seq = 0;
    std::string prev;
    SLUIS_RETURN_IF_ERROR(w_.eachRow(
        "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [](Statement&) {},
        [&](const Row& row) {
            seq = row.i64(0);
            prev = row.str(1);
        }));
    ++seq;
    std::string hash = chainHash(w_.keys().audit_key, prev, seq, at_ts, e);
    Poco::Int64 at = toMillis(at_ts);
    std::string actor = e.actor, event = e.event, tid = e.transfer_id, purpose = e.purpose,
                details = e.details.dump();
    w_.sql("INSERT INTO audit (seq, at, actor, event, transfer_id, purpose, details,"
           " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        use(seq), use(at), use(actor), use(event), use(tid), use(purpose), use(details), use(prev), use(hash), now;
    return {};
}

Result<std::vector<AuditRecord>> AuditRepository::log(long long after_seq, size_t limit) {
    std::vector<AuditRecord> out;
    Poco::Int64 after = after_seq, lim = static_cast<Poco::Int64>(limit);
    Status st = w_.eachRow(
        std::string("SELECT ") + kAuditColumns + " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
        [&](Statement& s) { s, use(after), use(lim); }, [&](const Row& row) { out.push_back(auditRecord(row)); });
    if (!st) return st.error();
    return out;
}

Result<std::pair<long long, std::string>> AuditRepository::head() {
    std::pair<long long, std::string> out{0, ""};
    Status st = w_.eachRow("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [](Statement&) {},
                           [&](const Row& row) {
                               out.first = row.i64(0);
                               out.second = row.str(1);
                           });
    if (!st) return st.error();
    return out;
}

std::string AuditRepository::chainHash(const crypto::Key& audit_key, const std::string& prev_hash, long long seq,
                                       Timestamp at, const AuditEvent& e) {
    return crypto::hmacSha256Hex(audit_key, auditCanonical(prev_hash, seq, at, e));
}

// The audit log searched and paged in SQL (AuditSearch; the Audit page's budget). Only the
// active conditions are in the statement, so the audit indexes (migration 10) serve them; every
// value is bound, never spliced in.
Result<std::vector<AuditRecord>> AuditRepository::search(const AuditSearch& q) {
    Where where;
    // A LIKE pattern that matches `needle` literally anywhere.
    auto contains = [](const std::string& needle) {
        std::string p = "%";
        for (char ch : needle) {
            if (ch == '%' || ch == '_' || ch == '\\') p += '\\';
            p += ch;
        }
        return p + "%";
    };
    if (!q.transfer_id.empty()) where.text("transfer_id = ?", q.transfer_id);
    if (!q.event.empty()) where.text("event = ?", q.event);
    if (!q.actor.empty()) where.text("actor LIKE ? ESCAPE '\\'", contains(q.actor));
    if (q.from) where.number("at >= ?", toMillis(*q.from));
    if (q.until) where.number("at < ?", toMillis(*q.until));
    if (!q.subject.empty()) {
        // The pupil's transfers, or the id as a JSON string value in the details (as
        // insertAudit writes them: nlohmann's dump, so the quoted form appears literally).
        where.plain("(transfer_id IN (SELECT id FROM transfers WHERE subject = ?) OR details LIKE ? ESCAPE '\\')")
            .bindText(q.subject)
            .bindText(contains(nlohmann::json(q.subject).dump()));
    }
    if (q.newest_first) {
        if (q.before > 0) where.number("seq < ?", q.before);
    } else if (q.after > 0) {
        where.number("seq > ?", q.after);
    }
    Poco::Int64 limit = static_cast<Poco::Int64>(q.limit), offset = static_cast<Poco::Int64>(q.offset);
    std::vector<AuditRecord> out;
    Status st = w_.eachRow(std::string("SELECT ") + kAuditColumns + " FROM audit" + where.sql() + " ORDER BY seq" +
                               (q.newest_first ? " DESC" : "") + " LIMIT ? OFFSET ?",
                           [&](Statement& s) {
                               where.bind(s);
                               s, use(limit), use(offset);
                           },
                           [&](const Row& row) { out.push_back(auditRecord(row)); });
    if (!st) return st.error();
    return out;
}

}  // namespace sluis::store::sql

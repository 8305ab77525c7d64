#include "core/store/sql/audit_repository.h"

#include "core/crypto/signing.h"
#include "core/store/sql/rows.h"

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
    Status st = w_.eachRow(std::string("SELECT ") + kAuditColumns + " FROM audit" + where + " ORDER BY seq" +
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

}  // namespace sluis::store::sql

#include "core/store/sql/procedure_repository.h"

#include "core/store/sql/rows.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::store::sql {

Result<ProcedureRecord> ProcedureRepository::procedure(const std::string& transfer_id) {
    ProcedureRecord out;
    out.transfer_id = transfer_id;
    std::string t = transfer_id;
    Status st = w_.eachRow(
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

Status ProcedureRepository::saveProcedureAnswers(const std::string& transfer_id, const nlohmann::json& answers, const std::string& actor, const std::string& purpose, Timestamp now_ts) {
    std::string t = transfer_id, a = answers.dump(), by = actor;
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("INSERT INTO procedures (transfer_id, answers, answered_by, answered_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (transfer_id) DO UPDATE SET answers = excluded.answers,"
                " answered_by = excluded.answered_by, answered_at = excluded.answered_at,"
                " saved_at = CASE WHEN procedures.answers = excluded.answers THEN procedures.saved_at END"),
        use(t), use(a), use(by), use(at), now;
    nlohmann::json keys = nlohmann::json::array();
    for (auto& [k, v] : answers.items()) keys.push_back(k);
    return w_.appendAudit({actor, "procedure_answered", transfer_id, purpose, {{"questions", keys}}}, now_ts);
}

Status ProcedureRepository::saveProcedure(const std::string& transfer_id, const std::string& actor, const std::string& payload_hash, std::optional<Timestamp> deliver_at, const std::string& purpose, const std::optional<Notification>& notice, Timestamp now_ts) {
    std::string t = transfer_id, by = actor, h = payload_hash;
    Poco::Int64 at = toMillis(now_ts);
    NullInt d = nullable(deliver_at);
    w_.sql("INSERT INTO procedures (transfer_id, saved_by, saved_at, saved_hash, saved_deliver_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (transfer_id) DO UPDATE SET"
                " saved_by = excluded.saved_by, saved_at = excluded.saved_at,"
                " saved_hash = excluded.saved_hash, saved_deliver_at = excluded.saved_deliver_at"),
        use(t), use(by), use(at), use(h), use(d), now;
    if (notice) SLUIS_RETURN_IF_ERROR(insertNotification(*notice, now_ts));
    return w_.appendAudit({actor, "procedure_saved", transfer_id, purpose,
                        {{"payload_hash", payload_hash},
                         {"deliver_at", deliver_at ? nlohmann::json(formatIso(*deliver_at)) : nlohmann::json()}}},
                       now_ts);
}

Status ProcedureRepository::addNotification(const Notification& n, Timestamp now_ts) {
    return insertNotification(n, now_ts);
}

Result<std::vector<Notification>> ProcedureRepository::dueNotifications(Timestamp now_ts, size_t max) {
    Poco::Int64 at = toMillis(now_ts);
    return queryNotifications("WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?"
                              " ORDER BY id LIMIT ?",
                              at, static_cast<Poco::Int64>(max), "");
}

Result<std::vector<Notification>> ProcedureRepository::notifications(const std::string& transfer_id) {
    return queryNotifications("WHERE transfer_id = ? ORDER BY id", 0, 0, transfer_id);
}

Result<std::vector<long long>> ProcedureRepository::claimNotifications(const Claim& claim, Timestamp now_ts,
                                                                       size_t max) {
    std::vector<long long> ids;
    Poco::Int64 at = toMillis(now_ts), until = toMillis(claim.until), limit = static_cast<Poco::Int64>(max);
    std::string owner = claim.owner;
    SLUIS_RETURN_IF_ERROR(w_.eachRow(
        "SELECT id FROM notifications WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL"
        " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ? OR claimed_by = ?)"
        " ORDER BY id LIMIT ?" + w_.db().dialect().skipLocked(),
        [&](Statement& s) { s, use(at), use(at), use(owner), use(limit); },
        [&](const Row& row) { ids.push_back(row.i64(0)); }));
    for (long long id : ids) {
        Poco::Int64 nid = id;
        w_.sql("UPDATE notifications SET claimed_by = ?, lease_until = ? WHERE id = ?"), use(owner), use(until),
            use(nid), now;
    }
    return ids;
}

Result<std::vector<Notification>> ProcedureRepository::notificationsById(const std::vector<long long>& ids) {
    std::vector<Notification> out;
    for (long long id : ids) {
        auto one = queryNotifications("WHERE id = ? AND 0 = ?", id, 0, "");
        if (!one) return one.error();
        for (auto& n : *one) out.push_back(std::move(n));
    }
    return out;
}

Status ProcedureRepository::notificationAttempt(long long id, bool sent, const std::string& error, std::optional<Timestamp> next_attempt, Timestamp now_ts, const std::string& owner) {
    Poco::Int64 nid = id, at = toMillis(now_ts);
    NullInt sent_at = sent ? NullInt(at) : NullInt();
    NullInt next = sent ? NullInt() : nullable(next_attempt);
    std::string err = error, o = owner;
    Statement up = w_.sql("UPDATE notifications SET attempts = attempts + 1, sent_at = ?, next_attempt_at = ?,"
                       " last_error = ?, claimed_by = '', lease_until = NULL WHERE id = ?" +
                       std::string(owner.empty() ? "" : " AND claimed_by = ? AND sent_at IS NULL"));
    up, use(sent_at), use(next), use(err), use(nid);
    if (!owner.empty()) up, use(o);
    if (up.execute() != 1)
        return Status(ErrorCode::kConflict, "melding " + std::to_string(id) +
                                                (owner.empty() ? " bestaat niet"
                                                               : " is niet (meer) geclaimd door " + owner));
    std::string event = sent ? "notification_sent" : (next_attempt ? "notification_failed" : "notification_given_up");
    return w_.appendAudit({"sluis", event, "", "", {{"notification_id", id}}}, now_ts);
}

Status ProcedureRepository::insertNotification(const Notification& n, Timestamp now_ts) {
    std::string kind = n.kind, tid = n.transfer_id, subject = n.subject, body = n.body,
                to = nlohmann::json(n.to).dump();
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("INSERT INTO notifications (kind, transfer_id, recipients, subject, body, created_at,"
        " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        use(kind), use(tid), use(to), use(subject), use(body), use(at), use(at), now;
    return w_.appendAudit({"sluis", "notification_queued", n.transfer_id, "",
                        {{"kind", n.kind}, {"recipients", n.to.size()}}},
                       now_ts);
}

Result<std::vector<Notification>> ProcedureRepository::queryNotifications(const std::string& tail, Poco::Int64 a, Poco::Int64 b, const std::string& transfer_id) {
    std::vector<Notification> out;
    Poco::Int64 x = a, y = b;
    std::string t = transfer_id;
    Status st = w_.eachRow(
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

}  // namespace sluis::store::sql

#include "core/store/sql/approval_repository.h"

#include "core/store/sql/rows.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::store::sql {

Status ApprovalRepository::recordPreview(const std::string& transfer_id, const std::string& viewer, const std::string& payload_hash, const AuditEvent& event, Timestamp now_ts) {
    std::string t = transfer_id, v = viewer, h = payload_hash;
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("INSERT INTO previews (transfer_id, viewer, payload_hash, at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT DO NOTHING"),
        use(t), use(v), use(h), use(at), now;
    return w_.appendAudit(event, now_ts);
}

Result<bool> ApprovalRepository::hasPreviewed(const std::string& transfer_id, const std::string& viewer, const std::string& payload_hash) {
    int n = 0;
    {
        std::string t = transfer_id, v = viewer, h = payload_hash;
        w_.sql("SELECT COUNT(*) FROM previews WHERE transfer_id = ? AND viewer = ? AND payload_hash = ?"),
            use(t), use(v), use(h), into(n), now;
    }
    return n > 0;
}

Status ApprovalRepository::addApproval(const Approval& a, const std::string& purpose, Timestamp now_ts) {
    std::string t = a.transfer_id, who = a.approver, role = a.role, h = a.payload_hash,
                d = a.decision, r = a.reason;
    Poco::Int64 at = toMillis(now_ts);
    std::string mac = w_.rowMac("approvals", {t, who, role, h, d, r, std::to_string(at)});
    w_.sql("INSERT INTO approvals (transfer_id, approver, role, payload_hash, decision, reason, at, mac)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        use(t), use(who), use(role), use(h), use(d), use(r), use(at), use(mac), now;
    return w_.appendAudit({a.approver, a.decision == "approved" ? "approved" : "rejected", a.transfer_id,
                        purpose, {{"role", a.role}, {"payload_hash", a.payload_hash}}},
                       now_ts);
}

Result<std::vector<Approval>> ApprovalRepository::approvals(const std::string& transfer_id) {
    std::vector<Approval> out;
    std::string t = transfer_id;
    Status st = w_.eachRow(
        "SELECT seq, transfer_id, approver, role, payload_hash, decision, reason, at, mac"
        " FROM approvals WHERE transfer_id = ? ORDER BY seq",
        [&](Statement& s) { s, use(t); },
        [&](const Row& row) {
            // A row added or changed outside Sluis is no approval.
            if (!w_.rowAuthentic("approvals", row, 1, 8, row.str(0))) return;
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

Status ApprovalRepository::addBatch(const Batch& b, Timestamp now_ts) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& i : b.items) items.push_back({{"transfer_id", i.transfer_id}, {"payload_hash", i.payload_hash}});
    std::string id = b.id, name = b.name, purpose = b.purpose, by = b.prepared_by, it = items.dump(),
                status = "prepared";
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("INSERT INTO batches (id, name, purpose, prepared_by, prepared_at, items, status)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"),
        use(id), use(name), use(purpose), use(by), use(at), use(it), use(status), now;
    nlohmann::json ids = nlohmann::json::array();
    for (const auto& i : b.items) ids.push_back(i.transfer_id);
    return w_.appendAudit({b.prepared_by, "batch_prepared", "", b.purpose, {{"batch_id", b.id}, {"transfers", ids}}},
                       now_ts);
}

Result<Batch> ApprovalRepository::getBatch(const std::string& id) {
    auto list = queryBatches("WHERE id = ?", id, 1);
    if (!list) return list.error();
    if (list->empty()) return Error{ErrorCode::kNotFound, "batch " + id + " bestaat niet"};
    return list->front();
}

Result<std::vector<Batch>> ApprovalRepository::batches(size_t limit) { return queryBatches("", "", limit); }

Status ApprovalRepository::closeBatch(const std::string& id, const std::string& status, const std::string& actor, const nlohmann::json& outcome, Timestamp now_ts) {
    std::string bid = id, st = status, by = actor, out = outcome.dump();
    Poco::Int64 at = toMillis(now_ts);
    Statement up(w_.db().session());
    up << w_.db().q("UPDATE batches SET status = ?, decided_by = ?, decided_at = ?, outcome = ?"
          " WHERE id = ? AND status = 'prepared'"),
        use(st), use(by), use(at), use(out), use(bid);
    if (up.execute() != 1)
        return Status(ErrorCode::kConflict, "batch " + id + " bestaat niet of is al afgehandeld");
    return w_.appendAudit({actor, "batch_decided", "", "", {{"batch_id", id}, {"status", status}, {"outcome", outcome}}},
                       now_ts);
}

Result<std::vector<Batch>> ApprovalRepository::queryBatches(const std::string& where, const std::string& arg,
                                        size_t limit) {
    std::vector<Batch> out;
    std::string a = arg;
    Poco::Int64 lim = static_cast<Poco::Int64>(limit);
    Status st = w_.eachRow(
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

}  // namespace sluis::store::sql

// The audit log: reading it (itself audited) and verifying its hash chain.
#include <algorithm>

#include "core/api/request.h"
#include "core/store/audit_checkpoints.h"

namespace sluis::api::detail {

using nlohmann::json;

void auditLog(Request& r) {
    auto allowed = r.requireRole({"fg", "beheerder"}, "het auditlog lezen");
    if (!allowed) return r.sendError(allowed.error());
    long long after = 0;
    size_t limit = 500;
    try {
        if (!r.param("after").empty()) after = std::stoll(r.param("after"));
        if (!r.param("limit").empty())
            limit = std::clamp<size_t>(std::stoul(r.param("limit")), 1, 5000);
    } catch (const std::exception&) {
        return r.sendError(
            Error{ErrorCode::kInvalidArgument, "'after' en 'limit' moeten getallen zijn"});
    }
    auto log = r.store.auditLog(after, limit);
    if (!log) return r.sendError(log.error());
    json items = json::array();
    for (const auto& rec : *log)
        items.push_back({{"seq", rec.seq},
                         {"at", formatIso(rec.at)},
                         {"actor", rec.event.actor},
                         {"event", rec.event.event},
                         {"transfer_id", rec.event.transfer_id},
                         {"purpose", rec.event.purpose},
                         {"details", rec.event.details},
                         {"hash", rec.hash}});
    auto st = r.store.audit({r.actor(), "audit_viewed", "", "", {{"after", after}}}, r.clock.now());
    if (!st) return r.sendError(st.error());
    r.sendJson(200, {{"records", items}});
}

void auditVerify(Request& r) {
    auto allowed = r.requireRole({"fg", "beheerder"}, "het auditlog controleren");
    if (!allowed) return r.sendError(allowed.error());
    store::AuditAnchors anchors;
    auto checkpoints =
        store::readCheckpointFile(std::filesystem::path(r.config->data_dir) / store::kCheckpointFile);
    if (!checkpoints) return r.sendError(checkpoints.error());
    anchors.checkpoints = std::move(*checkpoints);
    auto v = store::verifyAudit(r.store, anchors);
    if (!v) return r.sendError(v.error());
    r.sendJson(200, {{"ok", v->ok},
                     {"records", v->records},
                     {"first_bad_seq", v->first_bad_seq},
                     {"kind", v->kind},
                     {"problem", v->problem},
                     {"checkpoints_checked", v->checkpoints_checked},
                     {"last_checkpoint_seq", v->last_checkpoint_seq},
                     {"public_key", r.store.auditPublicKey()}});
}

}  // namespace sluis::api::detail

// The audit log: reading it (itself audited) and verifying its hash chain. Both go through the
// shared functions in audit_decisions.h, which the FG's web page calls too.
#include <algorithm>

#include "core/api/audit_decisions.h"
#include "core/api/request.h"
#include "core/util/file_clock.h"

namespace sluis::api::detail {

using nlohmann::json;

void auditLog(Request& r) {
    AuditQuery q;
    try {
        if (!r.param("after").empty()) q.after = std::stoll(r.param("after"));
        if (!r.param("limit").empty())
            q.limit = std::clamp<size_t>(std::stoul(r.param("limit")), 1, 5000);
    } catch (const std::exception&) {
        return r.sendError(
            Error{ErrorCode::kInvalidArgument, "'after' en 'limit' moeten getallen zijn"});
    }
    // Optional filters (ids only): subject, transfer_id, event, actor, from/until (ISO, UTC).
    q.filter.subject = r.param("subject");
    q.filter.transfer_id = r.param("transfer_id");
    q.filter.event = r.param("event");
    q.filter.actor = r.param("actor");
    for (auto [name, target] : {std::pair{"from", &q.filter.from}, {"until", &q.filter.until}}) {
        if (r.param(name).empty()) continue;
        auto t = parseIsoUtc(r.param(name));
        if (!t)
            return r.sendError(Error{ErrorCode::kInvalidArgument,
                                     std::string("'") + name +
                                         "' moet een tijdstip zijn als 2026-11-20T08:00:00Z"});
        *target = *t;
    }
    auto log = readAudit(r.decision(), q);
    if (!log) return r.sendError(log.error());
    json items = json::array();
    for (const auto& rec : log->records)
        items.push_back({{"seq", rec.seq},
                         {"at", formatIso(rec.at)},
                         {"actor", rec.event.actor},
                         {"event", rec.event.event},
                         {"transfer_id", rec.event.transfer_id},
                         {"purpose", rec.event.purpose},
                         {"details", rec.event.details},
                         {"hash", rec.hash}});
    r.sendJson(200, {{"records", items}, {"more", log->more}});
}

void auditVerify(Request& r) {
    auto s = chainStatus(r.decision());
    if (!s) return r.sendError(s.error());
    const auto& v = s->verification;
    r.sendJson(200, {{"ok", v.ok},
                     {"records", v.records},
                     {"first_bad_seq", v.first_bad_seq},
                     {"kind", v.kind},
                     {"problem", v.problem},
                     {"checkpoints_checked", v.checkpoints_checked},
                     {"last_checkpoint_seq", v.last_checkpoint_seq},
                     {"public_key", s->public_key}});
}

}  // namespace sluis::api::detail

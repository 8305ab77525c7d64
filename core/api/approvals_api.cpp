// Approvals: the queue, approve/reject one transfer, approve several at once. Batches of
// approvals are in batches_api.cpp.
#include "core/api/request.h"
#include "core/policy/gates.h"
#include "core/util/text.h"

namespace sluis::api::detail {

using nlohmann::json;

Status approveOne(Request& r, const std::string& id, const std::string& hash, bool approve,
                  const std::string& reason) {
    auto t = r.visibleTransfer(id);
    if (!t) return t.error();
    const auto* p = r.policyFor(*t);
    if (!p || p->approvals.required == 0)
        return {ErrorCode::kConflict, "voor doel '" + t->purpose + "' is geen goedkeuring nodig"};
    SLUIS_RETURN_IF_ERROR(
        r.requireRole(p->approvals.roles, "goedkeuren voor doel '" + t->purpose + "'"));
    if (t->state != transfer::State::kAwaitingApproval)
        return {ErrorCode::kConflict, std::string("overdracht wacht niet op goedkeuring (status ") +
                                          transfer::stateName(t->state) + ")"};
    if (hash.empty())
        return {ErrorCode::kInvalidArgument,
                "payload_hash ontbreekt: keur goed wat u in de preview zag"};
    if (hash != t->payload_hash)
        return {ErrorCode::kConflict,
                "de gegevens zijn gewijzigd sinds deze preview; bekijk de nieuwe preview"};
    if (p->approvals.four_eyes &&
        (r.caller.name == t->created_by || r.caller.name == t->changed_by))
        return {ErrorCode::kPermissionDenied,
                "vier-ogenprincipe: wie de overdracht maakte of wijzigde, keurt haar niet goed"};
    policy::Gates gates(r.config, r.store, r.clock);
    if (p->approvals.four_eyes) {
        // Whoever recorded the consent or inzage this transfer relies on is a changer too.
        auto basis = gates.reliedOn(*t, *p);
        if (!basis) return basis.error();
        if (*basis && (*basis)->recorded_by == r.caller.name)
            return {ErrorCode::kPermissionDenied,
                    "vier-ogenprincipe: wie de toestemming of inzage registreerde waarop de "
                    "overdracht steunt, keurt haar niet goed"};
    }
    auto seen = r.store.hasPreviewed(id, r.caller.name, hash);
    if (!seen) return seen.error();
    if (!*seen) return {ErrorCode::kConflict, "bekijk eerst de preview van deze overdracht"};
    if (!approve && util::trim(reason).empty())
        return {ErrorCode::kInvalidArgument, "geef een reden voor de afwijzing"};
    SLUIS_RETURN_IF_ERROR(
        r.store.addApproval({0, id, r.caller.name, r.caller.role, hash,
                             approve ? "approved" : "rejected", reason, r.clock.now()},
                            t->purpose, r.clock.now()));
    auto moved = gates.advance(id, r.actor());
    if (!moved) return moved.error();
    return {};
}

void approvalQueue(Request& r) {
    store::ListFilter f;
    f.state = transfer::State::kAwaitingApproval;
    f.purposes = r.visiblePurposes();
    f.limit = 1000;
    auto list = r.store.list(f);
    if (!list) return r.sendError(list.error());
    json items = json::array();
    policy::Gates gates(r.config, r.store, r.clock);
    for (const auto& t : *list) {
        json j = transferJson(t);
        const auto* p = r.policyFor(t);
        if (p) {
            auto count = gates.countApprovals(t, *p);
            if (count) {
                j["approvals"] = count->valid;
                j["approvals_required"] = p->approvals.required;
                j["approver_roles"] = p->approvals.roles;
            }
        }
        items.push_back(j);
    }
    r.sendJson(200, {{"transfers", items}});
}

namespace {

void decide(Request& r, bool approve) {
    const std::string& id = r.id();
    const json& body = r.body;
    auto st = approveOne(r, id, field(body, "payload_hash"), approve, field(body, "reason"));
    if (!st) return r.sendError(st.error());
    sendTransfer(r, id);
}

}  // namespace

void approveTransfer(Request& r) { decide(r, true); }

void rejectTransfer(Request& r) { decide(r, false); }

void bulkApprove(Request& r) {
    const json& body = r.body;
    if (!body.contains("items") || !body["items"].is_array() || body["items"].empty())
        return r.sendError(Error{ErrorCode::kInvalidArgument,
                                 "verwacht 'items': [{\"id\", \"payload_hash\"}, ...]"});
    json results = json::array();
    int ok = 0;
    for (const auto& item : body["items"]) {
        std::string id = field(item, "id");
        auto st = approveOne(r, id, field(item, "payload_hash"), true, "");
        json result = {{"id", id}, {"ok", st.isOk()}};
        if (!st) result["error"] = {{"code", errorCodeName(st.code())}, {"message", st.message()}};
        ok += st.isOk();
        results.push_back(result);
    }
    r.sendJson(200, {{"approved", ok}, {"total", results.size()}, {"results", results}});
}

}  // namespace sluis::api::detail

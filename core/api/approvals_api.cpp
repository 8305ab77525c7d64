// Approvals: the queue, approve/reject one transfer, approve several at once. Batches of
// approvals are in batches_api.cpp.
#include "core/api/request.h"
#include "core/policy/gates.h"
#include "core/util/text.h"

namespace sluis::api::detail {

using nlohmann::json;

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
    auto st = approveOne(r.decision(), id, field(body, "payload_hash"), approve, field(body, "reason"));
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
        auto st = approveOne(r.decision(), id, field(item, "payload_hash"), true, "");
        json result = {{"id", id}, {"ok", st.isOk()}};
        if (!st) result["error"] = {{"code", errorCodeName(st.code())}, {"message", st.message()}};
        ok += st.isOk();
        results.push_back(result);
    }
    r.sendJson(200, {{"approved", ok}, {"total", results.size()}, {"results", results}});
}

}  // namespace sluis::api::detail

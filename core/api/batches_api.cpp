// Batches: a mentor prepares a class, an approver approves it after each preview. The
// decisions are shared with the web interface (batch_decisions.h); this file is the JSON.
#include "core/api/batch_decisions.h"
#include "core/api/request.h"
#include "core/crypto/payload_cipher.h"
#include "core/util/text.h"

namespace sluis::api::detail {

using nlohmann::json;

namespace {

json batchJson(Request& r, const store::Batch& b, bool for_viewer) {
    auto v = viewBatch(r.decision(), b, for_viewer);
    json items = json::array();
    if (v) {
        for (const auto& i : v->items) {
            json j = {{"transfer_id", i.transfer_id}, {"payload_hash", i.payload_hash}};
            if (i.found) {
                j["subject"] = i.subject;
                j["state"] = transfer::stateName(i.state);
                j["data_changed"] = i.data_changed;
            }
            if (for_viewer) j["previewed_by_you"] = i.previewed_by_me;
            items.push_back(j);
        }
    }
    return {{"id", b.id},
            {"name", b.name},
            {"purpose", b.purpose},
            {"prepared_by", b.prepared_by},
            {"prepared_at", formatIso(b.prepared_at)},
            {"status", v ? v->status : b.status},
            {"decided_by", b.decided_by},
            {"decided_at", b.decided_at ? json(formatIso(*b.decided_at)) : json(nullptr)},
            {"items", items}};
}

/// Approves or rejects a batch through the shared decision (batch_decisions.h).
void decideBatch(Request& r, bool approve) {
    const std::string& id = r.id();
    auto done = api::decideBatch(r.decision(), id, approve, field(r.body, "reason"));
    if (!done) return r.sendError(done.error());
    auto b = r.store.getBatch(id);
    if (!b) return r.sendError(b.error());
    json out = batchJson(r, *b, true);
    if (approve) {
        out["results"] = done->results;
        out["approved"] = done->approved;
        out["still_waiting"] = done->still_waiting;
    }
    r.sendJson(200, out);
}

}  // namespace

void prepareBatch(Request& r) {
    const json& body = r.body;
    std::vector<std::optional<std::string>> ids;
    const bool list = body.contains("transfer_ids") && body["transfer_ids"].is_array();
    if (list)
        for (const auto& v : body["transfer_ids"])
            ids.push_back(v.is_string() ? std::optional(v.get<std::string>()) : std::nullopt);
    if (!list) ids.clear();  // reported by the shared decision as an empty list
    auto b = api::prepareBatch(r.decision(), field(body, "name"), ids);
    if (!b) return r.sendError(b.error());
    r.sendJson(201, batchJson(r, *b, false));
}

void listBatches(Request& r) {
    auto list = api::listBatches(r.decision(), 200);
    if (!list) return r.sendError(list.error());
    json items = json::array();
    for (const auto& b : *list) {
        items.push_back({{"id", b.id},
                         {"name", b.name},
                         {"purpose", b.purpose},
                         {"status", b.status},
                         {"prepared_by", b.prepared_by},
                         {"transfers", b.items.size()}});
    }
    r.sendJson(200, {{"batches", items}});
}

void showBatch(Request& r) {
    const std::string& id = r.id();
    auto allowed = r.requireRole(batchViewRoles(), "batches inzien");
    if (!allowed) return r.sendError(allowed.error());
    auto b = visibleBatch(r.decision(), id);
    if (!b) return r.sendError(b.error());
    r.sendJson(200, batchJson(r, *b, true));
}

void approveBatch(Request& r) { decideBatch(r, true); }

void rejectBatch(Request& r) { decideBatch(r, false); }

}  // namespace sluis::api::detail

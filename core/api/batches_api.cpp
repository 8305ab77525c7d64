// Batches: a mentor prepares a class, an approver approves it after each preview.
#include "core/api/request.h"
#include "core/crypto/payload_cipher.h"
#include "core/util/text.h"

namespace sluis::api::detail {

using nlohmann::json;

namespace {

/// Batch `id` when it exists and the caller sees its purpose; else not found, as an unknown id.
Result<store::Batch> visibleBatch(Request& r, const std::string& id) {
    auto b = r.store.getBatch(id);
    if (!b) return b.error();
    if (!r.seesPurpose(b->purpose)) return Error{ErrorCode::kNotFound, "batch " + id + " bestaat niet"};
    return b;
}

json batchJson(Request& r, const store::Batch& b, const Caller* viewer) {
    json items = json::array();
    bool waiting = false;
    for (const auto& i : b.items) {
        json j = {{"transfer_id", i.transfer_id}, {"payload_hash", i.payload_hash}};
        if (auto t = r.store.get(i.transfer_id)) {
            waiting |= t->state == transfer::State::kAwaitingApproval;
            j["subject"] = t->subject;
            j["state"] = transfer::stateName(t->state);
            j["data_changed"] = t->payload_hash != i.payload_hash;
        }
        if (viewer) {
            auto seen = r.store.hasPreviewed(i.transfer_id, viewer->name, i.payload_hash);
            j["previewed_by_you"] = seen && *seen;
        }
        items.push_back(j);
    }
    return {{"id", b.id},
            {"name", b.name},
            {"purpose", b.purpose},
            {"prepared_by", b.prepared_by},
            {"prepared_at", formatIso(b.prepared_at)},
            // An open batch none of whose transfers waits any more (approved one by one,
            // withdrawn, rejected) is reported as completed.
            {"status", b.status == "prepared" && !waiting ? "completed" : b.status},
            {"decided_by", b.decided_by},
            {"decided_at", b.decided_at ? json(formatIso(*b.decided_at)) : json(nullptr)},
            {"items", items}};
}

/// Approves every transfer of a prepared batch for the caller. Refused as a whole (nothing
/// approved) when the caller prepared it or has not seen the preview of every transfer as it
/// was prepared; a transfer whose data changed since is left out (its approval would bind to
/// other data) and is reported, so it can be approved on its own after a new preview.
void decideBatch(Request& r, bool approve) {
    const std::string& id = r.id();
    const json& body = r.body;
    auto b = visibleBatch(r, id);
    if (!b) return r.sendError(b.error());
    if (b->status != "prepared")
        return r.sendError(
            Error{ErrorCode::kConflict, "batch is al afgehandeld (" + b->status + ")"});
    const auto* p = r.config->policy(b->purpose);
    if (!p || p->approvals.required == 0)
        return r.sendError(Error{ErrorCode::kConflict,
                                 "voor doel '" + b->purpose + "' is geen goedkeuring nodig"});
    auto allowed =
        r.requireRole(p->approvals.roles, "batches goedkeuren voor doel '" + b->purpose + "'");
    if (!allowed) return r.sendError(allowed.error());
    if (r.caller.name == b->prepared_by)
        return r.sendError(
            Error{ErrorCode::kPermissionDenied,
                  "vier-ogenprincipe: wie de batch klaarzette, keurt haar niet goed"});
    if (!approve) {
        std::string reason = util::trim(field(body, "reason"));
        if (reason.empty())
            return r.sendError(
                Error{ErrorCode::kInvalidArgument, "geef een reden voor de afwijzing"});
        auto st =
            r.store.closeBatch(id, "rejected", r.actor(), {{"reason_given", true}}, r.clock.now());
        if (!st) return r.sendError(st.error());
        auto closed = r.store.getBatch(id);
        if (!closed) return r.sendError(closed.error());
        return r.sendJson(200, batchJson(r, *closed, &r.caller));
    }
    std::vector<std::string> unseen;
    for (const auto& i : b->items) {
        auto seen = r.store.hasPreviewed(i.transfer_id, r.caller.name, i.payload_hash);
        if (!seen) return r.sendError(seen.error());
        auto t = r.store.get(i.transfer_id);
        bool changed = t && t->payload_hash != i.payload_hash;
        if (!*seen && !changed) unseen.push_back(i.transfer_id);
    }
    if (!unseen.empty()) {
        return r.sendError(
            Error{ErrorCode::kConflict,
                  "bekijk eerst de preview van elke overdracht in de batch; nog niet bekeken: " +
                      join(unseen, ", ")});
    }
    json results = json::array();
    int ok = 0;
    for (const auto& i : b->items) {
        json result = {{"transfer_id", i.transfer_id}};
        auto mine = r.store.approvals(i.transfer_id);
        bool already = false;
        if (mine)
            for (const auto& a : *mine)
                already |= a.approver == r.caller.name && a.payload_hash == i.payload_hash &&
                           a.decision == "approved";
        Status st = already ? Status() : approveOne(r.decision(), i.transfer_id, i.payload_hash, true, "");
        result["ok"] = st.isOk();
        if (already) result["note"] = "al eerder door u goedgekeurd";
        if (!st) result["error"] = {{"code", errorCodeName(st.code())}, {"message", st.message()}};
        ok += st.isOk();
        results.push_back(result);
    }
    // The batch is done when no transfer in it waits for approval any more; with a policy that
    // needs several approvers it stays open for the next one.
    size_t waiting = 0;
    for (const auto& i : b->items) {
        auto t = r.store.get(i.transfer_id);
        waiting += t && t->state == transfer::State::kAwaitingApproval;
    }
    json outcome = {{"approved", ok}, {"total", b->items.size()}, {"still_waiting", waiting}};
    auto st = waiting == 0 ? r.store.closeBatch(id, "approved", r.actor(), outcome, r.clock.now())
                           : r.store.audit({r.actor(),
                                            "batch_approved",
                                            "",
                                            b->purpose,
                                            {{"batch_id", id}, {"outcome", outcome}}},
                                           r.clock.now());
    if (!st) return r.sendError(st.error());
    auto done = r.store.getBatch(id);
    if (!done) return r.sendError(done.error());
    json out = batchJson(r, *done, &r.caller);
    out["results"] = results;
    out["approved"] = ok;
    out["still_waiting"] = waiting;
    r.sendJson(200, out);
}

}  // namespace

void prepareBatch(Request& r) {
    const json& body = r.body;
    auto allowed = r.requireRole({"mentor", "zorgcoordinator", "beheerder", "directeur"},
                                 "een batch klaarzetten");
    if (!allowed) return r.sendError(allowed.error());
    store::Batch b;
    b.id = "bt_" + util::toHex(crypto::randomBytes(10));
    b.name = util::trim(field(body, "name"));
    b.prepared_by = r.caller.name;
    if (b.name.empty() || b.name.size() > 100)
        return r.sendError(Error{ErrorCode::kInvalidArgument,
                                 "name: verplicht (bijv. 'groep 8b'), max. 100 tekens"});
    if (!body.contains("transfer_ids") || !body["transfer_ids"].is_array() ||
        body["transfer_ids"].empty() || body["transfer_ids"].size() > 500)
        return r.sendError(Error{ErrorCode::kInvalidArgument,
                                 "transfer_ids: verwacht een lijst van 1 tot 500 ids"});
    std::vector<std::string> errors;
    for (size_t i = 0; i < body["transfer_ids"].size(); ++i) {
        const json& v = body["transfer_ids"][i];
        std::string where = "transfer_ids[" + std::to_string(i) + "]";
        if (!v.is_string()) {
            errors.push_back(where + ": verwacht een id");
            continue;
        }
        auto t = r.visibleTransfer(v.get<std::string>());
        if (!t) {
            errors.push_back(where + ": " + t.error().message);
            continue;
        }
        if (t->state != transfer::State::kAwaitingApproval)
            errors.push_back(where + ": wacht niet op goedkeuring (status " +
                             transfer::stateName(t->state) + ")");
        if (b.purpose.empty()) b.purpose = t->purpose;
        if (t->purpose != b.purpose)
            errors.push_back(where + ": ander doel dan de rest van de batch");
        for (const auto& item : b.items)
            if (item.transfer_id == t->id) errors.push_back(where + ": staat al in de batch");
        b.items.push_back({t->id, t->payload_hash});
    }
    if (!errors.empty()) return r.sendError(Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
    auto st = r.store.addBatch(b, r.clock.now());
    if (!st) return r.sendError(st.error());
    auto saved = r.store.getBatch(b.id);
    if (!saved) return r.sendError(saved.error());
    r.sendJson(201, batchJson(r, *saved, nullptr));
}

void listBatches(Request& r) {
    auto allowed = r.requireRole(
        {"mentor", "zorgcoordinator", "beheerder", "directeur", "bevoegd-gezag", "fg"},
        "batches inzien");
    if (!allowed) return r.sendError(allowed.error());
    auto list = r.store.batches(200);
    if (!list) return r.sendError(list.error());
    json items = json::array();
    for (const auto& b : *list) {
        if (!r.seesPurpose(b.purpose)) continue;
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
    auto allowed = r.requireRole(
        {"mentor", "zorgcoordinator", "beheerder", "directeur", "bevoegd-gezag", "fg"},
        "batches inzien");
    if (!allowed) return r.sendError(allowed.error());
    auto b = visibleBatch(r, id);
    if (!b) return r.sendError(b.error());
    r.sendJson(200, batchJson(r, *b, &r.caller));
}

void approveBatch(Request& r) { decideBatch(r, true); }

void rejectBatch(Request& r) { decideBatch(r, false); }

}  // namespace sluis::api::detail

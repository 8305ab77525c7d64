// The batch decisions (batch_decisions.h): the JSON API and the web interface both call these.
#include "core/api/batch_decisions.h"

#include "core/crypto/payload_cipher.h"
#include "core/util/text.h"

namespace sluis::api {

using nlohmann::json;

const std::vector<std::string>& batchPrepareRoles() {
    static const std::vector<std::string> roles = {"mentor", "zorgcoordinator", "beheerder",
                                                   "directeur"};
    return roles;
}

const std::vector<std::string>& batchViewRoles() {
    static const std::vector<std::string> roles = {"mentor",    "zorgcoordinator", "beheerder",
                                                   "directeur", "bevoegd-gezag",   "fg"};
    return roles;
}

Result<store::Batch> visibleBatch(const DecisionContext& c, const std::string& id) {
    auto b = c.store.getBatch(id);
    if (!b) return b.error();
    if (!seesPurpose(c, b->purpose))
        return Error{ErrorCode::kNotFound, "batch " + id + " bestaat niet"};
    return b;
}

Result<BatchView> viewBatch(const DecisionContext& c, const store::Batch& b, bool for_actor) {
    BatchView v;
    v.batch = b;
    bool waiting = false;
    for (const auto& i : b.items) {
        BatchItemView item;
        item.transfer_id = i.transfer_id;
        item.payload_hash = i.payload_hash;
        if (auto t = c.store.get(i.transfer_id)) {
            item.found = true;
            item.subject = t->subject;
            item.state = t->state;
            item.data_changed = t->payload_hash != i.payload_hash;
            waiting |= t->state == transfer::State::kAwaitingApproval;
        }
        if (for_actor) {
            auto seen = c.store.hasPreviewed(i.transfer_id, c.actor.name, i.payload_hash);
            if (!seen) return seen.error();
            item.previewed_by_me = *seen;
            v.to_preview += item.to_preview();
        }
        v.items.push_back(std::move(item));
    }
    // An open batch none of whose transfers waits any more (approved one by one, withdrawn,
    // rejected) is reported as completed.
    v.status = b.status == "prepared" && !waiting ? "completed" : b.status;
    return v;
}

Result<std::vector<store::Batch>> listBatches(const DecisionContext& c, size_t limit) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(batchViewRoles(), "batches inzien"));
    auto list = c.store.batches(limit);
    if (!list) return list.error();
    std::vector<store::Batch> out;
    for (auto& b : *list)
        if (seesPurpose(c, b.purpose)) out.push_back(std::move(b));
    return out;
}

Result<store::Batch> prepareBatch(const DecisionContext& c, const std::string& name,
                                  const std::vector<std::optional<std::string>>& ids) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(batchPrepareRoles(), "een batch klaarzetten"));
    store::Batch b;
    b.id = "bt_" + util::toHex(crypto::randomBytes(10));
    b.name = util::trim(name);
    b.prepared_by = c.actor.name;
    if (b.name.empty() || b.name.size() > 100)
        return Error{ErrorCode::kInvalidArgument,
                     "name: verplicht (bijv. 'groep 8b'), max. 100 tekens"};
    if (ids.empty() || ids.size() > 500)
        return Error{ErrorCode::kInvalidArgument,
                     "transfer_ids: verwacht een lijst van 1 tot 500 ids"};
    std::vector<std::string> errors;
    for (size_t i = 0; i < ids.size(); ++i) {
        std::string where = "transfer_ids[" + std::to_string(i) + "]";
        if (!ids[i]) {
            errors.push_back(where + ": verwacht een id");
            continue;
        }
        auto t = visibleTransfer(c, *ids[i]);
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
    if (!errors.empty()) {
        std::string msg;
        for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e;
        return Error{ErrorCode::kInvalidArgument, msg};
    }
    SLUIS_RETURN_IF_ERROR(c.store.addBatch(b, c.clock.now()));
    return c.store.getBatch(b.id);
}

Result<BatchOutcome> decideBatch(const DecisionContext& c, const std::string& id, bool approve,
                                 const std::string& reason) {
    auto b = visibleBatch(c, id);
    if (!b) return b.error();
    if (b->status != "prepared")
        return Error{ErrorCode::kConflict, "batch is al afgehandeld (" + b->status + ")"};
    const auto* p = c.config->policy(b->purpose);
    if (!p || p->approvals.required == 0)
        return Error{ErrorCode::kConflict,
                     "voor doel '" + b->purpose + "' is geen goedkeuring nodig"};
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(
        p->approvals.roles, "batches goedkeuren voor doel '" + b->purpose + "'"));
    if (c.actor.name == b->prepared_by)
        return Error{ErrorCode::kPermissionDenied,
                     "vier-ogenprincipe: wie de batch klaarzette, keurt haar niet goed"};
    BatchOutcome out;
    if (!approve) {
        if (util::trim(reason).empty())
            return Error{ErrorCode::kInvalidArgument, "geef een reden voor de afwijzing"};
        SLUIS_RETURN_IF_ERROR(c.store.closeBatch(id, "rejected", c.actor.label(),
                                                 {{"reason_given", true}}, c.clock.now()));
        return out;
    }
    std::vector<std::string> unseen;
    for (const auto& i : b->items) {
        auto seen = c.store.hasPreviewed(i.transfer_id, c.actor.name, i.payload_hash);
        if (!seen) return seen.error();
        auto t = c.store.get(i.transfer_id);
        bool changed = t && t->payload_hash != i.payload_hash;
        if (!*seen && !changed) unseen.push_back(i.transfer_id);
    }
    if (!unseen.empty()) {
        std::string list;
        for (const auto& u : unseen) list += (list.empty() ? "" : ", ") + u;
        return Error{ErrorCode::kConflict,
                     "bekijk eerst de preview van elke overdracht in de batch; nog niet bekeken: " +
                         list};
    }
    for (const auto& i : b->items) {
        json result = {{"transfer_id", i.transfer_id}};
        auto mine = c.store.approvals(i.transfer_id);
        bool already = false;
        if (mine)
            for (const auto& a : *mine)
                already |= a.approver == c.actor.name && a.payload_hash == i.payload_hash &&
                           a.decision == "approved";
        Status st = already ? Status() : approveOne(c, i.transfer_id, i.payload_hash, true, "");
        result["ok"] = st.isOk();
        if (already) result["note"] = "al eerder door u goedgekeurd";
        if (!st) result["error"] = {{"code", errorCodeName(st.code())}, {"message", st.message()}};
        out.approved += st.isOk();
        out.results.push_back(result);
    }
    // The batch is done when no transfer in it waits for approval any more; with a policy that
    // needs several approvers it stays open for the next one.
    for (const auto& i : b->items) {
        auto t = c.store.get(i.transfer_id);
        out.still_waiting += t && t->state == transfer::State::kAwaitingApproval;
    }
    json outcome = {{"approved", out.approved},
                    {"total", b->items.size()},
                    {"still_waiting", out.still_waiting}};
    SLUIS_RETURN_IF_ERROR(
        out.still_waiting == 0
            ? c.store.closeBatch(id, "approved", c.actor.label(), outcome, c.clock.now())
            : c.store.audit({c.actor.label(),
                             "batch_approved",
                             "",
                             b->purpose,
                             {{"batch_id", id}, {"outcome", outcome}}},
                            c.clock.now()));
    return out;
}

}  // namespace sluis::api

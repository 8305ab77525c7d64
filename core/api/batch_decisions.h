#pragma once
/// The batch decisions of the spring run, shared by the JSON API (batches_api.cpp) and the web
/// interface (core/web/batch_pages.cpp): a batch is prepared from transfers that wait for
/// approval, and an approver approves it as a whole only after seeing the preview of every
/// transfer in it (or rejects it, with a reason). Same role checks, four eyes and audit records
/// whichever way a person works.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api/decisions.h"
#include "core/store/transfer_store.h"
#include "core/transfer/state.h"

namespace sluis::api {

/// The roles that may prepare a batch, and those that may look at batches.
const std::vector<std::string>& batchPrepareRoles();
const std::vector<std::string>& batchViewRoles();

/// Batch `id` when it exists and the actor sees its purpose; otherwise kNotFound, exactly as for
/// an unknown id.
Result<store::Batch> visibleBatch(const DecisionContext& c, const std::string& id);

/// One transfer of a batch as it is now, for the actor.
struct BatchItemView {
    std::string transfer_id;
    std::string payload_hash;  ///< as prepared
    bool found = false;        ///< the transfer still exists
    std::string subject;
    transfer::State state = transfer::State::kAwaitingApproval;
    bool data_changed = false;     ///< its payload changed since the batch was prepared
    bool previewed_by_me = false;  ///< the actor saw the preview of the prepared payload
    /// Approving the batch needs this preview first (not seen, data unchanged).
    bool to_preview() const { return !previewed_by_me && !data_changed; }
};

struct BatchView {
    store::Batch batch;
    /// "prepared", "approved", "rejected", or "completed" for an open batch none of whose
    /// transfers waits any more.
    std::string status;
    std::vector<BatchItemView> items;
    size_t to_preview = 0;  ///< items the actor must still preview before approving
};

/// The batch with the state of each transfer and, with `for_actor`, what the actor previewed.
Result<BatchView> viewBatch(const DecisionContext& c, const store::Batch& b, bool for_actor = true);

/// The batches the actor sees (batchViewRoles), newest first, at most `limit`.
Result<std::vector<store::Batch>> listBatches(const DecisionContext& c, size_t limit = 200);

/// Prepares a batch `name` of transfers `ids` (nullopt: an entry that is no id). Every transfer
/// must be visible, waiting for approval, of one purpose, and listed once; 1 to 500 transfers.
/// Errors name the entry (`transfer_ids[i]`). Returns the stored batch.
Result<store::Batch> prepareBatch(const DecisionContext& c, const std::string& name,
                                  const std::vector<std::optional<std::string>>& ids);

/// What approving a batch did.
struct BatchOutcome {
    nlohmann::json results = nlohmann::json::array();  ///< per transfer: ok, note, error
    int approved = 0;
    size_t still_waiting = 0;
};

/// Approves every transfer of prepared batch `id` for the actor, or (approve false) rejects the
/// batch with `reason` (required). Refused as a whole, nothing approved: not an approver role of
/// the purpose, who prepared the batch (four eyes), a batch already decided, or a transfer whose
/// preview the actor has not seen as it was prepared (kConflict, naming them). A transfer whose
/// data changed since is left out and reported. Each approval goes through approveOne.
Result<BatchOutcome> decideBatch(const DecisionContext& c, const std::string& id, bool approve,
                                 const std::string& reason);

}  // namespace sluis::api

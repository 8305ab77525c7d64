#pragma once
/// Retention: after delivery (or another end state) plus the purpose's retention period, the
/// payload, the canonical record and the transfer's data key are removed; the metadata and the
/// audit trail stay, and the purge itself is audited.
#include <vector>

#include "core/config/config.h"
#include "core/store/transfer_store.h"

namespace sluis::policy {

struct PurgeItem {
    store::Transfer transfer;
    Timestamp due{};  ///< When its retention ended.
};

/// Transfers whose payload is due for removal at `now`.
Result<std::vector<PurgeItem>> purgeCandidates(const config::Config& config, store::TransferStore& store,
                                               Timestamp now);

/// Removes what `purgeCandidates` returns; returns how many were purged.
Result<size_t> purgeDue(const config::Config& config, store::TransferStore& store, Timestamp now,
                        const std::string& actor);

}  // namespace sluis::policy

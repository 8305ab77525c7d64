#pragma once
/// Retention (issue 14, M5): every transfer's payload, canonical record, reports and data key are
/// removed once its purpose's retention has passed:
///  - delivered: counted from delivery (its last update), as before;
///  - never delivered (received, mapped, awaiting_*, scheduled, failed, dead_lettered, rejected,
///    withdrawn): counted from creation. One that could still move on is first moved to
///    `withdrawn` (audited "retention_expired"), so nothing can deliver or requeue it without its
///    data. A transfer in `delivering` is being handed to a sink right now and waits for the next
///    purge.
/// The metadata and the audit trail stay, and the purge itself is audited. Files kept by sources
/// (processed and refused exports) are listed and removed through `connector::Source`.
#include <map>
#include <memory>
#include <vector>

#include "core/config/config.h"
#include "core/connector/connector.h"
#include "core/store/transfer_store.h"

namespace sluis::policy {

struct PurgeItem {
    store::Transfer transfer;
    Timestamp due{};             ///< When its retention ended.
    bool from_creation = false;  ///< Never delivered: retention counted from creation.
};

/// Transfers whose payload is due for removal at `now`, oldest first per purpose. A transfer whose
/// purpose is no longer configured gets the default retention (730 days).
Result<std::vector<PurgeItem>> purgeCandidates(const config::Config& config, store::TransferStore& store,
                                               Timestamp now);

/// Purges one candidate: a never-delivered transfer that could still move on is withdrawn first
/// (audited "retention_expired"), then payload, canonical record, reports and data key go
/// (audited "purged"). kConflict when it changed state meanwhile (it is then left for the next purge).
Status purgeOne(store::TransferStore& store, const PurgeItem& item, const std::string& actor, Timestamp now);

/// Removes what `purgeCandidates` returns; returns how many were purged. A transfer that changed
/// state meanwhile is skipped (the next purge sees it again).
Result<size_t> purgeDue(const config::Config& config, store::TransferStore& store, Timestamp now,
                        const std::string& actor);

/// A file a source kept whose retention has passed.
struct FilePurgeItem {
    std::string source;  ///< Source instance name.
    connector::RetainedFile file;
};

/// Every expired retained file of `sources`. A source that cannot be read is an error naming it.
Result<std::vector<FilePurgeItem>> expiredFiles(
    const std::map<std::string, std::unique_ptr<connector::Source>>& sources, Timestamp now);

}  // namespace sluis::policy

#pragma once
/// Reading and checking the audit log, shared by the JSON API (audit_api.cpp: GET /api/v1/audit
/// and /audit/verify) and the FG's web page (core/web/audit_pages.cpp). Both front ends call these
/// functions, so the role check (fg, beheerder) and the "audit_viewed" record are the same.
#include <optional>
#include <string>
#include <vector>

#include "core/api/decisions.h"
#include "core/error.h"
#include "core/store/transfer_store.h"

namespace sluis::api {

/// Which records to show. Empty fields match everything. The filters are ids, never values.
struct AuditFilter {
    std::string subject;      ///< a pupil's id: records of the pupil's transfers, or naming it in details
    std::string transfer_id;
    std::string event;        ///< the action kind, e.g. "requeued"
    std::string actor;        ///< part of the actor's label, e.g. "fg1"
    std::optional<Timestamp> from;   ///< at >= from
    std::optional<Timestamp> until;  ///< at < until
    bool empty() const {
        return subject.empty() && transfer_id.empty() && event.empty() && actor.empty() && !from &&
               !until;
    }
};

struct AuditQuery {
    AuditFilter filter;
    /// true: newest first, skipping `offset` matches (the web's pages); false: oldest first,
    /// records after sequence number `after` (the API's cursor).
    bool newest_first = false;
    long long after = 0;
    /// Newest first only: records up to this sequence number (0: up to the newest). Pins the
    /// pages to the log as it was at the first page, while new records keep arriving.
    long long upto = 0;
    size_t offset = 0;
    size_t limit = 500;
};

struct AuditPage {
    std::vector<store::AuditRecord> records;
    bool more = false;  ///< further matches exist beyond this page
};

/// The roles that read and check the audit log.
const std::vector<std::string>& auditRoles();

/// Reads one page of the audit log (fg, beheerder; else kPermissionDenied) and records that it
/// was read ("audit_viewed", with the filter's ids). The store filters and pages in SQL
/// (TransferStore::searchAudit); a page reads only its own records and those it skips.
Result<AuditPage> readAudit(const DecisionContext& c, const AuditQuery& q);

/// One checkpoint from the checkpoint file, and whether the current log still agrees with it.
struct CheckpointStatus {
    store::AuditCheckpoint checkpoint;
    bool signature_ok = false;  ///< signed with this store's checkpoint key
    bool matches = false;       ///< the log holds record `seq` with exactly that hash
};

/// The state of the audit chain for the FG.
struct ChainStatus {
    store::AuditVerification verification;
    /// Whether this check read the whole log, registers included (else only what was added
    /// since the last check; core/store/audit_verifier.h), how many records it read, and when
    /// the last full check ran and how many it read then.
    bool full = false;
    long long walked = 0;
    std::optional<Timestamp> last_full_at;
    long long last_full_records = 0;
    std::vector<CheckpointStatus> checkpoints;  ///< newest first
    std::string public_key;
    std::string checkpoint_file;
};

/// How much of the chain a check reads.
enum class ChainCheck {
    kFull,       ///< everything: records, register rows, checkpoints (the API, "nu volledig")
    kSinceLast,  ///< only what was added since this daemon's last check (the page's view)
};

/// Verifies the chain against the checkpoint file (fg, beheerder; else kPermissionDenied),
/// through the store's AuditVerifier, so a full check here moves the mark the quick ones start at.
Result<ChainStatus> chainStatus(const DecisionContext& c, ChainCheck how = ChainCheck::kFull);

/// The verification's problem in words for an FG (Dutch), "" when the chain is intact.
std::string chainProblemText(const store::AuditVerification& v);

}  // namespace sluis::api

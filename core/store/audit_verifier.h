#pragma once
/// Verifying the audit chain, in full or from where the last check ended.
///
/// A full check (`verifyAudit`, transfer_store.h) reads every record and checks sequence, links
/// and keyed hashes, then every register row's MAC and every checkpoint. On a store with a year
/// of spring runs that is hundreds of thousands of rows: seconds, too slow for a page the FG opens
/// often. The AuditVerifier remembers the newest record a full check found intact (its number
/// and hash), so that a later check reads only that record again and the ones added since.
///
/// The trade-off (docs/web.md, "Audit"): between two full checks, a record older than the mark
/// that is rewritten, or a register row forged, shows up only at the next full check. Full checks
/// run every `audit.full_check_interval` in housekeeping, on the API's `/audit/verify`, on the
/// CLI's `sluis audit verify` and when the FG asks for one on the page; the page says when the
/// last one ran. Anything a quick check finds wrong is checked in full at once, and after a full
/// check that found a problem every check is full again until the chain is intact.
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/store/transfer_store.h"

namespace sluis::store {

/// One check of the chain.
struct AuditCheck {
    AuditVerification verification;  ///< `records` is the whole log's length
    bool full = false;               ///< this check read everything (else only what was new)
    long long walked = 0;            ///< records this check read and verified
    /// The last full check: when it ran and how many records it verified. Unset: none yet.
    std::optional<Timestamp> last_full_at;
    long long last_full_records = 0;
    /// The hash the log holds at each checkpoint's record, as this check read it ("" when the
    /// record is not there, or when the check stopped at a problem before reaching it).
    std::map<long long, std::string> checkpoint_hashes;
};

class AuditVerifier {
  public:
    /// Reads everything; remembers the head when the chain is intact. `now`: when it ran.
    Result<AuditCheck> full(TransferStore& store, const AuditAnchors& anchors, Timestamp now);
    /// Reads only what was added since the remembered head (after checking that the head record
    /// still holds the hash it had), and each checkpoint's own record. Falls back to `full` when
    /// there is no head yet, when the last full check found a problem, and when this check finds
    /// one (so a problem is always reported as a full check reports it).
    Result<AuditCheck> sinceLast(TransferStore& store, const AuditAnchors& anchors, Timestamp now);
    /// When the last full check ran (unset: none in this process yet).
    std::optional<Timestamp> lastFullAt() const;

  private:
    struct Head {
        long long seq = 0;
        std::string hash;
    };
    void remember(const Head& head);

    mutable std::mutex mu_;
    std::optional<Head> head_;  ///< the newest record known intact; unset when a problem is known
    std::optional<Timestamp> last_full_at_;
    long long last_full_records_ = 0;
};

}  // namespace sluis::store

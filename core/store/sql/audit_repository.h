#pragma once
/// The audit log's table: appending to the keyed hash chain, reading it in pages, its head (for
/// checkpoints). Verification of the whole chain is verifyAudit (sql_store.cpp), on the interface.
#include <string>
#include <utility>
#include <vector>

#include "core/store/sql/unit_of_work.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

class AuditRepository {
public:
    explicit AuditRepository(UnitOfWork& w) : w_(w) {}

    /// Appends `e` at `at` to the chain. The chain is read and extended under the chain lock, so
    /// two daemons on one PostgreSQL database cannot both append the same sequence number.
    Status append(const AuditEvent& e, Timestamp at);
    /// Up to `limit` records after `after_seq`, in order.
    Result<std::vector<AuditRecord>> log(long long after_seq, size_t limit);
    /// The records matching `q` (filters, order, paging) as the Audit page and the API ask.
    Result<std::vector<AuditRecord>> search(const AuditSearch& q);
    /// The newest record's sequence number and hash (0 and "" for an empty log).
    Result<std::pair<long long, std::string>> head();

    /// The keyed link of a record: HMAC under the audit key of the record and its predecessor.
    static std::string chainHash(const crypto::Key& audit_key, const std::string& prev_hash, long long seq,
                                 Timestamp at, const AuditEvent& e);

private:
    UnitOfWork& w_;
};

}  // namespace sluis::store::sql

#pragma once
/// Reading and writing column values of the SQL store: base64 of sealed blobs, nullable times,
/// named state sets as SQL lists, the transfer SELECT list and its row reader, audit rows and the
/// bytes an audit chain link covers.
#include <string>
#include <vector>

#include "core/store/sql/session.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

std::string b64(const std::string& in);
std::string unb64(const std::string& in);
NullInt nullable(const std::optional<Timestamp>& t);

/// "1, 2, 3": a named state set (core/transfer/state.h) in SQL.
std::string stateList(const std::vector<State>& states);

/// "?, ?, ?" for `n` values.
std::string placeholders(size_t n);

/// The SELECT list rowToTransfer reads, in dialect `d`.
std::string transferColumns(const Dialect& d);
Result<Transfer> rowToTransfer(const Row& row);

/// The columns `auditRecord` reads, in its order.
constexpr const char* kAuditColumns = "seq, at, actor, event, transfer_id, purpose, details, prev_hash, hash";
AuditRecord auditRecord(const Row& row);

/// The bytes an audit chain link covers: the record and its predecessor's hash.
std::string auditCanonical(const std::string& prev_hash, long long seq, Timestamp at, const AuditEvent& e);

}  // namespace sluis::store::sql

#pragma once
/// What the store seals and authenticates: the columns sealed directly with the master key (which
/// a key rotation re-wraps) and the register tables whose rows carry a keyed MAC (which the audit
/// check verifies), with the MAC itself. The bytes are fixed: existing databases depend on them.
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/payload_cipher.h"
#include "core/store/sql/session.h"

namespace sluis::store::sql {

/// A column sealed directly with the master key: its table, the key column naming a row, the
/// associated data (`aad_prefix` + key), the MAC table covering it (empty: none) and an extra
/// condition on the rows.
struct SealedColumn {
    const char* table;
    const char* key;
    const char* column;
    const char* aad_prefix;
    const char* mac_table;
    const char* where;
};
const std::vector<SealedColumn>& masterSealedColumns();

/// The registers whose rows carry a keyed MAC: the columns it covers, in this order, and the key
/// column that names a row.
struct MacTable {
    const char* table;
    const char* key;
    std::vector<const char*> columns;
};
const std::vector<MacTable>& macTables();
const MacTable& macTable(const std::string& name);
/// "a, b, c": the covered columns of `t`.
std::string columnList(const MacTable& t);

using MacValues = std::vector<std::optional<std::string>>;
/// The keyed MAC of one register row (its covered columns as text, NULL as null), under the
/// audit HMAC key.
std::string rowMac(const crypto::Key& audit_key, const std::string& table, const MacValues& values);
/// Columns [first, first + n) of `row` as MAC values.
MacValues rowValues(const Row& row, size_t first, size_t n);

}  // namespace sluis::store::sql

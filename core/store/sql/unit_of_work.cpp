#include "core/store/sql/unit_of_work.h"

#include "core/store/sql/audit_repository.h"
#include "core/util/log.h"

namespace sluis::store::sql {

Status UnitOfWork::appendAudit(const AuditEvent& e, Timestamp at) { return AuditRepository(*this).append(e, at); }

bool UnitOfWork::rowAuthentic(const std::string& table, const Row& row, size_t first, size_t mac_col,
                              const std::string& key) const {
    const auto& t = macTable(table);
    if (row.str(mac_col) == rowMac(table, rowValues(row, first, t.columns.size()))) return true;
    log::error("store.row_unauthentic", {{"table", table}, {t.key, key}, {"alert", true}});
    return false;
}

Status UnitOfWork::macRow(const std::string& table, const std::string& key) {
    const auto& t = macTable(table);
    std::string k = key, mac;
    bool found = false;
    SLUIS_RETURN_IF_ERROR(eachRow(
        "SELECT " + columnList(t) + " FROM " + t.table + " WHERE " + t.key + " = ?",
        [&](Statement& st) { st, use(k); },
        [&](const Row& row) {
            mac = rowMac(table, rowValues(row, 0, t.columns.size()));
            found = true;
        }));
    if (!found) return Status(ErrorCode::kNotFound, table + " " + key + " bestaat niet");
    sql("UPDATE " + std::string(t.table) + " SET mac = ? WHERE " + t.key + " = ?"), use(mac), use(k), now;
    return {};
}

}  // namespace sluis::store::sql

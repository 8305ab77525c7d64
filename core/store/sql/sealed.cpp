#include "core/store/sql/sealed.h"

#include <stdexcept>

#include "core/crypto/signing.h"

namespace sluis::store::sql {

const std::vector<SealedColumn>& masterSealedColumns() {
    static const std::vector<SealedColumn> cols = {
        {"meta", "key", "value", "sluis.meta.", "", " AND key IN ('audit_hmac_key', 'audit_signing_key')"},
        {"transfers", "id", "data_key", "dek:", "", ""},
        {"consents", "id", "evidence", "consent:", "consents", ""},
        {"consent_evidence", "consent_id", "filename", "consent-file-name:", "", ""},
        {"consent_evidence", "consent_id", "data", "consent-file:", "", ""},
        {"inzage", "id", "redennietakkoord", "inzage:", "inzage", ""},
    };
    return cols;
}

const std::vector<MacTable>& macTables() {
    static const std::vector<MacTable> tables = {
        {"approvals", "seq", {"transfer_id", "approver", "role", "payload_hash", "decision", "reason", "at"}},
        {"consents",
         "id",
         {"id", "pupil", "purpose", "given_by", "relation", "decision", "decided_on", "method", "evidence",
          "valid_from", "valid_until", "recorded_by", "recorded_at", "withdrawn_at", "withdrawn_by"}},
        {"inzage",
         "id",
         {"id", "pupil", "purpose", "inzagedatum", "akkoord", "redennietakkoord", "recorded_by", "recorded_at"}},
        {"transfer_history", "seq", {"transfer_id", "from_state", "to_state", "at", "actor", "reason"}},
    };
    return tables;
}
const MacTable& macTable(const std::string& name) {
    for (const auto& t : macTables())
        if (name == t.table) return t;
    throw std::logic_error("no MAC table " + name);
}
std::string columnList(const MacTable& t) {
    std::string out;
    for (const char* c : t.columns) out += std::string(out.empty() ? "" : ", ") + c;
    return out;
}

std::string rowMac(const crypto::Key& audit_key, const std::string& table, const MacValues& values) {
    nlohmann::json a = nlohmann::json::array({table});
    for (const auto& v : values) a.push_back(v ? nlohmann::json(*v) : nlohmann::json());
    return crypto::hmacSha256Hex(audit_key, "sluis.row.v1|" + a.dump());
}

MacValues rowValues(const Row& row, size_t first, size_t n) {
    MacValues out;
    for (size_t i = first; i < first + n; ++i)
        out.push_back(row.isNull(i) ? std::nullopt : std::optional<std::string>(row.str(i)));
    return out;
}

}  // namespace sluis::store::sql

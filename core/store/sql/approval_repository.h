#pragma once
/// Approvals (`approvals`, MAC'd rows), payload previews (`previews`) and prepared batches (`batches`).
#include <optional>
#include <string>
#include <vector>

#include "core/store/sql/unit_of_work.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

class ApprovalRepository {
public:
    explicit ApprovalRepository(UnitOfWork& w) : w_(w) {}

    Status recordPreview(const std::string& transfer_id, const std::string& viewer, const std::string& payload_hash, const AuditEvent& event, Timestamp now_ts);
    Result<bool> hasPreviewed(const std::string& transfer_id, const std::string& viewer, const std::string& payload_hash);
    Status addApproval(const Approval& a, const std::string& purpose, Timestamp now_ts);
    Result<std::vector<Approval>> approvals(const std::string& transfer_id);
    Status addBatch(const Batch& b, Timestamp now_ts);
    Result<Batch> getBatch(const std::string& id);
    Result<std::vector<Batch>> batches(size_t limit);
    Status closeBatch(const std::string& id, const std::string& status, const std::string& actor, const nlohmann::json& outcome, Timestamp now_ts);
    /// Batches matching `where` ("WHERE id = ?" with `arg`, or "" for all), newest first.
    Result<std::vector<Batch>> queryBatches(const std::string& where, const std::string& arg, size_t limit);

private:
    UnitOfWork& w_;
};

}  // namespace sluis::store::sql

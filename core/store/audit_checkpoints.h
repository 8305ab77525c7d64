#pragma once
/// The audit checkpoint file: signed statements of the audit chain's head, kept outside the
/// database (`<data_dir>/audit-checkpoints.jsonl`, one JSON object per line, appended, mode 0600,
/// never written through a symlink). `sluis audit verify` compares the log with it, so records
/// deleted from the end of the log (truncation) are found. The FG keeps copies elsewhere
/// (`sluis audit checkpoint --export`), which also survive someone who rewrites this file.
#include <filesystem>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/store/transfer_store.h"

namespace sluis::store {

inline constexpr const char* kCheckpointFile = "audit-checkpoints.jsonl";

nlohmann::json checkpointToJson(const AuditCheckpoint& cp);
/// `where` names the file and line in errors.
Result<AuditCheckpoint> checkpointFromJson(const nlohmann::json& j, const std::string& where);

/// Every checkpoint in `path` (none when the file does not exist). Errors name file and line.
Result<std::vector<AuditCheckpoint>> readCheckpointFile(const std::filesystem::path& path);

/// Appends one checkpoint (O_APPEND|O_NOFOLLOW, fsync; created 0600).
Status appendCheckpointFile(const std::filesystem::path& path, const AuditCheckpoint& cp);

/// Signs the chain's current head and appends it to `path`, unless the newest checkpoint in the
/// file already names that record and `force` is false. Returns the checkpoint written, if any.
Result<std::optional<AuditCheckpoint>> writeCheckpoint(TransferStore& store,
                                                       const std::filesystem::path& path,
                                                       Timestamp now, bool force);

}  // namespace sluis::store

#pragma once
/// Owner-only permissions for the data directory and the store files (issue 14, M6).
///
/// The data directory holds pupil ids, the consent register, reasons, notification texts, token
/// hashes and the audit log in clear (only payloads and register evidence are encrypted), so it
/// must be readable by the service account alone, whatever the umask it was started with.
#include <filesystem>
#include <vector>

#include "core/error.h"

namespace sluis::util {

/// A mode that was too open and has been narrowed.
struct Repaired {
    std::filesystem::path path;
    unsigned old_mode = 0;  ///< permission bits before (e.g. 0755)
    unsigned new_mode = 0;
};

/// Makes `dir` 0700 and every regular file directly in it, plus each of `files` that exists,
/// 0600 (only bits are removed, never added). Subdirectories keep their modes. Symlinks are not followed and not changed.
/// Returns what was narrowed; an error naming the path when a mode cannot be changed (for
/// instance because the file belongs to another user), so the daemon can refuse to start.
Result<std::vector<Repaired>> makeOwnerOnly(const std::filesystem::path& dir,
                                            const std::vector<std::filesystem::path>& files);

}  // namespace sluis::util

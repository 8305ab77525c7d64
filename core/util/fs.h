#pragma once
/// Durable filesystem helpers: atomic writes (temp file + fsync + rename + directory fsync).
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluis::util {

/// Reads a whole file; kIo with the path on failure, kTooLarge above `max_bytes`.
Result<std::string> readFile(const std::filesystem::path& path, size_t max_bytes = 1ull << 30);

/// Writes `data` to `path` so that readers see either the old file or the complete new one, and
/// the new content survives a crash once this returns: writes `.<name>.tmp-<pid>` beside it,
/// fsyncs, renames, fsyncs the directory. `mode` is applied to the new file.
Status writeFileAtomic(const std::filesystem::path& path, std::string_view data, int mode = 0640);

/// Renames and fsyncs both directories.
Status renameDurable(const std::filesystem::path& from, const std::filesystem::path& to);

Status fsyncDir(const std::filesystem::path& dir);

/// SHA-256 in lower-case hex.
std::string sha256Hex(std::string_view data);

}  // namespace sluis::util

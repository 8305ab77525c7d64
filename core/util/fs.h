#pragma once
/// Durable filesystem helpers: atomic writes (temp file + fsync + rename + directory fsync).
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluis::util {

/// Reads a whole file; kIo with the path on failure, kTooLarge above `max_bytes`.
Result<std::string> readFile(const std::filesystem::path& path, size_t max_bytes = 1ull << 30);

/// Reads a whole file that must be a regular file: opened with O_NOFOLLOW|O_NONBLOCK (a symlink
/// is refused, a FIFO does not block) and checked with fstat. kInvalidInput naming the path
/// when it is a symlink or not a regular file; otherwise as readFile.
Result<std::string> readRegularFile(const std::filesystem::path& path, size_t max_bytes = 1ull << 30);

/// Writes `data` to `path` so that readers see either the old file or the complete new one, and
/// the new content survives a crash once this returns. The temp file `.<name>.<32 random hex>.tmp`
/// (CSPRNG) is created beside it with O_CREAT|O_EXCL|O_NOFOLLOW, so nothing planted there (a
/// symlink, a file) is ever opened or followed; `mode` is set with a checked fchmod; file and
/// directory are fsynced; then it is renamed over `path` (a rename replaces a symlink at `path`,
/// it never writes through it). On any failure the temp file is removed.
Status writeFileAtomic(const std::filesystem::path& path, std::string_view data, int mode = 0600);

/// As writeFileAtomic, into the directory open as `dirfd` (e.g. opened with O_NOFOLLOW by a caller
/// that must not follow a symlinked directory); `dir` only names it in messages.
Status writeFileAtomicAt(int dirfd, const std::filesystem::path& dir, const std::string& name,
                         std::string_view data, int mode = 0600);

/// As readRegularFile, for `name` in the directory open as `dirfd`.
Result<std::string> readRegularFileAt(int dirfd, const std::filesystem::path& dir, const std::string& name,
                                      size_t max_bytes = 1ull << 30);

/// True when `name` is a temp file name writeFileAtomic makes (or made before, `.tmp-<pid>`).
bool isAtomicTempName(const std::string& name);

/// Renames and fsyncs both directories.
Status renameDurable(const std::filesystem::path& from, const std::filesystem::path& to);

Status fsyncDir(const std::filesystem::path& dir);

/// SHA-256 in lower-case hex.
std::string sha256Hex(std::string_view data);

}  // namespace sluis::util

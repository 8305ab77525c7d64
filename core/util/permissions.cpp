#include "core/util/permissions.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace sluis::util {

namespace fs = std::filesystem;

namespace {

std::string octal(unsigned mode) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", mode);
    return buf;
}

/// Narrows `path` to `wanted` when it has any bit outside it. Never follows a symlink.
Status narrow(const fs::path& path, unsigned wanted, bool want_dir, std::vector<Repaired>& out) {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return {};
        return {ErrorCode::kIo, "kan de rechten van " + path.string() + " niet lezen: " +
                                    std::strerror(errno)};
    }
    if (S_ISLNK(st.st_mode)) return {};  // not ours to change; the store never creates links
    if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) return {};
    unsigned mode = st.st_mode & 07777;
    if ((mode & ~wanted) == 0) return {};
    unsigned narrowed = mode & wanted;
    if (::chmod(path.c_str(), narrowed) != 0)
        return {ErrorCode::kIo, path.string() + " is leesbaar voor anderen (rechten " + octal(mode) +
                                    ") en Sluis kan dat niet herstellen: " + std::strerror(errno) +
                                    ". Zet de rechten op " + octal(wanted) +
                                    " (eigenaar: het account dat Sluis draait)."};
    out.push_back({path, mode, narrowed});
    return {};
}

}  // namespace

Result<std::vector<Repaired>> makeOwnerOnly(const fs::path& dir, const std::vector<fs::path>& files) {
    std::vector<Repaired> out;
    SLUIS_RETURN_IF_ERROR(narrow(dir, 0700, /*want_dir=*/true, out));
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const auto& entry = *it;
        std::error_code type_ec;
        if (entry.is_symlink(type_ec)) continue;
        // Subdirectories (inbox, outbox, ...) are the connectors' and keep their own modes; with
        // the data dir at 0700 nobody else reaches them anyway.
        if (entry.is_regular_file(type_ec))
            SLUIS_RETURN_IF_ERROR(narrow(entry.path(), 0600, false, out));
    }
    if (ec)
        return Error{ErrorCode::kIo, "kan datamap " + dir.string() + " niet lezen: " + ec.message()};
    for (const auto& f : files) SLUIS_RETURN_IF_ERROR(narrow(f, 0600, false, out));
    return out;
}

}  // namespace sluis::util

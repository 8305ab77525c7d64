#include "core/util/fs.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/util/text.h"

namespace sluis::util {

namespace fs = std::filesystem;

namespace {
Error ioError(const std::string& what, const fs::path& p) {
    return Error{ErrorCode::kIo, what + " " + p.string() + ": " + std::strerror(errno)};
}
}  // namespace

namespace {
Result<std::string> readOpen(int fd, const fs::path& path, size_t max_bytes, bool regular_only) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        Error e = ioError("kan niet lezen:", path);
        ::close(fd);
        return e;
    }
    if (regular_only && !S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{ErrorCode::kInvalidInput, path.string() + ": geen gewoon bestand; geweigerd"};
    }
    if (static_cast<size_t>(st.st_size) > max_bytes) {
        ::close(fd);
        return Error{ErrorCode::kTooLarge, path.string() + ": bestand is groter dan " +
                                               std::to_string(max_bytes) + " bytes"};
    }
    std::string out;
    out.resize(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::read(fd, out.data() + done, out.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            Error e = ioError("kan niet lezen:", path);
            ::close(fd);
            return e;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    out.resize(done);
    ::close(fd);
    return out;
}
}  // namespace

Result<std::string> readFile(const fs::path& path, size_t max_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ioError("kan niet lezen:", path);
    return readOpen(fd, path, max_bytes, false);
}

namespace {
Result<std::string> readRegular(int dirfd, const char* name, const fs::path& path, size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat refuses it right after.
    int fd = ::openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ELOOP)
            return Error{ErrorCode::kInvalidInput, path.string() + ": is een symbolische link; geweigerd"};
        return ioError("kan niet lezen:", path);
    }
    return readOpen(fd, path, max_bytes, true);
}
}  // namespace

Result<std::string> readRegularFileAt(int dirfd, const fs::path& dir, const std::string& name,
                                      size_t max_bytes) {
    return readRegular(dirfd, name.c_str(), dir / name, max_bytes);
}

Result<std::string> readRegularFile(const fs::path& path, size_t max_bytes) {
    return readRegular(AT_FDCWD, path.c_str(), path, max_bytes);
}

Status fsyncDir(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ioError("kan map niet openen:", dir);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return ioError("fsync mislukt:", dir);
    return {};
}

bool isAtomicTempName(const std::string& name) {
    if (!name.starts_with(".")) return false;
    if (name.find(".tmp-") != std::string::npos) return true;  // the old `.<name>.tmp-<pid>`
    // `.<name>.<32 hex>.tmp`
    if (!name.ends_with(".tmp") || name.size() < 1 + 1 + 32 + 4) return false;
    std::string_view hex(name.data() + name.size() - 4 - 32, 32);
    if (name[name.size() - 4 - 32 - 1] != '.') return false;
    for (char c : hex)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

Status writeFileAtomic(const fs::path& path, std::string_view data, int mode) {
    fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    int dirfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) return ioError("kan map niet openen:", dir);
    Status st = writeFileAtomicAt(dirfd, dir, path.filename().string(), data, mode);
    ::close(dirfd);
    return st;
}

Status writeFileAtomicAt(int dirfd, const fs::path& dir, const std::string& name, std::string_view data,
                         int mode) {
    unsigned char rnd[16];
    if (RAND_bytes(rnd, sizeof rnd) != 1)
        return Error{ErrorCode::kIo, "kan geen willekeurige tijdelijke naam maken voor " + (dir / name).string()};
    std::string tmp = "." + name + "." +
                      toHex(std::string_view(reinterpret_cast<const char*>(rnd), sizeof rnd)) + ".tmp";
    // O_EXCL|O_NOFOLLOW: never open anything that is already there, least of all through a symlink.
    int fd = ::openat(dirfd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return ioError("kan niet schrijven:", dir / tmp);
    auto fail = [&](const std::string& what, const fs::path& p) -> Status {
        Error e = ioError(what, p);
        if (fd >= 0) ::close(fd);
        ::unlinkat(dirfd, tmp.c_str(), 0);
        return e;
    };
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) return fail("kan rechten niet zetten:", dir / tmp);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            return fail("kan niet schrijven:", dir / tmp);
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) return fail("fsync mislukt:", dir / tmp);
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0) return fail("kan niet schrijven:", dir / tmp);
    if (::renameat(dirfd, tmp.c_str(), dirfd, name.c_str()) != 0) return fail("kan niet hernoemen naar", dir / name);
    if (::fsync(dirfd) != 0) return ioError("fsync mislukt:", dir);
    return {};
}

Status renameDurable(const fs::path& from, const fs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) return ioError("kan niet verplaatsen naar", to);
    SLUIS_RETURN_IF_ERROR(fsyncDir(to.has_parent_path() ? to.parent_path() : fs::path(".")));
    return fsyncDir(from.has_parent_path() ? from.parent_path() : fs::path("."));
}

std::string sha256Hex(std::string_view data) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return toHex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace sluis::util

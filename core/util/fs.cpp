#include "core/util/fs.h"

#include <fcntl.h>
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

Result<std::string> readFile(const fs::path& path, size_t max_bytes) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ioError("kan niet lezen:", path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return ioError("kan niet lezen:", path);
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
            ::close(fd);
            return ioError("kan niet lezen:", path);
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    out.resize(done);
    ::close(fd);
    return out;
}

Status fsyncDir(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ioError("kan map niet openen:", dir);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return ioError("fsync mislukt:", dir);
    return {};
}

Status writeFileAtomic(const fs::path& path, std::string_view data, int mode) {
    fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    fs::path tmp = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(::getpid()));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return ioError("kan niet schrijven:", tmp);
    ::fchmod(fd, static_cast<mode_t>(mode));
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            Error e = ioError("kan niet schrijven:", tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return e;
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        Error e = ioError("fsync mislukt:", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return e;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        Error e = ioError("kan niet hernoemen naar", path);
        ::unlink(tmp.c_str());
        return e;
    }
    return fsyncDir(dir);
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

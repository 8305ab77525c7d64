#include "core/store/key_rotation.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/crypto/key_ring.h"
#include "core/util/fs.h"
#include "core/util/log.h"

namespace sluis::store {

namespace fs = std::filesystem;

namespace {

/// The flock'ed rotation lock file; released when destroyed.
class LockFile {
public:
    ~LockFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    Status acquire(const fs::path& path) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd_ < 0) return Status(ErrorCode::kIo, "kan " + path.string() + " niet openen: " + std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) return busy();
        return {};
    }
    static Status busy() {
        return Status(ErrorCode::kConflict,
                      "er loopt al een sleutelrotatie (sluis key rotate) op deze database; wacht tot die "
                      "klaar is. Is die afgebroken, start dan opnieuw wanneer hij niet meer draait: hij gaat "
                      "verder waar hij stopte");
    }

private:
    int fd_ = -1;
};

}  // namespace

Result<RotationResult> rotateMasterKey(const RotationOptions& options, const StoreOpener& open, Timestamp now) {
    RotationResult out;
    const fs::path key_file = options.key_file;
    const fs::path next_file = key_file.string() + ".new";
    LockFile file_lock;
    SLUIS_RETURN_IF_ERROR(file_lock.acquire(key_file.string() + ".rotate.lock"));

    std::error_code ec;
    crypto::Key next{};
    if (fs::exists(fs::symlink_status(next_file, ec))) {
        auto k = crypto::loadOrCreateKeyFile(next_file, false);  // checks mode and size
        if (!k) return k.error();
        next = *k;
    } else {
        auto current = crypto::loadOrCreateKeyFile(key_file, false);
        if (!current) return current.error();
        std::string raw = crypto::randomBytes(next.size());
        std::copy(raw.begin(), raw.end(), next.begin());
        SLUIS_RETURN_IF_ERROR(util::writeFileAtomic(next_file, raw, 0600));
        log::info("key.rotation_prepared", {{"fingerprint", crypto::keyFingerprint(next)}});
    }
    out.new_fingerprint = crypto::keyFingerprint(next);
    if (options.prepare) {
        out.prepared_only = true;
        return out;
    }

    auto store = open();
    if (!store) return store.error();
    auto locked = (*store)->tryRotationLock();
    if (!locked) return locked.error();
    if (!*locked) return LockFile::busy().error();

    auto before = (*store)->keyStatus();
    if (!before) return before.error();
    if (before->fingerprint != out.new_fingerprint) out.old_fingerprint = before->fingerprint;
    SLUIS_RETURN_IF_ERROR((*store)->switchMasterKey(out.new_fingerprint, options.actor, now));

    long long batches = 0;
    for (;;) {
        if (options.max_batches > 0 && batches >= options.max_batches) break;
        auto n = (*store)->rewrapBatch(options.batch == 0 ? 200 : options.batch);
        if (!n) return n.error();
        ++batches;
        out.rewrapped += *n;
        if (*n == 0) break;
    }
    auto after = (*store)->keyStatus();
    if (!after) return after.error();
    out.remaining = after->older;
    if (out.remaining > 0) return out;  // stopped early (--max-batches): run again to continue

    // Swap the files: keep the old key (hard link, so sluis.key stays in place until the rename
    // replaces it atomically), then the new key becomes sluis.key.
    auto old = crypto::loadOrCreateKeyFile(key_file, false);
    if (old) {
        std::string old_fp = crypto::keyFingerprint(*old);
        if (old_fp != out.new_fingerprint) {
            if (out.old_fingerprint.empty()) out.old_fingerprint = old_fp;
            out.old_key_file = key_file.string() + ".old-" + old_fp;
            if (!fs::exists(fs::symlink_status(out.old_key_file, ec)) &&
                ::link(key_file.c_str(), out.old_key_file.c_str()) != 0)
                return Error{ErrorCode::kIo, "kan de oude sleutel niet bewaren als " + out.old_key_file.string() +
                                                 ": " + std::strerror(errno)};
        }
    }
    SLUIS_RETURN_IF_ERROR(util::renameDurable(next_file, key_file));
    SLUIS_RETURN_IF_ERROR((*store)->audit(
        {options.actor, "key_rotated", "", "", {{"from", out.old_fingerprint}, {"to", out.new_fingerprint}}}, now));
    log::info("key.rotated", {{"from", out.old_fingerprint}, {"to", out.new_fingerprint}, {"rewrapped", out.rewrapped}});
    out.complete = true;
    return out;
}

}  // namespace sluis::store

// Directory source: offers every settled file in the inbox; after the core has stored it durably it
// is deleted (or moved to processed/ when `keep_processed_days` > 0), or moved to failed/ with a
// reason file when it could not be used. Symlinks, FIFOs, devices and other non-regular files are
// never opened: they are parked in failed/ at once. Parked files are removed by the retention
// purge after their period (expiredFiles / removeRetained).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "connectors/directory/directory.h"
#include "core/util/clock.h"
#include "core/util/fs.h"
#include "core/util/log.h"

namespace sluis::connectors {

namespace fs = std::filesystem;
using connector::OptionSpec;
using connector::OptionType;

namespace {

class DirectorySource final : public connector::Source {
public:
    DirectorySource(std::string instance, fs::path inbox, fs::path processed, fs::path failed,
                    std::string suffix, std::chrono::milliseconds settle, size_t max_bytes,
                    int keep_processed_days, int keep_failed_days, const Clock* clock)
        : instance_(std::move(instance)),
          inbox_(std::move(inbox)),
          processed_(std::move(processed)),
          failed_(std::move(failed)),
          suffix_(std::move(suffix)),
          settle_(settle),
          max_bytes_(max_bytes),
          keep_processed_days_(keep_processed_days),
          keep_failed_days_(keep_failed_days),
          clock_(clock) {}

    Status prepare() {
        std::error_code ec;
        for (const auto& d : {inbox_, processed_, failed_}) {
            fs::create_directories(d, ec);
            if (ec)
                return {ErrorCode::kIo, "bron " + instance_ + ": kan map " + d.string() +
                                            " niet aanmaken: " + ec.message()};
        }
        return {};
    }

    Result<std::vector<connector::SourceItem>> poll(size_t max_items) override {
        std::vector<std::pair<fs::file_time_type, fs::path>> files;
        std::error_code ec;
        fs::directory_iterator it(inbox_, ec);
        if (ec)
            return Error{ErrorCode::kIo,
                         "bron " + instance_ + ": kan " + inbox_.string() + " niet lezen: " + ec.message()};
        // The file system's time, not the injected clock: an mtime the writer's kernel set is
        // compared with the same real time, whatever time the daemon runs on (a test clock).
        auto settled_before = fs::file_time_type::clock::now() - settle_;
        std::vector<std::pair<fs::path, std::string>> refused;
        for (const auto& e : it) {
            std::string name = e.path().filename().string();
            if (name.empty() || name[0] == '.') continue;
            if (name.size() > 4 && (name.ends_with(".tmp") || name.ends_with(".part"))) continue;
            // lstat only: a symlink, FIFO or device is never opened (a FIFO would block the daemon).
            auto type = e.symlink_status(ec).type();
            if (ec) continue;
            if (type == fs::file_type::directory) continue;  // processed/, failed/, or someone's folder
            if (!suffix_.empty() && !name.ends_with(suffix_)) continue;
            if (type != fs::file_type::regular) {
                if (e.path() == processed_ || e.path() == failed_) continue;
                refused.emplace_back(e.path(), kindName(type));
                continue;
            }
            auto mtime = e.last_write_time(ec);
            if (ec || mtime > settled_before) continue;  // still being written
            files.emplace_back(mtime, e.path());
        }
        for (const auto& [path, kind] : refused) {
            log::warn("source.file_refused",
                      {{"source", instance_}, {"file", path.filename().string()}, {"kind", kind}});
            auto moved = moveToFailed(path, "geweigerd: " + path.filename().string() + " is " + kind +
                                                ", geen gewoon bestand. Sluis opent zulke bestanden niet. Zet de "
                                                "export als gewoon bestand in de inbox.");
            if (!moved) log::error("source.move_failed", {{"source", instance_}, {"message", moved.message()}});
        }
        std::sort(files.begin(), files.end());
        std::vector<connector::SourceItem> items;
        for (const auto& [mtime, path] : files) {
            if (items.size() >= max_items) break;
            // O_NOFOLLOW + fstat: a file swapped for a symlink after the listing is still refused.
            auto bytes = util::readRegularFile(path, max_bytes_);
            if (!bytes) {
                // Unreadable, not regular or too large: it cannot be offered, so it is parked with the reason.
                log::warn("source.file_unusable",
                          {{"source", instance_}, {"file", path.filename().string()},
                           {"code", errorCodeName(bytes.error().code)}});
                auto moved = moveToFailed(path, bytes.error().message);
                if (!moved)
                    log::error("source.move_failed", {{"source", instance_}, {"message", moved.message()}});
                continue;
            }
            connector::SourceItem item;
            item.name = path.filename().string();
            item.idempotency_key = "directory:" + instance_ + ":" + util::sha256Hex(*bytes);
            item.bytes = std::move(*bytes);
            items.push_back(std::move(item));
        }
        return items;
    }

    Status acknowledge(const connector::SourceItem& item, const connector::Acknowledgement& ack) override {
        fs::path path = inbox_ / item.name;
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(path, ec))) return {};  // already handled (e.g. before a restart)
        if (ack.stored) {
            if (keep_processed_days_ <= 0) {
                // Stored encrypted in the store: the clear export is not kept.
                if (::unlink(path.c_str()) != 0)
                    return {ErrorCode::kIo, "kan " + path.string() + " niet verwijderen: " + std::strerror(errno)};
                return util::fsyncDir(inbox_);
            }
            return moveUnique(path, processed_);
        }
        return moveToFailed(path, ack.reason);
    }

    Result<std::vector<connector::RetainedFile>> expiredFiles(Timestamp now) override {
        std::vector<connector::RetainedFile> out;
        if (keep_processed_days_ > 0) SLUIS_RETURN_IF_ERROR(expiredIn(processed_, "processed", keep_processed_days_, now, out));
        SLUIS_RETURN_IF_ERROR(expiredIn(failed_, "failed", keep_failed_days_, now, out));
        return out;
    }

    Status removeRetained(const connector::RetainedFile& f) override {
        fs::path p(f.path);
        fs::path parent = p.parent_path();
        if (parent != processed_ && parent != failed_)
            return {ErrorCode::kInvalidArgument, "bron " + instance_ + ": " + f.path + " is geen bewaard bestand"};
        struct stat st {};
        if (::lstat(p.c_str(), &st) != 0) return {};  // already gone
        if (S_ISDIR(st.st_mode)) return {ErrorCode::kInvalidArgument, f.path + " is een map"};
        // unlink removes a parked symlink itself, never what it points at.
        if (::unlink(p.c_str()) != 0)
            return {ErrorCode::kIo, "kan " + f.path + " niet verwijderen: " + std::strerror(errno)};
        return util::fsyncDir(parent);
    }

private:
    static std::string kindName(fs::file_type t) {
        switch (t) {
            case fs::file_type::symlink: return "een symbolische link";
            case fs::file_type::fifo: return "een FIFO (named pipe)";
            case fs::file_type::socket: return "een socket";
            case fs::file_type::block: return "een blokapparaat";
            case fs::file_type::character: return "een tekenapparaat";
            default: return "geen gewoon bestand";
        }
    }

    /// Every non-directory entry of `dir` parked more than `days` ago (by its own mtime, which is
    /// set when it is parked; lstat, so parked symlinks count by themselves).
    Status expiredIn(const fs::path& dir, const std::string& kind, int days, Timestamp now,
                     std::vector<connector::RetainedFile>& out) const {
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(dir, ec))) return {};
        fs::directory_iterator it(dir, ec);
        if (ec)
            return {ErrorCode::kIo, "bron " + instance_ + ": kan " + dir.string() + " niet lezen: " + ec.message()};
        auto keep = std::chrono::days(days);
        std::vector<connector::RetainedFile> found;
        for (const auto& e : it) {
            struct stat st {};
            if (::lstat(e.path().c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
            Timestamp since = std::chrono::time_point_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec) +
                                                      std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
            Timestamp due = since + keep;
            if (due > now) continue;
            found.push_back({e.path().string(), kind, since, due});
        }
        std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
        out.insert(out.end(), found.begin(), found.end());
        return {};
    }

    Timestamp now() const { return clock_ ? clock_->now() : SystemClock().now(); }

    /// Marks `p` as parked now, by the injected clock (its atime and mtime, not following a
    /// symlink): its retention counts from here, in the same time expiredFiles is asked about.
    void markParked(const fs::path& p) const {
        const Timestamp at = now();
        const auto secs = std::chrono::floor<std::chrono::seconds>(at);
        struct timespec ts {};
        ts.tv_sec = static_cast<time_t>(secs.time_since_epoch().count());
        ts.tv_nsec = static_cast<long>(std::chrono::nanoseconds(at - secs).count());
        const struct timespec times[2] = {ts, ts};
        ::utimensat(AT_FDCWD, p.c_str(), times, AT_SYMLINK_NOFOLLOW);
    }

    static fs::path uniqueTarget(const fs::path& dir, const std::string& name) {
        fs::path target = dir / name;
        std::error_code ec;
        for (int i = 1; fs::exists(fs::symlink_status(target, ec)); ++i)
            target = dir / (name + "." + std::to_string(i));
        return target;
    }

    Status moveUnique(const fs::path& from, const fs::path& dir) {
        markParked(from);
        return util::renameDurable(from, uniqueTarget(dir, from.filename().string()));
    }

    Status moveToFailed(const fs::path& from, const std::string& reason) {
        fs::path target = uniqueTarget(failed_, from.filename().string());
        // Reason first: if we die in between, the file is still in the inbox and is retried.
        const fs::path reason_file = target.string() + ".reden.txt";
        SLUIS_RETURN_IF_ERROR(util::writeFileAtomic(
            reason_file,
            "Bestand: " + from.filename().string() + "\nTijdstip: " + formatIso(now()) +
                "\nReden:\n" + reason + "\n" +
                (keep_failed_days_ > 0 ? "Dit bestand en deze uitleg worden na " + std::to_string(keep_failed_days_) +
                                             " dagen verwijderd (keep_failed_days).\n"
                                       : std::string()),
            0640));
        markParked(reason_file);  // its retention counts in the same time as the file's
        markParked(from);
        return util::renameDurable(from, target);
    }

    std::string instance_;
    fs::path inbox_, processed_, failed_;
    std::string suffix_;
    std::chrono::milliseconds settle_;
    size_t max_bytes_;
    int keep_processed_days_;
    int keep_failed_days_;
    const Clock* clock_;  ///< nullptr: the system clock.
};

class DirectorySourceFactory final : public connector::SourceFactory {
public:
    explicit DirectorySourceFactory(const Clock* clock) : clock_(clock) {}
    std::string name() const override { return "directory"; }
    std::string description() const override {
        return "Leest bestanden uit een map (inbox); verplaatst ze na opslag naar processed/ of "
               "failed/ (met een .reden.txt).";
    }
    std::vector<OptionSpec> options() const override {
        return {
            {"path", OptionType::kPath, nullptr, true, false, "The inbox folder."},
            {"processed_path", OptionType::kPath, nullptr, false, false,
             "Where stored files go (default <path>/processed)."},
            {"failed_path", OptionType::kPath, nullptr, false, false,
             "Where unusable files go, with a .reden.txt (default <path>/failed)."},
            {"suffix", OptionType::kString, nullptr, false, false,
             "Only files whose name ends with this (e.g. \".csv\")."},
            {"settle_time", OptionType::kDurationMs, 1000, false, false,
             "A file must be unchanged this long before it is read."},
            {"max_file_size", OptionType::kInt, 64 * 1024 * 1024, false, false,
             "Larger files go to failed/."},
            {"keep_processed_days", OptionType::kInt, 0, false, false,
             "Days a stored export is kept (in clear) in processed/; 0 deletes it once stored."},
            {"keep_failed_days", OptionType::kInt, 30, false, false,
             "Days a refused file and its .reden.txt stay in failed/ before the purge deletes them."},
        };
    }
    Result<std::unique_ptr<connector::Source>> create(const std::string& instance,
                                                      const connector::Options& o) const override {
        fs::path inbox = o.str("path");
        fs::path processed = o.has("processed_path") ? fs::path(o.str("processed_path")) : inbox / "processed";
        fs::path failed = o.has("failed_path") ? fs::path(o.str("failed_path")) : inbox / "failed";
        for (const char* k : {"keep_processed_days", "keep_failed_days"})
            if (o.integer(k) < 0 || o.integer(k) > 3650)
                return Error{ErrorCode::kInvalidConfig,
                             "bron " + instance + ": " + k + " moet tussen 0 en 3650 dagen liggen"};
        auto src = std::make_unique<DirectorySource>(instance, inbox, processed, failed, o.str("suffix"),
                                                     o.duration("settle_time"),
                                                     static_cast<size_t>(o.integer("max_file_size")),
                                                     static_cast<int>(o.integer("keep_processed_days")),
                                                     static_cast<int>(o.integer("keep_failed_days")), clock_);
        SLUIS_RETURN_IF_ERROR(src->prepare());
        return std::unique_ptr<connector::Source>(std::move(src));
    }

private:
    const Clock* clock_;
};

}  // namespace

std::unique_ptr<connector::SourceFactory> makeDirectorySourceFactory(const Clock* clock) {
    return std::make_unique<DirectorySourceFactory>(clock);
}

}  // namespace sluis::connectors

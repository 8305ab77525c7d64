// Directory sink: writes each payload as <transfer id>.<ext> (stable across retries), atomically (temp file + fsync +
// rename + directory fsync). Re-delivering the same transfer with the same bytes is a no-op, so a
// retry after a crash never produces a second file. Never writes through a symlink: the outbox is
// opened with O_NOFOLLOW (a symlinked outbox is refused, retryable), a symlink or other non-regular
// file at the final name is a permanent rejection, and temp names are random and created O_EXCL.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "connectors/directory/directory.h"
#include "core/util/fs.h"
#include "core/util/log.h"

namespace sluis::connectors {

namespace fs = std::filesystem;
using connector::DeliveryOutcome;
using connector::OptionSpec;
using connector::OptionType;

namespace {

std::string safeName(const std::string& key) {
    std::string out;
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        out += ok ? c : '_';
    }
    return out;
}

class DirectorySink final : public connector::Sink {
public:
    DirectorySink(std::string instance, fs::path dir) : instance_(std::move(instance)), dir_(std::move(dir)) {}

    Status prepare() {
        std::error_code ec;
        fs::create_directories(dir_, ec);
        if (ec)
            return {ErrorCode::kIo, "doel " + instance_ + ": kan map " + dir_.string() +
                                        " niet aanmaken: " + ec.message()};
        // Temp files of a write interrupted by a crash: never visible as deliveries; remove them.
        // A symlinked outbox is refused at delivery (retryably); do not clean up through it either.
        if (fs::is_symlink(fs::symlink_status(dir_, ec))) {
            log::warn("sink.outbox_refused", {{"sink", instance_}});
            return {};
        }
        // fs::remove unlinks a symlink itself, never its target.
        for (const auto& e : fs::directory_iterator(dir_, ec)) {
            std::string n = e.path().filename().string();
            if (util::isAtomicTempName(n)) fs::remove(e.path(), ec);
        }
        return {};
    }

    /// The outbox opened without following a symlink; -1 with `why` set when refused.
    int openOutbox(std::string& why) const {
        int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) return fd;
        int err = errno;
        struct stat st {};
        if (err == ELOOP || (::lstat(dir_.c_str(), &st) == 0 && S_ISLNK(st.st_mode)))
            why = "uitvoermap " + dir_.string() +
                  " is een symbolische link; Sluis schrijft daar niet doorheen (vervang de link door een map)";
        else if (err == ENOTDIR)
            why = "uitvoermap " + dir_.string() + " is geen map";
        else
            why = "kan uitvoermap " + dir_.string() + " niet openen: " + std::strerror(err);
        return -1;
    }

    connector::DeliveryResult deliver(const connector::Delivery& d) noexcept override {
        try {
            std::string ext = d.file_extension.empty() ? "dat" : safeName(d.file_extension);
            std::string name = safeName(d.transfer_id) + "." + ext;
            std::string why;
            int dirfd = openOutbox(why);
            if (dirfd < 0) {
                log::warn("sink.outbox_refused", {{"sink", instance_}, {"transfer_id", d.transfer_id}});
                return {DeliveryOutcome::kRetryLater, why, ""};
            }
            auto result = deliverAt(dirfd, name, d);
            ::close(dirfd);
            return result;
        } catch (const std::exception& e) {
            return {DeliveryOutcome::kRetryLater, std::string("schrijven mislukt: ") + e.what(), ""};
        }
    }

private:
    connector::DeliveryResult deliverAt(int dirfd, const std::string& name, const connector::Delivery& d) {
        struct stat st {};
        if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
            if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
                log::error("sink.target_refused", {{"sink", instance_}, {"transfer_id", d.transfer_id},
                                                   {"file", name}});
                return {DeliveryOutcome::kRejected,
                        "in " + dir_.string() + " staat onder de naam " + name + " al " +
                            (S_ISLNK(st.st_mode) ? "een symbolische link" : "iets dat geen gewoon bestand is") +
                            "; Sluis schrijft daar niet doorheen en overschrijft het niet",
                        ""};
            }
            auto existing = util::readRegularFileAt(dirfd, dir_, name, static_cast<size_t>(st.st_size) + 1);
            if (existing && *existing == d.payload)
                return {DeliveryOutcome::kDelivered, "al afgeleverd (zelfde inhoud)", name};
            if (!existing) return {DeliveryOutcome::kRetryLater, existing.error().message, ""};
            return {DeliveryOutcome::kRejected, "bestand " + name + " bestaat al met andere inhoud", ""};
        } else if (errno != ENOENT) {
            return {DeliveryOutcome::kRetryLater,
                    "kan " + (dir_ / name).string() + " niet controleren: " + std::strerror(errno), ""};
        }
        auto written = util::writeFileAtomicAt(dirfd, dir_, name, d.payload, 0640);
        if (!written) return {DeliveryOutcome::kRetryLater, written.message(), ""};
        return {DeliveryOutcome::kDelivered, "", name};
    }

    std::string instance_;
    fs::path dir_;
};

class DirectorySinkFactory final : public connector::SinkFactory {
public:
    std::string name() const override { return "directory"; }
    std::string description() const override {
        return "Schrijft elke overdracht als één bestand in een map (outbox), atomair.";
    }
    std::vector<OptionSpec> options() const override {
        return {{"path", OptionType::kPath, nullptr, true, false, "The outbox folder."}};
    }
    Result<std::unique_ptr<connector::Sink>> create(const std::string& instance,
                                                    const connector::Options& o) const override {
        auto sink = std::make_unique<DirectorySink>(instance, o.str("path"));
        SLUIS_RETURN_IF_ERROR(sink->prepare());
        return std::unique_ptr<connector::Sink>(std::move(sink));
    }
};

}  // namespace

std::unique_ptr<connector::SinkFactory> makeDirectorySinkFactory() {
    return std::make_unique<DirectorySinkFactory>();
}

}  // namespace sluis::connectors

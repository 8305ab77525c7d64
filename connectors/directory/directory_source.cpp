// Directory source: offers every settled file in the inbox; moves it to processed/ only after the
// core has stored it durably, or to failed/ with a reason file when it could not be used.
#include <sys/stat.h>

#include <algorithm>
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
                    std::string suffix, std::chrono::milliseconds settle, size_t max_bytes)
        : instance_(std::move(instance)),
          inbox_(std::move(inbox)),
          processed_(std::move(processed)),
          failed_(std::move(failed)),
          suffix_(std::move(suffix)),
          settle_(settle),
          max_bytes_(max_bytes) {}

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
        auto settled_before = fs::file_time_type::clock::now() - settle_;
        for (const auto& e : it) {
            std::string name = e.path().filename().string();
            if (!e.is_regular_file(ec) || name.empty() || name[0] == '.') continue;
            if (name.size() > 4 && (name.ends_with(".tmp") || name.ends_with(".part"))) continue;
            if (!suffix_.empty() && !name.ends_with(suffix_)) continue;
            auto mtime = e.last_write_time(ec);
            if (ec || mtime > settled_before) continue;  // still being written
            files.emplace_back(mtime, e.path());
        }
        std::sort(files.begin(), files.end());
        std::vector<connector::SourceItem> items;
        for (const auto& [mtime, path] : files) {
            if (items.size() >= max_items) break;
            auto bytes = util::readFile(path, max_bytes_);
            if (!bytes) {
                // Unreadable or too large: it cannot be offered, so it is parked with the reason.
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
        if (!fs::exists(path)) return {};  // already moved (e.g. acknowledged before a restart)
        if (ack.stored) return moveUnique(path, processed_);
        return moveToFailed(path, ack.reason);
    }

private:
    static fs::path uniqueTarget(const fs::path& dir, const std::string& name) {
        fs::path target = dir / name;
        for (int i = 1; fs::exists(target); ++i)
            target = dir / (name + "." + std::to_string(i));
        return target;
    }

    Status moveUnique(const fs::path& from, const fs::path& dir) {
        return util::renameDurable(from, uniqueTarget(dir, from.filename().string()));
    }

    Status moveToFailed(const fs::path& from, const std::string& reason) {
        fs::path target = uniqueTarget(failed_, from.filename().string());
        // Reason first: if we die in between, the file is still in the inbox and is retried.
        SLUIS_RETURN_IF_ERROR(util::writeFileAtomic(
            target.string() + ".reden.txt",
            "Bestand: " + from.filename().string() + "\nTijdstip: " + formatIso(SystemClock().now()) +
                "\nReden:\n" + reason + "\n"));
        return util::renameDurable(from, target);
    }

    std::string instance_;
    fs::path inbox_, processed_, failed_;
    std::string suffix_;
    std::chrono::milliseconds settle_;
    size_t max_bytes_;
};

class DirectorySourceFactory final : public connector::SourceFactory {
public:
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
        };
    }
    Result<std::unique_ptr<connector::Source>> create(const std::string& instance,
                                                      const connector::Options& o) const override {
        fs::path inbox = o.str("path");
        fs::path processed = o.has("processed_path") ? fs::path(o.str("processed_path")) : inbox / "processed";
        fs::path failed = o.has("failed_path") ? fs::path(o.str("failed_path")) : inbox / "failed";
        auto src = std::make_unique<DirectorySource>(instance, inbox, processed, failed, o.str("suffix"),
                                                     o.duration("settle_time"),
                                                     static_cast<size_t>(o.integer("max_file_size")));
        SLUIS_RETURN_IF_ERROR(src->prepare());
        return std::unique_ptr<connector::Source>(std::move(src));
    }
};

}  // namespace

std::unique_ptr<connector::SourceFactory> makeDirectorySourceFactory() {
    return std::make_unique<DirectorySourceFactory>();
}

}  // namespace sluis::connectors

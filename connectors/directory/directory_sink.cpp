// Directory sink: writes each payload as <transfer id>.<ext> (stable across retries), atomically (temp file + fsync +
// rename + directory fsync). Re-delivering the same transfer with the same bytes is a no-op, so a
// retry after a crash never produces a second file.
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
        for (const auto& e : fs::directory_iterator(dir_, ec)) {
            std::string n = e.path().filename().string();
            if (n.starts_with(".") && n.find(".tmp-") != std::string::npos) fs::remove(e.path(), ec);
        }
        return {};
    }

    connector::DeliveryResult deliver(const connector::Delivery& d) noexcept override {
        try {
            std::string ext = d.file_extension.empty() ? "dat" : safeName(d.file_extension);
            fs::path target = dir_ / (safeName(d.transfer_id) + "." + ext);
            std::error_code ec;
            if (fs::exists(target, ec)) {
                auto existing = util::readFile(target);
                if (existing && *existing == d.payload)
                    return {DeliveryOutcome::kDelivered, "al afgeleverd (zelfde inhoud)", target.filename().string()};
                return {DeliveryOutcome::kRejected,
                        "bestand " + target.filename().string() + " bestaat al met andere inhoud", ""};
            }
            auto st = util::writeFileAtomic(target, d.payload, 0640);
            if (!st) return {DeliveryOutcome::kRetryLater, st.message(), ""};
            return {DeliveryOutcome::kDelivered, "", target.filename().string()};
        } catch (const std::exception& e) {
            return {DeliveryOutcome::kRetryLater, std::string("schrijven mislukt: ") + e.what(), ""};
        }
    }

private:
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

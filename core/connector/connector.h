#pragma once
/// Connector interfaces: sources bring data into Sluis, sinks take it out.
///
/// A connector has two halves (see docs/architecture.md): a stateless factory that declares its
/// options and validates them once, and runtime instances that never see raw configuration. The
/// core owns retries, back-off, dead-lettering and persistence; connectors only report outcomes.
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/util/clock.h"

namespace sluis::connector {

enum class OptionType {
    kString,
    kInt,
    kBool,
    kDurationMs,
    kPath,
    kStringList,
    kObject,      ///< A JSON object (its content checked by the owner, e.g. Decoder::check).
    kObjectList,  ///< A list of JSON objects.
};

const char* optionTypeName(OptionType t);

/// One declared option of a connector. Declarations drive validation, `--help` and docs.
struct OptionSpec {
    std::string key;
    OptionType type = OptionType::kString;
    nlohmann::json default_value;  ///< null: no default.
    bool required = false;
    bool secret = false;  ///< Never echoed in messages, logs or check-config output.
    std::string description;
};

/// Validated options of one connector instance: every declared key present (default applied)
/// and of the declared type. Read-only.
class Options {
public:
    explicit Options(nlohmann::json values) : values_(std::move(values)) {}
    std::string str(const std::string& key) const;
    long long integer(const std::string& key) const;
    bool boolean(const std::string& key) const;
    std::chrono::milliseconds duration(const std::string& key) const;
    std::vector<std::string> list(const std::string& key) const;
    bool has(const std::string& key) const;
    const nlohmann::json& raw() const { return values_; }

private:
    nlohmann::json values_;
};

/// Checks `values` (a JSON object from config) against `specs`. Every problem is appended to
/// `errors` as "<path>.<key>: message"; secret values are never included.
Result<Options> validateOptions(const std::vector<OptionSpec>& specs, const nlohmann::json& values,
                                const std::string& path, std::vector<std::string>& errors);

/// An item a source offers to the core.
struct SourceItem {
    std::string idempotency_key;  ///< Stable across restarts for the same upstream item.
    std::string name;             ///< For humans and error messages (e.g. the file name).
    std::string bytes;            ///< The raw content.
};

/// What the core tells a source after it has handled an item.
struct Acknowledgement {
    bool stored = false;  ///< true: durably stored, upstream may forget it.
    std::string reason;   ///< When not stored: why (Dutch, no personal values).
};

/// Something a source keeps after acknowledging it (a processed export kept for a while, a
/// refused file parked for IT staff) whose retention period has passed (issue 14, M5).
struct RetainedFile {
    std::string path;    ///< Where it is (for the operator; never its content).
    std::string kind;    ///< "processed" | "failed"
    Timestamp since{};   ///< When it was parked there.
    Timestamp due{};     ///< When its retention ended.
};

/// A source: offers items, and learns what became of them. Called from one worker thread.
class Source {
public:
    virtual ~Source() = default;
    /// Offers up to `max_items` new items. Expected failures are returned as an Error.
    virtual Result<std::vector<SourceItem>> poll(size_t max_items) = 0;
    /// Called exactly once per polled item after the core durably stored it (or gave up on it).
    /// Upstream acknowledgement (moving the file, committing the cursor) happens here only.
    virtual Status acknowledge(const SourceItem& item, const Acknowledgement& ack) = 0;
    /// What this source kept whose retention has passed at `now` (nothing by default). The
    /// retention purge lists these (`sluis purge --dry-run`) and removes them with `removeRetained`.
    virtual Result<std::vector<RetainedFile>> expiredFiles(Timestamp now) {
        (void)now;
        return std::vector<RetainedFile>{};
    }
    virtual Status removeRetained(const RetainedFile& file) {
        (void)file;
        return {};
    }
};

/// One delivery attempt handed to a sink.
struct Delivery {
    std::string transfer_id;
    std::string idempotency_key;  ///< Same on every retry of the same transfer.
    std::string content_type;
    std::string file_extension;  ///< e.g. "json", "xml"
    std::string payload;
};

enum class DeliveryOutcome { kDelivered, kRetryLater, kRejected };

struct DeliveryResult {
    DeliveryOutcome outcome = DeliveryOutcome::kRetryLater;
    std::string message;  ///< No personal values.
    std::string receipt;  ///< Receiver's reference, stored with the transfer.
};

/// A sink: delivers payloads. Must be idempotent on `idempotency_key`: delivering the same key
/// twice must not produce two deliveries at the receiver. Never throws.
class Sink {
public:
    virtual ~Sink() = default;
    virtual DeliveryResult deliver(const Delivery& delivery) noexcept = 0;
};

/// Factory for one kind of source. Stateless; `create` does no I/O beyond checking paths.
class SourceFactory {
public:
    virtual ~SourceFactory() = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;
    virtual std::vector<OptionSpec> options() const = 0;
    virtual Result<std::unique_ptr<Source>> create(const std::string& instance,
                                                   const Options& options) const = 0;
    /// Checks options beyond their declared types, without side effects (no files, no
    /// connections); config loading (serve and check-config) reports a failure. create() must
    /// refuse the same options.
    virtual Status check(const std::string& instance, const Options& options) const {
        (void)instance;
        (void)options;
        return {};
    }
};

class SinkFactory {
public:
    virtual ~SinkFactory() = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;
    virtual std::vector<OptionSpec> options() const = 0;
    virtual Result<std::unique_ptr<Sink>> create(const std::string& instance,
                                                 const Options& options) const = 0;
    /// Checks options beyond their declared types, without side effects (no files, no
    /// connections); config loading (serve and check-config) reports a failure. create() must
    /// refuse the same options.
    virtual Status check(const std::string& instance, const Options& options) const {
        (void)instance;
        (void)options;
        return {};
    }
};

}  // namespace sluis::connector

#pragma once
/// Mappers turn an external format into canonical records (decoders) and canonical records into
/// an external format (encoders). Implementations live in mapping/<format>/ as pure functions over
/// bytes; the core reaches them only through the MapperRegistry.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/connector/connector.h"
#include "core/error.h"

namespace sluis::mapper {

/// Option declarations are those of connectors (core/connector/connector.h): the same
/// OptionSpec, validated with connector::validateOptions when the configuration is loaded.
using connector::OptionSpec;

struct DecodeContext {
    std::string source_name;  ///< File or item name, used in error messages.
    nlohmann::json options = nlohmann::json::object();  ///< Decoder options from the route.
};

struct DecodedBatch {
    std::vector<nlohmann::json> records;  ///< Canonical records (leerlingdossiers).
    std::vector<std::string> warnings;    ///< Non-fatal remarks (no personal values).
    /// What each record is about, when it is not a pupil (e.g. a school "12AB00" for an
    /// aggregated report). Empty, or one per record; default: leerling.leerlingid.
    std::vector<std::string> subjects;
};

/// Decodes a whole input. All-or-nothing: on any error nothing is returned, and the error names
/// the file, line and field path of every problem found.
class Decoder {
public:
    virtual ~Decoder() = default;
    virtual std::string name() const = 0;
    virtual Result<DecodedBatch> decode(std::string_view bytes, const DecodeContext& ctx) const = 0;
    /// The options a route may give in `decoder_options`. Checked (types, unknown keys, required
    /// keys) when the configuration is loaded, by check-config and at daemon start.
    virtual std::vector<OptionSpec> options() const { return {}; }
    /// Deeper checks of a route's options once they have the declared types (e.g. a mapping file
    /// that must load). Called when the configuration is loaded; Dutch message, no values.
    virtual Status check(const nlohmann::json& options) const {
        (void)options;
        return {};
    }
};

struct EncodeContext {
    std::string purpose;  ///< e.g. "povo", "popo", "demo"
    std::string profile;  ///< Format profile, e.g. OSO "POVO".
    std::vector<std::string> opt_out;  ///< OPTIONEEL categories switched off.
    nlohmann::json options = nlohmann::json::object();
    /// The instant of rendering, from the engine's injected clock (a date an encoder writes,
    /// e.g. OSO metadata/datum, is taken from it, never from the system clock). Unset when a
    /// route is only checked; an encoder that needs it and gets none refuses.
    std::optional<Timestamp> now;
};

/// What an encoder's output needs from the purpose of the route that uses it (policies.json).
/// The core compares it with the purpose's policy when the configuration is loaded.
struct PurposeNeeds {
    /// Categories the output cannot be written without (e.g. the VERPLICHT categories of an OSO
    /// profile); each must be allowed by the purpose's `categories`.
    std::vector<std::string> categories;
    /// Bases (policies.json `basis`: "none", "consent", "inzage") the purpose may have; empty:
    /// any.
    std::vector<std::string> bases;
    /// Dutch: why the bases are needed (shown in the refusal), e.g. "profiel POVO: ...".
    std::string basis_reason;
};

struct Encoded {
    std::string content_type;
    std::string file_extension;
    std::string bytes;
};

class Encoder {
public:
    virtual ~Encoder() = default;
    virtual std::string name() const = 0;
    /// Renders one canonical record. Refuses (kValidationFailed) output that breaks the format.
    virtual Result<Encoded> encode(const nlohmann::json& record, const EncodeContext& ctx) const = 0;
    /// The options a route may give in `encoder_options` (see Decoder::options()).
    virtual std::vector<OptionSpec> options() const { return {}; }
    /// Checks a route once, when the configuration is loaded: its profile, opt-outs and options
    /// (already of the declared types), and everything the encoder needs to render (e.g. a
    /// schema it validates against). Returns what the output needs from the route's purpose.
    /// Errors (kInvalidConfig, Dutch) start with the route key they concern, e.g.
    /// "profile: ...", "opt_out: ...", "encoder_options.schema: ...".
    /// Default: an encoder without profiles refuses a profile or opt-outs.
    virtual Result<PurposeNeeds> check(const EncodeContext& ctx) const {
        if (!ctx.profile.empty())
            return Error{ErrorCode::kInvalidConfig,
                         "profile: encoder '" + name() + "' kent geen profielen"};
        if (!ctx.opt_out.empty())
            return Error{ErrorCode::kInvalidConfig,
                         "opt_out: encoder '" + name() + "' kent geen opt-outs"};
        return PurposeNeeds{};
    }
};

class MapperRegistry {
public:
    Status addDecoder(std::unique_ptr<Decoder> d);
    Status addEncoder(std::unique_ptr<Encoder> e);
    const Decoder* decoder(const std::string& name) const;
    const Encoder* encoder(const std::string& name) const;
    std::vector<std::string> decoderNames() const;
    std::vector<std::string> encoderNames() const;

private:
    std::map<std::string, std::unique_ptr<Decoder>> decoders_;
    std::map<std::string, std::unique_ptr<Encoder>> encoders_;
};

}  // namespace sluis::mapper

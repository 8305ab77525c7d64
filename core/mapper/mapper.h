#pragma once
/// Mappers turn an external format into canonical records (decoders) and canonical records into
/// an external format (encoders). Implementations live in mapping/<format>/ as pure functions over
/// bytes; the core reaches them only through the MapperRegistry.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace sluis::mapper {

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
};

struct EncodeContext {
    std::string purpose;  ///< e.g. "povo", "popo", "demo"
    std::string profile;  ///< Format profile, e.g. OSO "POVO".
    std::vector<std::string> opt_out;  ///< OPTIONEEL categories switched off.
    nlohmann::json options = nlohmann::json::object();
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

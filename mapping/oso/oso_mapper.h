#pragma once
/// The OSO mappers: decoder and encoder `oso-<version>` (now `oso-2019.1`).
///
/// Decoder options: none. Encoder: `EncodeContext::profile` (POPO, POVO, VOVO, BB, POSWV, VOSWV),
/// `opt_out` (OPTIONEEL categories switched off) and options `schema` (path to the XSD or its
/// directory), `pakketnaam`, `pakketversie`, `datum`, `deeldossier`, declared (OptionSpec) and
/// checked with the route when the configuration is loaded (checkRoute). The encoder refuses
/// (kValidationFailed, meldingen in the message) output that breaks the standard, and refuses
/// to render at all when an explicit `schema` cannot be read or compiled.
#include "core/mapper/mapper.h"
#include "mapping/oso/oso_validator.h"
#include "mapping/oso/oso_writer.h"

namespace sluis::mapping {

/// Registers `oso-2019.1` (decoder and encoder).
Status registerOsoMappers(mapper::MapperRegistry& registry);

}  // namespace sluis::mapping

namespace sluis::oso {

/// Writes and validates in one step: the XML, or kValidationFailed with every melding as
/// `rule xpath` lines in the message (no values). The native structure check and the business
/// rules always run; `schema_path` set: libxml2 validation with that XSD too (unloadable: refused).
Result<WriteResult> writeValidated(const nlohmann::json& record, const Standard& standard,
                                   const WriteOptions& options, const std::string& schema_path,
                                   std::vector<Melding>* meldingen = nullptr);

/// Checks that the XSD named by `explicit_path` (file or directory, see locateSchema) exists
/// and compiles; kInvalidConfig with a Dutch reason otherwise. Compiles once per path.
Status checkSchema(const std::string& version, const std::string& explicit_path);

/// Checks an OSO route once, when the configuration is loaded: a known profile, opt-outs of
/// OPTIONEEL categories only, a schema that compiles, a valid `datum`. Returns what the profile
/// needs from the route's purpose: its VERPLICHT categories (metadata aside: the writer makes
/// it) and the basis: `inzage` where ouderinzage is VERPLICHT (OV profiles), `consent` for an
/// SWV profile. See docs/config.md, "Route checks".
Result<mapper::PurposeNeeds> checkRoute(const Standard& standard, const std::string& profile,
                                        const std::vector<std::string>& opt_out,
                                        const nlohmann::json& options);

}  // namespace sluis::oso

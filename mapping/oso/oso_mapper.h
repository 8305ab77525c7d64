#pragma once
/// The OSO mappers: decoder and encoder `oso-<version>` (now `oso-2019.1`).
///
/// Decoder options: none. Encoder: `EncodeContext::profile` (POPO, POVO, VOVO, BB, POSWV, VOSWV),
/// `opt_out` (OPTIONEEL categories switched off) and options `schema` (path to the XSD or its
/// directory), `pakketnaam`, `pakketversie`, `datum`, `deeldossier`. The encoder refuses
/// (kValidationFailed, meldingen in the message) output that breaks the standard.
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

}  // namespace sluis::oso

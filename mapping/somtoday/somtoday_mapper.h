#pragma once
/// The `somtoday-json` decoder and encoder (docs/connectors/somtoday.md).
///
/// Decoder input: one pupil bundle as offered by the `somtoday-rest` source:
///   {"leerling": {...}, "verzorgers": [...], "resultaten": [...], "absenties": [...]}
/// (resource fields in docs/connectors/somtoday.md). Output: one canonical leerlingdossier.
/// All-or-nothing: every problem is reported with its JSON path in the bundle
/// (`verzorgers[1].relatie: onbekende code ...`), never with a value. Fields the contract does
/// not know are ignored (forward compatible). DecodeContext::options:
///   school   canonical school object ({"naam", "brincode"}) used when the bundle has no
///            `leerling.vestiging`.
///
/// Encoder: the mapping run in reverse (canonical dossier -> bundle, without upstream ids). A
/// canonical field the contract cannot carry is refused (kValidationFailed) naming its path,
/// unless EncodeContext::options has `"unmapped": "omit"`.
///
/// Pure functions; thread-safe.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/mapper/mapper.h"

namespace sluis::mapping {

/// Registers the `somtoday-json` decoder and encoder.
Status registerSomtodayMappers(mapper::MapperRegistry& registry);

/// Decodes one bundle (already parsed). `problems` receives "<path>: <message>" lines.
bool somtodayBundleToCanonical(const nlohmann::json& bundle, const nlohmann::json& options,
                               nlohmann::json& record, std::vector<std::string>& problems);

/// Encodes one canonical record to a bundle. `unmapped` receives the canonical field paths
/// (indices written `[]`) whose values the bundle cannot carry.
nlohmann::json canonicalToSomtodayBundle(const nlohmann::json& record,
                                         std::vector<std::string>& unmapped);

}  // namespace sluis::mapping

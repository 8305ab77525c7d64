#pragma once
/// The `magister-csv` decoder and encoder (docs/connectors/magister.md).
///
/// Decoder input: either one CSV file (the leerlingen export: one row per pupil) or a Sluis bundle
/// (magister_import.h) holding several files of one export. DecodeContext::options:
///   mapping    path of a mapping file (default: the shipped config/mappings/magister.json)
///   school     canonical school object, e.g. {"naam": "De Regenboog", "brincode": "99XX"}
///   encoding   auto | utf-8 | utf-16le | utf-16be | windows-1252 (default: the mapping's)
///   separator  ";" | "," | "tab" (default: the mapping's, usually sniffed)
///   orphans    "warning" (default) | "error"
/// Encoder output: a Sluis bundle with one CSV per part of the mapping (the mapping run in
/// reverse); fails naming the field when the mapping is not reversible.
#include "core/mapper/mapper.h"

namespace sluis::mapping {

/// Registers the `magister-csv` decoder and encoder.
Status registerMagisterMappers(mapper::MapperRegistry& registry);

}  // namespace sluis::mapping

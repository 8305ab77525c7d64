#pragma once
/// The canonical formats: `canonical-jsonl` (decoder: one leerlingdossier JSON object per line)
/// and `canonical-json` (encoder: one pretty-printed leerlingdossier). Used by the demo and by
/// tests; the shape is the canonical model (docs/model.schema.json).
#include "core/mapper/mapper.h"

namespace sluis::mapping {

/// Registers `canonical-jsonl` and `canonical-json`.
Status registerCanonicalMappers(mapper::MapperRegistry& registry);

/// Maximum size of one JSONL input; larger inputs are refused with kTooLarge.
inline constexpr size_t kMaxCanonicalInputBytes = 64u * 1024u * 1024u;

}  // namespace sluis::mapping

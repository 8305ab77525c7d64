#pragma once
/// Reads an OSO dossier (XML) into one canonical leerlingdossier (JSON).
///
/// Tolerant of what real dossiers contain: unknown elements, values that do not convert and
/// attachments that are not ZIP files are kept or skipped with a warning. Strict on what is
/// unsafe: DOCTYPE/ENTITY declarations, oversized or too deeply nested input are refused.
/// Warnings and errors name XPaths and lines, never values. Thread-safe (no shared state).
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mapping/oso/oso_standard.h"
#include "mapping/oso/oso_xml.h"

namespace sluis::oso {

struct ReadResult {
    nlohmann::json record;              ///< Canonical leerlingdossier.
    std::vector<std::string> warnings;  ///< Dutch, with XPath; no personal values.
};

struct ReadOptions {
    XmlLimits limits;
    bool validate_model = true;  ///< Report canonical-model problems as warnings.
};

/// Reads one dossier. Errors: kInvalidInput (not XML, DOCTYPE, wrong root), kTooLarge.
Result<ReadResult> readDossier(std::string_view bytes, const Standard& standard,
                               const ReadOptions& options = {});

}  // namespace sluis::oso

#pragma once
/// Shared helpers for the OSO tests: example and schema locations, case files, XML edits and a
/// whitespace-insensitive flattening of dossiers for comparison.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluis::oso::test {

std::filesystem::path examplesDir();
std::filesystem::path casesDir();
std::string schemaPath();
std::string example(const std::string& name);

/// Every `*.json` case file under cases/<kind>/, sorted.
std::vector<std::filesystem::path> caseFiles(const std::string& kind);

/// One line per element: `path|attributes|text` (text only for leaves, trimmed).
std::vector<std::string> flatten(const std::string& xml);

/// Applies edits to a dossier. Each edit: {"set": XPATH, "value": V} (all matches),
/// {"remove": XPATH} (all matches), {"append": XPATH, "xml": FRAGMENT},
/// {"insert_before"|"insert_after": XPATH, "xml": FRAGMENT} (first match). Throws on a miss.
std::string applyEdits(const std::string& xml, const nlohmann::json& edits);

/// A synthetic canonical record from cases/records/ (e.g. "povo_full.json"); throws naming the
/// file when it is missing or not JSON.
nlohmann::json record(const std::string& name);

/// Builds a case's base dossier: {"record": "povo_full.json", "profile": "POVO", "opt_out": [...]}
/// (a record from cases/records/ written with the OSO writer for that profile and opt-outs), or
/// the older forms: an example file name, or {"example", "profile", "opt_out"} (read with the
/// OSO reader, then written).
std::string buildBase(const nlohmann::json& base);

}  // namespace sluis::oso::test

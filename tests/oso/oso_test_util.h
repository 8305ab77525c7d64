#pragma once
/// Shared helpers for the OSO tests: case files, the synthetic records (cases/records/), XML
/// edits and a whitespace-insensitive flattening of dossiers for comparison. Nothing here reads
/// the official OSO material; only the oracle suite (tests/oso_official/) does, through
/// SLUIS_OSO_OFFICIAL_DIR.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluis::oso::test {

std::filesystem::path casesDir();

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
/// (a record from cases/records/ written with the OSO writer for that profile and opt-outs).
/// Any other form (an official example's name) throws with a message saying what to use.
std::string buildBase(const nlohmann::json& base);

}  // namespace sluis::oso::test

#pragma once
/// The Vensters monitoring report: indicators per school or per onderwijssoort, representativity,
/// and small-cell suppression, as one JSON document (the delivery payload) and an HTML rendering
/// of exactly that document. Pure and deterministic: the same inputs give the same bytes, so the
/// payload's SHA-256 can be bound to the bevoegd-gezag akkoord. Format: docs/vensters.md.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mapping/vensters/indicator_set.h"
#include "mapping/vensters/survey.h"

namespace sluis::vensters {

inline constexpr const char* kReportFormat = "sluis-vensters-monitor";
inline constexpr int kReportFormatVersion = 1;
inline constexpr int kDefaultMinCell = 10;

/// Level of delivery: one set of results per school (BRIN+vestiging), or per onderwijssoort
/// within each school. Representativity follows the level.
enum class Level { kSchool, kSchoolType };

/// "school" or "onderwijssoort".
const char* levelName(Level level);
std::optional<Level> parseLevel(std::string_view name);

struct ReportOptions {
    Level level = Level::kSchool;
    int min_cell = kDefaultMinCell;  ///< Cells with fewer respondents are suppressed (>= 1).
    std::string schooljaar;          ///< Optional label, e.g. "2025-2026" (no clock is read).
};

/// Computes the report for every school that has enrolment or respondents. Suppression is applied
/// here, so nothing below the minimum ever reaches a rendering or the store. Fails
/// (kValidationFailed, naming school/onderwijssoort/leerjaar, never counts) when respondents
/// exceed or lack enrolment; kInvalidArgument for min_cell < 1.
Result<nlohmann::json> computeReport(const IndicatorSet& set, const Enrolment& enrolment,
                                     const Survey& survey, const ReportOptions& options);

/// One report per school (same header; suppression summary recomputed per school).
std::vector<nlohmann::json> splitPerSchool(const nlohmann::json& report);
/// The report for one school, by key "12AB00" (kNotFound when absent).
Result<nlohmann::json> selectSchool(const nlohmann::json& report, const std::string& school_key);

/// Checks that `report` is a report document of this format (for encoders).
Status checkReport(const nlohmann::json& report);
/// Number of objects marked "onderdrukt": true anywhere in `j`.
size_t countSuppressed(const nlohmann::json& j);

/// The delivery payload: canonical JSON (sorted keys, 2-space indent, UTF-8, final newline).
std::string renderJson(const nlohmann::json& report);
/// SHA-256 (hex) of renderJson(report): the value an akkoord binds to.
std::string reportSha256(const nlohmann::json& report);
/// A self-contained HTML page showing exactly the content of the payload, with its SHA-256.
std::string renderHtml(const nlohmann::json& report);

}  // namespace sluis::vensters

#pragma once
/// Vensters as mappers, plus the one-call report builder used by the CLI and the scheduler.
///
/// Decoder `vensters-enquete`: input = the survey export (CSV); options (from the route):
///   "niveau": "school" | "onderwijssoort"   (required)
///   "inschrijvingen": path of the enrolment CSV, or "inschrijvingen_csv": its text (one required)
///   "min_cel": minimum respondents per cell (default 10)
///   "scholen": [{"brin": "12AB", "vestiging": "00", "naam": "..."}] known schools (optional;
///              without it the schools in the enrolment file are the known ones)
///   "schooljaar": label such as "2025-2026" (optional)
///   "indicatoren": path of an indicator set JSON (optional; default the compiled-in set)
/// It yields one record per school: the suppressed report document for that school (so one
/// transfer, one akkoord and one delivery per school). All-or-nothing.
///
/// Encoders `vensters-json` (application/json, the delivery payload), `vensters-html` (text/html,
/// the page for checking) and `vensters-pdf` (application/pdf, the same content as a PDF) render
/// such a record, or the level chosen in encoder option "niveau" of a record
/// `{"niveaus": {"school": ..., "onderwijssoort": ...}}`; all are deterministic.
#include <optional>
#include <string>

#include "core/mapper/mapper.h"
#include "mapping/vensters/report.h"

namespace sluis::vensters {

/// Registers decoder `vensters-enquete` and encoders `vensters-json`, `vensters-html`,
/// `vensters-pdf`.
Status registerVenstersMappers(mapper::MapperRegistry& registry);

/// Inputs of one report run, as bytes (no I/O here).
struct ReportInput {
    std::string survey;
    std::string survey_name = "enquete.csv";
    std::string enrolment;
    std::string enrolment_name = "inschrijvingen.csv";
    std::optional<std::string> schools;  ///< School list CSV; none: schools from the enrolment.
    std::string schools_name = "scholen.csv";
    const IndicatorSet* indicator_set = nullptr;  ///< nullptr: builtinIndicatorSet().
    ReportOptions options;
};

/// Parses every input strictly and computes the report (all schools). The first failing step's
/// error is returned; nothing partial.
Result<nlohmann::json> buildReport(const ReportInput& input);

}  // namespace sluis::vensters

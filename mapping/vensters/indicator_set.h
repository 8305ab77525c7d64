#pragma once
/// The Vensters indicator set: the survey's questions, their answer scales, the onderwijssoorten
/// and how questions combine into indicators. Data, not code: the set is read from JSON
/// (config/vensters/indicatoren.json is compiled in as the default; docs/vensters.md documents
/// every field).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace sluis::vensters {

/// An answer scale: allowed codes are min..max (empty cell = not answered).
struct Scale {
    std::string id;  ///< "likert4", "likert5", "janee", ...
    int min = 1;
    int max = 4;
    std::string description;
};

struct Question {
    std::string id;  ///< Also the column name in the survey export.
    std::string text;
    std::string scale;      ///< Id of a Scale.
    bool reversed = false;  ///< Score as min+max-code (negatively phrased statements).
};

enum class IndicatorKind {
    kMean,    ///< "gemiddelde": mean of each respondent's mean item score.
    kAnyYes,  ///< "percentage_ja": share of respondents with at least one "ja" (code = max).
};

struct Indicator {
    std::string id;
    std::string name;
    IndicatorKind kind = IndicatorKind::kMean;
    std::vector<std::string> questions;
    int min_answered = 1;  ///< A respondent counts only with at least this many items answered.
    /// kMean: a respondent is "positief" when their score >= threshold (hundredths, 300 = 3.00).
    int positive_threshold_x100 = 0;
    std::string description;
};

struct SchoolType {
    std::string code;  ///< As written in the exports, e.g. "havo" (compared case-insensitively).
    std::string name;
    int max_grade = 6;  ///< Leerjaar runs 1..max_grade.
};

struct IndicatorSet {
    std::string version;
    std::vector<SchoolType> school_types;
    std::vector<Scale> scales;
    std::vector<Question> questions;
    std::vector<Indicator> indicators;

    const Scale* scale(const std::string& id) const;
    const Question* question(const std::string& id) const;
    /// Index of a question in `questions`, or -1.
    int questionIndex(const std::string& id) const;
    /// The school type whose code equals `code` ignoring case, or nullptr.
    const SchoolType* schoolType(std::string_view code) const;
};

/// Parses and checks an indicator set (kInvalidConfig listing every problem with its path).
Result<IndicatorSet> parseIndicatorSet(std::string_view json_text, const std::string& source_name);
Result<IndicatorSet> loadIndicatorSet(const std::filesystem::path& path);
/// The compiled-in default (config/vensters/indicatoren.json). Never fails (checked by tests).
const IndicatorSet& builtinIndicatorSet();
/// The JSON text of the compiled-in default.
std::string_view builtinIndicatorSetJson();

}  // namespace sluis::vensters

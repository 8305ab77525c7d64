#pragma once
/// Strict, all-or-nothing readers for the Vensters survey export, the enrolment counts and the
/// school list (formats in docs/vensters.md). Pure functions over bytes: no I/O.
///
/// Every error names the file, line and column (number and header name) and never the value
/// of a respondent's cell; a refused file yields no data at all. Input may be UTF-8 (with or
/// without BOM), UTF-16 or Windows-1252, separated by `;`, `,` or tab (sniffed).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mapping/vensters/indicator_set.h"

namespace sluis::vensters {

/// A school as the Inspectie knows it: BRIN code plus vestigingsnummer.
struct SchoolRef {
    std::string brin;       ///< Upper case, e.g. "12AB".
    std::string vestiging;  ///< Two digits, e.g. "00".
    std::string name;       ///< Optional display name.
    /// "12AB00": BRIN followed by the vestigingsnummer.
    std::string key() const { return brin + vestiging; }
};

/// One respondent (an anonymous survey response, not a pupil record).
struct Respondent {
    size_t line = 0;              ///< Line in the export (for messages).
    size_t school = 0;            ///< Index into the school list.
    size_t school_type = 0;       ///< Index into IndicatorSet::school_types.
    int grade = 0;                ///< Leerjaar.
    std::vector<int8_t> answers;  ///< Per IndicatorSet::questions index; -1 = not answered.
};

struct Survey {
    std::string source_name;
    std::string sha256;  ///< Of the bytes as read.
    std::vector<Respondent> respondents;
};

/// Enrolled pupils of one school, onderwijssoort and leerjaar.
struct EnrolmentCell {
    size_t school = 0;
    size_t school_type = 0;
    int grade = 0;
    long long count = 0;
    size_t line = 0;
};

struct Enrolment {
    std::string source_name;
    std::string sha256;
    std::vector<SchoolRef> schools;  ///< The known schools, sorted by key.
    std::vector<EnrolmentCell> cells;
};

/// Limits that keep a hostile file from exhausting memory.
inline constexpr size_t kMaxRespondents = 2'000'000;
inline constexpr size_t kMaxErrorsReported = 50;

/// Normalises a BRIN ("12ab" -> "12AB"); empty optional when it is not 2 digits + 2 letters/digits.
std::optional<std::string> normaliseBrin(std::string_view s);
/// Normalises a vestigingsnummer ("1" -> "01"); empty optional unless 1-2 digits.
std::optional<std::string> normaliseVestiging(std::string_view s);

/// School list: CSV with header `brin;vestiging;naam` (naam may be empty). Sorted by key.
Result<std::vector<SchoolRef>> parseSchoolList(std::string_view bytes,
                                               const std::string& source_name);

/// Enrolment counts: CSV with header `brin;vestiging;onderwijssoort;leerjaar;aantal` (any
/// column order). With `known_schools` every row must name one of them (else "onbekende
/// school") and they become Enrolment::schools; without, the schools named in the file do.
Result<Enrolment> parseEnrolment(std::string_view bytes, const std::string& source_name,
                                 const IndicatorSet& set,
                                 const std::vector<SchoolRef>* known_schools = nullptr);

/// Survey export: header `respondent;brin;vestiging;onderwijssoort;leerjaar` plus one column per
/// question of `set` (any order, names compared case-insensitively). Every row must name a
/// school of `schools`, a known onderwijssoort, a leerjaar within its range, and answers within
/// each question's scale (or empty).
Result<Survey> parseSurvey(std::string_view bytes, const std::string& source_name,
                           const IndicatorSet& set, const std::vector<SchoolRef>& schools);

}  // namespace sluis::vensters

#pragma once
/// Typed value transforms of a declarative mapping: each turns one cell (UTF-8 text) into the text
/// of a canonical field, and, where that is possible, back again.
///
/// Transforms are parsed once from the mapping file (parseTransform) and are immutable after; share
/// them freely between threads. Errors never contain the cell's value.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace sluis::mapping {

/// One date layout: `dd-mm-jjjj`, `jjjj-mm-dd`, `d/m/jjjj`, `jjjjmmdd`, ... or `excel` (serial
/// day number, 1 = 1900-01-01 with Excel's leap-year quirk).
struct DateFormat {
    std::string text;  ///< As written in the mapping.
    bool excel = false;
    struct Token {
        char kind;  ///< 'd' day, 'm' month, 'y' year (4 digits), 'l' literal
        int width;  ///< digits written when formatting (2 for dd/mm, 1 for d/m, 4 for jjjj)
        char literal;
    };
    std::vector<Token> tokens;
};

/// Parses a date layout; empty optional when it is not one.
std::optional<DateFormat> parseDateFormat(std::string_view text);
/// Parses `value` with `format` into JJJJ-MM-DD; false when it does not match or is no real date.
/// A time part after the date (` 00:00`, ` 00:00:00`) is ignored.
bool parseDate(const DateFormat& format, std::string_view value, std::string& iso);
/// Formats an ISO date (JJJJ-MM-DD) in `format`; false when `iso` is not a valid date.
bool formatDate(const DateFormat& format, std::string_view iso, std::string& out);

/// Splits a Dutch surname into voorvoegsel and achternaam ("van der Berg" -> "van der", "Berg";
/// "Berg, van der" -> the same). Words are kept as written.
std::pair<std::string, std::string> splitDutchName(std::string_view name);
/// Voorletters from voornamen: "Jan Pieter" -> "J.P.".
std::string initialsOf(std::string_view voornamen);

class Transform {
public:
    enum class Kind { kTrim, kUpper, kLower, kDate, kMap, kSplitName, kInitials, kDefault, kPostcode };

    /// Parses one entry of a field's "transforms" list: a string ("trim", "upper", "lower",
    /// "initials", "postcode") or a one-key object ({"date": ...}, {"map": ...},
    /// {"split_name": ...}, {"default": ...}). Every problem is appended to `errors` prefixed with
    /// `path`; returns false when there was one.
    static bool parse(const nlohmann::json& spec, const std::string& path, Transform& out,
                      std::vector<std::string>& errors);

    /// Applies the transform to `value` in place. An empty value passes through (except for
    /// `default`). On failure returns false and sets `error` (Dutch, without the value).
    bool apply(std::string& value, std::string& error) const;
    /// The inverse: canonical text back to the source text. Fails for transforms that lose
    /// information (split_name, initials) and for values a code table cannot map back.
    bool reverse(std::string& value, std::string& error) const;
    /// Whether reverse() can work at all.
    bool reversible() const { return kind_ != Kind::kSplitName && kind_ != Kind::kInitials; }

    Kind kind() const { return kind_; }
    std::string name() const;

private:
    Kind kind_ = Kind::kTrim;
    std::vector<DateFormat> dates_;
    // kMap: source -> canonical, in file order; lookup is case-insensitive unless disabled.
    std::vector<std::pair<std::string, std::string>> table_;
    bool ignore_case_ = true;
    enum class Other { kError, kKeep, kEmpty, kValue } other_ = Other::kError;
    std::string other_value_;
    bool want_prefix_ = false;  // kSplitName: true = voorvoegsel, false = achternaam
    std::string default_;
};

}  // namespace sluis::mapping

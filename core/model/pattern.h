#pragma once
/// A field pattern of the model (`pattern` in canonical_model.json), compiled once.
///
/// Patterns are written as ECMAScript regular expressions and mean "the whole value matches"
/// (std::regex_match). The patterns the model uses (`^[0-9]{2}[A-Z]{2}$`, `^[1-9][0-9]{3}
/// ?[A-Z]{2}$`,
/// ...) are a sequence of literals and character classes with quantifiers; those are matched by a
/// small byte matcher without allocation, which is much faster than std::regex on the import path.
/// Any other pattern is matched by std::regex, with identical results.
///
/// Thread-safety: immutable after construction; share freely.
#include <bitset>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace sluis::model {

class Pattern {
  public:
    /// Compiles `source`. Throws std::regex_error (as std::regex does) when the pattern is not
    /// simple and not a valid regular expression.
    explicit Pattern(std::string source);

    /// True when the whole of `s` matches (std::regex_match semantics).
    bool matches(std::string_view s) const;
    const std::string& source() const { return source_; }
    /// True when the fast matcher is used (for tests).
    bool simple() const { return simple_; }

    /// Compiles the simple subset only; false (and `atoms` unspecified) for anything else.
    struct Atom {
        std::bitset<256> set;
        unsigned min = 1;
        unsigned max = 1;
    };
    static bool compileSimple(std::string_view source, std::vector<Atom>& atoms);

  private:
    bool matchFrom(size_t atom, std::string_view s, size_t pos) const;

    std::string source_;
    bool simple_ = false;
    std::vector<Atom> atoms_;
    std::shared_ptr<const std::regex> regex_;  // only when !simple_
};

}  // namespace sluis::model

#pragma once
/// Native structural validation of OSO dossiers, without the XSD file.
///
/// The structure of a standard version (data/<version>/structure.json, derived from the official
/// XSD by tools/gen_structure.py and compiled in) is compiled once into content models and simple
/// types. `Structure::check` then walks a parsed dossier in one pass and reports, with rule id
/// `XSD`, everything the XSD would refuse: element order (sequence), choices, cardinality,
/// unknown elements, elements outside the OSO namespace, text where only elements are allowed,
/// simple-type values (xs:string, xs:boolean, xs:date, xs:integer, xs:int, xs:decimal) with their
/// facets (enumeration, pattern, length, minLength, maxLength, min/max Inclusive/Exclusive,
/// totalDigits, fractionDigits, whiteSpace) and attributes (declared, required, typed).
///
/// Meldingen name the element (XPath, line) and what is wrong, never the value.
///
/// Known approximations (docs/oso.md): whitespace-only text (which pugixml drops) is recovered
/// from the bytes without line-end normalisation; `\p{Nd}`/`\d` use the Unicode 14
/// decimal-digit table; `\w`, `\i`, `\c` in patterns are approximated (the 2019.1 schema uses none).
///
/// Thread-safety: a Structure is immutable after construction; share it freely.
#include <pugixml.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mapping/oso/oso_validator.h"

namespace sluis::oso {

/// An XSD regular expression (the subset: literals, `.`, classes with ranges and negation,
/// `\d \D \s \S \w \W \i \c \p{Nd} \P{Nd}`, escapes, groups, `|`, `? * +`, `{n} {n,} {n,m}`),
/// compiled once to an NFA and matched against the whole value (XSD patterns are anchored).
class XsdPattern {
  public:
    /// kInvalidArgument for syntax outside the subset.
    static Result<XsdPattern> compile(std::string_view pattern);
    /// Whole-value match on UTF-8 text. No allocation after the first call on a thread.
    bool matches(std::string_view value) const;
    const std::string& source() const { return source_; }

    struct CharSet {
        std::vector<std::pair<uint32_t, uint32_t>> ranges;
        std::vector<std::vector<std::pair<uint32_t, uint32_t>>> negated;  ///< e.g. \D in [...]
        bool negate = false;
        bool contains(uint32_t c) const;
    };
    struct State {
        enum Kind : uint8_t { kSet, kSplit, kMatch } kind = kMatch;
        int set = -1;
        int out = -1, out1 = -1;
    };

  private:
    std::string source_;
    std::vector<CharSet> sets_;
    std::vector<State> states_;
    int start_ = -1;
};

class Structure {
  public:
    /// The structure compiled into Sluis for `version`; kNotFound otherwise.
    static Result<std::shared_ptr<const Structure>> get(const std::string& version);
    /// Compiles a structure.json text (exposed for tests).
    static Result<std::shared_ptr<const Structure>> parse(std::string_view structure_json);

    /// Checks a parsed dossier; appends one melding (rule `XSD`) per problem to `out`. `bytes`
    /// are the dossier's bytes (for line numbers). Returns the number of meldingen added.
    size_t check(const pugi::xml_document& doc, std::string_view bytes,
                 std::vector<Melding>& out) const;

    const std::string& ns() const { return namespace_; }

    struct Impl;
    ~Structure();
    Structure();

  private:
    std::string namespace_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sluis::oso

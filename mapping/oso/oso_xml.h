#pragma once
/// Safe XML parsing for OSO dossiers (pugixml) and small helpers shared by reader and validator.
///
/// Safety: the input is refused when it is larger than the size limit, contains a DOCTYPE (and
/// therefore any ENTITY declaration), or nests deeper than the depth limit. pugixml never expands
/// entities other than the five predefined ones and character references.
#include <pugixml.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluis::oso {

struct XmlLimits {
    size_t max_bytes = 64u * 1024u * 1024u;
    int max_depth = 64;
};

/// A reason an input was refused, with the rule id used in meldingen (SLUIS.XML01..04).
struct XmlProblem {
    std::string rule;
    std::string xpath;
    std::string text;  ///< Dutch; names a line and an XPath, never a value.
    ErrorCode code = ErrorCode::kInvalidInput;
};

/// Parses `bytes` into `doc`. Returns false and fills `problem` when refused.
bool parseSafe(std::string_view bytes, pugi::xml_document& doc, XmlProblem& problem,
               const XmlLimits& limits = {});

/// Element name without namespace prefix.
std::string_view localName(const pugi::xml_node& n);

/// `/dossier/huidigeschool/leerling/adreslijst/adres[2]` (index only when a name repeats).
std::string xpathOf(const pugi::xml_node& n);

/// 1-based line of a node in `bytes` (0 when unknown).
int lineOf(std::string_view bytes, const pugi::xml_node& n);

/// `lineOf` for many nodes of one document: counts newlines only from the offset asked last, so
/// the lines of all meldingen of a dossier, asked in document order, cost one pass over the bytes
/// instead of one pass each (a full dossier is hundreds of KB). Asking for an earlier node is
/// correct too (it counts from the start again).
class LineCounter {
  public:
    explicit LineCounter(std::string_view bytes) : bytes_(bytes) {}
    int lineOf(const pugi::xml_node& n);

  private:
    std::string_view bytes_;
    size_t offset_ = 0;  ///< Newlines before this offset are counted in line_.
    int line_ = 1;
};

/// First child element with this local name.
pugi::xml_node child(const pugi::xml_node& n, std::string_view name);

/// Text of the first child element with this local name (empty when absent).
std::string childText(const pugi::xml_node& n, std::string_view name);

}  // namespace sluis::oso

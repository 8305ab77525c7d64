#pragma once
/// Validates OSO dossiers: XSD validation (libxml2 against the official schema file) plus the
/// standard's business rules implemented natively (oso_rules.h: every official rule under its
/// official id, and Sluis's own SLUIS.* checks).
///
/// Output forms: Dutch text lines (`rule id, XPath, text`) and the standard `<meldingen>` XML.
/// Meldingen never contain personal values. A Validator is immutable after construction and
/// thread-safe; the compiled schema is cached per path and shared.
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mapping/oso/oso_standard.h"
#include "mapping/oso/oso_xml.h"

namespace sluis::oso {

struct Melding {
    std::string rule;   ///< e.g. `OS.cat09`, `OVa.LL14`, `CL14`, `SLUIS.SL01`, `XSD`
    std::string xpath;  ///< Location in the dossier.
    std::string text;   ///< Dutch.
    int line = 0;       ///< 0: unknown.
};

struct ValidationReport {
    std::vector<Melding> meldingen;
    bool unreadable = false;  ///< Not XML, refused as unsafe, or schema missing.
    bool valid() const { return meldingen.empty() && !unreadable; }
    bool has(const std::string& rule) const;
};

struct ValidatorOptions {
    std::string schema_path;  ///< OSO_gegevensset.xsd; empty: business rules only.
    XmlLimits limits;
};

/// Finds the schema for a version: `explicit_path` (file, or directory holding
/// OSO_gegevensset.xsd or <version>/OSO_gegevensset.xsd), else env SLUIS_OSO_SCHEMA_DIR, else the
/// compiled-in default (../shared/oso/<version>/ next to the source tree). Empty when not found.
std::string locateSchema(const std::string& version, const std::string& explicit_path = {});

class Validator {
  public:
    Validator(std::shared_ptr<const Standard> standard, ValidatorOptions options);

    /// Validates one dossier. XSD problems carry rule id `XSD`.
    ValidationReport validate(std::string_view bytes) const;

    /// Business rules only, on an already parsed document (oso::businessRules).
    void businessRules(const pugi::xml_document& doc, std::string_view bytes,
                       std::vector<Melding>& out) const;

    const Standard& standard() const { return *standard_; }

  private:
    bool xsd(std::string_view bytes, std::vector<Melding>& out) const;

    std::shared_ptr<const Standard> standard_;
    ValidatorOptions options_;
};

/// `rule, XPath, text` lines (Dutch).
std::string formatText(const ValidationReport& report, const std::string& file);
/// The standard `<meldingen>` document.
std::string formatMeldingen(const ValidationReport& report, const Standard& standard);

}  // namespace sluis::oso

#pragma once
/// Validates OSO dossiers: the native structure check (oso_structure.h: everything the XSD says,
/// from the project's own structure.json, always run), optionally an additional libxml2 XSD
/// validation against an official schema file an operator supplies, plus the standard's business
/// rules implemented natively (oso_rules.h: every official rule under its official id, and
/// Sluis's own SLUIS.* checks).
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
    bool unreadable = false;  ///< Not XML, refused as unsafe, or an explicit schema unloadable.
    bool valid() const { return meldingen.empty() && !unreadable; }
    bool has(const std::string& rule) const;
};

struct ValidatorOptions {
    /// An official OSO_gegevensset.xsd for an *additional* libxml2 validation; empty: the native
    /// structure check only (which always runs). A path that cannot be loaded makes every
    /// dossier unreadable (never a silent skip).
    std::string schema_path;
    XmlLimits limits;
};

class Structure;

/// Finds an operator-supplied schema for a version: `explicit_path` (file, or directory holding
/// OSO_gegevensset.xsd or <version>/OSO_gegevensset.xsd), else env SLUIS_OSO_SCHEMA_DIR (same
/// lookup). Empty only when neither is given (then the native structure check suffices). When
/// one is given but holds no schema, the given path itself is returned, so that loading it fails
/// loudly (Validator::schemaStatus, an unreadable report) instead of validating less.
std::string locateSchema(const std::string& version, const std::string& explicit_path = {});

class Validator {
  public:
    Validator(std::shared_ptr<const Standard> standard, ValidatorOptions options);

    /// Validates one dossier: native structure check, the optional libxml2 XSD validation, then
    /// the business rules. Structure problems carry rule id `XSD`. When both structure checks
    /// run, libxml2's meldingen are added only when the native check found none (no problem is
    /// reported twice; a disagreement still shows).
    ValidationReport validate(std::string_view bytes) const;

    /// Structure only (parse, root element, native check, optional libxml2 XSD), no business
    /// rules: for reading a dossier into the canonical model.
    ValidationReport validateStructure(std::string_view bytes) const;

    /// Ok when the validator can validate: structure data present and, when `schema_path` is
    /// set, the schema loads. Callers (CLI, daemon) check this once, before any dossier.
    Status schemaStatus() const;

    /// Business rules only, on an already parsed document (oso::businessRules).
    void businessRules(const pugi::xml_document& doc, std::string_view bytes,
                       std::vector<Melding>& out) const;

    const Standard& standard() const { return *standard_; }

  private:
    bool xsd(std::string_view bytes, std::vector<Melding>& out) const;
    /// Parses and checks the structure into `report`; false when the business rules cannot run
    /// (unreadable, wrong root, no structure data, schema not loadable).
    bool structureInto(std::string_view bytes, pugi::xml_document& doc,
                       ValidationReport& report) const;

    std::shared_ptr<const Standard> standard_;
    std::shared_ptr<const Structure> structure_;
    std::string structure_error_;
    ValidatorOptions options_;
};

/// `rule, XPath, text` lines (Dutch).
std::string formatText(const ValidationReport& report, const std::string& file);
/// The standard `<meldingen>` document.
std::string formatMeldingen(const ValidationReport& report, const Standard& standard);

}  // namespace sluis::oso

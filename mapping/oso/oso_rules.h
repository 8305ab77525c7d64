#pragma once
/// The OSO business rules, natively: every official rule of the Edustandaard validators (OVa.*,
/// OVb.*, PaO.*, OG.01-05, OS.cat01-16 and the 33 code lists) under its official id and with its
/// official melding text, plus Sluis's own extra checks under `SLUIS.*` ids.
///
/// Which rules apply follows the official files: the common rules (oso_rules.cpp: code lists,
/// OG.*, OS.cat*) always; the overstap rules (oso_rules_ov.cpp: OVa.* for overdrachtsoort
/// `overstapdossier`, OVb.* for `overdrachtbinnenbrin`); the SWV rules (oso_rules_pao.cpp: PaO.*
/// for `swv-dossier`). Rules that the official files fail to run (docs/oso.md, "Defecten") are
/// enforced as written.
///
/// Cost: one pass over the tree (RuleContext's constructor) collects what the rules need; the
/// rules themselves only look at collected nodes and the leerling's children index.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/oso/oso_standard.h"
#include "mapping/oso/oso_xml.h"

namespace sluis::oso {

struct Melding;

/// One dossier prepared for the rules.
class RuleContext {
  public:
    RuleContext(const Standard& standard, const pugi::xml_document& doc, std::string_view bytes,
                std::vector<Melding>& out);

    const Standard& standard;
    std::string_view bytes;
    pugi::xml_node root, metadata, school, leerling, inzage;
    std::string soort;     ///< overdrachtsoort, as written (the official $typeDocument).
    std::string overstap;  ///< metadata/overstap, as written (empty when absent).
    bool has_overstap = false;

    // Collected in the single pass over the tree.
    std::vector<pugi::xml_node> communicaties, verzorgers, huisartsen, lwoo_einddata, toetsen,
        resultaten, toetsscores, scores, zorgen;

    /// The leerling's child elements with this name (empty when none).
    const std::vector<pugi::xml_node>& leerlingChildren(std::string_view name) const;
    pugi::xml_node leerlingChild(std::string_view name) const;
    /// Elements at an OSO path from the root (`dossier/huidigeschool/leerling/...`).
    std::vector<pugi::xml_node> find(std::string_view path) const;

    /// Reports an official rule with its official text number `text` (0-based).
    void official(const std::string& rule, const pugi::xml_node& at, size_t text = 0);
    /// Reports a rule with an explicit text (code lists, category rules).
    void report(const std::string& rule, const pugi::xml_node& at, const std::string& text);
    /// Reports a Sluis rule with its text from standard.json `rules`.
    void sluis(const std::string& rule, const pugi::xml_node& at, const std::string& extra = {});

  private:
    std::vector<Melding>& out_;
    std::map<std::string, std::vector<pugi::xml_node>, std::less<>> by_name_;
};

/// xs:boolean of an element's text: true for `true` and `1`. Absent: false.
bool xsTrue(const pugi::xml_node& n);
/// Whitespace-trimmed text of an element.
std::string trimmedText(const pugi::xml_node& n);
/// XPath string value of a leaf element (its text as written, untrimmed).
std::string stringValue(const pugi::xml_node& n);
/// XPath `text()='v'`: one of the element's text nodes equals `v` exactly.
bool hasTextNode(const pugi::xml_node& n, const std::string& v);
/// The first element found below `n` along `a/b/c` (empty when none).
pugi::xml_node descend(const pugi::xml_node& n, std::string_view path);

/// Code lists, OG.01-05, OS.cat01-16 and Sluis's own checks that apply to every dossier.
void commonRules(RuleContext& ctx);
/// OVa.* (overstapdossier) and OVb.* (overdrachtbinnenbrin): ValideerOverstapprofielen.xsl.
void overstapRules(RuleContext& ctx);
/// PaO.* (swv-dossier): ValideerSwvPaO-profielen.xsl.
void swvRules(RuleContext& ctx);

/// OVa.LL08/OV04, OVb.LL04/OV02, PaO.LL08/OV04: every geheim communicatie carries the secret
/// value; reported under `verzorger_rule` when it belongs to a verzorger.
void secretCommunicatie(RuleContext& ctx, const std::string& person_rule,
                        const std::string& verzorger_rule);
/// OVa.LL01-LL11 and PaO.LL01-LL11 (the same eleven checks in both files, `prefix` "OVa" or
/// "PaO"): voornaam, geboortedatum, no geboortemaand, adresgeheim given, an address unless geheim,
/// no address when geheim, no postcode4adres, secret communicatie (LL08, OV04 for a verzorger),
/// no adresbuitenland when geheim, no geboorteplaats, no nationaliteit.
void leerlingBasisRules(RuleContext& ctx, const std::string& prefix);
/// OVa.TR05/TR06/CL01, PaO.TR01/TR02/CL01: a resultaat, toetsscore or score has content.
void scoreRules(RuleContext& ctx, const char* resultaat_rule, const char* toetsscore_rule,
                const char* score_rule);

/// All of the above, as the official files apply them by overdrachtsoort.
void businessRules(const Standard& standard, const pugi::xml_document& doc, std::string_view bytes,
                   std::vector<Melding>& out);

}  // namespace sluis::oso

#pragma once
/// One OSO standard version as data: the element tree bound to the canonical model
/// (data/<version>/binding.json), the categories and profiles, code lists, identity rules and rule
/// texts (data/<version>/standard.json). Adding a version means adding its data directory and one
/// line in oso_standard.cpp.
///
/// Thread-safety: a Standard is immutable after loading; share it freely.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace sluis::oso {

/// How a simple value is carried in canonical JSON.
enum class JsonKind { kString, kBool, kInt };

struct AttrBinding {
    std::string name;  ///< XML attribute name.
    std::string key;   ///< Canonical key (sibling of the element's key, or inside the item object).
};

/// One OSO element bound to its canonical home.
struct Node {
    std::string name;  ///< OSO element name.
    std::string path;  ///< OSO path from the root, e.g. `dossier/huidigeschool/leerling`.
    std::string key;   ///< Canonical key in the JSON object it lands in.
    std::vector<std::string> place;  ///< Non-empty: lands in this object path from the record root.
    int min = 1;
    int max = 1;            ///< -1: unbounded.
    bool collapse = false;  ///< List wrapper: canonical array of `item` under `key`.
    bool wrap = false;      ///< Single value carried as a one-element canonical array.
    bool complex = false;   ///< Has element children.
    JsonKind kind = JsonKind::kString;
    std::string type;  ///< Canonical type name (complex nodes, attribute objects).
    std::vector<AttrBinding> attributes;
    std::vector<Node> children;
    std::unique_ptr<Node> item;  ///< For collapse.
    int category = -1;           ///< Index into Standard::categories (-1: inherited none).
    bool forbidden = false;      ///< Never written (identity rules).
    bool swv_forbidden = false;  ///< Never written in an SWV dossier.
    /// Children by element name; transparent, so that a reader looks names up without a copy.
    std::map<std::string, const Node*, std::less<>> by_name;
    /// The parent's by_name finds this node under its name (false when a sibling or the parent's
    /// item has the same name): a reader that finds this node by position may use it directly.
    bool found_by_name = false;

    bool repeated() const { return max != 1; }
};

enum class Delivery { kVerplicht, kOptioneel, kVerboden, kOptUit };
const char* deliveryName(Delivery d);
std::optional<Delivery> parseDelivery(const std::string& s);

struct Category {
    std::string name;  ///< e.g. `onderwijsondersteuning`
    std::string rule;  ///< e.g. `OS.cat09`
    std::vector<std::string> paths;
};

struct Profile {
    std::string name;             ///< POPO, POVO, VOVO, BB, POSWV, VOSWV
    std::string overdrachtsoort;  ///< overstapdossier, overdrachtbinnenbrin, swv-dossier
    std::string overstap;         ///< Empty for BB.
    bool swv = false;
    std::vector<Delivery> categories;  ///< Index as Standard::categories.
};

/// One field an official code list applies to (data/<version>/standard.json `code_lists`).
struct CodeListField {
    std::vector<std::string> path;  ///< Element names, outermost first; the last is the field.
    std::string text;               ///< Official melding text (verbatim).
    bool required = false;          ///< Also reported when the field is absent (list 33).
};

/// An official code list, by its list number (e.g. list 14, geslacht: rule id `CL14`).
struct CodeList {
    std::string rule;  ///< `CL` + two-digit list number.
    int list = 0;
    std::vector<std::string> values;
    std::vector<CodeListField> fields;
};

/// An official business rule (standard.json `official_rules`).
struct OfficialRule {
    std::string id;     ///< e.g. `OVa.LL14`
    std::string scope;  ///< overstapdossier, overdrachtbinnenbrin, swv-dossier or alle.
    std::vector<std::string> texts;  ///< Official melding texts, verbatim (some rules have more).
    std::string source;              ///< Official file and line of the check.
    std::string check;               ///< Empty: checked; `none`: the official file has no check.
};

/// The OS.catNN checks of one category: what must be present when the dossier declares the
/// category VERPLICHT, and what may not be present when it declares VERBODEN or OPT-UIT.
struct CategoryRule {
    struct Item {
        std::string path;  ///< OSO path from the root.
        std::string text;  ///< Official melding text.
    };
    std::string rule;                        ///< e.g. `OS.cat06`
    std::string field;                       ///< e.g. `cat_vve`
    std::vector<std::string> verplicht_any;  ///< Empty: no VERPLICHT check.
    std::string verplicht_text;
    std::vector<Item> verboden, opt_uit;
};

/// How a canonical cijferlijst given as LAS-style `cijfers` (no cijferlijstTypelijst) is written
/// as an OSO cijferlijstTypelijst (standard.json `cijfers_to_cijferlijst`, docs/oso.md). Name
/// templates: the first whose `{field}`s are all non-empty wins. Empty `list`: no derivation.
struct CijfersRule {
    std::string list;                         ///< Canonical list key, e.g. `cijferlijsten`.
    std::vector<std::string> naam;            ///< Typelijst naam, fields of the cijferlijst.
    std::vector<std::string> onderdeel_naam;  ///< Onderdeel naam, fields of the cijfer.
};

class Standard {
  public:
    /// The standard compiled into Sluis for `version` (e.g. "2019.1"); kNotFound otherwise.
    static Result<std::shared_ptr<const Standard>> get(const std::string& version);
    /// Versions compiled in.
    static std::vector<std::string> versions();
    /// Parses the two data files (exposed for tests).
    static Result<std::shared_ptr<const Standard>> parse(const std::string& binding_json,
                                                         const std::string& standard_json);

    const std::string& version() const { return version_; }
    const std::string& validatieversie() const { return validatieversie_; }
    const std::string& ns() const { return namespace_; }
    const std::string& meldingenNs() const { return meldingen_namespace_; }
    const Node& root() const { return root_; }
    const std::vector<Category>& categories() const { return categories_; }
    int categoryIndex(const std::string& name) const;
    const Profile* profile(const std::string& name) const;
    const std::vector<Profile>& profiles() const { return profiles_; }
    /// Profile for a dossier's overdrachtsoort + overstap; nullptr when none matches.
    const Profile* profileFor(const std::string& overdrachtsoort,
                              const std::string& overstap) const;
    const std::vector<CodeList>& codeLists() const { return code_lists_; }
    /// Transparent string hash, so that the index is searched with a string_view.
    struct NameHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using CodeListIndex = std::unordered_map<std::string, std::vector<std::pair<size_t, size_t>>,
                                             NameHash, std::equal_to<>>;
    /// Code-list fields by element name: (list index, field index) pairs.
    const CodeListIndex& codeListIndex() const { return code_list_index_; }
    const std::map<std::string, OfficialRule, std::less<>>& officialRules() const {
        return official_;
    }
    const std::vector<CategoryRule>& categoryRules() const { return category_rules_; }
    /// Official melding text `index` of an official rule (the first when out of range); empty
    /// when the id is not official.
    std::string officialText(std::string_view id, size_t index = 0) const;
    const std::map<std::string, std::string>& secretValues() const { return secret_; }
    /// Dutch text of a rule id: the first official text, or Sluis's own text (`rules`), or the
    /// id itself when unknown.
    std::string ruleText(const std::string& id) const;
    const std::map<std::string, std::string>& rules() const { return rules_; }
    const CijfersRule& cijfersRule() const { return cijfers_rule_; }

  private:
    std::string version_, validatieversie_, namespace_, meldingen_namespace_;
    Node root_;
    std::vector<Category> categories_;
    std::vector<Profile> profiles_;
    std::vector<CodeList> code_lists_;
    CodeListIndex code_list_index_;
    std::map<std::string, OfficialRule, std::less<>> official_;
    std::vector<CategoryRule> category_rules_;
    std::map<std::string, std::string> secret_;
    std::map<std::string, std::string> rules_;
    CijfersRule cijfers_rule_;
};

}  // namespace sluis::oso

#include "mapping/oso/oso_validator.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#include "core/model/bsn.h"

namespace sluis::oso {

namespace {

namespace fs = std::filesystem;

std::string trimmed(const pugi::xml_node& n) {
    std::string s = n.child_value();
    size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return std::string();
    size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

/// Elements by OSO path. Paths below the leerling start from an index of the leerling's
/// children (built once per dossier), which keeps the many category lookups cheap.
class PathFinder {
  public:
    explicit PathFinder(const pugi::xml_node& root) : root_(root) {
        leerling_ = child(child(root, "huidigeschool"), "leerling");
        for (auto c = leerling_.first_child(); c; c = c.next_sibling())
            if (c.type() == pugi::node_element) by_name_[std::string(localName(c))].push_back(c);
    }

    std::vector<pugi::xml_node> find(const std::string& path) const {
        static const std::string kL = "dossier/huidigeschool/leerling/";
        std::vector<pugi::xml_node> cur;
        size_t start;
        if (path.compare(0, kL.size(), kL) == 0) {
            size_t slash = path.find('/', kL.size());
            auto it = by_name_.find(path.substr(
                kL.size(), slash == std::string::npos ? std::string::npos : slash - kL.size()));
            if (it == by_name_.end()) return cur;
            cur = it->second;
            if (slash == std::string::npos) return cur;
            start = slash + 1;
        } else {
            size_t slash = path.find('/');
            if (localName(root_) != path.substr(0, slash)) return cur;
            cur.push_back(root_);
            if (slash == std::string::npos) return cur;
            start = slash + 1;
        }
        while (start <= path.size() && !cur.empty()) {
            size_t slash = path.find('/', start);
            std::string_view part(path.data() + start,
                                  (slash == std::string::npos ? path.size() : slash) - start);
            std::vector<pugi::xml_node> next;
            for (const auto& n : cur)
                for (auto c = n.first_child(); c; c = c.next_sibling())
                    if (c.type() == pugi::node_element && localName(c) == part) next.push_back(c);
            cur.swap(next);
            if (slash == std::string::npos) break;
            start = slash + 1;
        }
        return cur;
    }

  private:
    pugi::xml_node root_, leerling_;
    std::map<std::string, std::vector<pugi::xml_node>, std::less<>> by_name_;
};

// --- libxml2 schema cache -------------------------------------------------------------------

struct SchemaCache {
    std::mutex mu;
    std::map<std::string, xmlSchemaPtr> schemas;
};

SchemaCache& schemaCache() {
    static SchemaCache* c = new SchemaCache();  // never destroyed: shared by all validators
    return *c;
}

void silentStructured(void*, xmlErrorPtr) {}

xmlSchemaPtr loadSchema(const std::string& path) {
    auto& cache = schemaCache();
    std::lock_guard<std::mutex> lock(cache.mu);
    auto it = cache.schemas.find(path);
    if (it != cache.schemas.end()) return it->second;
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewParserCtxt(path.c_str());
    if (!pctx) return nullptr;
    xmlSchemaSetParserStructuredErrors(pctx, silentStructured, nullptr);
    xmlSchemaPtr schema = xmlSchemaParse(pctx);
    xmlSchemaFreeParserCtxt(pctx);
    if (schema) cache.schemas[path] = schema;
    return schema;
}

std::string nodePath(xmlNodePtr n) {
    std::vector<std::string> parts;
    for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
        int index = 0, count = 0;
        for (xmlNodePtr s = n->parent ? n->parent->children : nullptr; s; s = s->next) {
            if (s->type != XML_ELEMENT_NODE || xmlStrcmp(s->name, n->name) != 0) continue;
            ++count;
            if (s == n) index = count;
        }
        std::string part(reinterpret_cast<const char*>(n->name));
        if (count > 1) part += "[" + std::to_string(index) + "]";
        parts.push_back(part);
    }
    std::string out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += "/" + *it;
    return out.empty() ? "/" : out;
}

/// libxml2 messages quote values; keep the first quoted part (the element) and hide the rest,
/// and drop namespace URIs, so that no personal value ends up in a melding.
std::string sanitize(const char* msg, const std::string& ns) {
    std::string s = msg ? msg : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    std::string braced = "{" + ns + "}";
    for (size_t p; (p = s.find(braced)) != std::string::npos;) s.erase(p, braced.size());
    std::string out;
    int quote = 0;
    bool in = false;
    for (char c : s) {
        if (c == '\'') {
            in = !in;
            if (in) ++quote;
            out += c;
            if (in && quote > 1 && s.find("Expected is") == std::string::npos) out += "...";
            continue;
        }
        if (in && quote > 1 && s.find("Expected is") == std::string::npos) continue;
        out += c;
    }
    return out;
}

struct XsdErrors {
    std::vector<Melding>* out;
    std::string ns;
};

void collectXsd(void* user, xmlErrorPtr err) {
    auto* e = static_cast<XsdErrors*>(user);
    if (!err) return;
    Melding m;
    m.rule = "XSD";
    m.xpath = err->node ? nodePath(static_cast<xmlNodePtr>(err->node)) : "/";
    m.line = err->line;
    m.text = "XML-schema: " + sanitize(err->message, e->ns);
    e->out->push_back(std::move(m));
}

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

}  // namespace

bool ValidationReport::has(const std::string& rule) const {
    for (const auto& m : meldingen)
        if (m.rule == rule) return true;
    return false;
}

std::string locateSchema(const std::string& version, const std::string& explicit_path) {
    const char* kFile = "OSO_gegevensset.xsd";
    auto fromDir = [&](const fs::path& dir) -> std::string {
        if (isFile(dir / kFile)) return (dir / kFile).string();
        if (isFile(dir / version / kFile)) return (dir / version / kFile).string();
        return {};
    };
    if (!explicit_path.empty()) {
        if (isFile(explicit_path)) return explicit_path;
        return fromDir(explicit_path);
    }
    if (const char* env = std::getenv("SLUIS_OSO_SCHEMA_DIR"); env && *env) return fromDir(env);
    std::string p = fromDir(SLUIS_OSO_DEFAULT_SCHEMA_ROOT);
    if (!p.empty()) return p;
    return fromDir(fs::path("..") / "shared" / "oso");
}

Validator::Validator(std::shared_ptr<const Standard> standard, ValidatorOptions options)
    : standard_(std::move(standard)), options_(std::move(options)) {
    // Code list entries by element name: "name" (any parent), "parent/name" or "parent/*".
    const auto& lists = standard_->codeLists();
    for (size_t i = 0; i < lists.size(); ++i)
        for (const auto& e : lists[i].elements) {
            auto slash = e.find('/');
            if (slash == std::string::npos)
                codelist_index_[e].push_back({"", i});
            else
                codelist_index_[e.substr(slash + 1)].push_back({e.substr(0, slash), i});
        }
}

ValidationReport Validator::validate(std::string_view bytes) const {
    ValidationReport report;
    pugi::xml_document doc;
    XmlProblem problem;
    if (!parseSafe(bytes, doc, problem, options_.limits)) {
        report.unreadable = true;
        report.meldingen.push_back({problem.rule, problem.xpath, problem.text, 0});
        return report;
    }
    pugi::xml_node root = doc.document_element();
    std::string_view rname = root ? root.name() : "";
    auto colon = rname.find(':');
    std::string nsattr =
        colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(rname.substr(0, colon));
    if (!root || localName(root) != "dossier" ||
        standard_->ns() != root.attribute(nsattr.c_str()).value()) {
        report.meldingen.push_back({"OG.XML04", "/", standard_->ruleText("OG.XML04"), 1});
        return report;
    }
    if (!options_.schema_path.empty() && !xsd(bytes, report.meldingen)) {
        report.unreadable = true;
        report.meldingen.push_back(
            {"XSD", "/", "het XML-schema kon niet worden geladen: " + options_.schema_path, 0});
        return report;
    }
    businessRules(doc, bytes, report.meldingen);
    return report;
}

bool Validator::xsd(std::string_view bytes, std::vector<Melding>& out) const {
    xmlSchemaPtr schema = loadSchema(options_.schema_path);
    if (!schema) return false;
    // No network, no entity substitution, no DTD loading (the DOCTYPE was refused already).
    xmlDocPtr doc =
        xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), "dossier.xml", nullptr,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        out.push_back({"OG.XML01", "/", standard_->ruleText("OG.XML01"), 0});
        return true;
    }
    // One validation context per thread and schema, reused across dossiers.
    struct CtxtCache {
        xmlSchemaPtr schema = nullptr;
        xmlSchemaValidCtxtPtr ctxt = nullptr;
        ~CtxtCache() {
            if (ctxt) xmlSchemaFreeValidCtxt(ctxt);
        }
    };
    thread_local CtxtCache cache;
    if (cache.schema != schema) {
        if (cache.ctxt) xmlSchemaFreeValidCtxt(cache.ctxt);
        cache.ctxt = xmlSchemaNewValidCtxt(schema);
        cache.schema = schema;
    }
    XsdErrors errs{&out, standard_->ns()};
    xmlSchemaSetValidStructuredErrors(cache.ctxt, collectXsd, &errs);
    xmlSchemaValidateDoc(cache.ctxt, doc);
    xmlSchemaSetValidStructuredErrors(cache.ctxt, nullptr, nullptr);
    xmlFreeDoc(doc);
    return true;
}

void Validator::businessRules(const pugi::xml_document& doc, std::string_view bytes,
                              std::vector<Melding>& out) const {
    const Standard& s = *standard_;
    pugi::xml_node root = doc.document_element();
    auto add = [&](const std::string& rule, const pugi::xml_node& n,
                   const std::string& extra = {}) {
        std::string text = s.ruleText(rule);
        if (!extra.empty()) text += " (" + extra + ")";
        out.push_back({rule, n ? xpathOf(n) : "/", text, n ? lineOf(bytes, n) : 0});
    };
    const std::string L = "dossier/huidigeschool/leerling";
    PathFinder finder(root);
    auto findPath = [&finder](const pugi::xml_node&, const std::string& p) {
        return finder.find(p);
    };
    pugi::xml_node metadata = child(root, "metadata");
    pugi::xml_node leerling = child(child(root, "huidigeschool"), "leerling");

    // One pass over every element: code lists (leaves), adresgeheim and secret contacts.
    std::vector<pugi::xml_node> stack{root};
    while (!stack.empty()) {
        pugi::xml_node n = stack.back();
        stack.pop_back();
        bool leaf = true;
        for (auto c = n.first_child(); c; c = c.next_sibling())
            if (c.type() == pugi::node_element) {
                stack.push_back(c);
                leaf = false;
            }
        std::string_view name = localName(n);
        if (!leaf) {
            if (name == "communicatie" && trimmed(child(n, "geheim")) == "true") {
                std::string soortc = trimmed(child(n, "soort"));
                auto mask = s.secretValues().find(soortc);
                if (mask != s.secretValues().end() && trimmed(child(n, "nummer")) != mask->second)
                    add(soortc == "telefoon" ? "OG.ID03" : "OG.ID04", child(n, "nummer"));
            }
            continue;
        }
        if (name == "adresgeheim" && trimmed(n) == "true" && child(n.parent(), "adreslijst"))
            add("OG.ID02", child(n.parent(), "adreslijst"));
        auto check = [&](const std::vector<std::pair<std::string, size_t>>& entries) {
            std::string_view parent;
            bool have_parent = false;
            for (const auto& [pe, index] : entries) {
                if (!pe.empty()) {
                    if (!have_parent) {
                        parent = localName(n.parent());
                        have_parent = true;
                    }
                    if (pe != parent) continue;
                }
                const CodeList& cl = s.codeLists()[index];
                std::string v = trimmed(n);
                bool found = false;
                for (const auto& allowed : cl.values) found = found || allowed == v;
                if (!found) add(cl.rule, n);
            }
        };
        auto it = codelist_index_.find(name);
        if (it != codelist_index_.end()) check(it->second);
        auto any = codelist_index_.find(std::string_view("*"));
        if (any != codelist_index_.end()) check(any->second);
    }

    // Standard version.
    if (metadata && trimmed(child(metadata, "standaardversie")) != s.version())
        add("OG.MD01", child(metadata, "standaardversie"));

    // Profile.
    std::string soort = trimmed(child(root, "overdrachtsoort"));
    std::string overstap = trimmed(child(metadata, "overstap"));
    std::string deel = trimmed(child(metadata, "deeldossier"));
    // A BB dossier (overdrachtbinnenbrin) may carry an overstap: the official examples do.
    bool ov = soort == "overstapdossier", swv = soort == "swv-dossier",
         bb = soort == "overdrachtbinnenbrin";
    // A value outside its code list is reported once, by the code list rule only.
    bool overstap_known = overstap == "POPO" || overstap == "POVO" || overstap == "VOVO" ||
                          overstap == "POSWV" || overstap == "VOSWV";
    bool ov_overstap = overstap == "POPO" || overstap == "POVO" || overstap == "VOVO";
    pugi::xml_node overstap_node = child(metadata, "overstap");
    if (ov && (overstap.empty() || (overstap_known && !ov_overstap)))
        add("OVa.MD01", overstap_node ? overstap_node : metadata);
    if (swv && (overstap.empty() || (overstap_known && ov_overstap)))
        add("PaO.MD01", overstap_node ? overstap_node : metadata);
    if ((ov || swv || bb) && (deel == "LVS" || deel == "TIB"))
        add(ov ? "OVa.MD02" : swv ? "PaO.MD02" : "OVb.MD01", child(metadata, "deeldossier"));
    const Profile* profile = s.profileFor(soort, overstap);
    if (!profile) return;  // code list meldingen already say why

    // categorie_uitlevering.
    pugi::xml_node cu = child(metadata, "categorie_uitlevering");
    // Sluis requires categorie_uitlevering: without it minimisation cannot be verified.
    if (metadata && !cu) add("OG.MD02", metadata);
    for (size_t i = 0; i < s.categories().size(); ++i) {
        const Category& cat = s.categories()[i];
        Delivery want = profile->categories[i];
        Delivery declared = want;
        pugi::xml_node decl = child(cu, "cat_" + cat.name);
        if (cu) {
            auto d = parseDelivery(trimmed(decl));
            if (d) {
                declared = *d;
                bool ok = declared == want ||
                          (want == Delivery::kOptioneel && declared == Delivery::kOptUit);
                if (!ok)
                    add(cat.rule, decl,
                        std::string("profiel ") + profile->name + " vraagt " + deliveryName(want));
            }
        }
        std::vector<pugi::xml_node> present;
        for (const auto& p : cat.paths)
            for (const auto& n : findPath(root, p)) present.push_back(n);
        bool absentNeeded = want == Delivery::kVerboden || declared == Delivery::kVerboden ||
                            declared == Delivery::kOptUit;
        if (absentNeeded) {
            for (const auto& n : present)
                add(cat.rule, n, std::string("niet toegestaan bij ") + deliveryName(declared));
        } else if (want == Delivery::kVerplicht && present.empty()) {
            add(cat.rule, cat.name == "ouderinzage" || cat.name == "metadata" ? root : leerling,
                "verplichte categorie ontbreekt");
        }
    }

    // Inzage.
    pugi::xml_node inzage = child(root, "inzage");
    if (inzage) {
        pugi::xml_node flag = child(inzage, "inzage");
        if (ov && trimmed(flag) != "true" && trimmed(flag) != "1")
            add("OVa.IZ01", flag ? flag : inzage);
        if ((trimmed(flag) == "true" || trimmed(flag) == "1") && !child(inzage, "inzagedatum"))
            add("OG.IZ01", inzage);
        if (profile->name == "VOVO" && options_.vovo_toestemming_required &&
            !child(inzage, "toestemming"))
            add("OVa.IZ02", inzage);
        if (child(inzage, "redennietakkoord") && trimmed(child(inzage, "akkoord")) != "Nee")
            add("OG.IZ02", child(inzage, "redennietakkoord"));
    }

    // Identity.
    pugi::xml_node bsn = child(leerling, "bsn"), onr = child(leerling, "onderwijsnummer");
    if (ov && leerling && !bsn && !onr) add("OVa.ID01", leerling);
    if (swv) {
        if (bsn) add("PaO.ID01", bsn);
        if (onr) add("PaO.ID01", onr);
    }
    if (bsn && !swv && !model::isValidBsn(trimmed(bsn))) add("OG.ID05", bsn);
    if (profile->name == "POVO" && leerling && !child(leerling, "leerlingid"))
        add("OVa.ID02", leerling);
    for (const char* f : {"geboortemaand", "postcode4adres", "geboorteplaats", "nationaliteit"})
        for (const auto& n : findPath(root, L + "/" + f)) add("OG.ID01", n);

    // Advies.
    pugi::xml_node advies = child(leerling, "overstapadvies");
    if (profile->name == "POVO" && advies && !child(advies, "advies")) add("OVa.AD01", advies);
    if (advies && child(advies, "herzienadvies") && !child(advies, "motivatie_herzienadvies"))
        add("OVa.AD02", child(advies, "herzienadvies"));

    // Eindtoets.
    pugi::xml_node et = child(leerling, "eindtoets_basisonderwijs");
    if (et) {
        std::string deelg = trimmed(child(et, "deelgenomen"));
        bool has = static_cast<bool>(child(et, "eindtoetsresultaat"));
        if ((deelg == "true" || deelg == "1") && !has) add("OVa.ET01", et);
        if ((deelg == "false" || deelg == "0") && has)
            add("OVa.ET02", child(et, "eindtoetsresultaat"));
    }

    // Test windows: didactische leeftijd 0..60 months; the eindtoets is taken between
    // 1 February and 30 June (ISO dates compare as strings).
    for (const auto& n : findPath(root, L + "/toetslijst/toets/afname/dl")) {
        std::string v = trimmed(n);
        bool ok = !v.empty() && v.size() <= 3 &&
                  v.find_first_not_of("0123456789") == std::string::npos && std::stoi(v) <= 60;
        if (!ok) add("OG.TS01", n);
    }
    for (const auto& n :
         findPath(root, L + "/eindtoets_basisonderwijs/eindtoetsresultaat/datum_afname")) {
        std::string v = trimmed(n);
        std::string md = v.size() == 10 ? v.substr(5) : std::string();
        if (md < "02-01" || md > "06-30") add("OG.TS02", n);
    }

    // Schoolloopbaan: the current school must appear; periods must be ordered.
    if (ov && leerling) {
        auto lb = findPath(root, L + "/schoolloopbaanlijst/schoolloopbaan");
        std::string brin = trimmed(child(child(root, "huidigeschool"), "brincode"));
        bool current = false;
        for (const auto& n : lb) current = current || trimmed(child(n, "brincode")) == brin;
        if (!lb.empty() && !current) add("OVa.SL01", child(leerling, "schoolloopbaanlijst"));
    }
    for (const auto& n : findPath(root, L + "/schoolloopbaanlijst/schoolloopbaan")) {
        std::string b = trimmed(child(n, "begindatum")), e = trimmed(child(n, "einddatum"));
        if (!b.empty() && !e.empty() && e < b) add("OVa.SL02", child(n, "einddatum"));
    }
}

std::string formatText(const ValidationReport& report, const std::string& file) {
    std::string out;
    if (report.meldingen.empty()) return file + ": geldig\n";
    for (const auto& m : report.meldingen) {
        out += file + ": " + m.rule + ", " + m.xpath + ", " + m.text;
        if (m.line > 0) out += " (regel " + std::to_string(m.line) + ")";
        out += "\n";
    }
    return out;
}

std::string formatMeldingen(const ValidationReport& report, const Standard& standard) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto root = doc.append_child("meldingen");
    root.append_attribute("xmlns") = standard.meldingenNs().c_str();
    for (const auto& m : report.meldingen) {
        auto mel = root.append_child("melding");
        mel.append_child("type").text() = "Fout";
        mel.append_child("locatie").text() = m.xpath.c_str();
        mel.append_child("tekst").text() = (m.rule + ": " + m.text).c_str();
    }
    std::ostringstream os;
    doc.save(os, "  ", pugi::format_default, pugi::encoding_utf8);
    return os.str();
}

}  // namespace sluis::oso

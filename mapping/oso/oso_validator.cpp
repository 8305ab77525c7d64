#include "mapping/oso/oso_validator.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <sstream>

#include "mapping/oso/oso_rules.h"
#include "mapping/oso/oso_structure.h"

namespace sluis::oso {

namespace {

namespace fs = std::filesystem;

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
    std::string given = explicit_path;
    if (given.empty())
        if (const char* env = std::getenv("SLUIS_OSO_SCHEMA_DIR"); env && *env) given = env;
    if (given.empty()) return {};
    if (isFile(given)) return given;
    std::string found = fromDir(given);
    return found.empty() ? given : found;
}

Validator::Validator(std::shared_ptr<const Standard> standard, ValidatorOptions options)
    : standard_(std::move(standard)), options_(std::move(options)) {
    auto st = Structure::get(standard_->version());
    if (st)
        structure_ = *st;
    else
        structure_error_ = st.error().message;
}

bool Validator::structureInto(std::string_view bytes, pugi::xml_document& doc,
                              ValidationReport& report) const {
    XmlProblem problem;
    if (!parseSafe(bytes, doc, problem, options_.limits)) {
        report.unreadable = true;
        report.meldingen.push_back({problem.rule, problem.xpath, problem.text, 0});
        return false;
    }
    pugi::xml_node root = doc.document_element();
    std::string_view rname = root ? root.name() : "";
    auto colon = rname.find(':');
    std::string nsattr =
        colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(rname.substr(0, colon));
    if (!root || localName(root) != "dossier" ||
        standard_->ns() != root.attribute(nsattr.c_str()).value()) {
        report.meldingen.push_back({"SLUIS.XML04", "/", standard_->ruleText("SLUIS.XML04"), 1});
        return false;
    }
    if (!structure_) {
        report.unreadable = true;
        report.meldingen.push_back({"XSD", "/", structure_error_, 0});
        return false;
    }
    size_t native = structure_->check(doc, bytes, report.meldingen);
    if (!options_.schema_path.empty()) {
        std::vector<Melding> lib;
        if (!xsd(bytes, lib)) {
            report.unreadable = true;
            report.meldingen.push_back(
                {"XSD", "/", "het XML-schema kon niet worden geladen: " + options_.schema_path, 0});
            return false;
        }
        // Native meldingen are preferred (Dutch, precise); libxml2's only when it found
        // something the native check did not, so that a disagreement is never hidden.
        if (native == 0)
            for (auto& m : lib) report.meldingen.push_back(std::move(m));
    }
    return true;
}

ValidationReport Validator::validate(std::string_view bytes) const {
    ValidationReport report;
    pugi::xml_document doc;
    if (structureInto(bytes, doc, report)) businessRules(doc, bytes, report.meldingen);
    return report;
}

ValidationReport Validator::validateStructure(std::string_view bytes) const {
    ValidationReport report;
    pugi::xml_document doc;
    structureInto(bytes, doc, report);
    return report;
}

Status Validator::schemaStatus() const {
    if (!structure_) return Error{ErrorCode::kNotFound, structure_error_};
    if (!options_.schema_path.empty() && !loadSchema(options_.schema_path))
        return Error{ErrorCode::kNotFound,
                     "XML-schema kon niet worden geladen: " + options_.schema_path};
    return Status::ok();
}

bool Validator::xsd(std::string_view bytes, std::vector<Melding>& out) const {
    xmlSchemaPtr schema = loadSchema(options_.schema_path);
    if (!schema) return false;
    // No network, no entity substitution, no DTD loading (the DOCTYPE was refused already).
    xmlDocPtr doc =
        xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), "dossier.xml", nullptr,
                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc) {
        out.push_back({"SLUIS.XML01", "/", standard_->ruleText("SLUIS.XML01"), 0});
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
    oso::businessRules(*standard_, doc, bytes, out);
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

#include "mapping/declarative/mapping.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/model/bsn.h"
#include "core/util/text.h"
#include "core/util/json.h"

namespace sluis::mapping {

using nlohmann::json;
using model::Kind;

namespace {

bool isScalar(Kind k) { return k != Kind::kObject && k != Kind::kArray; }

void checkKeys(const json& obj, std::initializer_list<const char*> valid, const std::string& path,
               std::vector<std::string>& errors) {
    for (auto& [k, v] : obj.items()) {
        if (!k.empty() && k[0] == '_') continue;  // comments
        bool ok = false;
        for (const char* a : valid) ok = ok || k == a;
        if (!ok) {
            std::string list;
            for (const char* a : valid) list += (list.empty() ? "" : ", ") + std::string(a);
            errors.push_back((path.empty() ? "" : path + ".") + k + ": onbekende sleutel; geldig: " +
                             list);
        }
    }
}

// Reads a string or list of strings (column alternatives).
std::vector<std::string> stringList(const json& j, const std::string& path,
                                    std::vector<std::string>& errors) {
    std::vector<std::string> out;
    if (j.is_string()) {
        out.push_back(j.get<std::string>());
    } else if (j.is_array() && !j.empty()) {
        for (size_t i = 0; i < j.size(); ++i) {
            if (j[i].is_string()) out.push_back(j[i].get<std::string>());
            else errors.push_back(path + "[" + std::to_string(i) + "]: verwacht tekst");
        }
    } else {
        errors.push_back(path + ": verwacht een kolomnaam of een lijst van kolomnamen");
    }
    for (const auto& s : out)
        if (util::isBlank(s)) errors.push_back(path + ": lege kolomnaam");
    return out;
}

bool parseBool(std::string_view v, bool& out) {
    std::string l;
    for (char c : v) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    static const char* kTrue[] = {"ja", "j", "true", "1", "waar", "x", "yes", "y", "wel"};
    static const char* kFalse[] = {"nee", "n", "false", "0", "onwaar", "no", "niet"};
    for (const char* t : kTrue)
        if (l == t) return out = true, true;
    for (const char* f : kFalse)
        if (l == f) return out = false, true;
    return false;
}

// Where in the JSON text a parse error happened, as "regel L, kolom C".
std::string lineCol(std::string_view text, size_t byte) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "regel " + std::to_string(line) + ", kolom " + std::to_string(col);
}

// Reads a part's `combine` (see Combine): {"target": list of codes, "codes": {"a+b": code}}.
void loadCombine(const json& cj, const std::string& path, const model::ModelDefinition& def,
                 const std::string& element_type, Part& part, std::vector<std::string>& errors) {
    if (!cj.is_object()) {
        errors.push_back(path + ": verwacht een object met target en codes");
        return;
    }
    checkKeys(cj, {"target", "codes", "description"}, path, errors);
    if (!part.into.empty() && part.into_path.kind != Kind::kObject) {
        errors.push_back(path + ": alleen voor een deel met één regel per leerling (hoofdbestand of "
                                "een 'into' die een object is)");
        return;
    }
    Combine c;
    c.where = path;
    if (cj.contains("description") && cj["description"].is_string())
        c.description = cj["description"].get<std::string>();
    const model::FieldDef* f = nullptr;
    if (!cj.contains("target") || !cj["target"].is_string()) {
        errors.push_back(path + ".target: verplicht: een lijstveld van het element, bijvoorbeeld "
                                "\"advies\"");
    } else if (!element_type.empty()) {
        c.target = cj["target"].get<std::string>();
        f = def.type(element_type)->find(c.target);
        if (!f || f->kind != Kind::kArray || !f->type.empty())
            errors.push_back(path + ".target: '" + c.target + "' is geen lijst van waarden van " +
                             element_type);
    }
    if (!cj.contains("codes") || !cj["codes"].is_object() || cj["codes"].empty()) {
        errors.push_back(path + ".codes: verwacht een object \"a+b\": \"code\"");
    } else {
        const std::vector<std::string>* list =
            f && !f->codelist.empty() ? def.codelist(f->codelist) : nullptr;
        for (auto& [k, v] : cj["codes"].items()) {
            if (k.find('+') == std::string::npos || !v.is_string()) {
                errors.push_back(path + ".codes." + k + ": verwacht \"a+b\": \"code\"");
                continue;
            }
            std::string code = v.get<std::string>();
            if (list && std::find(list->begin(), list->end(), code) == list->end())
                errors.push_back(path + ".codes." + k + ": '" + code + "' staat niet in codelijst " +
                                 f->codelist);
            c.codes[k] = code;
        }
    }
    part.combine = std::move(c);
}

// Follows `segs[0..count)` from `root`, creating what is missing when `create` ([] is [0]).
json* navigate(json& root, const std::vector<TargetPath::Segment>& segs, size_t count, bool create) {
    json* j = &root;
    for (size_t i = 0; i < count; ++i) {
        const auto& s = segs[i];
        if (!j->is_object()) {
            if (!create || !j->is_null()) return nullptr;
            *j = json::object();
        }
        auto it = j->find(s.name);
        if (it == j->end()) {
            if (!create) return nullptr;
            it = j->emplace(s.name, s.index == TargetPath::kNoIndex ? json() : json::array()).first;
        }
        j = &*it;
        if (s.index != TargetPath::kNoIndex) {
            size_t idx = s.index == TargetPath::kAppend ? 0 : static_cast<size_t>(s.index);
            if (!j->is_array()) {
                if (!create || !j->is_null()) return nullptr;
                *j = json::array();
            }
            if (j->size() <= idx) {
                if (!create) return nullptr;
                while (j->size() <= idx) j->push_back(json());
            }
            j = &(*j)[idx];
            if (j->is_null()) {
                if (!create) return nullptr;
            }
        }
    }
    return j;
}

}  // namespace

std::string normaliseHeader(std::string_view h) {
    std::string s = util::trim(util::stripUtf8Bom(h));
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

Result<TargetPath> resolveTarget(const model::ModelDefinition& def, const std::string& type,
                                 const std::string& text, bool leaf_required) {
    TargetPath t;
    t.text = text;
    auto fail = [&](const std::string& msg) { return Error{ErrorCode::kInvalidConfig, msg}; };
    if (text.empty()) return fail("leeg doelveld");
    size_t start = 0;
    while (start <= text.size()) {
        size_t dot = text.find('.', start);
        std::string seg = text.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        TargetPath::Segment s;
        size_t br = seg.find('[');
        if (br != std::string::npos) {
            if (seg.back() != ']') return fail("'" + seg + "': verwacht [n] of [] aan het eind");
            std::string idx = seg.substr(br + 1, seg.size() - br - 2);
            s.name = seg.substr(0, br);
            if (idx.empty()) {
                s.index = TargetPath::kAppend;
            } else {
                for (char c : idx)
                    if (!std::isdigit(static_cast<unsigned char>(c)))
                        return fail("'" + seg + "': index moet een getal zijn");
                if (idx.size() > 3) return fail("'" + seg + "': index te groot");
                s.index = std::stoi(idx);
            }
        } else {
            s.name = seg;
        }
        if (s.name.empty()) return fail("'" + text + "': leeg deel in het pad");
        t.segments.push_back(s);
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    const model::TypeDef* cur = def.type(type);
    if (!cur) return fail("onbekend type " + type);
    for (size_t i = 0; i < t.segments.size(); ++i) {
        auto& s = t.segments[i];
        const model::FieldDef* f = cur->find(s.name);
        if (!f) {
            std::string valid;
            for (const auto& fd : cur->fields) valid += (valid.empty() ? "" : ", ") + fd.name;
            return fail("'" + s.name + "' is geen veld van " + cur->name + "; geldige velden: " +
                        valid);
        }
        bool last = i + 1 == t.segments.size();
        if (s.index != TargetPath::kNoIndex) {
            if (f->kind != Kind::kArray) return fail("'" + s.name + "' is geen lijst; gebruik geen []");
            t.through_array = true;
            if (s.index == TargetPath::kAppend) t.has_append = true;
        }
        if (!last) {
            if (f->kind == Kind::kObject) {
                cur = def.type(f->type);
            } else if (f->kind == Kind::kArray && !f->type.empty()) {
                if (s.index == TargetPath::kNoIndex)
                    return fail("'" + s.name + "' is een lijst; schrijf " + s.name + "[0] of " +
                                s.name + "[]");
                cur = def.type(f->type);
            } else {
                return fail("'" + s.name + "' is een enkelvoudig veld; het pad kan niet verder");
            }
            continue;
        }
        t.field = f;
        if (!leaf_required) {
            // `into`: a list of records (each row adds an element) or one record (rows fill it).
            if (f->kind == Kind::kObject && s.index == TargetPath::kNoIndex) {
                t.kind = Kind::kObject;
                return t;
            }
            if (f->kind != Kind::kArray || f->type.empty() || s.index != TargetPath::kNoIndex)
                return fail("'" + text + "' is geen lijst van records (en geen record)");
            t.kind = Kind::kArray;
            return t;
        }
        if (isScalar(f->kind)) {
            t.kind = f->kind;
        } else if (f->kind == Kind::kArray && f->type.empty() && s.index != TargetPath::kNoIndex) {
            t.kind = f->item;
        } else if (f->kind == Kind::kArray && f->type.empty() &&
                   (f->item == Kind::kString || f->item == Kind::kText)) {
            t.kind = Kind::kArray;  // a list of words: the cell split on white space
        } else if (f->kind == Kind::kArray && f->type.empty()) {
            return fail("'" + s.name + "' is een lijst van waarden; schrijf " + s.name + "[]");
        } else {
            std::string valid;
            if (const auto* sub = def.type(f->type))
                for (const auto& fd : sub->fields) valid += (valid.empty() ? "" : ", ") + fd.name;
            return fail("'" + text + "' is een samengesteld veld; kies een deelveld: " + valid);
        }
    }
    return t;
}

// A decimal written plainly ([-+]digits[,.digits], at most 15 digits): its exact value. The
// digits form an integer below 2^53 and 10^k (k <= 15) is exact too, so the one division is
// correctly rounded, the same double strtod gives. Anything else: nullopt (strtod decides).
static std::optional<double> plainDecimal(std::string_view t) {
    size_t i = 0;
    bool negative = false;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) negative = t[i++] == '-';
    uint64_t mantissa = 0;
    int digits = 0, fraction = -1;  // fraction: digits after the separator (-1: none seen)
    for (; i < t.size(); ++i) {
        char c = t[i];
        if (c >= '0' && c <= '9') {
            if (++digits > 15) return std::nullopt;
            mantissa = mantissa * 10 + static_cast<uint64_t>(c - '0');
            if (fraction >= 0) ++fraction;
        } else if ((c == ',' || c == '.') && fraction < 0) {
            fraction = 0;
        } else {
            return std::nullopt;
        }
    }
    if (digits == 0 || fraction == 0) return std::nullopt;  // "", "-", "7,": strtod's rules apply
    static constexpr double kPow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double v = static_cast<double>(mantissa);
    if (fraction > 0) v /= kPow10[fraction];
    return negative ? -v : v;
}

bool FieldMapping::convert(std::string&& text, json& out, std::string& error) const {
    switch (target.kind) {
        case Kind::kBool: {
            bool b;
            if (!parseBool(text, b)) {
                error = "verwacht ja/nee (Ja, Nee, J, N, 1, 0, true, false)";
                return false;
            }
            out = b;
            return true;
        }
        case Kind::kInt: {
            const char* s = text.c_str();
            char* end = nullptr;
            long v = std::strtol(s, &end, 10);
            if (text.empty() || *end != '\0' || text.size() > 12) {
                error = "verwacht een geheel getal";
                return false;
            }
            out = v;
            return true;
        }
        case Kind::kDecimal: {
            if (auto quick = plainDecimal(text)) {
                out = *quick;
                return true;
            }
            std::string& t = text;  // ours to change (see the signature)
            for (auto& c : t)
                if (c == ',') c = '.';
            char* end = nullptr;
            double v = std::strtod(t.c_str(), &end);
            if (t.empty() || *end != '\0' || !std::isfinite(v) || t.size() > 32 ||
                t.find_first_of("xXnNiIpP") != std::string::npos) {
                error = "verwacht een getal (bijvoorbeeld 7,5)";
                return false;
            }
            out = v;
            return true;
        }
        case Kind::kDate:
            if (!model::isValidIsoDate(text)) {
                error = "ongeldige datum (verwacht JJJJ-MM-DD; voeg een date-transformatie toe "
                        "voor een ander formaat)";
                return false;
            }
            break;
        case Kind::kBsn:
            if (!model::isValidBsn(text)) {
                error = "ongeldig nummer: geen 9 cijfers of voldoet niet aan de elfproef";
                return false;
            }
            break;
        case Kind::kCode:
            if (codes) {
                bool found = false;
                for (const auto& c : *codes) found = found || c == text;
                if (!found) {
                    std::string list;
                    for (const auto& c : *codes) list += (list.empty() ? "" : ", ") + c;
                    error = "onbekende code (codelijst " + target.field->codelist + ": " + list +
                            "); voeg een map-transformatie toe";
                    return false;
                }
            }
            break;
        case Kind::kArray: {
            // A list of text values without [] (voornamenlijst): one element per word.
            if (text.size() > 100000) {
                error = "tekst te lang";
                return false;
            }
            json words = json::array();
            for (auto& w : util::splitWords(text)) words.push_back(std::move(w));
            out = std::move(words);
            return true;
        }
        default:
            if (text.size() > 100000) {
                error = "tekst te lang";
                return false;
            }
            break;
    }
    if (pattern && target.kind == Kind::kString && !pattern->matches(text)) {
        error = "voldoet niet aan het formaat " + target.field->pattern;
        return false;
    }
    out = std::move(text);
    return true;
}

const Part* Mapping::part(const std::string& name) const {
    for (const auto& p : parts)
        if (p.name == name) return &p;
    return nullptr;
}

Result<std::shared_ptr<const Mapping>> loadMapping(std::string_view text,
                                                    const std::string& source_name) {
    json doc;
    try {
        doc = util::parseJson(text, "mapping");
    } catch (const util::JsonTooDeep& e) {
        return Error{ErrorCode::kInvalidConfig, source_name + ": " + e.what()};
    } catch (const json::parse_error& e) {
        return Error{ErrorCode::kInvalidConfig,
                     source_name + ": " + lineCol(text, e.byte) + ": geen geldige JSON"};
    }
    std::vector<std::string> errors;
    auto def = model::ModelDefinition::builtin();
    auto m = std::make_shared<Mapping>();
    m->source_name = source_name;
    if (!doc.is_object()) {
        return Error{ErrorCode::kInvalidConfig, source_name + ": een mapping is een JSON-object"};
    }
    checkKeys(doc, {"sluis_mapping", "name", "description", "encoding", "separator", "parts"}, "",
              errors);
    if (!doc.contains("sluis_mapping"))
        errors.push_back("sluis_mapping: ontbreekt (schrijf \"sluis_mapping\": 1)");
    else if (doc["sluis_mapping"] != 1)
        errors.push_back("sluis_mapping: onbekende versie; deze Sluis kent versie 1");
    if (doc.contains("name")) {
        if (doc["name"].is_string()) m->name = doc["name"].get<std::string>();
        else errors.push_back("name: verwacht tekst");
    }
    if (doc.contains("description") && doc["description"].is_string())
        m->description = doc["description"].get<std::string>();
    if (doc.contains("encoding")) {
        auto e = doc["encoding"].is_string()
                     ? csv::parseEncodingName(doc["encoding"].get<std::string>())
                     : std::nullopt;
        if (!e) errors.push_back("encoding: onbekende codering; geldig: auto, utf-8, utf-16le, "
                                 "utf-16be, windows-1252");
        else m->encoding = *e;
    }
    if (doc.contains("separator")) {
        const json& s = doc["separator"];
        if (s == "auto") m->separator = 0;
        else if (s == ";") m->separator = ';';
        else if (s == ",") m->separator = ',';
        else if (s == "tab" || s == "\t") m->separator = '\t';
        else if (s == "|") m->separator = '|';
        else errors.push_back("separator: verwacht \"auto\", \";\", \",\", \"tab\" of \"|\"");
    }
    const json* parts = doc.contains("parts") ? &doc["parts"] : nullptr;
    if (!parts || !parts->is_array() || parts->empty()) {
        errors.push_back("parts: verwacht een niet-lege lijst van delen (het eerste deel is het "
                         "hoofdbestand met één regel per leerling)");
    } else {
        std::set<std::string> names;
        for (size_t pi = 0; pi < parts->size(); ++pi) {
            const json& pj = (*parts)[pi];
            std::string pp = "parts[" + std::to_string(pi) + "]";
            Part part;
            if (!pj.is_object()) {
                errors.push_back(pp + ": verwacht een object");
                continue;
            }
            checkKeys(pj, {"name", "description", "key", "into", "group_by", "fields", "combine"}, pp,
                      errors);
            if (!pj.contains("name") || !pj["name"].is_string() ||
                util::isBlank(pj["name"].get<std::string>()))
                errors.push_back(pp + ".name: verplicht (tekst)");
            else part.name = pj["name"].get<std::string>();
            if (!part.name.empty() && !names.insert(part.name).second)
                errors.push_back(pp + ".name: deel '" + part.name + "' komt twee keer voor");
            if (pj.contains("description") && pj["description"].is_string())
                part.description = pj["description"].get<std::string>();
            if (!pj.contains("key"))
                errors.push_back(pp + ".key: verplicht: de kolom met het stamnummer (sleutel)");
            else part.key_columns = stringList(pj["key"], pp + ".key", errors);
            std::string element_type = def->rootType();
            if (pj.contains("into")) {
                if (pi == 0) {
                    errors.push_back(pp + ".into: het eerste deel is het hoofdbestand (één regel per "
                                          "leerling) en heeft geen 'into'");
                } else if (!pj["into"].is_string()) {
                    errors.push_back(pp + ".into: verwacht tekst");
                } else {
                    part.into = pj["into"].get<std::string>();
                    auto t = resolveTarget(*def, def->rootType(), part.into, false);
                    if (!t.isOk()) {
                        errors.push_back(pp + ".into: " + t.error().message);
                    } else {
                        part.into_path = *t;
                        part.element_type = t->field->type;
                        element_type = part.element_type;
                    }
                }
            } else if (pi > 0) {
                errors.push_back(pp + ".into: verplicht voor een extra deel: de lijst waar elke "
                                      "regel aan wordt toegevoegd, bijvoorbeeld \"verzorgers\"");
            }
            bool element_ok = pi == 0 || !part.element_type.empty();
            if (pj.contains("group_by")) {
                auto g = stringList(pj["group_by"], pp + ".group_by", errors);
                if (pi == 0) errors.push_back(pp + ".group_by: alleen voor een deel met 'into'");
                else if (part.into_path.kind == Kind::kObject)
                    errors.push_back(pp + ".group_by: alleen voor een 'into' die een lijst is");
                for (const auto& name : g) {
                    if (!element_ok) break;
                    const auto* f = def->type(element_type)->find(name);
                    if (!f || !isScalar(f->kind))
                        errors.push_back(pp + ".group_by: '" + name + "' is geen enkelvoudig veld van " +
                                         element_type);
                }
                part.group_by = g;
            }
            const json* fields = pj.contains("fields") ? &pj["fields"] : nullptr;
            if (!fields || !fields->is_array() || fields->empty()) {
                errors.push_back(pp + ".fields: verwacht een niet-lege lijst van velden");
            } else {
                for (size_t fi = 0; fi < fields->size(); ++fi) {
                    const json& fj = (*fields)[fi];
                    std::string fp = pp + ".fields[" + std::to_string(fi) + "]";
                    FieldMapping fm;
                    fm.where = fp;
                    if (!fj.is_object()) {
                        errors.push_back(fp + ": verwacht een object");
                        continue;
                    }
                    checkKeys(fj, {"column", "value", "target", "required", "trim", "transforms",
                                   "default", "description"},
                              fp, errors);
                    bool has_target = false;
                    if (!fj.contains("target") || !fj["target"].is_string()) {
                        errors.push_back(fp + ".target: verplicht: het canonieke veld, bijvoorbeeld "
                                              "leerling.achternaam");
                    } else if (element_ok) {
                        auto t = resolveTarget(*def, element_type, fj["target"].get<std::string>(), true);
                        if (!t.isOk()) {
                            errors.push_back(fp + ".target: " + t.error().message);
                        } else {
                            fm.target = *t;
                            has_target = true;
                            if (!t->field->pattern.empty() && t->kind == Kind::kString)
                                fm.pattern = t->field->matcher
                                                 ? t->field->matcher
                                                 : std::make_shared<const model::Pattern>(t->field->pattern);
                            if (t->kind == Kind::kCode) fm.codes = def->codelist(t->field->codelist);
                        }
                    }
                    bool has_col = fj.contains("column"), has_val = fj.contains("value");
                    if (has_col == has_val)
                        errors.push_back(fp + ": geef precies één van 'column' (een kolom) of 'value' "
                                              "(een vaste waarde)");
                    if (has_col) fm.columns = stringList(fj["column"], fp + ".column", errors);
                    if (has_val) {
                        const json& v = fj["value"];
                        if (v.is_string()) fm.value = v.get<std::string>();
                        else if (v.is_boolean()) fm.value = v.get<bool>() ? "ja" : "nee";
                        else if (v.is_number_integer()) fm.value = std::to_string(v.get<long>());
                        else errors.push_back(fp + ".value: verwacht tekst, getal of true/false");
                    }
                    if (fj.contains("required")) {
                        if (!fj["required"].is_boolean()) errors.push_back(fp + ".required: verwacht true of false");
                        else fm.required = fj["required"].get<bool>();
                    }
                    if (fj.contains("trim")) {
                        if (!fj["trim"].is_boolean()) errors.push_back(fp + ".trim: verwacht true of false");
                        else fm.trim = fj["trim"].get<bool>();
                    }
                    if (fj.contains("default")) {
                        if (!fj["default"].is_string()) errors.push_back(fp + ".default: verwacht tekst");
                        else fm.default_value = fj["default"].get<std::string>();
                    }
                    if (fj.contains("transforms")) {
                        const json& tl = fj["transforms"];
                        if (!tl.is_array()) {
                            errors.push_back(fp + ".transforms: verwacht een lijst");
                        } else {
                            for (size_t ti = 0; ti < tl.size(); ++ti) {
                                Transform tr;
                                if (Transform::parse(tl[ti], fp + ".transforms[" + std::to_string(ti) + "]",
                                                     tr, errors))
                                    fm.transforms.push_back(std::move(tr));
                            }
                        }
                    }
                    // Fixed and default values must be valid canonical values.
                    if (has_target) {
                        std::string err;
                        json dummy;
                        if (fm.value && !fm.convert(std::string(*fm.value), fm.fixed, err))
                            errors.push_back(fp + ".value: " + err);
                        if (fm.default_value && !fm.convert(std::string(*fm.default_value), dummy, err))
                            errors.push_back(fp + ".default: " + err);
                    }
                    part.fields.push_back(std::move(fm));
                }
            }
            // Item fields ([]) of one part must all add to the same list.
            std::string item_list;
            for (const auto& f : part.fields) {
                if (!f.target.has_append) continue;
                std::string prefix;
                for (const auto& s : f.target.segments) {
                    prefix += (prefix.empty() ? "" : ".") + s.name;
                    if (s.index == TargetPath::kAppend) break;
                }
                if (item_list.empty()) item_list = prefix;
                else if (item_list != prefix)
                    errors.push_back(f.where + ".target: alle []-velden van een deel moeten in "
                                     "dezelfde lijst komen (" + item_list + "[])");
            }
            if (pj.contains("combine")) loadCombine(pj["combine"], pp + ".combine", *def,
                                                    element_ok ? element_type : std::string(),
                                                    part, errors);
            BoundPart::checkShape(part, errors);
            m->parts.push_back(std::move(part));
        }
    }
    if (!errors.empty()) {
        std::string msg = source_name + ": " + std::to_string(errors.size()) + " fout(en) in de mapping";
        for (const auto& e : errors) msg += "\n  " + e;
        return Error{ErrorCode::kInvalidConfig, msg};
    }
    return std::shared_ptr<const Mapping>(std::move(m));
}

Result<std::shared_ptr<const Mapping>> loadMappingFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{ErrorCode::kNotFound, path + ": mapping niet gevonden of niet leesbaar"};
    std::ostringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto st = util::checkUtf8(text);
    if (!st.isOk()) return Error{ErrorCode::kInvalidConfig, path + ": " + st.message()};
    return loadMapping(util::stripUtf8Bom(text), path);
}

Result<BoundPart> BoundPart::bind(const Part& part, const std::vector<std::string>& header,
                                  const std::string& file, std::vector<std::string>* unused) {
    BoundPart b;
    b.part_ = &part;
    b.file_ = file;
    std::unordered_map<std::string, size_t> index;
    for (size_t i = 0; i < header.size(); ++i) index.emplace(normaliseHeader(header[i]), i);
    auto find = [&](const std::vector<std::string>& alts) -> std::optional<size_t> {
        for (const auto& a : alts) {
            auto it = index.find(normaliseHeader(a));
            if (it != index.end()) return it->second;
        }
        return std::nullopt;
    };
    std::vector<std::string> missing;
    auto slotFor = [&](size_t col) {
        for (size_t s = 0; s < b.slot_columns_.size(); ++s)
            if (b.slot_columns_[s] == col) return static_cast<int>(s);
        b.slot_columns_.push_back(col);
        b.slot_headers_.push_back(header[col]);
        return static_cast<int>(b.slot_columns_.size() - 1);
    };
    auto key = find(part.key_columns);
    if (!key) missing.push_back("'" + part.key_columns.front() + "' (sleutel: stamnummer)");
    else slotFor(*key);
    for (const auto& f : part.fields) {
        int slot = -1;
        if (!f.columns.empty()) {
            auto col = find(f.columns);
            if (col) slot = slotFor(*col);
            else if (f.required) missing.push_back("'" + f.columns.front() + "' (" + f.target.text + ")");
        }
        b.field_slot_.push_back(slot);
    }
    buildShape(part, b.nodes_, b.field_node_, nullptr);
    // A column field whose leaf an earlier column field also fills: it is only read when the
    // earlier ones are empty.
    b.field_shared_.assign(part.fields.size(), 0);
    for (size_t i = 0; i < part.fields.size(); ++i) {
        const auto& f = part.fields[i];
        if (f.value || b.nodes_[b.field_node_[i]].type != Node::Type::kLeaf) continue;
        for (size_t k = 0; k < i; ++k)
            if (!part.fields[k].value && b.field_node_[k] == b.field_node_[i]) b.field_shared_[i] = 1;
    }
    // Group values are compared before a row is built: each group_by name must be a value at
    // the top of the row (or absent from it); otherwise mapRowInto builds the row first.
    for (const auto& g : part.group_by) {
        int found = -1;
        bool usable = true;
        for (uint32_t c : b.nodes_[0].children) {
            if (b.nodes_[c].key != g) continue;
            if (b.nodes_[c].type == Node::Type::kLeaf) found = static_cast<int>(c);
            else usable = false;
        }
        if (!usable) {
            b.group_node_.clear();
            break;
        }
        b.group_node_.push_back(found);
    }
    // Group fields whose value is their text (one column, no fixed value): mapRowInto compares
    // their text before converting it.
    b.group_of_.assign(part.fields.size(), -1);
    if (!b.group_node_.empty() && b.group_node_.size() <= kMaxGroupFields) {
        for (size_t k = 0; k < b.group_node_.size(); ++k) {
            if (b.group_node_[k] < 0) continue;
            const Node& n = b.nodes_[static_cast<size_t>(b.group_node_[k])];
            if (n.columns.size() != 1 || !n.fixed.empty()) continue;
            Kind kind = part.fields[n.columns[0]].target.kind;
            if (kind == Kind::kBool || kind == Kind::kInt || kind == Kind::kDecimal ||
                kind == Kind::kArray)
                continue;
            b.group_of_[n.columns[0]] = static_cast<int>(k);
        }
    } else {
        b.group_node_.clear();  // more group fields than deferred values: the general path
    }
    if (!missing.empty()) {
        std::string msg = file + ":1: verplichte kolom(men) ontbreken voor deel '" + part.name + "': ";
        for (size_t i = 0; i < missing.size(); ++i) msg += (i ? ", " : "") + missing[i];
        if (header.size() == 1 && header[0].find_first_of(";,\t") != std::string::npos)
            msg += " (de kop is één kolom: verkeerd scheidingsteken? stel 'separator' in)";
        return Error{ErrorCode::kInvalidInput, msg};
    }
    if (unused) {
        for (size_t i = 0; i < header.size(); ++i) {
            bool used = false;
            for (size_t c : b.slot_columns_) used = used || c == i;
            if (!used) unused->push_back(header[i]);
        }
    }
    return b;
}

// ---- Row shape ----------------------------------------------------------------------------

void BoundPart::buildShape(const Part& part, std::vector<Node>& nodes,
                           std::vector<uint32_t>& field_node, std::vector<std::string>* errors) {
    nodes.assign(1, Node{});  // the row itself
    field_node.assign(part.fields.size(), 0);
    // Who made each node first, for messages about targets that do not fit together.
    std::vector<size_t> made_by(1, 0);
    const char* kTypeName[] = {"een record", "een lijst met vaste posities", "een waarde",
                               "een lijst met []"};
    auto child = [&](uint32_t parent, Node::Type type, const std::string& key, int index,
                     size_t field) -> std::optional<uint32_t> {
        for (uint32_t c : nodes[parent].children) {
            const Node& n = nodes[c];
            bool same = nodes[parent].type == Node::Type::kList ? n.index == index : n.key == key;
            if (!same) continue;
            if (n.type == type) return c;
            if (errors) {
                const auto& f = part.fields[field];
                errors->push_back(f.where + ".target: '" + f.target.text + "' maakt van '" + key +
                                  "' " + kTypeName[static_cast<int>(type)] + ", maar " +
                                  part.fields[made_by[c]].where + ".target ('" +
                                  part.fields[made_by[c]].target.text + "') maakt er " +
                                  kTypeName[static_cast<int>(n.type)] + " van");
            }
            return std::nullopt;
        }
        Node n;
        n.type = type;
        n.key = key;
        n.index = index;
        nodes.push_back(std::move(n));
        made_by.push_back(field);
        auto id = static_cast<uint32_t>(nodes.size() - 1);
        nodes[parent].children.push_back(id);
        return id;
    };
    for (size_t i = 0; i < part.fields.size(); ++i) {
        const auto& f = part.fields[i];
        const auto& segs = f.target.segments;
        if (segs.empty()) continue;  // the target did not resolve (reported by the loader)
        std::optional<uint32_t> at = 0;
        std::vector<uint32_t> path{0};
        for (size_t k = 0; k < segs.size() && at; ++k) {
            const auto& s = segs[k];
            const bool last = k + 1 == segs.size();
            if (s.index == TargetPath::kNoIndex) {
                at = child(*at, last ? Node::Type::kLeaf : Node::Type::kObject, s.name, 0, i);
            } else if (last && s.index == TargetPath::kAppend) {
                at = child(*at, Node::Type::kAppend, s.name, 0, i);
            } else {
                at = child(*at, Node::Type::kList, s.name, 0, i);
                if (!at) break;
                path.push_back(*at);
                // Before the leaf, [] is the element this row adds: the row's own [0].
                int idx = s.index == TargetPath::kAppend ? 0 : s.index;
                at = child(*at, last ? Node::Type::kLeaf : Node::Type::kObject, s.name, idx, i);
            }
            if (at) path.push_back(*at);
        }
        if (!at) continue;
        field_node[i] = *at;
        Node& leaf = nodes[*at];
        (f.value ? leaf.fixed : leaf.columns).push_back(static_cast<uint32_t>(i));
        // Every object and list above the leaf: a column may make it; a fixed value outside
        // lists always does.
        path.pop_back();
        for (uint32_t p : path) {
            if (f.value) nodes[p].always = nodes[p].always || !f.target.through_array;
            else nodes[p].makers.push_back(static_cast<uint32_t>(i));
        }
    }
    for (auto& n : nodes) {
        std::sort(n.children.begin(), n.children.end(), [&](uint32_t a, uint32_t b) {
            return n.type == Node::Type::kList ? nodes[a].index < nodes[b].index
                                               : nodes[a].key < nodes[b].key;
        });
    }
}

void BoundPart::checkShape(const Part& part, std::vector<std::string>& errors) {
    std::vector<Node> nodes;
    std::vector<uint32_t> field_node;
    buildShape(part, nodes, field_node, &errors);
}

struct BoundPart::RowValues {
    // Rows of most parts fit inline: no allocation per row.
    static constexpr size_t kInline = 48;
    alignas(json) unsigned char inline_values[kInline * sizeof(json)];
    char inline_filled[kInline * 2];
    std::unique_ptr<json[]> more_values;
    std::unique_ptr<char[]> more_filled;
    json* values;  // per field
    char* filled;  // per node: a column filled this leaf (for "first non-empty wins")
    size_t count;
    struct Deferred {
        bool pending = false;
        std::string text;  // the group field's text, checked and converted only when needed
        size_t at = 0;     // where its problem goes in the row's problems
    };
    std::array<Deferred, kMaxGroupFields> deferred;  // per group_by name

    RowValues(size_t fields, size_t nodes) : count(fields) {
        if (fields <= kInline) {
            values = reinterpret_cast<json*>(inline_values);
            for (size_t i = 0; i < fields; ++i) new (values + i) json();
        } else {
            more_values = std::make_unique<json[]>(fields);
            values = more_values.get();
        }
        if (nodes <= sizeof inline_filled) {
            filled = inline_filled;
        } else {
            more_filled = std::make_unique<char[]>(nodes);
            filled = more_filled.get();
        }
        std::memset(filled, 0, nodes);
    }
    ~RowValues() {
        if (more_values) return;
        // Most values were moved into the record (or never set): a null holds nothing, so only
        // the others need nlohmann's (out-of-line) destructor.
        for (size_t i = 0; i < count; ++i)
            if (!values[i].is_null()) values[i].~json();
    }
    RowValues(const RowValues&) = delete;
    RowValues& operator=(const RowValues&) = delete;
};

std::string BoundPart::problemText(size_t i, int slot, size_t line, const std::string& msg) const {
    const FieldMapping& f = part_->fields[i];
    std::string col = slot >= 0 ? "kolom '" + slot_headers_[static_cast<size_t>(slot)] + "'"
                                : (f.columns.empty() ? "vaste waarde" : "kolom '" + f.columns.front() + "'");
    std::string path = part_->into.empty() ? f.target.text
                       : part_->into_path.kind == Kind::kObject
                           ? part_->into + "." + f.target.text
                           : part_->into + "[]." + f.target.text;
    return file_ + ":" + std::to_string(line) + ": " + col + " (" + path + "): " + msg;
}

// Converts the group values that evaluate deferred. Their problems go where evaluate would have
// put them, so a row's problems stay in mapping order. False when one is wrong.
bool BoundPart::convertDeferred(size_t line, RowValues& row, std::vector<std::string>& problems) const {
    std::vector<std::pair<size_t, std::string>> late;
    for (size_t i = 0; i < part_->fields.size(); ++i) {
        if (group_of_[i] < 0) continue;
        auto& d = row.deferred[static_cast<size_t>(group_of_[i])];
        if (!d.pending) continue;
        d.pending = false;
        std::string error;
        if (part_->fields[i].convert(std::move(d.text), row.values[i], error)) {
            row.filled[field_node_[i]] = 1;
        } else {
            row.values[i] = json();
            late.emplace_back(d.at, problemText(i, field_slot_[i], line, error));
        }
    }
    // Inserted from the back, so the earlier positions still hold; at an equal position the
    // later field goes in first and so ends up after the earlier one.
    for (auto it = late.rbegin(); it != late.rend(); ++it)
        problems.insert(problems.begin() + static_cast<std::ptrdiff_t>(it->first),
                        std::move(it->second));
    return late.empty();
}

// Converts the column fields of one row, in mapping order (so problems come in that order).
// With `defer`, text-valued group fields keep their text (row.deferred) instead: mapRowInto
// compares it with the elements first and converts it only for a new element.
bool BoundPart::evaluate(const std::vector<std::string_view>& slots, size_t line, RowValues& row,
                         std::vector<std::string>& problems, bool defer) const {
    bool ok = true;
    std::string error;
    const auto& fields = part_->fields;
    auto problem = [&](size_t i, int slot, const std::string& msg) {
        ok = false;
        problems.push_back(problemText(i, slot, line, msg));
    };
    for (size_t i = 0; i < fields.size(); ++i) {
        const FieldMapping& f = fields[i];
        if (f.value) continue;  // converted once, by loadMapping (FieldMapping::fixed)
        const uint32_t node = field_node_[i];
        // When several columns fill one value, the first non-empty one wins.
        if (field_shared_[i] && row.filled[node]) continue;
        const int slot = field_slot_[i];
        std::string_view cell = slot >= 0 ? slots[static_cast<size_t>(slot)] : std::string_view();
        if (f.trim) {
            auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
            while (!cell.empty() && space(cell.front())) cell.remove_prefix(1);
            while (!cell.empty() && space(cell.back())) cell.remove_suffix(1);
        }
        // A fresh string per cell: convert moves it into the value, so a reused buffer would
        // not keep its capacity anyway, and constructing is cheaper than assigning.
        std::string text(cell);
        bool transformed = true;
        for (const auto& t : f.transforms) {
            if (!t.apply(text, error)) {
                problem(i, slot, error);
                transformed = false;
                break;
            }
        }
        if (!transformed) continue;
        if (text.empty() && f.default_value) text = *f.default_value;
        if (text.empty()) {
            if (f.required) problem(i, slot, "verplicht veld is leeg");
            continue;
        }
        if (defer && group_of_[i] >= 0) {
            auto& d = row.deferred[static_cast<size_t>(group_of_[i])];
            d.text = std::move(text);
            d.at = problems.size();
            d.pending = true;
            continue;
        }
        // convert takes the text: it becomes the value.
        if (!f.convert(std::move(text), row.values[i], error)) {
            row.values[i] = json();
            problem(i, slot, error);
            continue;
        }
        row.filled[node] = 1;
    }
    // A wrong row is not added, so its deferred group values are not compared: check them now,
    // so that every problem of the row is reported.
    if (!ok && defer) convertDeferred(line, row, problems);
    return ok;
}

// Whether the row makes object or list node `n` (see Node::makers).
bool BoundPart::makes(const Node& n, const RowValues& row) const {
    if (n.always) return true;
    for (uint32_t i : n.makers)
        if (!row.values[i].is_null()) return true;
    return false;
}

// The value of leaf `n` without taking it: the last fixed value, else the first filled column.
const json* BoundPart::leafPeek(const Node& n, const RowValues& row) const {
    if (!n.fixed.empty()) return &part_->fields[n.fixed.back()].fixed;
    for (uint32_t i : n.columns)
        if (!row.values[i].is_null()) return &row.values[i];
    return nullptr;
}

json BoundPart::leafValue(const Node& n, RowValues& row) const {
    if (!n.fixed.empty()) return part_->fields[n.fixed.back()].fixed;
    for (uint32_t i : n.columns)
        if (!row.values[i].is_null()) return std::move(row.values[i]);
    return json();
}

// Fills a fresh (null) slot with node `n`, which the row makes.
void BoundPart::fill(const Node& n, json& slot, RowValues& row) const {
    switch (n.type) {
        case Node::Type::kLeaf:
            slot = leafValue(n, row);
            return;
        case Node::Type::kObject:
            slot = json::object();
            fillObject(n, slot, true, row);
            return;
        case Node::Type::kList: {
            slot = json::array();
            auto& arr = slot.get_ref<json::array_t&>();
            arr.reserve(n.children.size());
            for (uint32_t c : n.children) {
                const Node& e = nodes_[c];
                if (e.type == Node::Type::kLeaf ? leafPeek(e, row) == nullptr : !makes(e, row))
                    continue;
                arr.emplace_back();
                fill(e, arr.back(), row);
            }
            return;
        }
        case Node::Type::kAppend: {
            slot = json::array();
            auto& arr = slot.get_ref<json::array_t&>();
            for (uint32_t i : n.columns)
                if (!row.values[i].is_null()) arr.push_back(std::move(row.values[i]));
            for (uint32_t i : n.fixed) arr.push_back(part_->fields[i].fixed);
            return;
        }
    }
}

// Fills object `obj` with the children of object node `n` that the row has, merging as
// mergeInto does when `obj` already has them: objects merge, lists are appended to, values
// already there win. `fresh`: `obj` was empty, so keys can go at its end (they come sorted).
void BoundPart::fillObject(const Node& n, json& obj, bool fresh, RowValues& row) const {
    auto& map = obj.get_ref<json::object_t&>();
    for (uint32_t c : n.children) {
        const Node& ch = nodes_[c];
        bool present = false;
        switch (ch.type) {
            case Node::Type::kLeaf: present = leafPeek(ch, row) != nullptr; break;
            case Node::Type::kObject: present = makes(ch, row); break;
            case Node::Type::kList: {
                present = false;
                for (uint32_t e : ch.children) {
                    const Node& el = nodes_[e];
                    present = el.type == Node::Type::kLeaf ? leafPeek(el, row) != nullptr
                                                           : makes(el, row);
                    if (present) break;
                }
                break;
            }
            case Node::Type::kAppend: {
                present = !ch.fixed.empty();
                for (uint32_t i : ch.columns) present = present || !row.values[i].is_null();
                break;
            }
        }
        if (!present) continue;
        if (fresh) {
            if (ch.type == Node::Type::kLeaf)  // the common case: no null to fill and destroy
                map.emplace_hint(map.end(), ch.key, leafValue(ch, row));
            else
                fill(ch, map.emplace_hint(map.end(), ch.key, json())->second, row);
            continue;
        }
        auto it = map.lower_bound(ch.key);
        if (it == map.end() || it->first != ch.key) {
            fill(ch, map.emplace_hint(it, ch.key, json())->second, row);
            continue;
        }
        json& have = it->second;
        if (have.is_null()) {
            fill(ch, have, row);
        } else if (ch.type == Node::Type::kObject) {
            if (have.is_object()) fillObject(ch, have, false, row);
        } else if (have.is_array() &&
                   (ch.type != Node::Type::kLeaf || leafPeek(ch, row)->is_array())) {
            json more;
            fill(ch, more, row);
            for (auto& e : more) have.push_back(std::move(e));
        }
        // Otherwise the value already there wins.
    }
}

// Adds the row to `dest` as mergeInto(dest, row) would.
void BoundPart::emitRoot(json& dest, RowValues& row) const {
    const bool fresh = !dest.is_object() || dest.empty();
    if (!dest.is_object()) dest = json::object();
    fillObject(nodes_[0], dest, fresh, row);
}

bool BoundPart::mapRow(const std::vector<std::string_view>& slots, size_t line, json& out,
                       std::vector<std::string>& problems) const {
    RowValues row(part_->fields.size(), nodes_.size());
    bool ok = evaluate(slots, line, row, problems, false);
    out = json::object();
    fillObject(nodes_[0], out, true, row);  // also with problems: the cells that were fine
    return ok;
}

bool BoundPart::mapRowInto(const std::vector<std::string_view>& slots, size_t line, json& record,
                           json& scratch, std::vector<std::string>& problems) const {
    RowValues row(part_->fields.size(), nodes_.size());
    const bool defer = !part_->group_by.empty() && group_node_.size() == part_->group_by.size();
    if (!evaluate(slots, line, row, problems, defer)) return false;
    if (part_->into.empty()) {
        emitRoot(record, row);
        return true;
    }
    const auto& segs = part_->into_path.segments;
    if (part_->into_path.kind == Kind::kObject) {
        json* parent = navigate(record, segs, segs.size() - 1, true);
        if (parent->is_null()) *parent = json::object();
        emitRoot((*parent)[segs.back().name], row);
        return true;
    }
    if (!part_->group_by.empty()) {
        if (group_node_.size() != part_->group_by.size()) {
            // A group field that is not a plain value of the row: build the row, then add it.
            scratch = json::object();
            fillObject(nodes_[0], scratch, true, row);
            addRow(*part_, record, std::move(scratch));
            releaseJson(scratch);
            return true;
        }
        // The element with the same group values (absent equals absent), as addRow finds it. A
        // deferred group value is compared as text: text kinds convert to the text itself, and
        // an element's value was checked when that element was made.
        json* list = navigate(record, segs, segs.size(), false);
        if (list && list->is_array()) {
            for (auto& e : *list) {
                bool same = true;
                for (size_t k = 0; k < group_node_.size() && same; ++k) {
                    auto a = e.find(part_->group_by[k]);
                    bool an = a == e.end() || a->is_null();
                    if (row.deferred[k].pending) {
                        same = !an && a->is_string() &&
                               a->get_ref<const std::string&>() == row.deferred[k].text;
                        continue;
                    }
                    const json* b =
                        group_node_[k] < 0 ? nullptr : leafPeek(nodes_[group_node_[k]], row);
                    bool bn = b == nullptr || b->is_null();
                    same = an == bn && (an || *a == *b);
                }
                if (same) {
                    emitRoot(e, row);  // the group values are there already
                    return true;
                }
            }
        }
        // A new element: convert the deferred group values now (a wrong one adds nothing).
        if (!convertDeferred(line, row, problems)) return false;
    }
    json* parent = navigate(record, segs, segs.size() - 1, true);
    if (parent->is_null()) *parent = json::object();
    json& into = (*parent)[segs.back().name];
    if (!into.is_array()) into = json::array();
    auto& arr = into.get_ref<json::array_t&>();
    arr.emplace_back(json::object());
    fillObject(nodes_[0], arr.back(), true, row);
    return true;
}

void mergeInto(json& target, json&& row) {
    if (!target.is_object()) {
        target = std::move(row);
        return;
    }
    for (auto& [k, v] : row.items()) {
        auto it = target.find(k);
        if (it == target.end() || it->is_null()) {
            target[k] = std::move(v);
        } else if (it->is_object() && v.is_object()) {
            mergeInto(*it, std::move(v));
        } else if (it->is_array() && v.is_array()) {
            for (auto& e : v) it->push_back(std::move(e));
        }
    }
}

bool applyCombine(const Part& part, json& record, const std::string& file, size_t line,
                  const std::vector<std::string>& header, std::vector<std::string>& problems) {
    if (!part.combine) return true;
    const Combine& c = *part.combine;
    json* element = &record;
    if (!part.into.empty()) {
        const auto& segs = part.into_path.segments;
        element = navigate(record, segs, segs.size(), false);
    }
    if (!element || !element->is_object()) return true;
    auto it = element->find(c.target);
    if (it == element->end() || !it->is_array() || it->size() < 2) return true;
    std::string key;
    for (const auto& v : *it) key += (key.empty() ? "" : "+") + (v.is_string() ? v.get<std::string>() : v.dump());
    auto found = c.codes.find(key);
    if (found == c.codes.end() && it->size() == 2) {
        std::string swapped = (*it)[1].is_string() ? (*it)[1].get<std::string>() : (*it)[1].dump();
        swapped += "+" + ((*it)[0].is_string() ? (*it)[0].get<std::string>() : (*it)[0].dump());
        found = c.codes.find(swapped);
    }
    if (found != c.codes.end()) {
        *it = json::array({found->second});
        return true;
    }
    // Name the column that holds the second value (the values themselves are personal data).
    std::string column;
    size_t number = 0;
    std::string second = c.target + "[1]";
    for (const auto& f : part.fields) {
        if (f.target.text != second) continue;
        for (const auto& name : f.columns)
            for (size_t i = 0; i < header.size() && !number; ++i)
                if (normaliseHeader(header[i]) == normaliseHeader(name)) {
                    column = header[i];
                    number = i + 1;
                }
        if (number) break;
    }
    std::string where = file + ":" + std::to_string(line) + ": ";
    if (number)
        where += "kolom '" + column + "' (kolom " + std::to_string(number) + ", " + c.target + "[1]): ";
    else
        where += c.target + ": ";
    problems.push_back(where + std::to_string(it->size()) +
                       " waarden, maar OSO kent er één; deze combinatie heeft geen gecombineerde "
                       "code (" + c.where + ".codes); geef één advies of een combinatie uit die lijst");
    return false;
}

void addRow(const Part& part, json& record, json&& row) {
    if (part.into.empty()) {
        mergeInto(record, std::move(row));
        return;
    }
    const auto& segs = part.into_path.segments;
    json* parent = navigate(record, segs, segs.size() - 1, true);
    if (parent->is_null()) *parent = json::object();
    if (part.into_path.kind == Kind::kObject) {
        // One record (e.g. overstapadvies): rows fill it; values already there win.
        mergeInto((*parent)[segs.back().name], std::move(row));
        return;
    }
    json& arr = (*parent)[segs.back().name];
    if (!arr.is_array()) arr = json::array();
    if (!part.group_by.empty()) {
        for (auto& e : arr) {
            bool same = true;
            for (const auto& g : part.group_by) {
                auto a = e.find(g);
                auto b = row.find(g);
                bool an = a == e.end() || a->is_null(), bn = b == row.end() || b->is_null();
                if (an != bn || (!an && *a != *b)) {
                    same = false;
                    break;
                }
            }
            if (same) {
                mergeInto(e, std::move(row));
                return;
            }
        }
    }
    arr.push_back(std::move(row));
}

namespace {
void releaseChildren(json& v, int depth) {
    if (depth > 64) return;  // deeper trees: leave them to nlohmann's own destructor
    if (v.is_object()) {
        auto& obj = v.get_ref<json::object_t&>();
        for (auto& [k, e] : obj)
            if (e.is_structured()) releaseChildren(e, depth + 1);
        obj.clear();
    } else if (v.is_array()) {
        auto& arr = v.get_ref<json::array_t&>();
        for (auto& e : arr)
            if (e.is_structured()) releaseChildren(e, depth + 1);
        arr.clear();
    }
}
}  // namespace

void releaseJson(json& v) {
    releaseChildren(v, 0);
    v = json();
}

namespace {

const json* lookup(const json& root, const std::vector<TargetPath::Segment>& segs, size_t from,
                   size_t to) {
    const json* j = &root;
    for (size_t i = from; i < to; ++i) {
        if (!j->is_object()) return nullptr;
        auto it = j->find(segs[i].name);
        if (it == j->end()) return nullptr;
        j = &*it;
        if (segs[i].index >= 0) {
            if (!j->is_array() || j->size() <= static_cast<size_t>(segs[i].index)) return nullptr;
            j = &(*j)[static_cast<size_t>(segs[i].index)];
        }
    }
    return j;
}

// The fixed values a part writes into element `index` of the list at segments [from, i]:
// (sub-path, canonical value) pairs. They tell which list element a column came from.
std::vector<std::pair<std::string, json>> slotConstants(const Part& part, const FieldMapping& f,
                                                        size_t from, size_t i, int index) {
    std::vector<std::pair<std::string, json>> out;
    for (const auto& g : part.fields) {
        if (!g.value || g.target.segments.size() <= i + 1) continue;
        bool same = true;
        for (size_t k = from; k <= i && same; ++k)
            same = g.target.segments[k].name == f.target.segments[k].name &&
                   (k < i ? g.target.segments[k].index == f.target.segments[k].index
                          : g.target.segments[k].index == index);
        if (!same) continue;
        std::string sub;
        for (size_t k = i + 1; k < g.target.segments.size(); ++k)
            sub += (sub.empty() ? "" : ".") + g.target.segments[k].name;
        out.emplace_back(sub, g.fixed);
    }
    return out;
}

// Looks up field `f` (segments [from, to)) in `root` for the reverse direction. Arrays were
// compacted on import, so an element written at a fixed index is found again by the fixed values
// of its slot (communicatie[3] is "the e-mail one"), not by its position.
const json* lookupReverse(const Part& part, const FieldMapping& f, const json& root, size_t from,
                          size_t to) {
    const auto& segs = f.target.segments;
    const json* j = &root;
    for (size_t i = from; i < to; ++i) {
        if (!j->is_object()) return nullptr;
        auto it = j->find(segs[i].name);
        if (it == j->end()) return nullptr;
        j = &*it;
        if (segs[i].index < 0) continue;
        if (!j->is_array()) return nullptr;
        auto want = slotConstants(part, f, from, i, segs[i].index);
        if (want.empty()) {
            if (j->size() <= static_cast<size_t>(segs[i].index)) return nullptr;
            j = &(*j)[static_cast<size_t>(segs[i].index)];
            continue;
        }
        // Earlier slots with the same fixed values take the earlier matching elements.
        size_t skip = 0;
        for (int k = 0; k < segs[i].index; ++k)
            if (slotConstants(part, f, from, i, k) == want) ++skip;
        const json* found = nullptr;
        for (const auto& e : *j) {
            bool match = e.is_object();
            for (const auto& [sub, v] : want) {
                if (!match) break;
                auto at = e.find(sub);
                match = at != e.end() && *at == v;
            }
            if (match && skip-- == 0) {
                found = &e;
                break;
            }
        }
        if (!found) return nullptr;
        j = found;
    }
    return j;
}

std::string textOf(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "Ja" : "Nee";
    if (v.is_number_integer()) return std::to_string(v.get<long>());
    if (v.is_number()) {
        std::ostringstream ss;
        ss << v.get<double>();
        std::string s = ss.str();
        for (auto& c : s)
            if (c == '.') c = ',';
        return s;
    }
    if (v.is_array()) {  // a list of words (voornamenlijst) back to one cell
        std::string s;
        for (const auto& w : v)
            if (w.is_string()) s += (s.empty() ? "" : " ") + w.get<std::string>();
        return s;
    }
    return std::string();
}

}  // namespace

Result<ReverseTable> reversePart(const Part& part, const json& record, const std::string& key) {
    ReverseTable t;
    std::vector<const FieldMapping*> producers;  // per header column (after the key for extras)
    std::set<std::string> seen;
    std::vector<std::string> errors;
    bool key_is_field = false;
    for (const auto& f : part.fields)
        for (const auto& k : part.key_columns)
            if (!f.columns.empty() && normaliseHeader(f.columns.front()) == normaliseHeader(k))
                key_is_field = true;
    if (!key_is_field) {
        t.header.push_back(part.key_columns.front());
        producers.push_back(nullptr);
        seen.insert(normaliseHeader(part.key_columns.front()));
    }
    for (const auto& f : part.fields) {
        if (f.columns.empty()) continue;
        std::string n = normaliseHeader(f.columns.front());
        if (!seen.insert(n).second) continue;
        for (const auto& tr : f.transforms)
            if (!tr.reversible())
                errors.push_back(f.where + " (" + f.target.text + "): transformatie " + tr.name() +
                                 " is niet omkeerbaar");
        t.header.push_back(f.columns.front());
        producers.push_back(&f);
    }
    if (!errors.empty()) {
        std::string msg = "mapping is niet omkeerbaar voor deel '" + part.name + "':";
        for (const auto& e : errors) msg += "\n  " + e;
        return Error{ErrorCode::kInvalidConfig, msg};
    }
    auto rowFor = [&](const json& element, const json* item) -> Status {
        std::vector<std::string> row;
        for (const FieldMapping* f : producers) {
            if (!f) {
                row.push_back(key);
                continue;
            }
            const auto& segs = f->target.segments;
            const json* v = nullptr;
            size_t app = segs.size();
            for (size_t i = 0; i < segs.size(); ++i)
                if (segs[i].index == TargetPath::kAppend) app = i;
            if (app == segs.size()) v = lookupReverse(part, *f, element, 0, segs.size());
            else if (item) v = lookupReverse(part, *f, *item, app + 1, segs.size());
            std::string text = v ? textOf(*v) : std::string();
            std::string err;
            for (auto it = f->transforms.rbegin(); it != f->transforms.rend(); ++it) {
                if (!it->reverse(text, err))
                    return Status{ErrorCode::kValidationFailed,
                                  f->where + " (" + f->target.text + "): " + err};
            }
            row.push_back(text);
        }
        t.rows.push_back(std::move(row));
        return {};
    };
    if (part.into.empty()) {
        SLUIS_RETURN_IF_ERROR(rowFor(record, nullptr));
        return t;
    }
    const json* arr = lookup(record, part.into_path.segments, 0, part.into_path.segments.size());
    if (arr && arr->is_object() && part.into_path.kind == Kind::kObject) {
        SLUIS_RETURN_IF_ERROR(rowFor(*arr, nullptr));
        return t;
    }
    if (!arr || !arr->is_array()) return t;
    std::string item_list;
    for (const auto& f : part.fields) {
        if (!f.target.has_append) continue;
        for (const auto& s : f.target.segments) {
            if (s.index == TargetPath::kAppend) {
                item_list = s.name;
                break;
            }
        }
        break;
    }
    for (const auto& e : *arr) {
        if (item_list.empty()) {
            SLUIS_RETURN_IF_ERROR(rowFor(e, nullptr));
            continue;
        }
        auto it = e.find(item_list);
        if (it == e.end() || !it->is_array()) continue;
        for (const auto& item : *it) SLUIS_RETURN_IF_ERROR(rowFor(e, &item));
    }
    return t;
}

std::string writeCsv(const ReverseTable& table, char sep) {
    std::string out;
    auto cell = [&](const std::string& s) {
        if (s.find_first_of(std::string("\"\r\n") + sep) == std::string::npos) {
            out += s;
            return;
        }
        out += '"';
        for (char c : s) {
            if (c == '"') out += '"';
            out += c;
        }
        out += '"';
    };
    auto line = [&](const std::vector<std::string>& r) {
        for (size_t i = 0; i < r.size(); ++i) {
            if (i) out += sep;
            cell(r[i]);
        }
        out += "\r\n";
    };
    line(table.header);
    for (const auto& r : table.rows) line(r);
    return out;
}

}  // namespace sluis::mapping

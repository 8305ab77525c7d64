#include "core/model/model.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <regex>
#include <set>

#include "core/model/bsn.h"
#include "core/util/json.h"

namespace sluis::embedded {
extern const std::string_view kCanonicalModelJson;
}

namespace sluis::model {

using nlohmann::json;

namespace {

const std::map<std::string, Kind>& kindNames() {
    static const std::map<std::string, Kind> k = {
        {"string", Kind::kString}, {"text", Kind::kText},     {"date", Kind::kDate},
        {"bool", Kind::kBool},     {"int", Kind::kInt},       {"decimal", Kind::kDecimal},
        {"code", Kind::kCode},     {"bsn", Kind::kBsn},       {"base64", Kind::kBase64},
        {"object", Kind::kObject}, {"array", Kind::kArray}};
    return k;
}

const std::map<std::string, Sensitivity>& sensitivityNames() {
    static const std::map<std::string, Sensitivity> s = {{"ordinary", Sensitivity::kOrdinary},
                                                         {"contact", Sensitivity::kContact},
                                                         {"identifier", Sensitivity::kIdentifier},
                                                         {"special", Sensitivity::kSpecial}};
    return s;
}

/// Base64 digits and '=' count, '\n', '\r' and ' ' are skipped, anything else is invalid; the
/// number of counted characters must be a multiple of four. One table load and one add per
/// character: attachments (hundreds of KB) make this most of the model check of a full dossier.
bool isBase64(const std::string& s) {
    static constexpr std::uint64_t kInvalid = std::uint64_t{1} << 40;  // above any count
    static constexpr auto kWeight = [] {
        std::array<std::uint64_t, 256> t{};
        t.fill(kInvalid);
        for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = 1;
        for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = 1;
        for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = 1;
        for (char c : {'+', '/', '='}) t[static_cast<unsigned char>(c)] = 1;
        for (char c : {'\n', '\r', ' '}) t[static_cast<unsigned char>(c)] = 0;
        return t;
    }();
    // Checked per block of 4096 characters, so that invalid weights can never overflow the sum.
    std::uint64_t sum = 0;
    for (size_t i = 0; i < s.size(); i += 4096) {
        size_t end = std::min(s.size(), i + 4096), k = i;
        auto w = [&](size_t at) { return kWeight[static_cast<unsigned char>(s[at])]; };
        for (; k + 4 <= end; k += 4) sum += w(k) + w(k + 1) + w(k + 2) + w(k + 3);
        for (; k < end; ++k) sum += w(k);
        if (sum >= kInvalid) return false;
    }
    return sum % 4 == 0;
}

const char* kindLabel(Kind k) {
    switch (k) {
        case Kind::kString: return "tekst";
        case Kind::kText: return "tekst";
        case Kind::kDate: return "datum (JJJJ-MM-DD)";
        case Kind::kBool: return "true/false";
        case Kind::kInt: return "geheel getal";
        case Kind::kDecimal: return "getal";
        case Kind::kCode: return "code";
        case Kind::kBsn: return "BSN";
        case Kind::kBase64: return "base64";
        case Kind::kObject: return "object";
        case Kind::kArray: return "lijst";
    }
    return "?";
}

}  // namespace

const char* sensitivityName(Sensitivity s) {
    switch (s) {
        case Sensitivity::kOrdinary: return "ordinary";
        case Sensitivity::kContact: return "contact";
        case Sensitivity::kIdentifier: return "identifier";
        case Sensitivity::kSpecial: return "special";
    }
    return "ordinary";
}

std::string normalisePath(const std::string& path) {
    std::string out;
    out.reserve(path.size());
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '[') {
            out += "[]";
            while (i < path.size() && path[i] != ']') ++i;
        } else {
            out += path[i];
        }
    }
    return out;
}

namespace {

constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;

// Folds the middle words of a name longer than 16 bytes into `head` (kept out of keyOf, which is
// on the hot path of every lookup).
[[gnu::noinline]] uint64_t foldMiddle(uint64_t head, const char* p, size_t n) {
    for (size_t i = 8; i + 8 < n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        head = (head ^ w) * kMul;
    }
    return head;
}

}  // namespace

// The bytes of a name in two words, by overlapping loads: up to 16 bytes every byte has its
// place, so two names of that length are equal exactly when their keys are. Beyond 16 bytes the
// middle is folded into `head` and only the name itself decides.
inline TypeDef::NameKey TypeDef::keyOf(std::string_view s) {
    NameKey k;
    const char* p = s.data();
    k.size = s.size();
    if (k.size >= 8) {
        std::memcpy(&k.head, p, 8);
        std::memcpy(&k.tail, p + k.size - 8, 8);
        if (k.size > 16) k.head = foldMiddle(k.head, p, k.size);
    } else if (k.size >= 4) {
        uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + k.size - 4, 4);
        k.head = lo;
        k.tail = hi;
    } else if (k.size > 0) {
        k.head = static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[k.size / 2]) << 8 |
                 static_cast<unsigned char>(p[k.size - 1]) << 16;
    }
    return k;
}

inline size_t TypeDef::slot(const NameKey& k) const {
    uint64_t h = (k.head * kMul) ^ k.tail ^ (static_cast<uint64_t>(k.size) << 56);
    return (h * seed_) >> shift_;
}

const FieldDef* TypeDef::findLinear(std::string_view field) const {
    for (const auto& f : fields) {
        if (f.name == field) return &f;
    }
    return nullptr;
}

const FieldDef* TypeDef::find(std::string_view field) const {
    if (indexed_ != fields.size() || slots_.empty()) return findLinear(field);
    const NameKey k = keyOf(field);
    uint16_t i = slots_[slot(k)];
    if (i == 0) return nullptr;
    const NameKey& fk = keys_[i - 1];
    if (fk.head != k.head || fk.tail != k.tail || fk.size != k.size) return nullptr;
    if (k.size > 16 && std::memcmp(fields[i - 1].name.data(), field.data(), k.size) != 0)
        return nullptr;  // the key holds only part of a long name
    return &fields[i - 1];
}

size_t TypeDef::requiredCount() const {
    if (indexed_ == fields.size()) return required_;
    size_t n = 0;
    for (const auto& f : fields) n += f.required ? 1 : 0;
    return n;
}

void TypeDef::buildIndex() {
    required_ = 0;
    for (const auto& f : fields) required_ += f.required ? 1 : 0;
    indexed_ = fields.size();
    slots_.clear();
    keys_.clear();
    if (fields.empty() || fields.size() >= UINT16_MAX) return;  // find() searches linearly
    for (const auto& f : fields) keys_.push_back(keyOf(f.name));
    // Look for a multiplier that gives every name its own slot, in a table of at least four times
    // as many slots as fields; a few dozen tries usually suffice.
    uint64_t state = 0x2545F4914F6CDD1Dull;
    for (unsigned bits = 3; bits <= 20; ++bits) {
        if ((size_t{1} << bits) < 4 * fields.size()) continue;
        for (int attempt = 0; attempt < 64; ++attempt) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            seed_ = state | 1;
            shift_ = 64 - bits;
            slots_.assign(size_t{1} << bits, 0);
            bool perfect = true;
            for (size_t i = 0; i < fields.size() && perfect; ++i) {
                uint16_t& s = slots_[slot(keys_[i])];
                if (s == 0) {
                    s = static_cast<uint16_t>(i + 1);
                } else if (fields[s - 1].name != fields[i].name) {
                    perfect = false;
                }
                // With duplicate names the first one keeps the slot, as a linear search finds it.
            }
            if (perfect) return;
        }
    }
    slots_.clear();
}

Result<std::shared_ptr<const ModelDefinition>> ModelDefinition::parse(const std::string& text) {
    auto fail = [](const std::string& where, const std::string& what) {
        return Error{ErrorCode::kInvalidConfig, "modeldefinitie " + where + ": " + what};
    };
    json doc;
    try {
        doc = util::parseJson(text, "model");
    } catch (const util::JsonTooDeep& e) {
        return fail("", e.what());
    } catch (const json::exception& e) {
        return fail("", std::string("geen geldige JSON: ") + e.what());
    }
    auto def = std::make_shared<ModelDefinition>();
    if (!doc.contains("version") || !doc["version"].is_number_integer())
        return fail("/version", "ontbreekt");
    def->version_ = doc["version"].get<int>();
    if (!doc.contains("root") || !doc["root"].is_string()) return fail("/root", "ontbreekt");
    def->root_ = doc["root"].get<std::string>();
    const json codelists = doc.value("codelists", json::object());
    for (auto& [name, values] : codelists.items()) {
        if (!values.is_array()) return fail("/codelists/" + name, "moet een lijst zijn");
        for (auto& v : values) def->codelists_[name].push_back(v.get<std::string>());
    }
    if (!doc.contains("types") || !doc["types"].is_object()) return fail("/types", "ontbreekt");
    for (auto& [tname, tdoc] : doc["types"].items()) {
        TypeDef t;
        t.name = tname;
        t.description = tdoc.value("description", "");
        int idx = 0;
        const json fields = tdoc.value("fields", json::array());
        for (auto& fdoc : fields) {
            std::string where = "/types/" + tname + "/fields/" + std::to_string(idx++);
            FieldDef f;
            f.name = fdoc.value("name", "");
            if (f.name.empty()) return fail(where, "veld zonder naam");
            auto kit = kindNames().find(fdoc.value("kind", ""));
            if (kit == kindNames().end()) return fail(where, "onbekende kind");
            f.kind = kit->second;
            f.type = fdoc.value("type", "");
            if (fdoc.contains("item")) {
                auto iit = kindNames().find(fdoc["item"].get<std::string>());
                if (iit == kindNames().end()) return fail(where, "onbekende item-kind");
                f.item = iit->second;
            }
            f.codelist = fdoc.value("codelist", "");
            f.category = fdoc.value("category", "");
            if (fdoc.contains("sensitivity")) {
                auto sit = sensitivityNames().find(fdoc["sensitivity"].get<std::string>());
                if (sit == sensitivityNames().end()) return fail(where, "onbekende sensitivity");
                f.sensitivity = sit->second;
            }
            f.required = fdoc.value("required", false);
            f.pattern = fdoc.value("pattern", "");
            if (fdoc.contains("min")) f.min = fdoc["min"].get<double>();
            if (fdoc.contains("max")) f.max = fdoc["max"].get<double>();
            f.description = fdoc.value("description", "");
            t.fields.push_back(std::move(f));
        }
        def->types_[tname] = std::move(t);
    }
    // Cross-checks: every referenced type and code list exists.
    for (auto& [tname, t] : def->types_) {
        for (auto& f : t.fields) {
            std::string where = "/types/" + tname + "/" + f.name;
            if ((f.kind == Kind::kObject || (f.kind == Kind::kArray && f.item == Kind::kObject)) &&
                f.type.empty())
                return fail(where, "type ontbreekt");
            if (!f.type.empty() && !def->types_.count(f.type))
                return fail(where, "onbekend type " + f.type);
            bool needs_list = f.kind == Kind::kCode || (f.kind == Kind::kArray && f.type.empty() &&
                                                        f.item == Kind::kCode);
            if (needs_list && !def->codelists_.count(f.codelist))
                return fail(where, "onbekende codelijst '" + f.codelist + "'");
        }
    }
    if (!def->types_.count(def->root_)) return fail("/root", "onbekend type " + def->root_);
    // Retired fields: "Type.field" -> the field of the same type that replaces it.
    const json retired = doc.value("retired", json::object());
    for (auto& [key, repl] : retired.items()) {
        if (key[0] == '_') continue;
        std::string where = "/retired/" + key;
        auto dot = key.find('.');
        auto tit =
            dot == std::string::npos ? def->types_.end() : def->types_.find(key.substr(0, dot));
        if (tit == def->types_.end()) return fail(where, "verwacht Type.veld van een bekend type");
        std::string field = key.substr(dot + 1);
        TypeDef& t = tit->second;
        if (!repl.is_string()) return fail(where, "verwacht de naam van het vervangende veld");
        bool exists = false, replacement = false;
        for (const auto& f : t.fields) {
            exists = exists || f.name == field;
            replacement = replacement || f.name == repl.get<std::string>();
        }
        if (exists) return fail(where, "veld bestaat nog");
        if (!replacement) return fail(where, "vervangend veld bestaat niet");
        t.retired[field] = repl.get<std::string>();
    }
    // Derived lookups for validation: resolved types and code lists, compiled patterns, indices.
    for (auto& [tname, t] : def->types_) {
        for (auto& f : t.fields) {
            if (!f.type.empty()) f.type_def = &def->types_.at(f.type);
            auto cl = def->codelists_.find(f.codelist);
            if (cl != def->codelists_.end()) f.codes = &cl->second;
            if (!f.pattern.empty()) {
                try {
                    f.matcher = std::make_shared<const Pattern>(f.pattern);
                } catch (const std::regex_error&) {
                    // Left null: validate() compiles it and reports the error as before.
                }
            }
        }
        t.buildIndex();
    }
    def->buildClasses(def->types_.at(def->root_), "", "intern", Sensitivity::kOrdinary, 0);
    return std::shared_ptr<const ModelDefinition>(std::move(def));
}

std::shared_ptr<const ModelDefinition> ModelDefinition::builtin() {
    static const std::shared_ptr<const ModelDefinition> def = [] {
        auto r = parse(std::string(embedded::kCanonicalModelJson));
        if (!r) throw std::runtime_error("ingebouwde modeldefinitie ongeldig: " + r.error().message);
        return r.value();
    }();
    return def;
}

void ModelDefinition::buildClasses(const TypeDef& t, const std::string& prefix,
                                   const std::string& category, Sensitivity sens, int depth) {
    if (depth > 16) throw std::runtime_error("modeldefinitie: recursieve types");
    for (const auto& f : t.fields) {
        std::string path = prefix.empty() ? f.name : prefix + "." + f.name;
        std::string cat = f.category.empty() ? category : f.category;
        // Sensitivity only ever goes up along a path: a contact list inside special data stays special.
        Sensitivity s = f.sensitivity ? std::max(*f.sensitivity, sens) : sens;
        FieldClass fc{path, f.kind, cat, s};
        if (f.kind == Kind::kArray) fc.path = path + "[]";
        class_index_[fc.path] = fc;
        if (f.kind == Kind::kObject) {
            buildClasses(types_.at(f.type), path, cat, s, depth + 1);
        } else if (f.kind == Kind::kArray && !f.type.empty()) {
            buildClasses(types_.at(f.type), path + "[]", cat, s, depth + 1);
        } else {
            classes_.push_back(fc);
        }
    }
}

std::string ModelDefinition::retiredReason(const std::string& replacement_path) const {
    return "bestaat niet meer in modelversie " + std::to_string(version_) +
           " (één vorm per gegeven); gebruik " + replacement_path;
}

const TypeDef* ModelDefinition::type(const std::string& name) const {
    auto it = types_.find(name);
    return it == types_.end() ? nullptr : &it->second;
}

const std::vector<std::string>* ModelDefinition::codelist(const std::string& name) const {
    auto it = codelists_.find(name);
    return it == codelists_.end() ? nullptr : &it->second;
}

std::optional<FieldClass> ModelDefinition::classify(const std::string& path) const {
    std::string p = normalisePath(path);
    auto it = class_index_.find(p);
    if (it == class_index_.end()) it = class_index_.find(p + "[]");
    if (it == class_index_.end()) return std::nullopt;
    return it->second;
}

// The path of the value being validated, as a chain of parent links on the stack: rendered to
// `a.b[2].c` only when an issue is reported, so valid records build no path strings.
struct ModelDefinition::PathRef {
    const PathRef* parent = nullptr;
    std::string_view key;  // field name (when !is_index)
    size_t index = 0;
    bool is_index = false;

    void render(std::string& out) const {
        if (parent) parent->render(out);
        if (is_index) {
            out += '[';
            out += std::to_string(index);
            out += ']';
        } else {
            if (!out.empty()) out += '.';
            out += key;
        }
    }
    std::string str() const {
        std::string out;
        render(out);
        return out;
    }
};

std::vector<Issue> ModelDefinition::validate(const json& record) const {
    std::vector<Issue> out;
    if (!record.is_object()) {
        out.push_back({"", "een leerlingdossier moet een JSON-object zijn"});
        return out;
    }
    validateObject(types_.at(root_), record, nullptr, out);
    return out;
}

void ModelDefinition::validateObject(const TypeDef& t, const json& obj, const PathRef* path,
                                     std::vector<Issue>& out) const {
    // Keys are unique and sorted in a JSON object (std::map), so counting the required fields
    // seen tells whether one is missing without looking each one up.
    size_t required_present = 0;
    // The underlying map directly: nlohmann's generic iterator costs more than the checks here.
    for (const auto& [key, value] : obj.get_ref<const json::object_t&>()) {
        PathRef here{path, key, 0, false};
        const FieldDef* f = t.find(key);
        if (!f) {
            auto retired = t.retired.find(key);
            if (retired != t.retired.end()) {
                const std::string replacement = PathRef{path, retired->second, 0, false}.str();
                out.push_back({here.str(), "veld " + retiredReason(replacement), true});
                continue;
            }
            std::string valid;
            for (auto& fd : t.fields) valid += (valid.empty() ? "" : ", ") + fd.name;
            out.push_back({here.str(), "onbekend veld; geldige velden: " + valid});
            continue;
        }
        if (value.is_null()) continue;
        if (f->required) ++required_present;
        validateValue(*f, f->kind, value, here, out);
    }
    if (required_present == t.requiredCount()) return;
    for (const auto& f : t.fields) {
        if (!f.required) continue;
        auto it = obj.find(f.name);
        if (it == obj.end() || it->is_null())
            out.push_back({PathRef{path, f.name, 0, false}.str(), "verplicht veld ontbreekt"});
    }
}

void ModelDefinition::validateValue(const FieldDef& f, Kind kind, const json& v,
                                    const PathRef& path, std::vector<Issue>& out) const {
    auto bad = [&](const std::string& msg) { out.push_back({path.str(), msg}); };
    auto expect = [&](Kind k) { bad(std::string("verwacht ") + kindLabel(k)); };
    switch (kind) {
        case Kind::kObject:
            if (!v.is_object()) return expect(Kind::kObject);
            return validateObject(f.type_def ? *f.type_def : types_.at(f.type), v, &path, out);
        case Kind::kArray: {
            if (!v.is_array()) return expect(Kind::kArray);
            const TypeDef* et = f.type.empty() ? nullptr : f.type_def ? f.type_def : &types_.at(f.type);
            const auto& items = v.get_ref<const json::array_t&>();
            for (size_t i = 0; i < items.size(); ++i) {
                PathRef ip{&path, std::string_view(), i, true};
                if (et) {
                    if (!items[i].is_object()) {
                        out.push_back({ip.str(), "verwacht object"});
                        continue;
                    }
                    validateObject(*et, items[i], &ip, out);
                } else {
                    validateValue(f, f.item, items[i], ip, out);
                }
            }
            return;
        }
        case Kind::kBool:
            if (!v.is_boolean()) expect(kind);
            return;
        case Kind::kInt:
        case Kind::kDecimal: {
            if (!v.is_number() || (kind == Kind::kInt && !v.is_number_integer())) return expect(kind);
            double d = v.get<double>();
            if (f.min && d < *f.min) bad("waarde kleiner dan " + std::to_string(static_cast<long>(*f.min)));
            if (f.max && d > *f.max) bad("waarde groter dan " + std::to_string(static_cast<long>(*f.max)));
            return;
        }
        default: break;
    }
    if (!v.is_string()) return expect(kind);
    const std::string& s = v.get_ref<const std::string&>();
    switch (kind) {
        case Kind::kDate:
            if (!isValidIsoDate(s)) bad("ongeldige datum (verwacht JJJJ-MM-DD)");
            break;
        case Kind::kBsn:
            if (!isValidBsn(s)) bad("ongeldig nummer: voldoet niet aan de elfproef");
            break;
        case Kind::kCode: {
            const auto* list = f.codes ? f.codes : codelist(f.codelist);
            bool found = std::find(list->begin(), list->end(), s) != list->end();
            if (!found) bad("onbekende code (codelijst " + f.codelist + ")");
            break;
        }
        case Kind::kBase64:
            if (!isBase64(s)) bad("geen geldige base64");
            break;
        default:
            if (s.size() > 100000) bad("tekst te lang");
            break;
    }
    if (!f.pattern.empty() && (kind == Kind::kString) && !s.empty()) {
        bool match;
        if (f.matcher) {
            match = f.matcher->matches(s);
        } else {
            static thread_local std::map<std::string, std::regex> cache;
            auto it = cache.find(f.pattern);
            if (it == cache.end()) it = cache.emplace(f.pattern, std::regex(f.pattern)).first;
            match = std::regex_match(s, it->second);
        }
        if (!match) bad("voldoet niet aan het formaat " + f.pattern);
    }
}

namespace {

json scalarSchema(const ModelDefinition& def, const FieldDef& f, Kind kind) {
    json s;
    switch (kind) {
        case Kind::kBool: s["type"] = "boolean"; break;
        case Kind::kInt: s["type"] = "integer"; break;
        case Kind::kDecimal: s["type"] = "number"; break;
        case Kind::kDate: s = {{"type", "string"}, {"format", "date"}}; break;
        case Kind::kBsn: s = {{"type", "string"}, {"pattern", "^[0-9]{8,9}$"}}; break;
        case Kind::kBase64: s = {{"type", "string"}, {"contentEncoding", "base64"}}; break;
        case Kind::kCode: s = {{"type", "string"}, {"enum", *def.codelist(f.codelist)}}; break;
        default:
            s["type"] = "string";
            if (!f.pattern.empty()) s["pattern"] = f.pattern;
            break;
    }
    if (kind == Kind::kInt || kind == Kind::kDecimal) {
        if (f.min) s["minimum"] = *f.min;
        if (f.max) s["maximum"] = *f.max;
    }
    return s;
}

}  // namespace

json ModelDefinition::jsonSchema() const {
    json defs = json::object();
    for (const auto& [name, t] : types_) {
        json props = json::object();
        json required = json::array();
        for (const auto& f : t.fields) {
            json p;
            if (f.kind == Kind::kObject) {
                p = {{"$ref", "#/$defs/" + f.type}};
            } else if (f.kind == Kind::kArray) {
                p["type"] = "array";
                p["items"] = f.type.empty() ? scalarSchema(*this, f, f.item)
                                            : json{{"$ref", "#/$defs/" + f.type}};
            } else {
                p = scalarSchema(*this, f, f.kind);
            }
            if (!f.description.empty()) p["description"] = f.description;
            if (!f.category.empty()) p["x-sluis-category"] = f.category;
            if (f.sensitivity) p["x-sluis-sensitivity"] = sensitivityName(*f.sensitivity);
            props[f.name] = p;
            if (f.required) required.push_back(f.name);
        }
        json td = {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
        if (!required.empty()) td["required"] = required;
        if (!t.description.empty()) td["description"] = t.description;
        defs[name] = td;
    }
    json retired = json::object();
    for (const auto& [name, t] : types_)
        for (const auto& [field, replacement] : t.retired)
            retired[name + "." + field] = replacement;
    json schema{
        {"$schema", "https://json-schema.org/draft/2020-12/schema"},
        {"$id", "https://sluis.example/schema/leerlingdossier/v" + std::to_string(version_)},
        {"title", "Sluis canoniek leerlingdossier"},
        {"$ref", "#/$defs/" + root_},
        {"$defs", defs}};
    if (!retired.empty()) {
        schema["$comment"] =
            "One shape per fact (docs/oso.md): x-sluis-retired lists fields of older model "
            "versions (Type.field) with the field that replaces them; records with them are "
            "invalid.";
        schema["x-sluis-retired"] = retired;
    }
    return schema;
}

}  // namespace sluis::model

#include "mapping/oso/oso_standard.h"

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

namespace sluis::embedded {
extern const std::string_view kOsoBinding2019;
extern const std::string_view kOsoStandard2019;
}  // namespace sluis::embedded

namespace sluis::oso {

namespace {

using nlohmann::json;

std::vector<std::string> splitDots(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t dot = s.find('.', start);
        out.push_back(s.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return out;
}

std::vector<std::string> splitSlashes(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t slash = s.find('/', start);
        out.push_back(
            s.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return out;
}

void buildNode(const json& j, const std::string& parent_path, Node& n) {
    n.name = j.at("name").get<std::string>();
    n.path = parent_path.empty() ? n.name : parent_path + "/" + n.name;
    n.key = j.value("key", std::string());
    n.min = j.value("min", 1);
    n.max = j.value("max", 1);
    n.collapse = j.value("collapse", false);
    n.wrap = j.value("wrap", false);
    n.type = j.value("type", std::string());
    if (j.contains("place")) {
        // "root" or "root.vombo": the path below the record root.
        auto parts = splitDots(j["place"].get<std::string>());
        n.place.assign(parts.begin() + 1, parts.end());
        n.place.insert(n.place.begin(), "");  // marks "placed" even for the root itself
    }
    std::string kind = j.value("kind", std::string("string"));
    n.kind = kind == "bool" ? JsonKind::kBool : kind == "int" ? JsonKind::kInt : JsonKind::kString;
    if (j.contains("attributes"))
        for (const auto& a : j["attributes"])
            n.attributes.push_back(
                {a.at("name").get<std::string>(), a.at("key").get<std::string>()});
    if (j.contains("children")) {
        n.complex = true;
        n.children.resize(j["children"].size());
        for (size_t i = 0; i < j["children"].size(); ++i)
            buildNode(j["children"][i], n.path, n.children[i]);
        for (const auto& c : n.children) n.by_name[c.name] = &c;
    }
    if (j.contains("item")) {
        n.item = std::make_unique<Node>();
        buildNode(j["item"], n.path, *n.item);
        n.by_name[n.item->name] = n.item.get();
    }
    for (auto& c : n.children) c.found_by_name = n.by_name.at(c.name) == &c;
}

void markCategories(Node& n, int inherited, const std::map<std::string, int>& by_path,
                    const std::set<std::string>& forbidden, const std::set<std::string>& swv) {
    auto it = by_path.find(n.path);
    n.category = it != by_path.end() ? it->second : inherited;
    n.forbidden = forbidden.count(n.path) > 0;
    n.swv_forbidden = swv.count(n.path) > 0;
    for (auto& c : n.children) markCategories(c, n.category, by_path, forbidden, swv);
    if (n.item) markCategories(*n.item, n.category, by_path, forbidden, swv);
}

}  // namespace

const char* deliveryName(Delivery d) {
    switch (d) {
        case Delivery::kVerplicht:
            return "VERPLICHT";
        case Delivery::kOptioneel:
            return "OPTIONEEL";
        case Delivery::kVerboden:
            return "VERBODEN";
        case Delivery::kOptUit:
            return "OPT-UIT";
    }
    return "?";
}

std::optional<Delivery> parseDelivery(const std::string& s) {
    if (s == "VERPLICHT") return Delivery::kVerplicht;
    if (s == "OPTIONEEL") return Delivery::kOptioneel;
    if (s == "VERBODEN") return Delivery::kVerboden;
    if (s == "OPT-UIT") return Delivery::kOptUit;
    return std::nullopt;
}

Result<std::shared_ptr<const Standard>> Standard::parse(const std::string& binding_json,
                                                        const std::string& standard_json) {
    try {
        auto s = std::make_shared<Standard>();
        json b = json::parse(binding_json);
        json d = json::parse(standard_json);
        s->version_ = d.at("version").get<std::string>();
        s->validatieversie_ = d.at("validatieversie").get<std::string>();
        s->namespace_ = d.at("namespace").get<std::string>();
        s->meldingen_namespace_ = d.at("meldingen_namespace").get<std::string>();
        if (b.at("version").get<std::string>() != s->version_)
            return Error{ErrorCode::kInternal,
                         "OSO-data: versies van binding en standaard verschillen"};
        buildNode(b.at("root"), "", s->root_);
        std::map<std::string, int> by_path;
        for (const auto& c : d.at("categories")) {
            Category cat{c.at("name").get<std::string>(), c.at("rule").get<std::string>(),
                         c.at("paths").get<std::vector<std::string>>()};
            for (const auto& p : cat.paths) by_path[p] = static_cast<int>(s->categories_.size());
            s->categories_.push_back(std::move(cat));
        }
        for (const auto& [name, p] : d.at("profiles").items()) {
            Profile prof;
            prof.name = name;
            prof.overdrachtsoort = p.at("overdrachtsoort").get<std::string>();
            prof.overstap = p.at("overstap").get<std::string>();
            prof.swv = p.at("swv").get<bool>();
            for (const auto& cat : s->categories_) {
                auto dv = parseDelivery(p.at("categories").at(cat.name).get<std::string>());
                if (!dv) return Error{ErrorCode::kInternal, "OSO-data: onbekende uitlevering"};
                prof.categories.push_back(*dv);
            }
            s->profiles_.push_back(std::move(prof));
        }
        for (const auto& [rule, c] : d.at("code_lists").items()) {
            CodeList cl{
                rule, c.at("list").get<int>(), c.at("values").get<std::vector<std::string>>(), {}};
            for (const auto& f : c.at("fields")) {
                CodeListField field{splitSlashes(f.at("path").get<std::string>()),
                                    f.at("text").get<std::string>(), f.value("required", false)};
                s->code_list_index_[field.path.back()].push_back(
                    {s->code_lists_.size(), cl.fields.size()});
                cl.fields.push_back(std::move(field));
            }
            s->code_lists_.push_back(std::move(cl));
        }
        for (const auto& [id, r] : d.at("official_rules").items())
            s->official_[id] = {id, r.at("scope").get<std::string>(),
                                r.at("texts").get<std::vector<std::string>>(),
                                r.at("source").get<std::string>(), r.value("check", std::string())};
        for (const auto& [id, c] : d.at("category_rules").items()) {
            CategoryRule cr;
            cr.rule = id;
            cr.field = c.at("field").get<std::string>();
            if (!c.at("VERPLICHT").is_null()) {
                cr.verplicht_any = c["VERPLICHT"].at("any").get<std::vector<std::string>>();
                cr.verplicht_text = c["VERPLICHT"].at("text").get<std::string>();
            }
            for (const auto& i : c.at("VERBODEN"))
                cr.verboden.push_back(
                    {i.at("path").get<std::string>(), i.at("text").get<std::string>()});
            for (const auto& i : c.at("OPT-UIT"))
                cr.opt_uit.push_back(
                    {i.at("path").get<std::string>(), i.at("text").get<std::string>()});
            s->category_rules_.push_back(std::move(cr));
        }
        auto forbidden = d.at("forbidden_elements").get<std::set<std::string>>();
        auto swv = d.at("swv_forbidden_elements").get<std::set<std::string>>();
        markCategories(s->root_, -1, by_path, forbidden, swv);
        s->secret_ = d.at("secret").get<std::map<std::string, std::string>>();
        s->rules_ = d.at("rules").get<std::map<std::string, std::string>>();
        if (d.contains("cijfers_to_cijferlijst")) {
            const json& c = d["cijfers_to_cijferlijst"];
            s->cijfers_rule_.list = c.at("list").get<std::string>();
            s->cijfers_rule_.naam = c.at("naam").get<std::vector<std::string>>();
            s->cijfers_rule_.onderdeel_naam =
                c.at("onderdeel_naam").get<std::vector<std::string>>();
        }
        return std::shared_ptr<const Standard>(std::move(s));
    } catch (const json::exception& e) {
        return Error{ErrorCode::kInternal, std::string("OSO-data ongeldig: ") + e.what()};
    }
}

Result<std::shared_ptr<const Standard>> Standard::get(const std::string& version) {
    static std::mutex mu;
    static std::map<std::string, std::shared_ptr<const Standard>> cache;
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(version);
    if (it != cache.end()) return it->second;
    if (version == "2019.1") {
        auto r =
            parse(std::string(embedded::kOsoBinding2019), std::string(embedded::kOsoStandard2019));
        if (!r) return r.error();
        cache[version] = *r;
        return *r;
    }
    return Error{ErrorCode::kNotFound, "OSO-standaardversie '" + version +
                                           "' wordt niet ondersteund (beschikbaar: 2019.1)"};
}

std::vector<std::string> Standard::versions() { return {"2019.1"}; }

int Standard::categoryIndex(const std::string& name) const {
    for (size_t i = 0; i < categories_.size(); ++i)
        if (categories_[i].name == name) return static_cast<int>(i);
    return -1;
}

const Profile* Standard::profile(const std::string& name) const {
    for (const auto& p : profiles_)
        if (p.name == name) return &p;
    return nullptr;
}

const Profile* Standard::profileFor(const std::string& overdrachtsoort,
                                    const std::string& overstap) const {
    for (const auto& p : profiles_) {
        if (p.overdrachtsoort != overdrachtsoort) continue;
        if (p.overdrachtsoort == "overdrachtbinnenbrin" || p.overstap == overstap) return &p;
    }
    return nullptr;
}

std::string Standard::officialText(std::string_view id, size_t index) const {
    auto it = official_.find(id);
    if (it == official_.end() || it->second.texts.empty()) return {};
    const auto& texts = it->second.texts;
    return index < texts.size() ? texts[index] : texts.front();
}

std::string Standard::ruleText(const std::string& id) const {
    std::string official = officialText(id);
    if (!official.empty()) return official;
    auto it = rules_.find(id);
    return it == rules_.end() ? id : it->second;
}

}  // namespace sluis::oso

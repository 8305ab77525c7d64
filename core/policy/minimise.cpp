#include "core/policy/minimise.h"

#include <optional>
#include <set>
#include <string_view>

namespace sluis::policy {

using nlohmann::json;
using model::Sensitivity;

namespace {

const std::set<std::string> kMedicalReasons = {"ziek", "medisch", "huisarts", "tandarts", "specialist"};

/// A retired field (`retired` in the model table) and the field that replaces it, as instance
/// paths (`leerling.voornamen`, `leerling.voornamenlijst`).
struct Retired {
    std::string path;
    std::string replacement;
};

/// For an instance path the model does not know: the retired field on the way to it (the leaf
/// itself, or a retired container around it), if any.
std::optional<Retired> retiredOnPath(const model::ModelDefinition& model, const std::string& path) {
    const model::TypeDef* type = model.type(model.rootType());
    for (size_t start = 0; type;) {
        size_t dot = path.find('.', start);
        std::string_view name(path.data() + start,
                              (dot == std::string::npos ? path.size() : dot) - start);
        name = name.substr(0, name.find('['));  // the indices of an array field
        if (const model::FieldDef* f = type->find(name)) {
            type = f->type_def;
        } else {
            auto retired = type->retired.find(name);
            if (retired == type->retired.end()) return std::nullopt;
            std::string parent = path.substr(0, start);
            return Retired{parent + std::string(name), parent + retired->second};
        }
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return std::nullopt;
}

struct Walker {
    const config::PurposePolicy& policy;
    const model::ModelDefinition& model;
    Minimised& out;
    std::set<std::string> categories;

    /// Returns the reduced value, or null when nothing of it may leave.
    json walk(const json& v, const std::string& path) {
        if (v.is_object()) {
            json reduced = json::object();
            // Medical absence: generalise before the generic rules see the fields.
            json obj = v;
            if (!policy.care_profile && path.ends_with("]") &&
                model::normalisePath(path) == "verzuim.meldingen[]") {
                bool medical = obj.value("medisch", false) ||
                               kMedicalReasons.count(obj.value("reden", std::string()));
                if (medical) {
                    for (const char* f : {"reden", "medisch", "toelichting"}) {
                        if (obj.contains(f)) {
                            out.withheld.push_back({path + "." + f, "medische reden gegeneraliseerd naar 'geoorloofd'"});
                            obj.erase(f);
                        }
                    }
                    obj["soort"] = "geoorloofd";
                }
            }
            for (auto& [k, child] : obj.items()) {
                std::string p = path.empty() ? k : path + "." + k;
                json r = walk(child, p);
                if (!r.is_null()) reduced[k] = std::move(r);
            }
            return reduced.empty() ? json() : reduced;
        }
        if (v.is_array()) {
            json reduced = json::array();
            for (size_t i = 0; i < v.size(); ++i) {
                json r = walk(v[i], path + "[" + std::to_string(i) + "]");
                if (!r.is_null()) reduced.push_back(std::move(r));
            }
            return reduced.empty() ? json() : reduced;
        }
        // A leaf.
        auto cls = model.classify(path);
        if (!cls) {
            if (auto retired = retiredOnPath(model, path)) {
                out.withheld.push_back(
                    {path, "veld " + (retired->path == path ? "" : retired->path + " ") +
                               model.retiredReason(retired->replacement)});
            } else {
                out.withheld.push_back({path, "veld staat niet in het model"});
            }
            return json();
        }
        if (!policy.allowsCategory(cls->category)) {
            out.withheld.push_back({path, "categorie '" + cls->category + "' is niet nodig voor doel '" +
                                              policy.name + "'"});
            return json();
        }
        if (cls->sensitivity == Sensitivity::kSpecial && !policy.special_categories) {
            out.withheld.push_back({path, "bijzonder persoonsgegeven (gezondheid): niet toegestaan voor doel '" +
                                              policy.name + "'"});
            return json();
        }
        if (cls->sensitivity == Sensitivity::kIdentifier && !policy.identifiers) {
            out.withheld.push_back({path, "identificerend nummer: niet toegestaan voor doel '" + policy.name + "'"});
            return json();
        }
        out.included.push_back(path);
        categories.insert(cls->category);
        return v;
    }
};

}  // namespace

Minimised minimise(const json& record, const config::PurposePolicy& policy,
                   const model::ModelDefinition& model) {
    Minimised out;
    if (policy.record == config::PurposePolicy::RecordKind::kAggregate) {
        // An aggregated report (small cells already suppressed by its decoder) leaves whole, but
        // never with a pupil record inside it.
        if (!record.is_object() || record.contains("leerling")) {
            out.withheld.push_back({"", "leerlinggegevens horen niet in een geaggregeerd rapport"});
            out.record = json::object();
            return out;
        }
        for (auto& [k, v] : record.items()) out.included.push_back(k);
        out.categories.push_back("geaggregeerd");
        out.record = record;
        return out;
    }
    Walker w{policy, model, out, {}};
    json r = w.walk(record, "");
    out.record = r.is_null() ? json::object() : r;
    out.categories.assign(w.categories.begin(), w.categories.end());
    return out;
}

}  // namespace sluis::policy

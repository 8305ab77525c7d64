#include <regex>

#include "core/connector/connector.h"

namespace sluis::connector {

using nlohmann::json;

const char* optionTypeName(OptionType t) {
    switch (t) {
        case OptionType::kString: return "tekst";
        case OptionType::kInt: return "geheel getal";
        case OptionType::kBool: return "true/false";
        case OptionType::kDurationMs: return "duur (bijv. \"500ms\", \"30s\", \"5m\", \"730d\")";
        case OptionType::kPath: return "pad";
        case OptionType::kStringList: return "lijst van teksten";
        case OptionType::kObject: return "object";
        case OptionType::kObjectList: return "lijst van objecten";
    }
    return "?";
}

namespace {
/// Parses "500ms", "30s", "5m", "2h" or a bare number of milliseconds.
bool parseDuration(const json& v, long long& ms) {
    if (v.is_number_integer()) {
        ms = v.get<long long>();
        return ms >= 0;
    }
    if (!v.is_string()) return false;
    static const std::regex re("^([0-9]+)(ms|s|m|h|d)$");
    std::smatch m;
    std::string s = v.get<std::string>();
    if (!std::regex_match(s, m, re)) return false;
    long long n = std::stoll(m[1]);
    std::string unit = m[2];
    ms = unit == "ms"  ? n
         : unit == "s" ? n * 1000
         : unit == "m" ? n * 60000
         : unit == "h" ? n * 3600000
                       : n * 86400000;
    return true;
}
}  // namespace

Result<Options> validateOptions(const std::vector<OptionSpec>& specs, const json& values,
                                const std::string& path, std::vector<std::string>& errors) {
    size_t before = errors.size();
    json out = json::object();
    if (!values.is_object()) {
        errors.push_back(path + ": verwacht een object met opties");
        return Error{ErrorCode::kInvalidConfig, errors.back()};
    }
    for (auto& [key, v] : values.items()) {
        bool known = false;
        for (auto& s : specs) known = known || s.key == key;
        if (!known) {
            std::string valid;
            for (auto& s : specs) valid += (valid.empty() ? "" : ", ") + s.key;
            errors.push_back(path + "." + key + ": onbekende optie; " +
                             (valid.empty() ? "er zijn hier geen opties" : "geldige opties: " + valid));
        }
    }
    for (const auto& s : specs) {
        std::string p = path + "." + s.key;
        if (!values.contains(s.key)) {
            if (s.required) {
                errors.push_back(p + ": verplichte optie ontbreekt");
            } else if (!s.default_value.is_null()) {
                // Defaults are declared like config values ("10s"); store durations as ms.
                long long ms = 0;
                out[s.key] = s.type == OptionType::kDurationMs && parseDuration(s.default_value, ms)
                                 ? json(ms)
                                 : s.default_value;
            }
            continue;
        }
        const json& v = values[s.key];
        bool ok = true;
        switch (s.type) {
            case OptionType::kString:
            case OptionType::kPath: ok = v.is_string() && !v.get<std::string>().empty(); break;
            case OptionType::kInt: ok = v.is_number_integer(); break;
            case OptionType::kBool: ok = v.is_boolean(); break;
            case OptionType::kStringList: {
                ok = v.is_array();
                for (auto& e : v) ok = ok && e.is_string();
                break;
            }
            case OptionType::kObject: ok = v.is_object(); break;
            case OptionType::kObjectList: {
                ok = v.is_array();
                for (auto& e : v) ok = ok && e.is_object();
                break;
            }
            case OptionType::kDurationMs: {
                long long ms = 0;
                ok = parseDuration(v, ms);
                if (ok) {
                    out[s.key] = ms;
                    continue;
                }
                break;
            }
        }
        if (!ok) {
            // Secrets: say what was expected, never what was found.
            errors.push_back(p + ": verwacht " + optionTypeName(s.type));
            continue;
        }
        out[s.key] = v;
    }
    if (errors.size() != before) return Error{ErrorCode::kInvalidConfig, errors[before]};
    return Options(std::move(out));
}

std::string Options::str(const std::string& key) const {
    return values_.contains(key) && values_[key].is_string() ? values_[key].get<std::string>() : "";
}
long long Options::integer(const std::string& key) const {
    return values_.contains(key) && values_[key].is_number() ? values_[key].get<long long>() : 0;
}
bool Options::boolean(const std::string& key) const {
    return values_.contains(key) && values_[key].is_boolean() && values_[key].get<bool>();
}
std::chrono::milliseconds Options::duration(const std::string& key) const {
    return std::chrono::milliseconds(integer(key));
}
std::vector<std::string> Options::list(const std::string& key) const {
    std::vector<std::string> out;
    if (values_.contains(key) && values_[key].is_array())
        for (auto& e : values_[key]) out.push_back(e.get<std::string>());
    return out;
}
bool Options::has(const std::string& key) const { return values_.contains(key); }

}  // namespace sluis::connector

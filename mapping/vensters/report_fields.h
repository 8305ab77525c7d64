#pragma once
/// Reading fields of the report JSON (report.h) for the renderings (HTML, PDF): never throws,
/// whatever the shape of the document.
#include <nlohmann/json.hpp>
#include <string>

namespace sluis::vensters::fields {

/// j[key] as text: a string as is, an integer in decimal, anything else (or missing) empty.
inline std::string text(const nlohmann::json& j, const std::string& key) {
    if (!j.is_object() || !j.contains(key)) return "";
    const nlohmann::json& v = j[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return "";
}

/// j[key] without undefined behaviour: a missing key or a non-object gives null.
inline const nlohmann::json& at(const nlohmann::json& j, const std::string& key) {
    static const nlohmann::json kNull;
    if (!j.is_object()) return kNull;
    auto it = j.find(key);
    return it == j.end() ? kNull : *it;
}

/// A cell or figure left out by small-cell suppression ("onderdrukt": true).
inline bool isSuppressed(const nlohmann::json& j) {
    return j.is_object() && j.value("onderdrukt", false);
}

}  // namespace sluis::vensters::fields

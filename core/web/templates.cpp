#include "core/web/templates.h"

namespace sluis::embedded {
extern const std::string_view kWeb_layout_html;
extern const std::string_view kWeb_login_html;
extern const std::string_view kWeb_totp_html;
extern const std::string_view kWeb_overzicht_html;
extern const std::string_view kWeb_goedkeuren_html;
extern const std::string_view kWeb_transfer_html;
extern const std::string_view kWeb_inzage_html;
extern const std::string_view kWeb_melding_html;
extern const std::string_view kWeb_style_css;
}  // namespace sluis::embedded

namespace sluis::web {

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string render(std::string_view tmpl, const Vars& vars) {
    std::string out;
    size_t i = 0;
    while (i < tmpl.size()) {
        size_t open = tmpl.find("{{", i);
        if (open == std::string_view::npos) break;
        out.append(tmpl.substr(i, open - i));
        const bool raw = tmpl.substr(open, 3) == "{{{";
        const size_t start = open + (raw ? 3 : 2);
        const size_t close = tmpl.find(raw ? "}}}" : "}}", start);
        if (close == std::string_view::npos) {
            i = open;
            break;
        }
        const std::string name(tmpl.substr(start, close - start));
        if (auto it = vars.find(name); it != vars.end()) out += raw ? it->second : escape(it->second);
        i = close + (raw ? 3 : 2);
    }
    out.append(tmpl.substr(i));
    return out;
}

std::optional<std::string_view> templateText(const std::string& name) {
    using namespace sluis::embedded;
    static const std::map<std::string, std::string_view> all = {
        {"layout.html", kWeb_layout_html},         {"login.html", kWeb_login_html},
        {"totp.html", kWeb_totp_html},             {"overzicht.html", kWeb_overzicht_html},
        {"goedkeuren.html", kWeb_goedkeuren_html}, {"transfer.html", kWeb_transfer_html},
        {"inzage.html", kWeb_inzage_html},         {"melding.html", kWeb_melding_html}};
    auto it = all.find(name);
    if (it == all.end()) return std::nullopt;
    return it->second;
}

std::optional<std::string_view> staticFile(const std::string& name) {
    if (name == "style.css") return embedded::kWeb_style_css;
    return std::nullopt;
}

}  // namespace sluis::web

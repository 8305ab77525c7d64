// multipart/form-data, strictly (multipart.h).
#include "core/web/multipart.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace sluis::web {

namespace {

Error bad(const std::string& what) {
    return Error{ErrorCode::kInvalidInput, "formulier (multipart): " + what};
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

/// RFC 2046 bcharsnospace.
bool boundaryChar(char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) ||
           std::string_view("'()+_,-./:=?").find(ch) != std::string_view::npos;
}

/// The parameters of a header value after its first `;`: name=value or name="value" (no
/// escapes; a quote inside a value is refused). Lower-case names; a repeated name is refused.
Result<std::vector<std::pair<std::string, std::string>>> params(std::string_view s) {
    std::vector<std::pair<std::string, std::string>> out;
    while (true) {
        s = trim(s);
        if (s.empty()) return out;
        if (s.front() != ';') return bad("ongeldige parameters in een kop");
        s.remove_prefix(1);
        s = trim(s);
        size_t eq = s.find('=');
        if (eq == std::string_view::npos || eq == 0) return bad("parameter zonder waarde in een kop");
        std::string name = lower(trim(s.substr(0, eq)));
        s.remove_prefix(eq + 1);
        s = trim(s);
        std::string value;
        if (!s.empty() && s.front() == '"') {
            size_t end = s.find('"', 1);
            if (end == std::string_view::npos) return bad("aanhalingsteken niet gesloten in een kop");
            value = std::string(s.substr(1, end - 1));
            if (value.find('\\') != std::string::npos)
                return bad("backslash in een kop wordt niet ondersteund");
            s.remove_prefix(end + 1);
        } else {
            size_t end = s.find(';');
            value = std::string(trim(s.substr(0, end)));
            s.remove_prefix(end == std::string_view::npos ? s.size() : end);
        }
        for (const auto& [n, v] : out)
            if (n == name) return bad("parameter '" + name + "' dubbel in een kop");
        out.emplace_back(std::move(name), std::move(value));
    }
}

}  // namespace

std::optional<std::string> multipartBoundary(std::string_view content_type) {
    size_t semi = content_type.find(';');
    if (lower(trim(content_type.substr(0, semi))) != "multipart/form-data") return std::nullopt;
    if (semi == std::string_view::npos) return std::nullopt;
    auto ps = params(content_type.substr(semi));
    if (!ps) return std::nullopt;
    for (const auto& [n, v] : *ps) {
        if (n != "boundary") continue;
        // RFC 2046: 1-70 bchars; a space may occur but not last.
        if (v.empty() || v.size() > 70 || v.back() == ' ' ||
            !std::all_of(v.begin(), v.end(), [](char ch) { return ch == ' ' || boundaryChar(ch); }))
            return std::nullopt;
        return v;
    }
    return std::nullopt;
}

Result<std::vector<MultipartPart>> parseMultipart(std::string_view body,
                                                  std::string_view content_type,
                                                  const MultipartLimits& limits) {
    auto boundary = multipartBoundary(content_type);
    if (!boundary) return bad("geen geldige boundary in Content-Type");
    const std::string open = "--" + *boundary;
    const std::string delim = "\r\n" + open;
    if (!body.starts_with(open + "\r\n")) return bad("begint niet met de boundary");
    size_t pos = open.size() + 2;
    std::vector<MultipartPart> parts;
    std::set<std::string> names;
    while (true) {
        if (parts.size() >= limits.max_parts)
            return Error{ErrorCode::kTooLarge, "formulier (multipart): te veel delen"};
        // The header block, up to an empty line; a part needs at least its Content-Disposition.
        if (body.substr(pos).starts_with("\r\n")) return bad("deel zonder koppen");
        size_t hend = body.find("\r\n\r\n", pos);
        if (hend == std::string_view::npos) return bad("deel zonder einde van de koppen");
        if (hend - pos > limits.max_header_bytes)
            return Error{ErrorCode::kTooLarge, "formulier (multipart): koppen van een deel te groot"};
        std::string_view headers = body.substr(pos, hend - pos);
        MultipartPart part;
        bool disposition = false, type_seen = false;
        size_t lp = 0;
        while (lp <= headers.size()) {
            size_t le = headers.find("\r\n", lp);
            if (le == std::string_view::npos) le = headers.size();
            std::string_view line = headers.substr(lp, le - lp);
            lp = le + 2;
            if (line.find_first_of("\r\n") != std::string_view::npos || line.find('\0') != std::string_view::npos)
                return bad("ongeldig teken in een kop");
            size_t colon = line.find(':');
            if (colon == std::string_view::npos || colon == 0) return bad("ongeldige kopregel");
            std::string hname = lower(line.substr(0, colon));
            std::string_view value = trim(line.substr(colon + 1));
            if (hname == "content-disposition") {
                if (disposition) return bad("Content-Disposition dubbel in een deel");
                disposition = true;
                size_t semi = value.find(';');
                if (lower(trim(value.substr(0, semi))) != "form-data")
                    return bad("deel is geen form-data");
                if (semi == std::string_view::npos) return bad("deel zonder naam");
                auto ps = params(value.substr(semi));
                if (!ps) return ps.error();
                bool named = false;
                for (const auto& [n, v] : *ps) {
                    if (n == "name") {
                        part.name = v;
                        named = true;
                    } else if (n == "filename") {
                        part.filename = v;
                    } else {
                        return bad("onbekende parameter '" + n + "' in Content-Disposition");
                    }
                }
                if (!named || part.name.empty() || part.name.size() > 100)
                    return bad("deel zonder (geldige) naam");
            } else if (hname == "content-type") {
                if (type_seen) return bad("Content-Type dubbel in een deel");
                type_seen = true;
                part.content_type = lower(trim(value.substr(0, value.find(';'))));
            } else {
                return bad("onbekende kop '" + hname.substr(0, 40) + "' in een deel");
            }
            if (le == headers.size()) break;
        }
        if (!disposition) return bad("deel zonder Content-Disposition");
        if (!names.insert(part.name).second) return bad("veld '" + part.name + "' komt dubbel voor");
        pos = hend + 4;
        size_t end = body.find(delim, pos);
        if (end == std::string_view::npos) return bad("deel zonder afsluitende boundary");
        const size_t size = end - pos;
        const size_t max = part.filename ? limits.max_file_bytes : limits.max_field_bytes;
        if (size > max)
            return Error{ErrorCode::kTooLarge, "formulier (multipart): veld '" + part.name +
                                                   "' groter dan " + std::to_string(max) + " bytes"};
        part.data = std::string(body.substr(pos, size));
        parts.push_back(std::move(part));
        pos = end + delim.size();
        std::string_view rest = body.substr(pos);
        if (rest.starts_with("--")) {
            rest.remove_prefix(2);
            if (!rest.empty() && rest != "\r\n") return bad("tekst na de afsluitende boundary");
            return parts;
        }
        if (!rest.starts_with("\r\n")) return bad("ongeldige boundary-regel");
        pos += 2;
    }
}

}  // namespace sluis::web

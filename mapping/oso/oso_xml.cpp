#include "mapping/oso/oso_xml.h"

#include <algorithm>
#include <vector>

namespace sluis::oso {

namespace {

int lineAtOffset(std::string_view bytes, size_t offset) {
    offset = std::min(offset, bytes.size());
    return 1 + static_cast<int>(std::count(bytes.begin(), bytes.begin() + offset, '\n'));
}

}  // namespace

std::string_view localName(const pugi::xml_node& n) {
    std::string_view name = n.name();
    auto colon = name.find(':');
    return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(const pugi::xml_node& n, std::string_view name) {
    for (auto c = n.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element && localName(c) == name) return c;
    return {};
}

std::string childText(const pugi::xml_node& n, std::string_view name) {
    auto c = child(n, name);
    return c ? std::string(c.child_value()) : std::string();
}

std::string xpathOf(const pugi::xml_node& n) {
    std::vector<std::string> parts;
    for (auto cur = n; cur && cur.type() == pugi::node_element; cur = cur.parent()) {
        std::string_view name = localName(cur);
        int index = 0, count = 0;
        for (auto s = cur.parent().first_child(); s; s = s.next_sibling()) {
            if (s.type() != pugi::node_element || localName(s) != name) continue;
            ++count;
            if (s == cur) index = count;
        }
        std::string part(name);
        if (count > 1) part += "[" + std::to_string(index) + "]";
        parts.push_back(std::move(part));
    }
    std::string out;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) out += "/" + *it;
    return out.empty() ? "/" : out;
}

int lineOf(std::string_view bytes, const pugi::xml_node& n) {
    ptrdiff_t off = n.offset_debug();
    return off < 0 ? 0 : lineAtOffset(bytes, static_cast<size_t>(off));
}

bool parseSafe(std::string_view bytes, pugi::xml_document& doc, XmlProblem& problem,
               const XmlLimits& limits) {
    if (bytes.size() > limits.max_bytes) {
        problem = {
            "SLUIS.XML03", "/",
            "het bestand is groter dan de grens van " + std::to_string(limits.max_bytes) + " bytes",
            ErrorCode::kTooLarge};
        return false;
    }
    // parse_doctype keeps a DOCTYPE as a node so that we can refuse it; pugixml never expands
    // declared entities, but a dossier that declares them is refused outright.
    unsigned opts = pugi::parse_default | pugi::parse_doctype;
    pugi::xml_parse_result r =
        doc.load_buffer(bytes.data(), bytes.size(), opts, pugi::encoding_auto);
    if (!r) {
        problem = {"SLUIS.XML01", "/",
                   "geen goedgevormde XML (regel " +
                       std::to_string(lineAtOffset(bytes, static_cast<size_t>(r.offset))) +
                       "): " + r.description(),
                   ErrorCode::kInvalidInput};
        return false;
    }
    for (auto c = doc.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_doctype) {
            problem = {"SLUIS.XML02", "/",
                       "DOCTYPE/ENTITY-declaratie op regel " + std::to_string(lineOf(bytes, c)) +
                           " geweigerd",
                       ErrorCode::kInvalidInput};
            return false;
        }
    }
    // Depth check without recursion.
    std::vector<std::pair<pugi::xml_node, int>> stack;
    for (auto c = doc.first_child(); c; c = c.next_sibling())
        if (c.type() == pugi::node_element) stack.push_back({c, 1});
    while (!stack.empty()) {
        auto [n, d] = stack.back();
        stack.pop_back();
        if (d > limits.max_depth) {
            problem = {"SLUIS.XML03", xpathOf(n),
                       "nesting dieper dan " + std::to_string(limits.max_depth) +
                           " niveaus (regel " + std::to_string(lineOf(bytes, n)) + ")",
                       ErrorCode::kTooLarge};
            return false;
        }
        for (auto c = n.first_child(); c; c = c.next_sibling())
            if (c.type() == pugi::node_element) stack.push_back({c, d + 1});
    }
    return true;
}

}  // namespace sluis::oso

#include "mapping/oso/oso_xml.h"

#include <algorithm>
#include <cstring>
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

int LineCounter::lineOf(const pugi::xml_node& n) {
    ptrdiff_t off = n.offset_debug();
    if (off < 0) return 0;
    size_t o = std::min(static_cast<size_t>(off), bytes_.size());
    if (o < offset_) {
        offset_ = 0;
        line_ = 1;
    }
    // memchr per line rather than a byte loop: a base64 attachment is one long line.
    const char* p = bytes_.data() + offset_;
    const char* const end = bytes_.data() + o;
    while (p < end) {
        p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
        if (!p) break;
        ++line_;
        ++p;
    }
    offset_ = o;
    return line_;
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
    // Depth check without recursion and without a heap-allocated stack: walks the elements in
    // pre-order, last child first (the order of the explicit stack this replaced, so that a
    // refusal names the same element), moving through the tree's own links.
    auto lastElement = [](const pugi::xml_node& parent) {
        for (auto c = parent.last_child(); c; c = c.previous_sibling())
            if (c.type() == pugi::node_element) return c;
        return pugi::xml_node();
    };
    auto previousElement = [](const pugi::xml_node& n) {
        for (auto c = n.previous_sibling(); c; c = c.previous_sibling())
            if (c.type() == pugi::node_element) return c;
        return pugi::xml_node();
    };
    int d = 1;
    for (pugi::xml_node n = lastElement(doc); n;) {
        if (d > limits.max_depth) {
            problem = {"SLUIS.XML03", xpathOf(n),
                       "nesting dieper dan " + std::to_string(limits.max_depth) +
                           " niveaus (regel " + std::to_string(lineOf(bytes, n)) + ")",
                       ErrorCode::kTooLarge};
            return false;
        }
        if (auto c = lastElement(n)) {
            n = c;
            ++d;
            continue;
        }
        // Up to the nearest ancestor-or-self with an earlier sibling element; done at the top.
        for (;;) {
            if (auto s = previousElement(n)) {
                n = s;
                break;
            }
            if (d == 1) {
                n = pugi::xml_node();
                break;
            }
            n = n.parent();
            --d;
        }
    }
    return true;
}

}  // namespace sluis::oso

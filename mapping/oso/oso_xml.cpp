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
    // Depth check in one pass of pugixml's own iterative traversal (no recursion, no stack of
    // ours). The element refused is the one the former explicit-stack walk (pre-order, last
    // child first) met first: an element at depth max+1, and of those the last in document order.
    struct DepthWalker : pugi::xml_tree_walker {
        int max_depth = 0;
        pugi::xml_node deepest;  ///< Last element at depth max_depth + 1 (1 = the root element).
        bool for_each(pugi::xml_node& n) override {
            // depth() is 0 for the children of the document.
            if (depth() == max_depth && n.type() == pugi::node_element) deepest = n;
            return true;
        }
    } walker;
    walker.max_depth = std::max(0, limits.max_depth);  // below 0: the root element is too deep
    doc.traverse(walker);
    if (walker.deepest) {
        pugi::xml_node n = walker.deepest;
        problem = {"SLUIS.XML03", xpathOf(n),
                   "nesting dieper dan " + std::to_string(limits.max_depth) + " niveaus (regel " +
                       std::to_string(lineOf(bytes, n)) + ")",
                   ErrorCode::kTooLarge};
        return false;
    }
    return true;
}

}  // namespace sluis::oso

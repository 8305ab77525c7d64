#include "mapping/oso/oso_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

#include "core/model/model.h"

namespace sluis::oso {

namespace {

using nlohmann::json;

class Reader {
  public:
    Reader(std::string_view bytes, std::vector<std::string>& warnings)
        : lines_(bytes), warnings_(warnings) {}

    void walk(const pugi::xml_node& el, const Node& bn, json& obj, json& root) {
        size_t hint = 0;  // children come in schema order: try the expected ones before the map
        for (auto ch = el.first_child(); ch; ch = ch.next_sibling()) {
            if (ch.type() != pugi::node_element) continue;
            const Node* found = child(bn, localName(ch), hint);
            if (!found || found == bn.item.get()) {
                warn(ch, "onbekend element genegeerd");
                continue;
            }
            const Node& cb = *found;
            json& dest = cb.place.empty() ? obj : resolve(root, cb.place);
            if (cb.collapse) {
                json& arr = dest[cb.key];
                if (!arr.is_array()) arr = json::array();
                const Node& item = *cb.item;
                for (auto g = ch.first_child(); g; g = g.next_sibling()) {
                    if (g.type() != pugi::node_element) continue;
                    if (localName(g) != item.name) {
                        warn(g, "onbekend element genegeerd");
                        continue;
                    }
                    arr.push_back(readElement(g, item, root));
                }
            } else if (cb.repeated()) {
                json& arr = dest[cb.key];
                if (!arr.is_array()) arr = json::array();
                arr.push_back(readElement(ch, cb, root));
            } else if (cb.wrap) {
                dest[cb.key] = json::array({scalar(ch, cb)});
            } else {
                // One map look-up for "already there?" and the insertion (dest is an object).
                auto [slot, inserted] = dest.get_ref<json::object_t&>().try_emplace(cb.key);
                if (!inserted) warn(ch, "element komt vaker voor dan toegestaan");
                slot->second = readElement(ch, cb, root);
                if (!cb.complex)
                    for (const auto& a : cb.attributes) {
                        auto attr = ch.attribute(a.name.c_str());
                        if (attr) dest[a.key] = utf8(attr.value());
                    }
            }
        }
    }

  private:
    /// What `bn.by_name` finds for `name` (nullptr: nothing). Looks first at the schema children
    /// from `hint` on (the same one again for a list, else one of the next two) and moves `hint`.
    static const Node* child(const Node& bn, std::string_view name, size_t& hint) {
        const auto& kids = bn.children;
        for (size_t k = hint, last = std::min(kids.size(), hint + 3); k < last; ++k) {
            if (kids[k].name != name) continue;
            hint = k;
            if (kids[k].found_by_name) return &kids[k];
            break;
        }
        auto it = bn.by_name.find(name);
        return it == bn.by_name.end() ? nullptr : it->second;
    }

    json readElement(const pugi::xml_node& el, const Node& bn, json& root) {
        if (bn.complex) {
            json obj = json::object();
            walk(el, bn, obj, root);
            return obj;
        }
        if (bn.repeated() && !bn.attributes.empty()) {
            json obj = json::object();
            obj["waarde"] = scalar(el, bn);
            for (const auto& a : bn.attributes) {
                auto attr = el.attribute(a.name.c_str());
                if (attr) obj[a.key] = utf8(attr.value());
            }
            return obj;
        }
        return scalar(el, bn);
    }

    json scalar(const pugi::xml_node& el, const Node& bn) {
        std::string_view text = el.child_value();
        std::string fixed;
        if (!validUtf8(text)) {
            // JSON needs UTF-8: replace broken sequences rather than pass them on.
            fixed = replaceInvalidUtf8(text);
            text = fixed;
            warn(el, "ongeldige UTF-8-tekens vervangen");
        }
        if (bn.name == "bestandsinhoud") checkAttachment(el, text);
        switch (bn.kind) {
            case JsonKind::kBool: {
                std::string_view t = trim(text);
                if (t == "true" || t == "1") return true;
                if (t == "false" || t == "0") return false;
                warn(el, "geen geldige booleaanse waarde; als tekst bewaard");
                return std::string(text);
            }
            case JsonKind::kInt: {
                std::string_view t = trim(text);
                if (!t.empty() && t[0] == '+') t.remove_prefix(1);
                long long v = 0;
                auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
                if (ec == std::errc() && p == t.data() + t.size() && !t.empty()) return v;
                warn(el, "geen geldig geheel getal; als tekst bewaard");
                return std::string(text);
            }
            case JsonKind::kString:
                break;
        }
        return std::string(text);
    }

    void checkAttachment(const pugi::xml_node& el, std::string_view text) {
        // Attachments are the bulk of a full dossier (hundreds of KB of base64). A ZIP starts
        // with "PK\x03\x04", so decode only the first four bytes before decoding the whole.
        if (decodeBase64(text, 4).compare(0, 4, "PK\x03\x04") != 0 || !isZip(decodeBase64(text)))
            warn(el, "bijlage is geen geldig ZIP-bestand; ongewijzigd bewaard");
    }

    /// Decodes base64, skipping whitespace; stops at the first invalid character or after
    /// `limit` output bytes. Table-driven and written into a pre-sized buffer: attachments are
    /// most of a full dossier's bytes, so this loop dominates the read (see docs/oso.md).
    /// Whole groups of four valid characters (nearly all of a line) are decoded at once; a
    /// group with whitespace, padding or garbage goes through the character-by-character loop,
    /// which gives the same result for every input.
    static std::string decodeBase64(std::string_view text, size_t limit = std::string::npos) {
        static constexpr signed char kSkip = -1, kStop = -2;
        static constexpr auto kTable = [] {
            std::array<signed char, 256> t{};
            t.fill(kStop);  // '=' padding or garbage
            for (int c = 'A'; c <= 'Z'; ++c) t[static_cast<size_t>(c)] = static_cast<signed char>(c - 'A');
            for (int c = 'a'; c <= 'z'; ++c) t[static_cast<size_t>(c)] = static_cast<signed char>(c - 'a' + 26);
            for (int c = '0'; c <= '9'; ++c) t[static_cast<size_t>(c)] = static_cast<signed char>(c - '0' + 52);
            t['+'] = 62;
            t['/'] = 63;
            for (char c : {' ', '\n', '\r', '\t'}) t[static_cast<unsigned char>(c)] = kSkip;
            return t;
        }();
        // The same table per position in a group of four, shifted into place; -1 (every bit set)
        // for whatever is not a base64 digit, so that one sign test checks all four.
        static constexpr auto kShifted = [] {
            std::array<std::array<std::int32_t, 256>, 4> t{};
            for (size_t pos = 0; pos < 4; ++pos)
                for (size_t c = 0; c < 256; ++c)
                    t[pos][c] = kTable[c] < 0 ? -1
                                              : static_cast<std::int32_t>(kTable[c])
                                                    << (6 * (3 - static_cast<int>(pos)));
            return t;
        }();
        std::string out(std::min(limit, text.size() * 3 / 4 + 3), '\0');
        const size_t cap = out.size();
        char* o = out.data();
        const auto* p = reinterpret_cast<const unsigned char*>(text.data());
        const auto* const end = p + text.size();
        size_t n = 0;
        unsigned buf = 0;
        int bits = 0;
        for (;;) {
            // Fast path, only at a group boundary (bits == 0: the bits left in buf from earlier
            // characters are never used again): whole groups while all four are digits.
            if (bits == 0) {
                size_t groups = std::min(static_cast<size_t>(end - p) / 4, (cap - n) / 3);
                for (; groups > 0; --groups) {
                    std::int32_t v = kShifted[0][p[0]] | kShifted[1][p[1]] | kShifted[2][p[2]] |
                                     kShifted[3][p[3]];
                    if (v < 0) break;
                    o[n] = static_cast<char>((v >> 16) & 0xFF);
                    o[n + 1] = static_cast<char>((v >> 8) & 0xFF);
                    o[n + 2] = static_cast<char>(v & 0xFF);
                    n += 3;
                    p += 4;
                }
            }
            if (p == end || n >= cap) break;
            signed char v = kTable[*p++];
            if (v == kSkip) continue;
            if (v == kStop) break;
            buf = (buf << 6) | static_cast<unsigned>(v);
            bits += 6;
            if (bits >= 8) {
                bits -= 8;
                o[n++] = static_cast<char>((buf >> bits) & 0xFF);
            }
        }
        out.resize(n);
        return out;
    }

    /// A ZIP has a local header at the start and an end-of-central-directory record whose
    /// central directory lies inside the file and starts with its own signature.
    static bool isZip(const std::string& z) {
        auto u16 = [&](size_t p) {
            return static_cast<size_t>(static_cast<unsigned char>(z[p])) |
                   static_cast<size_t>(static_cast<unsigned char>(z[p + 1])) << 8;
        };
        auto u32 = [&](size_t p) { return u16(p) | u16(p + 2) << 16; };
        if (z.size() < 22 || z.compare(0, 4, "PK\x03\x04") != 0) return false;
        size_t lowest = z.size() > 22 + 65535 ? z.size() - 22 - 65535 : 0;
        for (size_t p = z.size() - 22 + 1; p-- > lowest;) {
            // First byte inline: a file that is not a ZIP is searched over its last 64 KiB.
            if (z[p] != 'P' || z.compare(p, 4, "PK\x05\x06") != 0) continue;
            size_t cd_size = u32(p + 12), cd_offset = u32(p + 16);
            if (cd_offset + cd_size > p) return false;
            return cd_size == 0 ||
                   (cd_offset + 4 <= z.size() && z.compare(cd_offset, 4, "PK\x01\x02") == 0);
        }
        return false;
    }

    static size_t utf8Length(std::string_view s, size_t i) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80           ? 1
                   : (c >> 5) == 0x6  ? 2
                   : (c >> 4) == 0xE  ? 3
                   : (c >> 3) == 0x1E ? 4
                                      : 0;
        if (n == 0 || i + n > s.size()) return 0;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
        return n;
    }
    static bool validUtf8(std::string_view s) {
        for (size_t i = 0; i < s.size();) {
            // ASCII fast paths: nearly all text (and all base64) is ASCII; eight bytes at a time
            // while no byte has its high bit set.
            if (s.size() - i >= 8) {
                std::uint64_t w;
                std::memcpy(&w, s.data() + i, 8);
                if ((w & 0x8080808080808080ULL) == 0) {
                    i += 8;
                    continue;
                }
            }
            if (static_cast<unsigned char>(s[i]) < 0x80) {
                ++i;
                continue;
            }
            size_t n = utf8Length(s, i);
            if (n == 0) return false;
            i += n;
        }
        return true;
    }
    static std::string replaceInvalidUtf8(std::string_view s) {
        std::string out;
        for (size_t i = 0; i < s.size();) {
            size_t n = utf8Length(s, i);
            if (n == 0) {
                out += "\xEF\xBF\xBD";
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
        }
        return out;
    }

    static std::string_view trim(std::string_view s) {
        while (!s.empty() &&
               (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() &&
               (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    }

    static json& resolve(json& root, const std::vector<std::string>& place) {
        json* cur = &root;
        for (size_t i = 1; i < place.size(); ++i) {
            json& next = (*cur)[place[i]];
            if (!next.is_object()) next = json::object();
            cur = &next;
        }
        return *cur;
    }

    void warn(const pugi::xml_node& n, const std::string& what) {
        warnings_.push_back(xpathOf(n) + " (regel " + std::to_string(lines_.lineOf(n)) +
                            "): " + what);
    }

    static std::string utf8(std::string_view v) {
        return validUtf8(v) ? std::string(v) : replaceInvalidUtf8(v);
    }

    LineCounter lines_;  ///< Meldingen come in document order: one pass for all their lines.
    std::vector<std::string>& warnings_;
};

}  // namespace

Result<ReadResult> readDossier(std::string_view bytes, const Standard& standard,
                               const ReadOptions& options) {
    pugi::xml_document doc;
    XmlProblem problem;
    if (!parseSafe(bytes, doc, problem, options.limits))
        return Error{problem.code, problem.rule + ": " + problem.text};
    pugi::xml_node root = doc.document_element();
    const Node& rb = standard.root();
    if (!root || localName(root) != rb.name) {
        return Error{ErrorCode::kInvalidInput,
                     "SLUIS.XML04: het hoofdelement is geen '" + rb.name + "' (regel " +
                         std::to_string(root ? lineOf(bytes, root) : 0) + ")"};
    }
    std::string_view rname = root.name();
    auto colon = rname.find(':');
    std::string nsattr =
        colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(rname.substr(0, colon));
    if (standard.ns() != root.attribute(nsattr.c_str()).value()) {
        return Error{ErrorCode::kInvalidInput,
                     "SLUIS.XML04: /" + rb.name + " staat niet in namespace " + standard.ns()};
    }
    ReadResult out;
    out.record = json::object();
    Reader reader(bytes, out.warnings);
    reader.walk(root, rb, out.record, out.record);
    if (options.validate_model) {
        for (const auto& issue : model::ModelDefinition::builtin()->validate(out.record))
            out.warnings.push_back("canoniek model: " + issue.path + ": " + issue.message);
    }
    return out;
}

}  // namespace sluis::oso

#include "mapping/oso/oso_reader.h"

#include <charconv>

#include "core/model/model.h"

namespace sluis::oso {

namespace {

using nlohmann::json;

class Reader {
public:
    Reader(std::string_view bytes, std::vector<std::string>& warnings)
        : bytes_(bytes), warnings_(warnings) {}

    void walk(const pugi::xml_node& el, const Node& bn, json& obj, json& root) {
        for (auto ch = el.first_child(); ch; ch = ch.next_sibling()) {
            if (ch.type() != pugi::node_element) continue;
            auto it = bn.by_name.find(std::string(localName(ch)));
            if (it == bn.by_name.end() || it->second == bn.item.get()) {
                warn(ch, "onbekend element genegeerd");
                continue;
            }
            const Node& cb = *it->second;
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
                if (dest.contains(cb.key)) warn(ch, "element komt vaker voor dan toegestaan");
                dest[cb.key] = readElement(ch, cb, root);
                if (!cb.complex)
                    for (const auto& a : cb.attributes) {
                        auto attr = ch.attribute(a.name.c_str());
                        if (attr) dest[a.key] = attr.value();
                    }
            }
        }
    }

private:
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
                if (attr) obj[a.key] = attr.value();
            }
            return obj;
        }
        return scalar(el, bn);
    }

    json scalar(const pugi::xml_node& el, const Node& bn) {
        std::string_view text = el.child_value();
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
            case JsonKind::kString: break;
        }
        return std::string(text);
    }

    void checkAttachment(const pugi::xml_node& el, std::string_view text) {
        // A ZIP starts with "PK\x03\x04", which is "UEsDB" in base64.
        std::string head;
        for (char c : text) {
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
            head += c;
            if (head.size() == 4) break;
        }
        if (head != "UEsD") warn(el, "bijlage is geen geldig ZIP-bestand; ongewijzigd bewaard");
    }

    static std::string_view trim(std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' ||
                              s.front() == '\t'))
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
        warnings_.push_back(xpathOf(n) + " (regel " + std::to_string(lineOf(bytes_, n)) + "): " +
                            what);
    }

    std::string_view bytes_;
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
                     "OG.XML04: het hoofdelement is geen '" + rb.name + "' (regel " +
                         std::to_string(root ? lineOf(bytes, root) : 0) + ")"};
    }
    std::string_view rname = root.name();
    auto colon = rname.find(':');
    std::string nsattr =
        colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(rname.substr(0, colon));
    if (standard.ns() != root.attribute(nsattr.c_str()).value()) {
        return Error{ErrorCode::kInvalidInput,
                     "OG.XML04: /" + rb.name + " staat niet in namespace " + standard.ns()};
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

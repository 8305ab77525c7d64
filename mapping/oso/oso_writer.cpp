#include "mapping/oso/oso_writer.h"

#include <chrono>
#include <ctime>

namespace sluis::oso {

namespace {

using nlohmann::json;

/// Minimal streaming XML writer (two-space indentation, like the official examples).
class XmlOut {
  public:
    explicit XmlOut(std::string& buf) : buf_(buf) {}

    void open(const std::string& name, const std::string& attrs = {}) {
        indent();
        buf_ += '<';
        buf_ += name;
        buf_ += attrs;
        buf_ += ">\n";
        ++depth_;
    }
    void close(const std::string& name) {
        --depth_;
        indent();
        buf_ += "</";
        buf_ += name;
        buf_ += ">\n";
    }
    void empty(const std::string& name) {
        indent();
        buf_ += '<';
        buf_ += name;
        buf_ += "/>\n";
    }
    void leaf(const std::string& name, const std::string& text, const std::string& attrs = {}) {
        indent();
        buf_ += '<';
        buf_ += name;
        buf_ += attrs;
        buf_ += '>';
        escape(text, false);
        buf_ += "</";
        buf_ += name;
        buf_ += ">\n";
    }
    std::string attr(const std::string& name, const std::string& value) {
        std::string saved;
        saved.swap(buf_);
        buf_ += ' ';
        buf_ += name;
        buf_ += "=\"";
        escape(value, true);
        buf_ += '"';
        saved.swap(buf_);
        return saved;
    }

  private:
    void indent() { buf_.append(static_cast<size_t>(depth_) * 2, ' '); }
    void escape(const std::string& s, bool attribute) {
        for (char c : s) {
            switch (c) {
                case '&':
                    buf_ += "&amp;";
                    break;
                case '<':
                    buf_ += "&lt;";
                    break;
                case '>':
                    buf_ += "&gt;";
                    break;
                case '"':
                    if (attribute)
                        buf_ += "&quot;";
                    else
                        buf_ += c;
                    break;
                case '\r':
                    buf_ += "&#13;";
                    break;
                default:
                    buf_ += c;
            }
        }
    }

    std::string& buf_;
    int depth_ = 0;
};

std::string textOf(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    if (v.is_number()) return v.dump();
    return std::string();
}

json splitWords(const std::string& s) {
    json out = json::array();
    std::string word;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!word.empty()) out.push_back(word);
            word.clear();
        } else {
            word += c;
        }
    }
    if (!word.empty()) out.push_back(word);
    return out;
}

std::string today() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
}

class Writer {
  public:
    Writer(const Standard& s, const Profile& p, std::vector<Delivery> d, const json& root,
           std::vector<std::string>& notes, std::string& buf)
        : std_(s), profile_(p), deliveries_(std::move(d)), root_(root), notes_(notes), out_(buf) {}

    void setMetadata(json md) { metadata_holder_ = json{{"metadata", std::move(md)}}; }

    void writeRoot() {
        const Node& rb = std_.root();
        out_.open(rb.name, out_.attr("xmlns", std_.ns()));
        walk(rb, root_);
        out_.close(rb.name);
    }

  private:
    bool pruned(const Node& n) const {
        if (n.category < 0) return false;
        Delivery d = deliveries_[static_cast<size_t>(n.category)];
        return d == Delivery::kVerboden || d == Delivery::kOptUit;
    }

    const json* source(const Node& cb, const json& obj) const {
        if (cb.path == "dossier/metadata") return &metadata_holder_;
        if (cb.place.empty()) return &obj;
        const json* cur = &root_;
        for (size_t i = 1; i < cb.place.size(); ++i) {
            auto it = cur->find(cb.place[i]);
            if (it == cur->end() || !it->is_object()) return nullptr;
            cur = &*it;
        }
        return cur;
    }

    void walk(const Node& bn, const json& obj) {
        for (const Node& cb : bn.children) {
            if (cb.path == "dossier/overdrachtsoort") {
                out_.leaf(cb.name, profile_.overdrachtsoort);
                continue;
            }
            const json* src = source(cb, obj);
            if (!src || !src->is_object()) continue;
            auto it = src->find(cb.key);
            json split;
            if (it == src->end() || it->is_null()) {
                // A list given only in its one-string form (e.g. voornamen from a LAS export).
                auto wl = std_.wordLists().find(cb.key);
                if (wl == std_.wordLists().end()) continue;
                auto one = src->find(wl->second);
                if (one == src->end() || !one->is_string()) continue;
                split = splitWords(one->get<std::string>());
                if (split.empty()) continue;
                if (pruned(cb) || cb.forbidden || (cb.swv_forbidden && profile_.swv)) continue;
                for (const auto& item : split) element(cb, item, *src);
                continue;
            }
            if (pruned(cb) || cb.forbidden || (cb.swv_forbidden && profile_.swv)) {
                note(cb, "niet uitgeleverd");
                continue;
            }
            const json& v = *it;
            if (cb.name == "adreslijst" && src->value("adresgeheim", false) == true) {
                note(cb, "adres niet uitgeleverd (adresgeheim)");
                continue;
            }
            if (cb.collapse) {
                if (!v.is_array() || v.empty()) {
                    out_.empty(cb.name);
                    continue;
                }
                out_.open(cb.name);
                for (const auto& item : v) element(*cb.item, item, *src);
                out_.close(cb.name);
            } else if (cb.repeated() || cb.wrap) {
                if (!v.is_array()) {
                    element(cb, v, *src);
                    continue;
                }
                for (const auto& item : v) element(cb, item, *src);
            } else {
                element(cb, v, *src);
            }
        }
    }

    void element(const Node& cb, const json& v, const json& parent) {
        if (cb.complex) {
            if (!v.is_object()) return;
            if (v.empty()) {
                out_.empty(cb.name);
                return;
            }
            out_.open(cb.name);
            walk(cb, v);
            out_.close(cb.name);
            return;
        }
        std::string attrs;
        std::string text;
        if (v.is_object()) {  // repeated value with attributes
            text = textOf(v.value("waarde", json()));
            for (const auto& a : cb.attributes)
                if (v.contains(a.key)) attrs += out_.attr(a.name, textOf(v[a.key]));
        } else {
            text = textOf(v);
            if (!cb.repeated())
                for (const auto& a : cb.attributes) {
                    auto it = parent.find(a.key);
                    if (it != parent.end() && !it->is_null())
                        attrs += out_.attr(a.name, textOf(*it));
                }
        }
        if (cb.name == "nummer" && parent.value("geheim", false) == true &&
            parent.contains("soort")) {
            auto mask = std_.secretValues().find(textOf(parent["soort"]));
            if (mask != std_.secretValues().end() && text != mask->second) {
                text = mask->second;
                note(cb, "geheim nummer gemaskeerd");
            }
        }
        out_.leaf(cb.name, text, attrs);
    }

    void note(const Node& cb, const std::string& what) { notes_.push_back(cb.path + ": " + what); }

    const Standard& std_;
    const Profile& profile_;
    std::vector<Delivery> deliveries_;
    const json& root_;
    std::vector<std::string>& notes_;
    XmlOut out_;
    json metadata_holder_;
};

}  // namespace

Result<std::vector<Delivery>> deliveries(const Standard& standard, const std::string& profile,
                                         const std::vector<std::string>& opt_out) {
    const Profile* p = standard.profile(profile);
    if (!p)
        return Error{ErrorCode::kInvalidArgument,
                     "onbekend OSO-profiel '" + profile + "' (POPO, POVO, VOVO, BB, POSWV, VOSWV)"};
    std::vector<Delivery> d = p->categories;
    for (const auto& name : opt_out) {
        int i = standard.categoryIndex(name);
        if (i < 0)
            return Error{ErrorCode::kInvalidArgument, "onbekende OSO-categorie '" + name + "'"};
        Delivery& cur = d[static_cast<size_t>(i)];
        if (cur == Delivery::kVerplicht)
            return Error{ErrorCode::kInvalidArgument, "categorie '" + name +
                                                          "' is VERPLICHT in profiel " + profile +
                                                          " en kan niet worden uitgezet"};
        if (cur == Delivery::kOptioneel) cur = Delivery::kOptUit;
    }
    return d;
}

Result<WriteResult> writeDossier(const json& record, const Standard& standard,
                                 const WriteOptions& options) {
    auto d = deliveries(standard, options.profile, options.opt_out);
    if (!d) return d.error();
    if (!record.is_object())
        return Error{ErrorCode::kInvalidArgument, "het canonieke dossier is geen JSON-object"};
    const Profile& profile = *standard.profile(options.profile);
    WriteResult out;
    out.xml.reserve(64 * 1024);
    out.xml += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    Writer w(standard, profile, *d, record, out.notes, out.xml);
    json rm = record.contains("metadata") && record["metadata"].is_object() ? record["metadata"]
                                                                            : json::object();
    auto pick = [&](const std::string& opt, const char* key, const std::string& def) {
        if (!opt.empty()) return opt;
        if (rm.contains(key) && rm[key].is_string()) return rm[key].get<std::string>();
        return def;
    };
    json md = json::object();
    md["deeldossier"] = pick(options.deeldossier, "deeldossier", "LAS");
    md["pakketnaam"] = pick(options.pakketnaam, "pakketnaam", "Sluis");
    md["pakketversie"] = pick(options.pakketversie, "pakketversie", "1");
    md["datum"] = pick(options.datum, "datum", today());
    md["standaardversie"] = standard.version();
    md["validatieversie"] = standard.validatieversie();
    json cu = json::object();
    for (size_t i = 0; i < standard.categories().size(); ++i)
        cu["cat_" + standard.categories()[i].name] = deliveryName((*d)[i]);
    md["categorie_uitlevering"] = cu;
    if (!profile.overstap.empty()) md["overstap"] = profile.overstap;
    w.setMetadata(std::move(md));
    w.writeRoot();
    return out;
}

}  // namespace sluis::oso

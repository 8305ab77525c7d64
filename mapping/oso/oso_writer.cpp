#include "mapping/oso/oso_writer.h"

#include <algorithm>
#include <optional>

#include "core/util/amsterdam_time.h"

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

// --- Canonical cijfers -> OSO cijferlijstTypelijst (docs/oso.md, "Cijfers") ---------------

/// The kwalificatie of a derived cijferlijst's totaalscore (there is no total in LAS cijfers).
const char* const kNoTotal = "geen totaalscore";

/// Text of a present, non-blank value; empty otherwise.
std::string nonBlank(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) return std::string();
    std::string t = textOf(*it);
    return t.find_first_not_of(" \t\r\n") == std::string::npos ? std::string() : t;
}

/// The first template whose `{field}`s are all non-blank in `obj`, expanded; empty when none.
std::string expand(const std::vector<std::string>& templates, const json& obj) {
    for (const auto& t : templates) {
        std::string out;
        bool ok = true;
        for (size_t i = 0; i < t.size() && ok; ++i) {
            size_t close = t[i] == '{' ? t.find('}', i) : std::string::npos;
            if (close == std::string::npos) {
                out += t[i];
                continue;
            }
            std::string v = nonBlank(obj, t.substr(i + 1, close - i - 1).c_str());
            ok = !v.empty();
            out += v;
            i = close;
        }
        if (ok && !out.empty()) return out;
    }
    return std::string();
}

bool isIsoDate(const std::string& s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

const Node* findList(const Node& n, const std::string& key) {
    if (n.collapse && n.key == key) return &n;
    for (const Node& c : n.children)
        if (const Node* f = findList(c, key)) return f;
    return nullptr;
}

bool needsDerivation(const json& cl) {
    if (!cl.is_object()) return false;
    auto t = cl.find("cijferlijstTypelijst");
    if (t != cl.end() && !t->is_null()) return false;
    auto c = cl.find("cijfers");
    return c != cl.end() && c->is_array() && !c->empty();
}

Error cijferError(const std::string& path, const std::string& what) {
    return Error{ErrorCode::kInvalidArgument,
                 path + ": " + what + "; de cijferlijst kan niet als OSO-cijferlijst worden geschreven"};
}

/// Jaargroep of cijferlijst `cl`: its own `jaargroep`, else its `leerjaar`, else the jaargroep of
/// the record's schoolloopbaan element of the same schooljaar (the first one).
std::string jaargroepOf(const json& cl, const json& record) {
    std::string j = nonBlank(cl, "jaargroep");
    if (j.empty()) j = nonBlank(cl, "leerjaar");
    std::string schooljaar = nonBlank(cl, "schooljaar");
    auto sl = record.find("schoolloopbaan");
    if (j.empty() && !schooljaar.empty() && sl != record.end() && sl->is_array())
        for (const auto& e : *sl)
            if (e.is_object() && nonBlank(e, "schooljaar") == schooljaar) {
                j = nonBlank(e, "jaargroep");
                if (!j.empty()) break;
            }
    return j;
}

/// A copy of `record` whose cijferlijsten given as canonical cijfers carry the derived OSO
/// structure; nullopt when nothing needs deriving (the record is then written as it is).
Result<std::optional<json>> deriveCijferlijsten(const json& record, const Standard& standard,
                                                const std::vector<Delivery>& d,
                                                std::vector<std::string>& notes) {
    const CijfersRule& rule = standard.cijfersRule();
    if (rule.list.empty()) return std::optional<json>();
    auto lists = record.find(rule.list);
    if (lists == record.end() || !lists->is_array() ||
        std::none_of(lists->begin(), lists->end(), needsDerivation))
        return std::optional<json>();
    if (const Node* n = findList(standard.root(), rule.list); n && n->category >= 0) {
        Delivery dv = d[static_cast<size_t>(n->category)];
        if (dv == Delivery::kVerboden || dv == Delivery::kOptUit) return std::optional<json>();
    }
    json copy = record;
    json& out = copy[rule.list];
    for (size_t i = 0; i < out.size(); ++i) {
        json& cl = out[i];
        if (!needsDerivation(cl)) continue;
        std::string path = rule.list + "[" + std::to_string(i) + "]";
        std::string jaargroep = jaargroepOf(cl, record);
        if (jaargroep.empty())
            return cijferError(path + ".jaargroep",
                               "ontbreekt (geen jaargroep, leerjaar of schoolloopbaan voor het "
                               "schooljaar)");
        std::string periode = nonBlank(cl, "periode");
        json onderdelen = json::array();
        bool weging = false;
        const json& cijfers = cl["cijfers"];
        for (size_t k = 0; k < cijfers.size(); ++k) {
            const json& c = cijfers[k];
            std::string cp = path + ".cijfers[" + std::to_string(k) + "]";
            if (!c.is_object()) return cijferError(cp, "is geen object");
            if (nonBlank(c, "vak").empty()) return cijferError(cp + ".vak", "ontbreekt of is leeg");
            std::string waarde = nonBlank(c, "cijfer");
            if (waarde.empty()) return cijferError(cp + ".cijfer", "ontbreekt of is leeg");
            json o = json::object();
            o["naam"] = expand(rule.onderdeel_naam, c);
            if (o["naam"].get<std::string>().empty())
                return cijferError(cp, "geen onderdeelnaam volgens de OSO-gegevens");
            o["score"] = json{{"waarde", waarde}};
            std::string datum = nonBlank(c, "datum");
            if (!datum.empty()) {
                if (!isIsoDate(datum)) return cijferError(cp + ".datum", "geen datum jjjj-mm-dd");
                o["afnamedatum"] = datum;
            }
            o["jaargroep"] = jaargroep;
            if (!periode.empty()) o["periode"] = periode;
            weging = weging || !nonBlank(c, "weging").empty();
            onderdelen.push_back(std::move(o));
        }
        json typelijst = json::object();
        typelijst["naam"] = expand(rule.naam, cl);
        if (typelijst["naam"].get<std::string>().empty())
            return cijferError(path, "geen naam volgens de OSO-gegevens");
        typelijst["onderdeel"] = std::move(onderdelen);
        // The XSD requires a totaalscore and the official rules (OVa.CL01, PaO.CL01) a waarde or
        // kwalificatie in every score. The canonical cijfers have no total and no average is
        // invented: the kwalificatie says so.
        typelijst["score"] = json::array({json{{"kwalificatie", kNoTotal}}});
        cl["cijferlijstTypelijst"] = std::move(typelijst);
        cl["jaargroep"] = jaargroep;
        if (periode.empty())
            cl.erase("periode");
        else
            cl["periode"] = periode;
        if (std::string ad = nonBlank(cl, "afnamedatum"); ad.empty())
            cl.erase("afnamedatum");
        else if (!isIsoDate(ad))
            return cijferError(path + ".afnamedatum", "geen datum jjjj-mm-dd");
        notes.push_back(path + ": cijferlijstTypelijst afgeleid uit " +
                        std::to_string(cijfers.size()) + " cijfers");
        if (weging) notes.push_back(path + ".cijfers[].weging: niet uitgeleverd (OSO kent geen weging)");
    }
    return std::optional<json>(std::move(copy));
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
            if (it == src->end() || it->is_null()) continue;
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
    // OSO has one advies; a double advice is one combined code of code list 2 (the Magister
    // mapping combines Advies + Advies 2 at import). Refused here by path, never at delivery.
    if (auto oa = record.find("overstapadvies"); oa != record.end() && oa->is_object())
        if (auto a = oa->find("advies"); a != oa->end() && a->is_array() && a->size() > 1)
            return Error{ErrorCode::kValidationFailed,
                         "overstapadvies.advies: " + std::to_string(a->size()) +
                             " adviezen, maar een OSO-dossier heeft er één; geef een dubbel advies "
                             "als de gecombineerde code uit OSO-codelijst 2 (bijvoorbeeld vmbo-gt/havo)"};
    WriteResult out;
    out.xml.reserve(64 * 1024);
    out.xml += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    auto derived = deriveCijferlijsten(record, standard, *d, out.notes);
    if (!derived) return derived.error();
    Writer w(standard, profile, *d, *derived ? **derived : record, out.notes, out.xml);
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
    // The day of writing is a Dutch school's day: its date in Europe/Amsterdam, not in UTC
    // (between midnight and 01:00/02:00 local time UTC still has yesterday).
    std::string datum = pick(options.datum, "datum", "");
    if (datum.empty()) {
        if (!options.now)
            return Error{ErrorCode::kInvalidArgument,
                         "metadata.datum: geen datum opgegeven en geen tijdstip van omzetten"};
        datum = amsterdam::formatDate(amsterdam::localDate(*options.now));
    }
    md["datum"] = datum;
    md["standaardversie"] = standard.version();
    md["validatieversie"] = standard.validatieversie();
    json cu = json::object();
    for (size_t i = 0; i < standard.categories().size(); ++i)
        cu["cat_" + standard.categories()[i].name] = deliveryName((*d)[i]);
    md["categorie_uitlevering"] = cu;
    // BB (overdrachtbinnenbrin) has no overstap of its own; one the record carries (an OV
    // overstap value, as in the official BB examples) is kept.
    std::string overstap = profile.overstap.empty() ? pick("", "overstap", "") : profile.overstap;
    if (!overstap.empty()) md["overstap"] = overstap;
    w.setMetadata(std::move(md));
    w.writeRoot();
    return out;
}

}  // namespace sluis::oso

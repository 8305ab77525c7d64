#include "mapping/vensters/indicator_set.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>

#include "core/util/fs.h"
#include "core/util/json.h"

namespace sluis::embedded {
extern const std::string_view kVenstersIndicatorsJson;  // generated from the config file
}

namespace sluis::vensters {

using embedded::kVenstersIndicatorsJson;

namespace {

using nlohmann::json;

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

/// Collects problems with their JSON path.
class Checker {
  public:
    explicit Checker(std::string source) : source_(std::move(source)) {}
    void fail(const std::string& path, const std::string& what) {
        errors_.push_back(source_ + ": " + path + ": " + what);
    }
    bool ok() const { return errors_.empty(); }
    Error error() const {
        std::string msg;
        for (const auto& e : errors_) msg += (msg.empty() ? "" : "\n") + e;
        return Error{ErrorCode::kInvalidConfig, msg};
    }

    std::string str(const json& obj, const std::string& key, const std::string& path,
                    bool required = true) {
        if (!obj.contains(key)) {
            if (required) fail(path + "." + key, "verplicht veld ontbreekt");
            return "";
        }
        if (!obj[key].is_string() || obj[key].get<std::string>().empty()) {
            fail(path + "." + key, "verwacht een niet-lege tekst");
            return "";
        }
        return obj[key].get<std::string>();
    }
    int integer(const json& obj, const std::string& key, const std::string& path, int lo, int hi) {
        if (!obj.contains(key)) {
            fail(path + "." + key, "verplicht veld ontbreekt");
            return lo;
        }
        if (!obj[key].is_number_integer() || obj[key].get<long long>() < lo ||
            obj[key].get<long long>() > hi) {
            fail(path + "." + key, "verwacht een geheel getal van " + std::to_string(lo) + " t/m " +
                                       std::to_string(hi));
            return lo;
        }
        return obj[key].get<int>();
    }
    const json& array(const json& obj, const std::string& key, const std::string& path) {
        static const json empty = json::array();
        if (!obj.contains(key) || !obj[key].is_array() || obj[key].empty()) {
            fail(path + "." + key, "verwacht een niet-lege lijst");
            return empty;
        }
        return obj[key];
    }

  private:
    std::string source_;
    std::vector<std::string> errors_;
};

/// "3.00" / "3.5" / "3" -> 300 / 350 / 300; -1 when malformed.
int parseHundredths(const std::string& s) {
    static const std::regex re("^([0-9]{1,3})(?:\\.([0-9]{1,2}))?$");
    std::smatch m;
    if (!std::regex_match(s, m, re)) return -1;
    int whole = std::stoi(m[1]);
    std::string frac = m[2].matched ? m[2].str() : "0";
    if (frac.size() == 1) frac += "0";
    return whole * 100 + std::stoi(frac);
}

const std::regex& idPattern() {
    static const std::regex re("^[A-Za-z][A-Za-z0-9_]{0,31}$");
    return re;
}

}  // namespace

const Scale* IndicatorSet::scale(const std::string& id) const {
    for (const auto& s : scales)
        if (s.id == id) return &s;
    return nullptr;
}

const Question* IndicatorSet::question(const std::string& id) const {
    int i = questionIndex(id);
    return i < 0 ? nullptr : &questions[static_cast<size_t>(i)];
}

int IndicatorSet::questionIndex(const std::string& id) const {
    for (size_t i = 0; i < questions.size(); ++i)
        if (questions[i].id == id) return static_cast<int>(i);
    return -1;
}

const SchoolType* IndicatorSet::schoolType(std::string_view code) const {
    for (const auto& t : school_types)
        if (equalsIgnoreCase(t.code, code)) return &t;
    return nullptr;
}

Result<IndicatorSet> parseIndicatorSet(std::string_view json_text, const std::string& source_name) {
    json root = util::parseJsonOrDiscarded(json_text);
    if (root.is_discarded() || !root.is_object())
        return Error{ErrorCode::kInvalidConfig, source_name + ": geen geldig JSON-object"};
    Checker c(source_name);
    IndicatorSet set;
    set.version = c.str(root, "versie", "versie");

    static const std::set<std::string> kRootKeys = {"versie",  "toelichting", "onderwijssoorten",
                                                    "schalen", "vragen",      "indicatoren"};
    for (auto& [k, v] : root.items())
        if (!kRootKeys.count(k)) c.fail(k, "onbekend veld");

    std::set<std::string> seen;
    const json& types = c.array(root, "onderwijssoorten", "onderwijssoorten");
    for (size_t i = 0; i < types.size(); ++i) {
        std::string p = "onderwijssoorten[" + std::to_string(i) + "]";
        if (!types[i].is_object()) {
            c.fail(p, "verwacht een object");
            continue;
        }
        SchoolType t{c.str(types[i], "code", p), c.str(types[i], "naam", p),
                     c.integer(types[i], "max_leerjaar", p, 1, 8)};
        std::string lc = t.code;
        std::transform(lc.begin(), lc.end(), lc.begin(), ::tolower);
        if (!t.code.empty() && !seen.insert(lc).second) c.fail(p + ".code", "dubbele code");
        set.school_types.push_back(t);
    }

    if (!root.contains("schalen") || !root["schalen"].is_object() || root["schalen"].empty()) {
        c.fail("schalen", "verwacht een niet-leeg object");
    } else {
        for (auto& [id, s] : root["schalen"].items()) {
            std::string p = "schalen." + id;
            if (!s.is_object()) {
                c.fail(p, "verwacht een object");
                continue;
            }
            Scale sc{id, c.integer(s, "min", p, 0, 9), c.integer(s, "max", p, 0, 9),
                     s.contains("toelichting") && s["toelichting"].is_string()
                         ? s["toelichting"].get<std::string>()
                         : ""};
            if (sc.max <= sc.min) c.fail(p, "max moet groter zijn dan min");
            set.scales.push_back(sc);
        }
    }

    seen.clear();
    const json& qs = c.array(root, "vragen", "vragen");
    for (size_t i = 0; i < qs.size(); ++i) {
        std::string p = "vragen[" + std::to_string(i) + "]";
        if (!qs[i].is_object()) {
            c.fail(p, "verwacht een object");
            continue;
        }
        Question q{c.str(qs[i], "id", p), c.str(qs[i], "tekst", p), c.str(qs[i], "schaal", p),
                   false};
        if (qs[i].contains("omgekeerd")) {
            if (!qs[i]["omgekeerd"].is_boolean())
                c.fail(p + ".omgekeerd", "verwacht true of false");
            else
                q.reversed = qs[i]["omgekeerd"].get<bool>();
        }
        if (!q.id.empty() && !std::regex_match(q.id, idPattern()))
            c.fail(p + ".id", "verwacht letters, cijfers en _ (begint met een letter)");
        static const std::set<std::string> kFixed = {"respondent", "brin", "vestiging",
                                                     "onderwijssoort", "leerjaar"};
        std::string lc = q.id;
        std::transform(lc.begin(), lc.end(), lc.begin(), ::tolower);
        if (kFixed.count(lc)) c.fail(p + ".id", "botst met een vaste kolomnaam");
        if (!q.id.empty() && !seen.insert(lc).second) c.fail(p + ".id", "dubbele vraag");
        if (!q.scale.empty() && set.scale(q.scale) == nullptr)
            c.fail(p + ".schaal", "onbekende schaal");
        set.questions.push_back(q);
    }

    seen.clear();
    const json& inds = c.array(root, "indicatoren", "indicatoren");
    for (size_t i = 0; i < inds.size(); ++i) {
        std::string p = "indicatoren[" + std::to_string(i) + "]";
        if (!inds[i].is_object()) {
            c.fail(p, "verwacht een object");
            continue;
        }
        Indicator ind;
        ind.id = c.str(inds[i], "id", p);
        ind.name = c.str(inds[i], "naam", p);
        ind.description = c.str(inds[i], "toelichting", p, false);
        std::string kind = c.str(inds[i], "soort", p);
        if (kind == "gemiddelde") {
            ind.kind = IndicatorKind::kMean;
        } else if (kind == "percentage_ja") {
            ind.kind = IndicatorKind::kAnyYes;
        } else if (!kind.empty()) {
            c.fail(p + ".soort", "verwacht \"gemiddelde\" of \"percentage_ja\"");
        }
        if (!ind.id.empty() && !std::regex_match(ind.id, idPattern()))
            c.fail(p + ".id", "verwacht letters, cijfers en _ (begint met een letter)");
        if (!ind.id.empty() && !seen.insert(ind.id).second) c.fail(p + ".id", "dubbele indicator");
        const json& vq = c.array(inds[i], "vragen", p);
        std::set<std::string> in_ind;
        std::string first_scale;
        for (size_t j = 0; j < vq.size(); ++j) {
            std::string pj = p + ".vragen[" + std::to_string(j) + "]";
            if (!vq[j].is_string()) {
                c.fail(pj, "verwacht een vraag-id");
                continue;
            }
            std::string qid = vq[j].get<std::string>();
            const Question* q = set.question(qid);
            if (q == nullptr) {
                c.fail(pj, "onbekende vraag " + qid);
                continue;
            }
            if (!in_ind.insert(qid).second) c.fail(pj, "vraag staat dubbel in de indicator");
            if (first_scale.empty()) first_scale = q->scale;
            if (q->scale != first_scale)
                c.fail(pj, "alle vragen van een indicator moeten dezelfde schaal hebben");
            ind.questions.push_back(qid);
        }
        if (ind.questions.size() > 20) c.fail(p + ".vragen", "hoogstens 20 vragen per indicator");
        ind.min_answered =
            c.integer(inds[i], "min_beantwoord", p, 1, std::max<int>(1, ind.questions.size()));
        const Scale* sc = set.scale(first_scale);
        if (ind.kind == IndicatorKind::kMean) {
            std::string t = c.str(inds[i], "drempel_positief", p);
            ind.positive_threshold_x100 = t.empty() ? 0 : parseHundredths(t);
            if (!t.empty() && ind.positive_threshold_x100 < 0)
                c.fail(p + ".drempel_positief", "verwacht een getal als \"3.00\"");
            else if (sc != nullptr && !t.empty() &&
                     (ind.positive_threshold_x100 < sc->min * 100 ||
                      ind.positive_threshold_x100 > sc->max * 100))
                c.fail(p + ".drempel_positief", "ligt buiten de schaal van de vragen");
        } else if (inds[i].contains("drempel_positief")) {
            c.fail(p + ".drempel_positief", "alleen voor soort \"gemiddelde\"");
        }
        if (ind.kind == IndicatorKind::kAnyYes && sc != nullptr && (sc->min != 0 || sc->max != 1))
            c.fail(p + ".vragen", "percentage_ja vraagt ja/nee-vragen (schaal 0-1)");
        set.indicators.push_back(ind);
    }
    if (!c.ok()) return c.error();
    return set;
}

Result<IndicatorSet> loadIndicatorSet(const std::filesystem::path& path) {
    auto text = util::readFile(path, 4u << 20);
    if (!text) return text.error();
    return parseIndicatorSet(*text, path.filename().string());
}

std::string_view builtinIndicatorSetJson() { return kVenstersIndicatorsJson; }

const IndicatorSet& builtinIndicatorSet() {
    static const IndicatorSet set = [] {
        auto r = parseIndicatorSet(kVenstersIndicatorsJson, "config/vensters/indicatoren.json");
        if (!r)
            throw std::logic_error("ingebouwde Vensters-indicatorenset ongeldig: " +
                                   r.error().message);
        return std::move(r).value();
    }();
    return set;
}

}  // namespace sluis::vensters

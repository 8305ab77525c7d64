// somtoday-json: the explicit mapping between a SomToday-style pupil bundle and the canonical
// leerlingdossier. The declarative engine (mapping/declarative) is CSV-shaped, so this mapping is
// written out here as small tables; docs/connectors/somtoday.md lists the same tables.
#include "mapping/somtoday/somtoday_mapper.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/model/bsn.h"
#include "core/model/model.h"
#include "core/util/text.h"
#include "core/util/json.h"

namespace sluis::mapping {

using nlohmann::json;

namespace {

constexpr size_t kMaxProblems = 50;
constexpr size_t kMaxInputBytes = 16u * 1024u * 1024u;

struct Code {
    const char* somtoday;
    const char* canonical;
};

const Code kGeslacht[] = {
    {"Man", "1"}, {"Vrouw", "2"}, {"Onbekend", "0"}, {"NietGespecificeerd", "9"}};
const Code kRelatie[] = {{"Vader", "vader"},           {"Moeder", "moeder"},
                         {"Pleegouder", "pleegouder"}, {"Voogd", "voogd"},
                         {"Grootouder", "grootouder"}, {"Stiefouder", "stiefouder"},
                         {"Broer", "broer"},           {"Zus", "zus"},
                         {"Overig", "overig"}};
const Code kReden[] = {{"Ziek", "ziek"},
                       {"Medisch", "medisch"},
                       {"Huisarts", "huisarts"},
                       {"Tandarts", "tandarts"},
                       {"Specialist", "specialist"},
                       {"Familieomstandigheden", "familieomstandigheden"},
                       {"Religieus", "religieus"},
                       {"Verlof", "verlof"},
                       {"TeLaat", "te-laat"},
                       {"Spijbelen", "spijbelen"},
                       {"Schorsing", "schorsing"},
                       {"Overig", "overig"}};

template <size_t N>
std::string codeNames(const Code (&table)[N]) {
    std::string out;
    for (const auto& c : table) out += (out.empty() ? "" : ", ") + std::string(c.somtoday);
    return out;
}

template <size_t N>
const char* toCanonical(const Code (&table)[N], const std::string& v) {
    for (const auto& c : table)
        if (v == c.somtoday) return c.canonical;
    return nullptr;
}

template <size_t N>
const char* toSomtoday(const Code (&table)[N], const std::string& v) {
    for (const auto& c : table)
        if (v == c.canonical) return c.somtoday;
    return nullptr;
}

/// Reads typed fields from one JSON object, collecting problems with their bundle path.
class Reader {
  public:
    Reader(const json& obj, std::string path, std::vector<std::string>& problems)
        : obj_(obj), path_(std::move(path)), problems_(problems) {}

    std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
    void problem(const std::string& key, const std::string& message) const {
        problems_.push_back(at(key) + ": " + message);
    }
    const json* get(const std::string& key) const {
        auto it = obj_.find(key);
        if (it == obj_.end() || it->is_null()) return nullptr;
        if (it->is_string() && it->get_ref<const std::string&>().empty()) return nullptr;
        return &*it;
    }

    /// A text field (a JSON number is accepted for identifier-like fields when `numbers`).
    bool text(const std::string& key, json& out, const std::string& field, bool required,
              bool numbers = false) const {
        const json* v = get(key);
        if (v == nullptr) {
            if (required) problem(key, "verplicht veld ontbreekt");
            return false;
        }
        if (v->is_string()) {
            out[field] = *v;
            return true;
        }
        if (numbers && v->is_number_integer()) {
            out[field] = v->dump();
            return true;
        }
        problem(key, numbers ? "verwacht tekst of een geheel getal" : "verwacht tekst");
        return false;
    }
    bool date(const std::string& key, json& out, const std::string& field, bool required) const {
        const json* v = get(key);
        if (v == nullptr) {
            if (required) problem(key, "verplicht veld ontbreekt");
            return false;
        }
        if (!v->is_string() || !model::isValidIsoDate(v->get_ref<const std::string&>())) {
            problem(key, "verwacht een datum JJJJ-MM-DD");
            return false;
        }
        out[field] = *v;
        return true;
    }
    bool integer(const std::string& key, json& out, const std::string& field) const {
        const json* v = get(key);
        if (v == nullptr) return false;
        if (!v->is_number_integer()) {
            problem(key, "verwacht een geheel getal");
            return false;
        }
        out[field] = *v;
        return true;
    }
    bool boolean(const std::string& key, json& out, const std::string& field, bool required) const {
        const json* v = get(key);
        if (v == nullptr) {
            if (required) problem(key, "verplicht veld ontbreekt");
            return false;
        }
        if (!v->is_boolean()) {
            problem(key, "verwacht true of false");
            return false;
        }
        out[field] = *v;
        return true;
    }
    template <size_t N>
    bool code(const std::string& key, const Code (&table)[N], json& out,
              const std::string& field) const {
        const json* v = get(key);
        if (v == nullptr) return false;
        const char* c = v->is_string() ? toCanonical(table, v->get<std::string>()) : nullptr;
        if (c == nullptr) {
            problem(key, "onbekende code (geldig: " + codeNames(table) + ")");
            return false;
        }
        out[field] = c;
        return true;
    }
    /// A nested object; nullptr when absent, a problem when not an object.
    const json* object(const std::string& key) const {
        const json* v = get(key);
        if (v == nullptr) return nullptr;
        if (!v->is_object()) {
            problem(key, "verwacht een object");
            return nullptr;
        }
        return v;
    }

    std::vector<std::string>& problems() const { return problems_; }
    const json& raw() const { return obj_; }

  private:
    const json& obj_;
    std::string path_;
    std::vector<std::string>& problems_;
};

void readAdres(const Reader& parent, const std::string& key, json& person) {
    const json* a = parent.object(key);
    if (a == nullptr) return;
    Reader r(*a, parent.at(key), parent.problems());
    json adres = {{"soortadres", "gba"}};
    r.text("straat", adres, "straat", false);
    r.text("huisnummer", adres, "nummer", false, true);
    r.text("huisnummertoevoeging", adres, "toevoeging", false);
    r.text("postcode", adres, "postcode", false);
    r.text("woonplaats", adres, "plaats", false);
    r.text("land", adres, "land", false);
    if (adres.size() > 1) person["adressen"] = json::array({adres});
}

void readCommunicatie(const Reader& r, const std::string& email_key, const std::string& tel_key,
                      json& person) {
    json list = json::array();
    json c;
    if (r.text(email_key, c, "nummer", false))
        list.push_back({{"soort", "e-mail"}, {"aanduiding", "prive"}, {"nummer", c["nummer"]}});
    c = json::object();
    if (r.text(tel_key, c, "nummer", false))
        list.push_back({{"soort", "telefoon"}, {"aanduiding", "prive"}, {"nummer", c["nummer"]}});
    if (!list.empty()) person["communicatie"] = std::move(list);
}

void readNames(const Reader& r, json& person) {
    json names;
    if (r.text("voornamen", names, "voornamen", false)) {
        // SomToday gives one string; the canonical list has one element per name.
        json list = json::array();
        for (auto& w : util::splitWords(names["voornamen"].get<std::string>()))
            list.push_back(std::move(w));
        if (!list.empty()) person["voornamenlijst"] = std::move(list);
    }
    r.text("voorletters", person, "voorletters", false);
    r.text("roepnaam", person, "roepnaam", false);
    r.text("voorvoegsel", person, "voorvoegsel", false);
    r.text("achternaam", person, "achternaam", true);
    r.code("geslacht", kGeslacht, person, "geslacht");
}

/// The elements of a list in the bundle; problems for a non-list or a non-object element.
std::vector<std::pair<std::string, const json*>> listOf(const json& bundle, const std::string& key,
                                                        std::vector<std::string>& problems) {
    std::vector<std::pair<std::string, const json*>> out;
    auto it = bundle.find(key);
    if (it == bundle.end() || it->is_null()) return out;
    if (!it->is_array()) {
        problems.push_back(key + ": verwacht een lijst");
        return out;
    }
    for (size_t i = 0; i < it->size(); ++i) {
        std::string path = key + "[" + std::to_string(i) + "]";
        if (!(*it)[i].is_object())
            problems.push_back(path + ": verwacht een object");
        else
            out.emplace_back(path, &(*it)[i]);
    }
    return out;
}

/// Checks the element's `leerlingId` against `leerling.id` when both are present.
void checkOwner(const Reader& r, const json* leerling_id) {
    const json* owner = r.get("leerlingId");
    if (owner == nullptr || leerling_id == nullptr) return;
    if (*owner != *leerling_id)
        r.problem("leerlingId", "hoort bij een andere leerling dan leerling.id");
}

void decodeLeerling(const Reader& r, const json& options, json& record) {
    json l = json::object();
    r.text("leerlingnummer", l, "leerlingid", true, true);
    if (const json* bsn = r.get("bsn")) {
        if (!bsn->is_string() || bsn->get_ref<const std::string&>().size() != 9 ||
            !model::isValidBsn(bsn->get_ref<const std::string&>()))
            r.problem("bsn", "geen geldig BSN (9 cijfers, elfproef)");
        else
            l["bsn"] = *bsn;
    }
    readNames(r, l);
    r.date("geboortedatum", l, "geboortedatum", true);
    r.text("stamgroep", l, "groep", false);
    r.integer("leerjaar", l, "leerjaar");
    readAdres(r, "adres", l);
    readCommunicatie(r, "email", "mobielNummer", l);
    record["leerling"] = std::move(l);

    if (const json* v = r.object("vestiging")) {
        Reader vr(*v, r.at("vestiging"), r.problems());
        json school = json::object();
        vr.text("naam", school, "naam", true);
        vr.text("brinNummer", school, "brincode", true);
        vr.text("vestigingsnummer", school, "vestigingscode", false);
        record["school"] = std::move(school);
    } else if (r.get("vestiging") == nullptr) {
        if (options.contains("school") && options["school"].is_object())
            record["school"] = options["school"];
        else
            r.problem("vestiging", "ontbreekt (en decoder-optie school is niet gezet)");
    }
}

void decodeVerzorgers(const json& bundle, const json* leerling_id, json& record,
                      std::vector<std::string>& problems) {
    json list = json::array();
    for (const auto& [path, obj] : listOf(bundle, "verzorgers", problems)) {
        Reader r(*obj, path, problems);
        checkOwner(r, leerling_id);
        json v = json::object();
        readNames(r, v);
        r.code("relatie", kRelatie, v, "relatietotkind");
        r.boolean("wettelijkVertegenwoordiger", v, "gezag", false);
        readAdres(r, "adres", v);
        readCommunicatie(r, "email", "telefoonnummer", v);
        list.push_back(std::move(v));
    }
    if (!list.empty()) record["verzorgers"] = std::move(list);
}

void decodeResultaten(const json& bundle, const json* leerling_id, json& record,
                      std::vector<std::string>& problems) {
    json lists = json::array();
    std::map<std::string, size_t> index;  // schooljaar|periode|leerjaar -> element of `lists`
    for (const auto& [path, obj] : listOf(bundle, "resultaten", problems)) {
        Reader r(*obj, path, problems);
        checkOwner(r, leerling_id);
        json cijfer = json::object();
        if (const json* vak = r.object("vak")) {
            Reader vr(*vak, r.at("vak"), problems);
            vr.text("afkorting", cijfer, "vak", true);
        } else if (r.get("vak") == nullptr) {
            r.problem("vak", "verplicht veld ontbreekt");
        }
        r.text("omschrijving", cijfer, "toets", false);
        if (const json* res = r.get("resultaat")) {
            if (res->is_string())
                cijfer["cijfer"] = *res;
            else if (res->is_number())
                cijfer["cijfer"] = res->dump();
            else
                r.problem("resultaat", "verwacht tekst of een getal");
        } else {
            r.problem("resultaat", "verplicht veld ontbreekt");
        }
        if (const json* w = r.get("weging")) {
            if (w->is_number())
                cijfer["weging"] = *w;
            else
                r.problem("weging", "verwacht een getal");
        }
        r.date("datum", cijfer, "datum", false);
        json group = json::object();
        r.text("schooljaar", group, "schooljaar", false);
        r.text("periode", group, "periode", false, true);
        r.integer("leerjaar", group, "leerjaar");
        std::string key = group.dump();
        auto it = index.find(key);
        if (it == index.end()) {
            it = index.emplace(key, lists.size()).first;
            group["cijfers"] = json::array();
            lists.push_back(std::move(group));
        }
        lists[it->second]["cijfers"].push_back(std::move(cijfer));
    }
    if (!lists.empty()) record["cijferlijsten"] = std::move(lists);
}

void decodeAbsenties(const json& bundle, const json* leerling_id, json& record,
                     std::vector<std::string>& problems) {
    json list = json::array();
    for (const auto& [path, obj] : listOf(bundle, "absenties", problems)) {
        Reader r(*obj, path, problems);
        checkOwner(r, leerling_id);
        json m = json::object();
        r.date("datum", m, "datum", true);
        r.integer("lesuur", m, "uur");
        json g;
        if (r.boolean("geoorloofd", g, "g", true))
            m["soort"] = g["g"].get<bool>() ? "geoorloofd" : "ongeoorloofd";
        r.code("reden", kReden, m, "reden");
        r.text("opmerking", m, "toelichting", false);
        list.push_back(std::move(m));
    }
    if (!list.empty()) record["verzuim"] = {{"meldingen", std::move(list)}};
}

// ---- reverse ----

void put(json& out, const std::string& key, const json& src, const std::string& field) {
    auto it = src.find(field);
    if (it != src.end() && !it->is_null()) out[key] = *it;
}

json adresOut(const json& person) {
    auto it = person.find("adressen");
    if (it == person.end() || !it->is_array() || it->empty()) return nullptr;
    const json& a = (*it)[0];
    json out = json::object();
    put(out, "straat", a, "straat");
    put(out, "huisnummer", a, "nummer");
    put(out, "huisnummertoevoeging", a, "toevoeging");
    put(out, "postcode", a, "postcode");
    put(out, "woonplaats", a, "plaats");
    put(out, "land", a, "land");
    return out;
}

void communicatieOut(const json& person, json& out, const std::string& email_key,
                     const std::string& tel_key) {
    auto it = person.find("communicatie");
    if (it == person.end() || !it->is_array()) return;
    for (const auto& c : *it) {
        std::string soort = c.value("soort", "");
        const std::string& key = soort == "e-mail" ? email_key : tel_key;
        if ((soort == "e-mail" || soort == "telefoon") && !out.contains(key))
            put(out, key, c, "nummer");
    }
}

void namesOut(const json& person, json& out) {
    auto names = person.find("voornamenlijst");
    if (names != person.end() && names->is_array() && !names->empty()) {
        std::string joined;
        for (const auto& w : *names)
            if (w.is_string()) joined += (joined.empty() ? "" : " ") + w.get<std::string>();
        out["voornamen"] = joined;
    }
    for (const char* f : {"voorletters", "roepnaam", "voorvoegsel", "achternaam"})
        put(out, f, person, f);
    if (person.contains("geslacht") && person["geslacht"].is_string())
        if (const char* g = toSomtoday(kGeslacht, person["geslacht"].get<std::string>()))
            out["geslacht"] = g;
}

/// Every leaf of `v` as "path=value" (indices written `[]`), for an order-insensitive compare.
void leaves(const json& v, const std::string& path, std::multiset<std::string>& out) {
    if (v.is_object()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            leaves(it.value(), path.empty() ? it.key() : path + "." + it.key(), out);
    } else if (v.is_array()) {
        for (const auto& e : v) leaves(e, path + "[]", out);
    } else if (!v.is_null()) {
        out.insert(path + "=" + (v.is_number() ? json(v.get<double>()).dump() : v.dump()));
    }
}

}  // namespace

bool somtodayBundleToCanonical(const json& bundle, const json& options, json& record,
                               std::vector<std::string>& problems) {
    size_t before = problems.size();
    record = json::object();
    if (!bundle.is_object()) {
        problems.push_back(
            "(hoofdniveau): verwacht een object met leerling, verzorgers, "
            "resultaten en absenties");
        return false;
    }
    auto it = bundle.find("leerling");
    if (it == bundle.end() || !it->is_object()) {
        problems.push_back("leerling: verplicht object ontbreekt");
        return false;
    }
    Reader lr(*it, "leerling", problems);
    decodeLeerling(lr, options, record);
    const json* leerling_id = lr.get("id");
    decodeVerzorgers(bundle, leerling_id, record, problems);
    decodeResultaten(bundle, leerling_id, record, problems);
    decodeAbsenties(bundle, leerling_id, record, problems);
    if (problems.size() > before) return false;
    for (const auto& issue : model::ModelDefinition::builtin()->validate(record))
        problems.push_back("canoniek veld " + issue.path + ": " + issue.message);
    return problems.size() == before;
}

json canonicalToSomtodayBundle(const json& record, std::vector<std::string>& unmapped) {
    json bundle = json::object();
    json l = json::object();
    const json& cl = record.contains("leerling") ? record["leerling"] : json::object();
    put(l, "leerlingnummer", cl, "leerlingid");
    put(l, "bsn", cl, "bsn");
    namesOut(cl, l);
    put(l, "geboortedatum", cl, "geboortedatum");
    put(l, "stamgroep", cl, "groep");
    put(l, "leerjaar", cl, "leerjaar");
    json adres = adresOut(cl);
    if (!adres.is_null()) l["adres"] = std::move(adres);
    communicatieOut(cl, l, "email", "mobielNummer");
    if (record.contains("school") && record["school"].is_object()) {
        json v = json::object();
        put(v, "naam", record["school"], "naam");
        put(v, "brinNummer", record["school"], "brincode");
        put(v, "vestigingsnummer", record["school"], "vestigingscode");
        l["vestiging"] = std::move(v);
    }
    bundle["leerling"] = std::move(l);

    json verzorgers = json::array();
    if (record.contains("verzorgers") && record["verzorgers"].is_array())
        for (const auto& cv : record["verzorgers"]) {
            json v = json::object();
            namesOut(cv, v);
            if (cv.contains("relatietotkind") && cv["relatietotkind"].is_string())
                if (const char* r = toSomtoday(kRelatie, cv["relatietotkind"].get<std::string>()))
                    v["relatie"] = r;
            put(v, "wettelijkVertegenwoordiger", cv, "gezag");
            json a = adresOut(cv);
            if (!a.is_null()) v["adres"] = std::move(a);
            communicatieOut(cv, v, "email", "telefoonnummer");
            verzorgers.push_back(std::move(v));
        }
    bundle["verzorgers"] = std::move(verzorgers);

    json resultaten = json::array();
    if (record.contains("cijferlijsten") && record["cijferlijsten"].is_array())
        for (const auto& lijst : record["cijferlijsten"]) {
            if (!lijst.contains("cijfers") || !lijst["cijfers"].is_array()) continue;
            for (const auto& c : lijst["cijfers"]) {
                json r = json::object();
                if (c.contains("vak")) r["vak"] = {{"afkorting", c["vak"]}};
                put(r, "omschrijving", c, "toets");
                put(r, "resultaat", c, "cijfer");
                put(r, "weging", c, "weging");
                put(r, "datum", c, "datum");
                put(r, "schooljaar", lijst, "schooljaar");
                put(r, "periode", lijst, "periode");
                put(r, "leerjaar", lijst, "leerjaar");
                resultaten.push_back(std::move(r));
            }
        }
    bundle["resultaten"] = std::move(resultaten);

    json absenties = json::array();
    if (record.contains("verzuim") && record["verzuim"].contains("meldingen") &&
        record["verzuim"]["meldingen"].is_array())
        for (const auto& m : record["verzuim"]["meldingen"]) {
            json a = json::object();
            put(a, "datum", m, "datum");
            put(a, "lesuur", m, "uur");
            if (m.contains("soort")) a["geoorloofd"] = m["soort"] == "geoorloofd";
            if (m.contains("reden") && m["reden"].is_string())
                if (const char* r = toSomtoday(kReden, m["reden"].get<std::string>()))
                    a["reden"] = r;
            put(a, "opmerking", m, "toelichting");
            absenties.push_back(std::move(a));
        }
    bundle["absenties"] = std::move(absenties);

    // What the bundle cannot carry: decode it again and see which canonical leaves are missing.
    json back;
    std::vector<std::string> ignored;
    (void)somtodayBundleToCanonical(bundle, json::object(), back, ignored);
    std::multiset<std::string> want;
    std::multiset<std::string> got;
    leaves(record, "", want);
    leaves(back, "", got);
    std::set<std::string> paths;
    for (const auto& leaf : got) {
        auto w = want.find(leaf);
        if (w != want.end()) want.erase(w);
    }
    for (const auto& leaf : want) paths.insert(leaf.substr(0, leaf.find('=')));
    unmapped.assign(paths.begin(), paths.end());
    return bundle;
}

namespace {

class SomtodayDecoder final : public mapper::Decoder {
  public:
    std::string name() const override { return "somtoday-json"; }
    std::vector<mapper::OptionSpec> options() const override {
        return {{"school", connector::OptionType::kObject, nullptr, false, false,
                 "gegevens van de school"}};
    }

    Result<mapper::DecodedBatch> decode(std::string_view bytes,
                                        const mapper::DecodeContext& ctx) const override {
        std::string source = ctx.source_name.empty() ? "invoer" : ctx.source_name;
        for (auto it = ctx.options.begin(); it != ctx.options.end(); ++it)
            if (it.key() != "school")
                return Error{ErrorCode::kInvalidConfig,
                             "somtoday-json: onbekende optie " + it.key() + "; geldig: school"};
        if (bytes.size() > kMaxInputBytes)
            return Error{ErrorCode::kTooLarge, source + ": groter dan 16 MiB"};
        json bundle;
        try {
            bundle = util::parseJson(bytes, "SomToday-gegevens");
        } catch (const util::JsonTooDeep& e) {
            return Error{ErrorCode::kInvalidInput, source + ": " + e.what()};
        } catch (const json::parse_error& e) {
            // e.what() may quote the input; only the position is reported.
            return Error{ErrorCode::kInvalidInput, source + ": geen geldige JSON (fout bij byte " +
                                                       std::to_string(e.byte) + ")"};
        }
        json record;
        std::vector<std::string> problems;
        if (!somtodayBundleToCanonical(bundle, ctx.options, record, problems)) {
            std::string msg = source + ": " + std::to_string(problems.size()) +
                              (problems.size() == 1 ? " fout" : " fouten");
            for (size_t i = 0; i < problems.size() && i < kMaxProblems; ++i)
                msg += "\n  " + problems[i];
            return Error{ErrorCode::kValidationFailed, msg};
        }
        mapper::DecodedBatch batch;
        batch.records.push_back(std::move(record));
        return batch;
    }
};

class SomtodayEncoder final : public mapper::Encoder {
  public:
    std::string name() const override { return "somtoday-json"; }
    std::vector<mapper::OptionSpec> options() const override {
        return {{"unmapped", connector::OptionType::kString, nullptr, false, false,
                 "error of omit"}};
    }
    Result<mapper::PurposeNeeds> check(const mapper::EncodeContext& ctx) const override {
        if (ctx.options.contains("unmapped") && ctx.options["unmapped"] != "error" &&
            ctx.options["unmapped"] != "omit")
            return Error{ErrorCode::kInvalidConfig,
                         "somtoday-json: optie unmapped: verwacht \"error\" of \"omit\""};
        return mapper::Encoder::check(ctx);
    }

    Result<mapper::Encoded> encode(const json& record,
                                   const mapper::EncodeContext& ctx) const override {
        bool omit = false;
        for (auto it = ctx.options.begin(); it != ctx.options.end(); ++it) {
            if (it.key() != "unmapped")
                return Error{ErrorCode::kInvalidConfig,
                             "somtoday-json: onbekende optie " + it.key() + "; geldig: unmapped"};
            if (it.value() == "omit")
                omit = true;
            else if (it.value() != "error")
                return Error{ErrorCode::kInvalidConfig,
                             "somtoday-json: optie unmapped: verwacht \"error\" of \"omit\""};
        }
        auto issues = model::ModelDefinition::builtin()->validate(record);
        if (!issues.empty())
            return Error{ErrorCode::kValidationFailed,
                         "canoniek dossier ongeldig: " + issues.front().path + ": " +
                             issues.front().message};
        std::vector<std::string> unmapped;
        json bundle = canonicalToSomtodayBundle(record, unmapped);
        if (!unmapped.empty() && !omit) {
            std::string msg =
                "somtoday-json: deze velden kunnen niet naar het SomToday-formaat (niet "
                "omkeerbaar; zet encoder-optie unmapped op \"omit\" om ze weg te laten):";
            for (size_t i = 0; i < unmapped.size() && i < kMaxProblems; ++i)
                msg += "\n  " + unmapped[i];
            return Error{ErrorCode::kValidationFailed, msg};
        }
        return mapper::Encoded{"application/json", "json", bundle.dump()};
    }
};

}  // namespace

Status registerSomtodayMappers(mapper::MapperRegistry& registry) {
    SLUIS_RETURN_IF_ERROR(registry.addDecoder(std::make_unique<SomtodayDecoder>()));
    return registry.addEncoder(std::make_unique<SomtodayEncoder>());
}

}  // namespace sluis::mapping

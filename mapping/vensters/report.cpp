#include "mapping/vensters/report.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include "core/util/fs.h"

namespace sluis::vensters {

using nlohmann::json;

namespace {

using Int128 = __int128;

/// num/den rounded half-up to `decimals` places, as text ("3.41"). den > 0, num >= 0.
std::string ratioText(Int128 num, Int128 den, int decimals) {
    Int128 scale = 1;
    for (int i = 0; i < decimals; ++i) scale *= 10;
    Int128 v = (2 * num * scale + den) / (2 * den);
    Int128 whole = v / scale;
    Int128 frac = v % scale;
    std::string w = std::to_string(static_cast<long long>(whole));
    if (decimals == 0) return w;
    std::string f = std::to_string(static_cast<long long>(frac));
    return w + "." + std::string(static_cast<size_t>(decimals) - f.size(), '0') + f;
}

long long lcmUpTo(size_t n) {
    long long l = 1;
    for (size_t i = 2; i <= n; ++i) l = std::lcm(l, static_cast<long long>(i));
    return l;
}

struct IndicatorAcc {
    long long n = 0;                  // respondents with enough answers
    Int128 scaled_sum = 0;            // kMean: sum of score * L
    long long positive = 0;           // kMean: score >= threshold; kAnyYes: at least one "ja"
    std::vector<long long> answered;  // kAnyYes: per question
    std::vector<long long> yes;
};

struct CellAcc {
    long long respondents = 0;
    std::vector<IndicatorAcc> indicators;
};

struct Prepared {
    const Indicator* indicator;
    std::vector<size_t> question_index;
    std::vector<const Scale*> scales;
    long long lcm;
};

std::string reasonSmall(int min_cell) {
    return "minder dan " + std::to_string(min_cell) + " respondenten";
}

json suppressed(int min_cell, const std::string& why = "") {
    return {{"onderdrukt", true}, {"reden", why.empty() ? reasonSmall(min_cell) : why}};
}

json indicatorJson(const Prepared& p, const IndicatorAcc& acc, const IndicatorSet& set,
                   int min_cell) {
    if (acc.n < min_cell)
        return suppressed(min_cell, "minder dan " + std::to_string(min_cell) +
                                        " respondenten met voldoende antwoorden");
    json j = {{"onderdrukt", false}, {"n", acc.n}};
    if (p.indicator->kind == IndicatorKind::kMean) {
        j["gemiddelde"] = ratioText(acc.scaled_sum, static_cast<Int128>(p.lcm) * acc.n, 2);
        j["percentage_positief"] = ratioText(static_cast<Int128>(acc.positive) * 100, acc.n, 1);
    } else {
        j["percentage"] = ratioText(static_cast<Int128>(acc.positive) * 100, acc.n, 1);
        json parts = json::object();
        for (size_t k = 0; k < p.question_index.size(); ++k) {
            const std::string& qid = set.questions[p.question_index[k]].id;
            if (acc.answered[k] < min_cell)
                parts[qid] = suppressed(min_cell, "minder dan " + std::to_string(min_cell) +
                                                      " antwoorden op deze vraag");
            else
                parts[qid] = {{"onderdrukt", false},
                              {"n", acc.answered[k]},
                              {"percentage_ja", ratioText(static_cast<Int128>(acc.yes[k]) * 100,
                                                          acc.answered[k], 1)}};
        }
        j["onderdelen"] = parts;
    }
    return j;
}

json definitions(const IndicatorSet& set) {
    json out = json::array();
    for (const auto& ind : set.indicators) {
        json qs = json::array();
        for (const auto& qid : ind.questions) {
            const Question* q = set.question(qid);
            json qj = {{"id", q->id}, {"tekst", q->text}, {"schaal", q->scale}};
            if (q->reversed) qj["omgekeerd"] = true;
            qs.push_back(qj);
        }
        json d = {{"id", ind.id},
                  {"naam", ind.name},
                  {"soort", ind.kind == IndicatorKind::kMean ? "gemiddelde" : "percentage_ja"},
                  {"vragen", qs},
                  {"min_beantwoord", ind.min_answered},
                  {"toelichting", ind.description}};
        if (ind.kind == IndicatorKind::kMean)
            d["drempel_positief"] = ratioText(ind.positive_threshold_x100, 100, 2);
        out.push_back(d);
    }
    return out;
}

/// Representativity rows of one group (one school, or one onderwijssoort in a school).
json representativityGroup(const std::map<int, std::pair<long long, long long>>& grades,
                           int min_cell) {
    struct Row {
        int grade;
        long long enrolled, respondents;
        bool primary, secondary;
    };
    std::vector<Row> rows;
    long long total_e = 0, total_r = 0;
    for (const auto& [g, er] : grades) {
        rows.push_back({g, er.first, er.second, er.second < min_cell, false});
        total_e += er.first;
        total_r += er.second;
    }
    bool total_shown = total_r >= min_cell;
    // Suppressed rows next to a shown total could be recomputed (together) from the total and
    // the other rows: while the suppressed rows add up to fewer than the minimum, suppress the
    // smallest shown row as well (secondary suppression).
    if (total_shown) {
        auto hidden = [&](long long& sum) {
            size_t n = 0;
            sum = 0;
            for (const auto& r : rows)
                if (r.primary || r.secondary) {
                    ++n;
                    sum += r.respondents;
                }
            return n;
        };
        long long sum = 0;
        while (hidden(sum) > 0 && sum < min_cell) {
            Row* pick = nullptr;
            for (auto& r : rows)
                if (!r.primary && !r.secondary &&
                    (pick == nullptr || r.respondents < pick->respondents))
                    pick = &r;
            if (pick == nullptr) break;
            pick->secondary = true;
        }
    }
    auto rowJson = [&](long long e, long long r, bool prim, bool sec) {
        json j = {{"ingeschreven", e}};
        if (prim) {
            j.update(suppressed(min_cell));
        } else if (sec) {
            j.update(suppressed(min_cell,
                                "aanvullend onderdrukt: anders is een kleine cel uit het totaal "
                                "terug te rekenen"));
        } else {
            j["onderdrukt"] = false;
            j["respondenten"] = r;
            if (e > 0) j["respons_percentage"] = ratioText(static_cast<Int128>(r) * 100, e, 1);
        }
        return j;
    };
    json out = json::object();
    json list = json::array();
    for (const auto& r : rows) {
        json j = rowJson(r.enrolled, r.respondents, r.primary, r.secondary);
        j["leerjaar"] = r.grade;
        list.push_back(j);
    }
    out["leerjaren"] = list;
    out["totaal"] = rowJson(total_e, total_r, !total_shown, false);
    return out;
}

json summary(const json& schools, int min_cell) {
    size_t n = 0;
    for (const auto& s : schools) n += countSuppressed(s);
    std::string text =
        n == 0 ? "Er zijn geen cellen onderdrukt: elke cel heeft minstens " +
                     std::to_string(min_cell) + " respondenten."
               : std::to_string(n) + (n == 1 ? " cel is" : " cellen zijn") +
                     " onderdrukt: cellen met minder dan " + std::to_string(min_cell) +
                     " respondenten (en cellen waaruit zo'n kleine cel terug te rekenen is) "
                     "staan niet in dit rapport en niet in de levering.";
    return {
        {"minimale_celgrootte", min_cell}, {"aantal_onderdrukte_cellen", n}, {"toelichting", text}};
}

}  // namespace

const char* levelName(Level level) { return level == Level::kSchool ? "school" : "onderwijssoort"; }

std::optional<Level> parseLevel(std::string_view name) {
    if (name == "school") return Level::kSchool;
    if (name == "onderwijssoort") return Level::kSchoolType;
    return std::nullopt;
}

size_t countSuppressed(const json& j) {
    size_t n = 0;
    if (j.is_object()) {
        if (j.contains("onderdrukt") && j["onderdrukt"] == true) ++n;
        for (const auto& [k, v] : j.items()) n += countSuppressed(v);
    } else if (j.is_array()) {
        for (const auto& v : j) n += countSuppressed(v);
    }
    return n;
}

Result<json> computeReport(const IndicatorSet& set, const Enrolment& enrolment,
                           const Survey& survey, const ReportOptions& options) {
    if (options.min_cell < 1)
        return Error{ErrorCode::kInvalidArgument, "minimale celgrootte moet minstens 1 zijn"};
    const int min_cell = options.min_cell;
    const bool by_type = options.level == Level::kSchoolType;

    std::vector<Prepared> prepared;
    for (const auto& ind : set.indicators) {
        Prepared p{&ind, {}, {}, lcmUpTo(ind.questions.size())};
        for (const auto& qid : ind.questions) {
            int qi = set.questionIndex(qid);
            if (qi < 0)
                return Error{ErrorCode::kInvalidConfig,
                             "indicator " + ind.id + " verwijst naar onbekende vraag"};
            p.question_index.push_back(static_cast<size_t>(qi));
            p.scales.push_back(set.scale(set.questions[static_cast<size_t>(qi)].scale));
        }
        prepared.push_back(std::move(p));
    }

    // (school, type or -1 at school level) -> accumulators
    std::map<std::pair<size_t, long long>, CellAcc> cells;
    // (school, type, grade) -> enrolled, respondents (always at the finest level)
    std::map<std::tuple<size_t, size_t, int>, std::pair<long long, long long>> fine;
    for (const auto& e : enrolment.cells) fine[{e.school, e.school_type, e.grade}].first += e.count;

    auto cellFor = [&](size_t school, size_t type) -> CellAcc& {
        auto key = std::make_pair(school, by_type ? static_cast<long long>(type) : -1LL);
        auto it = cells.find(key);
        if (it == cells.end()) {
            CellAcc acc;
            for (const auto& p : prepared) {
                IndicatorAcc ia;
                ia.answered.assign(p.question_index.size(), 0);
                ia.yes.assign(p.question_index.size(), 0);
                acc.indicators.push_back(ia);
            }
            it = cells.emplace(key, std::move(acc)).first;
        }
        return it->second;
    };
    for (const auto& e : enrolment.cells) cellFor(e.school, e.school_type);

    for (const auto& r : survey.respondents) {
        if (r.school >= enrolment.schools.size() || r.school_type >= set.school_types.size() ||
            r.answers.size() != set.questions.size())
            return Error{ErrorCode::kInternal, "respondent van regel " + std::to_string(r.line) +
                                                   " past niet bij scholen of indicatorenset"};
        fine[{r.school, r.school_type, r.grade}].second += 1;
        CellAcc& cell = cellFor(r.school, r.school_type);
        cell.respondents += 1;
        for (size_t i = 0; i < prepared.size(); ++i) {
            const Prepared& p = prepared[i];
            IndicatorAcc& acc = cell.indicators[i];
            long long answered = 0, sum = 0;
            bool any_yes = false;
            for (size_t k = 0; k < p.question_index.size(); ++k) {
                int a = r.answers[p.question_index[k]];
                if (a < 0) continue;
                ++answered;
                const Scale* sc = p.scales[k];
                int score = set.questions[p.question_index[k]].reversed ? sc->min + sc->max - a : a;
                sum += score;
                if (p.indicator->kind == IndicatorKind::kAnyYes) {
                    acc.answered[k] += 1;
                    if (a == sc->max) {
                        acc.yes[k] += 1;
                        any_yes = true;
                    }
                }
            }
            if (answered < p.indicator->min_answered) continue;
            acc.n += 1;
            if (p.indicator->kind == IndicatorKind::kMean) {
                acc.scaled_sum += static_cast<Int128>(sum) * (p.lcm / answered);
                if (sum * 100 >=
                    static_cast<long long>(p.indicator->positive_threshold_x100) * answered)
                    acc.positive += 1;
            } else if (any_yes) {
                acc.positive += 1;
            }
        }
    }

    // Consistency of survey and enrolment, at the finest level.
    std::vector<std::string> problems;
    for (const auto& [k, er] : fine) {
        const auto& [school, type, grade] = k;
        if (er.second > er.first) {
            problems.push_back("school " + enrolment.schools[school].key() + ", " +
                               set.school_types[type].code + " leerjaar " + std::to_string(grade) +
                               ": meer respondenten dan ingeschreven " + "leerlingen" +
                               (er.first == 0 ? " (geen inschrijving opgegeven)" : ""));
        }
    }
    if (!problems.empty()) {
        std::string msg = survey.source_name + " past niet bij " + enrolment.source_name + ":";
        for (size_t i = 0; i < problems.size() && i < kMaxErrorsReported; ++i)
            msg += "\n" + problems[i];
        if (problems.size() > kMaxErrorsReported)
            msg += "\n... en nog " + std::to_string(problems.size() - kMaxErrorsReported);
        return Error{ErrorCode::kValidationFailed, msg + "\nEr is geen rapport gemaakt."};
    }

    json schools = json::array();
    for (size_t s = 0; s < enrolment.schools.size(); ++s) {
        const SchoolRef& ref = enrolment.schools[s];
        json cell_list = json::array();
        for (const auto& [key, acc] : cells) {
            if (key.first != s) continue;
            json c = json::object();
            if (by_type)
                c["onderwijssoort"] = set.school_types[static_cast<size_t>(key.second)].code;
            if (acc.respondents < min_cell) {
                c.update(suppressed(min_cell));
            } else {
                c["onderdrukt"] = false;
                c["respondenten"] = acc.respondents;
                json inds = json::object();
                for (size_t i = 0; i < prepared.size(); ++i)
                    inds[prepared[i].indicator->id] =
                        indicatorJson(prepared[i], acc.indicators[i], set, min_cell);
                c["indicatoren"] = inds;
            }
            cell_list.push_back(c);
        }
        if (cell_list.empty()) continue;  // a listed school without data

        json groups = json::array();
        for (size_t t = 0; t < (by_type ? set.school_types.size() : 1); ++t) {
            std::map<int, std::pair<long long, long long>> grades;
            for (const auto& [k, er] : fine) {
                if (std::get<0>(k) != s || (by_type && std::get<1>(k) != t)) continue;
                auto& g = grades[std::get<2>(k)];
                g.first += er.first;
                g.second += er.second;
            }
            if (grades.empty()) continue;
            json g = representativityGroup(grades, min_cell);
            if (by_type) g["onderwijssoort"] = set.school_types[t].code;
            groups.push_back(g);
        }

        json sj = {{"brin", ref.brin},
                   {"vestiging", ref.vestiging},
                   {"school", ref.key()},
                   {"cellen", cell_list},
                   {"representativiteit", groups}};
        if (!ref.name.empty()) sj["naam"] = ref.name;
        sj["onderdrukte_cellen"] = countSuppressed(sj);
        schools.push_back(sj);
    }
    if (schools.empty())
        return Error{ErrorCode::kValidationFailed,
                     "geen school met inschrijvingen of respondenten"};

    json report = {
        {"formaat", kReportFormat},
        {"formaatversie", kReportFormatVersion},
        {"indicatorenset", set.version},
        {"niveau", levelName(options.level)},
        {"indicatoren", definitions(set)},
        {"bronnen",
         {{"enquete_sha256", survey.sha256}, {"inschrijvingen_sha256", enrolment.sha256}}},
        {"scholen", schools},
        {"onderdrukking", summary(schools, min_cell)}};
    if (!options.schooljaar.empty()) report["schooljaar"] = options.schooljaar;
    return report;
}

std::vector<json> splitPerSchool(const json& report) {
    std::vector<json> out;
    if (!report.contains("scholen")) return out;
    int min_cell = report["onderdrukking"].value("minimale_celgrootte", kDefaultMinCell);
    for (const auto& s : report["scholen"]) {
        json one = report;
        one["scholen"] = json::array({s});
        one["onderdrukking"] = summary(one["scholen"], min_cell);
        out.push_back(std::move(one));
    }
    return out;
}

Result<json> selectSchool(const json& report, const std::string& school_key) {
    for (auto& one : splitPerSchool(report))
        if (one["scholen"][0].value("school", "") == school_key) return one;
    return Error{ErrorCode::kNotFound, "school " + school_key + " staat niet in het rapport"};
}

Status checkReport(const json& report) {
    if (!report.is_object() || report.value("formaat", "") != kReportFormat ||
        !report.contains("scholen") || !report["scholen"].is_array() ||
        !report.contains("onderdrukking") || !report.contains("indicatoren"))
        return {ErrorCode::kValidationFailed,
                std::string("geen Vensters-rapport (verwacht formaat ") + kReportFormat + ")"};
    if (report.value("formaatversie", 0) != kReportFormatVersion)
        return {ErrorCode::kValidationFailed, "onbekende formaatversie van het Vensters-rapport"};
    return {};
}

std::string renderJson(const json& report) {
    return report.dump(2, ' ', false, json::error_handler_t::strict) + "\n";
}

std::string reportSha256(const json& report) { return util::sha256Hex(renderJson(report)); }

}  // namespace sluis::vensters

#pragma once
// Builders for Vensters test inputs: survey rows with chosen answers, enrolment rows, and an
// independent (floating point, straightforward) oracle for the indicator values.
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mapping/vensters/indicator_set.h"
#include "mapping/vensters/report.h"

namespace sluis::vensters::testing {

/// The indicator set compiled into Sluis, which the tests read and write against.
inline const IndicatorSet& set() { return builtinIndicatorSet(); }

struct Row {
    std::string brin = "12AB";
    std::string vestiging = "00";
    std::string type = "havo";
    int grade = 1;
    std::map<std::string, std::string> answers;  // question id -> code ("" = not answered)
};

/// A survey export for `rows` (respondent numbers 1..n), columns in the order of the set.
inline std::string surveyCsv(const std::vector<Row>& rows, const IndicatorSet& set,
                             char sep = ';') {
    std::string out = std::string("respondent") + sep + "brin" + sep + "vestiging" + sep +
                      "onderwijssoort" + sep + "leerjaar";
    for (const auto& q : set.questions) out += sep + q.id;
    out += "\n";
    for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        out += std::to_string(1000 + i) + sep + r.brin + sep + r.vestiging + sep + r.type + sep +
               std::to_string(r.grade);
        for (const auto& q : set.questions) {
            auto it = r.answers.find(q.id);
            out += sep + (it == r.answers.end() ? std::string() : it->second);
        }
        out += "\n";
    }
    return out;
}

struct EnrolRow {
    std::string brin = "12AB";
    std::string vestiging = "00";
    std::string type = "havo";
    int grade = 1;
    long long count = 100;
};

inline std::string enrolmentCsv(const std::vector<EnrolRow>& rows) {
    std::string out = "brin;vestiging;onderwijssoort;leerjaar;aantal\n";
    for (const auto& r : rows)
        out += r.brin + ";" + r.vestiging + ";" + r.type + ";" + std::to_string(r.grade) + ";" +
               std::to_string(r.count) + "\n";
    return out;
}

/// Every question answered with the same code (yes/no questions with `yes`).
inline Row uniformRow(const IndicatorSet& set, int likert, bool yes,
                      const std::string& type = "havo", int grade = 1,
                      const std::string& brin = "12AB") {
    Row r;
    r.type = type;
    r.grade = grade;
    r.brin = brin;
    for (const auto& q : set.questions)
        r.answers[q.id] = q.scale == "janee" ? (yes ? "1" : "0") : std::to_string(likert);
    return r;
}

/// Formats like the report does (half-up on the exact value; the oracle uses doubles with a
/// tiny epsilon, fine for the small inputs of the tests).
inline std::string fixed(double v, int decimals) {
    double scale = std::pow(10.0, decimals);
    double r = std::floor(v * scale + 0.5 + 1e-9) / scale;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, r);
    return buf;
}

/// Deterministic varied rows: each answer random within its scale; with `empty_one_in` > 0 about
/// one answer in that many is left empty (the random sequence is the same as without when 0).
inline std::vector<Row> randomRows(size_t n, unsigned seed, const std::string& type, int grade,
                                   const std::string& brin = "12AB", unsigned empty_one_in = 0) {
    std::mt19937 rng(seed);
    std::vector<Row> rows;
    for (size_t i = 0; i < n; ++i) {
        Row r;
        r.brin = brin;
        r.type = type;
        r.grade = grade;
        for (const auto& q : set().questions) {
            const Scale* sc = set().scale(q.scale);
            if (empty_one_in > 0 && rng() % empty_one_in == 0) continue;
            r.answers[q.id] =
                std::to_string(sc->min + static_cast<int>(rng() % (sc->max - sc->min + 1)));
        }
        rows.push_back(r);
    }
    return rows;
}

/// The report of `rows` against the enrolment `enrol` (with the school list `schools` when
/// given), through the same parsers as the daemon.
inline Result<nlohmann::json> computeFrom(const std::vector<Row>& rows,
                                          const std::vector<EnrolRow>& enrol, Level level,
                                          int min_cell,
                                          const std::vector<SchoolRef>* schools = nullptr) {
    auto e = parseEnrolment(enrolmentCsv(enrol), "inschrijvingen.csv", set(), schools);
    if (!e) return e.error();
    auto s = parseSurvey(surveyCsv(rows, set()), "enquete.csv", set(), e->schools);
    if (!s) return s.error();
    return computeReport(set(), *e, *s, {level, min_cell, "2025-2026"});
}

}  // namespace sluis::vensters::testing

// Indicator computation, representativity, small-cell suppression, determinism and rendering.
// Expected values come from an independent floating-point oracle over the same generated rows.
#include "mapping/vensters/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <random>
#include <set>

#include "core/util/fs.h"
#include "tests/vensters/vensters_fixture.h"

namespace sluis::vensters {
namespace {

using nlohmann::json;
using testing::enrolmentCsv;
using testing::EnrolRow;
using testing::fixed;
using testing::Row;
using testing::set;
using testing::surveyCsv;
using testing::uniformRow;

Result<json> compute(const std::vector<Row>& rows, const std::vector<EnrolRow>& enrol,
                     Level level = Level::kSchool, int min_cell = 10) {
    return testing::computeFrom(rows, enrol, level, min_cell);
}

/// Deterministic varied rows: each answer random within its scale, about 10% left empty.
std::vector<Row> randomRows(size_t n, unsigned seed, const std::string& type, int grade,
                            const std::string& brin = "12AB") {
    return testing::randomRows(n, seed, type, grade, brin, 10);
}

/// The oracle: indicator values of one cell, straight from the definitions.
json oracleCell(const std::vector<Row>& rows) {
    json out = json::object();
    for (const auto& ind : set().indicators) {
        int n = 0, positive = 0;
        double sum = 0;
        std::map<std::string, std::pair<int, int>> parts;  // answered, yes
        for (const auto& r : rows) {
            int k = 0;
            double total = 0;
            bool yes = false;
            for (const auto& qid : ind.questions) {
                auto it = r.answers.find(qid);
                if (it == r.answers.end() || it->second.empty()) continue;
                int a = std::stoi(it->second);
                const Question* q = set().question(qid);
                const Scale* sc = set().scale(q->scale);
                ++k;
                total += q->reversed ? sc->min + sc->max - a : a;
                if (ind.kind == IndicatorKind::kAnyYes) {
                    parts[qid].first++;
                    if (a == 1) {
                        parts[qid].second++;
                        yes = true;
                    }
                }
            }
            if (k < ind.min_answered) continue;
            ++n;
            double score = total / k;
            sum += score;
            if (ind.kind == IndicatorKind::kMean
                    ? score + 1e-9 >= ind.positive_threshold_x100 / 100.0
                    : yes)
                ++positive;
        }
        json j = {{"n", n}};
        if (ind.kind == IndicatorKind::kMean) {
            j["gemiddelde"] = fixed(sum / n, 2);
            j["percentage_positief"] = fixed(100.0 * positive / n, 1);
        } else {
            j["percentage"] = fixed(100.0 * positive / n, 1);
            for (auto& [qid, p] : parts)
                j["onderdelen"][qid] = fixed(100.0 * p.second / p.first, 1);
        }
        out[ind.id] = j;
    }
    return out;
}

void expectCellMatchesOracle(const json& cell, const std::vector<Row>& rows) {
    json want = oracleCell(rows);
    ASSERT_FALSE(cell["onderdrukt"].get<bool>()) << cell.dump();
    EXPECT_EQ(cell["respondenten"], rows.size());
    for (auto& [id, w] : want.items()) {
        const json& got = cell["indicatoren"][id];
        EXPECT_EQ(got["n"], w["n"]) << id;
        if (w.contains("gemiddelde")) {
            EXPECT_EQ(got["gemiddelde"], w["gemiddelde"]) << id;
            EXPECT_EQ(got["percentage_positief"], w["percentage_positief"]) << id;
        } else {
            EXPECT_EQ(got["percentage"], w["percentage"]) << id;
            for (auto& [qid, pct] : w["onderdelen"].items())
                EXPECT_EQ(got["onderdelen"][qid]["percentage_ja"], pct) << qid;
        }
    }
}

/// Every count that is shown anywhere is at least the minimum.
void expectNoSmallCounts(const json& j, int min_cell) {
    if (j.is_object()) {
        for (const char* k : {"respondenten", "n"}) {
            if (j.contains(k)) {
                EXPECT_GE(j[k].get<long long>(), min_cell) << j.dump();
            }
        }
        if (j.value("onderdrukt", false)) {
            for (const char* k : {"respondenten", "n", "gemiddelde", "percentage", "indicatoren",
                                  "percentage_positief", "percentage_ja", "respons_percentage"}) {
                EXPECT_FALSE(j.contains(k)) << j.dump();
            }
        }
        for (auto& [k, v] : j.items()) expectNoSmallCounts(v, min_cell);
    } else if (j.is_array()) {
        for (auto& v : j) expectNoSmallCounts(v, min_cell);
    }
}

TEST(VenstersReport, IndicatorsMatchTheDefinitions) {
    auto rows = randomRows(57, 1, "havo", 2);
    auto more = randomRows(23, 2, "vwo", 3);
    auto both = rows;
    both.insert(both.end(), more.begin(), more.end());
    auto r = compute(both, {{"12AB", "00", "havo", 2, 90}, {"12AB", "00", "vwo", 3, 40}},
                     Level::kSchoolType);
    ASSERT_TRUE(r) << r.error().message;
    const json& cells = (*r)["scholen"][0]["cellen"];
    ASSERT_EQ(cells.size(), 2u);
    EXPECT_EQ(cells[0]["onderwijssoort"], "havo");
    expectCellMatchesOracle(cells[0], rows);
    EXPECT_EQ(cells[1]["onderwijssoort"], "vwo");
    expectCellMatchesOracle(cells[1], more);

    // At school level the same respondents form one cell.
    auto all = rows;
    all.insert(all.end(), more.begin(), more.end());
    auto s = compute(all, {{"12AB", "00", "havo", 2, 90}, {"12AB", "00", "vwo", 3, 40}});
    ASSERT_TRUE(s) << s.error().message;
    ASSERT_EQ((*s)["scholen"][0]["cellen"].size(), 1u);
    EXPECT_FALSE((*s)["scholen"][0]["cellen"][0].contains("onderwijssoort"));
    expectCellMatchesOracle((*s)["scholen"][0]["cellen"][0], all);
}

TEST(VenstersReport, ReversedItemsAndMinimumAnswers) {
    std::vector<Row> rows;
    for (int i = 0; i < 12; ++i) {
        Row r = uniformRow(set(), 4, false);  // likert4 -> 4 on VB; 4 on WB, WB4 reversed -> 2
        rows.push_back(r);
    }
    // Two VB answers only: below min_beantwoord (3), so not in veiligheidsbeleving.
    rows[0].answers["VB3"] = "";
    rows[0].answers["VB4"] = "";
    auto r = compute(rows, {{"12AB", "00", "havo", 1, 30}});
    ASSERT_TRUE(r) << r.error().message;
    const json& ind = (*r)["scholen"][0]["cellen"][0]["indicatoren"];
    EXPECT_EQ(ind["veiligheidsbeleving"]["n"], 11);
    EXPECT_EQ(ind["veiligheidsbeleving"]["gemiddelde"], "4.00");
    EXPECT_EQ(ind["welbevinden"]["n"], 12);
    EXPECT_EQ(ind["welbevinden"]["gemiddelde"], "3.60");  // (4+4+4+2+4)/5
    EXPECT_EQ(ind["welbevinden"]["percentage_positief"], "100.0");
    EXPECT_EQ(ind["aantasting_veiligheid"]["percentage"], "0.0");
    expectCellMatchesOracle((*r)["scholen"][0]["cellen"][0], rows);
}

TEST(VenstersReport, Representativity) {
    auto a = randomRows(30, 3, "havo", 1);
    auto b = randomRows(12, 4, "havo", 2);
    auto rows = a;
    rows.insert(rows.end(), b.begin(), b.end());
    auto r = compute(rows, {{"12AB", "00", "havo", 1, 40},
                            {"12AB", "00", "havo", 2, 20},
                            {"12AB", "00", "havo", 3, 25}});
    ASSERT_TRUE(r) << r.error().message;
    const json& g = (*r)["scholen"][0]["representativiteit"][0];
    ASSERT_EQ(g["leerjaren"].size(), 3u);
    EXPECT_EQ(g["leerjaren"][0]["leerjaar"], 1);
    EXPECT_EQ(g["leerjaren"][0]["respondenten"], 30);
    EXPECT_EQ(g["leerjaren"][0]["respons_percentage"], fixed(100.0 * 30 / 40, 1));
    // Leerjaar 3: enrolled, nobody answered -> a small cell (0 < 10): suppressed.
    EXPECT_TRUE(g["leerjaren"][2]["onderdrukt"].get<bool>());
    EXPECT_EQ(g["leerjaren"][2]["ingeschreven"], 25);
    EXPECT_EQ(g["leerjaren"][2]["reden"], "minder dan 10 respondenten");
    // One primary suppression next to a shown total: the smallest other row (leerjaar 2, 12
    // respondents) goes too, so leerjaar 3 cannot be recomputed from the total.
    EXPECT_TRUE(g["leerjaren"][1]["onderdrukt"].get<bool>());
    EXPECT_FALSE(g["leerjaren"][1].contains("respondenten"));
    EXPECT_NE(g["leerjaren"][1]["reden"].get<std::string>().find("aanvullend"), std::string::npos);
    EXPECT_EQ(g["leerjaren"][1]["ingeschreven"], 20);
    EXPECT_EQ(g["totaal"]["respondenten"], 42);
    EXPECT_EQ(g["totaal"]["ingeschreven"], 85);
    EXPECT_EQ(g["totaal"]["respons_percentage"], fixed(100.0 * 42 / 85, 1));
}

TEST(VenstersReport, SmallCellsNeverAppearInAnyOutput) {
    // havo: 12 + 4 + 11 respondents over three leerjaren; vwo: 7 respondents.
    auto h1 = randomRows(12, 5, "havo", 1);
    auto h2 = randomRows(4, 6, "havo", 2);
    auto h3 = randomRows(11, 7, "havo", 3);
    std::vector<Row> vwo;
    for (int i = 0; i < 7; ++i) vwo.push_back(uniformRow(set(), 1, true, "vwo", 1));
    vwo[0].answers["VB1"] = "2";  // makes the small cell's mean distinctive
    std::vector<Row> rows;
    for (auto* part : {&h1, &h2, &h3, &vwo}) rows.insert(rows.end(), part->begin(), part->end());
    std::vector<EnrolRow> enrol = {{"12AB", "00", "havo", 1, 51},
                                   {"12AB", "00", "havo", 2, 52},
                                   {"12AB", "00", "havo", 3, 53},
                                   {"12AB", "00", "vwo", 1, 54}};

    auto full = compute(rows, enrol, Level::kSchoolType, 1);  // nothing suppressed
    auto safe = compute(rows, enrol, Level::kSchoolType, 10);
    ASSERT_TRUE(full) << full.error().message;
    ASSERT_TRUE(safe) << safe.error().message;
    std::string js = renderJson(*safe);
    std::string html = renderHtml(*safe);
    expectNoSmallCounts(*safe, 10);

    // The vwo cell is there, marked, with nothing computed from its respondents.
    const json& cells = (*safe)["scholen"][0]["cellen"];
    ASSERT_EQ(cells.size(), 2u);
    EXPECT_EQ(cells[1]["onderwijssoort"], "vwo");
    EXPECT_TRUE(cells[1]["onderdrukt"].get<bool>());
    EXPECT_EQ(cells[1]["reden"], "minder dan 10 respondenten");
    // Every value of the small cell (as computed without suppression) is absent from both
    // outputs, unless the same figure also belongs to a cell that is shown.
    std::set<std::string> shown_values;
    std::function<void(const json&)> collect = [&](const json& j) {
        if (j.is_string()) shown_values.insert(j.get<std::string>());
        if (j.is_structured())
            for (auto& v : j) collect(v);
    };
    collect((*full)["scholen"][0]["cellen"][0]);
    const json& small = (*full)["scholen"][0]["cellen"][1]["indicatoren"];
    ASSERT_EQ(small["veiligheidsbeleving"]["gemiddelde"], "1.04");  // (1.25 + 6 * 1) / 7
    ASSERT_EQ(small["welbevinden"]["gemiddelde"], "1.80");          // (1+1+1+5+1) / 5
    size_t checked = 0;
    for (auto& [id, v] : small.items()) {
        for (const char* k : {"gemiddelde", "percentage_positief", "percentage"}) {
            if (!v.contains(k)) continue;
            std::string val = v[k].get<std::string>();
            if (shown_values.count(val)) continue;
            ++checked;
            EXPECT_EQ(js.find("\"" + val + "\""), std::string::npos) << id << " " << val;
            EXPECT_EQ(html.find("<td>" + val + "</td>"), std::string::npos) << id << " " << val;
        }
    }
    EXPECT_GE(checked, 2u);
    // The small counts (7 vwo, 4 in havo leerjaar 2) and the row that would reveal 4 (11) are
    // nowhere; neither are the response rates computed from them.
    for (int n : {7, 4, 11}) {
        EXPECT_EQ(js.find("\"respondenten\": " + std::to_string(n) + ","), std::string::npos) << n;
        EXPECT_EQ(js.find("\"respondenten\": " + std::to_string(n) + "\n"), std::string::npos) << n;
        EXPECT_EQ(html.find("<td>" + std::to_string(n) + "</td>"), std::string::npos) << n;
    }
    for (auto [n, e] : {std::pair{7, 54}, {4, 52}, {11, 53}}) {
        std::string pct = fixed(100.0 * n / e, 1);
        EXPECT_EQ(js.find("\"respons_percentage\": \"" + pct + "\""), std::string::npos) << pct;
        std::string row = "<td>" + std::to_string(e) + "</td>";
        EXPECT_EQ(html.find(row + "<td>"), std::string::npos) << e;
        EXPECT_NE(html.find(row + "<td class=\"o\">onderdrukt</td>"), std::string::npos) << e;
    }
    // Secondary suppression is explained; the report says how many cells were suppressed.
    const json& havo = (*safe)["scholen"][0]["representativiteit"][0];
    EXPECT_EQ(havo["onderwijssoort"], "havo");
    EXPECT_NE(havo["leerjaren"][2]["reden"].get<std::string>().find("aanvullend"),
              std::string::npos);
    EXPECT_EQ(havo["totaal"]["respondenten"], 27);
    size_t n = (*safe)["onderdrukking"]["aantal_onderdrukte_cellen"].get<size_t>();
    EXPECT_EQ(n, countSuppressed((*safe)["scholen"]));
    EXPECT_GE(n, 4u);  // vwo cell, havo lj 2 and 3, vwo lj 1 and total
    EXPECT_NE(html.find(std::to_string(n) + " cellen zijn onderdrukt"), std::string::npos);
    // With a lower minimum the vwo cell is shown, so the threshold is really the parameter.
    auto five = compute(rows, enrol, Level::kSchoolType, 5);
    ASSERT_TRUE(five);
    EXPECT_FALSE((*five)["scholen"][0]["cellen"][1]["onderdrukt"].get<bool>());
    EXPECT_EQ((*five)["onderdrukking"]["minimale_celgrootte"], 5);
}

TEST(VenstersReport, SecondarySuppressionUntilHiddenRowsReachTheMinimum) {
    // Leerjaren with 1, 2, 30 and 25 respondents: the two small rows together (3) would follow
    // from the total, so the smallest shown row (25) is hidden as well; 30 stays.
    std::vector<Row> rows;
    for (auto [g, n] : {std::pair{1, 1}, {2, 2}, {3, 30}, {4, 25}}) {
        auto part = randomRows(static_cast<size_t>(n), 20 + static_cast<unsigned>(g), "havo", g);
        rows.insert(rows.end(), part.begin(), part.end());
    }
    auto r = compute(rows, {{"12AB", "00", "havo", 1, 40},
                            {"12AB", "00", "havo", 2, 40},
                            {"12AB", "00", "havo", 3, 40},
                            {"12AB", "00", "havo", 4, 40}});
    ASSERT_TRUE(r) << r.error().message;
    const json& lj = (*r)["scholen"][0]["representativiteit"][0]["leerjaren"];
    EXPECT_EQ(lj[0]["reden"], "minder dan 10 respondenten");
    EXPECT_EQ(lj[1]["reden"], "minder dan 10 respondenten");
    EXPECT_FALSE(lj[2]["onderdrukt"].get<bool>());
    EXPECT_EQ(lj[2]["respondenten"], 30);
    EXPECT_TRUE(lj[3]["onderdrukt"].get<bool>());
    EXPECT_NE(lj[3]["reden"].get<std::string>().find("aanvullend"), std::string::npos);
    EXPECT_EQ((*r)["scholen"][0]["representativiteit"][0]["totaal"]["respondenten"], 58);
    expectNoSmallCounts(*r, 10);
}

TEST(VenstersReport, SuppressedIndicatorWhenTooFewValidAnswers) {
    std::vector<Row> rows;
    for (int i = 0; i < 12; ++i) {
        Row r = uniformRow(set(), 3, false);
        if (i < 5) r.answers["AV1"] = r.answers["AV2"] = r.answers["AV3"] = "";  // 3 of 6: < 4
        rows.push_back(r);
    }
    auto r = compute(rows, {{"12AB", "00", "havo", 1, 30}});
    ASSERT_TRUE(r) << r.error().message;
    const json& av = (*r)["scholen"][0]["cellen"][0]["indicatoren"]["aantasting_veiligheid"];
    EXPECT_TRUE(av["onderdrukt"].get<bool>());
    EXPECT_FALSE(av.contains("n"));
    EXPECT_FALSE(av.contains("onderdelen"));
    expectNoSmallCounts(*r, 10);
}

TEST(VenstersReport, ByteIdenticalAcrossRunsAndRowOrder) {
    auto rows = randomRows(40, 9, "havo", 1);
    auto more = randomRows(15, 10, "vwo", 2, "34CD");
    rows.insert(rows.end(), more.begin(), more.end());
    std::vector<EnrolRow> enrol = {{"12AB", "00", "havo", 1, 80}, {"34CD", "00", "vwo", 2, 30}};
    auto a = compute(rows, enrol, Level::kSchoolType);
    auto b = compute(rows, enrol, Level::kSchoolType);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(renderJson(*a), renderJson(*b));
    EXPECT_EQ(renderHtml(*a), renderHtml(*b));
    EXPECT_EQ(reportSha256(*a), util::sha256Hex(renderJson(*a)));
    // Reordered rows: exact arithmetic gives the same figures; only the source hash differs.
    std::reverse(rows.begin(), rows.end());
    auto c = compute(rows, enrol, Level::kSchoolType);
    ASSERT_TRUE(c);
    EXPECT_NE((*c)["bronnen"]["enquete_sha256"], (*a)["bronnen"]["enquete_sha256"]);
    (*c)["bronnen"] = (*a)["bronnen"];
    EXPECT_EQ(renderJson(*c), renderJson(*a));
}

TEST(VenstersReport, RespondentsMustFitTheEnrolment) {
    auto rows = randomRows(12, 11, "havo", 1);
    auto r = compute(rows, {{"12AB", "00", "havo", 1, 11}});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
    EXPECT_NE(r.error().message.find("school 12AB00, havo leerjaar 1: meer respondenten dan "
                                     "ingeschreven leerlingen"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("geen rapport"), std::string::npos);
    r = compute(rows, {{"12AB", "00", "havo", 2, 50}});
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("geen inschrijving opgegeven"), std::string::npos)
        << r.error().message;
}

TEST(VenstersReport, SplitPerSchoolAndSelect) {
    auto rows = randomRows(20, 12, "havo", 1);
    auto small = randomRows(3, 13, "vwo", 1, "34CD");
    rows.insert(rows.end(), small.begin(), small.end());
    auto r = compute(rows, {{"12AB", "00", "havo", 1, 80}, {"34CD", "00", "vwo", 1, 30}});
    ASSERT_TRUE(r) << r.error().message;
    auto parts = splitPerSchool(*r);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0]["scholen"].size(), 1u);
    EXPECT_EQ(parts[0]["scholen"][0]["school"], "12AB00");
    EXPECT_EQ(parts[0]["onderdrukking"]["aantal_onderdrukte_cellen"],
              countSuppressed(parts[0]["scholen"]));
    EXPECT_EQ(parts[1]["scholen"][0]["school"], "34CD00");
    EXPECT_GE(parts[1]["onderdrukking"]["aantal_onderdrukte_cellen"].get<int>(), 1);
    EXPECT_TRUE(checkReport(parts[1]).isOk());
    auto one = selectSchool(*r, "34CD00");
    ASSERT_TRUE(one);
    EXPECT_EQ(renderJson(*one), renderJson(parts[1]));
    EXPECT_EQ(selectSchool(*r, "99ZZ00").error().code, ErrorCode::kNotFound);
}

TEST(VenstersReport, HtmlShowsPayloadHashAndEscapes) {
    auto rows = randomRows(15, 14, "havo", 1);
    auto e = parseEnrolment(enrolmentCsv({{"12AB", "00", "havo", 1, 50}}), "i.csv", set(), nullptr);
    ASSERT_TRUE(e);
    e->schools[0].name = "<script>x</script> & Co";
    auto s = parseSurvey(surveyCsv(rows, set()), "e.csv", set(), e->schools);
    ASSERT_TRUE(s);
    auto r = computeReport(set(), *e, *s, {Level::kSchool, 10, ""});
    ASSERT_TRUE(r);
    std::string html = renderHtml(*r);
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.find(reportSha256(*r)), std::string::npos);
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;x&lt;/script&gt; &amp; Co"), std::string::npos);
    EXPECT_NE(html.find("Er zijn geen cellen onderdrukt"), std::string::npos);
    EXPECT_FALSE(r->contains("schooljaar"));
    for (const auto& q : set().questions) EXPECT_NE(html.find(q.id), std::string::npos) << q.id;
}

TEST(VenstersReport, RejectsBadMinimumAndForeignDocuments) {
    auto rows = randomRows(15, 15, "havo", 1);
    EXPECT_EQ(compute(rows, {{"12AB", "00", "havo", 1, 50}}, Level::kSchool, 0).error().code,
              ErrorCode::kInvalidArgument);
    EXPECT_FALSE(checkReport(json{{"formaat", "iets anders"}}).isOk());
    EXPECT_EQ(parseLevel("school"), Level::kSchool);
    EXPECT_EQ(parseLevel("onderwijssoort"), Level::kSchoolType);
    EXPECT_FALSE(parseLevel("bestuur"));
}

}  // namespace
}  // namespace sluis::vensters

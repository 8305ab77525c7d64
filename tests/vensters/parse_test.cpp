// Strict readers: indicator set, school list, enrolment and survey export. Bad files give errors
// naming file, line and column, never respondent values, and yield nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mapping/vensters/survey.h"
#include "tests/vensters/vensters_fixture.h"

namespace sluis::vensters {
namespace {

using testing::enrolmentCsv;
using testing::EnrolRow;
using testing::Row;
using testing::set;
using testing::surveyCsv;
using testing::uniformRow;

std::vector<SchoolRef> schools() {
    return {{"12AB", "00", "Het Lyceum"}, {"34CD", "01", "De Mavo"}};
}

size_t lines(const std::string& s) {
    return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

// ---- indicator set ----

TEST(VenstersIndicatorSet, BuiltinSetHasTheThreeIndicators) {
    const auto& s = set();
    EXPECT_FALSE(s.version.empty());
    std::vector<std::string> ids;
    for (const auto& i : s.indicators) ids.push_back(i.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"veiligheidsbeleving", "welbevinden",
                                             "aantasting_veiligheid"}));
    for (const auto& i : s.indicators)
        for (const auto& q : i.questions) EXPECT_NE(s.question(q), nullptr) << q;
    EXPECT_NE(s.schoolType("HAVO"), nullptr);  // codes compare case-insensitively
    EXPECT_EQ(s.schoolType("mbo"), nullptr);
}

TEST(VenstersIndicatorSet, ReportsEveryProblemWithItsPath) {
    auto j = nlohmann::json::parse(builtinIndicatorSetJson());
    j["indicatoren"][0]["vragen"].push_back("XX9");    // unknown question
    j["indicatoren"][1]["vragen"].push_back("VB1");    // other scale
    j["indicatoren"][2]["soort"] = "mediaan";          // unknown kind
    j["indicatoren"][1]["drempel_positief"] = "7.00";  // outside the scale
    j["vragen"][0]["schaal"] = "likert7";              // unknown scale
    j["extra"] = 1;                                    // unknown key
    auto r = parseIndicatorSet(j.dump(), "indicatoren.json");
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidConfig);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("indicatoren[0].vragen[4]: onbekende vraag XX9"), std::string::npos) << m;
    EXPECT_NE(m.find("indicatoren[1].vragen[5]"), std::string::npos) << m;
    EXPECT_NE(m.find("indicatoren[2].soort"), std::string::npos) << m;
    EXPECT_NE(m.find("indicatoren[1].drempel_positief: ligt buiten de schaal"), std::string::npos)
        << m;
    EXPECT_NE(m.find("vragen[0].schaal: onbekende schaal"), std::string::npos) << m;
    EXPECT_NE(m.find("extra: onbekend veld"), std::string::npos) << m;
}

TEST(VenstersIndicatorSet, PercentageYesNeedsYesNoQuestions) {
    auto j = nlohmann::json::parse(builtinIndicatorSetJson());
    j["indicatoren"][2]["vragen"] = {"VB1", "VB2"};
    j["indicatoren"][2]["min_beantwoord"] = 1;
    auto r = parseIndicatorSet(j.dump(), "x.json");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("ja/nee"), std::string::npos) << r.error().message;
}

// ---- school list and enrolment ----

TEST(VenstersSchools, ParsesAndNormalises) {
    auto r = parseSchoolList("brin;vestiging;naam\n34cd;1;De Mavo\n12AB;00;Het Lyceum\n", "s.csv");
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->size(), 2u);
    EXPECT_EQ((*r)[0].key(), "12AB00");
    EXPECT_EQ((*r)[1].key(), "34CD01");
    EXPECT_EQ((*r)[1].name, "De Mavo");
}

TEST(VenstersSchools, RefusesDuplicatesAndBadCodes) {
    auto r = parseSchoolList("brin;vestiging;naam\n12AB;00;a\n12AB;0;b\nXYZ;00;c\n", "s.csv");
    ASSERT_FALSE(r);
    EXPECT_NE(
        r.error().message.find("s.csv regel 3, kolom 1 (brin): school 12AB00 staat al op regel 2"),
        std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("s.csv regel 4, kolom 1 (brin): geen geldige BRIN-code"),
              std::string::npos)
        << r.error().message;
}

TEST(VenstersEnrolment, ParsesCells) {
    auto r = parseEnrolment(
        enrolmentCsv({{"12AB", "00", "havo", 1, 120}, {"34CD", "01", "vmbo-gt", 3, 80}}), "i.csv",
        set(), nullptr);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->schools.size(), 2u);
    ASSERT_EQ(r->cells.size(), 2u);
    EXPECT_EQ(r->cells[1].count, 80);
    EXPECT_EQ(r->schools[r->cells[1].school].key(), "34CD01");
    EXPECT_EQ(set().school_types[r->cells[1].school_type].code, "vmbo-gt");
    EXPECT_EQ(r->sha256.size(), 64u);
}

TEST(VenstersEnrolment, BadRowsAreNamedByLineAndColumn) {
    std::string csv = enrolmentCsv({{"12AB", "00", "havo", 1, 120},
                                    {"12AB", "00", "havo", 1, 20},   // duplicate cell
                                    {"12AB", "00", "havo", 6, 20},   // havo runs to 5
                                    {"99ZZ", "00", "vwo", 1, 20},    // unknown school
                                    {"12AB", "00", "mbo", 1, 20}});  // unknown type
    csv += "12AB;00;vwo;2;veel\n";                                   // not a number
    auto sl = schools();
    auto r = parseEnrolment(csv, "i.csv", set(), &sl);
    ASSERT_FALSE(r);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("i.csv regel 3: school 12AB00, havo, leerjaar 1 staat al op regel 2"),
              std::string::npos)
        << m;
    EXPECT_NE(
        m.find("i.csv regel 4, kolom 4 (leerjaar): leerjaar buiten bereik (1 t/m 5 voor havo)"),
        std::string::npos)
        << m;
    EXPECT_NE(m.find("i.csv regel 5, kolom 1 (brin): onbekende school 99ZZ00"), std::string::npos)
        << m;
    EXPECT_NE(m.find("i.csv regel 6, kolom 3 (onderwijssoort): onbekende onderwijssoort"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("i.csv regel 7, kolom 5 (aantal)"), std::string::npos) << m;
    EXPECT_NE(m.find("niets overgenomen"), std::string::npos) << m;
}

TEST(VenstersEnrolment, WrongColumns) {
    auto r =
        parseEnrolment("brin;vestiging;soort;leerjaar;aantal\n12AB;00;havo;1;3\n", "i.csv", set());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find("regel 1, kolom 3: onbekende kolom 'soort'"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("kolom 'onderwijssoort' ontbreekt"), std::string::npos);
}

// ---- survey ----

TEST(VenstersSurvey, ParsesAnswersAndEmptyCells) {
    Row a = uniformRow(set(), 3, false);
    a.answers["VB2"] = "";
    Row b = uniformRow(set(), 4, true, "vwo", 6, "34CD");
    b.vestiging = "1";
    auto r = parseSurvey(surveyCsv({a, b}, set()), "e.csv", set(), schools());
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_EQ(r->respondents.size(), 2u);
    const auto& ra = r->respondents[0];
    EXPECT_EQ(ra.line, 2u);
    EXPECT_EQ(ra.school, 0u);
    EXPECT_EQ(ra.answers[static_cast<size_t>(set().questionIndex("VB1"))], 3);
    EXPECT_EQ(ra.answers[static_cast<size_t>(set().questionIndex("VB2"))], -1);
    EXPECT_EQ(ra.answers[static_cast<size_t>(set().questionIndex("AV1"))], 0);
    const auto& rb = r->respondents[1];
    EXPECT_EQ(rb.school, 1u);
    EXPECT_EQ(rb.grade, 6);
    EXPECT_EQ(set().school_types[rb.school_type].code, "vwo");
    EXPECT_EQ(rb.answers[static_cast<size_t>(set().questionIndex("AV6"))], 1);
}

TEST(VenstersSurvey, AcceptsCommaSeparatorBomAndShuffledColumns) {
    std::string csv = "\xEF\xBB\xBF" + surveyCsv({uniformRow(set(), 2, true)}, set(), ',');
    auto r = parseSurvey(csv, "e.csv", set(), schools());
    ASSERT_TRUE(r) << r.error().message;
    // Same content with the question columns in another order and upper-case names.
    std::string shuffled = "RESPONDENT;Brin;vestiging;onderwijssoort;leerjaar";
    std::vector<std::string> ids;
    for (auto it = set().questions.rbegin(); it != set().questions.rend(); ++it)
        ids.push_back(it->id);
    for (auto& id : ids) shuffled += ";" + id;
    shuffled += "\n7;12AB;00;havo;1";
    for (auto& id : ids)
        shuffled += std::string(";") + (set().question(id)->scale == "janee" ? "1" : "2");
    shuffled += "\n";
    auto s = parseSurvey(shuffled, "e.csv", set(), schools());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(s->respondents[0].answers, r->respondents[0].answers);
}

TEST(VenstersSurvey, WrongColumnsAreRefusedBeforeAnyRow) {
    std::string csv = surveyCsv({uniformRow(set(), 2, true)}, set());
    std::string header = csv.substr(0, csv.find('\n'));
    std::string body = csv.substr(csv.find('\n'));
    // Missing question column.
    std::string missing = header.substr(0, header.rfind(';')) + body;
    auto r = parseSurvey(missing, "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find("e.csv regel 1: kolom 'av6' ontbreekt"), std::string::npos)
        << r.error().message;
    // Unknown and duplicated columns.
    r = parseSurvey(header + ";V99;VB1" + body, "e.csv", set(), schools());
    ASSERT_FALSE(r);
    size_t n = 5 + set().questions.size();
    EXPECT_NE(r.error().message.find("e.csv regel 1, kolom " + std::to_string(n + 1) +
                                     ": onbekende kolom 'V99'"),
              std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("kolom " + std::to_string(n + 2) +
                                     ": kolom 'VB1' komt twee keer voor"),
              std::string::npos)
        << r.error().message;
}

TEST(VenstersSurvey, OutOfRangeAnswersNameLineAndColumnButNotTheValue) {
    Row a = uniformRow(set(), 3, false);
    Row b = uniformRow(set(), 3, false);
    b.answers["VB3"] = "77";   // likert4
    b.answers["WB2"] = "0";    // likert5 starts at 1
    b.answers["AV2"] = "2";    // ja/nee is 0/1
    b.answers["WB5"] = "3,5";  // not an integer
    auto r = parseSurvey(surveyCsv({a, b}, set()), "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kValidationFailed);
    const std::string& m = r.error().message;
    auto col = [&](const std::string& id) { return std::to_string(6 + set().questionIndex(id)); };
    EXPECT_NE(m.find("e.csv regel 3, kolom " + col("VB3") +
                     " (VB3): antwoord buiten bereik (toegestaan 1 t/m 4 of leeg)"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("kolom " + col("WB2") + " (WB2): antwoord buiten bereik (toegestaan 1 t/m 5"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("kolom " + col("AV2") + " (AV2): antwoord buiten bereik (toegestaan 0 t/m 1"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("(WB5)"), std::string::npos) << m;
    EXPECT_EQ(m.find("77"), std::string::npos) << m;
    EXPECT_EQ(m.find("3,5"), std::string::npos) << m;
}

TEST(VenstersSurvey, UnknownSchoolsTypesAndGrades) {
    Row a = uniformRow(set(), 3, false, "havo", 1, "99ZZ");  // not in the list
    Row b = uniformRow(set(), 3, false, "mbo", 1);           // unknown type
    Row c = uniformRow(set(), 3, false, "vmbo-b", 5);        // vmbo runs to 4
    Row d = uniformRow(set(), 3, false);
    d.brin = "Jansen";  // something else than a BRIN in the column: never echoed
    auto r = parseSurvey(surveyCsv({a, b, c, d}, set()), "e.csv", set(), schools());
    ASSERT_FALSE(r);
    const std::string& m = r.error().message;
    EXPECT_NE(m.find("e.csv regel 2, kolom 2 (brin): onbekende school 99ZZ00 (staat niet in de "
                     "scholenlijst)"),
              std::string::npos)
        << m;
    EXPECT_NE(
        m.find(
            "e.csv regel 3, kolom 4 (onderwijssoort): onbekende onderwijssoort (toegestaan: pro, "),
        std::string::npos)
        << m;
    EXPECT_NE(
        m.find("e.csv regel 4, kolom 5 (leerjaar): leerjaar buiten bereik (1 t/m 4 voor vmbo-b)"),
        std::string::npos)
        << m;
    EXPECT_NE(m.find("e.csv regel 5, kolom 2 (brin): geen geldige BRIN-code"), std::string::npos)
        << m;
    EXPECT_EQ(m.find("Jansen"), std::string::npos) << m;
}

TEST(VenstersSurvey, StructuralProblems) {
    std::string csv = surveyCsv({uniformRow(set(), 3, false), uniformRow(set(), 3, false)}, set());
    csv += "1002;12AB;00;havo;1\n";  // too few fields
    auto r = parseSurvey(csv, "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("e.csv regel 4: 5 velden, verwacht " +
                                     std::to_string(5 + set().questions.size())),
              std::string::npos)
        << r.error().message;
    // Duplicate respondent number (rows 2 and 3 both get 1000 after editing).
    std::string dup = surveyCsv({uniformRow(set(), 3, false), uniformRow(set(), 3, false)}, set());
    dup.replace(dup.find("\n1001;"), 6, "\n1000;");
    r = parseSurvey(dup, "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find(
                  "e.csv regel 3, kolom 1 (respondent): respondentnummer komt al voor op regel 2"),
              std::string::npos)
        << r.error().message;
    // Empty and header-only files.
    r = parseSurvey("", "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("leeg"), std::string::npos);
    r = parseSurvey(csv.substr(0, csv.find('\n') + 1), "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("geen respondenten"), std::string::npos);
    // Broken quoting is reported by the CSV reader with the file name.
    r = parseSurvey(csv.substr(0, csv.find('\n') + 1) + "\"1;12AB\n", "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("e.csv"), std::string::npos);
}

TEST(VenstersSurvey, ManyErrorsAreBoundedAndCounted) {
    std::vector<Row> rows;
    for (int i = 0; i < 80; ++i) rows.push_back(uniformRow(set(), 3, false, "havo", 1, "99ZZ"));
    auto r = parseSurvey(surveyCsv(rows, set()), "e.csv", set(), schools());
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("... en nog 30 fouten"), std::string::npos);
    EXPECT_LE(lines(r.error().message), kMaxErrorsReported + 3);
}

}  // namespace
}  // namespace sluis::vensters

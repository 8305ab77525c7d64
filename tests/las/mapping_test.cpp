// The declarative mapping engine: transforms, loader validation (every error with its path),
// binding, row mapping rules and the reverse direction.
#include <gtest/gtest.h>

#include <random>
#include <cstring>
#include <algorithm>
#include <tuple>

#include "mapping/declarative/mapping.h"
#include "mapping/magister/magister_import.h"
#include "tests/support/test_util.h"

namespace sluis::mapping {
namespace {

using nlohmann::json;

Transform parseOne(const json& spec) {
    Transform t;
    std::vector<std::string> errors;
    EXPECT_TRUE(Transform::parse(spec, "t", t, errors)) << (errors.empty() ? "" : errors[0]);
    return t;
}

std::string applied(const Transform& t, std::string v) {
    std::string err;
    EXPECT_TRUE(t.apply(v, err)) << err;
    return v;
}

TEST(Transform, DateFormats) {
    auto t = parseOne(json{{"date", {"dd-mm-jjjj", "jjjj-mm-dd", "excel"}}});
    EXPECT_EQ(applied(t, "05-03-2014"), "2014-03-05");
    EXPECT_EQ(applied(t, "5-3-2014"), "2014-03-05");
    EXPECT_EQ(applied(t, "05/03/2014"), "2014-03-05");  // any of - / . as separator
    EXPECT_EQ(applied(t, "2014-03-05"), "2014-03-05");
    EXPECT_EQ(applied(t, "05-03-2014 00:00:00"), "2014-03-05");  // time part ignored
    EXPECT_EQ(applied(t, "41700"), "2014-03-02");
    EXPECT_EQ(applied(t, "1"), "1900-01-01");
    EXPECT_EQ(applied(t, "61"), "1900-03-01");
    EXPECT_EQ(applied(t, "45292,5"), "2024-01-01");
    std::string err, v = "29-02-2023";
    EXPECT_FALSE(t.apply(v, err));
    EXPECT_NE(err.find("ongeldige datum"), std::string::npos);
    EXPECT_EQ(err.find("29-02-2023"), std::string::npos) << "value leaked into message";
    v = "60";  // Excel's fictitious 1900-02-29
    EXPECT_FALSE(t.apply(v, err));
    auto compact = parseOne(json{{"date", "jjjjmmdd"}});
    EXPECT_EQ(applied(compact, "20140305"), "2014-03-05");
}

TEST(Transform, DateReverseUsesFirstFormat) {
    auto t = parseOne(json{{"date", {"dd-mm-jjjj", "excel"}}});
    std::string v = "2014-03-05", err;
    ASSERT_TRUE(t.reverse(v, err));
    EXPECT_EQ(v, "05-03-2014");
    auto x = parseOne(json{{"date", "excel"}});
    v = "2014-03-02";
    ASSERT_TRUE(x.reverse(v, err));
    EXPECT_EQ(v, "41700");
    v = "1900-01-01";
    ASSERT_TRUE(x.reverse(v, err));
    EXPECT_EQ(v, "1");
}

TEST(Transform, MapIsCaseInsensitiveWithOtherRules) {
    auto t = parseOne(json{{"map", {{"M", "1"}, {"V", "2"}}}});
    EXPECT_EQ(applied(t, "m"), "1");
    std::string v = "Q", err;
    EXPECT_FALSE(t.apply(v, err));
    EXPECT_NE(err.find("onbekende code"), std::string::npos);
    auto keep = parseOne(json{{"map", {{"a", "b"}}}, {"other", "keep"}});
    EXPECT_EQ(applied(keep, "zz"), "zz");
    auto val = parseOne(json{{"map", {{"a", "b"}}}, {"other", {{"value", "overig"}}}});
    EXPECT_EQ(applied(val, "zz"), "overig");
    auto exact = parseOne(json{{"map", {{"a", "b"}}}, {"ignore_case", false}, {"other", "empty"}});
    EXPECT_EQ(applied(exact, "A"), "");
    // Reverse: the first source code of a canonical value.
    auto multi = parseOne(json{{"map", {{"M", "1"}, {"Man", "1"}}}});
    v = "1";
    ASSERT_TRUE(multi.reverse(v, err));
    EXPECT_EQ(v, "M");
    v = "7";
    EXPECT_FALSE(multi.reverse(v, err));
}

TEST(Transform, NameSplittingAndInitials) {
    EXPECT_EQ(splitDutchName("van der Berg"), (std::pair<std::string, std::string>{"van der", "Berg"}));
    EXPECT_EQ(splitDutchName("Berg, van der"), (std::pair<std::string, std::string>{"van der", "Berg"}));
    EXPECT_EQ(splitDutchName("in 't Veld"), (std::pair<std::string, std::string>{"in 't", "Veld"}));
    EXPECT_EQ(splitDutchName("Jansen"), (std::pair<std::string, std::string>{"", "Jansen"}));
    EXPECT_EQ(splitDutchName("Van"), (std::pair<std::string, std::string>{"", "Van"}));
    EXPECT_EQ(splitDutchName("De Vries"), (std::pair<std::string, std::string>{"De", "Vries"}));
    auto prefix = parseOne(json{{"split_name", "voorvoegsel"}});
    auto rest = parseOne(json{{"split_name", "achternaam"}});
    EXPECT_EQ(applied(prefix, "van den Heuvel"), "van den");
    EXPECT_EQ(applied(rest, "van den Heuvel"), "Heuvel");
    EXPECT_FALSE(rest.reversible());
    std::string v = "Heuvel", err;
    EXPECT_FALSE(rest.reverse(v, err));
    EXPECT_NE(err.find("niet omkeerbaar"), std::string::npos);
    EXPECT_EQ(initialsOf("Jan Pieter"), "J.P.");
    EXPECT_EQ(initialsOf("émile zoë"), "\xC3\x89.Z.");
}

TEST(Transform, TrimCasePostcodeDefault) {
    EXPECT_EQ(applied(parseOne("upper"), "zoë"), "ZOË");
    EXPECT_EQ(applied(parseOne("lower"), "ÖZTÜRK"), "öztürk");
    EXPECT_EQ(applied(parseOne("postcode"), "3511ab"), "3511 AB");
    EXPECT_EQ(applied(parseOne("postcode"), "3511 ab"), "3511 AB");
    EXPECT_EQ(applied(parseOne(json{{"default", "Nee"}}), ""), "Nee");
    EXPECT_EQ(applied(parseOne(json{{"default", "Nee"}}), "Ja"), "Ja");
}

TEST(Transform, ParseErrorsNameThePath) {
    Transform t;
    std::vector<std::string> errors;
    EXPECT_FALSE(Transform::parse("uppercase", "fields[2].transforms[0]", t, errors));
    EXPECT_FALSE(Transform::parse(json{{"date", "dd-mm-yy"}}, "f.transforms[1]", t, errors));
    EXPECT_FALSE(Transform::parse(json{{"split_name", "tussenvoegsel"}}, "x", t, errors));
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_EQ(errors[0].rfind("fields[2].transforms[0]: onbekende transformatie", 0), 0u) << errors[0];
    EXPECT_EQ(errors[1].rfind("f.transforms[1].date: onbekend datumformaat", 0), 0u) << errors[1];
}

TEST(MappingLoader, ShippedMappingLoads) {
    auto m = loadMappingFile((test::sourceDir() / "config/mappings/magister.json").string());
    ASSERT_TRUE(m.isOk()) << m.error().message;
    EXPECT_EQ((*m)->parts.size(), 7u);
    EXPECT_EQ((*m)->parts[0].name, "leerlingen");
    EXPECT_TRUE((*m)->parts[0].into.empty());
    EXPECT_EQ(builtinMagisterMapping()->parts.size(), 7u);
}

TEST(MappingLoader, ReportsEveryErrorWithItsPath) {
    const char* text = R"({
      "sluis_mapping": 1, "colour": "blue",
      "parts": [
        {"name": "leerlingen", "key": "Stamnr", "fields": [
          {"column": "Naam", "target": "leerling.achternam"},
          {"column": "Geb", "target": "leerling.geboortedatum", "transforms": [{"date": "bogus"}]},
          {"target": "leerling.geslacht", "value": "Q"},
          {"column": "X", "value": "y", "target": "leerling.roepnaam"},
          {"column": "Adres", "target": "leerling.adressen.straat"}
        ]},
        {"name": "ouders", "key": "Stamnr", "fields": [{"column": "A", "target": "achternaam"}]},
        {"name": "cijfers", "key": "Stamnr", "into": "cijferlijsten", "group_by": ["cijfers"],
         "fields": [{"column": "V", "target": "cijfers[].vak", "required": "ja"}]}
      ]})";
    auto m = loadMapping(text, "m.json");
    ASSERT_FALSE(m.isOk());
    const std::string& msg = m.error().message;
    EXPECT_EQ(m.error().code, ErrorCode::kInvalidConfig);
    for (const char* want :
         {"colour: onbekende sleutel", "parts[0].fields[0].target: 'achternam' is geen veld van Leerling",
          "parts[0].fields[1].transforms[0].date: onbekend datumformaat",
          "parts[0].fields[2].value: onbekende code", "parts[0].fields[3]: geef precies één van",
          "parts[0].fields[4].target: 'adressen' is een lijst", "parts[1].into: verplicht",
          "parts[2].group_by: 'cijfers' is geen enkelvoudig veld",
          "parts[2].fields[0].required: verwacht true of false"})
        EXPECT_NE(msg.find(want), std::string::npos) << "missing '" << want << "' in\n" << msg;
}

TEST(MappingLoader, IntoMayNameOneRecordButNotAScalarAndNotWithGroupBy) {
    auto ok = loadMapping(R"({"sluis_mapping": 1, "parts": [
        {"name": "l", "key": "Nr", "fields": [{"column": "Nr", "target": "leerling.leerlingid"}]},
        {"name": "o", "key": "Nr", "into": "overstapadvies", "fields": [
          {"column": "Advies", "target": "advies[0]"}, {"column": "Datum", "target": "datum"}]}]})",
                          "m.json");
    ASSERT_TRUE(ok.isOk()) << ok.error().message;
    EXPECT_EQ((*ok)->parts[1].into_path.kind, model::Kind::kObject);
    json record = json::object();
    addRow((*ok)->parts[1], record, json{{"advies", {"60"}}});
    addRow((*ok)->parts[1], record, json{{"advies", {"70"}}, {"datum", "2026-03-14"}});
    // One record: a second row fills what is missing, lists are joined, present values win.
    EXPECT_EQ(
        record,
        json::parse(R"({"overstapadvies": {"advies": ["60", "70"], "datum": "2026-03-14"}})"));

    auto bad = loadMapping(R"({"sluis_mapping": 1, "parts": [
        {"name": "l", "key": "Nr", "fields": [{"column": "Nr", "target": "leerling.leerlingid"}]},
        {"name": "o", "key": "Nr", "into": "overstapadvies", "group_by": ["datum"],
         "fields": [{"column": "Datum", "target": "datum"}]},
        {"name": "s", "key": "Nr", "into": "leerling.bsn", "fields": [{"column": "X", "target": "x"}]}]})",
                           "m.json");
    ASSERT_FALSE(bad.isOk());
    for (const char* want :
         {"parts[1].group_by: alleen voor een 'into' die een lijst is",
          "parts[2].into: 'leerling.bsn' is geen lijst van records (en geen record)"})
        EXPECT_NE(bad.error().message.find(want), std::string::npos) << bad.error().message;
}

TEST(MappingLoader, InvalidJsonNamesLineAndColumn) {
    auto m = loadMapping("{\n  \"sluis_mapping\": 1,\n  \"parts\": [,]\n}", "m.json");
    ASSERT_FALSE(m.isOk());
    EXPECT_NE(m.error().message.find("m.json: regel 3"), std::string::npos) << m.error().message;
}

const char* kSmall = R"({
  "sluis_mapping": 1,
  "parts": [
    {"name": "leerlingen", "key": "Nr", "fields": [
      {"column": "Nr", "target": "leerling.leerlingid", "required": true},
      {"column": "Naam", "target": "leerling.voorvoegsel", "transforms": [{"split_name": "voorvoegsel"}]},
      {"column": "Naam", "target": "leerling.achternaam", "required": true, "transforms": [{"split_name": "achternaam"}]},
      {"column": "Geboren", "target": "leerling.geboortedatum", "required": true, "transforms": [{"date": "dd-mm-jjjj"}]},
      {"column": "Sekse", "target": "leerling.geslacht", "default": "0", "transforms": [{"map": {"M": "1", "V": "2"}}]},
      {"column": "Mail", "target": "leerling.communicatie[1].nummer"},
      {"value": "e-mail", "target": "leerling.communicatie[1].soort"},
      {"column": "Tel", "target": "leerling.communicatie[0].nummer"},
      {"value": "telefoon", "target": "leerling.communicatie[0].soort"},
      {"value": "Testschool", "target": "school.naam"},
      {"value": "99XX", "target": "school.brincode"}
    ]},
    {"name": "resultaten", "key": "Nr", "into": "cijferlijsten", "group_by": ["periode"], "fields": [
      {"column": "P", "target": "periode"},
      {"column": "Vak", "target": "cijfers[].vak", "required": true},
      {"column": "C", "target": "cijfers[].cijfer", "required": true}
    ]}
  ]})";

TEST(BoundPart, MapsRowsWithFixedValuesOnlyWhereColumnsFilled) {
    auto m = loadMapping(kSmall, "small.json");
    ASSERT_TRUE(m.isOk()) << m.error().message;
    std::vector<std::string> unused;
    auto b = BoundPart::bind((*m)->parts[0], {"Geboren", "Nr", "Naam", "Mail", "Tel", "Extra"}, "l.csv", &unused);
    ASSERT_TRUE(b.isOk()) << b.error().message;
    EXPECT_EQ(unused, std::vector<std::string>{"Extra"});
    // Slot order follows the fields: key first.
    std::vector<std::string_view> slots(b->slotColumns().size());
    for (size_t i = 0; i < slots.size(); ++i) {
        static const char* vals[] = {"05-03-2014", "7", "van der Berg", "", "030-1", ""};
        slots[i] = vals[b->slotColumns()[i]];
    }
    json out;
    std::vector<std::string> problems;
    ASSERT_TRUE(b->mapRow(slots, 2, out, problems)) << problems[0];
    EXPECT_EQ(out["leerling"]["voorvoegsel"], "van der");
    EXPECT_EQ(out["leerling"]["achternaam"], "Berg");
    EXPECT_EQ(out["leerling"]["geslacht"], "0");  // default when the column is absent
    // Mail is empty: communicatie[1] is not created and its fixed 'soort' is not added.
    ASSERT_EQ(out["leerling"]["communicatie"].size(), 1u);
    EXPECT_EQ(out["leerling"]["communicatie"][0]["soort"], "telefoon");
    EXPECT_EQ(out["school"]["brincode"], "99XX");
    EXPECT_TRUE(model::ModelDefinition::builtin()->validate(out).empty());
}

TEST(BoundPart, MissingRequiredColumnsAllNamed) {
    auto m = loadMapping(kSmall, "small.json");
    ASSERT_TRUE(m.isOk());
    auto b = BoundPart::bind((*m)->parts[0], {"Nr;Naam;Geboren"}, "l.csv", nullptr);
    ASSERT_FALSE(b.isOk());
    EXPECT_NE(b.error().message.find("l.csv:1"), std::string::npos);
    EXPECT_NE(b.error().message.find("'Naam' (leerling.achternaam)"), std::string::npos);
    EXPECT_NE(b.error().message.find("'Geboren' (leerling.geboortedatum)"), std::string::npos);
    EXPECT_NE(b.error().message.find("verkeerd scheidingsteken"), std::string::npos);
}

// Fields are evaluated in key order (geboortedatum after achternaam), but a row's problems are
// reported in the order the mapping lists its fields.
TEST(BoundPart, ProblemsOfARowComeInMappingOrder) {
    auto m = loadMapping(
        R"({"sluis_mapping": 1, "parts": [{"name": "leerlingen", "key": "Nr", "fields": [
      {"column": "Nr", "target": "leerling.leerlingid", "required": true},
      {"column": "Geboren", "target": "leerling.geboortedatum", "transforms": [{"date": "dd-mm-jjjj"}]},
      {"column": "Naam", "target": "leerling.achternaam", "required": true}
    ]}]})",
        "order.json");
    ASSERT_TRUE(m.isOk()) << m.error().message;
    auto b = BoundPart::bind((*m)->parts[0], {"Nr", "Geboren", "Naam"}, "l.csv", nullptr);
    ASSERT_TRUE(b.isOk()) << b.error().message;
    std::vector<std::string_view> slots;
    for (size_t c : b->slotColumns())
        slots.push_back(std::vector<std::string_view>{"7", "31-02-2014", " "}[c]);
    json out;
    std::vector<std::string> problems{"an earlier problem"};
    EXPECT_FALSE(b->mapRow(slots, 4, out, problems));
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_EQ(problems[0], "an earlier problem");
    EXPECT_EQ(problems[1].rfind("l.csv:4: kolom 'Geboren' (leerling.geboortedatum): ", 0), 0u)
        << problems[1];
    EXPECT_EQ(problems[2], "l.csv:4: kolom 'Naam' (leerling.achternaam): verplicht veld is leeg");
}

// More group_by fields than the grouped-row fast path takes: the general path groups the same.
TEST(BoundPart, FiveGroupFieldsStillMergeIntoOneElement) {
    auto m = loadMapping(
        R"({"sluis_mapping": 1, "parts": [
      {"name": "l", "key": "Nr", "fields": [{"column": "Nr", "target": "leerling.leerlingid"}]},
      {"name": "r", "key": "Nr", "into": "cijferlijsten",
      "group_by": ["schooljaar", "periode", "leerjaar", "afnamedatum", "jaargroep"], "fields": [
      {"column": "J", "target": "schooljaar"}, {"column": "P", "target": "periode"},
      {"column": "L", "target": "leerjaar"}, {"column": "A", "target": "afnamedatum"},
      {"column": "G", "target": "jaargroep"},
      {"column": "Vak", "target": "cijfers[].vak", "required": true}
    ]}]})",
        "five.json");
    ASSERT_TRUE(m.isOk()) << m.error().message;
    const Part& p = (*m)->parts[1];
    auto b = BoundPart::bind(p, {"Nr", "J", "P", "L", "A", "G", "Vak"}, "r.csv", nullptr);
    ASSERT_TRUE(b.isOk()) << b.error().message;
    json record = json::object(), scratch;
    std::vector<std::string> problems;
    for (auto row : std::vector<std::vector<std::string_view>>{
             {"7", "2025-2026", "1", "8", "2026-01-15", "8a", "Rekenen"},
             {"7", "2025-2026", "1", "8", "2026-01-15", "8a", "Taal"},
             {"7", "2025-2026", "2", "8", "2026-01-15", "8a", "Taal"}}) {
        std::vector<std::string_view> slots;
        for (size_t c : b->slotColumns()) slots.push_back(row[c]);
        ASSERT_TRUE(b->mapRowInto(slots, 2, record, scratch, problems)) << problems[0];
    }
    ASSERT_EQ(record["cijferlijsten"].size(), 2u) << record.dump();
    EXPECT_EQ(record["cijferlijsten"][0]["cijfers"].size(), 2u);
    EXPECT_EQ(record["cijferlijsten"][1]["periode"], "2");
}

TEST(BoundPart, GroupedRowsMergeIntoOneElement) {
    auto m = loadMapping(kSmall, "small.json");
    ASSERT_TRUE(m.isOk());
    const Part& p = (*m)->parts[1];
    auto b = BoundPart::bind(p, {"Nr", "P", "Vak", "C"}, "r.csv", nullptr);
    ASSERT_TRUE(b.isOk());
    json record = json::object();
    std::vector<std::string> problems;
    for (auto row : std::vector<std::vector<std::string_view>>{
             {"7", "1", "Rekenen", "7,5"}, {"7", "2", "Taal", "6"}, {"7", "1", "Taal", "8"}}) {
        std::vector<std::string_view> slots;
        for (size_t c : b->slotColumns()) slots.push_back(row[c]);
        json r;
        ASSERT_TRUE(b->mapRow(slots, 2, r, problems));
        addRow(p, record, std::move(r));
    }
    ASSERT_EQ(record["cijferlijsten"].size(), 2u);
    EXPECT_EQ(record["cijferlijsten"][0]["periode"], "1");
    EXPECT_EQ(record["cijferlijsten"][0]["cijfers"].size(), 2u);
    EXPECT_EQ(record["cijferlijsten"][1]["cijfers"][0]["vak"], "Taal");
}

TEST(BoundPart, AListOfWordsWithoutIndexSplitsTheCell) {
    auto m = loadMapping(R"({"sluis_mapping": 1, "parts": [{"name": "leerlingen", "key": "Nr",
      "fields": [{"column": "Nr", "target": "leerling.leerlingid"},
                 {"column": "Voornamen", "target": "leerling.voornamenlijst"}]}]})",
                         "w.json");
    ASSERT_TRUE(m.isOk()) << m.error().message;
    auto b = BoundPart::bind((*m)->parts[0], {"Nr", "Voornamen"}, "l.csv", nullptr);
    ASSERT_TRUE(b.isOk()) << b.error().message;
    std::vector<std::string_view> slots;
    for (size_t c : b->slotColumns()) slots.push_back(c == 0 ? "7" : " Anna\tMaria  Sophie ");
    json out;
    std::vector<std::string> problems;
    ASSERT_TRUE(b->mapRow(slots, 2, out, problems)) << problems[0];
    EXPECT_EQ(out["leerling"]["voornamenlijst"], json::array({"Anna", "Maria", "Sophie"}));
    // A list of codes or numbers still needs an explicit [] per value.
    auto codes = loadMapping(R"({"sluis_mapping": 1, "parts": [{"name": "o", "key": "Nr",
      "fields": [{"column": "Nr", "target": "overstapadvies.advies"}]}]})",
                             "c.json");
    ASSERT_FALSE(codes.isOk());
    EXPECT_NE(codes.error().message.find("is een lijst van waarden"), std::string::npos)
        << codes.error().message;
}

// A row is built from one shape: a list is filled with [] or at fixed positions, not both, and a
// list of words is not also filled per element. Both fields are named.
TEST(MappingLoader, TargetsThatDoNotFitOneShapeAreRefused) {
    auto m = loadMapping(R"({"sluis_mapping": 1, "parts": [{"name": "leerlingen", "key": "Nr",
      "fields": [{"column": "Nr", "target": "leerling.leerlingid"},
                 {"column": "Voornamen", "target": "leerling.voornamenlijst"},
                 {"column": "Tweede", "target": "leerling.voornamenlijst[1]"},
                 {"column": "Bijnaam", "target": "leerling.communicatie[0].nummer"}]},
      {"name": "o", "key": "Nr", "into": "overstapadvies", "fields": [
                 {"column": "A1", "target": "advies[]"},
                 {"column": "A2", "target": "advies[1]"}]}]})",
                         "shape.json");
    ASSERT_FALSE(m.isOk());
    const std::string& msg = m.error().message;
    EXPECT_NE(msg.find("2 fout(en)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("parts[0].fields[2].target: 'leerling.voornamenlijst[1]' maakt van "
                       "'voornamenlijst' een lijst met vaste posities, maar parts[0].fields[1].target "
                       "('leerling.voornamenlijst') maakt er een waarde van"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("parts[1].fields[1].target: 'advies[1]' maakt van 'advies' een lijst met "
                       "vaste posities, maar parts[1].fields[0].target ('advies[]') maakt er een "
                       "lijst met [] van"),
              std::string::npos)
        << msg;
}

// Before the leaf, [] is the row's own element [0]: two spellings of one place are one target,
// filled by the first non-empty column.
TEST(BoundPart, OnePlaceSpelledTwiceIsFilledOnce) {
    auto m = loadMapping(R"({"sluis_mapping": 1, "parts": [
      {"name": "l", "key": "Nr", "fields": [{"column": "Nr", "target": "leerling.leerlingid"}]},
      {"name": "c", "key": "Nr", "into": "cijferlijsten", "fields": [
                 {"column": "Vak", "target": "cijfers[].vak"},
                 {"column": "Vak2", "target": "cijfers[0].vak"}]}]})",
                         "twice.json");
    ASSERT_TRUE(m.isOk()) << m.error().message;
    auto b = BoundPart::bind((*m)->parts[1], {"Nr", "Vak", "Vak2"}, "c.csv", nullptr);
    ASSERT_TRUE(b.isOk()) << b.error().message;
    for (auto [first, second, expected] :
         std::vector<std::tuple<std::string_view, std::string_view, std::string>>{
             {"Rekenen", "Taal", "Rekenen"}, {"", "Taal", "Taal"}}) {
        std::vector<std::string_view> slots;
        for (size_t c : b->slotColumns())
            slots.push_back(std::vector<std::string_view>{"7", first, second}[c]);
        json out;
        std::vector<std::string> problems;
        ASSERT_TRUE(b->mapRow(slots, 2, out, problems)) << problems[0];
        EXPECT_EQ(out, (json{{"cijfers", json::array({{{"vak", expected}}})}})) << out.dump();
    }
}

// mapRowInto builds the row straight into the record, with addRow's merge rules: values already
// in the record win, lists are appended to, objects are merged.
TEST(BoundPart, RowIntoARecordKeepsWhatIsThereAndAppendsToLists) {
    auto m = loadMapping(kSmall, "small.json");
    ASSERT_TRUE(m.isOk()) << m.error().message;
    auto b = BoundPart::bind((*m)->parts[0], {"Nr", "Naam", "Geboren", "Tel"}, "l.csv", nullptr);
    ASSERT_TRUE(b.isOk()) << b.error().message;
    std::vector<std::string_view> slots;
    for (size_t c : b->slotColumns())
        slots.push_back(std::vector<std::string_view>{"7", "Jansen", "05-03-2014", "030-1"}[c]);
    json record = {{"leerling", {{"achternaam", "Eerder"},
                                 {"communicatie", json::array({{{"nummer", "06-9"}}})}}},
                   {"school", {{"naam", "Al gezet"}}}};
    json scratch;
    std::vector<std::string> problems;
    ASSERT_TRUE(b->mapRowInto(slots, 2, record, scratch, problems)) << problems[0];
    EXPECT_EQ(record["leerling"]["achternaam"], "Eerder");
    EXPECT_EQ(record["leerling"]["geboortedatum"], "2014-03-05");
    EXPECT_EQ(record["leerling"]["communicatie"],
              json::array({{{"nummer", "06-9"}}, {{"nummer", "030-1"}, {"soort", "telefoon"}}}));
    EXPECT_EQ(record["school"], (json{{"naam", "Al gezet"}, {"brincode", "99XX"}}));
    EXPECT_TRUE(scratch.is_null());
    // A row with a problem adds nothing.
    slots.clear();
    for (size_t c : b->slotColumns())
        slots.push_back(std::vector<std::string_view>{"7", "Jansen", "31-02-2014", "030-2"}[c]);
    json before = record;
    EXPECT_FALSE(b->mapRowInto(slots, 3, record, scratch, problems));
    EXPECT_EQ(record, before);
    ASSERT_EQ(problems.size(), 1u);
}

// A text group value is compared with the elements before it is checked; a wrong one is still
// reported, in mapping order among the row's other problems, and adds nothing.
TEST(BoundPart, WrongGroupValueIsReportedInMappingOrder) {
    auto m = loadMapping(R"({"sluis_mapping": 1, "parts": [
      {"name": "l", "key": "Nr", "fields": [{"column": "Nr", "target": "leerling.leerlingid"}]},
      {"name": "c", "key": "Nr", "into": "cijferlijsten", "group_by": ["schooljaar"], "fields": [
                 {"column": "Vak", "target": "cijfers[].vak", "required": true},
                 {"column": "J", "target": "schooljaar"},
                 {"column": "C", "target": "cijfers[].cijfer", "required": true}]}]})",
                         "group.json");
    ASSERT_TRUE(m.isOk()) << m.error().message;
    auto b = BoundPart::bind((*m)->parts[1], {"Nr", "Vak", "J", "C"}, "c.csv", nullptr);
    ASSERT_TRUE(b.isOk()) << b.error().message;
    json record = json::object(), scratch;
    auto row = [&](std::vector<std::string_view> cells, std::vector<std::string>& problems) {
        std::vector<std::string_view> slots;
        for (size_t c : b->slotColumns()) slots.push_back(cells[c]);
        return b->mapRowInto(slots, 5, record, scratch, problems);
    };
    std::vector<std::string> problems;
    ASSERT_TRUE(row({"7", "Taal", "2025-2026", "7"}, problems)) << problems[0];
    const json before = record;
    // Wrong group value only: no element matches, so it is checked and refused.
    EXPECT_FALSE(row({"7", "Taal", "2025", "8"}, problems));
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ(problems[0].rfind("c.csv:5: kolom 'J' (cijferlijsten[].schooljaar): ", 0), 0u)
        << problems[0];
    // With problems before and after it: all three, in the mapping's order.
    problems.clear();
    EXPECT_FALSE(row({"7", "", "2025", ""}, problems));
    ASSERT_EQ(problems.size(), 3u);
    EXPECT_NE(problems[0].find("(cijferlijsten[].cijfers[].vak): verplicht"), std::string::npos);
    EXPECT_NE(problems[1].find("(cijferlijsten[].schooljaar): "), std::string::npos);
    EXPECT_NE(problems[2].find("(cijferlijsten[].cijfers[].cijfer): verplicht"), std::string::npos);
    EXPECT_EQ(record, before);
    // A right value that matches merges into the element.
    problems.clear();
    ASSERT_TRUE(row({"7", "Rekenen", "2025-2026", "6"}, problems)) << problems[0];
    ASSERT_EQ(record["cijferlijsten"].size(), 1u);
    EXPECT_EQ(record["cijferlijsten"][0]["cijfers"].size(), 2u);
}

// Decimals: the quick path for plain numbers gives exactly the double strtod gives, for every
// length, sign and separator position; what it does not take still goes through strtod's rules.
TEST(FieldMapping, DecimalsConvertExactlyAsStrtod) {
    FieldMapping f;
    f.target.kind = model::Kind::kDecimal;
    std::mt19937_64 rng(42);
    auto digit = [&] { return static_cast<char>('0' + rng() % 10); };
    for (int n = 0; n < 20000; ++n) {
        std::string text;
        if (rng() % 4 == 0) text += rng() % 2 ? '-' : '+';
        const size_t len = 1 + rng() % 18, sep = rng() % (len + 2);
        for (size_t i = 0; i < len; ++i) {
            if (i == sep && i > 0) text += rng() % 2 ? ',' : '.';
            text += digit();
        }
        std::string dotted = text;
        std::replace(dotted.begin(), dotted.end(), ',', '.');
        const double expected = std::strtod(dotted.c_str(), nullptr);
        json out;
        std::string error;
        ASSERT_TRUE(f.convert(std::string(text), out, error)) << text << ": " << error;
        ASSERT_TRUE(out.is_number_float()) << text;
        const double got = out.get<double>();
        EXPECT_EQ(std::memcmp(&got, &expected, sizeof got), 0) << text << " gave " << got;
    }
    for (std::string ok : {"7,", ",5", "-0", "1e3", " 7,5"}) {
        std::string dotted = ok;
        std::replace(dotted.begin(), dotted.end(), ',', '.');
        json out;
        std::string error;
        ASSERT_TRUE(f.convert(std::string(ok), out, error)) << ok << ": " << error;
        const double got = out.get<double>(), expected = std::strtod(dotted.c_str(), nullptr);
        EXPECT_EQ(std::memcmp(&got, &expected, sizeof got), 0) << ok;
    }
    for (std::string bad : {"", "-", "7,5,0", "7.5.0", "zeven", "0x10", "nan", "inf", "7,5 kg"}) {
        json out;
        std::string error;
        EXPECT_FALSE(f.convert(std::string(bad), out, error)) << bad;
        EXPECT_EQ(error, "verwacht een getal (bijvoorbeeld 7,5)") << bad;
    }
}

TEST(Reverse, RoundTripsTheShippedMappingForGuardiansAndGrades) {
    auto m = builtinMagisterMapping();
    json rec = json::parse(test::readFile(test::sourceDir() / "tests/las/golden/magister-basic/expected.json"))[0];
    auto ouders = reversePart(*m->part("ouders"), rec, "1001");
    ASSERT_TRUE(ouders.isOk()) << ouders.error().message;
    ASSERT_EQ(ouders->rows.size(), 2u);
    EXPECT_EQ(ouders->header[0], "Stamnr");
    auto col = [&](const ReverseTable& t, const std::string& h) {
        return static_cast<size_t>(std::find(t.header.begin(), t.header.end(), h) - t.header.begin());
    };
    EXPECT_EQ(ouders->rows[0][col(*ouders, "Relatie")], "Moeder");
    EXPECT_EQ(ouders->rows[1][col(*ouders, "Relatie")], "Vader");
    // Telefoon and Mobiel write the same fixed values (telefoon, prive): a canonical record cannot
    // tell them apart, so the first such number goes back to the first such column.
    EXPECT_EQ(ouders->rows[0][col(*ouders, "Telefoon")], "06-12345678");
    EXPECT_EQ(ouders->rows[0][col(*ouders, "Mobiel")], "");
    EXPECT_EQ(ouders->rows[0][col(*ouders, "E-mail")], "a.berg@example.nl");
    EXPECT_EQ(ouders->rows[0][col(*ouders, "Gezag")], "Ja");
    EXPECT_EQ(ouders->rows[1][col(*ouders, "Gezag")], "Nee");
    auto cijfers = reversePart(*m->part("cijfers"), rec, "1001");
    ASSERT_TRUE(cijfers.isOk()) << cijfers.error().message;
    ASSERT_EQ(cijfers->rows.size(), 3u);
    EXPECT_EQ(cijfers->rows[2][col(*cijfers, "Datum")], "28-01-2026");
    EXPECT_EQ(cijfers->rows[2][col(*cijfers, "Weging")], "1,5");
    EXPECT_EQ(cijfers->rows[0][col(*cijfers, "Periode")], "1");

    // voornamenlijst (a list of words) goes back to one Voornamen cell.
    auto leerlingen = reversePart(*m->part("leerlingen"), rec, "1001");
    ASSERT_TRUE(leerlingen.isOk()) << leerlingen.error().message;
    EXPECT_EQ(leerlingen->rows[0][col(*leerlingen, "Voornamen")], "Daan Willem");

    // Import the reversed CSV again: the same canonical data comes back.
    std::string lee = writeCsv(*leerlingen);
    std::string oud = writeCsv(*ouders);
    std::string cij = writeCsv(*cijfers);
    ImportOptions o;
    o.school = rec["school"];
    auto batch = importMagisterExport({ExportFile::fromBytes("leerlingen.csv", lee, "leerlingen"),
                                       ExportFile::fromBytes("ouders.csv", oud, "ouders"),
                                       ExportFile::fromBytes("cijfers.csv", cij, "cijfers")},
                                      *m, o);
    ASSERT_TRUE(batch.isOk()) << batch.error().message;
    ASSERT_EQ(batch->records.size(), 1u);
    json back = batch->records[0];
    EXPECT_EQ(back["leerling"], rec["leerling"]);
    EXPECT_EQ(back["verzorgers"], rec["verzorgers"]);
    EXPECT_EQ(back["cijferlijsten"], rec["cijferlijsten"]);
}

TEST(Reverse, NonReversibleTransformIsAClearError) {
    auto m = loadMapping(kSmall, "small.json");
    ASSERT_TRUE(m.isOk());
    json rec = {{"leerling", {{"leerlingid", "7"}, {"achternaam", "Berg"}}}};
    auto t = reversePart((*m)->parts[0], rec, "7");
    ASSERT_FALSE(t.isOk());
    EXPECT_EQ(t.error().code, ErrorCode::kInvalidConfig);
    EXPECT_NE(t.error().message.find("parts[0].fields[1] (leerling.voorvoegsel): transformatie "
                                     "split_name is niet omkeerbaar"),
              std::string::npos)
        << t.error().message;
}

TEST(Csv, WriterQuotesWhatNeedsIt) {
    ReverseTable t{{"a", "b"}, {{"x;y", "say \"hi\""}, {"line\nbreak", "plain"}}};
    EXPECT_EQ(writeCsv(t), "a;b\r\n\"x;y\";\"say \"\"hi\"\"\"\r\n\"line\nbreak\";plain\r\n");
}

}  // namespace
}  // namespace sluis::mapping

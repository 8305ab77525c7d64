#include "core/model/model.h"

#include <gtest/gtest.h>

#include "core/model/bsn.h"

namespace sluis::model {
namespace {

using nlohmann::json;

json minimalRecord() {
    return json{{"school", {{"naam", "De Regenboog"}, {"brincode", "12AB"}}},
                {"leerling",
                 {{"leerlingid", "1001"},
                  {"bsn", "111222333"},
                  {"achternaam", "Jansen"},
                  {"geboortedatum", "2013-05-17"}}}};
}

bool hasIssue(const std::vector<Issue>& issues, const std::string& path) {
    for (auto& i : issues)
        if (i.path == path) return true;
    return false;
}

TEST(Bsn, Elfproef) {
    EXPECT_TRUE(isValidBsn("111222333"));
    EXPECT_TRUE(isValidBsn("123456782"));
    EXPECT_FALSE(isValidBsn("123456789"));
    EXPECT_FALSE(isValidBsn("000000000"));  // sum 0 is not valid
    EXPECT_FALSE(isValidBsn("12345678a"));
    EXPECT_FALSE(isValidBsn("1234567"));
    EXPECT_TRUE(isValidBsn("11222333") == isValidBsn("011222333"));
}

TEST(Dates, CalendarRules) {
    EXPECT_TRUE(isValidIsoDate("2024-02-29"));
    EXPECT_FALSE(isValidIsoDate("2023-02-29"));
    EXPECT_FALSE(isValidIsoDate("2023-13-01"));
    EXPECT_FALSE(isValidIsoDate("17-05-2013"));
    EXPECT_FALSE(isValidIsoDate("2013-5-17"));
    EXPECT_TRUE(isValidIsoDate("2000-02-29"));
    EXPECT_FALSE(isValidIsoDate("1900-02-29"));
}

TEST(Model, MinimalRecordIsValid) {
    auto issues = ModelDefinition::builtin()->validate(minimalRecord());
    for (auto& i : issues) ADD_FAILURE() << i.path << ": " << i.message;
}

TEST(Model, ReportsPathsNeverValues) {
    auto r = minimalRecord();
    r["leerling"]["bsn"] = "123456789";
    r["leerling"]["geboortedatum"] = "2013-02-30";
    r["leerling"]["geslacht"] = "M";
    r["leerling"]["adressen"] = json::array({{{"soortadres", "thuis"}, {"postcode", "1234AB"}}});
    r["leerling"]["schoenmaat"] = 38;
    auto issues = ModelDefinition::builtin()->validate(r);
    EXPECT_TRUE(hasIssue(issues, "leerling.bsn"));
    EXPECT_TRUE(hasIssue(issues, "leerling.geboortedatum"));
    EXPECT_TRUE(hasIssue(issues, "leerling.geslacht"));
    EXPECT_TRUE(hasIssue(issues, "leerling.adressen[0].soortadres"));
    EXPECT_TRUE(hasIssue(issues, "leerling.schoenmaat"));
    for (auto& i : issues) {
        EXPECT_EQ(i.message.find("123456789"), std::string::npos) << i.message;
        EXPECT_EQ(i.message.find("thuis"), std::string::npos) << i.message;
        EXPECT_EQ(i.message.find("2013-02-30"), std::string::npos) << i.message;
    }
}

TEST(Model, RetiredFieldsNameTheirReplacement) {
    // A record stored by a Sluis with model version 1 may still carry the second shape of a fact.
    json r = minimalRecord();
    r["leerling"]["voornamen"] = "Anna Sophie";
    r["verzorgers"] = json::array({{{"achternaam", "Jansen"}, {"voornamen", "Petra"}}});
    r["onderwijsondersteuning"] = {{"diagnoses", json::array({{{"omschrijving", "GEHEIM"}}})},
                                   {"lwoo", true}};
    r["toetsen"] = json::array();
    auto issues = ModelDefinition::builtin()->validate(r);
    auto message = [&](const std::string& path) {
        for (auto& i : issues)
            if (i.path == path) return i.message;
        return std::string("(geen melding)");
    };
    EXPECT_NE(message("leerling.voornamen").find("gebruik leerling.voornamenlijst"),
              std::string::npos)
        << message("leerling.voornamen");
    EXPECT_NE(message("verzorgers[0].voornamen").find("gebruik verzorgers[0].voornamenlijst"),
              std::string::npos);
    EXPECT_NE(message("onderwijsondersteuning.diagnoses")
                  .find("gebruik onderwijsondersteuning.diagnoselijst"),
              std::string::npos);
    EXPECT_NE(message("onderwijsondersteuning.lwoo")
                  .find("gebruik onderwijsondersteuning.lwootoewijzing"),
              std::string::npos);
    EXPECT_NE(message("toetsen").find("gebruik toetsresultaten"), std::string::npos);
    EXPECT_EQ(issues.size(), 5u);
    for (auto& i : issues) {
        EXPECT_NE(i.message.find("bestaat niet meer"), std::string::npos) << i.message;
        EXPECT_EQ(i.message.find("GEHEIM"), std::string::npos) << i.message;
        EXPECT_EQ(i.message.find("Anna"), std::string::npos) << i.message;
    }
}

TEST(Model, RetiredFieldsInsideListElements) {
    json r = minimalRecord();
    r["onderwijsondersteuning"] = {
        {"handelingsplannen", json::array({{{"titel", "Rekenen"}, {"begindatum", "2025-10-01"}}})}};
    auto issues = ModelDefinition::builtin()->validate(r);
    bool titel = false, begin = false;
    for (auto& i : issues) {
        titel = titel || (i.path == "onderwijsondersteuning.handelingsplannen[0].titel" &&
                          i.message.find("gebruik onderwijsondersteuning.handelingsplannen[0]."
                                         "isgerichtop") != std::string::npos);
        begin = begin || (i.path == "onderwijsondersteuning.handelingsplannen[0].begindatum" &&
                          i.message.find("handelingsplannen[0].startdatum") != std::string::npos);
    }
    EXPECT_TRUE(titel);
    EXPECT_TRUE(begin);
    EXPECT_TRUE(hasIssue(issues, "onderwijsondersteuning.handelingsplannen[0].isgerichtop"));
}

TEST(Model, RequiredFields) {
    json r = minimalRecord();
    r["leerling"].erase("achternaam");
    r.erase("school");
    auto issues = ModelDefinition::builtin()->validate(r);
    EXPECT_TRUE(hasIssue(issues, "leerling.achternaam"));
    EXPECT_TRUE(hasIssue(issues, "school"));
    EXPECT_FALSE(ModelDefinition::builtin()->validate(json::array()).empty());
}

TEST(Model, Classification) {
    auto def = ModelDefinition::builtin();
    auto bsn = def->classify("leerling.bsn");
    ASSERT_TRUE(bsn);
    EXPECT_EQ(bsn->category, "leerling");
    EXPECT_EQ(bsn->sensitivity, Sensitivity::kIdentifier);
    auto diag = def->classify("onderwijsondersteuning.diagnoselijst[2].naam");
    ASSERT_TRUE(diag);
    EXPECT_EQ(diag->category, "onderwijsondersteuning");
    EXPECT_EQ(diag->sensitivity, Sensitivity::kSpecial);
    auto diagdoc = def->classify("onderwijsondersteuning.diagnoselijst[0].documenten[0].inhoud");
    ASSERT_TRUE(diagdoc);
    EXPECT_EQ(diagdoc->sensitivity, Sensitivity::kSpecial);
    auto medicijn = def->classify("onderwijsondersteuning.medicijngebruikaanwezig");
    ASSERT_TRUE(medicijn);
    EXPECT_EQ(medicijn->sensitivity, Sensitivity::kSpecial);
    auto buitenland = def->classify("leerling.adresbuitenlandregels[]");
    ASSERT_TRUE(buitenland);
    EXPECT_EQ(buitenland->sensitivity, Sensitivity::kContact);
    auto hp = def->classify("onderwijsondersteuning.handelingsplannen[0].doelen[1].omschrijving");
    ASSERT_TRUE(hp);
    EXPECT_EQ(hp->category, "handelingsplannen");
    auto med = def->classify("verzuim.meldingen[0].medisch");
    ASSERT_TRUE(med);
    EXPECT_EQ(med->sensitivity, Sensitivity::kSpecial);
    auto phone = def->classify("verzorgers[0].communicatie[0].nummer");
    ASSERT_TRUE(phone);
    EXPECT_EQ(phone->category, "oudersverzorgers");
    EXPECT_EQ(phone->sensitivity, Sensitivity::kContact);
    EXPECT_FALSE(def->classify("leerling.schoenmaat"));
    // Every leaf has a category that is an OSO category or 'intern'.
    const std::set<std::string> cats = {
        "metadata", "ouderinzage", "school", "leerling", "oudersverzorgers", "vve",
        "schoolloopbaan", "overstapadvies", "onderwijsondersteuning", "verzuim", "eindtoetsbo",
        "toetsresultaten", "handelingsplannen", "cijferlijsten", "vombo", "bijlagedocs", "intern"};
    for (const auto& c : def->classification()) EXPECT_TRUE(cats.count(c.category)) << c.path;
}

TEST(Model, SchemaIsDerivedFromTable) {
    auto schema = ModelDefinition::builtin()->jsonSchema();
    EXPECT_EQ(schema["$ref"], "#/$defs/Leerlingdossier");
    auto leerling = schema["$defs"]["Leerling"];
    EXPECT_EQ(leerling["additionalProperties"], false);
    EXPECT_EQ(leerling["properties"]["geslacht"]["enum"].size(), 4u);
    EXPECT_NE(std::find(leerling["required"].begin(), leerling["required"].end(), "geboortedatum"),
              leerling["required"].end());
}

TEST(Model, RejectsBrokenDefinitions) {
    EXPECT_FALSE(ModelDefinition::parse("{"));
    EXPECT_FALSE(ModelDefinition::parse(R"({"version":1,"root":"X","types":{}})"));
    auto r = ModelDefinition::parse(
        R"({"version":1,"root":"X","types":{"X":{"fields":[{"name":"a","kind":"object","type":"Y"}]}}})");
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("/types/X/a"), std::string::npos);
    // A retired field must be gone from its type and name a field that exists.
    auto still = ModelDefinition::parse(
        R"({"version":2,"root":"X","retired":{"X.a":"b"},"types":{"X":{"fields":[{"name":"a","kind":"string"},{"name":"b","kind":"string"}]}}})");
    ASSERT_FALSE(still);
    EXPECT_NE(still.error().message.find("/retired/X.a"), std::string::npos);
    EXPECT_FALSE(ModelDefinition::parse(
        R"({"version":2,"root":"X","retired":{"X.a":"c"},"types":{"X":{"fields":[{"name":"b","kind":"string"}]}}})"));
}


// The field index is a perfect hash that compares names as words: names of every length up to
// past 16 bytes (where only part of the name is in the words), names that differ only in the
// middle, names that differ only in one end byte, and duplicates (the first one wins).
TEST(Model, FieldIndexFindsExactlyTheDeclaredNames) {
    std::vector<std::string> names;
    for (size_t n = 1; n <= 26; ++n) names.push_back(std::string(n, 'a'));
    for (size_t n = 2; n <= 26; ++n) names.push_back(std::string(n - 1, 'a') + "b");
    for (size_t n = 1; n <= 26; ++n) names.push_back("b" + std::string(n - 1, 'a'));
    names.push_back("abcdefgh_X_ijklmnop");
    names.push_back("abcdefgh_Y_ijklmnop");
    names.push_back("voornaam");
    names.push_back("voornamen");
    TypeDef t;
    for (const auto& n : names) {
        t.fields.emplace_back();
        t.fields.back().name = n;
    }
    t.fields.emplace_back();
    t.fields.back().name = "voornaam";  // a duplicate: the first one is found
    t.buildIndex();
    for (size_t i = 0; i < names.size(); ++i) {
        EXPECT_EQ(t.find(names[i]), &t.fields[i]) << names[i];
        // Same length, one byte different at the start, middle or end: not a field.
        for (size_t at : {size_t{0}, names[i].size() / 2, names[i].size() - 1}) {
            std::string other = names[i];
            other[at] = 'z';
            EXPECT_EQ(t.find(other), nullptr) << other;
        }
    }
    EXPECT_EQ(t.find("abcdefgh_Z_ijklmnop"), nullptr);
    EXPECT_EQ(t.find(""), nullptr);
    EXPECT_EQ(t.find(std::string(27, 'a')), nullptr);
}

}  // namespace
}  // namespace sluis::model

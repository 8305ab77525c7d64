// Unit tests of the business rules (oso_rules*.cpp) and their data (standard.json): the official
// rule set is complete, Sluis's own ids never reuse an official one, and the places where an
// earlier Sluis check contradicted the official rules now follow the official rules.
#include "mapping/oso/oso_rules.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "mapping/oso/oso_validator.h"
#include "tests/oso/oso_test_util.h"

namespace sluis::oso {
namespace {

using nlohmann::json;

std::shared_ptr<const Standard> std2019() { return *Standard::get("2019.1"); }

/// Business rules only (no XSD): the rule ids reported for a dossier.
std::set<std::string> ruleIds(const std::string& xml) {
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(xml.c_str()));
    std::vector<Melding> out;
    businessRules(*std2019(), doc, xml, out);
    std::set<std::string> ids;
    for (const auto& m : out) ids.insert(m.rule);
    return ids;
}

/// A dossier written by Sluis from a synthetic record (cases/records/) for a profile, edited.
std::string edited(const char* record, const char* profile, const char* edits) {
    json base = {{"record", record}, {"profile", profile}};
    return test::applyEdits(test::buildBase(base), json::parse(edits));
}

TEST(oso_rules, EveryOfficialRuleAndCodeListIsInTheData) {
    auto s = std2019();
    EXPECT_EQ(s->officialRules().size(), 123u);
    EXPECT_EQ(s->codeLists().size(), 33u);
    size_t without_check = 0;
    for (const auto& [id, rule] : s->officialRules()) {
        if (rule.check == "none") {
            ++without_check;
            EXPECT_TRUE(rule.texts.empty()) << id;
        } else {
            EXPECT_FALSE(rule.texts.empty()) << id;
        }
        EXPECT_FALSE(rule.source.empty()) << id;
        EXPECT_TRUE(rule.scope == "overstapdossier" || rule.scope == "overdrachtbinnenbrin" ||
                    rule.scope == "swv-dossier" || rule.scope == "alle")
            << id;
    }
    EXPECT_EQ(without_check, 4u);  // OS.cat03, OS.cat04, OVa.EB01, OVa.TR01
    std::set<int> lists;
    for (const auto& cl : s->codeLists()) {
        lists.insert(cl.list);
        EXPECT_FALSE(cl.values.empty()) << cl.rule;
        EXPECT_FALSE(cl.fields.empty()) << cl.rule;
        for (const auto& f : cl.fields) EXPECT_FALSE(f.text.empty()) << cl.rule;
    }
    EXPECT_EQ(lists.size(), 33u);
    EXPECT_EQ(s->categoryRules().size(), 14u);  // OS.cat01-16 without cat03/cat04
}

TEST(oso_rules, SluisIdsNeverReuseAnOfficialId) {
    auto s = std2019();
    for (const auto& [id, text] : s->rules()) {
        EXPECT_EQ(s->officialRules().count(id), 0u) << id;
        EXPECT_TRUE(id == "XSD" || id.rfind("SLUIS.", 0) == 0) << id;
    }
}

TEST(oso_rules, OfficialTextsAreTheMeldingText) {
    auto s = std2019();
    EXPECT_EQ(s->officialText("OVa.LL14"),
              "Inschrijfdatum is verplicht bij een leerling in een overstapdossier.");
    EXPECT_EQ(s->ruleText("OVa.LL14"), s->officialText("OVa.LL14"));
    EXPECT_EQ(s->officialText("OVa.AI01", 1),
              "Aansprakelijke instelling is verplicht in een POVO-overstapdossier als de "
              "verzorgers niet aansprakelijk zijn.");
    EXPECT_EQ(s->officialText("SLUIS.SL01"), "");
}

TEST(oso_rules, SluisWrittenDossiersPassEveryRule) {
    for (const auto& [record, profile] :
         std::vector<std::pair<const char*, const char*>>{{"povo_full.json", "POVO"},
                                                          {"popo_full.json", "POPO"},
                                                          {"vovo_full.json", "VOVO"},
                                                          {"bb_full.json", "BB"},
                                                          {"poswv_full.json", "POSWV"},
                                                          {"voswv_full.json", "VOSWV"}})
        EXPECT_EQ(ruleIds(edited(record, profile, "[]")), std::set<std::string>{}) << profile;
}

// The official examples pass every rule too; they are the standard's, so this runs only where
// an operator points SLUIS_OSO_OFFICIAL_DIR at them (the oracle suite runs them as well).
TEST(oso_rules, OfficialExamplesPassEveryRule) {
    const char* dir = std::getenv("SLUIS_OSO_OFFICIAL_DIR");
    if (!dir || !*dir) {
        if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true")
            FAIL() << "SLUIS_OSO_OFFICIAL_DIR is not set";
        GTEST_SKIP() << "SLUIS_OSO_OFFICIAL_DIR not set: the official examples were not checked";
    }
    auto examples = std::filesystem::path(dir) / "2019.1" / "examples";
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(examples)) {
        if (e.path().extension() != ".xml") continue;
        ++n;
        std::ifstream in(e.path(), std::ios::binary);
        std::string xml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        EXPECT_EQ(ruleIds(xml), std::set<std::string>{}) << e.path().filename();
    }
    EXPECT_EQ(n, 12u);
}

TEST(oso_rules, GeslachtNineIsNotInCodeList14) {
    auto ids =
        ruleIds(edited("povo_full.json", "POVO",
                       R"([{"set": "/dossier/huidigeschool/leerling/geslacht", "value": "9"}])"));
    EXPECT_EQ(ids, std::set<std::string>{"CL14"});
}

TEST(oso_rules, BinnenBrinWithOverstapIsValid) {
    // Both official BB examples carry <overstap>POPO</overstap>; no official rule forbids it.
    for (const char* overstap : {"POPO", "VOVO"}) {
        std::string edit = std::string(R"([{"append": "/dossier/metadata", "xml": "<overstap>)") +
                           overstap + R"(</overstap>"}])";
        EXPECT_EQ(ruleIds(edited("bb_full.json", "BB", edit.c_str())), std::set<std::string>{})
            << overstap;
    }
}

TEST(oso_rules, NotDeelgenomenWithAResultIsValidAndWithoutToetssoortIsNot) {
    // Official OVa.EB03: without deelname the toetssoort is required, a result is allowed.
    auto with_result = ruleIds(edited(
        "povo_full.json", "POVO",
        R"([{"set": "/dossier/huidigeschool/leerling/eindtoets_basisonderwijs/deelgenomen", "value": "false"}])"));
    EXPECT_EQ(with_result, std::set<std::string>{});
    auto without = ruleIds(edited(
        "povo_full.json", "POVO",
        R"([{"set": "/dossier/huidigeschool/leerling/eindtoets_basisonderwijs/deelgenomen", "value": "0"},
            {"remove": "/dossier/huidigeschool/leerling/eindtoets_basisonderwijs/eindtoetsresultaat/toetssoort"}])"));
    EXPECT_EQ(without, std::set<std::string>{"OVa.EB03"});
}

TEST(oso_rules, RulesFollowTheOverdrachtsoort) {
    // The same defect (no datuminschrijving) is an OVa rule in an overstapdossier and nothing in
    // a BB or SWV dossier, where the official files do not ask for it.
    const char* remove = R"([{"remove": "/dossier/huidigeschool/leerling/datuminschrijving"}])";
    EXPECT_EQ(ruleIds(edited("povo_full.json", "POVO", remove)), std::set<std::string>{"OVa.LL14"});
    EXPECT_EQ(ruleIds(edited("bb_full.json", "BB", remove)), std::set<std::string>{});
    EXPECT_EQ(ruleIds(edited("poswv_full.json", "POSWV", remove)), std::set<std::string>{});
}

TEST(oso_rules, SecretCommunicatieIsReportedUnderThePersonsId) {
    auto ids = ruleIds(edited(
        "povo_full.json", "POVO",
        R"([{"set": "(/dossier/huidigeschool/leerling/verzorger/communicatielijst/communicatie[geheim='true' and soort='e-mail'])[1]/nummer", "value": "ouder@example.nl"},
            {"set": "/dossier/huidigeschool/leerling/communicatielijst/communicatie[1]/geheim", "value": "true"}])"));
    EXPECT_EQ(ids, (std::set<std::string>{"OVa.LL08", "OVa.OV04"}));
}

TEST(oso_rules, MeldingenNameThePlaceAndTheOfficialText) {
    std::string xml =
        edited("povo_full.json", "POVO",
               R"([{"remove": "/dossier/huidigeschool/leerling/datuminschrijving"}])");
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str()));
    std::vector<Melding> out;
    businessRules(*std2019(), doc, xml, out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].xpath, "/dossier/huidigeschool/leerling");
    EXPECT_EQ(out[0].text, std2019()->officialText("OVa.LL14"));
    EXPECT_GT(out[0].line, 0);
}

}  // namespace
}  // namespace sluis::oso

// Negative cases (cases/negative/*.json): each breaks one rule of a valid dossier and asserts that
// the validator reports exactly that rule id (and no other). Where the official rules make a
// second melding inevitable (e.g. OVa.OS01 "overstap missing" always comes with OVa.OS02 "overstap
// is not POPO/POVO/VOVO"), `expect` lists every id that must be reported, and nothing else may be.
// A case is either {"base": ..., "edits": [...]} (base: see test::buildBase) or
// {"file": raw/X.xml}. Adding a case means adding a file.
//
// With SLUIS_OSO_CASE_DUMP=DIR set, every case's dossier is written to DIR/<case>.xml, so that the
// official validator can be run on exactly what Sluis judged (docs/oso.md, "Overeenstemming").
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mapping/oso/oso_validator.h"
#include "tests/oso/oso_test_util.h"
#include "tests/support/test_util.h"

namespace sluis::oso {
namespace {

using nlohmann::json;

class oso_negative : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(oso_negative, ReportsExactlyTheBrokenRule) {
    json c = json::parse(sluis::test::readFile(GetParam()));
    auto s = Standard::get("2019.1");
    ASSERT_TRUE(s.isOk());
    std::string dossier;
    if (c.contains("file")) {
        dossier = sluis::test::readFile(test::casesDir() / c.at("file").get<std::string>());
    } else {
        std::string base = test::buildBase(c.at("base"));
        // The base itself must be valid, so that the edit is the only thing that breaks it.
        Validator bv(*s, ValidatorOptions{});
        ValidationReport brep = bv.validate(base);
        for (const auto& m : brep.meldingen) ADD_FAILURE() << "base: " << m.rule << " " << m.xpath;
        dossier = test::applyEdits(base, c.at("edits"));
    }
    if (const char* dump = std::getenv("SLUIS_OSO_CASE_DUMP"); dump && *dump)
        std::ofstream(std::filesystem::path(dump) / (GetParam().stem().string() + ".xml"),
                      std::ios::binary)
            << dossier;
    Validator v(*s, ValidatorOptions{});
    ValidationReport rep = v.validate(dossier);
    std::set<std::string> rules;
    for (const auto& m : rep.meldingen) rules.insert(m.rule);
    std::set<std::string> expect;
    if (c.at("expect").is_array())
        for (const auto& e : c["expect"]) expect.insert(e.get<std::string>());
    else
        expect.insert(c["expect"].get<std::string>());
    EXPECT_EQ(rules, expect) << [&] {
        std::string all;
        for (const auto& m : rep.meldingen) all += "\n  " + m.rule + " " + m.xpath + " " + m.text;
        return all;
    }();
    if (c.contains("xpath") && !rep.meldingen.empty()) {
        EXPECT_EQ(rep.meldingen[0].xpath, c["xpath"].get<std::string>());
    }
    // Meldingen never carry the values that were edited in.
    for (const auto& e : c.value("edits", json::array())) {
        // Only personal-looking values: codes (upper case, true/false) may be named in a text.
        std::string value = e.contains("value") ? e["value"].get<std::string>() : std::string();
        bool code = value.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ-") == std::string::npos ||
                    value == "true" || value == "false";
        if (value.size() <= 3 || code) continue;
        for (const auto& m : rep.meldingen) {
            EXPECT_EQ(m.text.find(e["value"].get<std::string>()), std::string::npos) << m.text;
        }
    }
}

std::string caseName(const ::testing::TestParamInfo<std::filesystem::path>& info) {
    std::string n = info.param.stem().string();
    for (auto& ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(cases, oso_negative, ::testing::ValuesIn(test::caseFiles("negative")),
                         caseName);

// Official rules that no XSD-valid dossier can break (or that cannot fire in Sluis at all), with
// the reason; docs/oso.md lists them too. Every other official rule, every code list and every
// SLUIS.* rule has a negative case.
const std::map<std::string, std::string>& uncoverable() {
    static const std::map<std::string, std::string> m = {
        {"OVa.OS03", "the OV rules only run for overstapdossier/overdrachtbinnenbrin"},
        {"OVb.OS01", "the OV rules only run for overstapdossier/overdrachtbinnenbrin"},
        {"PaO.SO03", "the SWV rules only run for swv-dossier"},
        {"PaO.ZB01", "the zorg block is not in the 2019.1 schema"},
        {"PaO.ZB02", "the zorg block is not in the 2019.1 schema"},
        {"OG.03", "the schema's einddatumType has the same pattern"},
    };
    return m;
}

TEST(oso_negative_suite, HasACaseForEveryRule) {
    auto files = test::caseFiles("negative");
    EXPECT_GE(files.size(), 60u);
    std::set<std::string> covered;
    for (const auto& f : files) {
        json e = json::parse(sluis::test::readFile(f)).at("expect");
        if (e.is_array())
            for (const auto& id : e) covered.insert(id.get<std::string>());
        else
            covered.insert(e.get<std::string>());
    }
    auto s = Standard::get("2019.1");
    ASSERT_TRUE(s.isOk());
    for (const auto& [id, rule] : (*s)->officialRules()) {
        if (rule.check == "none" || uncoverable().count(id)) continue;
        EXPECT_TRUE(covered.count(id)) << "no case for official rule " << id;
    }
    for (const auto& cl : (*s)->codeLists())
        EXPECT_TRUE(covered.count(cl.rule)) << "no case for code list " << cl.rule;
    for (const auto& [id, text] : (*s)->rules())
        EXPECT_TRUE(covered.count(id)) << "no case for " << id;
}

}  // namespace
}  // namespace sluis::oso

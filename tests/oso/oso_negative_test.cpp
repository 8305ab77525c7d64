// Negative cases (cases/negative/*.json): each breaks exactly one rule of a valid dossier and
// asserts that the validator reports exactly that rule id (and no other). A case is either
// {"base": EXAMPLE or {"example","profile","opt_out"}, "edits": [...]} or {"file": raw/X.xml}.
// Adding a case means adding a file.
#include <gtest/gtest.h>

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
    ValidatorOptions opts{};
    opts.vovo_toestemming_required = c.value("vovo_toestemming_required", true);
    Validator v(*s, opts);
    ValidationReport rep = v.validate(dossier);
    std::set<std::string> rules;
    for (const auto& m : rep.meldingen) rules.insert(m.rule);
    std::string expect = c.at("expect").get<std::string>();
    EXPECT_EQ(rules, std::set<std::string>{expect}) << [&] {
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

TEST(oso_negative_suite, HasAtLeastSixtyCasesCoveringEveryRule) {
    auto files = test::caseFiles("negative");
    EXPECT_GE(files.size(), 60u);
    std::set<std::string> covered;
    for (const auto& f : files) covered.insert(json::parse(sluis::test::readFile(f)).at("expect"));
    auto s = Standard::get("2019.1");
    for (const auto& [rule, text] : (*s)->rules())
        EXPECT_TRUE(covered.count(rule)) << "no case for " << rule;
}

}  // namespace
}  // namespace sluis::oso

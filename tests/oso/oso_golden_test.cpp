// Golden cases (cases/golden/*.json): every official example validates; read then write with the
// same profile and opt-outs gives back the expected dossier (same elements, attributes, values and
// order; whitespace aside); the canonical record is valid against the canonical model. Adding a
// case means adding a file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/model/model.h"
#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_validator.h"
#include "mapping/oso/oso_writer.h"
#include "tests/oso/oso_test_util.h"
#include "tests/support/test_util.h"

namespace sluis::oso {
namespace {

using nlohmann::json;

class oso_golden : public ::testing::TestWithParam<std::filesystem::path> {};

std::string pathOf(const std::string& line) { return line.substr(0, line.find('|')); }

TEST_P(oso_golden, ReadWriteValidate) {
    json c = json::parse(sluis::test::readFile(GetParam()));
    auto s = Standard::get(c.value("version", "2019.1"));
    ASSERT_TRUE(s.isOk());
    std::string source = test::example(c.at("source").get<std::string>());

    // 1. The source validates (XSD + business rules) without a single melding.
    Validator v(*s, ValidatorOptions{test::schemaPath()});
    ValidationReport rep = v.validate(source);
    for (const auto& m : rep.meldingen) ADD_FAILURE() << m.rule << " " << m.xpath << " " << m.text;
    EXPECT_TRUE(rep.valid());

    // 2. Read: a canonical record that is valid against the canonical model.
    auto r = readDossier(source, **s);
    ASSERT_TRUE(r.isOk()) << r.error().message;
    for (const auto& issue : model::ModelDefinition::builtin()->validate(r->record))
        ADD_FAILURE() << "canonical model: " << issue.path << ": " << issue.message;
    EXPECT_EQ(r->warnings.size(), c.value("warnings", 0u));

    // 3. Write with the case's profile and opt-outs: exactly the expected dossier.
    WriteOptions o;
    o.profile = c.at("profile").get<std::string>();
    o.opt_out = c.value("opt_out", std::vector<std::string>{});
    auto w = writeDossier(r->record, **s, o);
    ASSERT_TRUE(w.isOk()) << w.error().message;
    ValidationReport wrep = v.validate(w->xml);
    for (const auto& m : wrep.meldingen) ADD_FAILURE() << "written: " << m.rule << " " << m.xpath;

    auto expected = test::flatten(test::example(c.at("expect").get<std::string>()));
    auto actual = test::flatten(w->xml);
    // Known differences are element paths whose value differs in the official files themselves
    // (documented per case); only the value is ignored there, never presence or order.
    auto known = c.value("known_differences", std::vector<std::string>{});
    ASSERT_EQ(expected.size(), actual.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        if (expected[i] == actual[i]) continue;
        bool allowed = false;
        for (const auto& k : known)
            allowed = allowed || (pathOf(expected[i]) == k && pathOf(actual[i]) == k);
        EXPECT_TRUE(allowed) << "line " << i << "\nexpected: " << expected[i]
                             << "\nactual:   " << actual[i];
    }
}

std::string caseName(const ::testing::TestParamInfo<std::filesystem::path>& info) {
    std::string n = info.param.stem().string();
    for (auto& ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(cases, oso_golden, ::testing::ValuesIn(test::caseFiles("golden")),
                         caseName);

}  // namespace
}  // namespace sluis::oso

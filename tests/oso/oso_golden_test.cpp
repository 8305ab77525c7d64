// Golden cases (cases/golden/*.json): {"record", "profile", "opt_out", "golden"}. For each case the
// synthetic record (cases/records/, our own invented data) is written with the OSO writer for the
// profile and opt-outs and must be byte for byte the committed golden dossier
// (cases/golden/<golden>), which Sluis wrote and which was checked with the official XSD and XSLT
// rules (the oracle suite tests/oso_official/ re-checks every golden when the official material is
// available). The written dossier is valid per Sluis's own validator (no schema file), reading it
// gives a record that is valid against the canonical model, and writing that record again with
// the same profile and opt-outs gives the identical dossier.
//
// Regenerating after an intended writer change: run the test with SLUIS_UPDATE_GOLDEN=1
//   SLUIS_UPDATE_GOLDEN=1 ./build/tests/oso/oso_tests --gtest_filter='cases/oso_golden.*'
// which rewrites cases/golden/*.xml in the source tree (and fails, so that an update is never
// mistaken for a pass); review the diff with git and check the new files with the oracle suite
// (SLUIS_OSO_OFFICIAL_DIR=... ctest -R oso_official) before committing them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
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

bool updating() {
    const char* u = std::getenv("SLUIS_UPDATE_GOLDEN");
    return u != nullptr && *u != '\0' && std::string(u) != "0";
}

TEST_P(oso_golden, WriteValidateReadWrite) {
    json c = json::parse(sluis::test::readFile(GetParam()));
    auto s = Standard::get(c.value("version", "2019.1"));
    ASSERT_TRUE(s.isOk());
    json record = test::record(c.at("record").get<std::string>());
    for (const auto& issue : model::ModelDefinition::builtin()->validate(record))
        ADD_FAILURE() << "record, canonical model: " << issue.path << ": " << issue.message;

    // 1. Write: exactly the committed golden dossier.
    WriteOptions o;
    o.profile = c.at("profile").get<std::string>();
    o.opt_out = c.value("opt_out", std::vector<std::string>{});
    auto w = writeDossier(record, **s, o);
    ASSERT_TRUE(w.isOk()) << w.error().message;
    auto golden = test::casesDir() / "golden" / c.at("golden").get<std::string>();
    if (updating()) {
        std::ofstream(golden, std::ios::binary) << w->xml;
        FAIL() << "rewrote " << golden << " (SLUIS_UPDATE_GOLDEN is set); review and commit it";
    }
    ASSERT_TRUE(std::filesystem::exists(golden))
        << golden << " is missing; create it with SLUIS_UPDATE_GOLDEN=1 (see the top of this file)";
    std::string expected = sluis::test::readFile(golden);
    if (w->xml != expected) {
        auto e = test::flatten(expected), a = test::flatten(w->xml);
        size_t i = 0;
        while (i < e.size() && i < a.size() && e[i] == a[i]) ++i;
        FAIL() << "written dossier differs from " << golden.filename() << " at element " << i
               << "\nexpected: " << (i < e.size() ? e[i] : "(end)")
               << "\nactual:   " << (i < a.size() ? a[i] : "(end)");
    }

    // 2. Valid per Sluis's own validator (structure natively once available, business rules).
    Validator v(*s, ValidatorOptions{});
    ValidationReport rep = v.validate(w->xml);
    for (const auto& m : rep.meldingen) ADD_FAILURE() << m.rule << " " << m.xpath << " " << m.text;
    EXPECT_TRUE(rep.valid());

    // 3. Read: a record valid against the canonical model; written again, the same dossier.
    auto r = readDossier(w->xml, **s);
    ASSERT_TRUE(r.isOk()) << r.error().message;
    EXPECT_TRUE(r->warnings.empty()) << r->warnings.size() << " warnings";
    for (const auto& issue : model::ModelDefinition::builtin()->validate(r->record))
        ADD_FAILURE() << "read back, canonical model: " << issue.path << ": " << issue.message;
    auto w2 = writeDossier(r->record, **s, o);
    ASSERT_TRUE(w2.isOk()) << w2.error().message;
    EXPECT_EQ(w2->xml, w->xml) << "read → write is not stable for " << golden.filename();
}

std::string caseName(const ::testing::TestParamInfo<std::filesystem::path>& info) {
    std::string n = info.param.stem().string();
    for (auto& ch : n)
        if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return n;
}

INSTANTIATE_TEST_SUITE_P(cases, oso_golden, ::testing::ValuesIn(test::caseFiles("golden")),
                         caseName);

// Every profile has a golden with nothing opted out and one with every optional category opted
// out, so a profile cannot silently lose its goldens.
TEST(oso_golden_set, EveryProfileHasFullAndOptOutCases) {
    std::map<std::string, std::set<size_t>> seen;
    for (const auto& f : test::caseFiles("golden")) {
        json c = json::parse(sluis::test::readFile(f));
        seen[c.at("profile").get<std::string>()].insert(c.value("opt_out", json::array()).size());
    }
    for (const char* p : {"POPO", "POVO", "VOVO", "BB", "POSWV", "VOSWV"}) {
        ASSERT_TRUE(seen.count(p)) << "no golden case for " << p;
        EXPECT_TRUE(seen[p].count(0)) << p << ": no case without opt-outs";
        EXPECT_GE(seen[p].size(), 2u) << p << ": no case with opt-outs";
    }
}

}  // namespace
}  // namespace sluis::oso

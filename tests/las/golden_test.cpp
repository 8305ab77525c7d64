// Golden tests for the shipped mappings: every directory under tests/las/golden/ is one case.
//
//   case.json            {"mapping": "config/mappings/magister.json" (default) or a file in the
//                         case, "inputs": ["leerlingen.csv", "ouders=ouders.csv", ...],
//                         "school": {...}, "options": {decoder options}, "decoder": true}
//   expected.json        the canonical records (a JSON array), compared exactly
//   expected_warnings.txt  (optional) substrings, one per line, each in some warning
//   expected_error.txt   (instead of expected.json) substrings, one per line, all in the error
//   forbidden.txt        (optional) strings that must appear in no message (personal values)
//
// Adding a case means adding files. SLUIS_UPDATE_GOLDEN=1 rewrites expected.json (review it!).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/mapper/mapper.h"
#include "mapping/magister/magister_decoder.h"
#include "mapping/magister/magister_import.h"
#include "tests/support/test_util.h"

namespace sluis::mapping {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l))
        if (!l.empty()) out.push_back(l);
    return out;
}

fs::path goldenDir() { return test::sourceDir() / "tests/las/golden"; }

std::vector<std::string> cases() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(goldenDir()))
        if (e.is_directory()) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesExpected) {
    fs::path dir = goldenDir() / GetParam();
    json spec = json::parse(test::readFile(dir / "case.json"));
    std::string mapping_path = spec.value("mapping", std::string("config/mappings/magister.json"));
    fs::path mp = fs::exists(dir / mapping_path) ? dir / mapping_path : test::sourceDir() / mapping_path;
    auto mapping = loadMappingFile(mp.string());

    std::vector<std::string> messages;
    std::optional<std::vector<json>> records;
    std::string error;
    if (!mapping.isOk()) {
        error = mapping.error().message;
    } else if (spec.value("decoder", false)) {
        mapper::MapperRegistry reg;
        ASSERT_TRUE(registerMagisterMappers(reg).isOk());
        const auto* dec = reg.decoder("magister-csv");
        ASSERT_NE(dec, nullptr);
        mapper::DecodeContext ctx;
        ctx.source_name = spec["inputs"][0].get<std::string>();
        ctx.options = spec.value("options", json::object());
        ctx.options["mapping"] = mp.string();
        if (spec.contains("school")) ctx.options["school"] = spec["school"];
        std::string bytes = test::readFile(dir / ctx.source_name);
        auto batch = dec->decode(bytes, ctx);
        if (batch.isOk()) {
            records = batch->records;
            messages = batch->warnings;
        } else {
            error = batch.error().message;
        }
    } else {
        std::vector<ExportFile> files;
        for (const auto& in : spec["inputs"]) {
            std::string s = in.get<std::string>();
            size_t eq = s.find('=');
            if (eq == std::string::npos) files.push_back(ExportFile::fromPath((dir / s).string()));
            else files.push_back(ExportFile::fromPath((dir / s.substr(eq + 1)).string(), s.substr(0, eq)));
        }
        ImportOptions opts;
        if (spec.contains("school")) opts.school = spec["school"];
        json o = spec.value("options", json::object());
        if (o.value("orphans", "") == "error") opts.orphans_are_errors = true;
        if (o.contains("separator")) opts.separator = o["separator"].get<std::string>()[0];
        if (o.contains("encoding")) opts.encoding = *csv::parseEncodingName(o["encoding"].get<std::string>());
        ImportReport report;
        auto batch = importMagisterExport(files, **mapping, opts, &report);
        messages = report.warnings;
        if (batch.isOk()) records = batch->records;
        else error = batch.error().message;
    }
    if (!error.empty()) messages.push_back(error);

    if (fs::exists(dir / "expected_error.txt")) {
        EXPECT_FALSE(records.has_value()) << "expected an error; nothing may be imported";
        for (const auto& want : lines(test::readFile(dir / "expected_error.txt")))
            EXPECT_NE(error.find(want), std::string::npos) << "missing '" << want << "' in:\n" << error;
    } else {
        ASSERT_TRUE(records.has_value()) << error;
        json got = json::array();
        for (const auto& r : *records) got.push_back(r);
        auto def = model::ModelDefinition::builtin();
        for (size_t i = 0; i < records->size(); ++i) {
            auto issues = def->validate((*records)[i]);
            EXPECT_TRUE(issues.empty()) << "record " << i << ": " << issues.front().path;
        }
        if (std::getenv("SLUIS_UPDATE_GOLDEN")) test::writeFile(dir / "expected.json", got.dump(2) + "\n");
        json want = json::parse(test::readFile(dir / "expected.json"));
        EXPECT_EQ(got, want) << "diff (got vs expected): " << json::diff(want, got).dump(2);
    }
    if (fs::exists(dir / "expected_warnings.txt")) {
        for (const auto& want : lines(test::readFile(dir / "expected_warnings.txt"))) {
            bool found = false;
            for (const auto& m : messages) found = found || m.find(want) != std::string::npos;
            EXPECT_TRUE(found) << "no warning contains '" << want << "'";
        }
    }
    if (fs::exists(dir / "forbidden.txt")) {
        for (const auto& bad : lines(test::readFile(dir / "forbidden.txt")))
            for (const auto& m : messages)
                EXPECT_EQ(m.find(bad), std::string::npos) << "message leaks a personal value: " << m;
    }
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(cases()),
                         [](const auto& info) {
                             std::string n = info.param;
                             for (auto& c : n)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return n;
                         });

TEST(GoldenCases, ThereAreCasesForEveryShippedMapping) {
    std::set<std::string> used;
    for (const auto& c : cases()) {
        json spec = json::parse(test::readFile(goldenDir() / c / "case.json"));
        used.insert(spec.value("mapping", std::string("config/mappings/magister.json")));
    }
    for (const auto& e : fs::directory_iterator(test::sourceDir() / "config/mappings"))
        EXPECT_TRUE(used.count("config/mappings/" + e.path().filename().string()))
            << "no golden case for " << e.path().filename();
}

}  // namespace
}  // namespace sluis::mapping

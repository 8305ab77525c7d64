// The vensters-enquete decoder and vensters-json/-html/-pdf encoders as registered in the
// application, and `sluis vensters` run as the real binary.
#include <gtest/gtest.h>

#include <random>

#include "app/cli.h"
#include "core/util/fs.h"
#include "mapping/vensters/render_pdf.h"
#include "mapping/vensters/vensters_mapper.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"
#include "tests/vensters/vensters_fixture.h"

namespace sluis::vensters {
namespace {

using nlohmann::json;
using testing::enrolmentCsv;
using testing::EnrolRow;
using testing::Row;
using testing::set;
using testing::surveyCsv;
using testing::uniformRow;

std::vector<Row> rows(size_t n, const std::string& type, int grade, const std::string& brin,
                      unsigned seed) {
    std::mt19937 rng(seed);
    std::vector<Row> out;
    for (size_t i = 0; i < n; ++i)
        out.push_back(
            uniformRow(set(), 1 + static_cast<int>(rng() % 4), rng() % 2, type, grade, brin));
    return out;
}

struct Files {
    test::TempDir dir;
    std::string survey, enrolment, schools;
    Files() {
        auto all = rows(25, "havo", 1, "12AB", 1);
        auto b = rows(6, "vwo", 2, "12AB", 2);
        auto c = rows(14, "vmbo-gt", 3, "34CD", 3);
        all.insert(all.end(), b.begin(), b.end());
        all.insert(all.end(), c.begin(), c.end());
        survey = (dir / "enquete.csv").string();
        enrolment = (dir / "inschrijvingen.csv").string();
        schools = (dir / "scholen.csv").string();
        test::writeFile(survey, surveyCsv(all, set()));
        test::writeFile(enrolment, enrolmentCsv({{"12AB", "00", "havo", 1, 60},
                                                 {"12AB", "00", "vwo", 2, 30},
                                                 {"34CD", "00", "vmbo-gt", 3, 20}}));
        test::writeFile(schools, "brin;vestiging;naam\n12AB;00;Het Lyceum\n34CD;00;De Mavo\n");
    }
};

TEST(VenstersMapper, RegisteredInTheApplication) {
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    ASSERT_TRUE(app::registerAll(connectors, mappers).isOk());
    EXPECT_NE(mappers.decoder("vensters-enquete"), nullptr);
    EXPECT_NE(mappers.encoder("vensters-json"), nullptr);
    EXPECT_NE(mappers.encoder("vensters-html"), nullptr);
    EXPECT_NE(mappers.encoder("vensters-pdf"), nullptr);
    EXPECT_NE(connectors.sink("inspectie-https"), nullptr);
}

TEST(VenstersMapper, DecoderYieldsOneSuppressedReportPerSchoolAndEncodersRenderIt) {
    Files f;
    mapper::MapperRegistry mappers;
    ASSERT_TRUE(registerVenstersMappers(mappers).isOk());
    mapper::DecodeContext ctx;
    ctx.source_name = "enquete.csv";
    ctx.options = {
        {"niveau", "onderwijssoort"},
        {"inschrijvingen", f.enrolment},
        {"scholen", json::array({{{"brin", "12AB"}, {"vestiging", "00"}, {"naam", "Het Lyceum"}},
                                 {{"brin", "34CD"}, {"vestiging", "0"}}})},
        {"schooljaar", "2025-2026"}};
    auto batch = mappers.decoder("vensters-enquete")->decode(test::readFile(f.survey), ctx);
    ASSERT_TRUE(batch) << batch.error().message;
    ASSERT_EQ(batch->records.size(), 2u);
    EXPECT_EQ(batch->records[0]["scholen"][0]["naam"], "Het Lyceum");
    EXPECT_EQ(batch->records[1]["scholen"][0]["school"], "34CD00");
    ASSERT_EQ(batch->warnings.size(), 1u);  // the vwo cell of 6
    EXPECT_NE(batch->warnings[0].find("onderdrukt"), std::string::npos);

    auto js = mappers.encoder("vensters-json")->encode(batch->records[0], {});
    ASSERT_TRUE(js) << js.error().message;
    EXPECT_EQ(js->content_type, "application/json");
    EXPECT_EQ(js->bytes, renderJson(batch->records[0]));
    auto html = mappers.encoder("vensters-html")->encode(batch->records[0], {});
    ASSERT_TRUE(html);
    EXPECT_EQ(html->file_extension, "html");
    EXPECT_NE(html->bytes.find(util::sha256Hex(js->bytes)), std::string::npos);
    auto pdf = mappers.encoder("vensters-pdf")->encode(batch->records[0], {});
    ASSERT_TRUE(pdf) << pdf.error().message;
    EXPECT_EQ(pdf->content_type, "application/pdf");
    EXPECT_EQ(pdf->file_extension, "pdf");
    EXPECT_EQ(pdf->bytes, renderPdf(batch->records[0]));
    EXPECT_EQ(pdf->bytes.rfind("%PDF-1.4\n", 0), 0u);
    EXPECT_EQ(mappers.encoder("vensters-pdf")->encode(json{{"leerling", 1}}, {}).error().code,
              ErrorCode::kValidationFailed);
    // The same input decoded again gives the same payload bytes.
    auto again = mappers.decoder("vensters-enquete")->decode(test::readFile(f.survey), ctx);
    ASSERT_TRUE(again);
    EXPECT_EQ(mappers.encoder("vensters-json")->encode(again->records[0], {})->bytes, js->bytes);
    // Encoders refuse anything that is not a report.
    EXPECT_EQ(mappers.encoder("vensters-json")->encode(json{{"leerling", 1}}, {}).error().code,
              ErrorCode::kValidationFailed);
}

TEST(VenstersMapper, LevelChoiceRecordsAreRenderedAtTheChosenLevelInEveryFormat) {
    Files f;
    mapper::MapperRegistry mappers;
    ASSERT_TRUE(registerVenstersMappers(mappers).isOk());
    mapper::DecodeContext ctx;
    ctx.options = {{"niveau", "keuze"}, {"inschrijvingen", f.enrolment}};
    auto batch = mappers.decoder("vensters-enquete")->decode(test::readFile(f.survey), ctx);
    ASSERT_TRUE(batch) << batch.error().message;
    const json& record = batch->records[0];
    ASSERT_TRUE(record.contains("niveaus"));
    for (const char* level : {"school", "onderwijssoort"}) {
        mapper::EncodeContext ectx;
        ectx.options = {{"niveau", level}};
        const json& doc = record["niveaus"][level];
        auto js = mappers.encoder("vensters-json")->encode(record, ectx);
        auto pdf = mappers.encoder("vensters-pdf")->encode(record, ectx);
        ASSERT_TRUE(js && pdf);
        EXPECT_EQ(js->bytes, renderJson(doc));
        EXPECT_EQ(pdf->bytes, renderPdf(doc));
        EXPECT_NE(
            pdf->bytes,
            renderPdf(
                record["niveaus"][std::string(level) == "school" ? "onderwijssoort" : "school"]));
    }
    for (const char* name : {"vensters-json", "vensters-html", "vensters-pdf"}) {
        auto r = mappers.encoder(name)->encode(record, {});
        ASSERT_FALSE(r) << name;
        EXPECT_NE(r.error().message.find("kies eerst het niveau"), std::string::npos);
    }
}

TEST(VenstersMapper, DecoderOptionsAndBadInput) {
    Files f;
    mapper::MapperRegistry mappers;
    ASSERT_TRUE(registerVenstersMappers(mappers).isOk());
    const auto* d = mappers.decoder("vensters-enquete");
    mapper::DecodeContext ctx;
    ctx.options = {{"inschrijvingen", f.enrolment}};
    EXPECT_NE(d->decode("x", ctx).error().message.find("niveau"), std::string::npos);
    ctx.options = {{"niveau", "school"}, {"inschrijvingen", f.enrolment}, {"foo", 1}};
    EXPECT_NE(d->decode("x", ctx).error().message.find("foo: onbekend"), std::string::npos);
    ctx.options = {{"niveau", "school"}};
    EXPECT_NE(d->decode("x", ctx).error().message.find("inschrijvingen"), std::string::npos);
    // A survey naming a school outside the list: refused whole.
    ctx.options = {{"niveau", "school"},
                   {"inschrijvingen_csv", test::readFile(f.enrolment)},
                   {"scholen", json::array({{{"brin", "12AB"}, {"vestiging", "00"}}})}};
    auto r = d->decode(test::readFile(f.survey), ctx);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("onbekende school 34CD00"), std::string::npos)
        << r.error().message;
}

// ---- the real binary ----

TEST(VenstersCli, ReportJsonAndHtml) {
    Files f;
    auto js = test::run(sluis::test::sluisExe(),
                        {"vensters", "report", "--survey", f.survey, "--enrolment", f.enrolment,
                         "--level", "school", "--format", "json", "--schools", f.schools});
    ASSERT_EQ(js.exit_code, 0) << js.err;
    auto doc = json::parse(js.out);
    EXPECT_EQ(doc["formaat"], "sluis-vensters-monitor");
    EXPECT_EQ(doc["niveau"], "school");
    EXPECT_EQ(doc["scholen"].size(), 2u);
    EXPECT_NE(js.err.find("sha256 levering (json): " + util::sha256Hex(js.out)), std::string::npos)
        << js.err;

    auto html = test::run(sluis::test::sluisExe(), {"vensters", "report", "--survey", f.survey, "--enrolment",
                                      f.enrolment, "--level", "school", "--schools", f.schools});
    ASSERT_EQ(html.exit_code, 0) << html.err;
    EXPECT_EQ(html.out.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(html.out.find(util::sha256Hex(js.out)), std::string::npos);

    // One school, onderwijssoort level, other minimum, into a file; byte-identical on a rerun.
    std::string out = (f.dir / "rapport.json").string();
    std::vector<std::string> args = {"vensters",    "report",    "--survey", f.survey,
                                     "--enrolment", f.enrolment, "--level",  "onderwijssoort",
                                     "--min-cell",  "5",         "--format", "json",
                                     "--school",    "12AB00",    "--output", out};
    auto one = test::run(sluis::test::sluisExe(), args);
    ASSERT_EQ(one.exit_code, 0) << one.err;
    std::string first = test::readFile(out);
    auto d1 = json::parse(first);
    EXPECT_EQ(d1["scholen"].size(), 1u);
    EXPECT_EQ(d1["onderdrukking"]["minimale_celgrootte"], 5);
    EXPECT_FALSE(d1["scholen"][0]["cellen"][1]["onderdrukt"].get<bool>());  // vwo: 6 >= 5
    ASSERT_EQ(test::run(sluis::test::sluisExe(), args).exit_code, 0);
    EXPECT_EQ(test::readFile(out), first);

    // PDF into a file, byte-identical on a rerun and on stdout (a pipe here, not a terminal);
    // the PDF shows the hash of the JSON payload.
    std::string pdf_path = (f.dir / "rapport.pdf").string();
    std::vector<std::string> pdf_args = {
        "vensters", "report",    "--survey", f.survey,   "--enrolment", f.enrolment, "--level",
        "school",   "--schools", f.schools,  "--format", "pdf",         "--output",  pdf_path};
    auto pdf = test::run(sluis::test::sluisExe(), pdf_args);
    ASSERT_EQ(pdf.exit_code, 0) << pdf.err;
    EXPECT_TRUE(pdf.out.empty());
    std::string pdf_bytes = test::readFile(pdf_path);
    EXPECT_EQ(pdf_bytes.rfind("%PDF-1.4\n", 0), 0u);
    EXPECT_EQ(pdf_bytes.substr(pdf_bytes.size() - 6), "%%EOF\n");
    EXPECT_NE(pdf_bytes.find("(" + util::sha256Hex(js.out) + ")"), std::string::npos);
    EXPECT_NE(pdf.err.find("sha256 levering (json): " + util::sha256Hex(js.out)), std::string::npos)
        << pdf.err;
    EXPECT_NE(pdf.err.find("sha256 deze uitvoer (pdf): " + util::sha256Hex(pdf_bytes)),
              std::string::npos)
        << pdf.err;
    pdf_args.resize(pdf_args.size() - 2);
    auto piped = test::run(sluis::test::sluisExe(), pdf_args);
    ASSERT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_EQ(piped.out, pdf_bytes);
    EXPECT_EQ(test::run(sluis::test::sluisExe(), {"vensters", "report", "--survey", f.survey, "--enrolment",
                                    f.enrolment, "--level", "school", "--format", "xml"})
                  .exit_code,
              2);
}

TEST(VenstersCli, BadFilesGiveClearErrorsAndProduceNothing) {
    Files f;
    std::string csv = test::readFile(f.survey);
    // An out-of-range answer on line 3.
    std::string bad = csv;
    size_t line3 = bad.find('\n', bad.find('\n') + 1) + 1;
    size_t col = line3;
    for (int i = 0; i < 5; ++i) col = bad.find(';', col) + 1;  // first question: VB1
    bad.replace(col, bad.find(';', col) - col, "9");
    std::string bad_path = (f.dir / "fout.csv").string();
    test::writeFile(bad_path, bad);
    std::string out = (f.dir / "rapport.html").string();
    auto r = test::run(sluis::test::sluisExe(), {"vensters", "report", "--survey", bad_path, "--enrolment",
                                   f.enrolment, "--level", "school", "--output", out});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("fout.csv regel 3, kolom 6 (VB1): antwoord buiten bereik"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_FALSE(std::filesystem::exists(out));

    // Wrong columns.
    test::writeFile(bad_path, "respondent;brin;vestiging;soort;leerjaar\n1;12AB;00;havo;1\n");
    r = test::run(sluis::test::sluisExe(),
                  {"vensters", "check", "--survey", bad_path, "--enrolment", f.enrolment});
    EXPECT_EQ(r.exit_code, 2);  // unreadable input (kInvalidInput)
    EXPECT_NE(r.err.find("fout.csv regel 1, kolom 4: onbekende kolom 'soort'"), std::string::npos)
        << r.err;

    // Unknown school against a school list.
    test::writeFile(f.schools, "brin;vestiging;naam\n12AB;00;Het Lyceum\n");
    r = test::run(sluis::test::sluisExe(), {"vensters", "report", "--survey", f.survey, "--enrolment",
                              f.enrolment, "--level", "school", "--schools", f.schools});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("onbekende school 34CD00"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty());

    // Usage errors.
    EXPECT_EQ(test::run(sluis::test::sluisExe(), {"vensters", "report", "--survey", f.survey}).exit_code, 2);
    EXPECT_EQ(test::run(sluis::test::sluisExe(), {"vensters", "report", "--survey", f.survey, "--enrolment",
                                    f.enrolment, "--level", "bestuur"})
                  .exit_code,
              2);
    EXPECT_EQ(test::run(sluis::test::sluisExe(), {"vensters", "report", "--survey", f.survey, "--enrolment",
                                    f.enrolment, "--level", "school", "--min-cell", "0"})
                  .exit_code,
              2);
}

TEST(VenstersCli, CheckAndIndicators) {
    Files f;
    auto r = test::run(sluis::test::sluisExe(),
                       {"vensters", "check", "--survey", f.survey, "--enrolment", f.enrolment});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("45 respondenten"), std::string::npos) << r.out;
    auto ind = test::run(sluis::test::sluisExe(), {"vensters", "indicators"});
    ASSERT_EQ(ind.exit_code, 0);
    EXPECT_EQ(ind.out, std::string(builtinIndicatorSetJson()));
    EXPECT_EQ(ind.out, test::readFile(test::sourceDir() / "config/vensters/indicatoren.json"));
}

}  // namespace
}  // namespace sluis::vensters

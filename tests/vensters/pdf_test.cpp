// The PDF writer and the PDF rendering of the report: a structurally valid file (header, xref
// offsets, stream lengths, startxref, page tree), byte-identical output, WinAnsi text, and the
// content as poppler's pdftotext reads it, including that suppressed figures are absent.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <set>
#include <sstream>

#include "core/util/fs.h"
#include "mapping/vensters/pdf_writer.h"
#include "mapping/vensters/render_pdf.h"
#include "mapping/vensters/report.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"
#include "tests/vensters/vensters_fixture.h"

namespace sluis::vensters {
namespace {

using nlohmann::json;
using testing::enrolmentCsv;
using testing::EnrolRow;
using testing::fixed;
using testing::randomRows;
using testing::Row;
using testing::set;
using testing::surveyCsv;
using testing::uniformRow;

Result<json> compute(const std::vector<Row>& rows, const std::vector<EnrolRow>& enrol,
                     const std::vector<SchoolRef>& schools, Level level, int min_cell) {
    return testing::computeFrom(rows, enrol, level, min_cell, &schools);
}

/// Checks the file structure and returns the number of pages (0 on failure, with a message).
::testing::AssertionResult validPdf(const std::string& pdf, size_t* pages) {
    auto fail = [&](const std::string& why) { return ::testing::AssertionFailure() << why; };
    if (pdf.rfind("%PDF-1.4\n", 0) != 0) return fail("header is not %PDF-1.4");
    if (pdf.size() < 6 || pdf.substr(pdf.size() - 6) != "%%EOF\n") return fail("no %%EOF at end");
    size_t sx = pdf.rfind("startxref\n");
    if (sx == std::string::npos) return fail("no startxref");
    size_t xref = std::stoul(pdf.substr(sx + 10));
    if (pdf.compare(xref, 5, "xref\n") != 0) return fail("startxref does not point at xref");
    std::istringstream in(pdf.substr(xref + 5));
    size_t first = 0, count = 0;
    in >> first >> count;
    if (first != 0 || count < 2) return fail("bad xref subsection");
    size_t entries = pdf.find('\n', xref + 5) + 1;
    if (pdf.compare(entries, 20, "0000000000 65535 f \n") != 0) return fail("bad free entry");
    for (size_t i = 1; i < count; ++i) {
        std::string e = pdf.substr(entries + 20 * i, 20);
        if (e.size() != 20 || e.substr(10) != " 00000 n \n") return fail("bad entry " + e);
        size_t off = std::stoul(e.substr(0, 10));
        std::string head = std::to_string(i) + " 0 obj\n";
        if (pdf.compare(off, head.size(), head) != 0)
            return fail("xref entry " + std::to_string(i) + " does not point at its object");
    }
    if (pdf.find("trailer\n<< /Size " + std::to_string(count) + " /Root 1 0 R") !=
        entries + 20 * count)
        return fail("trailer does not follow the xref table or has the wrong /Size");
    // Every stream is exactly /Length bytes long.
    for (size_t p = pdf.find("<< /Length "); p != std::string::npos;
         p = pdf.find("<< /Length ", p + 1)) {
        size_t len = std::stoul(pdf.substr(p + 11));
        size_t data = pdf.find(">>\nstream\n", p) + 10;
        if (pdf.compare(data + len, 11, "\nendstream\n") != 0) return fail("wrong stream length");
    }
    // The page tree counts every page object.
    size_t n = 0;
    for (size_t p = pdf.find("/Type /Page /"); p != std::string::npos;
         p = pdf.find("/Type /Page /", p + 1))
        ++n;
    if (pdf.find("/Type /Pages /Kids [") == std::string::npos ||
        pdf.find("/Count " + std::to_string(n) + " >>") == std::string::npos)
        return fail("/Count does not match the page objects");
    *pages = n;
    return ::testing::AssertionSuccess();
}

/// pdftotext is installed by scripts/install-deps.sh (poppler-utils); no skipping.
std::string pdftotextPath() {
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path ? path : "/usr/bin");
    for (std::string dir; std::getline(dirs, dir, ':');)
        if (!dir.empty() && std::filesystem::exists(dir + "/pdftotext")) return dir + "/pdftotext";
    return "";
}

/// The text of `pdf` as poppler extracts it (UTF-8).
std::string extractText(const std::string& pdf) {
    std::string exe = pdftotextPath();
    EXPECT_FALSE(exe.empty()) << "pdftotext niet gevonden: installeer poppler-utils "
                                 "(scripts/install-deps.sh doet dat)";
    if (exe.empty()) return "";
    test::TempDir dir;
    test::writeFile(dir / "rapport.pdf", pdf);
    auto r = test::run(exe, {"-enc", "UTF-8", (dir / "rapport.pdf").string(), "-"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "") << "poppler complains about the file";
    return r.out;
}

std::set<std::string> tokens(const std::string& text) {
    std::istringstream in(text);
    std::set<std::string> out;
    for (std::string t; in >> t;) out.insert(t);
    return out;
}

std::string withoutSpace(const std::string& s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\n' && c != '\f') out += c;
    return out;
}

TEST(VenstersPdfWriter, WinAnsiEscapingAndWrapping) {
    using namespace pdf;
    EXPECT_EQ(toWinAnsi("caf\u00e9 \u00eb\u00ef\u00fc \u20ac \u2014 \u201cx\u201d"),
              "caf\xE9 \xEB\xEF\xFC \x80 \x97 \x93x\x94");
    EXPECT_EQ(toWinAnsi("\u4e2d\xF0\x9F\x98\x80|\xC3|\xC0\xAF|\xED\xA0\x80"), "??|?|??|???");
    EXPECT_EQ(toWinAnsi("a\tb\r\nc\x01"), "a b \nc?");
    EXPECT_EQ(literal("a(b)c\\d"), "(a\\(b\\)c\\\\d)");
    EXPECT_EQ(literal("\xE9\n"), "(\\351\\012)");
    // Helvetica: 'W' 944, 'i' 222 per 1000 at 10 pt.
    EXPECT_EQ(textWidth("Wi", Font::kRegular, 10000), 11660);
    EXPECT_EQ(textWidth("Wi", Font::kMono, 10000), 12000);
    auto lines = wrap("een twee drie vier", Font::kRegular, 10000,
                      textWidth("een twee", Font::kRegular, 10000));
    EXPECT_EQ(lines, (std::vector<std::string>{"een twee", "drie vier"}));
    std::string word(200, 'm');
    lines = wrap("kort " + word, Font::kBold, 9000, 100000);
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[0], "kort");
    std::string joined;
    for (size_t i = 1; i < lines.size(); ++i) {
        EXPECT_LE(textWidth(lines[i], Font::kBold, 9000), 100000);
        joined += lines[i];
    }
    EXPECT_EQ(joined, word);
    // Narrower than one character: still one character per line, and it ends.
    EXPECT_EQ(wrap("abc", Font::kRegular, 9000, 1).size(), 3u);
    EXPECT_TRUE(wrap("", Font::kRegular, 9000, 1000).empty());
}

TEST(VenstersPdfWriter, StructureAndDeterminism) {
    auto make = [](int paragraphs) {
        pdf::Document d("Titel (met) \\ haakjes");
        d.setFooter("voet");
        d.heading("Kop", 1);
        for (int i = 0; i < paragraphs; ++i) d.paragraph("Regel " + std::to_string(i));
        return d.render();
    };
    std::string one = make(3);
    size_t pages = 0;
    ASSERT_TRUE(validPdf(one, &pages));
    EXPECT_EQ(pages, 1u);
    EXPECT_EQ(make(3), one);
    std::string many = make(400);
    ASSERT_TRUE(validPdf(many, &pages));
    EXPECT_GE(pages, 5u);
    EXPECT_NE(many.find("(Pagina " + std::to_string(pages) + " van " + std::to_string(pages) + ")"),
              std::string::npos);
    // No timestamps; the /ID follows the content.
    EXPECT_EQ(one.find("CreationDate"), std::string::npos);
    std::string id = one.substr(one.find("/ID [<") + 6, 32);
    EXPECT_EQ(many.find(id), std::string::npos);
}

TEST(VenstersPdf, ShowsTheReportAndHidesSuppressedFigures) {
    // As in report_test: a vwo cell of 7 (suppressed at 10) with a distinctive mean.
    auto h1 = randomRows(12, 5, "havo", 1);
    auto h2 = randomRows(4, 6, "havo", 2);
    auto h3 = randomRows(11, 7, "havo", 3);
    std::vector<Row> vwo;
    for (int i = 0; i < 7; ++i) vwo.push_back(uniformRow(set(), 1, true, "vwo", 1));
    vwo[0].answers["VB1"] = "2";
    auto other = randomRows(15, 8, "havo", 1, "34CD");
    std::vector<Row> rows;
    for (auto* part : {&h1, &h2, &h3, &vwo, &other})
        rows.insert(rows.end(), part->begin(), part->end());
    std::vector<EnrolRow> enrol = {{"12AB", "00", "havo", 1, 51},
                                   {"12AB", "00", "havo", 2, 52},
                                   {"12AB", "00", "havo", 3, 53},
                                   {"12AB", "00", "vwo", 1, 54},
                                   {"34CD", "00", "havo", 1, 40}};
    std::vector<SchoolRef> schools = {{"12AB", "00", "Caf\u00e9college \u00c9\u00ebn"},
                                      {"34CD", "00", "De Mavo (Noord)"}};
    auto full = compute(rows, enrol, schools, Level::kSchoolType, 1);
    auto safe = compute(rows, enrol, schools, Level::kSchoolType, 10);
    ASSERT_TRUE(full) << full.error().message;
    ASSERT_TRUE(safe) << safe.error().message;

    std::string pdf = renderPdf(*safe);
    size_t pages = 0;
    ASSERT_TRUE(validPdf(pdf, &pages));
    EXPECT_EQ(renderPdf(*safe), pdf);
    std::string text = extractText(pdf);
    ASSERT_FALSE(text.empty());
    EXPECT_NE(text.find("Caf\u00e9college \u00c9\u00ebn"), std::string::npos) << text;
    EXPECT_NE(text.find("De Mavo (Noord)"), std::string::npos);
    EXPECT_NE(text.find(reportSha256(*safe)), std::string::npos);
    EXPECT_NE(text.find("onderdrukt"), std::string::npos);
    EXPECT_NE(text.find("2025-2026"), std::string::npos);
    EXPECT_NE(text.find((*safe)["onderdrukking"]["toelichting"].get<std::string>().substr(0, 30)),
              std::string::npos);
    EXPECT_NE(text.find("Pagina 1 van " + std::to_string(pages)), std::string::npos);
    for (const auto& q : set().questions) EXPECT_NE(text.find(q.id), std::string::npos) << q.id;
    for (const auto& d : set().indicators) EXPECT_NE(text.find(d.name), std::string::npos);

    // The figures of the vwo cell and of the suppressed representativity rows are nowhere,
    // unless the same figure belongs to something shown.
    std::set<std::string> shown;
    std::function<void(const json&)> collect = [&](const json& j) {
        if (j.is_string()) shown.insert(j.get<std::string>());
        if (j.is_number_integer()) shown.insert(std::to_string(j.get<long long>()));
        if (j.is_structured())
            for (auto& v : j) collect(v);
    };
    collect((*safe)["scholen"]);
    const json& small = (*full)["scholen"][0]["cellen"][1]["indicatoren"];
    ASSERT_EQ(small["veiligheidsbeleving"]["gemiddelde"], "1.04");
    std::vector<std::string> hidden;
    for (auto& [id, v] : small.items())
        for (const char* k : {"gemiddelde", "percentage_positief", "percentage"})
            if (v.contains(k)) hidden.push_back(v[k].get<std::string>());
    for (auto [n, e] : {std::pair{7, 54}, {4, 52}, {11, 53}})
        hidden.push_back(fixed(100.0 * n / e, 1));
    auto words = tokens(text);
    size_t checked = 0;
    for (const auto& val : hidden) {
        if (shown.count(val)) continue;
        ++checked;
        EXPECT_EQ(words.count(val), 0u) << val;
        EXPECT_EQ(pdf.find("(" + val + ")"), std::string::npos) << val;
    }
    EXPECT_GE(checked, 4u);
}

TEST(VenstersPdf, AdversarialNamesAndLongWordsKeepTheFileValid) {
    std::string long_word = "Onder" + std::string(220, 'w') + "school";
    std::vector<SchoolRef> schools;
    std::vector<Row> rows;
    std::vector<EnrolRow> enrol;
    const char* names[] = {"Haakjes (open en ( dicht)) \\ en \\\\ backslash )(",
                           "Tekens buiten WinAnsi: \u4e2d\u6587 \U0001F600 \u0141\u00f3d\u017a",
                           "Het \u201cLyceum\u201d \u2013 \u20ac5 ca\u00f1a na\u00efef", nullptr};
    for (int s = 0; s < 24; ++s) {
        char brin[5];
        std::snprintf(brin, sizeof brin, "%02dAB", 10 + s);
        std::string name = s == 3 ? long_word : s < 3 ? names[s] : "School " + std::to_string(s);
        schools.push_back({brin, "00", name});
        auto r = randomRows(12 + s % 5, 100 + s, "havo", 1, brin);
        rows.insert(rows.end(), r.begin(), r.end());
        enrol.push_back({brin, "00", "havo", 1, 60});
    }
    auto report = compute(rows, enrol, schools, Level::kSchool, 10);
    ASSERT_TRUE(report) << report.error().message;
    std::string pdf = renderPdf(*report);
    size_t pages = 0;
    ASSERT_TRUE(validPdf(pdf, &pages));
    EXPECT_GE(pages, 4u);
    // Only printable ASCII outside the binary marker line: every other byte is escaped.
    for (size_t i = pdf.find('\n', 10); i < pdf.size(); ++i) {
        auto c = static_cast<unsigned char>(pdf[i]);
        ASSERT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7F)) << "byte " << i;
    }
    std::string text = extractText(pdf);
    std::string flat = withoutSpace(text);
    EXPECT_NE(flat.find(withoutSpace(names[0])), std::string::npos) << text.substr(0, 2000);
    EXPECT_NE(flat.find(withoutSpace("Tekens buiten WinAnsi: ?? ? ?\u00f3d?")), std::string::npos);
    EXPECT_NE(flat.find(withoutSpace(names[2])), std::string::npos);
    EXPECT_NE(flat.find(long_word), std::string::npos);
    EXPECT_NE(text.find("Pagina " + std::to_string(pages) + " van " + std::to_string(pages)),
              std::string::npos);
}

}  // namespace
}  // namespace sluis::vensters

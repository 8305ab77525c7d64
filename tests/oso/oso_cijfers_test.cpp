// Canonical cijfers (LAS/Magister-style cijferlijsten without cijferlijstTypelijst) written as an
// OSO cijferlijstTypelijst: XSD-valid, the expected onderdelen, path errors without values.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "mapping/oso/oso_mapper.h"
#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_writer.h"
#include "tests/oso/oso_test_util.h"
#include "tests/support/test_util.h"

namespace sluis::oso {
namespace {

using nlohmann::json;

std::shared_ptr<const Standard> std2019() { return *Standard::get("2019.1"); }

/// The synthetic POVO pupil (schoolloopbaan 2024-2025, jaargroep 8) with Magister-style grades.
json withCijfers() {
    json r =
        json::parse(sluis::test::readFile(test::casesDir() / "records" / "synthetic_povo.json"));
    r["cijferlijsten"] = json::parse(R"([
      {"schooljaar": "2024-2025", "periode": "1", "cijfers": [
        {"vak": "Rekenen", "toets": "Methodetoets 1", "cijfer": "7,5", "weging": 2,
         "datum": "2024-10-08"},
        {"vak": "Taal", "cijfer": "V"}]},
      {"schooljaar": "2023-2024", "periode": "2", "leerjaar": 7, "cijfers": [
        {"vak": "Aardrijkskunde", "toets": "Topotoets", "cijfer": "10,0",
         "datum": "2024-03-14"}]}
    ])");
    return r;
}

WriteOptions povo() {
    WriteOptions o;
    o.profile = "POVO";
    o.datum = "2025-03-01";
    return o;
}

std::string text(const pugi::xml_node& n, const char* child) {
    return n.child(child).text().as_string();
}

TEST(oso_cijfers, MagisterStyleCijfersWriteAValidPovoDossier) {
    auto w = writeValidated(withCijfers(), *std2019(), povo(), "");
    ASSERT_TRUE(w.isOk()) << w.error().message;
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(w->xml.c_str()));
    auto lists = doc.select_nodes("//cijferlijstlijst/cijferlijst");
    ASSERT_EQ(lists.size(), 2u);

    pugi::xml_node first = lists[0].node();
    pugi::xml_node tl = first.child("cijferlijstTypelijst");
    EXPECT_EQ(text(tl, "naam"), "Cijferlijst 2024-2025 periode 1");
    std::vector<pugi::xml_node> onderdelen;
    for (auto o : tl.children("onderdeel")) onderdelen.push_back(o);
    ASSERT_EQ(onderdelen.size(), 2u);
    EXPECT_EQ(text(onderdelen[0], "naam"), "Rekenen - Methodetoets 1");
    EXPECT_EQ(std::string(onderdelen[0].child("score").child("waarde").text().as_string()), "7,5");
    EXPECT_TRUE(onderdelen[0].child("score").child("kwalificatie").empty());
    EXPECT_EQ(text(onderdelen[0], "afnamedatum"), "2024-10-08");
    EXPECT_EQ(text(onderdelen[0], "jaargroep"), "8");  // from the schoolloopbaan of 2024-2025
    EXPECT_EQ(text(onderdelen[0], "periode"), "1");
    EXPECT_EQ(text(onderdelen[1], "naam"), "Taal");
    EXPECT_EQ(std::string(onderdelen[1].child("score").child("waarde").text().as_string()), "V");
    EXPECT_TRUE(onderdelen[1].child("afnamedatum").empty());
    // The XSD requires a totaalscore and OVa.CL01 a waarde or kwalificatie in it; there is no
    // total in the canonical cijfers, and none is invented.
    pugi::xml_node total = tl.child("score");
    ASSERT_FALSE(total.empty());
    EXPECT_TRUE(total.child("waarde").empty());
    EXPECT_EQ(std::string(total.child("kwalificatie").text().as_string()), "geen totaalscore");
    EXPECT_EQ(text(first, "jaargroep"), "8");
    EXPECT_EQ(text(first, "periode"), "1");
    EXPECT_TRUE(first.child("afnamedatum").empty());

    pugi::xml_node second = lists[1].node();
    EXPECT_EQ(text(second.child("cijferlijstTypelijst"), "naam"),
              "Cijferlijst 2023-2024 periode 2");
    EXPECT_EQ(text(second, "jaargroep"), "7");  // from leerjaar
    EXPECT_EQ(text(second.child("cijferlijstTypelijst").child("onderdeel"), "naam"),
              "Aardrijkskunde - Topotoets");

    bool weging_note = false;
    for (const auto& n : w->notes)
        weging_note = weging_note || n == "cijferlijsten[0].cijfers[].weging: niet uitgeleverd "
                                          "(OSO kent geen weging)";
    EXPECT_TRUE(weging_note);
}

TEST(oso_cijfers, DerivationIsDeterministicAndReadsBackAsTypelijst) {
    auto a = writeDossier(withCijfers(), *std2019(), povo());
    auto b = writeDossier(withCijfers(), *std2019(), povo());
    ASSERT_TRUE(a.isOk() && b.isOk());
    EXPECT_EQ(a->xml, b->xml);
    // The reader gives the OSO shape back (cijferlijstTypelijst, no cijfers); writing that again
    // gives the same dossier.
    auto r = readDossier(a->xml, *std2019());
    ASSERT_TRUE(r.isOk());
    const json& cl = r->record["cijferlijsten"][0];
    EXPECT_TRUE(cl.contains("cijferlijstTypelijst"));
    EXPECT_FALSE(cl.contains("cijfers"));
    auto again = writeDossier(r->record, *std2019(), povo());
    ASSERT_TRUE(again.isOk());
    EXPECT_EQ(again->xml, a->xml);
}

TEST(oso_cijfers, ExistingTypelijstWinsOverCijfers) {
    json r = withCijfers();
    r["cijferlijsten"][0]["jaargroep"] = "8";
    r["cijferlijsten"][0]["cijferlijstTypelijst"] =
        json::parse(R"({"naam": "Rapport 1", "score": [{"waarde": "7"}]})");
    auto w = writeValidated(r, *std2019(), povo(), "");
    ASSERT_TRUE(w.isOk()) << w.error().message;
    EXPECT_NE(w->xml.find("<naam>Rapport 1</naam>"), std::string::npos);
    EXPECT_EQ(w->xml.find("Methodetoets 1"), std::string::npos);
}

void expectPathError(const json& r, const std::string& path,
                     const std::vector<std::string>& secrets) {
    auto w = writeDossier(r, *std2019(), povo());
    ASSERT_FALSE(w.isOk());
    EXPECT_EQ(w.error().code, ErrorCode::kInvalidArgument);
    const std::string& m = w.error().message;
    EXPECT_EQ(m.rfind(path + ":", 0), 0u) << m;
    for (const auto& s : secrets) EXPECT_EQ(m.find(s), std::string::npos) << m;
}

TEST(oso_cijfers, UnrepresentableGradeNamesThePathNeverTheValue) {
    json r = withCijfers();
    r["cijferlijsten"][0]["cijfers"][1]["vak"] = " ";
    expectPathError(r, "cijferlijsten[0].cijfers[1].vak", {"Taal"});

    r = withCijfers();
    r["cijferlijsten"][1]["cijfers"][0]["cijfer"] = "";
    expectPathError(r, "cijferlijsten[1].cijfers[0].cijfer", {"Aardrijkskunde"});

    r = withCijfers();
    r["cijferlijsten"][0]["cijfers"][0]["datum"] = "08-10-2024";
    expectPathError(r, "cijferlijsten[0].cijfers[0].datum", {"08-10-2024", "7,5", "Rekenen"});

    r = withCijfers();  // no jaargroep, leerjaar or schoolloopbaan for 2022-2023
    r["cijferlijsten"][0]["schooljaar"] = "2022-2023";
    expectPathError(r, "cijferlijsten[0].jaargroep", {"2022-2023"});
}

TEST(oso_cijfers, OptedOutCijferlijstenAreNeitherDerivedNorChecked) {
    json r = withCijfers();
    r["cijferlijsten"][0]["cijfers"][1]["vak"] = "";
    WriteOptions o = povo();
    o.opt_out = {"cijferlijsten"};
    auto w = writeValidated(r, *std2019(), o, "");
    ASSERT_TRUE(w.isOk()) << w.error().message;
    EXPECT_EQ(w->xml.find("<cijferlijst>"), std::string::npos);
}

}  // namespace
}  // namespace sluis::oso

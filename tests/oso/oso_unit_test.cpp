// Unit tests for the OSO module: standard data, writer rules (minimisation and identity), every
// profile producing a valid dossier, reader tolerance and safety, meldingen output, registry.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "core/model/model.h"
#include "core/util/file_clock.h"
#include "mapping/oso/oso_mapper.h"
#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_validator.h"
#include "mapping/oso/oso_writer.h"
#include "tests/oso/oso_test_util.h"
#include "tests/support/test_util.h"

namespace sluis::oso {
namespace {

using nlohmann::json;

std::shared_ptr<const Standard> std2019() { return *Standard::get("2019.1"); }

json synthetic() { return test::record("synthetic_povo.json"); }

/// A dossier Sluis wrote from one of its synthetic full records (the committed golden file).
std::string golden(const std::string& name) {
    return sluis::test::readFile(test::casesDir() / "golden" / name);
}

std::string write(const json& record, const std::string& profile,
                  std::vector<std::string> opt_out = {}) {
    WriteOptions o;
    o.profile = profile;
    o.opt_out = std::move(opt_out);
    auto w = writeValidated(record, *std2019(), o, "");
    EXPECT_TRUE(w.isOk()) << (w.isOk() ? "" : w.error().message);
    return w.isOk() ? w->xml : std::string();
}

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

TEST(oso_standard, DataIsConsistent) {
    auto s = std2019();
    EXPECT_EQ(s->version(), "2019.1");
    EXPECT_EQ(s->categories().size(), 16u);
    EXPECT_EQ(s->profiles().size(), 6u);
    for (const auto& p : s->profiles()) EXPECT_EQ(p.categories.size(), 16u) << p.name;
    // Every category path exists in the element tree.
    for (const auto& c : s->categories())
        for (const auto& path : c.paths) {
            const Node* n = &s->root();
            std::string rest = path.substr(path.find('/') + 1);
            while (n && !rest.empty()) {
                auto slash = rest.find('/');
                auto it = n->by_name.find(rest.substr(0, slash));
                n = it == n->by_name.end() ? nullptr : it->second;
                rest = slash == std::string::npos ? "" : rest.substr(slash + 1);
            }
            EXPECT_NE(n, nullptr) << path;
        }
    EXPECT_FALSE(Standard::get("2022.1").isOk());
    EXPECT_EQ(Standard::get("2022.1").error().code, ErrorCode::kNotFound);
}

TEST(oso_standard, ProfileTableMatchesDomain) {
    auto s = std2019();
    auto at = [&](const char* p, const char* c) {
        return s->profile(p)->categories[static_cast<size_t>(s->categoryIndex(c))];
    };
    EXPECT_EQ(at("POVO", "vve"), Delivery::kVerboden);
    EXPECT_EQ(at("POPO", "vve"), Delivery::kOptioneel);
    EXPECT_EQ(at("POSWV", "onderwijsondersteuning"), Delivery::kVerplicht);
    EXPECT_EQ(at("POSWV", "eindtoetsbo"), Delivery::kVerboden);
    EXPECT_EQ(at("VOVO", "vombo"), Delivery::kOptioneel);
    EXPECT_EQ(at("BB", "ouderinzage"), Delivery::kOptioneel);
    EXPECT_EQ(s->profile("BB")->overdrachtsoort, "overdrachtbinnenbrin");
    EXPECT_EQ(s->profile("VOSWV")->overdrachtsoort, "swv-dossier");
}

TEST(oso_writer, MasksSecretContactsAndDropsSecretAddresses) {
    std::string xml = write(synthetic(), "POVO");
    EXPECT_TRUE(contains(xml, "<nummer>9999999999</nummer>"));
    EXPECT_TRUE(contains(xml, "<nummer>geheim@geheim.geheim</nummer>"));
    EXPECT_FALSE(contains(xml, "0301234567"));
    EXPECT_FALSE(contains(xml, "sanne@example.nl"));
    EXPECT_FALSE(contains(xml, "ouder@example.nl"));
    EXPECT_TRUE(contains(xml, "0307654321"));   // not secret
    EXPECT_FALSE(contains(xml, "Geheimlaan"));  // verzorger has adresgeheim
    EXPECT_TRUE(contains(xml, "Dorpsweg"));
}

TEST(oso_writer, NeverWritesForbiddenElements) {
    std::string xml = write(synthetic(), "POVO");
    EXPECT_FALSE(contains(xml, "geboorteplaats"));
    EXPECT_FALSE(contains(xml, "Utrecht</geboorteplaats"));
}

TEST(oso_writer, SwvDossierHasNoBsnAndIsValid) {
    std::string xml = write(synthetic(), "POSWV");
    EXPECT_FALSE(contains(xml, "<bsn>"));
    EXPECT_TRUE(contains(xml, "<overdrachtsoort>swv-dossier</overdrachtsoort>"));
    EXPECT_TRUE(contains(xml, "<overstap>POSWV</overstap>"));
    EXPECT_TRUE(
        contains(xml, "<cat_onderwijsondersteuning>VERPLICHT</cat_onderwijsondersteuning>"));
}

TEST(oso_writer, OptOutPrunesNestedHandelingsplannen) {
    std::string with = write(synthetic(), "POVO");
    EXPECT_TRUE(contains(with, "<handelingsplan>"));
    std::string without = write(synthetic(), "POVO", {"handelingsplannen"});
    EXPECT_FALSE(contains(without, "<handelingsplan>"));
    EXPECT_TRUE(contains(without, "<onderwijsondersteuning>"));
    EXPECT_TRUE(contains(without, "<cat_handelingsplannen>OPT-UIT</cat_handelingsplannen>"));
    std::string none = write(synthetic(), "POVO", {"onderwijsondersteuning"});
    EXPECT_FALSE(contains(none, "<onderwijsondersteuning>"));
    EXPECT_FALSE(contains(none, "<handelingsplan>"));
}

TEST(oso_writer, WritesALasHandelingsplanWithoutItsLasOnlyContent) {
    // One shape: a plan from a LAS export (with SMART goals) is the same canonical element as an
    // OSO plan; the goals, beginsituatie and evaluatie have no OSO element and are not written.
    json r = synthetic();
    r["onderwijsondersteuning"]["handelingsplannen"] = json::array(
        {{{"isgerichtop", "Rekenen: breuken"},
          {"startdatum", "2025-10-01"},
          {"einddatum", "2026-02-01"},
          {"beginsituatie", "GEHEIM-BEGINSITUATIE"},
          {"doelen", json::array({{{"omschrijving", "GEHEIM-DOEL"}, {"status", "lopend"}}})},
          {"evaluatie", "GEHEIM-EVALUATIE"}}});
    EXPECT_TRUE(model::ModelDefinition::builtin()->validate(r).empty());
    std::string xml = write(r, "POVO");
    ASSERT_TRUE(contains(xml, "<isgerichtop>Rekenen: breuken</isgerichtop>"));
    EXPECT_TRUE(contains(xml, "<startdatum>2025-10-01</startdatum>"));
    EXPECT_TRUE(contains(xml, "<einddatum>2026-02-01</einddatum>"));
    EXPECT_LT(xml.find("<startdatum>2025-10-01</startdatum>"),
              xml.find("<isgerichtop>Rekenen: breuken</isgerichtop>"));
    EXPECT_FALSE(contains(xml, "GEHEIM"));
    EXPECT_FALSE(contains(xml, "doel"));
}

TEST(oso_writer, RefusesToOptOutAVerplichtCategory) {
    WriteOptions o{"POVO", {"overstapadvies"}};
    auto w = writeDossier(synthetic(), *std2019(), o);
    ASSERT_FALSE(w.isOk());
    EXPECT_EQ(w.error().code, ErrorCode::kInvalidArgument);
    o = WriteOptions{"POVO", {"bestaatniet"}};
    EXPECT_EQ(writeDossier(synthetic(), *std2019(), o).error().code, ErrorCode::kInvalidArgument);
    o = WriteOptions{"XYZ", {}};
    EXPECT_EQ(writeDossier(synthetic(), *std2019(), o).error().code, ErrorCode::kInvalidArgument);
}

TEST(oso_writer, VerbodenCategoryIsNeverWrittenEvenWhenTheRecordHasIt) {
    json r = synthetic();
    r["vve"] = {{"vanpeuterspeelzaal", true}};
    std::string povo = write(r, "POVO");
    EXPECT_FALSE(contains(povo, "vanpeuterspeelzaal"));
    std::string popo = write(r, "POPO");
    EXPECT_TRUE(contains(popo, "<vanpeuterspeelzaal>true</vanpeuterspeelzaal>"));
}

TEST(oso_writer, WritesOneVoornaamPerListElement) {
    json r = synthetic();
    r["leerling"]["voornamenlijst"] = json::array({"Anna", "Sophie"});
    r["verzorgers"][0]["voornamenlijst"] = json::array({"Petra"});
    std::string xml = write(r, "POVO");
    EXPECT_TRUE(contains(xml, "<voornaam>Anna</voornaam>"));
    EXPECT_TRUE(contains(xml, "<voornaam>Sophie</voornaam>"));
    EXPECT_LT(xml.find("<voornaam>Anna</voornaam>"), xml.find("<voornaam>Sophie</voornaam>"));
    EXPECT_TRUE(contains(xml, "<voornaam>Petra</voornaam>"));
    // The retired one-string form is no longer read by the writer (the model refuses it); the
    // dossier then has no voornaam, which official OVa.LL01 refuses, so it is written unchecked.
    r["leerling"].erase("voornamenlijst");
    r["leerling"]["voornamen"] = "Anna Sophie";
    WriteOptions o;
    o.profile = "POVO";
    auto w = writeDossier(r, *std2019(), o);
    ASSERT_TRUE(w.isOk()) << w.error().message;
    EXPECT_FALSE(contains(w->xml, "<voornaam>Anna</voornaam>"));
}

TEST(oso_writer, RefusesAnInvalidResult) {
    json r = synthetic();
    r["leerling"].erase("achternaam");
    WriteOptions o{"POVO", {}};
    std::vector<Melding> meldingen;
    // No schema file: the structure (achternaam is required) is checked natively.
    auto w = writeValidated(r, *std2019(), o, "", &meldingen);
    ASSERT_FALSE(w.isOk());
    EXPECT_EQ(w.error().code, ErrorCode::kValidationFailed);
    ASSERT_FALSE(meldingen.empty());
    bool named = false;
    for (const auto& m : meldingen)
        named = named || contains(m.xpath + " " + m.text, "achternaam");
    EXPECT_TRUE(named) << meldingen[0].rule << " " << meldingen[0].xpath << " " << meldingen[0].text;
}

TEST(oso_writer, EveryProfileFromEveryFullRecordIsValid) {
    // The OV records carry a BSN and so suit every profile (the writer drops what a profile
    // forbids); the SWV records have none, which only the SWV profiles allow.
    for (const char* rec : {"popo_full.json", "povo_full.json", "vovo_full.json", "bb_full.json",
                            "poswv_full.json", "voswv_full.json"}) {
        json r = test::record(rec);
        for (const auto& p : std2019()->profiles()) {
            if (!r["leerling"].contains("bsn") && !p.swv) continue;
            SCOPED_TRACE(std::string(rec) + " as " + p.name);
            std::string xml = write(r, p.name);
            EXPECT_FALSE(xml.empty());
            if (p.swv) {
                EXPECT_FALSE(contains(xml, "<bsn>"));
            }
        }
    }
}

TEST(oso_reader, KeepsANonZipAttachmentWithAWarning) {
    std::string full = golden("povo_full.xml");
    auto before = readDossier(full, *std2019());
    ASSERT_TRUE(before.isOk());
    // Every attachment of the synthetic record is a valid ZIP.
    EXPECT_TRUE(before->warnings.empty()) << before->warnings.front();
    std::string xml = test::applyEdits(
        full, json::parse(R"([{"set": "//opp/document[bestandsnaam='opp.zip']/bestandsinhoud",
                               "value": "bm90IGEgemlw"}])"));
    auto r = readDossier(xml, *std2019());
    ASSERT_TRUE(r.isOk());
    ASSERT_EQ(r->warnings.size(), 1u);
    EXPECT_TRUE(contains(r->warnings[0], "geen geldig ZIP")) << r->warnings[0];
    EXPECT_TRUE(contains(r->warnings[0], "/onderwijsondersteuning/opp/document"))
        << r->warnings[0];
    EXPECT_TRUE(contains(r->warnings[0], "bestandsinhoud")) << r->warnings[0];
    EXPECT_TRUE(contains(r->record.dump(), "bm90IGEgemlw"));
}

TEST(oso_reader, ReplacesInvalidUtf8SoThatTheRecordCanBeSerialised) {
    std::string xml = golden("povo_opt_out.xml");
    std::string from = "<achternaam>Wetering</achternaam>";  // the pupil's, the first one
    xml.replace(xml.find(from), from.size(), "<achternaam>W\xC3tering</achternaam>");
    auto r = readDossier(xml, *std2019());
    ASSERT_TRUE(r.isOk());
    EXPECT_EQ(r->record["leerling"]["achternaam"], "W\xEF\xBF\xBDtering");
    EXPECT_NO_THROW((void)r->record.dump());
    ASSERT_FALSE(r->warnings.empty());
    EXPECT_TRUE(contains(r->warnings[0], "UTF-8"));
}

TEST(oso_reader, RefusesDoctypeAndEntities) {
    for (const char* f :
         {"raw/xml02_doctype_internal_entity.xml", "raw/xml02_external_entity.xml"}) {
        auto r = readDossier(sluis::test::readFile(test::casesDir() / f), *std2019());
        ASSERT_FALSE(r.isOk());
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
        EXPECT_TRUE(contains(r.error().message, "SLUIS.XML02"));
        EXPECT_FALSE(contains(r.error().message, "passwd"));
    }
}

TEST(oso_reader, EnforcesSizeAndDepthLimits) {
    ReadOptions o;
    o.limits.max_bytes = 1000;
    auto r = readDossier(golden("povo_opt_out.xml"), *std2019(), o);
    ASSERT_FALSE(r.isOk());
    EXPECT_EQ(r.error().code, ErrorCode::kTooLarge);
    auto deep =
        readDossier(sluis::test::readFile(test::casesDir() / "raw/xml03_too_deep.xml"), *std2019());
    ASSERT_FALSE(deep.isOk());
    EXPECT_EQ(deep.error().code, ErrorCode::kTooLarge);
}

TEST(oso_reader, ReportsLineForMalformedXml) {
    auto r = readDossier(sluis::test::readFile(test::casesDir() / "raw/xml01_not_well_formed.xml"),
                         *std2019());
    ASSERT_FALSE(r.isOk());
    EXPECT_TRUE(contains(r.error().message, "regel"));
}

TEST(oso_reader, AcceptsAPrefixedNamespaceAndWarnsOnUnknownElements) {
    std::string xml = golden("povo_opt_out.xml");
    std::string ns = "xmlns=\"http://www.edustandaard.nl/oso_gegevensset/2019/dossier\"";
    xml.replace(xml.find(ns), ns.size(),
                "xmlns:o=\"http://www.edustandaard.nl/oso_gegevensset/2019/dossier\"");
    // Prefix every element name.
    std::string out;
    for (size_t i = 0; i < xml.size(); ++i) {
        out += xml[i];
        if (xml[i] == '<' && i + 1 < xml.size() && xml[i + 1] != '?' && xml[i + 1] != '!') {
            if (xml[i + 1] == '/') {
                out += '/';
                ++i;
            }
            out += "o:";
        }
    }
    auto r = readDossier(out, *std2019());
    ASSERT_TRUE(r.isOk()) << r.error().message;
    auto plain = readDossier(xml.replace(xml.find("xmlns:o="), 8, "xmlns="), *std2019());
    EXPECT_EQ(r->record["leerling"]["achternaam"], "Wetering");
    ASSERT_TRUE(plain.isOk());
    EXPECT_EQ(r->record, plain->record);
    std::string extra =
        test::applyEdits(golden("povo_opt_out.xml"),
                         json::parse(R"([{"append": "/dossier/huidigeschool/leerling",
                                                          "xml": "<hobby>voetbal</hobby>"}])"));
    auto w = readDossier(extra, *std2019());
    ASSERT_TRUE(w.isOk());
    ASSERT_EQ(w->warnings.size(), 1u);
    EXPECT_TRUE(contains(w->warnings[0], "/dossier/huidigeschool/leerling/hobby"));
    EXPECT_FALSE(contains(w->warnings[0], "voetbal"));
}

TEST(oso_reader, CanonicalRecordUsesTheCanonicalNames) {
    auto r = readDossier(golden("povo_full.xml"), *std2019());
    ASSERT_TRUE(r.isOk());
    const json& j = r->record;
    EXPECT_EQ(j["school"]["brincode"], "07XY");
    EXPECT_TRUE(j["leerling"]["adressen"].is_array());
    EXPECT_TRUE(j["leerling"]["communicatie"].is_array());
    EXPECT_EQ(j["leerling"]["geslacht"], "2");
    EXPECT_TRUE(j["verzorgers"].is_array());
    EXPECT_EQ(j["overstapadvies"]["advies"], json::array({"40"}));
    EXPECT_TRUE(j["onderwijsondersteuning"]["handelingsplannen"].is_array());
    EXPECT_TRUE(j["bijlagen"].is_array());
    EXPECT_EQ(j["metadata"]["overstap"], "POVO");
    EXPECT_EQ(j["leerling"]["adressen"][0]["landomschrijving"], "Nederland");
    // One shape per fact: the names only as the OSO list (no one-string copy any more).
    EXPECT_EQ(j["leerling"]["voornamenlijst"],
              json::array({"Floor", "Annelies"}));
    EXPECT_FALSE(j["leerling"].contains("voornamen"));
    EXPECT_TRUE(model::ModelDefinition::builtin()->validate(j).empty());
}

TEST(oso_validator, MeldingenXmlHasTheStandardShape) {
    ValidationReport rep;
    rep.meldingen.push_back({"CL14", "/dossier/huidigeschool/leerling/geslacht", "tekst", 3});
    std::string xml = formatMeldingen(rep, *std2019());
    pugi::xml_document doc;
    ASSERT_TRUE(doc.load_string(xml.c_str()));
    auto root = doc.document_element();
    EXPECT_STREQ(root.name(), "meldingen");
    EXPECT_STREQ(root.attribute("xmlns").value(),
                 "http://www.edustandaard.nl/oso_gegevensset/2019/schemas/Meldingen");
    auto m = root.child("melding");
    EXPECT_STREQ(m.child_value("type"), "Fout");
    EXPECT_STREQ(m.child_value("locatie"), "/dossier/huidigeschool/leerling/geslacht");
    EXPECT_TRUE(contains(m.child_value("tekst"), "CL14"));
    EXPECT_EQ(formatText(rep, "f.xml"),
              "f.xml: CL14, /dossier/huidigeschool/leerling/geslacht, tekst (regel 3)\n");
}

TEST(oso_validator, BinnenBrinNeedsNoInzageAndVovoNeedsToestemming) {
    std::string bb = write(synthetic(), "BB");
    EXPECT_TRUE(contains(bb, "<overdrachtsoort>overdrachtbinnenbrin</overdrachtsoort>"));
    std::string no_inzage = test::applyEdits(bb, json::parse(R"([{"remove": "/dossier/inzage"}])"));
    Validator v(std2019(), ValidatorOptions{});
    EXPECT_TRUE(v.validate(no_inzage).valid());
    std::string vovo =
        test::applyEdits(golden("vovo_opt_out.xml"),
                         json::parse(R"([{"remove": "/dossier/inzage/toestemming"}])"));
    // Official OVa.IZ05: no policy switches it off.
    EXPECT_TRUE(v.validate(vovo).has("OVa.IZ05"));
}

TEST(oso_validator, XsdMeldingenCarryNoValues) {
    std::string xml = test::applyEdits(
        golden("povo_opt_out.xml"),
        json::parse(
            R"([{"set": "/dossier/huidigeschool/leerling/geboortedatum", "value": "1999-13-45"}])"));
    // No schema file: the date type is checked natively.
    Validator v(std2019(), ValidatorOptions{});
    auto rep = v.validate(xml);
    ASSERT_FALSE(rep.meldingen.empty());
    for (const auto& m : rep.meldingen) {
        EXPECT_FALSE(contains(m.text, "1999-13-45")) << m.text;
        EXPECT_EQ(m.xpath, "/dossier/huidigeschool/leerling/geboortedatum");
        EXPECT_GT(m.line, 0);
    }
}

// --- metadata/datum: the day of writing in Europe/Amsterdam, from the caller's clock ----------

/// The <metadata><datum> of a POVO dossier written from the synthetic record without a datum of
/// its own, at `now` (ISO UTC).
std::string datumWrittenAt(const std::string& now) {
    json r = synthetic();
    r["metadata"].erase("datum");
    WriteOptions o{"POVO", {}};
    auto at = parseIsoUtc(now);
    EXPECT_TRUE(at.isOk()) << now;
    o.now = *at;
    auto w = writeDossier(r, *std2019(), o);
    EXPECT_TRUE(w.isOk()) << now << ": " << (w.isOk() ? "" : w.error().message);
    if (!w) return std::string();
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(w->xml.c_str()));
    return doc.select_node("//metadata/datum").node().child_value();
}

TEST(oso_writer, DatumIsTheAmsterdamDateOfTheInjectedTimeOnBothSidesOfBothDstShifts) {
    // Winter time (CET, UTC+1): the local day starts at 23:00 UTC.
    EXPECT_EQ(datumWrittenAt("2026-01-01T22:30:00Z"), "2026-01-01");
    EXPECT_EQ(datumWrittenAt("2026-01-01T22:59:59Z"), "2026-01-01");
    EXPECT_EQ(datumWrittenAt("2026-01-01T23:00:00Z"), "2026-01-02");
    EXPECT_EQ(datumWrittenAt("2026-01-01T23:30:00Z"), "2026-01-02");
    // The spring shift (29 March 2026, 01:00 UTC): before it still winter time, after it summer.
    EXPECT_EQ(datumWrittenAt("2026-03-28T22:59:00Z"), "2026-03-28");
    EXPECT_EQ(datumWrittenAt("2026-03-28T23:00:00Z"), "2026-03-29");
    EXPECT_EQ(datumWrittenAt("2026-03-29T21:59:00Z"), "2026-03-29");
    EXPECT_EQ(datumWrittenAt("2026-03-29T22:00:00Z"), "2026-03-30");
    // Summer time (CEST, UTC+2): the local day starts at 22:00 UTC.
    EXPECT_EQ(datumWrittenAt("2026-03-31T21:59:59Z"), "2026-03-31");
    EXPECT_EQ(datumWrittenAt("2026-03-31T22:30:00Z"), "2026-04-01");
    // The autumn shift (25 October 2026, 01:00 UTC): before it summer time, after it winter.
    EXPECT_EQ(datumWrittenAt("2026-10-24T21:59:00Z"), "2026-10-24");
    EXPECT_EQ(datumWrittenAt("2026-10-24T22:00:00Z"), "2026-10-25");
    EXPECT_EQ(datumWrittenAt("2026-10-25T22:59:00Z"), "2026-10-25");
    EXPECT_EQ(datumWrittenAt("2026-10-25T23:00:00Z"), "2026-10-26");
}

TEST(oso_writer, AGivenDatumWinsAndWithoutDatumOrTimeTheDossierIsRefused) {
    json r = synthetic();
    WriteOptions o{"POVO", {}};
    o.now = *parseIsoUtc("2026-03-31T22:30:00Z");
    // The route's datum comes first, then the record's own.
    o.datum = "2026-02-02";
    auto w = writeDossier(r, *std2019(), o);
    ASSERT_TRUE(w.isOk()) << w.error().message;
    EXPECT_TRUE(contains(w->xml, "<datum>2026-02-02</datum>"));
    o.datum.clear();
    w = writeDossier(r, *std2019(), o);
    ASSERT_TRUE(w.isOk()) << w.error().message;
    EXPECT_TRUE(contains(w->xml, "<datum>2025-03-21</datum>"));
    // No datum anywhere and no time given: never a date made up from the system clock.
    r["metadata"].erase("datum");
    o.now.reset();
    w = writeDossier(r, *std2019(), o);
    ASSERT_FALSE(w.isOk());
    EXPECT_EQ(w.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(w.error().message.find("metadata.datum"), std::string::npos) << w.error().message;
}

TEST(oso_mapper, EncoderWritesTheDatumOfTheContextsTime) {
    mapper::MapperRegistry reg;
    ASSERT_TRUE(mapping::registerOsoMappers(reg).isOk());
    json r = synthetic();
    r["metadata"].erase("datum");
    mapper::EncodeContext ctx;
    ctx.profile = "POVO";
    ctx.now = *parseIsoUtc("2026-01-01T23:30:00Z");
    auto out = reg.encoder("oso-2019.1")->encode(r, ctx);
    ASSERT_TRUE(out.isOk()) << out.error().message;
    EXPECT_TRUE(contains(out->bytes, "<datum>2026-01-02</datum>"));
}

TEST(oso_mapper, RegistersDecoderAndEncoder) {
    mapper::MapperRegistry reg;
    ASSERT_TRUE(mapping::registerOsoMappers(reg).isOk());
    const auto* dec = reg.decoder("oso-2019.1");
    const auto* enc = reg.encoder("oso-2019.1");
    ASSERT_NE(dec, nullptr);
    ASSERT_NE(enc, nullptr);
    auto batch = dec->decode(golden("vovo_full.xml"), {"vovo.xml"});
    ASSERT_TRUE(batch.isOk());
    ASSERT_EQ(batch->records.size(), 1u);
    mapper::EncodeContext ctx;
    ctx.profile = "VOVO";
    ctx.opt_out = {"bijlagedocs"};
    auto out = enc->encode(batch->records[0], ctx);
    ASSERT_TRUE(out.isOk()) << out.error().message;
    EXPECT_EQ(out->file_extension, "xml");
    EXPECT_FALSE(contains(out->bytes, "<overigdocumentlijst>"));
    ctx.profile = "POSWV";
    json bad = batch->records[0];
    bad["leerling"].erase("achternaam");
    auto refused = enc->encode(bad, ctx);
    ASSERT_FALSE(refused.isOk());
    EXPECT_EQ(refused.error().code, ErrorCode::kValidationFailed);
    EXPECT_FALSE(mapping::registerOsoMappers(reg).isOk());  // duplicate names
}

}  // namespace
}  // namespace sluis::oso

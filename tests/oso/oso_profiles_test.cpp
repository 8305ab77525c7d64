// BB (overdrachtbinnenbrin) and PaO (swv-dossier: POSWV, VOSWV) profiles on small dossiers of our
// own: profile lookup, the round trip read -> write (profile and opt-outs taken from the dossier's
// categorie_uitlevering) -> the same dossier, an OV overstap value kept in a BB dossier, and the
// route checks of the OSO encoder (checkRoute, checkSchema) that check-config and the daemon use.
// Never reads the official material (that is the oracle suite's job).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/mapper/mapper.h"
#include "mapping/oso/oso_mapper.h"
#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_writer.h"
#include "tests/oso/oso_test_util.h"
#include "tests/support/test_util.h"

namespace sluis::oso {
namespace {

using nlohmann::json;

std::shared_ptr<const Standard> std2019() { return *Standard::get("2019.1"); }

/// A small pupil of our own, with data in most categories. Written for BB, POSWV and VOSWV (also
/// with every OPTIONEEL category opted out) it is valid per the official XSD and XSLT rules too
/// (checked by hand while writing this test; the oracle suite checks such dossiers permanently).
json pupil() {
    return json::parse(R"({
  "metadata": {"pakketnaam": "Sluis", "pakketversie": "1", "datum": "2026-03-02",
               "deeldossier": "LAS"},
  "school": {"naam": "Basisschool De Esch", "brincode": "21XY", "vestigingscode": "01",
             "aanleverpunt": "1",
             "adressen": [{"soortadres": "bezoek", "straat": "Schoolpad", "nummer": "4",
                           "postcode": "9999ZZ", "plaats": "Ergens"}],
             "communicatie": [{"soort": "telefoon", "aanduiding": "werk",
                               "nummer": "0501234567", "geheim": false}]},
  "leerling": {"voornamenlijst": ["Kim"], "roepnaam": "Kim", "achternaam": "Testpersoon",
               "geboortedatum": "2014-02-03", "geslacht": "1", "adresgeheim": false,
               "geboorteplaats": "Ergens", "bsn": "111222333", "leerlingid": "T0001",
               "adressen": [{"soortadres": "gba", "straat": "Laan", "nummer": "7",
                             "postcode": "9999YY", "plaats": "Ergens", "land": "6030",
                             "landomschrijving": "Nederland"}]},
  "inzage": {"voorlopigdossier": false, "inzage": true, "inzagedatum": "2026-02-20",
             "akkoord": "Ja", "toestemming": "Ja"},
  "verzorgersaansprakelijk": true,
  "verzorgers": [{"achternaam": "Testpersoon", "adresgeheim": false, "gezag": true}],
  "schoolloopbaan": [{"schooljaar": "2025-2026", "groepscode": "7B", "jaargroep": "7",
                      "begindatum": "2025-08-25", "brincode": "21XY", "vestigingscode": "01"}],
  "overstapadvies": {"advies": ["40"], "argumentatie": "Zelfstandig."},
  "onderwijsondersteuning": {"medicijngebruikaanwezig": false,
                             "handelingsplannen": [{"startdatum": "2025-10-01",
                                                    "isgerichtop": "lezen"}]}
})");
}

/// The opt-outs a dossier's categorie_uitlevering expresses (OPT-UIT categories).
std::vector<std::string> optOutsOf(const json& record) {
    std::vector<std::string> out;
    const json& cu = record.at("metadata").at("categorie_uitlevering");
    for (const auto& [k, v] : cu.items())
        if (v == "OPT-UIT") out.push_back(k.substr(4));  // cat_<name>
    return out;
}

/// Every OPTIONEEL category of a profile.
std::vector<std::string> allOptional(const std::string& profile) {
    auto s = std2019();
    std::vector<std::string> out;
    const Profile* p = s->profile(profile);
    for (size_t i = 0; i < s->categories().size(); ++i)
        if (p->categories[i] == Delivery::kOptioneel) out.push_back(s->categories()[i].name);
    return out;
}

std::string writeChecked(const json& record, const std::string& profile,
                         const std::vector<std::string>& opt_out) {
    WriteOptions o;
    o.profile = profile;
    o.opt_out = opt_out;
    std::vector<Melding> meldingen;
    auto w = writeValidated(record, *std2019(), o, "", &meldingen);
    EXPECT_TRUE(w.isOk()) << profile << ": " << (w.isOk() ? "" : w.error().message);
    return w.isOk() ? w->xml : std::string();
}

TEST(oso_profiles, ProfileLookupByOverdrachtsoortAndOverstap) {
    auto s = std2019();
    auto name = [&](const std::string& soort, const std::string& overstap) {
        const Profile* p = s->profileFor(soort, overstap);
        return p ? p->name : std::string("-");
    };
    // A BB dossier may carry any OV overstap value, or none.
    EXPECT_EQ(name("overdrachtbinnenbrin", "POPO"), "BB");
    EXPECT_EQ(name("overdrachtbinnenbrin", "VOVO"), "BB");
    EXPECT_EQ(name("overdrachtbinnenbrin", ""), "BB");
    EXPECT_EQ(name("swv-dossier", "POSWV"), "POSWV");
    EXPECT_EQ(name("swv-dossier", "VOSWV"), "VOSWV");
    EXPECT_EQ(name("swv-dossier", "POVO"), "-");
    EXPECT_EQ(name("overstapdossier", "POVO"), "POVO");
    EXPECT_EQ(name("overstapdossier", "POSWV"), "-");
    EXPECT_EQ(name("overstapdossier", ""), "-");
    EXPECT_EQ(name("iets-anders", "POVO"), "-");
    const Profile* bb = s->profile("BB");
    ASSERT_NE(bb, nullptr);
    EXPECT_EQ(bb->overdrachtsoort, "overdrachtbinnenbrin");
    EXPECT_FALSE(bb->swv);
    EXPECT_TRUE(s->profile("POSWV")->swv);
    EXPECT_TRUE(s->profile("VOSWV")->swv);
}

TEST(oso_profiles, BbKeepsTheOverstapItCarries) {
    json rec = pupil();
    rec["metadata"]["overstap"] = "POPO";
    std::string xml = writeChecked(rec, "BB", {});
    EXPECT_NE(xml.find("<overdrachtsoort>overdrachtbinnenbrin</overdrachtsoort>"),
              std::string::npos);
    EXPECT_NE(xml.find("<overstap>POPO</overstap>"), std::string::npos) << xml;

    auto read = readDossier(xml, *std2019());
    ASSERT_TRUE(read.isOk()) << read.error().message;
    EXPECT_EQ(read->record["metadata"]["overstap"], "POPO");
    EXPECT_EQ(read->record["overdrachtsoort"], "overdrachtbinnenbrin");
    EXPECT_EQ(writeChecked(read->record, "BB", optOutsOf(read->record)), xml);

    // Without one, a BB dossier has no overstap at all.
    std::string none = writeChecked(pupil(), "BB", {});
    EXPECT_EQ(none.find("<overstap>"), std::string::npos);
    EXPECT_NE(none.find("<cat_schoolloopbaan>OPTIONEEL</cat_schoolloopbaan>"), std::string::npos);
}

TEST(oso_profiles, SwvProfilesWriteTheirOwnOverstap) {
    json rec = pupil();
    rec["metadata"]["overstap"] = "POVO";  // from an earlier OV dossier: not this profile's
    for (const std::string profile : {"POSWV", "VOSWV"}) {
        std::string xml = writeChecked(rec, profile, {});
        EXPECT_NE(xml.find("<overstap>" + profile + "</overstap>"), std::string::npos) << xml;
        EXPECT_EQ(xml.find("<overstap>POVO</overstap>"), std::string::npos);
        EXPECT_NE(xml.find("<overdrachtsoort>swv-dossier</overdrachtsoort>"), std::string::npos);
        // No BSN in a dossier for the samenwerkingsverband.
        EXPECT_EQ(xml.find("<bsn>"), std::string::npos);
        EXPECT_EQ(xml.find("111222333"), std::string::npos);
    }
}

/// read -> write with the dossier's own profile and opt-outs -> the same dossier, for BB and PaO,
/// with everything delivered and with every OPTIONEEL category opted out.
TEST(oso_profiles, BbAndPaoRoundTripExactly) {
    for (const std::string profile : {"BB", "POSWV", "VOSWV"}) {
        for (bool opted_out : {false, true}) {
            SCOPED_TRACE(profile + (opted_out ? " opt_out" : " full"));
            json rec = pupil();
            if (profile == "BB") rec["metadata"]["overstap"] = "POPO";
            std::string first =
                writeChecked(rec, profile, opted_out ? allOptional(profile) : std::vector<std::string>{});
            ASSERT_FALSE(first.empty());
            auto read = readDossier(first, *std2019());
            ASSERT_TRUE(read.isOk()) << read.error().message;
            const Profile* p = std2019()->profileFor(
                read->record.value("overdrachtsoort", ""),
                read->record["metadata"].value("overstap", ""));
            ASSERT_NE(p, nullptr);
            EXPECT_EQ(p->name, profile);
            std::string second = writeChecked(read->record, p->name, optOutsOf(read->record));
            EXPECT_EQ(test::flatten(second), test::flatten(first));
            EXPECT_EQ(second, first);
            if (opted_out) {
                // schoolloopbaan: OPTIONEEL in BB (so opted out), VERPLICHT in PaO.
                EXPECT_EQ(first.find("<schoolloopbaanlijst>") == std::string::npos,
                          profile == "BB");
                EXPECT_EQ(first.find("<inzage>"), std::string::npos);  // ouderinzage OPTIONEEL
            }
        }
    }
}

TEST(oso_profiles, RouteNeedsFollowTheProfile) {
    auto s = std2019();
    auto has = [](const std::vector<std::string>& v, const std::string& x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    auto povo = checkRoute(*s, "POVO", {}, json::object());
    ASSERT_TRUE(povo.isOk()) << povo.error().message;
    EXPECT_EQ(povo->bases, std::vector<std::string>{"inzage"});
    EXPECT_TRUE(has(povo->categories, "ouderinzage"));
    EXPECT_TRUE(has(povo->categories, "overstapadvies"));
    EXPECT_FALSE(has(povo->categories, "metadata"));  // the writer makes it
    EXPECT_FALSE(has(povo->categories, "verzuim"));   // OPTIONEEL

    auto swv = checkRoute(*s, "POSWV", {"verzuim"}, json::object());
    ASSERT_TRUE(swv.isOk()) << swv.error().message;
    EXPECT_EQ(swv->bases, std::vector<std::string>{"consent"});
    EXPECT_TRUE(has(swv->categories, "onderwijsondersteuning"));
    EXPECT_FALSE(has(swv->categories, "ouderinzage"));
    EXPECT_FALSE(swv->basis_reason.empty());

    auto bb = checkRoute(*s, "BB", allOptional("BB"), json::object());
    ASSERT_TRUE(bb.isOk()) << bb.error().message;
    EXPECT_TRUE(bb->bases.empty());
    EXPECT_EQ(bb->categories, (std::vector<std::string>{"school", "leerling"}));
}

TEST(oso_profiles, RouteChecksRefuseWhatCannotBeWritten) {
    auto s = std2019();
    auto message = [&](const std::string& profile, const std::vector<std::string>& opt_out,
                       const json& options) {
        auto r = checkRoute(*s, profile, opt_out, options);
        EXPECT_FALSE(r.isOk()) << profile;
        return r.isOk() ? std::string() : r.error().message;
    };
    EXPECT_EQ(message("", {}, json::object()).rfind("profile: ", 0), 0u);
    EXPECT_NE(message("", {}, json::object()).find("profiel nodig"), std::string::npos);
    EXPECT_EQ(message("POVX", {}, json::object()).rfind("profile: onbekend OSO-profiel 'POVX'", 0),
              0u);
    EXPECT_EQ(message("POVO", {"schoolloopbaan"}, json::object())
                  .rfind("opt_out: categorie 'schoolloopbaan' is VERPLICHT", 0),
              0u);
    EXPECT_NE(message("POSWV", {"onderwijsondersteuning"}, json::object()).find("VERPLICHT"),
              std::string::npos);
    EXPECT_EQ(message("BB", {"leerlingen"}, json::object()).rfind("opt_out: onbekende OSO-categorie", 0),
              0u);
    EXPECT_EQ(message("POVO", {}, json{{"datum", "2-3-2026"}}).rfind("encoder_options.datum: ", 0),
              0u);

    sluis::test::TempDir dir;
    std::string missing = (dir / "nergens.xsd").string();
    EXPECT_NE(message("POVO", {}, json{{"schema", missing}}).find("encoder_options.schema"),
              std::string::npos);
    sluis::test::writeFile(dir / "kapot.xsd", "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>");
    EXPECT_NE(message("POVO", {}, json{{"schema", (dir / "kapot.xsd").string()}})
                  .find("geen geldig XML-schema"),
              std::string::npos);
    sluis::test::writeFile(dir / "geenxsd.xsd", "<dossier/>");
    EXPECT_FALSE(checkSchema("2019.1", (dir / "geenxsd.xsd").string()).isOk());
}

TEST(oso_profiles, SchemaThatCompilesIsAccepted) {
    sluis::test::TempDir dir;
    // A schema of our own (not the standard's): it compiles, so the route check passes.
    sluis::test::writeFile(dir / "OSO_gegevensset.xsd",
                           "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>"
                           "<xs:element name='x' type='xs:string'/></xs:schema>");
    EXPECT_TRUE(checkSchema("2019.1", (dir / "OSO_gegevensset.xsd").string()).isOk());
    EXPECT_TRUE(checkSchema("2019.1", dir.path().string()).isOk());  // the directory holding it
    auto r = checkRoute(*std2019(), "VOSWV", {}, json{{"schema", dir.path().string()}});
    EXPECT_TRUE(r.isOk()) << (r.isOk() ? "" : r.error().message);
}

TEST(oso_profiles, EncoderRefusesToRenderWithABrokenExplicitSchema) {
    mapper::MapperRegistry reg;
    ASSERT_TRUE(mapping::registerOsoMappers(reg).isOk());
    const mapper::Encoder* enc = reg.encoder("oso-2019.1");
    ASSERT_NE(enc, nullptr);
    sluis::test::TempDir dir;
    mapper::EncodeContext ctx{"swv", "POSWV", {}, json{{"schema", (dir / "weg.xsd").string()}}};
    auto out = enc->encode(pupil(), ctx);
    ASSERT_FALSE(out.isOk());
    EXPECT_EQ(out.error().code, ErrorCode::kInvalidConfig);
    EXPECT_NE(out.error().message.find("niet gevonden"), std::string::npos);
    // And the declared options are those the encoder reads.
    std::vector<std::string> keys;
    for (const auto& o : enc->options()) keys.push_back(o.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"schema", "pakketnaam", "pakketversie", "datum",
                                              "deeldossier"}));
    EXPECT_TRUE(reg.decoder("oso-2019.1")->options().empty());
}

}  // namespace
}  // namespace sluis::oso

// OSO routes checked when the configuration is loaded, through the real `sluis` binary:
// `sluis check-config` refuses a route whose OSO profile its purpose cannot satisfy (basis,
// categories), bad profiles/opt-outs/versions, and decoder/encoder options that are unknown, of
// the wrong type, or name a schema that cannot be read or compiled; `sluis serve` refuses to start
// on the same configuration, saying why, and starts on a good one.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();

class OsoRouteConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        write("daemon.json", {{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}});
        json sources = json::array(), sinks = json::array();
        for (int i = 0; i < 3; ++i) {
            std::string n = std::to_string(i);
            sources.push_back({{"name", "in" + n},
                               {"type", "directory"},
                               {"options", {{"path", "in" + n}, {"settle_time", "0ms"}}}});
            sinks.push_back(
                {{"name", "out" + n}, {"type", "directory"}, {"options", {{"path", "out" + n}}}});
        }
        write("connectors.json", {{"sources", sources}, {"sinks", sinks}});
        write("policies.json",
              {{"purposes",
                {{"povo", {{"legal_basis", "onderwijskundig rapport"}, {"basis", "inzage"}}},
                 {"swv", {{"legal_basis", "toestemming ouders"}, {"basis", "consent"}}},
                 {"intern", {{"legal_basis", "overdracht binnen de school"}, {"basis", "none"}}},
                 {"smal",
                  {{"legal_basis", "onderwijskundig rapport"},
                   {"basis", "inzage"},
                   {"categories", {"school", "leerling", "oudersverzorgers"}}}}}}});
    }

    void write(const std::string& file, const json& j) {
        test::writeFile(config_ / file, j.dump(2));
    }

    /// An OSO route `in<i>` -> `out<i>`, changed by `extra`.
    static json route(int i, const std::string& purpose, const std::string& profile,
                      const json& extra = json::object()) {
        std::string n = std::to_string(i);
        json r = {{"name", "r" + n},           {"source", "in" + n},  {"decoder", "canonical-jsonl"},
                  {"purpose", purpose},       {"profile", profile}, {"encoder", "oso-2019.1"},
                  {"sink", "out" + n}};
        for (auto& [k, v] : extra.items()) r[k] = v;
        return r;
    }

    void routes(const json& list) { write("routes.json", {{"routes", list}}); }

    test::RunResult checkConfig() {
        return test::run(kExe, {"check-config", config_.string(), "--data-dir", data_.string()});
    }

    /// `sluis serve` that must refuse at once; `timeout` ends it if it starts after all.
    test::RunResult serveMustRefuse() {
        return test::run("/usr/bin/timeout",
                         {"30", kExe, "serve", "--config", config_.string(), "--data-dir",
                          data_.string()});
    }

    test::TempDir dir_;
    fs::path config_, data_;
};

TEST_F(OsoRouteConfigTest, GoodOsoRoutesPassAndTheDaemonStarts) {
    routes({route(0, "povo", "POVO", {{"opt_out", {"verzuim"}}}), route(1, "swv", "POSWV"),
            route(2, "intern", "BB", {{"opt_out", {"ouderinzage", "vve"}}})});
    auto r = checkConfig();
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("configuratie in orde"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("3 route(s)"), std::string::npos) << r.out;

    test::Daemon daemon;
    int port = test::startServe(daemon, kExe,
                                {"serve", "--config", config_.string(), "--data-dir", data_.string()},
                                data_, dir_ / "serve.log");
    EXPECT_NE(port, 0);
    if (port != 0) {
        EXPECT_EQ(daemon.terminate(), 0);
    }
}

TEST_F(OsoRouteConfigTest, CheckConfigRefusesWhatThePurposeCannotSatisfy) {
    routes({route(0, "intern", "POVO"), route(1, "smal", "POPO"), route(2, "povo", "VOSWV")});
    auto r = checkConfig();
    EXPECT_EQ(r.exit_code, 1) << r.out;
    // POVO without the inzage basis.
    EXPECT_NE(r.err.find("routes.json: routes[0].purpose: profiel POVO vraagt grondslag "
                         "\"inzage\", maar doel 'intern' heeft \"none\" "
                         "(policies.json: purposes.intern.basis)"),
              std::string::npos)
        << r.err;
    // A purpose that does not allow a VERPLICHT category of the profile, one line per category.
    EXPECT_NE(r.err.find("routes.json: routes[1].purpose: profiel POPO kan niet zonder categorie "
                         "'ouderinzage', maar doel 'smal' staat die niet toe "
                         "(policies.json: purposes.smal.categories)"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("routes[1].purpose: profiel POPO kan niet zonder categorie "
                         "'schoolloopbaan'"),
              std::string::npos);
    EXPECT_EQ(r.err.find("categorie 'metadata'"), std::string::npos);  // Sluis writes it
    EXPECT_EQ(r.err.find("categorie 'leerling'"), std::string::npos);  // allowed
    // An SWV profile without consent.
    EXPECT_NE(r.err.find("routes.json: routes[2].purpose: profiel VOSWV vraagt grondslag "
                         "\"consent\", maar doel 'povo' heeft \"inzage\""),
              std::string::npos)
        << r.err;
}

TEST_F(OsoRouteConfigTest, CheckConfigRefusesBadProfilesVersionsAndOptions) {
    test::writeFile(dir_ / "kapot.xsd", "<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'>");
    routes({route(0, "povo", "POVX", {{"decoder_options", {{"scheidingsteken", ";"}}}}),
            route(1, "povo", "POVO",
                  {{"opt_out", {"schoolloopbaan"}},
                   {"encoder_options", {{"pakketnaam", 7}, {"schema", (dir_ / "weg").string()}}}}),
            route(2, "swv", "POSWV",
                  {{"encoder", "oso-2020.1"}})});
    auto r = checkConfig();
    EXPECT_EQ(r.exit_code, 1);
    for (const std::string want :
         {"routes.json: routes[0].profile: onbekend OSO-profiel 'POVX'",
          "routes.json: routes[0].decoder_options.scheidingsteken: onbekende optie",
          "routes.json: routes[1].encoder_options.pakketnaam: verwacht tekst",
          "routes.json: routes[2].encoder: onbekende encoder 'oso-2020.1'"})
        EXPECT_NE(r.err.find(want), std::string::npos) << want << "\n" << r.err;
    // Options with a type error are not checked further (the schema, the opt-outs) until fixed.
    routes({route(1, "povo", "POVO",
                  {{"opt_out", {"schoolloopbaan"}}, {"encoder_options", {{"pakketnaam", "LAS"}}}}),
            route(2, "povo", "VOVO",
                  {{"encoder_options", {{"schema", (dir_ / "weg").string()}}}}),
            route(0, "povo", "POPO", {{"encoder_options", {{"schema", (dir_ / "kapot.xsd").string()}}}})});
    r = checkConfig();
    EXPECT_EQ(r.exit_code, 1);
    for (const std::string& want : std::vector<std::string>{
             "routes.json: routes[0].opt_out: categorie 'schoolloopbaan' is VERPLICHT in profiel POVO",
             "routes.json: routes[1].encoder_options.schema: XML-schema OSO_gegevensset.xsd niet gevonden",
             "routes.json: routes[2].encoder_options.schema: XML-schema " + (dir_ / "kapot.xsd").string() +
                 " kan niet worden gelezen of is geen geldig XML-schema"})
        EXPECT_NE(r.err.find(want), std::string::npos) << want << "\n" << r.err;
}

TEST_F(OsoRouteConfigTest, TheDaemonRefusesToStartWhenAnOsoRouteCannotValidate) {
    test::writeFile(dir_ / "kapot.xsd", "geen xml");
    routes(json::array(
        {route(0, "povo", "POVO", {{"encoder_options", {{"schema", (dir_ / "kapot.xsd").string()}}}})}));
    auto r = serveMustRefuse();
    EXPECT_NE(r.exit_code, 124) << "sluis serve started with a schema it cannot compile";
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("routes.json: routes[0].encoder_options.schema: XML-schema"), std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(data_ / "admin.port"));

    // Opting out a VERPLICHT category, and an SWV route without consent: also no start.
    routes({route(0, "povo", "POPO", {{"opt_out", {"overstapadvies"}}}), route(1, "intern", "POSWV")});
    r = serveMustRefuse();
    EXPECT_NE(r.exit_code, 124);
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("routes[0].opt_out: categorie 'overstapadvies' is VERPLICHT"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("routes[1].purpose: profiel POSWV vraagt grondslag \"consent\""),
              std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(data_ / "admin.port"));
}

}  // namespace
}  // namespace sluis

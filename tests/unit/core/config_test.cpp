#include "core/config/config.h"

#include <gtest/gtest.h>

#include "app/cli.h"
#include "tests/support/test_util.h"

namespace sluis::config {
namespace {

using nlohmann::json;

class ConfigTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(app::registerAll(connectors_, mappers_)); }

    void write(const std::string& name, const json& j) { test::writeFile(dir_ / name, j.dump(2)); }

    void writeValid() {
        write("daemon.json", {{"data_dir", (dir_ / "data").string()}, {"admin", {{"port", 0}}}});
        write("store.json", {{"backend", "sqlite"}});
        write("connectors.json",
              {{"sources", {{{"name", "in"}, {"type", "directory"}, {"options", {{"path", "inbox"}}}}}},
               {"sinks", {{{"name", "out"}, {"type", "directory"}, {"options", {{"path", "/tmp/x"}}}}}}});
        write("policies.json", {{"purposes", {{"demo", {{"legal_basis", "test"}}}}}});
        write("routes.json", {{"routes",
                               {{{"name", "r"},
                                 {"source", "in"},
                                 {"decoder", "canonical-jsonl"},
                                 {"purpose", "demo"},
                                 {"encoder", "canonical-json"},
                                 {"sink", "out"}}}}});
    }

    Result<std::shared_ptr<const Config>> load() {
        return loadConfig(dir_.path().string(), {}, connectors_, mappers_);
    }

    test::TempDir dir_;
    connector::ConnectorRegistry connectors_;
    mapper::MapperRegistry mappers_;
};

TEST_F(ConfigTest, DemoConfigIsValid) {
    auto cfg = loadConfig((test::sourceDir() / "config/demo").string(), {"/tmp/sluis-demo-data"},
                          connectors_, mappers_);
    ASSERT_TRUE(cfg) << cfg.error().message;
    ASSERT_EQ((*cfg)->routes.size(), 4u);
    EXPECT_EQ((*cfg)->routes[1].purpose, "povo");
    EXPECT_EQ((*cfg)->routes[2].purpose, "vensters");
    ASSERT_FALSE((*cfg)->routes[2].report_encoders.empty());
    EXPECT_EQ((*cfg)->routes[2].report_encoders,
              (std::vector<std::string>{"vensters-html", "vensters-pdf"}));
    ASSERT_TRUE((*cfg)->policy("vensters"));
    EXPECT_TRUE((*cfg)->policy("vensters")->procedure.enabled);
    EXPECT_EQ((*cfg)->policy("vensters")->record, PurposePolicy::RecordKind::kAggregate);
    EXPECT_EQ((*cfg)->routes[1].encoder, "oso-2019.1");
    ASSERT_TRUE((*cfg)->policy("swv"));
    // #14 L2: a mentor does not see transfers to the samenwerkingsverband.
    EXPECT_FALSE((*cfg)->visibleTo("swv", "mentor"));
    EXPECT_TRUE((*cfg)->visibleTo("swv", "zorgcoordinator"));
    // The consent route: a dossier to the samenwerkingsverband on the parents' consent.
    EXPECT_EQ((*cfg)->routes[3].name, "swv-zorg");
    EXPECT_EQ((*cfg)->routes[3].purpose, "swv");
    EXPECT_EQ((*cfg)->routes[3].encoder, "canonical-json");
    EXPECT_EQ((*cfg)->policy("swv")->basis, PurposePolicy::Basis::kConsent);
    ASSERT_TRUE((*cfg)->policy("povo"));
    EXPECT_EQ((*cfg)->policy("povo")->basis, PurposePolicy::Basis::kInzage);
    EXPECT_EQ((*cfg)->policy("povo")->retention, std::chrono::hours(24 * 730));
    EXPECT_FALSE((*cfg)->policy("demo")->allowsCategory("onderwijsondersteuning"));
    EXPECT_FALSE((*cfg)->policy("povo")->allowsCategory("intern"));
    EXPECT_EQ((*cfg)->data_dir, "/tmp/sluis-demo-data");
    EXPECT_EQ((*cfg)->store.sqlite_path, "/tmp/sluis-demo-data/sluis.db");
    EXPECT_EQ((*cfg)->sources[0].options.str("path"), "/tmp/sluis-demo-data/inbox");
}

TEST_F(ConfigTest, ValidConfigWithDefaults) {
    writeValid();
    auto cfg = load();
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ((*cfg)->worker.poll_interval, std::chrono::milliseconds(500));
    // The engine's timings and batch sizes, as they were before they could be configured.
    EXPECT_EQ((*cfg)->worker.purge_interval, std::chrono::minutes(10));
    EXPECT_EQ((*cfg)->worker.notify_batch, 20);
    EXPECT_EQ((*cfg)->worker.notify_max_attempts, 20);
    EXPECT_EQ((*cfg)->worker.notify_backoff_initial, std::chrono::minutes(1));
    EXPECT_EQ((*cfg)->worker.notify_backoff_max, std::chrono::hours(2));
    EXPECT_EQ((*cfg)->sources[0].options.duration("settle_time"), std::chrono::milliseconds(1000));
    EXPECT_EQ((*cfg)->sinks[0].options.str("path"), "/tmp/x");
    EXPECT_EQ((*cfg)->key_file, (dir_ / "data/sluis.key").string());
}

TEST_F(ConfigTest, EngineTimingsComeFromWorkerAndAreCheckedByPath) {
    writeValid();
    write("daemon.json", {{"data_dir", "d"},
                          {"worker", {{"purge_interval", "30s"}, {"notify_batch", 5}, {"notify_max_attempts", 3},
                                      {"notify_backoff_initial", "10s"}, {"notify_backoff_max", "1m"}}}});
    auto cfg = load();
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ((*cfg)->worker.purge_interval, std::chrono::seconds(30));
    EXPECT_EQ((*cfg)->worker.notify_batch, 5);
    EXPECT_EQ((*cfg)->worker.notify_max_attempts, 3);
    EXPECT_EQ((*cfg)->worker.notify_backoff_initial, std::chrono::seconds(10));
    EXPECT_EQ((*cfg)->worker.notify_backoff_max, std::chrono::minutes(1));

    write("daemon.json", {{"data_dir", "d"},
                          {"worker", {{"purge_interval", "10ms"}, {"notify_batch", 0}, {"notify_max_attempts", "x"},
                                      {"notify_backoff_initial", "1h"}, {"notify_backoff_max", "1m"}}}});
    cfg = load();
    ASSERT_FALSE(cfg);
    const std::string& m = cfg.error().message;
    for (const char* expected : {"daemon.json: worker.purge_interval: minstens 1s",
                                 "daemon.json: worker.notify_batch: verwacht een geheel getal van 1 tot 10000",
                                 "daemon.json: worker.notify_max_attempts: verwacht een geheel getal",
                                 "daemon.json: worker.notify_backoff_max: minstens 1ms en niet kleiner dan "
                                 "worker.notify_backoff_initial"})
        EXPECT_NE(m.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << m;
}

TEST_F(ConfigTest, ReportsEveryErrorWithItsPath) {
    writeValid();
    write("daemon.json", {{"data_dir", "d"}, {"worker", {{"poll_interval", "soon"}, {"bogus", 1}}},
                          {"admin", {{"port", 70000}}}});
    write("connectors.json",
          {{"sources", {{{"name", "in"}, {"type", "directory"}, {"options", {{"pad", "inbox"}}}}}},
           {"sinks", {{{"name", "out"}, {"type", "ftp"}, {"options", json::object()}}}}});
    write("routes.json", {{"routes",
                           {{{"name", "r"},
                             {"source", "in"},
                             {"decoder", "nope"},
                             {"purpose", "demo"},
                             {"encoder", "canonical-json"},
                             {"sink", "missing"},
                             {"approvals", {{"required", 1}}}}}}});
    write("policies.json",
          {{"purposes", {{"demo", {{"legal_basis", "x"}, {"basis", "maybe"},
                                   {"categories", {"leerling", "schoenen"}},
                                   {"approvals", {{"required", 1}, {"roles", {"conciërge"}}}}}}}}});
    auto cfg = load();
    ASSERT_FALSE(cfg);
    const std::string& m = cfg.error().message;
    for (const char* expected : {
             "daemon.json: worker.poll_interval: verwacht een duur",
             "daemon.json: worker.bogus: onbekende sleutel; geldige sleutels:",
             "daemon.json: admin.port: verwacht een geheel getal van 0 tot 65535",
             "connectors.json: sources[0].options.pad: onbekende optie; geldige opties: path",
             "connectors.json: sources[0].options.path: verplichte optie ontbreekt",
             "connectors.json: sinks[0].type: onbekend doeltype 'ftp'; bekende types: directory",
             "routes.json: routes[0].decoder: onbekende decoder 'nope'",
             "routes.json: routes[0].sink: onbekend doel 'missing'",
             "routes.json: routes[0].approvals: onbekende sleutel",
             "policies.json: purposes.demo.approvals.roles: onbekende rol 'conciërge'",
             "policies.json: purposes.demo.basis: verwacht \"none\", \"consent\" of \"inzage\"",
             "policies.json: purposes.demo.categories: onbekende categorie 'schoenen'",
         }) {
        EXPECT_NE(m.find(expected), std::string::npos) << "missing: " << expected << "\nin:\n" << m;
    }
}

// #14 L2: who sees a purpose is configured per purpose; a role that does not exist is refused
// with its path, not silently ignored (it would hide the purpose from everyone meant to see it).
TEST_F(ConfigTest, VisibleToRefusesAnUnknownRoleWithItsPath) {
    writeValid();
    write("policies.json",
          {{"purposes", {{"demo", {{"legal_basis", "x"}, {"visible_to", {"directeur", "stagiair"}}}}}}});
    auto cfg = load();
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("policies.json: purposes.demo.visible_to: onbekende rol 'stagiair'"),
              std::string::npos)
        << cfg.error().message;

    write("policies.json", {{"purposes", {{"demo", {{"legal_basis", "x"}, {"visible_to", "directeur"}}}}}});
    cfg = load();
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("policies.json: purposes.demo.visible_to: verwacht een lijst"),
              std::string::npos)
        << cfg.error().message;
}

TEST_F(ConfigTest, DeliveryDateLimitAndAuditFullCheckIntervalHaveDefaultsAndAreChecked) {
    writeValid();
    auto cfg = load();
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ((*cfg)->policy("demo")->max_days_ahead, 366);
    EXPECT_EQ((*cfg)->audit.full_check_interval, std::chrono::hours(1));

    write("daemon.json", {{"data_dir", "d"}, {"audit", {{"full_check_interval", "15m"}}}});
    write("policies.json",
          {{"purposes", {{"demo", {{"legal_basis", "x"}, {"max_days_ahead", 0}}}}}});
    cfg = load();
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ((*cfg)->policy("demo")->max_days_ahead, 0);
    EXPECT_EQ((*cfg)->audit.full_check_interval, std::chrono::minutes(15));

    // A limit no date can meet (not after the withdrawal deadline) is refused with its path.
    write("policies.json", {{"purposes",
                             {{"demo", {{"legal_basis", "x"}, {"withdraw_days_before", 5}, {"max_days_ahead", 5}}}}}});
    cfg = load();
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("policies.json: purposes.demo.max_days_ahead: moet groter zijn dan "
                                       "withdraw_days_before (5)"),
              std::string::npos)
        << cfg.error().message;
}

TEST_F(ConfigTest, VisibleToDefaultsToApproversAndConsentRecorders) {
    writeValid();
    write("policies.json",
          {{"purposes",
            {{"demo", {{"legal_basis", "x"}}},
             {"swv",
              {{"legal_basis", "x"},
               {"basis", "consent"},
               {"approvals", {{"required", 1}, {"roles", {"zorgcoordinator"}}}},
               {"visible_to", {"zorgcoordinator", "directeur"}}}},
             {"msv",
              {{"legal_basis", "x"}, {"approvals", {{"required", 1}, {"roles", {"bevoegd-gezag"}}}}}},
             {"povo", {{"legal_basis", "x"}, {"basis", "inzage"}}}}}});
    auto cfg = load();
    ASSERT_TRUE(cfg) << cfg.error().message;
    const Config& c = **cfg;
    // No role named at all: every role sees it.
    for (const char* role : {"mentor", "directeur", "bevoegd-gezag", "zorgcoordinator"})
        EXPECT_TRUE(c.visibleTo("demo", role)) << role;
    // Explicit: only those roles, plus beheerder and fg.
    EXPECT_FALSE(c.visibleTo("swv", "mentor"));
    EXPECT_FALSE(c.visibleTo("swv", "bevoegd-gezag"));
    for (const char* role : {"zorgcoordinator", "directeur", "beheerder", "fg"})
        EXPECT_TRUE(c.visibleTo("swv", role)) << role;
    // Default with approvers only: the approvers.
    EXPECT_TRUE(c.visibleTo("msv", "bevoegd-gezag"));
    EXPECT_FALSE(c.visibleTo("msv", "mentor"));
    EXPECT_FALSE(c.visibleTo("msv", "directeur"));
    // Default on inzage: whoever may record it.
    EXPECT_TRUE(c.visibleTo("povo", "mentor"));
    EXPECT_FALSE(c.visibleTo("povo", "bevoegd-gezag"));
    // A purpose that is not configured: only beheerder and fg.
    EXPECT_FALSE(c.visibleTo("onbekend", "mentor"));
    EXPECT_TRUE(c.visibleTo("onbekend", "fg"));
}

TEST_F(ConfigTest, PostgresqlStoreIsCheckedWithPathsAndThePasswordIsNeverEchoed) {
    writeValid();
    write("store.json", {{"backend", "postgresql"}});
    auto cfg = load();
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("store.json: postgresql.dsn: verplicht"), std::string::npos)
        << cfg.error().message;

    write("store.json", {{"backend", "postgresql"},
                         {"postgresql", {{"dsn", "host=h dbname=d password=geheim1"},
                                         {"password_env", "SLUIS_TEST_UNSET_VARIABLE_X"},
                                         {"wachtwoord", "x"}}}});
    cfg = load();
    ASSERT_FALSE(cfg);
    const std::string& m = cfg.error().message;
    EXPECT_NE(m.find("store.json: postgresql.dsn: zet geen wachtwoord in de dsn"), std::string::npos) << m;
    EXPECT_NE(m.find("store.json: postgresql.password_env: omgevingsvariabele "
                     "SLUIS_TEST_UNSET_VARIABLE_X is niet gezet"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("store.json: postgresql.wachtwoord: onbekende sleutel"), std::string::npos) << m;
    EXPECT_EQ(m.find("geheim1"), std::string::npos) << m;

    write("store.json", {{"backend", "mysql"}});
    cfg = load();
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("geldige waarden: sqlite, postgresql"), std::string::npos);

    test::writeFile(dir_ / "data" / "pg-password", "geheim2\n");
    write("store.json", {{"backend", "postgresql"},
                         {"postgresql", {{"dsn", "host=127.0.0.1 dbname=sluis user=sluis"},
                                         {"password_file", "pg-password"}}}});
    cfg = load();
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ((*cfg)->store.backend, "postgresql");
    EXPECT_EQ((*cfg)->store.postgresql_dsn, "host=127.0.0.1 dbname=sluis user=sluis");
    EXPECT_EQ((*cfg)->store.postgresql_password, "geheim2");
}

TEST_F(ConfigTest, BrokenFilesAreNamed) {
    writeValid();
    test::writeFile(dir_ / "routes.json", "{\"routes\": [ {\"name\": \"r\", }");
    test::writeFile(dir_ / "store.json", std::string("{\"backend\": \"sq\xff\"}"));
    std::filesystem::remove(dir_ / "connectors.json");
    std::filesystem::remove(dir_ / "policies.json");
    auto cfg = load();
    ASSERT_FALSE(cfg);
    const std::string& m = cfg.error().message;
    EXPECT_NE(m.find("routes.json: geen geldige JSON (regel 1"), std::string::npos) << m;
    EXPECT_NE(m.find("store.json: geen geldige UTF-8"), std::string::npos) << m;
    EXPECT_NE(m.find("connectors.json: bestand ontbreekt"), std::string::npos) << m;
    EXPECT_NE(m.find("policies.json: bestand ontbreekt"), std::string::npos) << m;
    EXPECT_FALSE(loadConfig((dir_ / "nope").string(), {}, connectors_, mappers_));
}

TEST_F(ConfigTest, OptionValuesAreNeverEchoed) {
    connector::ConnectorRegistry reg;
    std::vector<std::string> errors;
    std::vector<connector::OptionSpec> specs = {
        {"client_secret", connector::OptionType::kString, nullptr, true, true, ""},
        {"timeout", connector::OptionType::kDurationMs, nullptr, false, false, ""}};
    auto r = connector::validateOptions(specs, {{"client_secret", 12345678}, {"timeout", "zeer-geheim"}},
                                        "x", errors);
    ASSERT_FALSE(r);
    ASSERT_EQ(errors.size(), 2u);
    for (const auto& e : errors) {
        EXPECT_EQ(e.find("12345678"), std::string::npos) << e;
        EXPECT_EQ(e.find("zeer-geheim"), std::string::npos) << e;
    }
}

TEST(ConnectorOptions, DefaultDurationsAreConvertedLikeConfiguredOnes) {
    std::vector<std::string> errors;
    std::vector<connector::OptionSpec> specs = {
        {"timeout", connector::OptionType::kDurationMs, "10s", false, false, ""},
        {"interval", connector::OptionType::kDurationMs, "250ms", false, false, ""}};
    auto r = connector::validateOptions(specs, {{"interval", "2m"}}, "x", errors);
    ASSERT_TRUE(r) << (errors.empty() ? "" : errors[0]);
    EXPECT_EQ(r->duration("timeout"), std::chrono::seconds(10));
    EXPECT_EQ(r->duration("interval"), std::chrono::minutes(2));
}

TEST_F(ConfigTest, GuidedDeliveryAndScheduleAreCheckedWithPaths) {
    writeValid();
    write("policies.json",
          {{"purposes",
            {{"demo",
              {{"legal_basis", "x"},
               {"record", "groep"},
               {"catch_up", "later"},
               {"procedure",
                {{"choices", {{{"id", "niveau"}, {"options", {"a"}}, {"default", "b"}}}},
                 {"questions", {{{"id", "q"}, {"text", "?"}, {"type", "keuze"}, {"options", {"x"}}}}},
                 {"notify_to", {"geen adres"}}}}}}}}});
    write("routes.json", {{"routes",
                           {{{"name", "r"}, {"source", "in"}, {"decoder", "canonical-jsonl"}, {"purpose", "demo"},
                             {"encoder", "canonical-json"}, {"sink", "out"}, {"schedule", "61 * * * *"},
                             {"report_encoder", "pdf"}}}}});
    auto r = load();
    ASSERT_FALSE(r);
    const std::string& m = r.error().message;
    for (const char* want : {"purposes.demo.record: verwacht \"leerling\" of \"aggregaat\"",
                             "purposes.demo.catch_up: verwacht \"deliver_late\" of \"skip\"",
                             "purposes.demo.procedure.choices[0].default: staat niet in options",
                             "purposes.demo.procedure.questions[0].options: een keuzevraag heeft minstens twee opties",
                             "purposes.demo.procedure.notify_to: geen geldig e-mailadres",
                             "purposes.demo.procedure: een begeleide levering vraagt een akkoord",
                             "routes[0].schedule: ", "routes[0].report_encoders: onbekende encoder 'pdf'"})
        EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
}

TEST_F(ConfigTest, DecoderAndEncoderOptionsAreCheckedWhenLoaded) {
    writeValid();
    write("connectors.json",
          {{"sources",
            {{{"name", "in"}, {"type", "directory"}, {"options", {{"path", "inbox"}}}},
             {{"name", "in2"}, {"type", "directory"}, {"options", {{"path", "inbox2"}}}},
             {{"name", "in3"}, {"type", "directory"}, {"options", {{"path", "inbox3"}}}}}},
           {"sinks", {{{"name", "out"}, {"type", "directory"}, {"options", {{"path", "/tmp/x"}}}}}}});
    write("policies.json",
          {{"purposes",
            {{"demo", {{"legal_basis", "test"}}},
             {"povo", {{"legal_basis", "test"}, {"basis", "inzage"}}}}}});
    json routes = json::array();
    routes.push_back({{"name", "a"}, {"source", "in"}, {"decoder", "magister-csv"},
                      {"decoder_options", {{"mapping", (dir_ / "weg.json").string()}, {"school", "x"}}},
                      {"purpose", "demo"}, {"encoder", "canonical-json"}, {"profile", "POVO"},
                      {"sink", "out"}});
    routes.push_back({{"name", "b"}, {"source", "in2"}, {"decoder", "canonical-jsonl"},
                      {"decoder_options", {{"bogus", 1}}}, {"purpose", "demo"},
                      {"encoder", "oso-2019.1"}, {"profile", "BB"},
                      {"encoder_options", {{"datum", "gisteren"}}}, {"sink", "out"}});
    routes.push_back({{"name", "c"}, {"source", "in3"}, {"decoder", "magister-csv"},
                      {"decoder_options", {{"mapping", (dir_ / "weg.json").string()}}},
                      {"purpose", "povo"}, {"encoder", "oso-2019.1"}, {"profile", "POVO"},
                      {"sink", "out"}});
    write("routes.json", {{"routes", routes}});
    auto cfg = load();
    ASSERT_FALSE(cfg);
    const std::string& m = cfg.error().message;
    for (const std::string want :
         {"routes.json: routes[0].decoder_options.school: verwacht object",
          "routes.json: routes[0].profile: encoder 'canonical-json' kent geen profielen",
          "routes.json: routes[1].decoder_options.bogus: onbekende optie; er zijn hier geen opties",
          "routes.json: routes[1].encoder_options.datum: verwacht JJJJ-MM-DD",
          "routes.json: routes[2].decoder_options: "})
        EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
    EXPECT_EQ(m.find("routes[0].decoder_options: "), std::string::npos)  // types first
        << m;

    // Fixed: the schema path, relative like connector paths, is made absolute against data_dir.
    routes[0].erase("profile");
    routes[0]["decoder_options"] = json::object();
    routes[1]["decoder_options"] = json::object();
    routes[1]["encoder_options"] = {{"datum", "2026-03-01"}};
    routes[2]["decoder_options"] = json::object();
    routes[2]["encoder_options"] = {{"pakketnaam", "LAS"}};
    write("routes.json", {{"routes", routes}});
    cfg = load();
    ASSERT_TRUE(cfg) << cfg.error().message;
    EXPECT_EQ((*cfg)->routes[2].encoder_options, (json{{"pakketnaam", "LAS"}}));
    routes[2]["encoder_options"] = {{"schema", "oso"}};
    write("routes.json", {{"routes", routes}});
    cfg = load();
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("routes.json: routes[2].encoder_options.schema: XML-schema "
                                       "OSO_gegevensset.xsd niet gevonden op " +
                                       (dir_ / "data/oso").string()),
              std::string::npos)
        << cfg.error().message;
}

TEST_F(ConfigTest, AnOsoProfileNeedsWhatItsPurposeAllows) {
    writeValid();
    write("policies.json",
          {{"purposes",
            {{"demo", {{"legal_basis", "test"}, {"categories", {"school", "leerling"}}}}}}});
    write("routes.json", {{"routes",
                           {{{"name", "r"}, {"source", "in"}, {"decoder", "canonical-jsonl"},
                             {"purpose", "demo"}, {"profile", "POSWV"},
                             {"encoder", "oso-2019.1"}, {"sink", "out"}}}}});
    auto cfg = load();
    ASSERT_FALSE(cfg);
    const std::string& m = cfg.error().message;
    EXPECT_NE(m.find("routes.json: routes[0].purpose: profiel POSWV vraagt grondslag \"consent\", "
                     "maar doel 'demo' heeft \"none\" (policies.json: purposes.demo.basis)"),
              std::string::npos)
        << m;
    for (const char* c : {"oudersverzorgers", "schoolloopbaan", "onderwijsondersteuning"})
        EXPECT_NE(m.find(std::string("profiel POSWV kan niet zonder categorie '") + c + "'"),
                  std::string::npos)
            << c << "\n" << m;
    EXPECT_EQ(m.find("categorie 'school'"), std::string::npos) << m;
    EXPECT_EQ(m.find("categorie 'metadata'"), std::string::npos) << m;
}

}  // namespace
}  // namespace sluis::config

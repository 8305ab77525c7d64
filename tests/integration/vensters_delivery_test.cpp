// The Vensters procedure end to end with the real daemon, a real SMTP server (STARTTLS) and the
// Inspectie's mutual-TLS receiver, on a clock the test moves: akkoord, report, level, date,
// questions, save + mail; withdrawal until one day before; delivery at the date with the hash of
// the checked report; catch-up after downtime; a recurring schedule; bad survey files.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/util/fs.h"
#include "tests/support/http_client.h"
#include "tests/support/inspectie_peer.h"
#include "tests/support/process.h"
#include "tests/support/smtp_peer.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const std::string kExe = sluis::test::sluisExe();
const char* kQuestions[] = {"VB1", "VB2", "VB3", "VB4", "WB1", "WB2", "WB3", "WB4",
                            "WB5", "AV1", "AV2", "AV3", "AV4", "AV5", "AV6"};

/// `n` respondents of one school/onderwijssoort/leerjaar; answers vary with the index.
std::string surveyRows(int& next, const std::string& brin, const std::string& type, int grade,
                       int n, int shift = 0) {
    std::string out;
    for (int i = 0; i < n; ++i) {
        out += std::to_string(next++) + ";" + brin + ";00;" + type + ";" + std::to_string(grade);
        for (const char* q : kQuestions) {
            int v = (i + shift) % 4 + 1;
            out += ";" + std::string(q[0] == 'A' ? std::to_string((i + shift) % 5 == 0 ? 1 : 0)
                                                 : std::to_string(v));
        }
        out += "\n";
    }
    return out;
}

std::string survey(int shift = 0, int extra_havo = 0) {
    std::string out = "respondent;brin;vestiging;onderwijssoort;leerjaar";
    for (const char* q : kQuestions) out += std::string(";") + q;
    out += "\n";
    int next = 1000;
    out += surveyRows(next, "12AB", "havo", 1, 30 + extra_havo, shift);
    out += surveyRows(next, "12AB", "vwo", 1, 6, shift);  // a small cell at onderwijssoort level
    out += surveyRows(next, "34CD", "vmbo-k", 2, 25, shift);
    return out;
}

class VenstersTest : public ::testing::Test {
  protected:
    void configure(const std::string& catch_up) {
        inspectie_ = std::make_unique<test::InspectiePeer>(
            test::pkiFile("server.crt"), test::pkiFile("server.key"), test::pkiFile("ca.crt"));
        smtp_ = std::make_unique<test::SmtpPeer>(test::pkiFile("server.crt"),
                                                 test::pkiFile("server.key"));
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        auto w = [&](const std::string& f, const json& j) {
            test::writeFile(config_ / f, j.dump(2));
        };
        test::writeFile(
            dir_ / "inschrijvingen.csv",
            "brin;vestiging;onderwijssoort;leerjaar;aantal\n12AB;00;havo;1;40\n12AB;00;vwo;1;20\n"
            "34CD;00;vmbo-k;2;30\n");
        w("daemon.json", {{"admin", {{"port", 0}}},
                          {"worker", {{"poll_interval", "50ms"}, {"backoff_initial", "100ms"}}},
                          {"notify",
                           {{"smtp",
                             {{"host", "localhost"},
                              {"port", smtp_->port()},
                              {"from", "sluis@bestuur.example"},
                              {"tls", "required"},
                              {"ca_file", test::pkiFile("ca.crt")},
                              {"timeout", "5s"}}}}}});
        w("connectors.json",
          {{"sources",
            {{{"name", "enquetes"},
              {"type", "directory"},
              {"options", {{"path", "enquetes"}, {"suffix", ".csv"}, {"settle_time", "0ms"}}}},
             {{"name", "nachtelijk"},
              {"type", "directory"},
              {"options", {{"path", "nachtelijk"}, {"settle_time", "0ms"}}}}}},
           {"sinks",
            {{{"name", "inspectie"},
              {"type", "inspectie-https"},
              {"options",
               {{"url", inspectie_->url()},
                {"ca_file", test::pkiFile("ca.crt")},
                {"cert_file", test::pkiFile("client.crt")},
                {"key_file", test::pkiFile("client.key")},
                {"timeout", "5s"}}}},
             {{"name", "archief"}, {"type", "directory"}, {"options", {{"path", "archief"}}}}}}});
        w("policies.json",
          {{"purposes",
            {{"vensters",
              {{"description", "Monitoring sociale veiligheid"},
               {"legal_basis", "monitorplicht sociale veiligheid; akkoord bevoegd gezag"},
               {"record", "aggregaat"},
               {"approvals", {{"required", 1}, {"roles", {"bevoegd-gezag"}}, {"four_eyes", false}}},
               {"catch_up", catch_up},
               {"procedure",
                {{"choices",
                  {{{"id", "niveau"},
                    {"label", "niveau"},
                    {"options", {"school", "onderwijssoort"}},
                    {"default", "school"}}}},
                 {"questions",
                  {{{"id", "afnamegroep"},
                    {"text", "Wie vulde de vragenlijst in?"},
                    {"type", "keuze"},
                    {"options", {"alle leerlingen", "steekproef"}}},
                   {{"id", "afnamecondities"},
                    {"text", "Hoe is de vragenlijst afgenomen?"},
                    {"type", "tekst"}}}},
                 {"notify_to", {"gebruikersbeheer@bestuur.example"}}}}}},
             {"monitor", {{"legal_basis", "test"}}}}}});
        w("routes.json", {{"routes",
                           {{{"name", "vensters"},
                             {"source", "enquetes"},
                             {"decoder", "vensters-enquete"},
                             {"decoder_options",
                              {{"niveau", "keuze"},
                               {"inschrijvingen", (dir_ / "inschrijvingen.csv").string()},
                               {"schooljaar", "2026-2027"}}},
                             {"purpose", "vensters"},
                             {"encoder", "vensters-json"},
                             {"report_encoders", {"vensters-html", "vensters-pdf"}},
                             {"sink", "inspectie"}},
                            {{"name", "nachtelijk"},
                             {"source", "nachtelijk"},
                             {"decoder", "canonical-jsonl"},
                             {"purpose", "monitor"},
                             {"encoder", "canonical-json"},
                             {"sink", "archief"},
                             {"schedule", "0 2 * * *"}}}}});
        clock_file_ = dir_ / "clock";
        setClock("2027-03-01T09:00:00Z");
        for (const char* who : {"beheerder", "fg", "mentor"}) tokens_[who] = token(who, who);
        tokens_["bg-a"] = token("bg-a", "bevoegd-gezag");
        start();
    }

    void start() {
        setenv("SLUIS_ENABLE_TEST_CLOCK", "1", 1);
        port_ = test::startServe(daemon_, kExe,
                                 {"serve", "--config", config_.string(), "--data-dir", data_.string(),
                                  "--test-clock", clock_file_.string()},
                                 data_, dir_ / "serve.log");
        ASSERT_NE(port_, 0);
    }

    std::string token(const std::string& name, const std::string& role) {
        return test::createToken(kExe, config_, data_, name, role);
    }

    void setClock(const std::string& iso) { test::setClockFile(clock_file_, iso); }

    test::HttpReply api(const std::string& who, const std::string& method, const std::string& path,
                        const json& body = json()) {
        return test::httpCall(port_, method, path, who.empty() ? "" : tokens_.at(who), body);
    }

    test::RunResult cli(const std::string& who, std::vector<std::string> args) {
        return test::runClient(kExe, port_, tokens_.at(who), dir_ / ("token-" + who), std::move(args));
    }

    void drop(const std::string& inbox, const std::string& name, const std::string& content) {
        test::dropFile(data_ / inbox, name, content);
    }

    /// Waits until the procedure of `school` satisfies `pred`; returns it.
    json waitProcedure(const std::string& school, const std::function<bool(const json&)>& pred) {
        json last;
        if (test::waitUntil([&] {
                auto r = api("beheerder", "GET", "/api/v1/procedures?purpose=vensters");
                if (r.status == 200)
                    for (const auto& p : r.body["procedures"])
                        if (p["subject"] == school) {
                            last = p;
                            if (pred(p)) return true;
                        }
                return false;
            }))
            return last;
        std::string log = test::readFile(dir_ / "serve.log");
        ADD_FAILURE() << "procedure for " << school
                      << " never reached the expected state; last: " << last.dump()
                      << "\nserve.log (end):\n"
                      << log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
        return last;
    }
    json waitState(const std::string& school, const std::string& state) {
        return waitProcedure(school, [&](const json& p) { return p["state"] == state; });
    }

    /// Steps 2-6 for `id` as bg-a: report, optional level, date, answers, akkoord, save.
    void completeProcedure(const std::string& school, const std::string& level,
                           const std::string& date) {
        json p = waitState(school, "awaiting_approval");
        std::string id = p["transfer_id"];
        if (level != "school") {
            ASSERT_EQ(
                api("bg-a", "POST", "/api/v1/procedures/" + id + "/choices", {{"niveau", level}})
                    .status,
                200);
            p = waitProcedure(school, [&](const json& q) {
                return q["state"] == "awaiting_approval" && q["choices"]["niveau"] == level;
            });
        }
        ASSERT_EQ(
            api("bg-a", "POST", "/api/v1/transfers/" + id + "/schedule", {{"deliver_on", date}})
                .status,
            200);
        ASSERT_EQ(api("bg-a", "POST", "/api/v1/procedures/" + id + "/answers",
                      {{"answers",
                        {{"afnamegroep", "alle leerlingen"},
                         {"afnamecondities", "klassikaal, in de les"}}}})
                      .status,
                  200);
        auto report = api("bg-a", "GET", "/api/v1/transfers/" + id + "/report");
        ASSERT_EQ(report.status, 200);
        auto ok = api("bg-a", "POST", "/api/v1/transfers/" + id + "/approve",
                      {{"payload_hash", p["payload_hash"]}});
        ASSERT_EQ(ok.status, 200) << ok.raw;
        auto saved = api("bg-a", "POST", "/api/v1/procedures/" + id + "/save");
        ASSERT_EQ(saved.status, 200) << saved.raw;
        waitState(school, "scheduled");
    }

    void TearDown() override {
        if (daemon_.running()) daemon_.terminate();
    }

    test::TempDir dir_;
    fs::path config_, data_, clock_file_;
    std::map<std::string, std::string> tokens_;
    std::unique_ptr<test::InspectiePeer> inspectie_;
    std::unique_ptr<test::SmtpPeer> smtp_;
    test::Daemon daemon_;
    int port_ = 0;
};

TEST_F(VenstersTest, SixStepsWithAkkoordMailDeadlineAndDeliveryOfTheCheckedReport) {
    configure("deliver_late");
    drop("enquetes", "enquete.csv", survey());
    json a = waitState("12AB00", "awaiting_approval");
    json b = waitState("34CD00", "awaiting_approval");
    std::string ida = a["transfer_id"], idb = b["transfer_id"];
    EXPECT_EQ(a["akkoord"], false);
    EXPECT_EQ(a["next_step"], "kies een leverdatum");

    // Step 2 and 3: the report at school level, then the board chooses onderwijssoort.
    auto report1 = api("bg-a", "GET", "/api/v1/transfers/" + ida + "/report");
    ASSERT_EQ(report1.status, 200) << report1.raw;
    {
        // One view, one audit record: the report counts as bg-a's preview without a second one.
        auto audit = api("fg", "GET", "/api/v1/audit?limit=5000");
        ASSERT_EQ(audit.status, 200) << audit.raw;
        std::vector<std::string> views;
        for (const auto& r : audit.body["records"])
            if (r["transfer_id"] == ida &&
                (r["event"] == "report_viewed" || r["event"] == "previewed"))
                views.push_back(r["event"]);
        EXPECT_EQ(views, std::vector<std::string>{"report_viewed"});
    }
    // A mentor does not see the vensters purpose at all (#14 L2, `visible_to` defaults to who
    // approves and walks through it): 404 as for an unknown id, where it was 403 before.
    EXPECT_EQ(api("mentor", "GET", "/api/v1/transfers/" + ida + "/report").status, 404);
    auto choose = cli("bg-a", {"procedure", "choose", ida, "--set", "niveau=onderwijssoort"});
    ASSERT_EQ(choose.exit_code, 0) << choose.err;
    auto wrong = cli("bg-a", {"procedure", "choose", ida, "--set", "niveau=klas"});
    EXPECT_EQ(wrong.exit_code, 2);
    EXPECT_NE(wrong.err.find("niveau: verwacht een van: school, onderwijssoort"), std::string::npos)
        << wrong.err;
    a = waitProcedure("12AB00", [&](const json& p) {
        return p["state"] == "awaiting_approval" && p["payload_hash"] != a["payload_hash"];
    });
    EXPECT_EQ(a["choices"]["niveau"], "onderwijssoort");

    // Step 4 and 5: date and questions (every answer required, choices from the list).
    ASSERT_EQ(api("bg-a", "POST", "/api/v1/transfers/" + ida + "/schedule",
                  {{"deliver_on", "2027-03-10"}})
                  .status,
              200);
    auto incomplete = api("bg-a", "POST", "/api/v1/procedures/" + ida + "/answers",
                          {{"answers", {{"afnamegroep", "iedereen"}}}});
    EXPECT_EQ(incomplete.status, 400);
    EXPECT_NE(incomplete.raw.find("answers.afnamegroep: verwacht een van"), std::string::npos)
        << incomplete.raw;
    EXPECT_NE(incomplete.raw.find("answers.afnamecondities: verplicht"), std::string::npos)
        << incomplete.raw;
    auto answered =
        cli("bg-a", {"procedure", "answer", ida, "--answer", "afnamegroep=alle leerlingen",
                     "--answer", "afnamecondities=klassikaal tijdens de mentorles"});
    ASSERT_EQ(answered.exit_code, 0) << answered.err;

    // Save needs the akkoord first; the akkoord needs the report of exactly this payload.
    auto early = api("bg-a", "POST", "/api/v1/procedures/" + ida + "/save");
    EXPECT_EQ(early.status, 409);
    EXPECT_NE(early.raw.find("eerst akkoord"), std::string::npos) << early.raw;
    EXPECT_EQ(api("mentor", "POST", "/api/v1/transfers/" + ida + "/approve",
                  {{"payload_hash", a["payload_hash"]}})
                  .status,
              404);  // the mentor does not see vensters (was 403; #14 L2)
    EXPECT_EQ(api("bg-a", "POST", "/api/v1/transfers/" + ida + "/approve",
                  {{"payload_hash", a["payload_hash"]}})
                  .status,
              409)
        << "akkoord without having seen the report at the chosen level";
    auto got = cli("bg-a", {"procedure", "report", ida, "--out", (dir_ / "rapport.html").string()});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    std::string html = test::readFile(dir_ / "rapport.html");
    EXPECT_NE(html.find(a["payload_hash"].get<std::string>()), std::string::npos)
        << "the report shows the payload hash";
    auto pdf = cli("bg-a", {"procedure", "report", ida, "--format", "pdf", "--out",
                            (dir_ / "rapport.pdf").string()});
    ASSERT_EQ(pdf.exit_code, 0) << pdf.err;
    EXPECT_EQ(test::readFile(dir_ / "rapport.pdf").rfind("%PDF-1.4", 0), 0u);
    auto text = test::run("/usr/bin/pdftotext", {(dir_ / "rapport.pdf").string(), "-"});
    ASSERT_EQ(text.exit_code, 0)
        << "pdftotext (poppler-utils, installed by scripts/install-deps.sh): " << text.err;
    EXPECT_NE(text.out.find(a["payload_hash"].get<std::string>().substr(0, 16)), std::string::npos)
        << text.out;
    ASSERT_EQ(api("bg-a", "POST", "/api/v1/transfers/" + ida + "/approve",
                  {{"payload_hash", a["payload_hash"]}})
                  .status,
              200);
    EXPECT_EQ(waitState("12AB00", "awaiting_approval")["akkoord"], true);

    // Any change to the data after the akkoord voids it.
    drop("enquetes", "enquete-correctie.csv", survey(0, 2));
    a = waitProcedure("12AB00", [&](const json& p) {
        return p["state"] == "awaiting_approval" && p["payload_hash"] != a["payload_hash"];
    });
    EXPECT_EQ(a["akkoord"], false);
    EXPECT_EQ(api("bg-a", "POST", "/api/v1/procedures/" + ida + "/save").status, 409);
    ASSERT_EQ(api("bg-a", "GET", "/api/v1/transfers/" + ida + "/report").status, 200);
    ASSERT_EQ(api("bg-a", "POST", "/api/v1/transfers/" + ida + "/approve",
                  {{"payload_hash", a["payload_hash"]}})
                  .status,
              200);
    const std::string checked_hash = a["payload_hash"];

    // Step 6: save; the mail goes to the board's user administrator over STARTTLS.
    auto saved = cli("bg-a", {"procedure", "save", ida});
    ASSERT_EQ(saved.exit_code, 0) << saved.err;
    waitState("12AB00", "scheduled");
    auto mail = smtp_->waitForMessage(1, 10s);
    ASSERT_TRUE(mail) << test::readFile(dir_ / "serve.log");
    EXPECT_TRUE(mail->tls);
    EXPECT_EQ(mail->rcpt_to, std::vector<std::string>{"gebruikersbeheer@bestuur.example"});
    EXPECT_NE(mail->headers["subject"].find("12AB00"), std::string::npos);
    EXPECT_NE(mail->body.find("Akkoord bevoegd gezag: bg-a"), std::string::npos) << mail->body;
    EXPECT_NE(mail->body.find("niveau: onderwijssoort"), std::string::npos) << mail->body;
    EXPECT_NE(mail->body.find("Leverdatum: 2027-03-10"), std::string::npos) << mail->body;
    EXPECT_NE(mail->body.find("2027-03-09 00:00"), std::string::npos) << mail->body;

    // School B completes too, and is withdrawn two days before its date (allowed, mailed).
    completeProcedure("34CD00", "school", "2027-03-10");
    ASSERT_TRUE(smtp_->waitForMessage(2, 10s));
    setClock("2027-03-08T09:00:00Z");
    auto withdrawn = cli("bg-a", {"transfer", "withdraw", idb});
    ASSERT_EQ(withdrawn.exit_code, 0) << withdrawn.err;
    auto mail3 = smtp_->waitForMessage(3, 10s);
    ASSERT_TRUE(mail3);
    EXPECT_NE(mail3->headers["subject"].find("ingetrokken"), std::string::npos);

    // At local midnight one day before (CET), changes and withdrawal are refused.
    setClock("2027-03-08T23:00:00Z");
    auto late = api("bg-a", "POST", "/api/v1/transfers/" + ida + "/withdraw");
    EXPECT_EQ(late.status, 409);
    EXPECT_NE(late.raw.find("2027-03-09 00:00"), std::string::npos) << late.raw;
    EXPECT_EQ(api("bg-a", "POST", "/api/v1/procedures/" + ida + "/choices", {{"niveau", "school"}})
                  .status,
              409);
    EXPECT_EQ(api("bg-a", "POST", "/api/v1/transfers/" + ida + "/schedule",
                  {{"deliver_on", "2027-04-01"}})
                  .status,
              409);

    setClock("2027-03-09T22:59:59Z");
    ASSERT_TRUE(test::waitForPasses(port_, 3));  // whole worker passes at this time
    EXPECT_TRUE(inspectie_->received().empty());
    setClock("2027-03-09T23:00:00Z");  // 2027-03-10 00:00 in Amsterdam
    json delivered = waitState("12AB00", "delivered");
    auto received = inspectie_->received();
    ASSERT_EQ(received.size(), 1u) << "school B was withdrawn";
    EXPECT_EQ(received[0].payload_sha256, checked_hash);
    EXPECT_EQ(util::sha256Hex(received[0].payload), checked_hash)
        << "delivered bytes = checked report";
    EXPECT_EQ(delivered["receipt"], received[0].receipt);
    // The small cell (6 vwo respondents) is suppressed at onderwijssoort level and never leaves.
    json sent = json::parse(received[0].payload);
    EXPECT_EQ(sent["niveau"], "onderwijssoort");
    EXPECT_NE(received[0].payload.find("\"onderdrukt\": true"), std::string::npos);
    EXPECT_EQ(received[0].payload.find("\"respondenten\": 6"), std::string::npos);

    // The board view.
    auto status = cli("fg", {"vensters", "status"});
    ASSERT_EQ(status.exit_code, 0) << status.err;
    EXPECT_NE(status.out.find("12AB00"), std::string::npos);
    EXPECT_NE(status.out.find("ja (" + received[0].receipt + ")"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("ingetrokken"), std::string::npos) << status.out;

    // A bad survey file changes nothing: it is refused with its line and column.
    std::string bad = survey();
    bad.replace(bad.find(";12AB;00;havo;1;") + 16, 1, "7");  // VB1 = 7 is out of range
    drop("enquetes", "enquete-fout.csv", bad);
    test::waitUntil(
        [&] { return fs::exists(data_ / "enquetes" / "failed" / "enquete-fout.csv.reden.txt"); });
    std::string reason =
        test::readFile(data_ / "enquetes" / "failed" / "enquete-fout.csv.reden.txt");
    EXPECT_NE(reason.find("regel 2"), std::string::npos) << reason;
    auto all = api("beheerder", "GET", "/api/v1/procedures?purpose=vensters");
    EXPECT_EQ(all.body["procedures"].size(), 2u);
    EXPECT_EQ(waitState("12AB00", "delivered")["payload_hash"], checked_hash);
    EXPECT_EQ(inspectie_->received().size(), 1u);

    // The disclosure register of the school lists the delivery; the audit chain is intact.
    auto verify = api("fg", "GET", "/api/v1/audit/verify");
    EXPECT_EQ(verify.body["ok"], true) << verify.raw;
}

TEST_F(VenstersTest, ChangesUntilLocalMidnightOneDayBeforeAcrossBothDstChanges) {
    configure("deliver_late");
    drop("enquetes", "enquete.csv", survey());
    // Spring: delivery 29 March 2027 (DST starts 28 March): deadline 2027-03-27T23:00Z (CET).
    // Autumn: delivery 1 November 2027 (DST ends 31 October): deadline 2027-10-30T22:00Z (CEST).
    completeProcedure("12AB00", "school", "2027-03-29");
    completeProcedure("34CD00", "school", "2027-11-01");
    std::string ida = waitState("12AB00", "scheduled")["transfer_id"];
    std::string idb = waitState("34CD00", "scheduled")["transfer_id"];
    json answers = {
        {"answers", {{"afnamegroep", "steekproef"}, {"afnamecondities", "thuis, online"}}}};

    setClock("2027-03-27T22:59:59Z");  // 23:59:59 CET on 27 March: still allowed
    ASSERT_EQ(api("bg-a", "POST", "/api/v1/procedures/" + ida + "/answers", answers).status, 200);
    json a = waitState("12AB00", "awaiting_approval");
    EXPECT_EQ(a["next_step"], "opslaan") << "other answers void the save";
    ASSERT_EQ(api("bg-a", "POST", "/api/v1/procedures/" + ida + "/save").status, 200);
    waitState("12AB00", "scheduled");
    setClock("2027-03-27T23:00:00Z");  // 00:00 CET on 28 March: one day before
    auto refused = api("bg-a", "POST", "/api/v1/procedures/" + ida + "/answers", answers);
    EXPECT_EQ(refused.status, 409);
    EXPECT_NE(refused.raw.find("2027-03-28 00:00 (CET)"), std::string::npos) << refused.raw;
    EXPECT_EQ(api("bg-a", "POST", "/api/v1/transfers/" + ida + "/withdraw").status, 409);
    setClock("2027-03-28T22:00:00Z");  // 00:00 CEST on 29 March
    waitState("12AB00", "delivered");

    setClock("2027-10-30T21:59:59Z");  // 23:59:59 CEST on 30 October: still allowed
    // Confirming the same date is a change the deadline still allows; the save stays valid.
    EXPECT_EQ(api("bg-a", "POST", "/api/v1/transfers/" + idb + "/schedule",
                  {{"deliver_on", "2027-11-01"}})
                  .status,
              200);
    waitState("34CD00", "scheduled");
    setClock("2027-10-30T22:00:00Z");  // 00:00 CEST on 31 October: refused
    auto autumn = api("bg-a", "POST", "/api/v1/transfers/" + idb + "/withdraw");
    EXPECT_EQ(autumn.status, 409);
    EXPECT_NE(autumn.raw.find("2027-10-31 00:00 (CEST)"), std::string::npos) << autumn.raw;
    setClock("2027-10-31T22:59:59Z");  // 23:59:59 CET on 31 October: not yet
    ASSERT_TRUE(test::waitForPasses(port_, 3));
    EXPECT_EQ(inspectie_->received().size(), 1u);
    setClock("2027-10-31T23:00:00Z");
    waitState("34CD00", "delivered");
    EXPECT_EQ(inspectie_->received().size(), 2u);
}

TEST_F(VenstersTest, DeliverLateAfterDowntime) {
    configure("deliver_late");
    drop("enquetes", "enquete.csv", survey());
    completeProcedure("12AB00", "school", "2027-03-10");
    EXPECT_EQ(daemon_.terminate(), 0);
    setClock("2027-03-11T08:00:00Z");  // down across the delivery date
    start();
    waitState("12AB00", "delivered");
    EXPECT_EQ(inspectie_->received().size(), 1u);
}

TEST_F(VenstersTest, SkipAfterDowntimeRaisesAnAlertAndSendsNothing) {
    configure("skip");
    drop("enquetes", "enquete.csv", survey());
    completeProcedure("12AB00", "school", "2027-03-10");
    ASSERT_TRUE(smtp_->waitForMessage(1, 10s));
    EXPECT_EQ(daemon_.terminate(), 0);
    setClock("2027-03-11T08:00:00Z");
    start();
    json p = waitState("12AB00", "dead_lettered");
    auto t = api("beheerder", "GET", "/api/v1/transfers/" + p["transfer_id"].get<std::string>());
    EXPECT_NE(t.body["last_error"].get<std::string>().find("gemist"), std::string::npos);
    auto alert = smtp_->waitForMessage(2, 10s);
    ASSERT_TRUE(alert);
    EXPECT_NE(alert->headers["subject"].find("leverdatum gemist"), std::string::npos);
    ASSERT_TRUE(test::waitForPasses(port_, 3));
    EXPECT_TRUE(inspectie_->received().empty());
}

TEST_F(VenstersTest, RecurringScheduleReadsTheSourceOncePerDueTimeAndCatchesUpOnce) {
    configure("deliver_late");
    // Two valid pupil records from the demo seed.
    std::vector<std::string> seed;
    for (const auto& e :
         fs::directory_iterator(test::sourceDir() / "config" / "demo" / "inbox-seed")) {
        std::istringstream in(test::readFile(e.path()));
        for (std::string line; std::getline(in, line) && seed.size() < 2;)
            if (!line.empty()) seed.push_back(line + "\n");
    }
    ASSERT_EQ(seed.size(), 2u);
    auto record = [&](const std::string& n) { return seed[n == "1" ? 0 : 1]; };
    drop("nachtelijk", "a.jsonl", record("1"));
    ASSERT_TRUE(test::waitForPasses(port_, 3));
    EXPECT_TRUE(
        api("beheerder", "GET", "/api/v1/transfers?route=nachtelijk").body["transfers"].empty())
        << "the source is read only at 02:00";
    setClock("2027-03-02T01:00:00Z");  // 02:00 CET
    test::waitUntil([&] {
        return !api("beheerder", "GET", "/api/v1/transfers?route=nachtelijk")
                    .body["transfers"]
                    .empty();
    });
    ASSERT_EQ(
        api("beheerder", "GET", "/api/v1/transfers?route=nachtelijk").body["transfers"].size(), 1u)
        << test::readFile(dir_ / "serve.log").substr(0, 6000);

    // Down for three nights; on restart the missed due times fire once (deliver_late).
    EXPECT_EQ(daemon_.terminate(), 0);
    drop("nachtelijk", "b.jsonl", record("2"));
    setClock("2027-03-05T01:30:00Z");
    start();
    test::waitUntil([&] {
        return api("beheerder", "GET", "/api/v1/transfers?route=nachtelijk")
                   .body["transfers"]
                   .size() >= 2;
    });
    EXPECT_EQ(
        api("beheerder", "GET", "/api/v1/transfers?route=nachtelijk").body["transfers"].size(), 2u);
    auto audit = api("fg", "GET", "/api/v1/audit?limit=5000");
    int fired = 0, skipped = 0;
    for (const auto& r : audit.body["records"]) {
        fired += r["event"] == "schedule_fired";
        skipped += r["event"] == "schedule_skipped";
    }
    EXPECT_EQ(fired, 2) << "03-02 and the catch-up for 03-05";
    EXPECT_EQ(skipped, 2) << "03-03 and 03-04 are recorded as skipped";
    // The same due time never fires twice, also across another restart.
    EXPECT_EQ(daemon_.terminate(), 0);
    start();
    ASSERT_TRUE(test::waitForPasses(port_, 3));
    audit = api("fg", "GET", "/api/v1/audit?limit=5000");
    fired = 0;
    for (const auto& r : audit.body["records"]) fired += r["event"] == "schedule_fired";
    EXPECT_EQ(fired, 2);
}

}  // namespace
}  // namespace sluis

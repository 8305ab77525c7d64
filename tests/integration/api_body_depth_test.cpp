// Issue #14 H3 through the real daemon: a request body of 100,000 nested arrays once overflowed
// the stack in nlohmann's recursive parse/copy and killed `sluis serve`. Now every API body is
// refused with 400 and a Dutch message naming the nesting limit before it is parsed, and the
// daemon keeps serving: /health answers and the same route accepts a valid body.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>

#include <iterator>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kExe = sluis::test::sluisExe();
const char* kQuestions[] = {"VB1", "VB2", "VB3", "VB4", "WB1", "WB2", "WB3", "WB4",
                            "WB5", "AV1", "AV2", "AV3", "AV4", "AV5", "AV6"};

/// A Vensters survey export of 30 respondents of one school, enough for one procedure.
std::string survey() {
    std::string out = "respondent;brin;vestiging;onderwijssoort;leerjaar";
    for (const char* q : kQuestions) out += std::string(";") + q;
    out += "\n";
    for (int i = 0; i < 30; ++i) {
        out += std::to_string(1000 + i) + ";12AB;00;havo;1";
        for (const char* q : kQuestions)
            out += ";" + (q[0] == 'A' ? std::to_string(i % 5 == 0 ? 1 : 0) : std::to_string(i % 4 + 1));
        out += "\n";
    }
    return out;
}

/// `depth` nested arrays: "[[[...]]]".
std::string nestedArrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

/// POSTs `body` verbatim (it may be no JSON a client library could build) with `token`.
test::HttpReply postRaw(int port, const std::string& path, const std::string& token,
                        const std::string& body) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Authorization", "Bearer " + token);
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return {static_cast<int>(resp.getStatus()), json::parse(raw, nullptr, false), raw};
}

class ApiBodyDepthTest : public ::testing::Test {
  protected:
    void SetUp() override {
        config_ = dir_ / "config";
        data_ = dir_ / "data";
        auto w = [&](const std::string& f, const json& j) {
            test::writeFile(config_ / f, j.dump(2));
        };
        test::writeFile(dir_ / "inschrijvingen.csv",
                        "brin;vestiging;onderwijssoort;leerjaar;aantal\n12AB;00;havo;1;40\n");
        w("daemon.json", {{"admin", {{"port", 0}}}, {"worker", {{"poll_interval", "50ms"}}}});
        w("connectors.json",
          {{"sources",
            {{{"name", "enquetes"},
              {"type", "directory"},
              {"options", {{"path", "enquetes"}, {"suffix", ".csv"}, {"settle_time", "0ms"}}}}}},
           {"sinks",
            {{{"name", "archief"}, {"type", "directory"}, {"options", {{"path", "archief"}}}}}}});
        w("policies.json",
          {{"purposes",
            {{"vensters",
              {{"legal_basis", "monitorplicht sociale veiligheid; akkoord bevoegd gezag"},
               {"record", "aggregaat"},
               {"approvals", {{"required", 1}, {"roles", {"bevoegd-gezag"}}, {"four_eyes", false}}},
               {"procedure",
                {{"questions",
                  {{{"id", "afnamegroep"},
                    {"text", "Wie vulde de vragenlijst in?"},
                    {"type", "keuze"},
                    {"options", {"alle leerlingen", "steekproef"}}},
                   {{"id", "afnamecondities"},
                    {"text", "Hoe is de vragenlijst afgenomen?"},
                    {"type", "tekst"}}}}}}}}}}});
        w("routes.json", {{"routes",
                           {{{"name", "vensters"},
                             {"source", "enquetes"},
                             {"decoder", "vensters-enquete"},
                             {"decoder_options",
                              {{"niveau", "school"},
                               {"inschrijvingen", (dir_ / "inschrijvingen.csv").string()},
                               {"schooljaar", "2026-2027"}}},
                             {"purpose", "vensters"},
                             {"encoder", "vensters-json"},
                             {"sink", "archief"}}}}});
        token_ = test::createToken(kExe, config_, data_, "bg-a", "bevoegd-gezag");
        ASSERT_FALSE(token_.empty());
        port_ = test::startServe(daemon_, kExe,
                                 {"serve", "--config", config_.string(), "--data-dir", data_.string()},
                                 data_, dir_ / "serve.log");
        ASSERT_NE(port_, 0);
    }

    void TearDown() override {
        if (daemon_.running()) daemon_.terminate();
    }

    /// Drops the survey and waits until its procedure waits for approval; returns its id.
    std::string procedureId() {
        test::dropFile(data_ / "enquetes", "enquete.csv", survey());
        std::string id;
        const bool found = test::waitUntil([&] {
            auto r = test::httpCall(port_, "GET", "/api/v1/procedures?purpose=vensters", token_);
            if (r.status != 200) return false;
            for (const auto& p : r.body["procedures"])
                if (p["state"] == "awaiting_approval") {
                    id = p["transfer_id"];
                    return true;
                }
            return false;
        });
        std::string log = test::readFile(dir_ / "serve.log");
        EXPECT_TRUE(found) << "no procedure; serve.log (end):\n"
                           << log.substr(log.size() > 3000 ? log.size() - 3000 : 0);
        return id;
    }

    test::TempDir dir_;
    fs::path config_, data_;
    std::string token_;
    test::Daemon daemon_;
    int port_ = 0;
};

TEST_F(ApiBodyDepthTest, HundredThousandNestedArraysGet400AndTheDaemonKeepsServing) {
    const std::string id = procedureId();
    ASSERT_FALSE(id.empty());
    const std::string path = "/api/v1/procedures/" + id + "/answers";

    for (const std::string& body :
         {nestedArrays(100000), "{\"answers\":" + nestedArrays(100000) + "}"}) {
        auto r = postRaw(port_, path, token_, body);
        EXPECT_EQ(r.status, 400) << r.raw;
        // {"error": {"code": "invalid_input", "message": "verzoek: JSON te diep genest
        // (meer dan 64 niveaus)"}}; checked on the raw text so a non-JSON answer fails cleanly.
        EXPECT_NE(r.raw.find("\"invalid_input\""), std::string::npos) << r.raw;
        EXPECT_NE(r.raw.find("verzoek: JSON te diep genest"), std::string::npos) << r.raw;
        EXPECT_NE(r.raw.find("meer dan 64 niveaus"), std::string::npos) << r.raw;
        // The daemon survived: /health answers.
        EXPECT_EQ(test::httpCall(port_, "GET", "/health").status, 200);
    }

    // 65 levels are refused, 64 get through the body reader to the handler (which then rejects
    // the answers as not an object, a 4xx of its own, not the depth message).
    EXPECT_EQ(postRaw(port_, path, token_, "{\"answers\":" + nestedArrays(64) + "}").status, 400);
    auto at_limit = postRaw(port_, path, token_, "{\"answers\":" + nestedArrays(63) + "}");
    EXPECT_LT(at_limit.status, 500) << at_limit.raw;
    EXPECT_EQ(at_limit.raw.find("te diep genest"), std::string::npos) << at_limit.raw;

    // The same route still works with a valid body.
    auto ok = test::httpCall(port_, "POST", path, token_,
                             {{"answers",
                               {{"afnamegroep", "alle leerlingen"},
                                {"afnamecondities", "klassikaal, in de les"}}}});
    EXPECT_EQ(ok.status, 200) << ok.raw;
    EXPECT_EQ(test::readFile(dir_ / "serve.log").find("api.exception"), std::string::npos);
}

}  // namespace
}  // namespace sluis

// Tests for the inspectie-https sink. End-to-end tests use real TLS against InspectiePeer with a
// PKI made by certs/make-test-pki.sh in a temporary directory.
#include <gtest/gtest.h>

#include "connectors/inspectie/inspectie.h"
#include "core/util/fs.h"
#include "tests/support/inspectie_peer.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

using connector::Delivery;
using connector::DeliveryOutcome;
using nlohmann::json;
using test::InspectiePeer;
namespace fs = std::filesystem;

Result<connector::Options> optionsFor(const json& values) {
    auto factory = connectors::makeInspectieSinkFactory();
    std::vector<std::string> errors;
    return connector::validateOptions(factory->options(), values, "sinks.inspectie", errors);
}

json clientOptions(const std::string& url) {
    return {{"url", url},
            {"ca_file", test::pkiFile("ca.crt")},
            {"cert_file", test::pkiFile("client.crt")},
            {"key_file", test::pkiFile("client.key")},
            {"connect_timeout", "5s"},
            {"timeout", "5s"}};
}

Result<std::unique_ptr<connector::Sink>> makeSink(const json& values) {
    auto opts = optionsFor(values);
    if (!opts) return opts.error();
    return connectors::makeInspectieSinkFactory()->create("inspectie", *opts);
}

Delivery delivery(const std::string& key, const std::string& payload) {
    return {"t-" + key, key, "application/json", "json", payload};
}

// ---- pure classification ----

TEST(InspectieClassify, SuccessTakesReceiptFromJsonBody) {
    auto r = connectors::classifyInspectieResponse(201, R"({"referentie":"ABC-1"})", "referentie");
    EXPECT_EQ(r.outcome, DeliveryOutcome::kDelivered);
    EXPECT_EQ(r.receipt, "ABC-1");
    r = connectors::classifyInspectieResponse(200, R"({"id":42})", "id");
    EXPECT_EQ(r.outcome, DeliveryOutcome::kDelivered);
    EXPECT_EQ(r.receipt, "42");
}

TEST(InspectieClassify, SuccessWithoutReceiptIsDeliveredWithRemark) {
    auto r = connectors::classifyInspectieResponse(200, "geen json", "referentie");
    EXPECT_EQ(r.outcome, DeliveryOutcome::kDelivered);
    EXPECT_TRUE(r.receipt.empty());
    EXPECT_NE(r.message.find("referentie"), std::string::npos);
}

TEST(InspectieClassify, ConflictMeansAlreadyReceivedWithOriginalReceipt) {
    auto r = connectors::classifyInspectieResponse(409, R"({"referentie":"ORIG-7"})", "referentie");
    EXPECT_EQ(r.outcome, DeliveryOutcome::kDelivered);
    EXPECT_EQ(r.receipt, "ORIG-7");
}

TEST(InspectieClassify, TemporaryStatusesAreRetriedOthersRejected) {
    for (long s : {408L, 429L, 500L, 502L, 503L, 504L})
        EXPECT_EQ(connectors::classifyInspectieResponse(s, "", "referentie").outcome,
                  DeliveryOutcome::kRetryLater)
            << s;
    for (long s : {301L, 302L, 400L, 401L, 403L, 404L, 413L, 422L})
        EXPECT_EQ(connectors::classifyInspectieResponse(s, "", "referentie").outcome,
                  DeliveryOutcome::kRejected)
            << s;
}

TEST(InspectieClassify, MessagesNeverEchoTheBody) {
    std::string body = R"({"fout":"leerling Jansen 123456782 ongeldig"})";
    for (long s : {200L, 409L, 422L, 500L}) {
        auto r = connectors::classifyInspectieResponse(s, body, "referentie");
        EXPECT_EQ(r.message.find("Jansen"), std::string::npos) << s;
        EXPECT_EQ(r.message.find("123456782"), std::string::npos) << s;
        EXPECT_NE(r.message.find(std::to_string(s)), std::string::npos) << s;
    }
}

TEST(InspectieClassify, TransportErrorsAreRetriedWithDutchMessages) {
    auto r = connectors::classifyInspectieTransportError(28, "Operation timed out");
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater);
    EXPECT_NE(r.message.find("time-out"), std::string::npos);
    r = connectors::classifyInspectieTransportError(7, "Failed to connect");
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater);
    EXPECT_NE(r.message.find("geen verbinding"), std::string::npos);
    r = connectors::classifyInspectieTransportError(60, "SSL certificate problem");
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater);
    EXPECT_NE(r.message.find("servercertificaat"), std::string::npos);
}

// ---- factory ----

TEST(InspectieFactory, DeclaresOptionsAndMarksSecrets) {
    auto f = connectors::makeInspectieSinkFactory();
    EXPECT_EQ(f->name(), "inspectie-https");
    std::map<std::string, connector::OptionSpec> specs;
    for (auto& s : f->options()) specs[s.key] = s;
    for (auto k : {"url", "ca_file", "cert_file", "key_file"})
        EXPECT_TRUE(specs.at(k).required) << k;
    EXPECT_TRUE(specs.at("key_password").secret);
    EXPECT_FALSE(specs.at("key_file").secret);
    EXPECT_EQ(specs.at("tls_verify").default_value, true);
}

TEST(InspectieFactory, RefusesToRunWithoutVerification) {
    json o = clientOptions("https://localhost:1/x");
    o["tls_verify"] = false;
    auto sink = makeSink(o);
    ASSERT_FALSE(sink);
    EXPECT_EQ(sink.error().code, ErrorCode::kInvalidConfig);
    EXPECT_NE(sink.error().message.find("tls_verify"), std::string::npos);
}

TEST(InspectieFactory, RefusesPlainHttp) {
    auto sink = makeSink(clientOptions("http://localhost:1/x"));
    ASSERT_FALSE(sink);
    EXPECT_NE(sink.error().message.find("https://"), std::string::npos);
}

TEST(InspectieFactory, RefusesMissingOrMismatchedCertificates) {
    json o = clientOptions("https://localhost:1/x");
    o["cert_file"] = test::pkiFile("bestaat-niet.crt");
    auto sink = makeSink(o);
    ASSERT_FALSE(sink);
    EXPECT_NE(sink.error().message.find("cert_file"), std::string::npos);

    o = clientOptions("https://localhost:1/x");
    o["key_file"] = test::pkiFile("server.key");  // belongs to another certificate
    sink = makeSink(o);
    ASSERT_FALSE(sink);
    EXPECT_NE(sink.error().message.find("hoort niet bij"), std::string::npos);

    o = clientOptions("https://localhost:1/x");
    o["ca_file"] = test::pkiFile("client.key");  // not a certificate
    sink = makeSink(o);
    ASSERT_FALSE(sink);
    EXPECT_NE(sink.error().message.find("ca_file"), std::string::npos);
    // The key's content never appears in a message.
    std::string key = test::readFile(test::pkiFile("client.key"));
    std::string line = key.substr(key.find('\n') + 1, 20);
    EXPECT_EQ(sink.error().message.find(line), std::string::npos);
}

// ---- end to end over mutual TLS ----

class InspectieTls : public ::testing::Test {
  protected:
    std::unique_ptr<InspectiePeer> peer(const std::string& server = "server") {
        return std::make_unique<InspectiePeer>(test::pkiFile(server + ".crt"),
                                               test::pkiFile(server + ".key"),
                                               test::pkiFile("ca.crt"));
    }
};

TEST_F(InspectieTls, DeliversWithReceiptDeliveryIdAndHash) {
    auto p = peer();
    auto sink = makeSink(clientOptions(p->url()));
    ASSERT_TRUE(sink) << sink.error().message;
    std::string payload = R"({"rapport":"vensters","cellen":[1,2,3]})";
    auto r = (*sink)->deliver(delivery("lev-1", payload));
    ASSERT_EQ(r.outcome, DeliveryOutcome::kDelivered) << r.message;
    auto got = p->received();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(r.receipt, got[0].receipt);
    EXPECT_FALSE(r.receipt.empty());
    EXPECT_EQ(got[0].delivery_id, "lev-1");
    EXPECT_EQ(got[0].payload, payload);
    EXPECT_EQ(got[0].content_type, "application/json");
    EXPECT_EQ(got[0].payload_sha256, util::sha256Hex(payload));
    // The peer saw the verified client certificate with the OIN in its subject.
    EXPECT_NE(got[0].client_subject.find("00000001234567890000"), std::string::npos)
        << got[0].client_subject;
}

TEST_F(InspectieTls, SameDeliveryIdTwiceIsOneDeliveryWithTheOriginalReceipt) {
    auto p = peer();
    auto sink = makeSink(clientOptions(p->url("127.0.0.1")));
    ASSERT_TRUE(sink) << sink.error().message;
    auto first = (*sink)->deliver(delivery("lev-2", "{}"));
    auto second = (*sink)->deliver(delivery("lev-2", "{}"));
    ASSERT_EQ(first.outcome, DeliveryOutcome::kDelivered) << first.message;
    ASSERT_EQ(second.outcome, DeliveryOutcome::kDelivered) << second.message;
    EXPECT_EQ(first.receipt, second.receipt);
    EXPECT_EQ(p->received().size(), 1u);
    EXPECT_EQ(p->duplicates(), 1u);
    // A different id is a different delivery.
    auto third = (*sink)->deliver(delivery("lev-3", "{}"));
    ASSERT_EQ(third.outcome, DeliveryOutcome::kDelivered) << third.message;
    EXPECT_NE(third.receipt, first.receipt);
    EXPECT_EQ(p->received().size(), 2u);
}

TEST_F(InspectieTls, RetryAfterSlowAnswerYieldsExactlyOneDelivery) {
    auto p = peer();
    json o = clientOptions(p->url());
    o["timeout"] = "400ms";
    auto sink = makeSink(o);
    ASSERT_TRUE(sink) << sink.error().message;
    p->setMode(InspectiePeer::Mode::kSlow, std::chrono::milliseconds(5000));
    auto first = (*sink)->deliver(delivery("lev-traag", "{\"n\":1}"));
    EXPECT_EQ(first.outcome, DeliveryOutcome::kRetryLater) << first.message;
    EXPECT_NE(first.message.find("time-out"), std::string::npos) << first.message;
    ASSERT_EQ(p->received().size(), 1u);  // the receiver did store it
    const std::string original = p->received()[0].receipt;

    p->setMode(InspectiePeer::Mode::kAccept);
    auto retry = (*sink)->deliver(delivery("lev-traag", "{\"n\":1}"));
    ASSERT_EQ(retry.outcome, DeliveryOutcome::kDelivered) << retry.message;
    EXPECT_EQ(retry.receipt, original);
    EXPECT_EQ(p->received().size(), 1u);
    EXPECT_EQ(p->duplicates(), 1u);
}

TEST_F(InspectieTls, ClientCertificateFromOtherCaIsRefusedByPeer) {
    auto p = peer();
    json o = clientOptions(p->url());
    o["cert_file"] = test::pkiFile("other-client.crt");
    o["key_file"] = test::pkiFile("other-client.key");
    auto sink = makeSink(o);
    ASSERT_TRUE(sink) << sink.error().message;
    auto r = (*sink)->deliver(delivery("lev-vreemd", "{}"));
    EXPECT_NE(r.outcome, DeliveryOutcome::kDelivered) << r.message;
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater);
    EXPECT_FALSE(r.message.empty());
    EXPECT_TRUE(r.receipt.empty());
    EXPECT_TRUE(p->received().empty());
    EXPECT_EQ(p->requests(), 0u);  // never got past the handshake
}

TEST_F(InspectieTls, ServerCertificateFromUnknownCaIsRefusedBySink) {
    auto p = peer("other-server");
    auto sink = makeSink(clientOptions(p->url()));
    ASSERT_TRUE(sink) << sink.error().message;
    auto r = (*sink)->deliver(delivery("lev-onbekend", "{\"geheim\":1}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater) << r.message;
    EXPECT_NE(r.message.find("servercertificaat"), std::string::npos) << r.message;
    EXPECT_TRUE(p->received().empty());
    EXPECT_EQ(p->requests(), 0u);
}

TEST_F(InspectieTls, ServerCertificateForOtherHostNameIsRefusedBySink) {
    auto p = peer("wrong-name-server");
    auto sink = makeSink(clientOptions(p->url()));
    ASSERT_TRUE(sink) << sink.error().message;
    auto r = (*sink)->deliver(delivery("lev-naam", "{}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater) << r.message;
    EXPECT_NE(r.message.find("hostnaam"), std::string::npos) << r.message;
    EXPECT_EQ(p->requests(), 0u);
}

TEST_F(InspectieTls, ServerErrorIsRetryLaterAndRejectionIsRejected) {
    auto p = peer();
    auto sink = makeSink(clientOptions(p->url()));
    ASSERT_TRUE(sink) << sink.error().message;
    p->setMode(InspectiePeer::Mode::kFail);
    auto r = (*sink)->deliver(delivery("lev-5xx", "{}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater) << r.message;
    EXPECT_NE(r.message.find("500"), std::string::npos);
    p->setMode(InspectiePeer::Mode::kReject);
    r = (*sink)->deliver(delivery("lev-422", "{}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRejected) << r.message;
    EXPECT_NE(r.message.find("422"), std::string::npos);
    EXPECT_EQ(p->requests(), 2u);
    EXPECT_TRUE(p->received().empty());
    // After the receiver recovers the same delivery goes through once.
    p->setMode(InspectiePeer::Mode::kAccept);
    r = (*sink)->deliver(delivery("lev-5xx", "{}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kDelivered) << r.message;
    EXPECT_EQ(p->received().size(), 1u);
}

TEST_F(InspectieTls, NoListenerIsRetryLater) {
    uint16_t port;
    {
        auto p = peer();
        port = p->port();
    }  // stopped: nothing listens on the port any more
    auto sink = makeSink(clientOptions("https://127.0.0.1:" + std::to_string(port) + "/x"));
    ASSERT_TRUE(sink) << sink.error().message;
    auto r = (*sink)->deliver(delivery("lev-weg", "{}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRetryLater) << r.message;
}

TEST_F(InspectieTls, UnsafeDeliveryIdIsRejectedBeforeSending) {
    auto p = peer();
    auto sink = makeSink(clientOptions(p->url()));
    ASSERT_TRUE(sink) << sink.error().message;
    auto r = (*sink)->deliver(delivery("a\r\nX-Evil: 1", "{}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRejected);
    r = (*sink)->deliver(delivery("", "{}"));
    EXPECT_EQ(r.outcome, DeliveryOutcome::kRejected);
    EXPECT_EQ(p->requests(), 0u);
}

}  // namespace
}  // namespace sluis

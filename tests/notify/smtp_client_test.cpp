// SmtpClient against SmtpPeer: real SMTP conversations over TCP on 127.0.0.1 with STARTTLS
// (certificates from certs/make-test-pki.sh in a temporary directory), plus the message
// rendering as pure functions.
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>

#include "core/notify/smtp.h"
#include "core/util/amsterdam_time.h"
#include "tests/support/smtp_peer.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

using notify::MailMessage;
using notify::SmtpClient;
using notify::SmtpSettings;
using notify::SmtpTls;
using test::SmtpPeer;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

Timestamp at(int y, int mo, int d, int h, int mi) {
    using namespace std::chrono;
    return time_point_cast<milliseconds>(sys_days(year(y) / mo / d) + hours(h) + minutes(mi));
}

const std::string kSubject = "Toestemming Vensters gewijzigd: levering op 1 maart, café";
const std::string kBody =
    "Beste beheerder,\n"
    "\n"
    ".Deze regel begint met een punt.\n"
    ".\n"
    "..twee punten\n"
    "Een lange regel met accenten (één, twee, drie) die langer is dan zesenzeventig tekens "
    "zodat quoted-printable hem moet afbreken.\n"
    "Regel met spatie op het eind \n"
    "Groet, Sluis\n";

MailMessage message() {
    return {{"beheer@bestuur.example", "directie@school.example"}, kSubject, kBody};
}

class SmtpClientTest : public ::testing::Test {
  protected:
    SmtpClientTest()
        : peer_(test::pkiFile("server.crt"), test::pkiFile("server.key")),
          clock_(at(2026, 3, 3, 8, 0)) {}

    SmtpSettings settings(SmtpTls tls = SmtpTls::kStartTls) const {
        SmtpSettings s;
        s.host = "127.0.0.1";
        s.port = peer_.port();
        s.from = "sluis@school.example";
        s.tls = tls;
        s.ca_file = test::pkiFile("ca.crt");
        s.timeout = 5s;
        return s;
    }

    Result<std::string> send(const SmtpSettings& s, const MailMessage& m = message()) {
        return SmtpClient(s, clock_).send(m);
    }

    SmtpPeer peer_;
    ManualClock clock_;
};

TEST_F(SmtpClientTest, DeliversOverStartTlsWithCorrectContent) {
    auto id = send(settings());
    ASSERT_TRUE(id.isOk()) << id.error().message;
    auto got = peer_.waitForMessage(1, 5s);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->tls);
    EXPECT_EQ(got->mail_from, "sluis@school.example");
    EXPECT_EQ(got->rcpt_to,
              (std::vector<std::string>{"beheer@bestuur.example", "directie@school.example"}));
    EXPECT_EQ(got->headers["subject"], kSubject);
    EXPECT_EQ(got->headers["from"], "sluis@school.example");
    EXPECT_EQ(got->headers["to"], "beheer@bestuur.example, directie@school.example");
    EXPECT_EQ(got->headers["date"], "Tue, 03 Mar 2026 09:00:00 +0100");
    EXPECT_EQ(got->headers["message-id"], *id);
    EXPECT_EQ(got->headers["mime-version"], "1.0");
    EXPECT_EQ(got->headers["content-type"], "text/plain; charset=UTF-8");
    EXPECT_EQ(got->headers["content-transfer-encoding"], "quoted-printable");
    EXPECT_EQ(got->body, kBody);
    // The subject travelled encoded, the dots were stuffed and unstuffed, lines stay short.
    EXPECT_NE(got->data.find("Subject: =?UTF-8?B?"), std::string::npos);
    EXPECT_NE(got->data.find("\r\n.Deze regel"), std::string::npos);
    EXPECT_NE(got->data.find("\r\n.\r\n"), std::string::npos);
    size_t start = 0;
    while (start < got->data.size()) {
        size_t end = got->data.find("\r\n", start);
        ASSERT_NE(end, std::string::npos);
        EXPECT_LE(end - start, 78u);
        start = end + 2;
    }
    auto cmds = peer_.commands();
    EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "STARTTLS"), 1);
    EXPECT_EQ(cmds.front(), "EHLO");
}

TEST_F(SmtpClientTest, StartTlsRefusesWhenServerOffersNoStartTls) {
    // "starttls" is no longer opportunistic: without the upgrade nothing is sent in clear.
    SmtpPeer::Behaviour b;
    b.offer_starttls = false;
    peer_.setBehaviour(b);
    auto id = send(settings(SmtpTls::kStartTls));
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kRejected);
    EXPECT_NE(id.error().message.find("STARTTLS"), std::string::npos) << id.error().message;
    auto cmds = peer_.commands();
    EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "MAIL"), 0);
    EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "DATA"), 0);
    EXPECT_TRUE(peer_.received().empty());
}

TEST_F(SmtpClientTest, TlsNoneNeverStartsTls) {
    auto id = send(settings(SmtpTls::kNone));
    ASSERT_TRUE(id.isOk()) << id.error().message;
    auto got = peer_.waitForMessage(1, 5s);
    ASSERT_TRUE(got);
    EXPECT_FALSE(got->tls);
    auto cmds = peer_.commands();
    EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "STARTTLS"), 0);
}

TEST_F(SmtpClientTest, RequiredRefusesWhenServerOffersNoStartTls) {
    SmtpPeer::Behaviour b;
    b.offer_starttls = false;
    peer_.setBehaviour(b);
    auto id = send(settings(SmtpTls::kRequired));
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kRejected);
    EXPECT_NE(id.error().message.find("STARTTLS"), std::string::npos) << id.error().message;
    auto cmds = peer_.commands();
    EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "MAIL"), 0);
    EXPECT_TRUE(peer_.received().empty());
}

TEST_F(SmtpClientTest, RequiredDeliversOverTls) {
    auto id = send(settings(SmtpTls::kRequired));
    ASSERT_TRUE(id.isOk()) << id.error().message;
    auto got = peer_.waitForMessage(1, 5s);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->tls);
}

TEST_F(SmtpClientTest, UntrustedCertificateIsAnErrorNotAFallbackToClear) {
    auto s = settings(SmtpTls::kStartTls);
    s.ca_file = test::pkiFile("other-ca.crt");
    auto id = send(s);
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kRejected);
    EXPECT_NE(id.error().message.find("certificaat"), std::string::npos) << id.error().message;
    auto cmds = peer_.commands();
    EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "MAIL"), 0);
    EXPECT_TRUE(peer_.received().empty());
}

TEST_F(SmtpClientTest, CertificateForAnotherNameIsAnError) {
    SmtpPeer other(test::pkiFile("wrong-name-server.crt"), test::pkiFile("wrong-name-server.key"));
    auto s = settings(SmtpTls::kRequired);
    s.port = other.port();
    auto id = send(s);
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kRejected);
    EXPECT_TRUE(other.received().empty());
}

TEST_F(SmtpClientTest, RefusedRecipientIsAClearErrorWithoutTheAddress) {
    SmtpPeer::Behaviour b;
    b.rcpt_code = 550;
    peer_.setBehaviour(b);
    auto id = send(settings());
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kRejected);
    const std::string& msg = id.error().message;
    EXPECT_NE(msg.find("ontvanger"), std::string::npos) << msg;
    EXPECT_NE(msg.find("550"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("@"), std::string::npos) << msg;
    EXPECT_EQ(msg.find("beheer"), std::string::npos) << msg;
    EXPECT_TRUE(peer_.received().empty());
}

TEST_F(SmtpClientTest, TemporaryRefusalIsRetryable) {
    SmtpPeer::Behaviour b;
    b.mail_code = 451;
    peer_.setBehaviour(b);
    auto id = send(settings());
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(id.error().message.find("451"), std::string::npos) << id.error().message;
    EXPECT_NE(id.error().message.find("afzender"), std::string::npos) << id.error().message;
}

TEST_F(SmtpClientTest, MessageRefusedAfterDataIsAnError) {
    SmtpPeer::Behaviour b;
    b.data_code = 554;
    peer_.setBehaviour(b);
    auto id = send(settings());
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kRejected);
    EXPECT_NE(id.error().message.find("554"), std::string::npos) << id.error().message;
    EXPECT_NE(id.error().message.find("bericht"), std::string::npos) << id.error().message;
}

TEST_F(SmtpClientTest, GreetingWith421IsUnavailable) {
    SmtpPeer::Behaviour b;
    b.greeting_code = 421;
    peer_.setBehaviour(b);
    auto id = send(settings());
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(id.error().message.find("421"), std::string::npos) << id.error().message;
}

TEST_F(SmtpClientTest, ServerNotListeningFailsWithinTheTimeout) {
    uint16_t port;
    {
        Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
        port = probe.address().port();
    }  // closed: nothing listens there now
    auto s = settings();
    s.port = port;
    s.timeout = 2s;
    auto start = std::chrono::steady_clock::now();
    auto id = send(s);
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(id.error().message.find("geen verbinding"), std::string::npos) << id.error().message;
    EXPECT_NE(id.error().message.find(std::to_string(port)), std::string::npos);
    EXPECT_LT(took, 3s);
}

TEST_F(SmtpClientTest, SilentServerTimesOut) {
    SmtpPeer::Behaviour b;
    b.silent = true;
    peer_.setBehaviour(b);
    auto s = settings();
    s.timeout = 1s;
    auto start = std::chrono::steady_clock::now();
    auto id = send(s);
    auto took = std::chrono::steady_clock::now() - start;
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(id.error().message.find("timeout"), std::string::npos) << id.error().message;
    EXPECT_GE(took, 900ms);
    EXPECT_LT(took, 4s);
}

TEST_F(SmtpClientTest, AuthenticatesAfterStartTls) {
    SmtpPeer::Behaviour b;
    b.auth_username = "sluis";
    b.auth_password = "geheim-wachtwoord";
    peer_.setBehaviour(b);
    auto s = settings();
    s.username = "sluis";
    s.password = "geheim-wachtwoord";
    auto id = send(s);
    ASSERT_TRUE(id.isOk()) << id.error().message;
    auto got = peer_.waitForMessage(1, 5s);
    ASSERT_TRUE(got);
    EXPECT_TRUE(got->tls);
    EXPECT_EQ(got->auth_user, "sluis");
}

TEST_F(SmtpClientTest, WrongPasswordIsUnauthenticatedAndNotEchoed) {
    SmtpPeer::Behaviour b;
    b.auth_username = "sluis";
    b.auth_password = "juist";
    peer_.setBehaviour(b);
    auto s = settings();
    s.username = "sluis";
    s.password = "fout-wachtwoord";
    auto id = send(s);
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(id.error().message.find("fout-wachtwoord"), std::string::npos);
    EXPECT_TRUE(peer_.received().empty());
}

TEST_F(SmtpClientTest, PasswordIsNeverSentInClear) {
    SmtpPeer::Behaviour b;
    b.offer_starttls = false;
    b.auth_username = "sluis";
    b.auth_password = "geheim";
    peer_.setBehaviour(b);
    auto s = settings(SmtpTls::kStartTls);
    s.username = "sluis";
    s.password = "geheim";
    auto id = send(s);
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kRejected);
    auto cmds = peer_.commands();
    EXPECT_EQ(std::count(cmds.begin(), cmds.end(), "AUTH"), 0);
}

TEST_F(SmtpClientTest, InvalidMessageIsRefusedBeforeConnecting) {
    MailMessage m = message();
    m.to.push_back("geen adres");
    auto id = send(settings(), m);
    ASSERT_FALSE(id.isOk());
    EXPECT_EQ(id.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(id.error().message.find("ontvanger 3"), std::string::npos) << id.error().message;
    EXPECT_EQ(peer_.connections(), 0u);
}

TEST_F(SmtpClientTest, SeveralMessagesInARow) {
    for (int i = 0; i < 3; ++i) {
        MailMessage m = message();
        m.subject = "bericht " + std::to_string(i);
        auto id = send(settings(), m);
        ASSERT_TRUE(id.isOk()) << id.error().message;
    }
    auto third = peer_.waitForMessage(3, 5s);
    ASSERT_TRUE(third);
    EXPECT_EQ(third->headers["subject"], "bericht 2");
    auto all = peer_.received();
    EXPECT_NE(all[0].headers["message-id"], all[1].headers["message-id"]);
}

// ---- rendering (pure functions) ----

TEST(SmtpRender, DateHeaderUsesAmsterdamOffset) {
    EXPECT_EQ(notify::formatMailDate(at(2026, 3, 3, 8, 0)), "Tue, 03 Mar 2026 09:00:00 +0100");
    EXPECT_EQ(notify::formatMailDate(at(2026, 7, 1, 22, 30)), "Thu, 02 Jul 2026 00:30:00 +0200");
    EXPECT_EQ(notify::formatMailDate(at(2026, 10, 25, 0, 59)), "Sun, 25 Oct 2026 02:59:00 +0200");
    EXPECT_EQ(notify::formatMailDate(at(2026, 10, 25, 1, 0)), "Sun, 25 Oct 2026 02:00:00 +0100");
}

TEST(SmtpRender, AsciiSubjectStaysPlain) {
    EXPECT_EQ(notify::encodeSubject("Levering Vensters"), "Levering Vensters");
}

TEST(SmtpRender, LongUtf8SubjectBecomesShortEncodedWords) {
    std::string subject;
    for (int i = 0; i < 20; ++i) subject += "één ";
    std::string enc = notify::encodeSubject(subject);
    size_t start = 0;
    int words = 0;
    while (start < enc.size()) {
        size_t end = enc.find("\r\n ", start);
        std::string w = enc.substr(start, end == std::string::npos ? end : end - start);
        EXPECT_LE(w.size(), 75u);
        EXPECT_EQ(w.rfind("=?UTF-8?B?", 0), 0u) << w;
        ++words;
        start = end == std::string::npos ? enc.size() : end + 3;
    }
    EXPECT_GT(words, 1);
    EXPECT_EQ(test::decodeMimeWords(enc), subject);
}

TEST(SmtpRender, RefusesHeaderInjectionAndBadInput) {
    MailMessage m{{"a@b.example"}, "ok", "tekst"};
    auto t = at(2026, 1, 1, 0, 0);
    EXPECT_TRUE(notify::renderMessage(m, "s@school.example", t, "<1@x>").isOk());
    m.subject = "onderwerp\r\nBcc: iemand@elders.example";
    EXPECT_EQ(notify::renderMessage(m, "s@school.example", t, "<1@x>").error().code,
              ErrorCode::kInvalidArgument);
    m.subject = "ok";
    m.to = {"a@b.example\r\nBcc: x@y.example"};
    EXPECT_FALSE(notify::renderMessage(m, "s@school.example", t, "<1@x>").isOk());
    m.to = {};
    EXPECT_FALSE(notify::renderMessage(m, "s@school.example", t, "<1@x>").isOk());
    m.to = {"a@b.example"};
    m.body = std::string("ongeldig \xff utf-8");
    EXPECT_FALSE(notify::renderMessage(m, "s@school.example", t, "<1@x>").isOk());
    m.body = "ok";
    EXPECT_FALSE(notify::renderMessage(m, "geen-adres", t, "<1@x>").isOk());
}

TEST(SmtpRender, AddressCheck) {
    EXPECT_TRUE(notify::isValidMailAddress("jan.de-vries+sluis@school.example"));
    EXPECT_FALSE(notify::isValidMailAddress("jan"));
    EXPECT_FALSE(notify::isValidMailAddress("jan@"));
    EXPECT_FALSE(notify::isValidMailAddress("@school.example"));
    EXPECT_FALSE(notify::isValidMailAddress("jan@@school.example"));
    EXPECT_FALSE(notify::isValidMailAddress("jan <jan@school.example>"));
    EXPECT_FALSE(notify::isValidMailAddress("jan@school..example"));
    EXPECT_FALSE(notify::isValidMailAddress("jän@school.example"));
}

TEST(SmtpRender, BodyIsQuotedPrintableWithCrlf) {
    MailMessage m{{"a@b.example"}, "x", "regel één\nregel = twee \n"};
    auto r = notify::renderMessage(m, "s@school.example", at(2026, 1, 1, 0, 0), "<1@x>");
    ASSERT_TRUE(r.isOk());
    std::string body = r->substr(r->find("\r\n\r\n") + 4);
    EXPECT_EQ(body, "regel =C3=A9=C3=A9n\r\nregel =3D twee=20\r\n");
}

}  // namespace
}  // namespace sluis

// The building blocks of the web interface: password hashes, TOTP (RFC 6238 test vectors),
// sessions (idle and absolute expiry, CSRF; over a real SQLite store, the PostgreSQL case is in
// tests/web/session_store_test.cpp), template escaping and the multipart reader.
#include <gtest/gtest.h>

#include "core/util/clock.h"
#include "core/auth/credentials.h"
#include "core/web/multipart.h"
#include "core/web/session.h"
#include "core/web/templates.h"
#include "tests/support/test_util.h"

namespace sluis::web {
namespace {

/// A real SQLite store for the session tests (sessions live in the store).
struct SessionFixture {
    test::TempDir dir;
    std::unique_ptr<store::TransferStore> store = [this] {
        auto s = store::openSqliteStore({(dir / "sluis.db").string(), (dir / "sluis.key").string()});
        if (!s) ADD_FAILURE() << s.error().message;
        return s ? std::move(s.value()) : nullptr;
    }();
};

TEST(WebPassword, Argon2idHashVerifiesOnlyTheRightPassword) {
    auto h = auth::hashPassword("correct paard batterij");
    ASSERT_TRUE(h) << h.error().message;
    EXPECT_TRUE(h->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *h;
    EXPECT_TRUE(auth::verifyPassword(*h, "correct paard batterij"));
    EXPECT_FALSE(auth::verifyPassword(*h, "correct paard batterij "));
    EXPECT_FALSE(auth::verifyPassword(*h, ""));
    auto again = auth::hashPassword("correct paard batterij");
    ASSERT_TRUE(again);
    EXPECT_NE(*h, *again) << "each hash has its own salt";
    EXPECT_FALSE(auth::verifyPassword("", "x"));
    EXPECT_FALSE(auth::verifyPassword("$argon2i$v=19$m=16,t=2,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
}

// RFC 6238 appendix B: the seeds per hash and the 8-digit codes at the listed times.
TEST(WebTotp, Rfc6238TestVectors) {
    const std::string sha1 = "12345678901234567890";
    const std::string sha256 = "12345678901234567890123456789012";
    const std::string sha512 =
        "1234567890123456789012345678901234567890123456789012345678901234";
    struct V {
        long long t;
        const char* c1;
        const char* c256;
        const char* c512;
    };
    const V vectors[] = {
        {59, "94287082", "46119246", "90693936"},
        {1111111109, "07081804", "68084774", "25091201"},
        {1111111111, "14050471", "67062674", "99943326"},
        {1234567890, "89005924", "91819424", "93441116"},
        {2000000000, "69279037", "90698825", "38618901"},
        {20000000000, "65353130", "77737706", "47863826"},
    };
    for (const auto& v : vectors) {
        EXPECT_EQ(auth::totp(sha1, v.t, 8, auth::TotpHash::kSha1), v.c1) << v.t;
        EXPECT_EQ(auth::totp(sha256, v.t, 8, auth::TotpHash::kSha256), v.c256) << v.t;
        EXPECT_EQ(auth::totp(sha512, v.t, 8, auth::TotpHash::kSha512), v.c512) << v.t;
    }
    // Six digits are the last six of the eight.
    EXPECT_EQ(auth::totp(sha1, 59), "287082");
}

TEST(WebTotp, VerifyAcceptsOneStepOfSkewAndNeverTheSameStepTwice) {
    const std::string secret = "12345678901234567890";
    const long long t = 1111111111;
    const uint64_t step = auth::totpStep(t);
    auto ok = auth::verifyTotp(secret, auth::totp(secret, t), t, 0);
    ASSERT_TRUE(ok);
    EXPECT_EQ(*ok, step);
    EXPECT_TRUE(auth::verifyTotp(secret, auth::totp(secret, t - 30), t, 0));  // previous step
    EXPECT_TRUE(auth::verifyTotp(secret, auth::totp(secret, t + 30), t, 0));  // next step
    EXPECT_FALSE(auth::verifyTotp(secret, auth::totp(secret, t - 90), t, 0));
    EXPECT_FALSE(auth::verifyTotp(secret, auth::totp(secret, t), t, step)) << "a used code is refused";
    EXPECT_FALSE(auth::verifyTotp(secret, "12345", t, 0));
    EXPECT_FALSE(auth::verifyTotp(secret, "abcdef", t, 0));
    EXPECT_FALSE(auth::verifyTotp("another secret", auth::totp(secret, t), t, 0));
}

TEST(WebTotp, Base32AndOtpauthUri) {
    EXPECT_EQ(auth::base32Encode("12345678901234567890"), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    EXPECT_EQ(auth::base32Encode("f"), "MY");
    EXPECT_EQ(auth::base32Encode("foobar"), "MZXW6YTBOI");
    EXPECT_EQ(auth::base32Decode("mzxw6ytboi"), std::optional<std::string>("foobar"));
    EXPECT_EQ(auth::base32Decode("MZXW 6YTB OI======"), std::optional<std::string>("foobar"));
    EXPECT_FALSE(auth::base32Decode("MZ1"));
    const std::string secret = auth::newTotpSecret();
    EXPECT_EQ(secret.size(), 20u);
    EXPECT_EQ(auth::base32Decode(auth::base32Encode(secret)), std::optional<std::string>(secret));
    EXPECT_EQ(auth::otpauthUri("Sluis", "juf ans", "12345678901234567890"),
              "otpauth://totp/Sluis:juf%20ans?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
              "&issuer=Sluis&algorithm=SHA1&digits=6&period=30");
}

TEST(WebSession, IdleAndAbsoluteTimeoutsEndASession) {
    ManualClock clock(fromMillis(1'700'000'000'000));
    SessionFixture f;
    ASSERT_TRUE(f.store);
    SessionStore sessions(*f.store, clock, std::chrono::minutes(15), std::chrono::hours(1));
    const std::string id = *sessions.create(Session::Stage::kFull, "juf", "mentor");
    EXPECT_EQ(id.size(), 64u);
    auto s = sessions.touch(id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->name, "juf");
    EXPECT_EQ(s->csrf.size(), 64u);
    // Active every 10 minutes: alive until the absolute limit.
    for (int i = 0; i < 5; ++i) {
        clock.advance(std::chrono::minutes(10));
        ASSERT_TRUE(sessions.touch(id)) << i;
    }
    clock.advance(std::chrono::minutes(10));  // 60 minutes after it began
    EXPECT_FALSE(sessions.touch(id));
    EXPECT_EQ(sessions.size(), 0u);

    const std::string idle = *sessions.create(Session::Stage::kFull, "juf", "mentor");
    clock.advance(std::chrono::minutes(14));
    ASSERT_TRUE(sessions.touch(idle));
    clock.advance(std::chrono::minutes(15));
    EXPECT_FALSE(sessions.touch(idle)) << "15 minutes without a request";

    const std::string gone = *sessions.create(Session::Stage::kFull, "juf", "mentor");
    sessions.remove(gone);
    EXPECT_FALSE(sessions.touch(gone));
    EXPECT_FALSE(sessions.touch("kort"));
    EXPECT_FALSE(sessions.touch(std::string(64, 'a')));
}

TEST(WebSession, CsrfTokenBelongsToItsSession) {
    ManualClock clock(fromMillis(1'700'000'000'000));
    SessionFixture f;
    ASSERT_TRUE(f.store);
    SessionStore sessions(*f.store, clock, std::chrono::minutes(15), std::chrono::hours(1));
    auto a = sessions.touch(*sessions.create(Session::Stage::kFull, "a", "mentor"));
    auto b = sessions.touch(*sessions.create(Session::Stage::kFull, "b", "mentor"));
    ASSERT_TRUE(a && b);
    EXPECT_NE(a->csrf, b->csrf);
    EXPECT_TRUE(SessionStore::csrfValid(*a, a->csrf));
    EXPECT_FALSE(SessionStore::csrfValid(*a, b->csrf));
    EXPECT_FALSE(SessionStore::csrfValid(*a, ""));
    EXPECT_FALSE(SessionStore::csrfValid(*a, a->csrf.substr(1)));
}

TEST(WebSession, AFullStoreDropsAnonymousSessionsFirst) {
    ManualClock clock(fromMillis(1'700'000'000'000));
    SessionFixture f;
    ASSERT_TRUE(f.store);
    SessionStore sessions(*f.store, clock, std::chrono::minutes(15), std::chrono::hours(1),
                          store::SessionLimits{3, 20});
    const std::string person = *sessions.create(Session::Stage::kFull, "a", "mentor");
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(sessions.create(Session::Stage::kAnonymous, "", ""));
    EXPECT_LE(sessions.size(), 3u);
    EXPECT_TRUE(sessions.touch(person)) << "a flood of login pages logs nobody out";
}

TEST(WebTemplates, ValuesAreEscapedUnlessMarkedRaw) {
    Vars v{{"naam", "<script>alert('x')</script> & \"co\""}, {"html", "<b>vet</b>"}};
    EXPECT_EQ(render("<p>{{naam}}</p>", v),
              "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;</p>");
    EXPECT_EQ(render("<p>{{{html}}}</p>", v), "<p><b>vet</b></p>");
    EXPECT_EQ(render("<input value=\"{{naam}}\">", v).find('"', 14),
              std::string("<input value=\"").size() +
                  escape(v["naam"]).size())
        << "an attribute value cannot be closed from inside";
    EXPECT_EQ(render("a{{onbekend}}b", v), "ab");
    EXPECT_EQ(render("a {{ niet gesloten", v), "a {{ niet gesloten");
}

TEST(WebTemplates, EveryTemplateAndTheStylesheetAreEmbedded) {
    for (const char* t : {"layout.html", "login.html", "totp.html", "overzicht.html",
                          "goedkeuren.html", "transfer.html", "inzage.html", "melding.html"}) {
        auto text = templateText(t);
        ASSERT_TRUE(text) << t;
        EXPECT_FALSE(text->empty()) << t;
        EXPECT_EQ(text->find("<script"), std::string_view::npos) << t;
        EXPECT_EQ(text->find("style="), std::string_view::npos) << t;
    }
    auto css = staticFile("style.css");
    ASSERT_TRUE(css);
    EXPECT_NE(css->find(":root"), std::string_view::npos);
    EXPECT_FALSE(staticFile("../etc/passwd"));
    EXPECT_FALSE(templateText("nope.html"));
}


// --- multipart/form-data (the consent's evidence upload) ---

const std::string kType = "multipart/form-data; boundary=----WebKitFormBoundaryX1";

std::string part(const std::string& headers, const std::string& data) {
    return "------WebKitFormBoundaryX1\r\n" + headers + "\r\n\r\n" + data + "\r\n";
}
const std::string kEnd = "------WebKitFormBoundaryX1--\r\n";

TEST(WebMultipart, ReadsFieldsAndAFileAsChromiumSendsThem) {
    const std::string pdf = std::string("%PDF-1.4\r\n") + '\0' + "binary\r\n--not-a-boundary";
    const std::string body =
        part("Content-Disposition: form-data; name=\"csrf\"", "abc") +
        part("Content-Disposition: form-data; name=\"pupil\"", "8001") +
        part("Content-Disposition: form-data; name=\"bewijs\"; filename=\"formulier.pdf\"\r\n"
             "Content-Type: application/pdf",
             pdf) +
        kEnd;
    auto parts = parseMultipart(body, kType);
    ASSERT_TRUE(parts) << parts.error().message;
    ASSERT_EQ(parts->size(), 3u);
    EXPECT_EQ((*parts)[0].name, "csrf");
    EXPECT_EQ((*parts)[0].data, "abc");
    EXPECT_FALSE((*parts)[0].filename);
    EXPECT_EQ((*parts)[1].data, "8001");
    EXPECT_EQ((*parts)[2].name, "bewijs");
    ASSERT_TRUE((*parts)[2].filename);
    EXPECT_EQ(*(*parts)[2].filename, "formulier.pdf");
    EXPECT_EQ((*parts)[2].content_type, "application/pdf");
    EXPECT_EQ((*parts)[2].data, pdf) << "binary bytes, CR LF and dashes inside the file survive";
}

TEST(WebMultipart, BoundaryComesOnlyFromAValidContentType) {
    EXPECT_EQ(multipartBoundary("multipart/form-data; boundary=abc"), "abc");
    EXPECT_EQ(multipartBoundary("Multipart/Form-Data; boundary=\"a b\""), "a b");
    EXPECT_FALSE(multipartBoundary("application/x-www-form-urlencoded"));
    EXPECT_FALSE(multipartBoundary("multipart/form-data"));
    EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary="));
    EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')));
    EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=a\"b"));
    EXPECT_FALSE(multipartBoundary("multipart/mixed; boundary=abc"));
}

TEST(WebMultipart, RefusesMalformedBodiesWithAClearMessage) {
    auto refused = [](const std::string& body, const std::string& expect) {
        auto parts = parseMultipart(body, kType);
        ASSERT_FALSE(parts) << body;
        EXPECT_EQ(parts.error().code, ErrorCode::kInvalidInput) << body;
        EXPECT_NE(parts.error().message.find(expect), std::string::npos) << parts.error().message;
    };
    refused("", "begint niet met de boundary");
    refused("garbage" + part("Content-Disposition: form-data; name=\"a\"", "1") + kEnd,
            "begint niet met de boundary");
    refused(part("Content-Disposition: form-data; name=\"a\"", "1"), "afsluitende boundary");
    refused(part("Content-Disposition: form-data; name=\"a\"", "1") +
                part("Content-Disposition: form-data; name=\"a\"", "2") + kEnd,
            "'a' komt dubbel voor");
    refused(part("Content-Type: text/plain", "1") + kEnd, "zonder Content-Disposition");
    refused(part("Content-Disposition: attachment; name=\"a\"", "1") + kEnd, "geen form-data");
    refused(part("Content-Disposition: form-data; filename=\"x\"", "1") + kEnd, "zonder (geldige) naam");
    refused(part("Content-Disposition: form-data; name=\"a\"; size=3", "1") + kEnd,
            "onbekende parameter");
    refused(part("Content-Disposition: form-data; name=\"a\"\r\nX-Extra: 1", "1") + kEnd,
            "onbekende kop");
    refused(part("Content-Disposition: form-data; name=\"a", "1") + kEnd, "niet gesloten");
    refused(part("Content-Disposition: form-data; name=\"a\"", "1") + kEnd + "trailing",
            "na de afsluitende boundary");
    refused("------WebKitFormBoundaryX1\r\n\r\n1\r\n" + kEnd, "zonder koppen");
}

TEST(WebMultipart, LimitsAreEnforced) {
    MultipartLimits limits;
    limits.max_field_bytes = 4;
    limits.max_file_bytes = 8;
    limits.max_parts = 2;
    limits.max_header_bytes = 120;
    auto code = [&](const std::string& body) {
        auto parts = parseMultipart(body, kType, limits);
        return parts ? ErrorCode::kOk : parts.error().code;
    };
    EXPECT_EQ(code(part("Content-Disposition: form-data; name=\"a\"", "1234") + kEnd), ErrorCode::kOk);
    EXPECT_EQ(code(part("Content-Disposition: form-data; name=\"a\"", "12345") + kEnd),
              ErrorCode::kTooLarge);
    EXPECT_EQ(code(part("Content-Disposition: form-data; name=\"f\"; filename=\"x\"", "12345678") + kEnd),
              ErrorCode::kOk);
    EXPECT_EQ(code(part("Content-Disposition: form-data; name=\"f\"; filename=\"x\"", "123456789") + kEnd),
              ErrorCode::kTooLarge);
    EXPECT_EQ(code(part("Content-Disposition: form-data; name=\"a\"", "1") +
                   part("Content-Disposition: form-data; name=\"b\"", "2") +
                   part("Content-Disposition: form-data; name=\"c\"", "3") + kEnd),
              ErrorCode::kTooLarge);
    EXPECT_EQ(code(part("Content-Disposition: form-data; name=\"" + std::string(90, 'a') +
                        "\"\r\nContent-Type: text/plain",
                        "1") + kEnd),
              ErrorCode::kTooLarge);
}

TEST(WebMultipart, AnEmptyFileInputIsAPartWithAnEmptyFilename) {
    auto parts = parseMultipart(
        part("Content-Disposition: form-data; name=\"bewijs\"; filename=\"\"\r\n"
             "Content-Type: application/octet-stream",
             "") + kEnd,
        kType);
    ASSERT_TRUE(parts) << parts.error().message;
    ASSERT_EQ(parts->size(), 1u);
    ASSERT_TRUE((*parts)[0].filename);
    EXPECT_TRUE((*parts)[0].filename->empty());
    EXPECT_TRUE((*parts)[0].data.empty());
}

}  // namespace
}  // namespace sluis::web

// parseSmtpSettings: defaults, every validation error with its JSON path, secrets never echoed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/notify/smtp.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

using nlohmann::json;
using notify::SmtpTls;

bool hasError(const std::vector<std::string>& errors, const std::string& prefix) {
    for (const auto& e : errors)
        if (e.rfind(prefix, 0) == 0) return true;
    return false;
}

std::string joined(const std::vector<std::string>& errors) {
    std::string out;
    for (const auto& e : errors) out += e + "\n";
    return out;
}

TEST(SmtpSettings, MinimalGetsDefaults) {
    std::vector<std::string> errors;
    auto s = notify::parseSmtpSettings(
        {{"host", "smtp.school.example"}, {"from", "sluis@school.example"}}, "notify.smtp", errors);
    ASSERT_TRUE(s.isOk()) << joined(errors);
    EXPECT_TRUE(errors.empty());
    EXPECT_EQ(s->host, "smtp.school.example");
    EXPECT_EQ(s->port, 587);
    EXPECT_EQ(s->from, "sluis@school.example");
    EXPECT_EQ(s->tls, SmtpTls::kRequired);
    EXPECT_TRUE(s->ca_file.empty());
    EXPECT_TRUE(s->username.empty());
    EXPECT_EQ(s->timeout, std::chrono::seconds(30));
}

TEST(SmtpSettings, FullSettings) {
    test::TempDir tmp;
    test::writeFile(tmp / "ca.crt", "-----BEGIN CERTIFICATE-----\n");
    std::vector<std::string> errors;
    auto s = notify::parseSmtpSettings({{"host", "10.0.0.5"},
                                        {"port", 2525},
                                        {"from", "sluis@school.example"},
                                        {"tls", "required"},
                                        {"ca_file", (tmp / "ca.crt").string()},
                                        {"username", "sluis"},
                                        {"password", "geheim"},
                                        {"timeout", "10s"}},
                                       "notify.smtp", errors);
    ASSERT_TRUE(s.isOk()) << joined(errors);
    EXPECT_EQ(s->port, 2525);
    EXPECT_EQ(s->tls, SmtpTls::kRequired);
    EXPECT_EQ(s->ca_file, (tmp / "ca.crt").string());
    EXPECT_EQ(s->username, "sluis");
    EXPECT_EQ(s->password, "geheim");
    EXPECT_EQ(s->timeout, std::chrono::seconds(10));
    EXPECT_STREQ(notify::smtpTlsName(s->tls), "required");
}

TEST(SmtpSettings, EveryErrorHasItsPath) {
    std::vector<std::string> errors;
    auto s = notify::parseSmtpSettings({{"port", 70000},
                                        {"from", "geen adres"},
                                        {"tls", "altijd"},
                                        {"ca_file", "/bestaat/niet.crt"},
                                        {"password", "supergeheim"},
                                        {"timeout", "0s"},
                                        {"poort", 25}},
                                       "notify.smtp", errors);
    ASSERT_FALSE(s.isOk());
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidConfig);
    std::string all = joined(errors);
    EXPECT_TRUE(hasError(errors, "notify.smtp.host: ")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.port: ")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.from: ")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.tls: ")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.ca_file: ")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.password: alleen samen met username")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.timeout: ")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.poort: onbekende optie")) << all;
    EXPECT_EQ(all.find("supergeheim"), std::string::npos) << all;
    EXPECT_EQ(s.error().message, errors.front());
}

TEST(SmtpSettings, WrongTypesAreReported) {
    std::vector<std::string> errors;
    auto s = notify::parseSmtpSettings({{"host", 5},
                                        {"from", "sluis@school.example"},
                                        {"port", "587"},
                                        {"password", 1234},
                                        {"username", "x"},
                                        {"timeout", "soms"}},
                                       "notify.smtp", errors);
    ASSERT_FALSE(s.isOk());
    std::string all = joined(errors);
    EXPECT_TRUE(hasError(errors, "notify.smtp.host: verwacht")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.port: verwacht")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.password: verwacht")) << all;
    EXPECT_TRUE(hasError(errors, "notify.smtp.timeout: verwacht")) << all;
    EXPECT_EQ(all.find("1234"), std::string::npos) << all;
}

TEST(SmtpSettings, UsernameNeedsPasswordAndTls) {
    std::vector<std::string> errors;
    auto s = notify::parseSmtpSettings(
        {{"host", "smtp.school.example"}, {"from", "sluis@school.example"}, {"username", "sluis"}},
        "notify.smtp", errors);
    ASSERT_FALSE(s.isOk());
    EXPECT_TRUE(hasError(errors, "notify.smtp.password: verplicht")) << joined(errors);

    errors.clear();
    s = notify::parseSmtpSettings({{"host", "smtp.school.example"},
                                   {"from", "sluis@school.example"},
                                   {"username", "sluis"},
                                   {"password", "geheim"},
                                   {"tls", "none"}},
                                  "notify.smtp", errors);
    ASSERT_FALSE(s.isOk());
    EXPECT_TRUE(hasError(errors, "notify.smtp.tls: \"none\" met username")) << joined(errors);
}

TEST(SmtpSettings, NotAnObject) {
    std::vector<std::string> errors;
    auto s = notify::parseSmtpSettings(json::array(), "notify.smtp", errors);
    ASSERT_FALSE(s.isOk());
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_EQ(errors[0].rfind("notify.smtp: ", 0), 0u) << errors[0];
}

TEST(SmtpSettings, BadHostName) {
    std::vector<std::string> errors;
    auto s = notify::parseSmtpSettings(
        {{"host", "smtp school/example"}, {"from", "sluis@school.example"}}, "notify.smtp", errors);
    ASSERT_FALSE(s.isOk());
    EXPECT_TRUE(hasError(errors, "notify.smtp.host: verwacht een hostnaam")) << joined(errors);
}

}  // namespace
}  // namespace sluis

// The notification mail texts come from the templates in config/mail/ (embedded at build time).
#include <gtest/gtest.h>

#include <stdexcept>

#include "core/notify/mail_templates.h"
#include "tests/support/test_util.h"

using namespace sluis;

namespace {
// Every placeholder each caller fills in (core/engine/schedule_stage.cpp, core/api/transfers_api.cpp,
// core/api/procedures_api.cpp).
std::map<std::string, std::string> varsFor(const std::string& kind) {
    if (kind == "delivery_missed")
        return {{"overdracht", "t_1"}, {"doel", "povo"}, {"leerling", "L1"}, {"leverdatum", "2027-03-10 00:00"}};
    if (kind == "withdrawn")
        return {{"overdracht", "t_1"}, {"leerling", "L1"}, {"doel", "povo"}, {"door", "anna (directeur)"},
                {"tijdstip", "2027-03-10 12:00"}};
    return {{"leerling", "L1"}, {"doel", "vensters"}, {"omschrijving", "Vensters"}, {"door", "anna (directeur)"},
            {"akkoord", "anna (directeur)"}, {"niveau", "-"}, {"leverdatum", "2027-03-10"},
            {"intrekken_tot", "-"}, {"hash", "abc"}};
}
}  // namespace

TEST(MailTemplates, EveryPlaceholderIsFilled) {
    for (const auto& kind : notify::mailKinds()) {
        auto m = notify::renderMail(kind, varsFor(kind));
        EXPECT_TRUE(m.subject.starts_with("Sluis: levering L1")) << kind << ": " << m.subject;
        EXPECT_EQ(m.subject.find('{'), std::string::npos) << kind;
        EXPECT_EQ(m.body.find('{'), std::string::npos) << kind << ": " << m.body;
        EXPECT_FALSE(m.body.starts_with("\n")) << kind;
        EXPECT_TRUE(m.body.ends_with("\n")) << kind;
    }
}

TEST(MailTemplates, TextIsTheTemplateInConfig) {
    auto m = notify::renderMail("delivery_missed", varsFor("delivery_missed"));
    EXPECT_EQ(m.subject, "Sluis: levering L1 niet verzonden (leverdatum gemist)");
    std::string file = test::readFile(test::sourceDir() / "config" / "mail" / "delivery_missed.txt");
    EXPECT_NE(file.find("Een beheerder kan haar opnieuw aanbieden: sluis transfer requeue {overdracht}"),
              std::string::npos);
    EXPECT_NE(m.body.find("Een beheerder kan haar opnieuw aanbieden: sluis transfer requeue t_1\n"),
              std::string::npos);
}

TEST(MailTemplates, AnUnknownPlaceholderStaysAndAnUnknownKindThrows) {
    auto m = notify::renderMail("withdrawn", {{"leerling", "L1"}});
    EXPECT_NE(m.body.find("{door}"), std::string::npos);
    EXPECT_THROW(notify::renderMail("onbekend", {}), std::invalid_argument);
}

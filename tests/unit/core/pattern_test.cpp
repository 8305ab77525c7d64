// The fast matcher for model patterns must give exactly what std::regex_match gives.
#include "core/model/pattern.h"

#include <gtest/gtest.h>

#include <regex>

#include "core/model/model.h"

namespace sluis::model {
namespace {

TEST(Pattern, AgreesWithStdRegex) {
    const char* patterns[] = {"^[0-9]{2}[A-Z]{2}$",  "^[0-9]{2}$", "^[1-9][0-9]{3} ?[A-Z]{2}$",
                              "^[0-9]{4}-[0-9]{4}$", "^a+b*c?$",   "^[a-c-]{1,3}x$",
                              "^\\d{2}\\.\\d$",      "^x{2,}$",    "^$",
                              "^(ab|cd)$",           "^[^0-9]+$",  "^.{3}$"};
    const char* inputs[] = {"",
                            "12AB",
                            "12ab",
                            "1AB",
                            "123AB",
                            "12",
                            "1",
                            "3511 AB",
                            "3511AB",
                            "0511 AB",
                            "3511  AB",
                            "3511 ab",
                            "2025-2026",
                            "2025-26",
                            "aab",
                            "abbc",
                            "c",
                            "ac",
                            "-x",
                            "abcx",
                            "a-bx",
                            "12.3",
                            "1.23",
                            "xx",
                            "xxxx",
                            "x",
                            "ab",
                            "cd",
                            "abc",
                            "12AB\n",
                            "\xC3\xA9\xC3\xA9",
                            "abcd"};
    for (const char* p : patterns) {
        Pattern pat(p);
        std::regex re(p);
        for (const char* in : inputs)
            EXPECT_EQ(pat.matches(in), std::regex_match(std::string(in), re))
                << p << " on '" << in << "'";
    }
}

TEST(Pattern, ModelPatternsUseTheFastMatcher) {
    auto def = ModelDefinition::builtin();
    size_t seen = 0;
    for (const auto& name : {"School", "Adres", "Schoolloopbaan", "Cijferlijst"}) {
        const TypeDef* t = def->type(name);
        if (!t) continue;
        for (const auto& f : t->fields) {
            if (f.pattern.empty()) continue;
            ASSERT_TRUE(f.matcher) << name << "." << f.name;
            EXPECT_TRUE(f.matcher->simple()) << f.pattern;
            ++seen;
        }
    }
    EXPECT_GT(seen, 0u);
}

TEST(Pattern, FindUsesTheIndexAndFallsBack) {
    auto def = ModelDefinition::builtin();
    const TypeDef* t = def->type(def->rootType());
    ASSERT_TRUE(t);
    for (const auto& f : t->fields) EXPECT_EQ(t->find(f.name), &f);
    EXPECT_EQ(t->find("bestaatniet"), nullptr);
    EXPECT_EQ(t->find(""), nullptr);
    TypeDef copy = *t;  // copies keep working
    EXPECT_EQ(copy.find("leerling"), &copy.fields[1]);
    copy.fields.push_back(FieldDef{});
    copy.fields.back().name = "nieuw";
    EXPECT_EQ(copy.find("nieuw"), &copy.fields.back());  // stale index: linear search
}

}  // namespace
}  // namespace sluis::model

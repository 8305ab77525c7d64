#include <gtest/gtest.h>

#include <string>

#include "core/util/json.h"

namespace sluis::util {
namespace {

std::string nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonDepth, ExactlyTheLimitIsAccepted) {
    EXPECT_EQ(jsonDepthError(nested(64), "x"), "");
    auto j = parseJsonOrDiscarded(nested(64));
    EXPECT_FALSE(j.is_discarded());
}

TEST(JsonDepth, OneDeeperIsRefusedNamingOriginLineAndLimit) {
    std::string text = "{\"a\":\n" + nested(64) + "}";
    std::string e = jsonDepthError(text, "in.jsonl");
    EXPECT_EQ(e, "in.jsonl, regel 2: JSON te diep genest (meer dan 64 niveaus)");
    EXPECT_TRUE(parseJsonOrDiscarded(text).is_discarded());
    EXPECT_THROW(parseJson(text, "in.jsonl"), JsonTooDeep);
}

TEST(JsonDepth, AOneLineTextIsNamedByItsOriginAlone) {
    EXPECT_EQ(jsonDepthError(nested(65), "verzoek"), "verzoek: JSON te diep genest (meer dan 64 niveaus)");
    EXPECT_EQ(jsonDepthError(nested(65), ""), "JSON te diep genest (meer dan 64 niveaus)");
    EXPECT_EQ(jsonDepthError("\n" + nested(65), ""), "regel 2: JSON te diep genest (meer dan 64 niveaus)");
}

TEST(JsonDepth, BracketsInStringsAndEscapedQuotesAreNotCounted) {
    std::string brackets(200, '[');
    std::string text = "{\"a\":\"" + brackets + "\\\"" + brackets + "\",\"b\":" + nested(63) + "}";
    EXPECT_EQ(jsonDepthError(text, "x"), "");
    auto j = parseJson(text, "x");
    EXPECT_EQ(j["a"].get<std::string>().size(), 401u);
    // An escaped backslash before the closing quote ends the string: the brackets after it count.
    std::string after = "[\"\\\\\"," + nested(64) + "]";
    EXPECT_NE(jsonDepthError(after, "x"), "");
}

TEST(JsonDepth, HundredThousandLevelsAreRefusedWithoutRecursion) {
    std::string text(100000, '[');
    EXPECT_NE(jsonDepthError(text, "verzoek"), "");
    EXPECT_TRUE(parseJsonOrDiscarded(text).is_discarded());
}

TEST(JsonDepth, SyntaxErrorsStillBehaveAsNlohmann) {
    EXPECT_TRUE(parseJsonOrDiscarded("{").is_discarded());
    EXPECT_THROW(parseJson("{", "x"), nlohmann::json::parse_error);
}

}  // namespace
}  // namespace sluis::util

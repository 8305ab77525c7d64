// Percent-encoding (query strings, form bodies), base64 (consent evidence uploads), ISO UTC instants (the test clock) and the file clock.
#include <gtest/gtest.h>

#include "core/util/file_clock.h"
#include "core/util/percent_encode.h"
#include "core/util/text.h"
#include "tests/support/test_util.h"

namespace sluis {
namespace {

TEST(PercentEncode, KeepsOnlyUnreservedAndTheGivenCharactersAndEncodesEveryOtherByte) {
    EXPECT_EQ(util::percentEncode(""), "");
    EXPECT_EQ(util::percentEncode("AZaz09-._~"), "AZaz09-._~");
    EXPECT_EQ(util::percentEncode("a b&c=d+e/f?g#h%i"), "a%20b%26c%3Dd%2Be%2Ff%3Fg%23h%25i");
    EXPECT_EQ(util::percentEncode("Zo\xC3\xAB:1@x"), "Zo%C3%AB%3A1%40x");  // UTF-8 bytes, upper-case hex
    EXPECT_EQ(util::percentEncode(std::string("a\0b", 3)), "a%00b");
    EXPECT_EQ(util::percentEncode("2026-12-06T10:00:00,5Z", ","), "2026-12-06T10%3A00%3A00,5Z");
    EXPECT_EQ(util::percentEncode(std::string("\0", 1), std::string("\0", 1)), "%00");  // NUL is never kept
}

TEST(Base64, RoundTripsEveryLengthAndRefusesWhatIsNotBase64) {
    EXPECT_EQ(util::encodeBase64(""), "");
    EXPECT_EQ(util::encodeBase64("f"), "Zg==");
    EXPECT_EQ(util::encodeBase64("fo"), "Zm8=");
    EXPECT_EQ(util::encodeBase64("foo"), "Zm9v");
    EXPECT_EQ(util::encodeBase64(std::string_view("\xFF\xD8\xFF\x00", 4)), "/9j/AA==");
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (size_t n = 0; n < all.size(); n += 37) {
        auto back = util::decodeBase64(util::encodeBase64(all.substr(0, n)));
        ASSERT_TRUE(back);
        EXPECT_EQ(*back, all.substr(0, n));
    }
    EXPECT_EQ(util::decodeBase64("Zm9v\r\nYmFy").value(), "foobar");
    for (const char* bad :
         {"Zm9", "Zm9v!", "Z===", "Zg==Zg==", "Zm=v", "====", "Zg=a", "Zh==", "Zm9="})
        EXPECT_FALSE(util::decodeBase64(bad)) << bad;
}

TEST(IsoUtc, ParsesSecondsAndMillisecondsAndRefusesTheRest) {
    auto t = parseIsoUtc("2027-03-27T22:59:59Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(formatIso(*t), "2027-03-27T22:59:59.000Z");
    EXPECT_EQ(formatIso(parseIsoUtc(" 2024-02-29T00:00:00.007Z\n").value()),
              "2024-02-29T00:00:00.007Z");
    for (const char* bad :
         {"2027-03-27 22:59:59Z", "2027-03-27T22:59:59", "2027-03-27T22:59:59+01:00",
          "2027-02-29T00:00:00Z", "2027-03-27T24:00:00Z", "2027-03-27T22:60:00Z",
          "2027-03-27T22:59:59.1Z", "morgen"}) {
        auto r = parseIsoUtc(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("2027-03-27T22:59:59Z"), std::string::npos)
            << "the message shows the form";
    }
}

TEST(FileClock, ReadsTheFileOnEveryCallAndKeepsTheLastGoodTime) {
    test::TempDir dir;
    auto path = dir / "clock";
    EXPECT_FALSE(FileClock::open(path.string())) << "missing file";
    test::writeFile(path, "2027-01-01T00:00:00Z\n");
    auto clock = FileClock::open(path.string());
    ASSERT_TRUE(clock);
    EXPECT_EQ(formatIso((*clock)->now()), "2027-01-01T00:00:00.000Z");
    test::writeFile(path, "2027-01-02T03:04:05Z");
    EXPECT_EQ(formatIso((*clock)->now()), "2027-01-02T03:04:05.000Z");
    test::writeFile(path, "kapot");
    EXPECT_EQ(formatIso((*clock)->now()), "2027-01-02T03:04:05.000Z");
}

}  // namespace
}  // namespace sluis

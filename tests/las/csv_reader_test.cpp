// The streaming CSV reader: separators, quoting, line ends, encodings, limits and errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mapping/csv/csv_reader.h"

namespace sluis::csv {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Reads all of `bytes` in blocks of `block` bytes (to exercise records spanning block borders).
class ChunkedSource final : public ByteSource {
public:
    ChunkedSource(std::string bytes, size_t block) : bytes_(std::move(bytes)), block_(block) {}
    Result<size_t> read(char* buf, size_t n) override {
        size_t k = std::min({n, block_, bytes_.size() - pos_});
        std::copy_n(bytes_.data() + pos_, k, buf);
        pos_ += k;
        return k;
    }

private:
    std::string bytes_;
    size_t block_;
    size_t pos_ = 0;
};

Result<Rows> readAll(const std::string& bytes, CsvOptions opts = {}, size_t block = 0,
                     char* sep = nullptr, Encoding* enc = nullptr) {
    std::unique_ptr<ByteSource> src;
    if (block) src = std::make_unique<ChunkedSource>(bytes, block);
    else src = std::make_unique<StringByteSource>(bytes);
    CsvReader r(std::move(src), opts);
    Rows rows;
    for (;;) {
        auto more = r.next();
        if (!more.isOk()) return more.error();
        if (!*more) break;
        std::vector<std::string> row;
        for (auto f : r.fields()) row.emplace_back(f);
        rows.push_back(row);
    }
    if (sep) *sep = r.separator();
    if (enc) *enc = r.encoding();
    return rows;
}

std::string utf16(const std::string& ascii_or_utf8, bool big_endian, bool bom) {
    // Test helper: converts UTF-8 (BMP only) to UTF-16.
    std::string out;
    auto put = [&](unsigned u) {
        if (big_endian) {
            out += static_cast<char>(u >> 8);
            out += static_cast<char>(u & 0xFF);
        } else {
            out += static_cast<char>(u & 0xFF);
            out += static_cast<char>(u >> 8);
        }
    };
    if (bom) put(0xFEFF);
    for (size_t i = 0; i < ascii_or_utf8.size();) {
        unsigned char c = static_cast<unsigned char>(ascii_or_utf8[i]);
        unsigned cp;
        if (c < 0x80) {
            cp = c;
            i += 1;
        } else if ((c & 0xE0) == 0xC0) {
            cp = ((c & 0x1F) << 6) | (ascii_or_utf8[i + 1] & 0x3F);
            i += 2;
        } else {
            cp = ((c & 0x0F) << 12) | ((ascii_or_utf8[i + 1] & 0x3F) << 6) | (ascii_or_utf8[i + 2] & 0x3F);
            i += 3;
        }
        put(cp);
    }
    return out;
}

TEST(CsvReader, SemicolonSniffedAndFieldsSplit) {
    char sep = 0;
    auto rows = readAll("Stamnr;Achternaam;Roepnaam\n1001;Jansen;Piet\n1002;Bakker;Anna\n", {}, 0, &sep);
    ASSERT_TRUE(rows.isOk()) << rows.error().message;
    EXPECT_EQ(sep, ';');
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1001", "Jansen", "Piet"}));
}

TEST(CsvReader, CommaSniffedWhenMoreCommasThanSemicolons) {
    char sep = 0;
    auto rows = readAll("a,b,c\n1,2;x,3\n", {}, 0, &sep);
    ASSERT_TRUE(rows.isOk());
    EXPECT_EQ(sep, ',');
    EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1", "2;x", "3"}));
}

TEST(CsvReader, TabSniffed) {
    char sep = 0;
    auto rows = readAll("a\tb\n1\t2\n", {}, 0, &sep);
    ASSERT_TRUE(rows.isOk());
    EXPECT_EQ(sep, '\t');
    EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1", "2"}));
}

TEST(CsvReader, SeparatorInQuotedHeaderDoesNotCount) {
    char sep = 0;
    auto rows = readAll("\"a,b,c\";d\n1;2\n", {}, 0, &sep);
    ASSERT_TRUE(rows.isOk());
    EXPECT_EQ(sep, ';');
    EXPECT_EQ((*rows)[0], (std::vector<std::string>{"a,b,c", "d"}));
}

TEST(CsvReader, QuotedFieldsWithSeparatorsQuotesAndNewlines) {
    std::string in = "a;b;c\n\"x;y\";\"he said \"\"hi\"\"\";\"line1\nline2\r\nline3\"\nlast;2;3\n";
    auto rows = readAll(in, {});
    ASSERT_TRUE(rows.isOk()) << rows.error().message;
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[1][0], "x;y");
    EXPECT_EQ((*rows)[1][1], "he said \"hi\"");
    EXPECT_EQ((*rows)[1][2], "line1\nline2\r\nline3");
    EXPECT_EQ((*rows)[2], (std::vector<std::string>{"last", "2", "3"}));
}

TEST(CsvReader, LineNumbersCountEmbeddedNewlines) {
    CsvReader r(std::make_unique<StringByteSource>("h1;h2\n\"a\nb\";c\nd;e\n"), {});
    ASSERT_TRUE(*r.next());
    EXPECT_EQ(r.line(), 1u);
    ASSERT_TRUE(*r.next());
    EXPECT_EQ(r.line(), 2u);
    ASSERT_TRUE(*r.next());
    EXPECT_EQ(r.line(), 4u);
    EXPECT_FALSE(*r.next());
}

TEST(CsvReader, LineEndingsCrLfLfAndCr) {
    for (std::string nl : {"\r\n", "\n", "\r"}) {
        auto rows = readAll("a;b" + nl + "1;2" + nl + "3;4", {});
        ASSERT_TRUE(rows.isOk());
        ASSERT_EQ(rows->size(), 3u) << "line end size " << nl.size();
        EXPECT_EQ((*rows)[2], (std::vector<std::string>{"3", "4"}));
    }
}

TEST(CsvReader, BlankLinesSkippedEmptyFieldsKept) {
    auto rows = readAll("a;b;c\n\n1;;\n\r\n;;3\n", {});
    ASSERT_TRUE(rows.isOk());
    ASSERT_EQ(rows->size(), 3u);
    EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1", "", ""}));
    EXPECT_EQ((*rows)[2], (std::vector<std::string>{"", "", "3"}));
}

TEST(CsvReader, SpacesAfterClosingQuoteTolerated) {
    auto rows = readAll("a;b\n\"x\"  ;y\n", {});
    ASSERT_TRUE(rows.isOk());
    EXPECT_EQ((*rows)[1], (std::vector<std::string>{"x", "y"}));
}

TEST(CsvReader, TextAfterClosingQuoteIsAnErrorWithLine) {
    auto rows = readAll("a;b\n1;2\n\"x\"z;y\n", {.source_name = "leerlingen.csv"});
    ASSERT_FALSE(rows.isOk());
    EXPECT_EQ(rows.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(rows.error().message.find("leerlingen.csv:3"), std::string::npos)
        << rows.error().message;
}

TEST(CsvReader, UnterminatedQuoteNamesStartLine) {
    auto rows = readAll("a;b\n1;\"open\n2;3\n4;5\n", {.source_name = "x.csv"});
    ASSERT_FALSE(rows.isOk());
    EXPECT_NE(rows.error().message.find("x.csv:2"), std::string::npos) << rows.error().message;
    EXPECT_NE(rows.error().message.find("niet gesloten"), std::string::npos);
}

TEST(CsvReader, RecordsSpanningBlockBordersAreIntact) {
    // Well past the first 64 KiB the reader takes in one go, so that the later records really
    // cross the borders of the source's blocks; quoted and plain records alternate.
    std::string in = "naam;tekst\n";
    for (int i = 0; i < 3000; ++i) {
        in += "n" + std::to_string(i) + ";\"veld met ; en \"\" en\nregel " + std::to_string(i) + "\"\r\n";
        in += "p" + std::to_string(i) + ";gewoon veld " + std::to_string(i) + "\r\n";
    }
    ASSERT_GT(in.size(), 2u * 65536u);
    auto whole = readAll(in, {});
    ASSERT_TRUE(whole.isOk());
    ASSERT_EQ(whole->size(), 6001u);
    for (size_t block : {1u, 2u, 3u, 7u, 64u, 4096u}) {
        auto rows = readAll(in, {}, block);
        ASSERT_TRUE(rows.isOk()) << block << ": " << rows.error().message;
        EXPECT_EQ(*rows, *whole) << "block size " << block;
    }
    EXPECT_EQ((*whole)[5999][1], "veld met ; en \" en\nregel 2999");
    EXPECT_EQ((*whole)[6000][1], "gewoon veld 2999");
}

TEST(CsvReader, Utf8WithAndWithoutBom) {
    Encoding enc;
    auto a = readAll("\xEF\xBB\xBFnaam;plaats\nZo\xC3\xAB;'s-Hertogenbosch\n", {}, 0, nullptr, &enc);
    ASSERT_TRUE(a.isOk());
    EXPECT_EQ(enc, Encoding::kUtf8);
    EXPECT_EQ((*a)[0][0], "naam");  // BOM is not part of the first header
    EXPECT_EQ((*a)[1][0], "Zo\xC3\xAB");
    auto b = readAll("naam;plaats\nZo\xC3\xAB;x\n", {}, 0, nullptr, &enc);
    ASSERT_TRUE(b.isOk());
    EXPECT_EQ(enc, Encoding::kUtf8);
    EXPECT_EQ((*b)[1][0], "Zo\xC3\xAB");
}

TEST(CsvReader, Windows1252DetectedAndConverted) {
    // "Zoë" with ë = 0xEB, "€" = 0x80, "’" = 0x92 in Windows-1252.
    Encoding enc;
    auto rows = readAll("naam;bedrag\nZo\xEB;\x80 5\x92\n", {}, 0, nullptr, &enc);
    ASSERT_TRUE(rows.isOk()) << rows.error().message;
    EXPECT_EQ(enc, Encoding::kWindows1252);
    EXPECT_EQ((*rows)[1][0], "Zo\xC3\xAB");
    EXPECT_EQ((*rows)[1][1], "\xE2\x82\xAC 5\xE2\x80\x99");
}

TEST(CsvReader, Windows1252ForcedByOption) {
    // Valid UTF-8 bytes read as Windows-1252 when told so: each byte becomes one character.
    auto rows = readAll("a\n\xC3\xAB\n", {.encoding = Encoding::kWindows1252});
    ASSERT_TRUE(rows.isOk());
    EXPECT_EQ((*rows)[1][0], "\xC3\x83\xC2\xAB");
}

TEST(CsvReader, Utf16LittleAndBigEndianWithBom) {
    std::string text = "Stamnr;Achternaam\r\n1001;M\xC3\xBCller\r\n";
    for (bool be : {false, true}) {
        Encoding enc;
        for (size_t block : {0u, 1u, 3u}) {
            auto rows = readAll(utf16(text, be, true), {}, block, nullptr, &enc);
            ASSERT_TRUE(rows.isOk()) << rows.error().message;
            EXPECT_EQ(enc, be ? Encoding::kUtf16Be : Encoding::kUtf16Le);
            ASSERT_EQ(rows->size(), 2u);
            EXPECT_EQ((*rows)[0][0], "Stamnr");
            EXPECT_EQ((*rows)[1][1], "M\xC3\xBCller");
        }
    }
}

TEST(CsvReader, Utf16WithoutBomDetectedFromZeroBytes) {
    Encoding enc;
    auto rows = readAll(utf16("a;b\n1;2\n", false, false), {}, 0, nullptr, &enc);
    ASSERT_TRUE(rows.isOk());
    EXPECT_EQ(enc, Encoding::kUtf16Le);
    EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1", "2"}));
}

TEST(CsvReader, Utf16SurrogatePairs) {
    std::string bytes = "\xFF\xFE" "a\0\n\0" "\x3D\xD8\x00\xDE" "\n\0";  // U+1F600
    bytes = std::string("\xFF\xFE", 2) + std::string("a\0\n\0", 4) + std::string("\x3D\xD8\x00\xDE", 4) +
            std::string("\n\0", 2);
    auto rows = readAll(bytes, {});
    ASSERT_TRUE(rows.isOk()) << rows.error().message;
    EXPECT_EQ((*rows)[1][0], "\xF0\x9F\x98\x80");
}

TEST(CsvReader, BinaryFileRefused) {
    std::string png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0", 29);
    auto rows = readAll(png, {.source_name = "foto.png"});
    ASSERT_FALSE(rows.isOk());
    EXPECT_EQ(rows.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(rows.error().message.find("foto.png"), std::string::npos);
    EXPECT_NE(rows.error().message.find("binair"), std::string::npos);
}

TEST(CsvReader, InvalidUtf8WhenForcedNamesLine) {
    auto rows = readAll("a\nok\n\xFF\xFE\xFD\n", {.encoding = Encoding::kUtf8, .source_name = "f.csv"});
    ASSERT_FALSE(rows.isOk());
    EXPECT_NE(rows.error().message.find("f.csv"), std::string::npos);
    EXPECT_NE(rows.error().message.find("regel 3"), std::string::npos) << rows.error().message;
}

TEST(CsvReader, RunawayFieldRefusedAsTooLarge) {
    std::string in = "a\n\"" + std::string(5000, 'x');
    auto rows = readAll(in, {.max_field_bytes = 1000});
    ASSERT_FALSE(rows.isOk());
    EXPECT_EQ(rows.error().code, ErrorCode::kTooLarge);
}

TEST(CsvReader, TooManyFieldsRefused) {
    auto rows = readAll(std::string(50, ';') + "\n", {.separator = ';', .max_fields = 10});
    ASSERT_FALSE(rows.isOk());
    EXPECT_EQ(rows.error().code, ErrorCode::kTooLarge);
}

TEST(CsvReader, EmptyInputHasNoRecords) {
    auto rows = readAll("", {});
    ASSERT_TRUE(rows.isOk());
    EXPECT_TRUE(rows->empty());
}

TEST(CsvReader, TrailingSeparatorGivesEmptyLastField) {
    auto rows = readAll("a;b;\n1;2;", {});
    ASSERT_TRUE(rows.isOk());
    EXPECT_EQ((*rows)[0].size(), 3u);
    EXPECT_EQ((*rows)[1], (std::vector<std::string>{"1", "2", ""}));
}

// Records without quotes are split in one pass, eight bytes at a time; anything else goes to the
// general loop. Every run length from 0 to 20 puts the separators, line ends and quotes at every
// position of a word and across block borders, so a wrong hand-over changes the rows.
TEST(CsvReader, UnquotedFastPathHandsOverAtEveryPosition) {
    for (size_t k = 0; k <= 20; ++k) {
        std::string x(k, 'x'), y(k, 'y');
        std::string in = "a;b;c\r\n";
        in += x + ";" + y + ";z\r\n";                          // plain, CRLF
        in += x + ";\"q;\"\"uo\"\"\";" + y + "\n";             // quote after a long run
        in += x + "a\"b;" + y + ";\n";                         // quote inside an unquoted field
        in += x + "\r" + y + ";;\n";                           // lone CR ends a record
        in += "\r\n" + x + ";\"two\nlines\";" + y + "\r\n";    // blank line, then a quoted newline
        in += y + ";" + x + ";end";                            // last record without line end
        Rows want = {{"a", "b", "c"},
                     {x, y, "z"},
                     {x, "q;\"uo\"", y},
                     {x + "a\"b", y, ""},
                     {x},
                     {y, "", ""},
                     {x, "two\nlines", y},
                     {y, x, "end"}};
        if (k == 0) want.erase(want.begin() + 4);  // "\r" alone is a blank line
        // The reader takes the first 64 KiB at once; after that, blocks of `block` bytes.
        std::string filler = std::string(65535, 'f') + "\n";
        want.insert(want.begin(), {filler.substr(0, 65535)});
        for (size_t block : {0u, 1u, 5u, 7u, 8u, 9u, 16u}) {
            auto rows = readAll(filler + in, {.separator = ';'}, block);
            ASSERT_TRUE(rows.isOk()) << k << "/" << block << ": " << rows.error().message;
            EXPECT_EQ(*rows, want) << "run " << k << ", block " << block;
        }
    }
}

TEST(CsvReader, LineNumbersAfterFastAndGeneralRecords) {
    std::string in = "a;b\r\n1;2\r\n\"3\";4\n5\r6\n\n7;\"8\"x\n";
    auto rows = readAll(in, {.source_name = "x.csv"});
    ASSERT_FALSE(rows.isOk());
    EXPECT_NE(rows.error().message.find("x.csv:7:"), std::string::npos) << rows.error().message;
    CsvReader r(std::make_unique<StringByteSource>(in), {});
    std::vector<size_t> lines;
    while (true) {
        auto more = r.next();
        if (!more.isOk() || !*more) break;
        lines.push_back(r.line());
    }
    EXPECT_EQ(lines, (std::vector<size_t>{1, 2, 3, 4, 5}));
}

TEST(CsvReader, LimitsHoldOnTheFastPath) {
    auto ok = readAll("a;b;c\n1;2;3\n", {.max_fields = 3});
    ASSERT_TRUE(ok.isOk()) << ok.error().message;
    auto many = readAll("a;b;c\n1;2;3;4\n", {.source_name = "x.csv", .max_fields = 3});
    ASSERT_FALSE(many.isOk());
    EXPECT_EQ(many.error().code, ErrorCode::kTooLarge);
    EXPECT_NE(many.error().message.find("x.csv:2: meer dan 3 kolommen"), std::string::npos)
        << many.error().message;
    auto fits = readAll("a;b\n" + std::string(16, 'x') + ";y\n", {.max_field_bytes = 16});
    ASSERT_TRUE(fits.isOk());
    auto big = readAll("a;b\n" + std::string(17, 'x') + ";y\n",
                       {.source_name = "x.csv", .max_field_bytes = 16});
    ASSERT_FALSE(big.isOk());
    EXPECT_EQ(big.error().code, ErrorCode::kTooLarge);
    EXPECT_NE(big.error().message.find("x.csv:2: veld langer dan 16 bytes"), std::string::npos)
        << big.error().message;
}

// UTF-8 is checked 32 and 8 bytes at a time while the bytes are ASCII; a multi-byte character, an
// invalid byte or a NUL right after a run of every length must still be found on its line.
TEST(Encoding, Utf8CheckHandsOverAfterEveryAsciiRun) {
    for (size_t k = 0; k <= 70; ++k) {
        std::string run(k, 'a');
        std::string good = "h\n\n" + run + "Zo\xC3\xAB\xE2\x82\xAC" + run + "\n";
        Utf8Transcoder t(Encoding::kUtf8);
        std::string out;
        ASSERT_TRUE(t.feed(good, out).isOk()) << k;
        EXPECT_EQ(out, good);
        EXPECT_TRUE(t.finish().isOk());
        for (std::string bad : {std::string("\xFF"), std::string("\xC3("), std::string(1, '\0')}) {
            Utf8Transcoder u(Encoding::kUtf8);
            std::string o;
            auto st = u.feed("h\n\n" + run + bad + "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", o);
            ASSERT_FALSE(st.isOk()) << k;
            EXPECT_NE(st.message().find("op regel 3"), std::string::npos)
                << k << ": " << st.message();
            EXPECT_NE(st.message().find(bad[0] == '\0' ? "NUL-teken" : "geen geldige UTF-8"),
                      std::string::npos)
                << st.message();
        }
    }
}

TEST(Encoding, NamesRoundTrip) {
    for (auto e : {Encoding::kAuto, Encoding::kUtf8, Encoding::kUtf16Le, Encoding::kUtf16Be,
                   Encoding::kWindows1252})
        EXPECT_EQ(parseEncodingName(encodingName(e)), e);
    EXPECT_EQ(parseEncodingName("CP1252"), Encoding::kWindows1252);
    EXPECT_FALSE(parseEncodingName("ebcdic").has_value());
}

}  // namespace
}  // namespace sluis::csv

#include "mapping/csv/encoding.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

namespace sluis::csv {

namespace {

// Windows-1252 bytes 0x80..0x9F; the five undefined bytes map to the C1 control of the same value
// (as the WHATWG encoding standard does).
constexpr unsigned kCp1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

// Length of the UTF-8 sequence starting with `c`, 0 when `c` cannot start one.
size_t utf8SeqLen(unsigned char c) {
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if (c >= 0xF0 && c <= 0xF4) return 4;
    return 0;
}

// Checks one complete sequence of length n at p (continuation bytes, overlongs, surrogates).
bool validSeq(const unsigned char* p, size_t n) {
    for (size_t k = 1; k < n; ++k)
        if ((p[k] & 0xC0) != 0x80) return false;
    if (n == 3) {
        if (p[0] == 0xE0 && p[1] < 0xA0) return false;
        if (p[0] == 0xED && p[1] >= 0xA0) return false;
    } else if (n == 4) {
        if (p[0] == 0xF0 && p[1] < 0x90) return false;
        if (p[0] == 0xF4 && p[1] >= 0x90) return false;
    }
    return true;
}

// Valid UTF-8 except possibly a cut-off sequence at the very end (the head of a longer input).
bool looksUtf8(std::string_view s) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t i = 0, n = s.size();
    while (i < n) {
        if (p[i] < 0x80) {
            ++i;
            continue;
        }
        size_t len = utf8SeqLen(p[i]);
        if (len == 0) return false;
        if (i + len > n) {
            for (size_t k = i + 1; k < n; ++k)
                if ((p[k] & 0xC0) != 0x80) return false;
            return true;
        }
        if (!validSeq(p + i, len)) return false;
        i += len;
    }
    return true;
}

// Index of the first byte from `i` on that is NUL or not ASCII (`n` when there is none). A word
// has such a byte exactly when ((w - 0x01..01) | w) has a high bit set: a byte >= 0x80 has it
// itself, and the lowest zero byte becomes 0xFF (no borrow reaches it from valid bytes below).
size_t skipAscii(const unsigned char* p, size_t i, size_t n) {
    constexpr uint64_t kLow = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    auto special = [](uint64_t w) { return ((w - kLow) | w) & kHigh; };
    while (i + 32 <= n) {
        uint64_t a, b, c, d;
        std::memcpy(&a, p + i, 8);
        std::memcpy(&b, p + i + 8, 8);
        std::memcpy(&c, p + i + 16, 8);
        std::memcpy(&d, p + i + 24, 8);
        if ((special(a) | special(b) | special(c) | special(d)) != 0) break;
        i += 32;
    }
    while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (special(w) != 0) break;
        i += 8;
    }
    while (i < n && p[i] >= 0x01 && p[i] < 0x80) ++i;
    return i;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

void appendUtf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

const char* encodingName(Encoding e) {
    switch (e) {
        case Encoding::kAuto: return "auto";
        case Encoding::kUtf8: return "utf-8";
        case Encoding::kUtf16Le: return "utf-16le";
        case Encoding::kUtf16Be: return "utf-16be";
        case Encoding::kWindows1252: return "windows-1252";
    }
    return "?";
}

std::optional<Encoding> parseEncodingName(std::string_view name) {
    std::string n = lower(name);
    if (n == "auto" || n.empty()) return Encoding::kAuto;
    if (n == "utf-8" || n == "utf8") return Encoding::kUtf8;
    if (n == "utf-16le" || n == "utf16le" || n == "utf-16" || n == "utf16" || n == "unicode")
        return Encoding::kUtf16Le;
    if (n == "utf-16be" || n == "utf16be") return Encoding::kUtf16Be;
    if (n == "windows-1252" || n == "cp1252" || n == "win1252" || n == "latin1" ||
        n == "iso-8859-1" || n == "ansi")
        return Encoding::kWindows1252;
    return std::nullopt;
}

Result<Detected> detectEncoding(std::string_view head, Encoding forced) {
    Detected d;
    auto starts = [&](std::string_view bom) { return head.substr(0, bom.size()) == bom; };
    if (starts("\xEF\xBB\xBF")) {
        d = {Encoding::kUtf8, 3};
    } else if (starts("\xFF\xFE")) {
        d = {Encoding::kUtf16Le, 2};
    } else if (starts("\xFE\xFF")) {
        d = {Encoding::kUtf16Be, 2};
    } else {
        size_t zeros_even = 0, zeros_odd = 0;
        size_t n = std::min<size_t>(head.size(), 65536);
        for (size_t i = 0; i < n; ++i) {
            if (head[i] == '\0') (i % 2 == 0 ? zeros_even : zeros_odd)++;
        }
        size_t pairs = n / 2;
        if (zeros_even + zeros_odd > 0) {
            // ASCII-heavy UTF-16 without BOM: one byte of every pair is zero.
            if (pairs > 0 && zeros_odd * 10 >= pairs * 4 && zeros_even * 20 <= pairs)
                d = {Encoding::kUtf16Le, 0};
            else if (pairs > 0 && zeros_even * 10 >= pairs * 4 && zeros_odd * 20 <= pairs)
                d = {Encoding::kUtf16Be, 0};
            else if (forced != Encoding::kUtf16Le && forced != Encoding::kUtf16Be)
                return Error{ErrorCode::kInvalidInput,
                             "bestand bevat NUL-bytes: dit is een binair bestand, geen CSV-tekst"};
        } else {
            d = {looksUtf8(head) ? Encoding::kUtf8 : Encoding::kWindows1252, 0};
        }
    }
    if (forced != Encoding::kAuto) {
        bool bom_matches = d.bom_length > 0 && d.encoding == forced;
        d.encoding = forced;
        if (!bom_matches) d.bom_length = 0;
    }
    return d;
}

void Utf8Transcoder::countLines(std::string_view s) {
    // memchr jumps from line to line; a byte-wise count costs several instructions per byte.
    const char* p = s.data();
    const char* end = p + s.size();
    while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p))))) {
        ++line_;
        ++p;
    }
}

Status Utf8Transcoder::feed(std::string_view chunk, std::string& out) {
    switch (encoding_) {
        case Encoding::kAuto:
        case Encoding::kUtf8: return feedUtf8(chunk, out);
        case Encoding::kUtf16Le: return feedUtf16(chunk, out, false);
        case Encoding::kUtf16Be: return feedUtf16(chunk, out, true);
        case Encoding::kWindows1252: return feedWindows1252(chunk, out);
    }
    return {};
}

Status Utf8Transcoder::feedUtf8(std::string_view chunk, std::string& out) {
    std::string joined;
    if (!carry_.empty()) {
        joined = carry_;
        joined.append(chunk);
        chunk = joined;
        carry_.clear();
    }
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    size_t n = chunk.size();
    size_t i = 0;
    size_t start = 0;
    auto fail = [&](const char* what) {
        countLines(chunk.substr(start, i - start));
        return Status{ErrorCode::kInvalidInput, std::string(what) + " op regel " +
                                                    std::to_string(line_) +
                                                    "; kies de juiste codering (utf-8, "
                                                    "windows-1252, utf-16) in de mapping"};
    };
    while (i < n) {
        i = skipAscii(p, i, n);
        if (i >= n) break;
        if (p[i] == 0) return fail("NUL-teken (binair bestand?)");
        size_t len = utf8SeqLen(p[i]);
        if (len == 0) return fail("geen geldige UTF-8");
        if (i + len > n) {
            for (size_t k = i + 1; k < n; ++k)
                if ((p[k] & 0xC0) != 0x80) return fail("geen geldige UTF-8");
            carry_.assign(chunk.substr(i));
            break;
        }
        if (!validSeq(p + i, len)) return fail("geen geldige UTF-8");
        i += len;
    }
    std::string_view done = chunk.substr(0, i);
    countLines(done);
    out.append(done);
    return {};
}

Status Utf8Transcoder::feedUtf16(std::string_view chunk, std::string& out, bool big_endian) {
    std::string joined;
    if (!carry_.empty()) {
        joined = carry_;
        joined.append(chunk);
        chunk = joined;
        carry_.clear();
    }
    size_t n = chunk.size() - chunk.size() % 2;
    const auto* p = reinterpret_cast<const unsigned char*>(chunk.data());
    for (size_t i = 0; i < n; i += 2) {
        unsigned u = big_endian ? (p[i] << 8 | p[i + 1]) : (p[i + 1] << 8 | p[i]);
        if (high_surrogate_) {
            if (u < 0xDC00 || u > 0xDFFF)
                return {ErrorCode::kInvalidInput,
                        "ongeldige UTF-16 (los surrogaat) op regel " + std::to_string(line_)};
            appendUtf8(out, 0x10000 + ((high_surrogate_ - 0xD800) << 10) + (u - 0xDC00));
            high_surrogate_ = 0;
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            high_surrogate_ = u;
            continue;
        }
        if (u >= 0xDC00 && u <= 0xDFFF)
            return {ErrorCode::kInvalidInput,
                    "ongeldige UTF-16 (los surrogaat) op regel " + std::to_string(line_)};
        if (u == 0)
            return {ErrorCode::kInvalidInput,
                    "NUL-teken op regel " + std::to_string(line_) + " (binair bestand?)"};
        if (u == '\n') ++line_;
        appendUtf8(out, u);
    }
    if (n < chunk.size()) carry_.assign(chunk.substr(n));
    return {};
}

Status Utf8Transcoder::feedWindows1252(std::string_view chunk, std::string& out) {
    out.reserve(out.size() + chunk.size());
    for (char ch : chunk) {
        auto c = static_cast<unsigned char>(ch);
        if (c == 0) {
            return {ErrorCode::kInvalidInput,
                    "NUL-teken op regel " + std::to_string(line_) + " (binair bestand?)"};
        } else if (c == '\n') {
            ++line_;
            out += ch;
        } else if (c < 0x80) {
            out += ch;
        } else if (c < 0xA0) {
            appendUtf8(out, kCp1252High[c - 0x80]);
        } else {
            appendUtf8(out, c);
        }
    }
    return {};
}

Status Utf8Transcoder::finish() {
    if (!carry_.empty() || high_surrogate_)
        return {ErrorCode::kInvalidInput,
                "afgekapt teken aan het einde van het bestand (regel " + std::to_string(line_) +
                    "; bestand afgebroken of verkeerde codering?)"};
    return {};
}

}  // namespace sluis::csv

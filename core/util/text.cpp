#include "core/util/text.h"

namespace sluis::util {

Status checkUtf8(std::string_view s) {
    size_t i = 0;
    size_t line = 1;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = 0;
        if (c == '\n') ++line;
        if (c < 0x80) {
            if (c == 0) {
                return {ErrorCode::kInvalidInput, "ongeldige tekst: NUL-teken op regel " +
                                                      std::to_string(line) + " (binair bestand?)"};
            }
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
            n = 1;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
        } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
            n = 3;
        } else {
            return {ErrorCode::kInvalidInput,
                    "geen geldige UTF-8 op regel " + std::to_string(line) + " (byte " +
                        std::to_string(i) + "); sla het bestand op als UTF-8"};
        }
        for (size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) {
                return {ErrorCode::kInvalidInput, "afgekapt UTF-8-teken op regel " +
                                                      std::to_string(line) +
                                                      " (bestand afgebroken?)"};
            }
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
                return {ErrorCode::kInvalidInput,
                        "geen geldige UTF-8 op regel " + std::to_string(line) + " (byte " +
                            std::to_string(i) + "); sla het bestand op als UTF-8"};
            }
        }
        i += n + 1;
    }
    return {};
}

std::string_view stripUtf8Bom(std::string_view s) {
    if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
    return s;
}

bool isBlank(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
    return true;
}

std::vector<std::string> splitWords(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
        size_t b = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') ++i;
        if (i > b) out.emplace_back(s.substr(b, i - b));
    }
    return out;
}

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return std::string(s.substr(b, e - b));
}

std::optional<std::string> fromHex(std::string_view hex) {
    if (hex.size() % 2 != 0) return std::nullopt;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

std::string toHex(std::string_view data) {
    static const char* kHex = "0123456789abcdef";
    std::string out;
    out.reserve(data.size() * 2);
    for (unsigned char c : data) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

namespace {
constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
}  // namespace

std::string encodeBase64(std::string_view data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                     static_cast<unsigned char>(data[i + 2]);
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += kB64[v & 63];
    }
    size_t rest = data.size() - i;
    if (rest > 0) {
        unsigned v = static_cast<unsigned char>(data[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(data[i + 1]) << 8;
        out += kB64[(v >> 18) & 63];
        out += kB64[(v >> 12) & 63];
        out += rest == 2 ? kB64[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

Result<std::string> decodeBase64(std::string_view text) {
    std::string clean;
    clean.reserve(text.size());
    for (char c : text)
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
    const Error bad{ErrorCode::kInvalidInput, "geen geldige base64"};
    if (clean.size() % 4 != 0) return bad;
    std::string out;
    out.reserve(clean.size() / 4 * 3);
    for (size_t i = 0; i < clean.size(); i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (size_t k = 0; k < 4; ++k) {
            char c = clean[i + k];
            int d;
            if (c == '=') {
                if (i + 4 != clean.size() || k < 2) return bad;
                ++pad;
                d = 0;
            } else {
                if (pad > 0) return bad;
                const char* p = std::char_traits<char>::find(kB64, 64, c);
                if (!p) return bad;
                d = static_cast<int>(p - kB64);
            }
            v = (v << 6) | static_cast<unsigned>(d);
        }
        // Canonical only: the bits a padded group does not use must be zero (RFC 4648 3.5).
        if ((pad == 2 && (v & 0xFFFF) != 0) || (pad == 1 && (v & 0xFF) != 0)) return bad;
        out += static_cast<char>((v >> 16) & 0xFF);
        if (pad < 2) out += static_cast<char>((v >> 8) & 0xFF);
        if (pad < 1) out += static_cast<char>(v & 0xFF);
    }
    return out;
}

}  // namespace sluis::util

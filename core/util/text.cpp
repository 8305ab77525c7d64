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

std::string trim(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
    return std::string(s.substr(b, e - b));
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

}  // namespace sluis::util

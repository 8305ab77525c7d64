#include "core/model/bsn.h"

#include <string>

namespace sluis::model {

bool isValidBsn(std::string_view s) {
    // 8 digits count as 9 with a leading zero, which adds nothing to the sum.
    if (s.size() != 8 && s.size() != 9) return false;
    const int offset = s.size() == 8 ? 1 : 0;
    long sum = 0;
    for (size_t k = 0; k < s.size(); ++k) {
        char c = s[k];
        if (c < '0' || c > '9') return false;
        int i = static_cast<int>(k) + offset;
        int d = c - '0';
        sum += (i < 8) ? d * (9 - i) : -d;
    }
    return sum != 0 && sum % 11 == 0;
}

bool isValidIsoDate(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
    for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u}) {
        if (s[i] < '0' || s[i] > '9') return false;
    }
    auto num = [&](size_t from, size_t len) {
        int v = 0;
        for (size_t i = from; i < from + len; ++i) v = v * 10 + (s[i] - '0');
        return v;
    };
    int y = num(0, 4);
    int m = num(5, 2);
    int d = num(8, 2);
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
    return d <= max;
}

}  // namespace sluis::model

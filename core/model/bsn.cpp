#include "core/model/bsn.h"

#include <string>

namespace sluis::model {

bool isValidBsn(std::string_view s) {
    std::string digits(s);
    if (digits.size() == 8) digits = "0" + digits;
    if (digits.size() != 9) return false;
    long sum = 0;
    for (int i = 0; i < 9; ++i) {
        char c = digits[static_cast<size_t>(i)];
        if (c < '0' || c > '9') return false;
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
    int y = std::stoi(std::string(s.substr(0, 4)));
    int m = std::stoi(std::string(s.substr(5, 2)));
    int d = std::stoi(std::string(s.substr(8, 2)));
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return false;
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = kDays[m - 1] + ((m == 2 && leap) ? 1 : 0);
    return d <= max;
}

}  // namespace sluis::model

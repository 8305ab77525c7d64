// Pure helpers of the somtoday-rest contract: Content-Range, Retry-After, ISO timestamps.
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <string>

#include "connectors/somtoday/somtoday.h"

namespace sluis::connectors {

namespace {

bool number(std::string_view s, long long& out) {
    if (s.empty() || s.size() > 18) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
long long daysFromCivil(long long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long long>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, long long& out) {
    if (pos + n > s.size()) return false;
    return number(s.substr(pos, n), out);
}

}  // namespace

std::optional<ContentRange> parseContentRange(std::string_view value) {
    value = trimmed(value);
    if (value.substr(0, 6) != "items ") return std::nullopt;
    value = trimmed(value.substr(6));
    auto slash = value.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    std::string_view range = value.substr(0, slash);
    std::string_view total = value.substr(slash + 1);
    ContentRange cr;
    if (total != "*" && !number(total, cr.total)) return std::nullopt;
    if (range == "*") {
        if (total == "*") return std::nullopt;
        return cr;  // first 0, last -1: nothing in this range
    }
    auto dash = range.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    if (!number(range.substr(0, dash), cr.first) || !number(range.substr(dash + 1), cr.last))
        return std::nullopt;
    if (cr.last < cr.first || (cr.total >= 0 && cr.last >= cr.total)) return std::nullopt;
    return cr;
}

std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now) {
    value = trimmed(value);
    long long secs = 0;
    if (number(value, secs)) return std::chrono::seconds(secs);
    // HTTP date: "Sun, 06 Nov 1994 08:49:37 GMT"
    std::string s(value);
    std::tm tm{};
    const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    auto when = std::chrono::system_clock::from_time_t(timegm(&tm));
    auto delta = std::chrono::duration_cast<std::chrono::seconds>(when - now);
    return delta.count() < 0 ? std::chrono::seconds(0) : delta;
}

std::optional<long long> parseIsoMillis(std::string_view v) {
    long long y, mo, d, h, mi, s;
    if (v.size() < 20 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != ' ') ||
        v[13] != ':' || v[16] != ':')
        return std::nullopt;
    if (!digits(v, 0, 4, y) || !digits(v, 5, 2, mo) || !digits(v, 8, 2, d) ||
        !digits(v, 11, 2, h) || !digits(v, 14, 2, mi) || !digits(v, 17, 2, s))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
    size_t pos = 19;
    long long ms = 0;
    if (pos < v.size() && v[pos] == '.') {
        size_t start = ++pos;
        while (pos < v.size() && std::isdigit(static_cast<unsigned char>(v[pos]))) ++pos;
        if (pos == start) return std::nullopt;
        std::string frac(v.substr(start, std::min<size_t>(3, pos - start)));
        while (frac.size() < 3) frac += '0';
        ms = std::stoll(frac);
    }
    long long offset_min = 0;
    if (pos < v.size() && v[pos] == 'Z' && pos + 1 == v.size()) {
        offset_min = 0;
    } else if (pos + 6 == v.size() && (v[pos] == '+' || v[pos] == '-') && v[pos + 3] == ':') {
        long long oh, om;
        if (!digits(v, pos + 1, 2, oh) || !digits(v, pos + 4, 2, om)) return std::nullopt;
        offset_min = (oh * 60 + om) * (v[pos] == '-' ? -1 : 1);
    } else {
        return std::nullopt;
    }
    long long days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return ((days * 86400 + h * 3600 + mi * 60 + s) - offset_min * 60) * 1000 + ms;
}

}  // namespace sluis::connectors

#include "core/util/amsterdam_time.h"

#include <chrono>
#include <cstdio>

#include "core/model/bsn.h"

namespace sluis::amsterdam {

namespace {
using namespace std::chrono;

sys_days toSysDays(const Date& d) {
    return sys_days(year_month_day(year(d.year), month(static_cast<unsigned>(d.month)),
                                   day(static_cast<unsigned>(d.day))));
}

Date fromSysDays(sys_days sd) {
    year_month_day ymd(sd);
    return Date{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

/// 01:00 UTC on the last Sunday of `m` in `y`.
Timestamp transition(int y, unsigned m) {
    sys_days last = sys_days(year_month_day_last(year(y), month_day_last(month(m))));
    weekday wd(last);
    sys_days sunday = last - days((wd.c_encoding() + 7 - 0) % 7);
    return time_point_cast<milliseconds>(sunday + hours(1));
}
}  // namespace

Result<Date> parseDate(const std::string& s) {
    if (!model::isValidIsoDate(s))
        return Error{ErrorCode::kInvalidArgument, "ongeldige datum (verwacht JJJJ-MM-DD)"};
    return Date{std::stoi(s.substr(0, 4)), std::stoi(s.substr(5, 2)), std::stoi(s.substr(8, 2))};
}

std::string formatDate(const Date& d) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year % 10000, d.month % 100, d.day % 100);
    return buf;
}

int utcOffsetMinutes(Timestamp t) {
    int y = static_cast<int>(year_month_day(floor<days>(t)).year());
    return (t >= transition(y, 3) && t < transition(y, 10)) ? 120 : 60;
}

Date localDate(Timestamp t) {
    Timestamp local = t + minutes(utcOffsetMinutes(t));
    return fromSysDays(floor<days>(local));
}

Timestamp startOfDay(const Date& d) {
    Timestamp utc_midnight = time_point_cast<milliseconds>(toSysDays(d));
    // Local midnight = UTC midnight - offset; the offset at that instant is the one to use
    // (transitions happen at 01:00 UTC, never near local midnight).
    Timestamp guess = utc_midnight - minutes(60);
    return utc_midnight - minutes(utcOffsetMinutes(guess));
}

Date addDays(const Date& d, int n) { return fromSysDays(toSysDays(d) + days(n)); }

std::string formatLocal(Timestamp t) {
    int off = utcOffsetMinutes(t);
    Timestamp local = t + minutes(off);
    auto dp = floor<days>(local);
    hh_mm_ss hms(floor<minutes>(local - dp));
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s %02d:%02d (%s)", formatDate(fromSysDays(dp)).c_str(),
                  static_cast<int>(hms.hours().count()) % 100,
                  static_cast<int>(hms.minutes().count()) % 100, off == 120 ? "CEST" : "CET");
    return buf;
}

int ageOn(const Date& birth, const Date& on) {
    int age = on.year - birth.year;
    if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
    return age;
}

}  // namespace sluis::amsterdam

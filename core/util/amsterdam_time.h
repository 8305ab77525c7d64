#pragma once
/// Civil time in Europe/Amsterdam (CET, UTC+1; CEST, UTC+2 from the last Sunday of March 01:00 UTC
/// to the last Sunday of October 01:00 UTC — the EU rule in force since 1996). Deadlines such as
/// "until one day before the delivery date" are computed in this time zone.
///
/// libstdc++ 12 has no std::chrono time-zone database; the rule is implemented here and tested at
/// both DST transitions.
#include <string>

#include "core/error.h"
#include "core/util/clock.h"

namespace sluis::amsterdam {

struct Date {
    int year = 1970;
    int month = 1;
    int day = 1;
    auto operator<=>(const Date&) const = default;
};

/// Parses YYYY-MM-DD (a real calendar date).
Result<Date> parseDate(const std::string& s);
std::string formatDate(const Date& d);

/// UTC offset in minutes (60 or 120) in effect at `t`.
int utcOffsetMinutes(Timestamp t);
/// The local calendar date at `t`.
Date localDate(Timestamp t);
/// The instant local midnight starts `d` (midnight is never in a DST gap in this zone).
Timestamp startOfDay(const Date& d);
/// `d` plus `days` (may be negative).
Date addDays(const Date& d, int days);
/// Local date and time for humans, e.g. "2027-03-25 00:00 (CET)".
std::string formatLocal(Timestamp t);

/// Whole years between `birth` and `on` (age on a date).
int ageOn(const Date& birth, const Date& on);

}  // namespace sluis::amsterdam

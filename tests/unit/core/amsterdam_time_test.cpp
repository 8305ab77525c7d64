#include "core/util/amsterdam_time.h"

#include <gtest/gtest.h>

namespace sluis::amsterdam {
namespace {

Timestamp utc(int y, unsigned m, unsigned d, int h, int min = 0) {
    using namespace std::chrono;
    return time_point_cast<milliseconds>(sys_days(year_month_day(year(y), month(m), day(d))) + hours(h) +
                                         minutes(min));
}

TEST(AmsterdamTime, OffsetsAroundBothDstTransitions) {
    // 2026: CEST from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
    EXPECT_EQ(utcOffsetMinutes(utc(2026, 3, 29, 0, 59)), 60);
    EXPECT_EQ(utcOffsetMinutes(utc(2026, 3, 29, 1, 0)), 120);
    EXPECT_EQ(utcOffsetMinutes(utc(2026, 10, 25, 0, 59)), 120);
    EXPECT_EQ(utcOffsetMinutes(utc(2026, 10, 25, 1, 0)), 60);
    EXPECT_EQ(utcOffsetMinutes(utc(2027, 1, 15, 12)), 60);
    EXPECT_EQ(utcOffsetMinutes(utc(2027, 7, 15, 12)), 120);
}

TEST(AmsterdamTime, LocalMidnight) {
    // Winter: local midnight is 23:00 UTC the day before; summer: 22:00 UTC.
    EXPECT_EQ(startOfDay({2027, 1, 10}), utc(2027, 1, 9, 23));
    EXPECT_EQ(startOfDay({2027, 7, 10}), utc(2027, 7, 9, 22));
    // The days of the transitions themselves start before the switch.
    EXPECT_EQ(startOfDay({2026, 3, 29}), utc(2026, 3, 28, 23));
    EXPECT_EQ(startOfDay({2026, 3, 30}), utc(2026, 3, 29, 22));
    EXPECT_EQ(startOfDay({2026, 10, 25}), utc(2026, 10, 24, 22));
    EXPECT_EQ(startOfDay({2026, 10, 26}), utc(2026, 10, 25, 23));
    EXPECT_EQ(localDate(utc(2027, 1, 9, 23)), (Date{2027, 1, 10}));
    EXPECT_EQ(localDate(utc(2027, 1, 9, 22, 59)), (Date{2027, 1, 9}));
    EXPECT_EQ(formatLocal(utc(2027, 7, 9, 22)), "2027-07-10 00:00 (CEST)");
}

TEST(AmsterdamTime, DatesAndAges) {
    EXPECT_EQ(addDays({2028, 3, 1}, -1), (Date{2028, 2, 29}));
    EXPECT_EQ(formatDate(addDays({2026, 12, 31}, 1)), "2027-01-01");
    EXPECT_FALSE(parseDate("2027-02-29"));
    EXPECT_EQ(ageOn({2010, 5, 20}, {2026, 5, 19}), 15);
    EXPECT_EQ(ageOn({2010, 5, 20}, {2026, 5, 20}), 16);
}

}  // namespace
}  // namespace sluis::amsterdam

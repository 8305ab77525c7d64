// Recurrence and dueFirings: pure functions, so every case is a table of instants (UTC).
// DST in Europe/Amsterdam: 2026-03-29, 2026-10-25, 2027-03-28, 2027-10-31 (01:00 UTC).
#include "core/schedule/recurrence.h"

#include <gtest/gtest.h>

#include "core/util/clock.h"

namespace sluis {
namespace {

using schedule::CatchUp;
using schedule::dueFirings;
using schedule::Recurrence;
using namespace std::chrono_literals;

Timestamp utc(int y, int mo, int d, int h, int mi) {
    using namespace std::chrono;
    return time_point_cast<milliseconds>(sys_days(year(y) / mo / d) + hours(h) + minutes(mi));
}

Recurrence rec(const std::string& spec) {
    auto r = Recurrence::parse(spec);
    EXPECT_TRUE(r.isOk()) << spec << ": " << r.error().message;
    return std::move(r).value();
}

std::string next(const std::string& spec, Timestamp after) {
    auto n = rec(spec).nextAfter(after);
    return n ? formatIso(*n) : "none";
}

/// The first `n` firings after `t`.
std::vector<std::string> firings(const std::string& spec, Timestamp t, int n) {
    Recurrence r = rec(spec);
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
        auto f = r.nextAfter(t);
        if (!f) break;
        out.push_back(formatIso(*f));
        t = *f;
    }
    return out;
}

// ---- parsing ----

struct BadSpec {
    const char* spec;
    const char* expected;  ///< A part of the message (the field's name, mostly).
};

TEST(RecurrenceParse, ErrorsNameTheField) {
    const BadSpec cases[] = {
        {"", "leeg"},
        {"0 9 * *", "5 velden"},
        {"0 9 * * * *", "gevonden 6"},
        {"60 * * * *", "veld 'minuut' (1e veld): 60 ligt buiten 0-59"},
        {"0 24 * * *", "veld 'uur' (2e veld): 24 ligt buiten 0-23"},
        {"0 9 0 * *", "veld 'dag-van-de-maand' (3e veld)"},
        {"0 9 32 * *", "veld 'dag-van-de-maand'"},
        {"0 9 * 13 *", "veld 'maand' (4e veld)"},
        {"0 9 * * 8", "veld 'dag-van-de-week' (5e veld)"},
        {"0 9 * * zon", "veld 'dag-van-de-week' (5e veld): 'zon' is geen geldige waarde"},
        {"*/0 * * * *", "veld 'minuut' (1e veld): stap '0'"},
        {"*/x * * * *", "veld 'minuut' (1e veld): stap 'x'"},
        {"5-1 * * * *", "veld 'minuut' (1e veld): bereik '5-1' loopt achteruit"},
        {"1,,2 * * * *", "veld 'minuut' (1e veld): lege waarde"},
        {"0 9 L * mon-x", "veld 'dag-van-de-week'"},
        {"0 9 * * L", "veld 'dag-van-de-week'"},
        {"0 9 30 2 *",
         "veld 'dag-van-de-maand' (3e veld): '30' komt in de gekozen maanden nooit voor"},
        {"0 9 31 4,6,9,11 *", "nooit"},
        {"once:2027-02-30T09:00", "once: ongeldige datum"},
        {"once:2027-03-01 09:00", "once: verwacht"},
        {"once:2027-03-01T24:00", "once: uur 24"},
        {"once:2027-03-01T09:60", "once: minuut 60"},
        {"once:", "once: verwacht"},
    };
    for (const auto& c : cases) {
        auto r = Recurrence::parse(c.spec);
        ASSERT_FALSE(r.isOk()) << c.spec;
        EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
        EXPECT_NE(r.error().message.find(c.expected), std::string::npos)
            << c.spec << " -> " << r.error().message;
        EXPECT_EQ(r.error().message.rfind("schema: ", 0), 0u) << r.error().message;
    }
}

TEST(RecurrenceParse, AcceptedForms) {
    for (const char* spec :
         {"* * * * *", "0 9 * * *", "  0 9 * * 1-5  ", "0,30 8-17/2 * * mon-fri", "15 6 L * *",
          "0 9 1,L * *", "0 9 29 2 *", "0 0 1 jan,JUL *", "0 12 * * 0,7", "5/15 * * * *",
          "0 9 30 2 mon", "once:2027-03-01T09:00", "ONCE:2027-03-01t09:00"}) {
        auto r = Recurrence::parse(spec);
        EXPECT_TRUE(r.isOk()) << spec << ": " << r.error().message;
    }
    EXPECT_EQ(rec("  0 9 * * *\t").spec(), "0 9 * * *");
    EXPECT_TRUE(rec("once:2027-03-01T09:00").isOnce());
    EXPECT_FALSE(rec("0 9 * * *").isOnce());
}

// ---- next firing ----

TEST(RecurrenceNext, DailyInWinterAndSummerTime) {
    EXPECT_EQ(next("0 9 * * *", utc(2026, 3, 2, 0, 0)), "2026-03-02T08:00:00.000Z");
    EXPECT_EQ(next("0 9 * * *", utc(2026, 3, 2, 8, 0)),
              "2026-03-03T08:00:00.000Z");  // strictly after
    EXPECT_EQ(next("0 9 * * *", utc(2026, 3, 2, 7, 59)), "2026-03-02T08:00:00.000Z");
    EXPECT_EQ(next("0 9 * * *", utc(2026, 7, 1, 12, 0)), "2026-07-02T07:00:00.000Z");
    // Local midnight is the previous UTC day.
    EXPECT_EQ(next("0 0 * * *", utc(2026, 1, 10, 12, 0)), "2026-01-10T23:00:00.000Z");
    EXPECT_EQ(next("0 0 * * *", utc(2026, 6, 10, 12, 0)), "2026-06-10T22:00:00.000Z");
}

TEST(RecurrenceNext, DailyAcrossTheSpringTransitions) {
    // 09:00 local keeps its wall-clock time: 08:00Z before, 07:00Z after the change.
    EXPECT_EQ(firings("0 9 * * *", utc(2026, 3, 28, 0, 0), 3),
              (std::vector<std::string>{"2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z",
                                        "2026-03-30T07:00:00.000Z"}));
    EXPECT_EQ(firings("0 9 * * *", utc(2027, 3, 27, 0, 0), 2),
              (std::vector<std::string>{"2027-03-27T08:00:00.000Z", "2027-03-28T07:00:00.000Z"}));
}

TEST(RecurrenceNext, SpringGapFiresAtTheFirstValidMinuteAfter) {
    // 02:30 does not exist on 2026-03-29: it fires at 03:00 CEST (01:00Z), once.
    EXPECT_EQ(firings("30 2 * * *", utc(2026, 3, 28, 12, 0), 3),
              (std::vector<std::string>{"2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z",
                                        "2026-03-31T00:30:00.000Z"}));
    // Every quarter of the 02:00 hour collapses into one firing at 03:00 CEST.
    EXPECT_EQ(firings("*/15 2 * * *", utc(2026, 3, 28, 23, 0), 2),
              (std::vector<std::string>{"2026-03-29T01:00:00.000Z", "2026-03-30T00:00:00.000Z"}));
    // A gap time and 03:00 itself are the same instant: it fires once.
    EXPECT_EQ(firings("0 2,3 * * *", utc(2027, 3, 27, 23, 30), 3),
              (std::vector<std::string>{"2027-03-28T01:00:00.000Z", "2027-03-29T00:00:00.000Z",
                                        "2027-03-29T01:00:00.000Z"}));
    // Every 30 minutes through the night of the change.
    EXPECT_EQ(firings("*/30 * * * *", utc(2026, 3, 28, 23, 45), 5),
              (std::vector<std::string>{"2026-03-29T00:00:00.000Z", "2026-03-29T00:30:00.000Z",
                                        "2026-03-29T01:00:00.000Z", "2026-03-29T01:30:00.000Z",
                                        "2026-03-29T02:00:00.000Z"}));
}

TEST(RecurrenceNext, AutumnFoldFiresOnceAtTheFirstOccurrence) {
    // 02:30 happens twice on 2026-10-25: fires at 02:30 CEST (00:30Z) only.
    EXPECT_EQ(firings("30 2 * * *", utc(2026, 10, 24, 12, 0), 2),
              (std::vector<std::string>{"2026-10-25T00:30:00.000Z", "2026-10-26T01:30:00.000Z"}));
    // Asked during the second 02:30 (CET, 01:30Z): the first occurrence has passed.
    EXPECT_EQ(next("30 2 * * *", utc(2026, 10, 25, 1, 15)), "2026-10-26T01:30:00.000Z");
    // Every 30 minutes: the repeated hour does not fire again.
    EXPECT_EQ(firings("*/30 * * * *", utc(2027, 10, 30, 23, 45), 6),
              (std::vector<std::string>{"2027-10-31T00:00:00.000Z", "2027-10-31T00:30:00.000Z",
                                        "2027-10-31T02:00:00.000Z", "2027-10-31T02:30:00.000Z",
                                        "2027-10-31T03:00:00.000Z", "2027-10-31T03:30:00.000Z"}));
    // 09:00 after the change is 08:00Z again.
    EXPECT_EQ(firings("0 9 * * *", utc(2027, 10, 30, 12, 0), 2),
              (std::vector<std::string>{"2027-10-31T08:00:00.000Z", "2027-11-01T08:00:00.000Z"}));
}

TEST(RecurrenceNext, MonthEnds) {
    // The 31st only in months that have one.
    EXPECT_EQ(firings("0 9 31 * *", utc(2026, 4, 1, 0, 0), 3),
              (std::vector<std::string>{"2026-05-31T07:00:00.000Z", "2026-07-31T07:00:00.000Z",
                                        "2026-08-31T07:00:00.000Z"}));
    // L: the last day of every month.
    EXPECT_EQ(firings("0 9 L * *", utc(2026, 1, 31, 12, 0), 4),
              (std::vector<std::string>{"2026-02-28T08:00:00.000Z", "2026-03-31T07:00:00.000Z",
                                        "2026-04-30T07:00:00.000Z", "2026-05-31T07:00:00.000Z"}));
    EXPECT_EQ(next("0 9 L 2 *", utc(2027, 6, 1, 0, 0)), "2028-02-29T08:00:00.000Z");
    // End of the year, in local time.
    EXPECT_EQ(next("59 23 31 12 *", utc(2026, 6, 1, 0, 0)), "2026-12-31T22:59:00.000Z");
    EXPECT_EQ(next("0 0 1 1 *", utc(2026, 6, 1, 0, 0)), "2026-12-31T23:00:00.000Z");
}

TEST(RecurrenceNext, LeapDay) {
    EXPECT_EQ(firings("0 9 29 2 *", utc(2026, 1, 1, 0, 0), 2),
              (std::vector<std::string>{"2028-02-29T08:00:00.000Z", "2032-02-29T08:00:00.000Z"}));
    // 2100 is no leap year.
    EXPECT_EQ(next("0 9 29 2 *", utc(2096, 3, 1, 0, 0)), "2104-02-29T08:00:00.000Z");
}

TEST(RecurrenceNext, Weekdays) {
    // Friday 2026-03-06 afternoon -> Monday 08:00 local.
    EXPECT_EQ(next("0 8 * * mon-fri", utc(2026, 3, 6, 12, 0)), "2026-03-09T07:00:00.000Z");
    EXPECT_EQ(next("0 8 * * 1-5", utc(2026, 3, 6, 12, 0)), "2026-03-09T07:00:00.000Z");
    // 0 and 7 are both Sunday.
    EXPECT_EQ(next("0 8 * * 7", utc(2026, 3, 2, 0, 0)), "2026-03-08T07:00:00.000Z");
    EXPECT_EQ(next("0 8 * * 0", utc(2026, 3, 2, 0, 0)), "2026-03-08T07:00:00.000Z");
    EXPECT_EQ(next("0 8 * * sat-sun", utc(2026, 3, 2, 0, 0)), "2026-03-07T07:00:00.000Z");
    EXPECT_EQ(next("0 8 * * fri-7", utc(2026, 3, 2, 0, 0)), "2026-03-06T07:00:00.000Z");
    // Day of month AND weekday restricted: either matches (classic cron).
    EXPECT_EQ(firings("0 9 1 * mon", utc(2026, 3, 24, 0, 0), 3),
              (std::vector<std::string>{"2026-03-30T07:00:00.000Z", "2026-04-01T07:00:00.000Z",
                                        "2026-04-06T07:00:00.000Z"}));
    // Day of month "*/2" counts as unrestricted: both must match (odd days that are Mondays).
    EXPECT_EQ(next("0 9 */2 * mon", utc(2026, 3, 1, 0, 0)), "2026-03-09T08:00:00.000Z");
}

TEST(RecurrenceNext, ListsRangesStepsAndNames) {
    EXPECT_EQ(firings("0,30 8-12/2 * * *", utc(2026, 1, 5, 0, 0), 6),
              (std::vector<std::string>{"2026-01-05T07:00:00.000Z", "2026-01-05T07:30:00.000Z",
                                        "2026-01-05T09:00:00.000Z", "2026-01-05T09:30:00.000Z",
                                        "2026-01-05T11:00:00.000Z", "2026-01-05T11:30:00.000Z"}));
    EXPECT_EQ(firings("5/20 10 * * *", utc(2026, 1, 5, 0, 0), 3),
              (std::vector<std::string>{"2026-01-05T09:05:00.000Z", "2026-01-05T09:25:00.000Z",
                                        "2026-01-05T09:45:00.000Z"}));
    EXPECT_EQ(firings("0 9 1 jan,JUL *", utc(2026, 1, 2, 0, 0), 2),
              (std::vector<std::string>{"2026-07-01T07:00:00.000Z", "2027-01-01T08:00:00.000Z"}));
    // Seconds and milliseconds of "after" do not matter: firings are whole minutes.
    EXPECT_EQ(next("* * * * *", utc(2026, 1, 5, 10, 0) + 59999ms), "2026-01-05T10:01:00.000Z");
}

TEST(RecurrenceNext, Once) {
    EXPECT_EQ(next("once:2027-03-01T09:00", utc(2026, 1, 1, 0, 0)), "2027-03-01T08:00:00.000Z");
    EXPECT_EQ(next("once:2027-03-01T09:00", utc(2027, 3, 1, 8, 0)), "none");
    EXPECT_EQ(next("once:2027-07-01T09:00", utc(2026, 1, 1, 0, 0)), "2027-07-01T07:00:00.000Z");
    // In the spring gap: 03:00 CEST. In the autumn fold: the first 02:30.
    EXPECT_EQ(next("once:2027-03-28T02:30", utc(2026, 1, 1, 0, 0)), "2027-03-28T01:00:00.000Z");
    EXPECT_EQ(next("once:2027-10-31T02:30", utc(2026, 1, 1, 0, 0)), "2027-10-31T00:30:00.000Z");
}

TEST(RecurrenceNext, LocalToUtcAtTheTransitions) {
    using schedule::amsterdamLocalToUtc;
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 3, 29, 119)), "2026-03-29T00:59:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 3, 29, 120)), "2026-03-29T01:00:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 3, 29, 179)), "2026-03-29T01:00:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 3, 29, 180)), "2026-03-29T01:00:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 3, 29, 181)), "2026-03-29T01:01:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 10, 25, 119)), "2026-10-24T23:59:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 10, 25, 120)), "2026-10-25T00:00:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 10, 25, 179)), "2026-10-25T00:59:00.000Z");
    EXPECT_EQ(formatIso(amsterdamLocalToUtc(2026, 10, 25, 180)), "2026-10-25T02:00:00.000Z");
}

// ---- catch-up ----

std::vector<std::string> iso(const std::vector<Timestamp>& ts) {
    std::vector<std::string> out;
    for (auto t : ts) out.push_back(formatIso(t));
    return out;
}

class DueFiringsTest : public ::testing::Test {
  protected:
    // Daily 09:00 CET; last fired on March 1st; the daemon was down until March 5th.
    Recurrence daily_ = rec("0 9 * * *");
    Timestamp last_ = utc(2026, 3, 1, 8, 0);
};

TEST_F(DueFiringsTest, DeliverLateFiresEveryMissedTimeInOrder) {
    auto d = dueFirings(daily_, last_, utc(2026, 3, 5, 12, 0), CatchUp::kDeliverLate, 10);
    EXPECT_EQ(iso(d.fire),
              (std::vector<std::string>{"2026-03-02T08:00:00.000Z", "2026-03-03T08:00:00.000Z",
                                        "2026-03-04T08:00:00.000Z", "2026-03-05T08:00:00.000Z"}));
    EXPECT_TRUE(d.skipped.empty());
    EXPECT_EQ(d.skipped_count, 0u);
    ASSERT_TRUE(d.advance_to);
    EXPECT_EQ(formatIso(*d.advance_to), "2026-03-05T08:00:00.000Z");
    ASSERT_TRUE(d.next);
    EXPECT_EQ(formatIso(*d.next), "2026-03-06T08:00:00.000Z");
}

TEST_F(DueFiringsTest, DeliverLateCapFiresTheMostRecentAndReportsTheRest) {
    auto d = dueFirings(daily_, last_, utc(2026, 3, 5, 12, 0), CatchUp::kDeliverLate, 1);
    EXPECT_EQ(iso(d.fire), (std::vector<std::string>{"2026-03-05T08:00:00.000Z"}));
    EXPECT_EQ(iso(d.skipped),
              (std::vector<std::string>{"2026-03-02T08:00:00.000Z", "2026-03-03T08:00:00.000Z",
                                        "2026-03-04T08:00:00.000Z"}));
    EXPECT_EQ(d.skipped_count, 3u);
    auto two = dueFirings(daily_, last_, utc(2026, 3, 5, 12, 0), CatchUp::kDeliverLate, 2);
    EXPECT_EQ(iso(two.fire),
              (std::vector<std::string>{"2026-03-04T08:00:00.000Z", "2026-03-05T08:00:00.000Z"}));
    EXPECT_EQ(two.skipped_count, 2u);
    // cap 0 is taken as 1.
    auto zero = dueFirings(daily_, last_, utc(2026, 3, 5, 12, 0), CatchUp::kDeliverLate, 0);
    EXPECT_EQ(zero.fire.size(), 1u);
}

TEST_F(DueFiringsTest, SkipFiresOnlyARecentDueTime) {
    // 10 minutes late: within the grace window, the latest fires; the older ones are skipped.
    auto d = dueFirings(daily_, last_, utc(2026, 3, 5, 8, 10), CatchUp::kSkip, 10, 15min);
    EXPECT_EQ(iso(d.fire), (std::vector<std::string>{"2026-03-05T08:00:00.000Z"}));
    EXPECT_EQ(iso(d.skipped),
              (std::vector<std::string>{"2026-03-02T08:00:00.000Z", "2026-03-03T08:00:00.000Z",
                                        "2026-03-04T08:00:00.000Z"}));
    // Four hours late: nothing fires, everything is reported.
    auto late = dueFirings(daily_, last_, utc(2026, 3, 5, 12, 0), CatchUp::kSkip, 10, 15min);
    EXPECT_TRUE(late.fire.empty());
    EXPECT_EQ(late.skipped_count, 4u);
    ASSERT_TRUE(late.advance_to);
    EXPECT_EQ(formatIso(*late.advance_to), "2026-03-05T08:00:00.000Z");
    // Exactly at the edge of the window still fires.
    auto edge = dueFirings(daily_, last_, utc(2026, 3, 5, 8, 15), CatchUp::kSkip, 10, 15min);
    EXPECT_EQ(edge.fire.size(), 1u);
}

TEST_F(DueFiringsTest, OnTimeFiringIsNotACatchUp) {
    Timestamp now = utc(2026, 3, 2, 8, 0) + 30s;  // the normal poll just after 09:00
    for (CatchUp p : {CatchUp::kDeliverLate, CatchUp::kSkip}) {
        auto d = dueFirings(daily_, last_, now, p, 1);
        EXPECT_EQ(iso(d.fire), (std::vector<std::string>{"2026-03-02T08:00:00.000Z"}))
            << schedule::catchUpName(p);
        EXPECT_EQ(d.skipped_count, 0u);
    }
}

TEST_F(DueFiringsTest, NothingDueAndIdempotentAfterAdvancing) {
    auto none = dueFirings(daily_, last_, utc(2026, 3, 2, 7, 59), CatchUp::kDeliverLate, 5);
    EXPECT_TRUE(none.fire.empty());
    EXPECT_EQ(none.skipped_count, 0u);
    EXPECT_FALSE(none.advance_to);
    ASSERT_TRUE(none.next);
    EXPECT_EQ(formatIso(*none.next), "2026-03-02T08:00:00.000Z");

    Timestamp now = utc(2026, 3, 5, 12, 0);
    auto first = dueFirings(daily_, last_, now, CatchUp::kDeliverLate, 10);
    ASSERT_TRUE(first.advance_to);
    auto again = dueFirings(daily_, *first.advance_to, now, CatchUp::kDeliverLate, 10);
    EXPECT_TRUE(again.fire.empty());
    EXPECT_FALSE(again.advance_to);
    // Processing one fired time at a time (last_fired = that time) yields the rest in order.
    auto rest = dueFirings(daily_, first.fire[1], now, CatchUp::kDeliverLate, 10);
    EXPECT_EQ(iso(rest.fire),
              (std::vector<std::string>{"2026-03-04T08:00:00.000Z", "2026-03-05T08:00:00.000Z"}));
}

TEST_F(DueFiringsTest, OnceSchedule) {
    Recurrence once = rec("once:2027-03-01T09:00");
    Timestamp created = utc(2027, 1, 10, 12, 0);
    auto before = dueFirings(once, created, utc(2027, 3, 1, 7, 59), CatchUp::kSkip, 1);
    EXPECT_TRUE(before.fire.empty());
    ASSERT_TRUE(before.next);
    auto late = dueFirings(once, created, utc(2027, 3, 3, 0, 0), CatchUp::kDeliverLate, 1);
    EXPECT_EQ(iso(late.fire), (std::vector<std::string>{"2027-03-01T08:00:00.000Z"}));
    EXPECT_FALSE(late.next);
    auto skipped = dueFirings(once, created, utc(2027, 3, 3, 0, 0), CatchUp::kSkip, 1);
    EXPECT_TRUE(skipped.fire.empty());
    EXPECT_EQ(skipped.skipped_count, 1u);
    auto after =
        dueFirings(once, *late.advance_to, utc(2028, 1, 1, 0, 0), CatchUp::kDeliverLate, 1);
    EXPECT_TRUE(after.fire.empty());
    EXPECT_FALSE(after.next);
}

TEST_F(DueFiringsTest, LongOutageIsBoundedInMemory) {
    // Every minute, down for 60 days: 86400 missed firings.
    Recurrence minutely = rec("* * * * *");
    Timestamp from = utc(2026, 1, 1, 0, 0);
    Timestamp now = utc(2026, 3, 2, 0, 0);
    auto d = dueFirings(minutely, from, now, CatchUp::kDeliverLate, 3);
    EXPECT_EQ(d.fire.size(), 3u);
    EXPECT_EQ(formatIso(d.fire.back()), "2026-03-02T00:00:00.000Z");
    EXPECT_EQ(d.skipped_count, 86400u - 3u);
    EXPECT_EQ(d.skipped.size(), schedule::kMaxReportedSkips);
    EXPECT_EQ(formatIso(d.skipped.front()), "2026-01-01T00:01:00.000Z");
}

TEST_F(DueFiringsTest, CatchUpAcrossTheSpringGap) {
    // 02:30 daily; down from March 28 to March 30 2026: the gap day's firing is 01:00Z.
    Recurrence r = rec("30 2 * * *");
    auto d =
        dueFirings(r, utc(2026, 3, 28, 1, 30), utc(2026, 3, 30, 6, 0), CatchUp::kDeliverLate, 5);
    EXPECT_EQ(iso(d.fire),
              (std::vector<std::string>{"2026-03-29T01:00:00.000Z", "2026-03-30T00:30:00.000Z"}));
}

}  // namespace
}  // namespace sluis

// Cron-like recurrences in Europe/Amsterdam civil time, and the catch-up rule for missed firings.
#include "core/schedule/recurrence.h"

#include <algorithm>
#include <cctype>
#include <deque>

#include "core/util/amsterdam_time.h"
#include "core/util/text.h"

namespace sluis::schedule {

namespace {

using namespace std::chrono;

struct FieldDef {
    const char* name;  ///< Dutch, for messages.
    int min;
    int max;
    const char* const* names;  ///< English three-letter names for min..; or nullptr.
    int name_count;
};

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
const char* const kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

const FieldDef kFields[5] = {
    {"minuut", 0, 59, nullptr, 0},           {"uur", 0, 23, nullptr, 0},
    {"dag-van-de-maand", 1, 31, nullptr, 0}, {"maand", 1, 12, kMonthNames, 12},
    {"dag-van-de-week", 0, 7, kDayNames, 7},
};

Error fieldError(int index, const std::string& what) {
    return Error{ErrorCode::kInvalidArgument, "schema: veld '" + std::string(kFields[index].name) +
                                                  "' (" + std::to_string(index + 1) +
                                                  "e veld): " + what};
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t p = s.find(sep, start);
        out.push_back(s.substr(start, p == std::string::npos ? p : p - start));
        if (p == std::string::npos) break;
        start = p + 1;
    }
    return out;
}

/// A number or (for month and weekday) a name; -1 when it is neither.
int parseValue(const FieldDef& f, const std::string& text) {
    if (text.empty() || text.size() > 4) return -1;
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return std::stoi(text);
    if (f.names) {
        std::string l = lower(text);
        for (int i = 0; i < f.name_count; ++i)
            if (l == f.names[i]) return f.min + i;
    }
    return -1;
}

/// Parses one cron field into a bit set over [min, max]. `last_day` receives an "L" item
/// (day-of-month only).
Result<uint64_t> parseField(int index, const std::string& text, bool* last_day) {
    const FieldDef& f = kFields[index];
    if (text.empty()) return fieldError(index, "leeg");
    uint64_t bits = 0;
    for (const std::string& item : split(text, ',')) {
        if (item.empty()) return fieldError(index, "lege waarde in de lijst '" + text + "'");
        if (last_day && (item == "L" || item == "l")) {
            *last_day = true;
            continue;
        }
        std::string range = item;
        int step = 1;
        size_t slash = item.find('/');
        if (slash != std::string::npos) {
            range = item.substr(0, slash);
            std::string st = item.substr(slash + 1);
            bool digits =
                !st.empty() && st.size() <= 3 &&
                std::all_of(st.begin(), st.end(), [](char c) { return c >= '0' && c <= '9'; });
            step = digits ? std::stoi(st) : 0;
            if (step < 1 || step > f.max)
                return fieldError(index, "stap '" + st + "' in '" + item +
                                             "' is geen getal van 1 tot " + std::to_string(f.max));
        }
        int lo = f.min;
        int hi = f.max;
        if (range == "*") {
            if (index == 4) hi = 6;  // "*" in day of week: Sunday once
        } else {
            size_t dash = range.find('-');
            std::string a = range.substr(0, dash);
            lo = parseValue(f, a);
            if (lo < 0) return fieldError(index, "'" + a + "' is geen geldige waarde");
            if (dash != std::string::npos) {
                std::string b = range.substr(dash + 1);
                hi = parseValue(f, b);
                if (hi < 0) return fieldError(index, "'" + b + "' is geen geldige waarde");
                if (index == 4 && hi == 0 && lo > 0) hi = 7;  // "sat-sun": Sunday as 7
            } else if (slash == std::string::npos) {
                hi = lo;
            }  // "a/n": from a to the maximum
            for (int v : {lo, hi}) {
                if (v < f.min || v > f.max)
                    return fieldError(index, std::to_string(v) + " ligt buiten " +
                                                 std::to_string(f.min) + "-" +
                                                 std::to_string(f.max));
            }
            if (lo > hi) return fieldError(index, "bereik '" + range + "' loopt achteruit");
        }
        for (int v = lo; v <= hi; v += step) bits |= uint64_t{1} << (index == 4 && v == 7 ? 0 : v);
    }
    return bits;
}

int daysInMonth(int y, int m) {
    return static_cast<int>(static_cast<unsigned>(
        year_month_day_last(year(y), month_day_last(month(static_cast<unsigned>(m)))).day()));
}

Timestamp toTs(sys_days d, int minute_of_day) {
    return time_point_cast<milliseconds>(d + minutes(minute_of_day));
}

}  // namespace

Timestamp amsterdamLocalToUtc(int y, int m, int d, int minute_of_day) {
    sys_days day = sys_days(year(y) / month(static_cast<unsigned>(m)) / static_cast<unsigned>(d));
    Timestamp wall = toTs(day, minute_of_day);
    Timestamp summer = wall - minutes(120);
    if (amsterdam::utcOffsetMinutes(summer) == 120) return summer;  // first occurrence wins
    Timestamp winter = wall - minutes(60);
    if (amsterdam::utcOffsetMinutes(winter) == 60) return winter;
    // In the spring gap: the clocks jump at 01:00 UTC of this very day (03:00 CEST).
    return toTs(day, 60);
}

Result<Recurrence> Recurrence::parse(const std::string& spec_in) {
    std::string spec = util::trim(spec_in);
    Recurrence r;
    r.spec_ = spec;
    if (spec.empty())
        return Error{ErrorCode::kInvalidArgument,
                     "schema: leeg (verwacht 5 velden 'minuut uur dag maand weekdag' of "
                     "once:JJJJ-MM-DDTUU:MM)"};
    if (lower(spec.substr(0, 5)) == "once:") {
        std::string v = spec.substr(5);
        const std::string expect =
            "schema: once: verwacht once:JJJJ-MM-DDTUU:MM (Nederlandse tijd)";
        if (v.size() != 16 || (v[10] != 'T' && v[10] != 't') || v[13] != ':')
            return Error{ErrorCode::kInvalidArgument, expect};
        auto date = amsterdam::parseDate(v.substr(0, 10));
        if (!date)
            return Error{ErrorCode::kInvalidArgument,
                         "schema: once: ongeldige datum '" + v.substr(0, 10) + "'"};
        std::string hh = v.substr(11, 2);
        std::string mm = v.substr(14, 2);
        auto digits = [](const std::string& s) {
            return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
        };
        if (!digits(hh) || !digits(mm)) return Error{ErrorCode::kInvalidArgument, expect};
        int h = std::stoi(hh);
        int mi = std::stoi(mm);
        if (h > 23)
            return Error{ErrorCode::kInvalidArgument,
                         "schema: once: uur " + hh + " ligt buiten 00-23"};
        if (mi > 59)
            return Error{ErrorCode::kInvalidArgument,
                         "schema: once: minuut " + mm + " ligt buiten 00-59"};
        r.once_ = amsterdamLocalToUtc(date->year, date->month, date->day, h * 60 + mi);
        return r;
    }

    std::vector<std::string> fields;
    {
        std::string cur;
        for (char c : spec) {
            if (c == ' ' || c == '\t') {
                if (!cur.empty()) fields.push_back(cur);
                cur.clear();
            } else {
                cur += c;
            }
        }
        if (!cur.empty()) fields.push_back(cur);
    }
    if (fields.size() != 5)
        return Error{ErrorCode::kInvalidArgument,
                     "schema: verwacht 5 velden 'minuut uur dag-van-de-maand maand "
                     "dag-van-de-week' (of once:JJJJ-MM-DDTUU:MM), gevonden " +
                         std::to_string(fields.size())};
    uint64_t bits[5];
    for (int i = 0; i < 5; ++i) {
        auto b = parseField(i, fields[static_cast<size_t>(i)], i == 2 ? &r.last_day_ : nullptr);
        if (!b) return b.error();
        bits[i] = *b;
    }
    r.minutes_ = bits[0];
    r.hours_ = static_cast<uint32_t>(bits[1]);
    r.days_ = static_cast<uint32_t>(bits[2]);
    r.months_ = static_cast<uint16_t>(bits[3]);
    r.weekdays_ = static_cast<uint8_t>(bits[4]);
    r.dom_restricted_ = fields[2][0] != '*';
    r.dow_restricted_ = fields[4][0] != '*';

    // A day-of-month that none of the chosen months has (and no weekday to fall back on).
    if (!(r.dom_restricted_ && r.dow_restricted_)) {
        bool possible = false;
        for (int m = 1; m <= 12; ++m) {
            if (!(r.months_ >> m & 1)) continue;
            if (r.last_day_) possible = true;
            int max = m == 2 ? 29 : daysInMonth(2001, m);
            for (int d = 1; d <= max; ++d) possible = possible || (r.days_ >> d & 1);
        }
        if (!possible)
            return fieldError(2, "'" + fields[2] + "' komt in de gekozen maanden nooit voor");
    }
    return r;
}

std::optional<Timestamp> Recurrence::nextAfter(Timestamp t) const {
    if (once_) return *once_ > t ? once_ : std::nullopt;
    int offset = amsterdam::utcOffsetMinutes(t);
    Timestamp local = t + minutes(offset);
    sys_days first_day = floor<days>(local);
    // Candidates earlier on the first day than t's own wall-clock minute cannot come after t
    // (their first occurrence was before t), so start there.
    int first_minute = static_cast<int>(duration_cast<minutes>(local - first_day).count());
    // The rarest possible firing is Feb 29 (with any weekday): up to 8 years apart (2096-2104).
    constexpr int kMaxDays = 366 * 9;
    for (int i = 0; i < kMaxDays; ++i) {
        sys_days day = first_day + days(i);
        year_month_day ymd(day);
        int y = static_cast<int>(ymd.year());
        int m = static_cast<int>(static_cast<unsigned>(ymd.month()));
        int d = static_cast<int>(static_cast<unsigned>(ymd.day()));
        if (!(months_ >> m & 1)) continue;
        bool dom = (days_ >> d & 1) || (last_day_ && d == daysInMonth(y, m));
        bool dow = weekdays_ >> weekday(day).c_encoding() & 1;
        bool match = (dom_restricted_ && dow_restricted_) ? (dom || dow) : (dom && dow);
        if (!match) continue;
        int start = i == 0 ? first_minute : 0;
        for (int h = start / 60; h < 24; ++h) {
            if (!(hours_ >> h & 1)) continue;
            for (int mi = 0; mi < 60; ++mi) {
                if (!(minutes_ >> mi & 1) || h * 60 + mi < start) continue;
                Timestamp at = amsterdamLocalToUtc(y, m, d, h * 60 + mi);
                if (at > t) return at;
            }
        }
    }
    return std::nullopt;
}

const char* catchUpName(CatchUp policy) {
    return policy == CatchUp::kDeliverLate ? "deliver_late" : "skip";
}

DueFirings dueFirings(const Recurrence& recurrence, Timestamp last_fired_or_created, Timestamp now,
                      CatchUp policy, size_t cap, std::chrono::milliseconds grace) {
    if (cap == 0) cap = 1;
    DueFirings out;
    auto skip = [&](Timestamp t) {
        ++out.skipped_count;
        if (out.skipped.size() < kMaxReportedSkips) out.skipped.push_back(t);
    };
    std::deque<Timestamp> recent;  // the latest `cap` due times seen so far
    std::optional<Timestamp> due = recurrence.nextAfter(last_fired_or_created);
    while (due && *due <= now) {
        out.advance_to = *due;
        recent.push_back(*due);
        if (recent.size() > cap || policy == CatchUp::kSkip) {
            // Under kSkip only the very last due time can still fire: keep one.
            size_t keep = policy == CatchUp::kSkip ? 1 : cap;
            while (recent.size() > keep) {
                skip(recent.front());
                recent.pop_front();
            }
        }
        due = recurrence.nextAfter(*due);
    }
    out.next = due;
    if (policy == CatchUp::kDeliverLate) {
        out.fire.assign(recent.begin(), recent.end());
    } else if (!recent.empty()) {
        if (now - recent.back() <= grace) {
            out.fire.push_back(recent.back());
        } else {
            skip(recent.back());
        }
    }
    return out;
}

}  // namespace sluis::schedule

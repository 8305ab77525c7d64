#pragma once
/// Durable schedules: when does a recurring job fire, and what to do with firings that were
/// missed while the daemon was down. Pure functions over time: no clock, no I/O, no state.
///
/// Spec syntax (docs/scheduling.md), always in Europe/Amsterdam civil time:
///   "M H DOM MON DOW"          5-field cron: minute 0-59, hour 0-23, day of month 1-31 or L
///                              (last day), month 1-12 or jan-dec, day of week 0-7 (0 and 7 are
///                              Sunday) or sun-sat. Each field: "*", a value, a range "a-b", a
///                              list "a,b,c", a step "*/n" or "a-b/n" (a list may mix these).
///                              When both day of month and day of week are restricted, a day
///                              matches when EITHER matches (as in classic cron).
///   "once:YYYY-MM-DDTHH:MM"    one firing at that local time.
/// Daylight saving time: a local time that does not exist (the spring gap, 02:00-02:59 on the
/// last Sunday of March) fires at the first valid minute after it (03:00 CEST); a local time
/// that occurs twice (02:00-02:59 on the last Sunday of October) fires once, at its first
/// occurrence (CEST).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/util/clock.h"

namespace sluis::schedule {

/// A parsed schedule. Immutable and cheap to copy; thread-safe.
class Recurrence {
  public:
    /// Parses a spec (see above; surrounding white space is ignored). Errors (kInvalidArgument)
    /// are Dutch and name the field, e.g. "schema: veld 'uur' (2e veld): 24 ligt buiten 0-23".
    /// A spec that can never fire (e.g. "0 9 30 2 *") is an error too.
    static Result<Recurrence> parse(const std::string& spec);

    /// The first firing strictly after `t`, or nothing when there is none (a once-schedule whose
    /// moment has passed). Firings are whole minutes.
    std::optional<Timestamp> nextAfter(Timestamp t) const;

    /// The spec as given (trimmed).
    const std::string& spec() const { return spec_; }
    bool isOnce() const { return once_.has_value(); }

  private:
    Recurrence() = default;
    std::string spec_;
    std::optional<Timestamp> once_;
    // Cron fields as bit sets: bit i set = value i allowed.
    uint64_t minutes_ = 0;
    uint32_t hours_ = 0;
    uint32_t days_ = 0;      ///< Bits 1-31.
    bool last_day_ = false;  ///< "L" in the day-of-month field.
    uint16_t months_ = 0;    ///< Bits 1-12.
    uint8_t weekdays_ = 0;   ///< Bits 0-6, Sunday = 0.
    bool dom_restricted_ = false;
    bool dow_restricted_ = false;
};

/// What to do with due times missed while the daemon was not running.
enum class CatchUp {
    /// Fire every missed due time, oldest first, but at most `cap` of them: when more were
    /// missed, the most recent `cap` fire and the older ones are reported as skipped.
    kDeliverLate,
    /// Fire none of the missed due times, except the most recent one when it is at most
    /// `grace` old (a firing that is merely a little late, e.g. one poll interval); the others
    /// are reported as skipped so the caller can raise an alert.
    kSkip,
};

/// "deliver_late" or "skip".
const char* catchUpName(CatchUp policy);

/// Default grace window for CatchUp::kSkip.
inline constexpr std::chrono::milliseconds kDefaultGrace = std::chrono::minutes(15);

/// The verdict of dueFirings.
struct DueFirings {
    /// Due times to fire now, in ascending order. Fire them in this order and record each one
    /// (e.g. last_fired = that time) in the same transaction as its effect.
    std::vector<Timestamp> fire;
    /// Due times that will not fire, ascending (for an alert). At most kMaxReportedSkips are
    /// listed; `skipped_count` is the full number.
    std::vector<Timestamp> skipped;
    size_t skipped_count = 0;
    /// The latest due time <= now (fired or skipped), or nothing when none was due. Store this
    /// as last_fired once `fire` has been handled, so skipped times are never offered again.
    std::optional<Timestamp> advance_to;
    /// The first due time after `now` (when to look again), or nothing.
    std::optional<Timestamp> next;
};

inline constexpr size_t kMaxReportedSkips = 1000;

/// The due times of `recurrence` in (last_fired_or_created, now], and which of them fire under
/// `policy`. `cap` (>= 1; 0 is taken as 1) bounds how many fire in one call. For a due time to
/// count as "on time" under kDeliverLate nothing special is needed; under kSkip the most recent
/// due time fires only when now - due <= grace. Deterministic and pure: calling it again with
/// last_fired_or_created = advance_to yields nothing more until the next due time.
DueFirings dueFirings(const Recurrence& recurrence, Timestamp last_fired_or_created, Timestamp now,
                      CatchUp policy, size_t cap, std::chrono::milliseconds grace = kDefaultGrace);

/// Local wall-clock time in Europe/Amsterdam -> UTC instant, with the DST rules above: a time in
/// the spring gap gives the instant the gap ends (03:00 CEST), an ambiguous autumn time its
/// first occurrence. `minute_of_day` is 0..1439.
Timestamp amsterdamLocalToUtc(int year, int month, int day, int minute_of_day);

}  // namespace sluis::schedule

#pragma once
/// Injected time. Production uses SystemClock; tests use ManualClock so they never sleep on time.
#include <atomic>
#include <chrono>
#include <string>

namespace sluis {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;
};

class SystemClock final : public Clock {
public:
    Timestamp now() const override {
        return std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now());
    }
};

/// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
public:
    explicit ManualClock(Timestamp start) : ms_(start.time_since_epoch().count()) {}
    Timestamp now() const override { return Timestamp(std::chrono::milliseconds(ms_.load())); }
    void set(Timestamp t) { ms_ = t.time_since_epoch().count(); }
    void advance(std::chrono::milliseconds d) { ms_ += d.count(); }

private:
    std::atomic<long long> ms_;
};

/// Milliseconds since the epoch (the store's time representation).
inline long long toMillis(Timestamp t) { return t.time_since_epoch().count(); }
inline Timestamp fromMillis(long long ms) { return Timestamp(std::chrono::milliseconds(ms)); }

/// ISO 8601 in UTC with milliseconds, e.g. 2026-11-22T10:15:00.123Z.
std::string formatIso(Timestamp t);

}  // namespace sluis

#pragma once
/// In-process counters for `GET /metrics` (Prometheus text format). Thread-safe.
#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "core/transfer/state.h"

namespace sluis::engine {

class Metrics {
public:
    void fileIngested(bool ok) { (ok ? files_ok_ : files_failed_)++; }
    void transfersCreated(long long n) { created_ += n; }
    void deliveryAttempt(const std::string& outcome);
    /// Seconds from creation to delivery.
    void deliveryLatency(double seconds);
    /// One pass of the engine completed (tests wait on this: tests/support `waitForPasses`).
    void passCompleted() { passes_++; }
    long long passes() const { return passes_.load(); }

    /// Renders all metrics; `by_state` comes from the store at scrape time.
    std::string render(const std::map<transfer::State, long long>& by_state) const;

private:
    static constexpr std::array<double, 10> kBuckets = {0.1, 0.5, 1, 5, 10, 30, 60, 300, 3600, 86400};
    std::atomic<long long> files_ok_{0}, files_failed_{0}, created_{0}, passes_{0};
    mutable std::mutex mu_;
    std::map<std::string, long long> deliveries_;
    std::array<long long, kBuckets.size()> bucket_counts_{};
    long long latency_count_ = 0;
    double latency_sum_ = 0;
};

}  // namespace sluis::engine

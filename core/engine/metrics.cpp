#include "core/engine/metrics.h"

#include <sstream>

namespace sluis::engine {

void Metrics::deliveryAttempt(const std::string& outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    deliveries_[outcome]++;
}

void Metrics::deliveryLatency(double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < kBuckets.size(); ++i)
        if (seconds <= kBuckets[i]) bucket_counts_[i]++;
    latency_count_++;
    latency_sum_ += seconds;
}

std::string Metrics::render(const std::map<transfer::State, long long>& by_state) const {
    std::ostringstream out;
    out << "# HELP sluis_transfers Transfers in the store by state.\n# TYPE sluis_transfers gauge\n";
    for (const auto& [state, n] : by_state)
        out << "sluis_transfers{state=\"" << transfer::stateName(state) << "\"} " << n << "\n";
    out << "# HELP sluis_source_items_total Source items handled.\n"
           "# TYPE sluis_source_items_total counter\n"
        << "sluis_source_items_total{result=\"stored\"} " << files_ok_.load() << "\n"
        << "sluis_source_items_total{result=\"failed\"} " << files_failed_.load() << "\n";
    out << "# HELP sluis_transfers_created_total Transfers created.\n"
           "# TYPE sluis_transfers_created_total counter\n"
        << "sluis_transfers_created_total " << created_.load() << "\n";
    out << "# HELP sluis_engine_passes_total Engine passes completed (every stage once).\n"
           "# TYPE sluis_engine_passes_total counter\n"
        << "sluis_engine_passes_total " << passes_.load() << "\n";
    std::lock_guard<std::mutex> lock(mu_);
    out << "# HELP sluis_delivery_attempts_total Delivery attempts by outcome.\n"
           "# TYPE sluis_delivery_attempts_total counter\n";
    for (const char* o : {"delivered", "retry", "rejected"}) {
        auto it = deliveries_.find(o);
        out << "sluis_delivery_attempts_total{outcome=\"" << o << "\"} "
            << (it == deliveries_.end() ? 0 : it->second) << "\n";
    }
    out << "# HELP sluis_delivery_latency_seconds Time from receipt to delivery.\n"
           "# TYPE sluis_delivery_latency_seconds histogram\n";
    for (size_t i = 0; i < kBuckets.size(); ++i)
        out << "sluis_delivery_latency_seconds_bucket{le=\"" << kBuckets[i] << "\"} "
            << bucket_counts_[i] << "\n";
    out << "sluis_delivery_latency_seconds_bucket{le=\"+Inf\"} " << latency_count_ << "\n"
        << "sluis_delivery_latency_seconds_sum " << latency_sum_ << "\n"
        << "sluis_delivery_latency_seconds_count " << latency_count_ << "\n";
    return out.str();
}

}  // namespace sluis::engine

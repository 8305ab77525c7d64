#pragma once
/// The `somtoday-rest` source and sink: a SomToday-style REST API (OAuth2 client credentials,
/// JSON resources, Range paging, changed-since sync). The contract Sluis expects from the API is
/// documented in docs/connectors/somtoday.md; options in connectors/somtoday/README.md.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/connector/registry.h"
#include "core/util/clock.h"

namespace sluis::connectors {

/// Header carrying the transfer's idempotency key on a sink POST.
inline constexpr const char* kSomtodayIdempotencyHeader = "Idempotency-Key";

/// Registers source type `somtoday-rest` and sink type `somtoday-rest`, both on `clock` (the
/// daemon's clock; nullptr: the system clock; it must outlive the registry's connectors).
Status registerSomtoday(connector::ConnectorRegistry& registry, const Clock* clock = nullptr);

/// `clock`: for the source's pass interval, retry waits, Retry-After and token lifetimes
/// (nullptr: the system clock); it must outlive every source the factory creates.
std::unique_ptr<connector::SourceFactory> makeSomtodaySourceFactory(const Clock* clock = nullptr);
/// `clock`: for the sink's Retry-After waits and token lifetimes, as for the source.
std::unique_ptr<connector::SinkFactory> makeSomtodaySinkFactory(const Clock* clock = nullptr);

/// A parsed `Content-Range: items FIRST-LAST/TOTAL` (TOTAL may be `*`: unknown, -1).
struct ContentRange {
    long long first = 0;
    long long last = -1;
    long long total = -1;
};
/// Parses a Content-Range value for unit `items`; nullopt when malformed or another unit.
/// `items */TOTAL` (an empty or unsatisfiable range) yields first=0, last=-1.
std::optional<ContentRange> parseContentRange(std::string_view value);

/// Parses a Retry-After value: delta-seconds, or an HTTP date (relative to `now`, system clock).
/// nullopt when malformed. Negative results are clamped to zero.
std::optional<std::chrono::seconds> parseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now);

/// Parses an ISO 8601 timestamp (`YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)`) to milliseconds
/// since the epoch; nullopt when malformed.
std::optional<long long> parseIsoMillis(std::string_view value);

}  // namespace sluis::connectors

#pragma once
/// A clock whose time is read from a file, so that end-to-end tests can move the real daemon's
/// time (deadlines at midnight, DST changes, delivery dates) without waiting for it.
///
/// Only for tests: `sluis serve --test-clock FILE` refuses unless SLUIS_ENABLE_TEST_CLOCK=1 is set
/// in the environment, and the daemon logs a warning at start. The file holds one ISO 8601 UTC
/// instant (e.g. `2027-03-27T22:59:59Z`) and is read on every call. A file that cannot be
/// read or parsed later keeps the last good time (time never jumps to "now" by accident).
#include <memory>
#include <mutex>
#include <string>

#include "core/error.h"
#include "core/util/clock.h"

namespace sluis {

/// Parses `YYYY-MM-DDTHH:MM:SS[.mmm]Z` (UTC only).
Result<Timestamp> parseIsoUtc(const std::string& text);

class FileClock final : public Clock {
  public:
    /// Reads the file once; an error when it is missing or does not hold a valid instant.
    static Result<std::unique_ptr<FileClock>> open(const std::string& path);
    Timestamp now() const override;

  private:
    FileClock(std::string path, Timestamp start) : path_(std::move(path)), last_(start) {}
    std::string path_;
    mutable std::mutex mu_;
    mutable Timestamp last_;
};

}  // namespace sluis

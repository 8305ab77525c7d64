#pragma once
/// Helpers shared by tests: temporary directories, file I/O, and paths to source data.
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

namespace sluis::test {

/// A fresh directory under the system temp dir, removed (recursively) on destruction.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

  private:
    std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path& p);
void writeFile(const std::filesystem::path& p, const std::string& content);
// Where the source tree and the sluis binary are. Written by CMake into a
// generated file of the support library (tests/support/CMakeLists.txt), so that no test object's
// compile line names an absolute path and a second checkout hits the compiler cache.
std::filesystem::path sourceDir();
std::string sluisExe();

/// Rounds of 25 ms for polling waits (60 s). Only a backstop: a wait ends as soon as its condition
/// holds, but sanitizer builds under parallel ctest on a loaded 2-core machine can need many
/// seconds for what takes milliseconds elsewhere.
inline constexpr int kPollRounds = 2400;

/// Polls `done` every 25 ms until it holds or `limit` (default: kPollRounds rounds) has passed;
/// returns whether it held.
bool waitUntil(const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::milliseconds(25) * kPollRounds);

/// The daemon's completed engine passes (`sluis_engine_passes_total` on GET /metrics of the
/// admin API on 127.0.0.1:`port`); -1 when the daemon does not answer.
long long enginePasses(int port);

/// Waits until the daemon on `port` has completed `n` more engine passes than when called (so
/// that whatever it had to do with what the test just arranged has been done at least once, or
/// refused). Returns whether they completed within the poll limit.
bool waitForPasses(int port, long long n = 2);

/// The first valid BSN (elfproef) at or after 100000000 + 10 * n: distinct per n, for test pupils.
std::string validBsn(int n);

}  // namespace sluis::test

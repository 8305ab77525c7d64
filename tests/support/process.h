#pragma once
/// Runs the real `sluis` binary from tests: one-shot commands with captured output, and a
/// daemon that can be stopped gracefully or killed with SIGKILL at any moment.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sluis::test {

struct RunResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs `exe args...` to completion (stdin closed), capturing stdout and stderr.
RunResult run(const std::string& exe, const std::vector<std::string>& args);

class Daemon {
  public:
    Daemon() = default;
    ~Daemon();
    Daemon(const Daemon&) = delete;
    Daemon& operator=(const Daemon&) = delete;

    /// Starts `exe args...` with stdout+stderr appended to `log_file`.
    void start(const std::string& exe, const std::vector<std::string>& args,
               const std::string& log_file);
    void kill9();
    /// SIGTERM and wait; returns the exit code.
    int terminate();
    bool running() const { return pid_ > 0; }

  private:
    pid_t pid_ = -1;
};

/// Starts `sluis serve` (`exe` with `args`) as `daemon`, logging to `log_file`, and waits until it
/// wrote `data_dir/admin.port`. Returns the admin port, or 0 after recording a test failure that
/// quotes the log.
int startServe(Daemon& daemon, const std::string& exe, const std::vector<std::string>& args,
               const std::filesystem::path& data_dir, const std::filesystem::path& log_file);

/// `sluis token create` for `name`/`role` against a config and data dir; returns the token
/// (empty after recording a test failure).
std::string createToken(const std::string& exe, const std::filesystem::path& config_dir,
                        const std::filesystem::path& data_dir, const std::string& name,
                        const std::string& role);

/// Writes `content` into `dir/name` atomically (hidden temp file, then rename), as an export
/// that appears at once in an inbox; creates `dir`.
void dropFile(const std::filesystem::path& dir, const std::string& name,
              const std::string& content);

/// Sets a test clock file (`sluis serve --test-clock`) to `iso` atomically.
void setClockFile(const std::filesystem::path& clock_file, const std::string& iso);

/// Runs the `sluis` API client (`exe args...`) against 127.0.0.1:`port` with `token` written to
/// `token_file` (no token when empty); SLUIS_TOKEN is cleared so only the file counts.
RunResult runClient(const std::string& exe, int port, const std::string& token,
                    const std::filesystem::path& token_file, std::vector<std::string> args);

}  // namespace sluis::test

#include "tests/support/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/support/test_util.h"

namespace sluis::test {

namespace {
std::vector<char*> argv(const std::string& exe, const std::vector<std::string>& args) {
    std::vector<char*> v;
    v.push_back(const_cast<char*>(exe.c_str()));
    for (auto& a : args) v.push_back(const_cast<char*>(a.c_str()));
    v.push_back(nullptr);
    return v;
}
}  // namespace

RunResult run(const std::string& exe, const std::vector<std::string>& args) {
    TempDir tmp;
    std::string out = (tmp / "out").string(), err = (tmp / "err").string();
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        auto v = argv(exe, args);
        execv(exe.c_str(), v.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    RunResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = readFile(out);
    r.err = readFile(err);
    return r;
}

Daemon::~Daemon() {
    if (pid_ > 0) kill9();
}

void Daemon::start(const std::string& exe, const std::vector<std::string>& args,
                   const std::string& log_file) {
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int l = open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(in, 0);
        dup2(l, 1);
        dup2(l, 2);
        auto v = argv(exe, args);
        execv(exe.c_str(), v.data());
        _exit(127);
    }
    pid_ = pid;
}

void Daemon::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
}

int Daemon::terminate() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int startServe(Daemon& daemon, const std::string& exe, const std::vector<std::string>& args,
               const std::filesystem::path& data_dir, const std::filesystem::path& log_file) {
    namespace fs = std::filesystem;
    fs::remove(data_dir / "admin.port");
    daemon.start(exe, args, log_file.string());
    waitUntil([&] { return fs::exists(data_dir / "admin.port"); });
    if (!fs::exists(data_dir / "admin.port")) {
        ADD_FAILURE() << "sluis serve wrote no admin.port; log:\n" << readFile(log_file);
        return 0;
    }
    return std::stoi(readFile(data_dir / "admin.port"));
}

std::string createToken(const std::string& exe, const std::filesystem::path& config_dir,
                        const std::filesystem::path& data_dir, const std::string& name,
                        const std::string& role) {
    auto r = run(exe, {"token", "create", "--name", name, "--role", role, "--config",
                       config_dir.string(), "--data-dir", data_dir.string()});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? r.out.substr(0, r.out.find('\n')) : std::string();
}

void dropFile(const std::filesystem::path& dir, const std::string& name,
              const std::string& content) {
    std::filesystem::create_directories(dir);
    writeFile(dir / ("." + name), content);
    std::filesystem::rename(dir / ("." + name), dir / name);
}

void setClockFile(const std::filesystem::path& clock_file, const std::string& iso) {
    auto tmp = clock_file;
    tmp += ".tmp";
    writeFile(tmp, iso + "\n");
    std::filesystem::rename(tmp, clock_file);
}

RunResult runClient(const std::string& exe, int port, const std::string& token,
                    const std::filesystem::path& token_file, std::vector<std::string> args) {
    args.insert(args.end(), {"--url", "http://127.0.0.1:" + std::to_string(port)});
    if (!token.empty()) {
        writeFile(token_file, token + "\n");
        args.insert(args.end(), {"--token-file", token_file.string()});
    }
    unsetenv("SLUIS_TOKEN");
    return run(exe, args);
}

}  // namespace sluis::test

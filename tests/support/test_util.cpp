#include "tests/support/test_util.h"

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "core/model/bsn.h"
#include "tests/support/http_client.h"

namespace sluis::test {

bool waitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > end) return false;
        // The polling round of a wait on a condition, not a wait for the daemon itself.
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return true;
}

long long enginePasses(int port) {
    auto reply = httpCall(port, "GET", "/metrics");
    if (reply.status != 200) return -1;
    static const std::string kName = "\nsluis_engine_passes_total ";
    auto at = reply.raw.find(kName);
    if (at == std::string::npos) return -1;
    return std::stoll(reply.raw.substr(at + kName.size()));
}

bool waitForPasses(int port, long long n) {
    long long start = -1;
    if (!waitUntil([&] { return (start = enginePasses(port)) >= 0; })) return false;
    // A pass under way when we looked may have started before the test's change: n >= 2 makes
    // sure at least one whole pass ran after it.
    return waitUntil([&] { return enginePasses(port) >= start + n; });
}

std::string validBsn(int n) {
    for (int k = n * 10;; ++k) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%09d", 100000000 + k);
        if (model::isValidBsn(buf)) return buf;
    }
}

TempDir::TempDir() {
    std::random_device rd;
    for (int i = 0; i < 100; ++i) {
        auto p = std::filesystem::temp_directory_path() / ("sluis-test-" + std::to_string(rd()));
        if (std::filesystem::create_directory(p)) {
            path_ = p;
            return;
        }
    }
    throw std::runtime_error("cannot create temp dir");
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string readFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeFile(const std::filesystem::path& p, const std::string& content) {
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + p.string());
}


}  // namespace sluis::test

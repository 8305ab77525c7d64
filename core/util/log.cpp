#include "core/util/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "core/util/clock.h"

namespace sluis::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::mutex g_mutex;
const char* name(Level l) {
    switch (l) {
        case Level::kDebug: return "debug";
        case Level::kInfo: return "info";
        case Level::kWarn: return "warn";
        case Level::kError: return "error";
    }
    return "info";
}
}  // namespace

void setLevel(Level level) { g_level = static_cast<int>(level); }

bool parseLevel(const std::string& s, Level& out) {
    for (Level l : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
        if (s == name(l)) {
            out = l;
            return true;
        }
    }
    return false;
}

void write(Level level, const std::string& event, const nlohmann::json& fields) {
    if (static_cast<int>(level) < g_level.load()) return;
    nlohmann::json line = {{"ts", formatIso(SystemClock().now())}, {"level", name(level)},
                           {"event", event}};
    if (fields.is_object()) {
        for (auto& [k, v] : fields.items()) line[k] = v;
    }
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::lock_guard<std::mutex> lock(g_mutex);
    std::fwrite(text.data(), 1, text.size(), stderr);
    std::fflush(stderr);
}

}  // namespace sluis::log

#pragma once
/// Structured logging: one JSON object per line on stderr.
///
/// Log ids, connector instances, states and field paths, never personal values. There is no API
/// that takes a record; fields are explicit key/value pairs chosen by the caller. Thread-safe.
#include <nlohmann/json.hpp>
#include <string>

namespace sluis::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void setLevel(Level level);
bool parseLevel(const std::string& s, Level& out);

/// Writes {"ts":..., "level":..., "event":..., ...fields}.
void write(Level level, const std::string& event, const nlohmann::json& fields = {});

inline void debug(const std::string& e, const nlohmann::json& f = {}) { write(Level::kDebug, e, f); }
inline void info(const std::string& e, const nlohmann::json& f = {}) { write(Level::kInfo, e, f); }
inline void warn(const std::string& e, const nlohmann::json& f = {}) { write(Level::kWarn, e, f); }
inline void error(const std::string& e, const nlohmann::json& f = {}) { write(Level::kError, e, f); }

}  // namespace sluis::log

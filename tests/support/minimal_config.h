#pragma once
/// The smallest configuration a daemon test needs: one directory inbox, one directory outbox, one
/// purpose `demo` without gates and one route `demo` (canonical-jsonl in, canonical-json out),
/// on the embedded SQLite store.
#include <filesystem>
#include <nlohmann/json.hpp>

namespace sluis::test {

/// Writes daemon.json (`daemon` as it is), store.json, connectors.json (the inbox with
/// `inbox_options`, which must name its `path`), policies.json and routes.json into `config_dir`.
void writeMinimalConfig(const std::filesystem::path& config_dir, const nlohmann::json& daemon,
                        const nlohmann::json& inbox_options = {{"path", "inbox"}});

}  // namespace sluis::test

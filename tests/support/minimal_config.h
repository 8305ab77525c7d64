#pragma once
/// The smallest configuration a daemon test needs: one directory inbox, one directory outbox, one
/// purpose `demo` without gates and one route `demo` (canonical-jsonl in, canonical-json out),
/// on the embedded SQLite store unless another store.json is given.
#include <filesystem>
#include <nlohmann/json.hpp>

namespace sluis::test {

/// Writes daemon.json (`daemon` as it is), store.json, connectors.json (the inbox with
/// `inbox_options`, which must name its `path`), policies.json and routes.json into `config_dir`.
/// `store`: store.json as it is; null: the SQLite default.
void writeMinimalConfig(const std::filesystem::path& config_dir, const nlohmann::json& daemon,
                        const nlohmann::json& inbox_options = {{"path", "inbox"}},
                        const nlohmann::json& store = nullptr);

}  // namespace sluis::test

#include "tests/support/minimal_config.h"

#include "tests/support/test_util.h"

namespace sluis::test {

using nlohmann::json;

void writeMinimalConfig(const std::filesystem::path& config_dir, const json& daemon,
                        const json& inbox_options, const json& store) {
    writeFile(config_dir / "daemon.json", daemon.dump());
    writeFile(config_dir / "store.json", (store.is_null() ? json{{"backend", "sqlite"}} : store).dump());
    writeFile(config_dir / "connectors.json",
              json{{"sources", {{{"name", "inbox"}, {"type", "directory"}, {"options", inbox_options}}}},
                   {"sinks", {{{"name", "outbox"}, {"type", "directory"},
                               {"options", {{"path", "outbox"}}}}}}}
                  .dump());
    writeFile(config_dir / "policies.json",
              json{{"purposes", {{"demo", {{"legal_basis", "test"}}}}}}.dump());
    writeFile(config_dir / "routes.json",
              json{{"routes", {{{"name", "demo"}, {"source", "inbox"}, {"decoder", "canonical-jsonl"},
                                {"purpose", "demo"}, {"encoder", "canonical-json"}, {"sink", "outbox"}}}}}
                  .dump());
}

}  // namespace sluis::test

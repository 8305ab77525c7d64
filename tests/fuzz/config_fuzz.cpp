// Fuzz target: the configuration validator. The input is split into the four config files at
// form feeds (\f); each part is parsed as JSON and validated.
#include <cstdint>
#include <string_view>

#include "app/cli.h"
#include "core/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static sluis::connector::ConnectorRegistry connectors;
    static sluis::mapper::MapperRegistry mappers;
    static bool init = [] { return sluis::app::registerAll(connectors, mappers).isOk(); }();
    if (!init) __builtin_trap();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    const char* names[] = {"daemon.json", "store.json", "connectors.json", "routes.json"};
    std::map<std::string, nlohmann::json> docs;
    size_t pos = 0;
    for (const char* name : names) {
        size_t end = input.find('\f', pos);
        std::string_view part = input.substr(pos, end == std::string_view::npos ? input.size() - pos : end - pos);
        auto j = nlohmann::json::parse(part, nullptr, false);
        if (!j.is_discarded()) docs[name] = j;
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    auto cfg = sluis::config::buildConfig(docs, "fuzz", {"/tmp/sluis-fuzz"}, connectors, mappers);
    (void)cfg;
    return 0;
}

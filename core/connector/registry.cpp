#include "core/connector/registry.h"

namespace sluis::connector {

namespace {
template <typename Map>
std::vector<std::string> keys(const Map& m) {
    std::vector<std::string> out;
    for (const auto& [k, v] : m) out.push_back(k);
    return out;
}
}  // namespace

Status ConnectorRegistry::addSource(std::unique_ptr<SourceFactory> factory) {
    auto name = factory->name();
    if (!sources_.emplace(name, std::move(factory)).second)
        return {ErrorCode::kAlreadyExists, "bronconnector '" + name + "' is twee keer geregistreerd"};
    return {};
}

Status ConnectorRegistry::addSink(std::unique_ptr<SinkFactory> factory) {
    auto name = factory->name();
    if (!sinks_.emplace(name, std::move(factory)).second)
        return {ErrorCode::kAlreadyExists, "doelconnector '" + name + "' is twee keer geregistreerd"};
    return {};
}

const SourceFactory* ConnectorRegistry::source(const std::string& name) const {
    auto it = sources_.find(name);
    return it == sources_.end() ? nullptr : it->second.get();
}

const SinkFactory* ConnectorRegistry::sink(const std::string& name) const {
    auto it = sinks_.find(name);
    return it == sinks_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ConnectorRegistry::sourceNames() const { return keys(sources_); }
std::vector<std::string> ConnectorRegistry::sinkNames() const { return keys(sinks_); }

}  // namespace sluis::connector

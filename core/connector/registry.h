#pragma once
/// The explicit connector registry, owned by the application (no static initialisers).
/// Filled by `registerXxx(registry)` calls in app/registrations.cpp; tests build their own.
#include <map>
#include <memory>
#include <string>

#include "core/connector/connector.h"

namespace sluis::connector {

class ConnectorRegistry {
public:
    /// A duplicate name is an error (startup fails).
    Status addSource(std::unique_ptr<SourceFactory> factory);
    Status addSink(std::unique_ptr<SinkFactory> factory);
    const SourceFactory* source(const std::string& name) const;
    const SinkFactory* sink(const std::string& name) const;
    std::vector<std::string> sourceNames() const;
    std::vector<std::string> sinkNames() const;

private:
    std::map<std::string, std::unique_ptr<SourceFactory>> sources_;
    std::map<std::string, std::unique_ptr<SinkFactory>> sinks_;
};

}  // namespace sluis::connector

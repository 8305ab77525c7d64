#pragma once
/// The directory connector: a source that watches an inbox folder and a sink that writes files
/// atomically into an outbox folder. See connectors/directory/README.md.
#include "core/connector/registry.h"

namespace sluis::connectors {

/// Registers source type `directory` and sink type `directory`.
Status registerDirectory(connector::ConnectorRegistry& registry);

std::unique_ptr<connector::SourceFactory> makeDirectorySourceFactory();
std::unique_ptr<connector::SinkFactory> makeDirectorySinkFactory();

}  // namespace sluis::connectors

#pragma once
/// The directory connector: a source that watches an inbox folder and a sink that writes files
/// atomically into an outbox folder. See connectors/directory/README.md.
#include "core/connector/registry.h"
#include "core/util/clock.h"

namespace sluis::connectors {

/// Registers source type `directory` and sink type `directory`. `clock`: see
/// makeDirectorySourceFactory.
Status registerDirectory(connector::ConnectorRegistry& registry, const Clock* clock = nullptr);

/// `clock` (nullptr: the system clock; it must outlive every source the factory creates): when a
/// file is parked in processed/ or failed/ (its mtime is set to that instant, and the retention
/// purge compares it with the daemon's time) and the `Tijdstip` of a .reden.txt. Whether a new
/// file has settled is judged on the file system's own time (mtime against the real time), not on
/// this clock.
std::unique_ptr<connector::SourceFactory> makeDirectorySourceFactory(const Clock* clock = nullptr);
std::unique_ptr<connector::SinkFactory> makeDirectorySinkFactory();

}  // namespace sluis::connectors

#pragma once
/// The `sluis` command line: one table of subcommands. Each subcommand gets its arguments (without
/// the program and subcommand names) and returns the process exit code. Messages are Dutch.
#include <functional>
#include <string>
#include <vector>

#include "core/connector/registry.h"
#include "core/mapper/mapper.h"

namespace sluis::app {

using Args = std::vector<std::string>;

struct Command {
    std::string name;
    std::string summary;  ///< One Dutch line for `sluis help`.
    std::function<int(const Args&)> run;
};

/// Every subcommand, in the order `sluis help` lists them.
const std::vector<Command>& commands();

/// The configuration directory of a command: `--config` when given; otherwise `/etc/sluis`, then
/// `./config`, whichever holds a `daemon.json`. kNotFound (naming both) when neither does: no
/// command silently runs on the demo configuration.
Result<std::string> configDir(const std::string& given);

/// Fills the registries with every connector and mapper compiled into this binary.
/// A duplicate name is returned as an error.
Status registerAll(connector::ConnectorRegistry& connectors, mapper::MapperRegistry& mappers);

}  // namespace sluis::app

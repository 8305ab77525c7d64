#pragma once
/// The `sluis` command line: one table of subcommands. Each subcommand gets its arguments (without
/// the program and subcommand names) and returns the process exit code. Messages are Dutch.
#include <functional>
#include <string>
#include <vector>

#include "core/connector/registry.h"
#include "core/mapper/mapper.h"
#include "core/util/cli_spec.h"
#include "core/util/clock.h"

namespace sluis::app {

using Args = std::vector<std::string>;

struct Command {
    cli::Spec spec;  ///< Its name (`spec.path`), summary, options or sub-commands: parses and documents.
    std::function<int(const Args&)> run;
    const std::string& name() const { return spec.path; }
};

/// Every subcommand, in the order `sluis help` lists them.
const std::vector<Command>& commands();

// The option tables of the commands, each defined next to its command.
const cli::Spec& serveSpec();
const cli::Spec& checkConfigSpec();
const cli::Spec& tokenSpec();
const cli::Spec& accountSpec();
const cli::Spec& auditSpec();
const cli::Spec& keySpec();
const cli::Spec& disclosuresSpec();
const cli::Spec& purgeSpec();
const cli::Spec& consentSpec();
const cli::Spec& inzageSpec();
const cli::Spec& approvalsSpec();
const cli::Spec& transferSpec();
const cli::Spec& batchSpec();
const cli::Spec& procedureSpec();
/// `sluis vensters status` (a client command; the other `vensters` sub-commands live in mapping/).
const cli::Spec& deliveryStatusSpec();

/// The configuration directory of a command: `--config` when given; otherwise `/etc/sluis`, then
/// `./config`, whichever holds a `daemon.json`. kNotFound (naming both) when neither does: no
/// command silently runs on the demo configuration.
Result<std::string> configDir(const std::string& given);

/// Fills the registries with every connector and mapper compiled into this binary.
/// A duplicate name is returned as an error. Connectors that use time read it from `clock`
/// (the daemon's clock: a FileClock under `serve --test-clock`), which must outlive the
/// connectors the registry creates.
Status registerAll(connector::ConnectorRegistry& connectors, mapper::MapperRegistry& mappers,
                   const Clock& clock);
/// The same on the system clock (commands that only check or list, and tests).
Status registerAll(connector::ConnectorRegistry& connectors, mapper::MapperRegistry& mappers);

}  // namespace sluis::app

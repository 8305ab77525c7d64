#pragma once
/// The `sluis mapping ...` and `sluis demo ...` subcommands (see docs/mapping.md). They live here,
/// next to the mapping engine; app/commands.cpp only lists them.
#include <string>
#include <vector>

#include "core/util/cli_spec.h"

namespace sluis::mapping {

/// The `mapping` and `demo` commands and their sub-commands: what parses their options and prints
/// their --help.
const cli::Spec& mappingCliSpec();
const cli::Spec& demoCliSpec();

/// `sluis mapping check|try|import|reverse|bundle ...`; returns the process exit code.
int runMappingCommand(const std::vector<std::string>& args);
/// `sluis demo generate-magister DIR [--pupils N] [--seed N] [--bundle]`.
int runDemoCommand(const std::vector<std::string>& args);

}  // namespace sluis::mapping

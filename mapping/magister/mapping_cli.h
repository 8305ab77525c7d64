#pragma once
/// The `sluis mapping ...` and `sluis demo ...` subcommands (see docs/mapping.md). They live here,
/// next to the mapping engine; app/commands.cpp only lists them.
#include <string>
#include <vector>

namespace sluis::mapping {

/// `sluis mapping check|try|import|reverse|bundle ...`; returns the process exit code.
int runMappingCommand(const std::vector<std::string>& args);
/// `sluis demo generate-magister DIR [--pupils N] [--seed N] [--bundle]`.
int runDemoCommand(const std::vector<std::string>& args);

}  // namespace sluis::mapping

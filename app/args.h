#pragma once
/// The options several `sluis` commands share. Every command parses with its own `cli::Spec`
/// (core/util/cli_spec.h), the same table that prints its `--help`, so all of them answer an
/// unknown or incomplete option with the same Dutch message.
#include <string>
#include <vector>

#include "app/cli.h"
#include "core/util/cli_spec.h"

namespace sluis::app {

using ParsedArgs = cli::Parsed;

/// `--config` and `--data-dir`: the commands that work on the local configuration and store.
const std::vector<cli::Option>& dirOptions();

/// `options` plus `--config` and `--data-dir`.
std::vector<cli::Option> withDirs(std::vector<cli::Option> options);

/// Parses `args` by `spec` (`cli::parse`): an unknown option is an error naming it and `--help`.
Result<ParsedArgs> parseArgs(const cli::Spec& spec, const Args& args);

}  // namespace sluis::app

#pragma once
/// `sluis oso ...`: validate, read and write OSO dossiers from the command line.
///
///   sluis oso validate [--format text|meldingen] [--schema PATH] [--version V] FILE...
///       exit 0: every file valid; 1: any melding; 2: unreadable input or schema missing.
///   sluis oso read [--version V] FILE            canonical JSON on stdout, warnings on stderr.
///   sluis oso write --profile P [--opt-out CAT,...] [--schema PATH] [--version V]
///                   [--pakketnaam N] [--datum D] CANONICAL.json
///       the dossier on stdout; exit 1 with meldingen on stderr when it would not be valid.
#include <string>
#include <vector>

#include "core/util/cli_spec.h"

namespace sluis::oso {

/// The `oso` command and its sub-commands: what parses their options and prints their --help.
const cli::Spec& osoCliSpec();

/// Runs the `oso` subcommand with its arguments (without "sluis oso"). Returns the exit code.
int runOsoCli(const std::vector<std::string>& args);

}  // namespace sluis::oso

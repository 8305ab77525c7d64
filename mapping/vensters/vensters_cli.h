#pragma once
/// `sluis vensters ...`: the Vensters monitoring report from the command line.
///
///   sluis vensters report --survey F --enrolment F --level school|onderwijssoort
///                         [--min-cell N] [--format html|json] [--schools F] [--indicators F]
///                         [--school BRINVEST] [--schooljaar J] [--output F]
///       the report (all schools, or one with --school 12AB00) on stdout or in F (written
///       atomically); its SHA-256 and the number of suppressed cells on stderr.
///       exit 0 ok; 1 the files break the rules; 2 usage or malformed files (columns, CSV);
///       3 a file cannot be read. Nothing is written on any error.
///   sluis vensters check --survey F --enrolment F [--schools F] [--indicators F]
///       parses strictly and reports what it found (counts of respondents and schools only).
///   sluis vensters indicators [--indicators F]
///       prints the indicator set (questions, scales, indicators) as JSON.
#include <string>
#include <vector>

#include "core/util/cli_spec.h"

namespace sluis::vensters {

/// The `vensters` command and its sub-commands here (app/ adds `status`): what parses their
/// options and prints their --help.
const cli::Spec& venstersCliSpec();

/// Runs the `vensters` subcommand with its arguments (without "sluis vensters").
int runVenstersCli(const std::vector<std::string>& args);

}  // namespace sluis::vensters

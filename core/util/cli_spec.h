#pragma once
/// The one description of a `sluis` command line: each command (and each of its sub-commands) is a
/// `cli::Spec` that both parses its arguments and prints its usage, so `--help` can never drift
/// from what the parser accepts. Used by app/ and by the command lines that live next to their
/// mappers (mapping/oso, mapping/magister, mapping/vensters). Texts are Dutch.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace sluis::cli {

struct Option {
    std::string name;   ///< Without dashes: "config".
    std::string value;  ///< Placeholder for the value ("MAP"); empty: a flag without a value.
    std::string help;   ///< One Dutch line.
    bool repeats = false;  ///< May be given more than once (all values in `Parsed::lists`).
};

struct Spec {
    std::string path;      ///< "serve", "oso validate".
    std::string summary;   ///< One Dutch line: what the command does.
    std::string operands;  ///< What follows the options ("BESTAND..."); empty: no operands allowed.
    std::vector<Option> options;
    std::string notes;     ///< Optional further Dutch lines (exit codes, defaults).
    std::vector<Spec> subs;  ///< Sub-commands ("token create", ...); a command with subs runs none itself.
};

struct Parsed {
    std::map<std::string, std::string> values;               ///< `--key value` (last one wins).
    std::map<std::string, std::vector<std::string>> lists;   ///< Every value of a repeating option.
    std::set<std::string> flags;                             ///< `--flag`.
    std::vector<std::string> positional;

    bool has(const std::string& key) const { return values.count(key) > 0; }
    std::string get(const std::string& key, const std::string& fallback = "") const {
        auto it = values.find(key);
        return it == values.end() ? fallback : it->second;
    }
    bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

/// Parses `args` (after the command path) by `spec`: `--key value`, `--key=value`, `--flag`, and
/// operands when `spec.operands` is set. An unknown option is kInvalidArgument naming the option
/// and pointing at `sluis <path> --help`.
Result<Parsed> parse(const Spec& spec, const std::vector<std::string>& args);

/// The usage text of `spec` (for stdout on --help): synopsis, summary, every option with its line,
/// or for a command with sub-commands every sub-command with its summary.
std::string usage(const Spec& spec);

/// The sub-command of `spec` named `name`, or nullptr.
const Spec* findSub(const Spec& spec, const std::string& name);

/// True when `args` holds `--help` or `-h` (before a lone `--`).
bool wantsHelp(const std::vector<std::string>& args);

/// The error for an unknown or missing sub-command of `spec`, pointing at its --help.
Error unknownSub(const Spec& spec, const std::string& name);

/// `options` followed by `more` (for options shared by several commands).
std::vector<Option> join(std::vector<Option> options, const std::vector<Option>& more);

}  // namespace sluis::cli

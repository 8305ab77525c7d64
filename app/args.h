#pragma once
/// One parser for the `--key value` / `--flag` / positional arguments of every subcommand, so
/// that all of them answer an unknown or incomplete option with the same Dutch message.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/cli.h"
#include "core/error.h"

namespace sluis::app {

struct ParsedArgs {
    std::map<std::string, std::string> values;  ///< `--key value`, by key without dashes.
    std::set<std::string> flags;                ///< `--flag`, without dashes.
    std::vector<std::string> positional;

    bool has(const std::string& key) const { return values.count(key) > 0; }
    std::string get(const std::string& key, const std::string& fallback = "") const {
        auto it = values.find(key);
        return it == values.end() ? fallback : it->second;
    }
    bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

/// `keys` take a value, `flags` do not; anything else starting with `--` is an error.
/// With `allow_positional` false, a positional argument is an error too.
Result<ParsedArgs> parseArgs(const Args& args, const std::vector<std::string>& keys,
                             const std::vector<std::string>& flags = {},
                             bool allow_positional = true);

}  // namespace sluis::app

#include "app/args.h"

namespace sluis::app {

const std::vector<cli::Option>& dirOptions() {
    static const std::vector<cli::Option> options = {
        {"config", "MAP", "de configuratiemap (anders /etc/sluis, dan ./config)"},
        {"data-dir", "MAP", "de datamap (anders die uit daemon.json)"},
    };
    return options;
}

std::vector<cli::Option> withDirs(std::vector<cli::Option> options) { return cli::join(std::move(options), dirOptions()); }

Result<ParsedArgs> parseArgs(const cli::Spec& spec, const Args& args) { return cli::parse(spec, args); }

}  // namespace sluis::app

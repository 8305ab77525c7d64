#include <sys/stat.h>

#include <algorithm>
#include <iostream>

#include "app/cli.h"

int main(int argc, char** argv) {
    using sluis::app::commands;
    // Everything Sluis creates (store, key, inbox/outbox files, exports) holds pupil data: owner
    // only, whatever umask the caller has. The daemon also repairs existing files at start.
    ::umask(077);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        // `sluis help COMMAND [SUB]` is `sluis COMMAND [SUB] --help`.
        if (args.size() > 1 && args[0] == "help") {
            args.erase(args.begin());
            args.push_back("--help");
        } else {
            std::ostream& out = args.empty() ? std::cerr : std::cout;
            out << "gebruik: sluis <opdracht> [opties]\n\nopdrachten:\n";
            size_t width = 0;
            for (const auto& c : commands()) width = std::max(width, c.name().size());
            for (const auto& c : commands())
                out << "  " << c.name() << std::string(width - c.name().size() + 2, ' ') << c.spec.summary << "\n";
            out << "\nuitleg en opties van een opdracht: sluis <opdracht> --help\n";
            return args.empty() ? 2 : 0;
        }
    }
    for (const auto& c : commands()) {
        if (c.name() == args[0]) {
            // `sluis <command> [<sub-command>] --help` (or -h, anywhere before a lone --): the
            // usage from the same table the command parses with, on stdout, exit 0.
            const std::vector<std::string> rest(args.begin() + 1, args.end());
            if (sluis::cli::wantsHelp(rest)) {
                const sluis::cli::Spec* spec = &c.spec;
                if (!rest.empty())
                    if (const auto* sub = sluis::cli::findSub(c.spec, rest[0])) spec = sub;
                std::cout << sluis::cli::usage(*spec);
                return 0;
            }
            try {
                return c.run(std::vector<std::string>(args.begin() + 1, args.end()));
            } catch (const std::exception& e) {
                // Last line of defence: report, never echo data.
                std::cerr << "sluis: interne fout: " << e.what() << "\n";
                return 3;
            }
        }
    }
    std::cerr << "sluis: onbekende opdracht '" << args[0] << "'; zie 'sluis --help'\n";
    return 2;
}

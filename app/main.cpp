#include <sys/stat.h>

#include <iostream>

#include "app/cli.h"

int main(int argc, char** argv) {
    using sluis::app::commands;
    // Everything Sluis creates (store, key, inbox/outbox files, exports) holds pupil data: owner
    // only, whatever umask the caller has. The daemon also repairs existing files at start.
    ::umask(077);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
        std::cout << "gebruik: sluis <opdracht> [argumenten]\n\nopdrachten:\n";
        for (const auto& c : commands()) std::cout << "  " << c.name << "\t" << c.summary << "\n";
        return args.empty() ? 2 : 0;
    }
    for (const auto& c : commands()) {
        if (c.name == args[0]) {
            // `sluis <command> --help` (or -h, anywhere after the command): its usage, exit 0.
            for (size_t i = 1; i < args.size(); ++i)
                if (args[i] == "--help" || args[i] == "-h") {
                    std::cout << "sluis " << c.name << ": " << c.summary << "\n";
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
    std::cerr << "sluis: onbekende opdracht '" << args[0] << "'; zie 'sluis help'\n";
    return 2;
}

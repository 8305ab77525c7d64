#include <iostream>

#include "app/cli.h"
#include "core/model/model.h"

namespace sluis::app {

namespace {

int cmdVersion(const Args&) {
    std::cout << "sluis " << SLUIS_VERSION << "\n";
    return 0;
}

int cmdModel(const Args& args) {
    if (args.size() == 1 && args[0] == "schema") {
        std::cout << model::ModelDefinition::builtin()->jsonSchema().dump(2) << "\n";
        return 0;
    }
    if (args.size() == 1 && args[0] == "fields") {
        for (const auto& c : model::ModelDefinition::builtin()->classification())
            std::cout << c.path << "\t" << c.category << "\t" << model::sensitivityName(c.sensitivity)
                      << "\n";
        return 0;
    }
    std::cerr << "gebruik: sluis model schema | sluis model fields\n";
    return 2;
}

}  // namespace

const std::vector<Command>& commands() {
    static const std::vector<Command> cmds = {
        {"version", "toont de versie", cmdVersion},
        {"model", "toont het canonieke model: 'schema' (JSON Schema) of 'fields' (classificatie)",
         cmdModel},
    };
    return cmds;
}

}  // namespace sluis::app

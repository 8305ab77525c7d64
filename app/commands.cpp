#include <filesystem>
#include <iostream>

#include "app/cli.h"
#include "core/model/model.h"
#include "mapping/magister/mapping_cli.h"
#include "mapping/oso/oso_cli.h"
#include "mapping/vensters/vensters_cli.h"

namespace sluis::app {

int cmdServe(const Args& args);
int cmdCheckConfig(const Args& args);
int cmdToken(const Args& args);
int cmdAccount(const Args& args);
int cmdAudit(const Args& args);
int cmdKey(const Args& args);
int cmdDisclosures(const Args& args);
int cmdPurge(const Args& args);
int cmdConsent(const Args& args);
int cmdInzage(const Args& args);
int cmdApprovals(const Args& args);
int cmdTransfer(const Args& args);
int cmdBatch(const Args& args);
int cmdProcedure(const Args& args);
int cmdDeliveryStatus(const Args& args, const std::string& default_purpose);

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

Result<std::string> configDir(const std::string& given) {
    if (!given.empty()) return given;
    std::error_code ec;
    for (const char* dir : {"/etc/sluis", "config"})
        if (std::filesystem::is_regular_file(std::filesystem::path(dir) / "daemon.json", ec)) return std::string(dir);
    return Error{ErrorCode::kNotFound,
                 "geen configuratie gevonden: geef --config MAP, of zet daemon.json (met store.json, "
                 "connectors.json, routes.json, policies.json) in /etc/sluis of in ./config. "
                 "De demo-configuratie start u met scripts/demo.sh of --config config/demo"};
}

const std::vector<Command>& commands() {
    static const std::vector<Command> cmds = {
        {"serve", "start de daemon: sluis serve [--config DIR] [--data-dir DIR] [--admin-port N] (zonder --config: /etc/sluis of ./config)", cmdServe},
        {"check-config", "controleert een configuratiemap: sluis check-config DIR", cmdCheckConfig},
        {"token", "API-tokens: sluis token create --name NAAM --role ROL [--expires 90d], list, revoke ID", cmdToken},
        {"account", "accounts van de webinterface: sluis account add --name NAAM --role ROL [--password-stdin], list, remove NAAM, reset-totp NAAM", cmdAccount},
        {"audit", "auditlog: sluis audit verify | checkpoint | public-key", cmdAudit},
        {"key", "hoofdsleutel: sluis key rotate [--batch N] [--max-batches N] [--prepare] | status", cmdKey},
        {"disclosures", "verstrekkingenoverzicht voor ouders/leerling: sluis disclosures --pupil ID [--format text|html|json]", cmdDisclosures},
        {"purge", "verwijdert na de bewaartermijn gegevens van overdrachten (elke toestand) en bewaarde invoerbestanden: sluis purge [--dry-run]", cmdPurge},
        {"consent", "toestemmingsregister via de beheer-API: 'add', 'list', 'withdraw' of 'evidence'", cmdConsent},
        {"inzage", "legt inzage door ouders vast via de beheer-API: 'add'", cmdInzage},
        {"approvals", "toont de goedkeuringswachtrij (beheer-API)", cmdApprovals},
        {"transfer", "overdrachten via de beheer-API: 'list', 'show', 'preview', 'approve', 'reject', 'withdraw', 'schedule'",
         cmdTransfer},
        {"batch", "batches voor goedkeuring (voorjaarsronde PO-VO): 'prepare', 'list', 'show', 'approve', 'reject'",
         cmdBatch},
        {"version", "toont de versie", cmdVersion},
        {"model", "toont het canonieke model: 'schema' (JSON Schema) of 'fields' (classificatie)",
         cmdModel},
        {"oso", "OSO-overstapdossiers: 'validate', 'read' of 'write'", oso::runOsoCli},
        {"mapping", "declaratieve mappings: 'check', 'try', 'import', 'reverse' of 'bundle'",
         mapping::runMappingCommand},
        {"demo", "demogegevens: 'generate-magister MAP --pupils N --seed N'", mapping::runDemoCommand},
        {"procedure", "begeleide leveringen (Vensters) via de beheer-API: 'list', 'show', 'report', 'choose', 'answer', 'save'",
         cmdProcedure},
        {"vensters", "Monitor Sociale Veiligheid: 'report', 'check', 'indicators' of 'status' (stand per school)",
         [](const Args& args) {
             if (!args.empty() && args[0] == "status") return cmdDeliveryStatus(Args(args.begin() + 1, args.end()), "vensters");
             return vensters::runVenstersCli(args);
         }},
    };
    return cmds;
}

}  // namespace sluis::app

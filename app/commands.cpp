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

const cli::Spec& versionSpec() {
    static const cli::Spec spec{"version", "toont de versie van Sluis"};
    return spec;
}

const cli::Spec& modelSpec() {
    static const cli::Spec spec{
        "model", "toont het canonieke leerlingmodel", "", {}, "",
        {{"model schema", "het model als JSON Schema"},
         {"model fields", "elk veld met zijn OSO-categorie en gevoeligheid"}}};
    return spec;
}

/// `vensters`: the sub-commands of mapping/vensters plus `status` (a client command).
const cli::Spec& venstersSpec() {
    static const cli::Spec spec = [] {
        cli::Spec s = vensters::venstersCliSpec();
        s.subs.push_back(deliveryStatusSpec());
        return s;
    }();
    return spec;
}

int cmdVersion(const Args& args) {
    if (auto a = cli::parse(versionSpec(), args); !a) {
        std::cerr << "sluis: " << a.error().message << "\n";
        return 2;
    }
    std::cout << "sluis " << SLUIS_VERSION << "\n";
    return 0;
}

int cmdModel(const Args& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(modelSpec(), sub);
    auto a = spec ? cli::parse(*spec, Args(args.begin() + 1, args.end()))
                  : Result<cli::Parsed>(cli::unknownSub(modelSpec(), sub));
    if (!a) {
        std::cerr << "sluis: " << a.error().message << "\n";
        return 2;
    }
    if (sub == "schema") {
        std::cout << model::ModelDefinition::builtin()->jsonSchema().dump(2) << "\n";
        return 0;
    }
    for (const auto& c : model::ModelDefinition::builtin()->classification())
        std::cout << c.path << "\t" << c.category << "\t" << model::sensitivityName(c.sensitivity) << "\n";
    return 0;
}

}  // namespace

Result<std::string> configDir(const std::string& given) {
    if (!given.empty()) return given;
    std::error_code ec;
    for (const char* dir : {"/etc/sluis", "./config"})
        if (std::filesystem::is_regular_file(std::filesystem::path(dir) / "daemon.json", ec)) return std::string(dir);
    return Error{ErrorCode::kNotFound,
                 "geen configuratie gevonden: geef --config MAP, of zet daemon.json (met store.json, "
                 "connectors.json, routes.json, policies.json) in /etc/sluis of in ./config. "
                 "De demo-configuratie start u met scripts/demo.sh of --config config/demo"};
}

const std::vector<Command>& commands() {
    static const std::vector<Command> cmds = {
        {serveSpec(), cmdServe},
        {checkConfigSpec(), cmdCheckConfig},
        {tokenSpec(), cmdToken},
        {accountSpec(), cmdAccount},
        {auditSpec(), cmdAudit},
        {keySpec(), cmdKey},
        {disclosuresSpec(), cmdDisclosures},
        {purgeSpec(), cmdPurge},
        {consentSpec(), cmdConsent},
        {inzageSpec(), cmdInzage},
        {approvalsSpec(), cmdApprovals},
        {transferSpec(), cmdTransfer},
        {batchSpec(), cmdBatch},
        {versionSpec(), cmdVersion},
        {modelSpec(), cmdModel},
        {oso::osoCliSpec(), oso::runOsoCli},
        {mapping::mappingCliSpec(), mapping::runMappingCommand},
        {mapping::demoCliSpec(), mapping::runDemoCommand},
        {procedureSpec(), cmdProcedure},
        {venstersSpec(),
         [](const Args& args) {
             if (!args.empty() && args[0] == "status") return cmdDeliveryStatus(Args(args.begin() + 1, args.end()), "vensters");
             return vensters::runVenstersCli(args);
         }},
    };
    return cmds;
}

}  // namespace sluis::app

// `sluis audit verify`, `sluis disclosures`, `sluis purge`: the policy layer from the command line.
// These work on the store directly (local administrator with access to the data dir and key).
// Decisions that need an accountable person (approvals, consents) go through the authenticated
// admin API instead (docs/api.md).
#include <iostream>

#include "app/args.h"
#include "app/cli.h"
#include "core/config/config.h"
#include "core/policy/disclosures.h"
#include "core/policy/retention.h"
#include "core/store/open_store.h"
#include "core/store/transfer_store.h"
#include "core/util/amsterdam_time.h"

namespace sluis::app {

namespace {

struct Env {
    std::shared_ptr<const config::Config> config;
    std::unique_ptr<store::TransferStore> store;
};

/// Parses --config/--data-dir plus `flags` (boolean) and `keys` (with value), opens the store.
Result<Env> openEnv(const Args& args, std::map<std::string, std::string>& values,
                    const std::vector<std::string>& keys, const std::vector<std::string>& flags) {
    std::vector<std::string> all = keys;
    all.push_back("config");
    all.push_back("data-dir");
    auto a = parseArgs(args, all, flags, false);
    if (!a) return a.error();
    values = a->values;
    for (const auto& f : a->flags) values[f] = "1";
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    SLUIS_RETURN_IF_ERROR(registerAll(connectors, mappers));
    auto cfg = config::loadConfig(a->get("config", "config/demo"), {a->get("data-dir")}, connectors, mappers);
    if (!cfg) return cfg.error();
    auto st = store::openStore((*cfg)->store, (*cfg)->key_file);
    if (!st) return st.error();
    return Env{*cfg, std::move(st.value())};
}

int fail(const Error& e) {
    std::cerr << "sluis: " << e.message << "\n";
    return exitCode(e.code);
}

}  // namespace

int cmdAudit(const Args& args) {
    if (args.empty() || args[0] != "verify") {
        std::cerr << "gebruik: sluis audit verify [--config DIR] [--data-dir DIR]\n";
        return 2;
    }
    std::map<std::string, std::string> v;
    auto env = openEnv(Args(args.begin() + 1, args.end()), v, {}, {});
    if (!env) return fail(env.error());
    auto r = store::verifyAudit(*env->store);
    if (!r) return fail(r.error());
    if (!r->ok) {
        std::cout << "auditlog GESCHONDEN: eerste fout bij record " << r->first_bad_seq << ": " << r->problem
                  << "\n";
        return 1;
    }
    std::cout << "auditlog in orde: " << r->records << " records, keten onverbroken\n";
    return 0;
}

int cmdDisclosures(const Args& args) {
    std::map<std::string, std::string> v;
    auto env = openEnv(args, v, {"pupil", "format"}, {});
    if (!env) return fail(env.error());
    if (v["pupil"].empty()) {
        std::cerr << "gebruik: sluis disclosures --pupil LEERLINGNUMMER [--format text|html|json]\n";
        return 2;
    }
    std::string format = v.count("format") ? v["format"] : "text";
    if (format != "text" && format != "html" && format != "json") return fail({ErrorCode::kInvalidArgument, "--format: text, html of json"});
    auto reg = policy::disclosureRegister(*env->config, *env->store, v["pupil"]);
    if (!reg) return fail(reg.error());
    auto st = env->store->audit({"cli", "disclosures_exported", "", "", {{"subject", v["pupil"]}, {"format", format}}},
                                SystemClock().now());
    if (!st) return fail(st.error());
    std::cout << (format == "json" ? reg->dump(2) + "\n" : policy::renderDisclosureReport(*reg, format));
    return 0;
}

int cmdPurge(const Args& args) {
    std::map<std::string, std::string> v;
    auto env = openEnv(args, v, {}, {"dry-run"});
    if (!env) return fail(env.error());
    Timestamp now = SystemClock().now();
    auto items = policy::purgeCandidates(*env->config, *env->store, now);
    if (!items) return fail(items.error());
    bool dry = v.count("dry-run") > 0;
    for (const auto& i : *items)
        std::cout << (dry ? "zou verwijderen: " : "verwijderd: ") << i.transfer.id << " (doel " << i.transfer.purpose
                  << ", bewaartermijn verstreken op " << amsterdam::formatLocal(i.due) << ")\n";
    if (!dry) {
        for (const auto& i : *items) {
            auto st = env->store->purgePayload(i.transfer.id, "cli", now);
            if (!st) return fail(st.error());
        }
    }
    std::cout << items->size() << " overdracht(en) " << (dry ? "komen in aanmerking" : "opgeschoond")
              << "; metadata en auditlog blijven bewaard\n";
    return 0;
}

}  // namespace sluis::app

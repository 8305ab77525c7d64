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
#include "core/store/audit_checkpoints.h"
#include "core/store/open_store.h"
#include "core/store/transfer_store.h"
#include "core/util/amsterdam_time.h"
#include "core/util/text.h"

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
    const std::string sub = args.empty() ? "" : args[0];
    if (sub != "verify" && sub != "checkpoint" && sub != "public-key") {
        std::cerr << "gebruik: sluis audit verify [--checkpoints BESTAND] [--public-key HEX]\n"
                     "         sluis audit checkpoint      (maakt een ondertekend checkpoint en toont het)\n"
                     "         sluis audit public-key      (de sleutel waarmee checkpoints worden ondertekend)\n"
                     "         (elk met [--config DIR] [--data-dir DIR])\n";
        return sub == "--help" || sub == "-h" ? 0 : 2;
    }
    std::map<std::string, std::string> v;
    auto env = openEnv(Args(args.begin() + 1, args.end()), v,
                       sub == "verify" ? std::vector<std::string>{"checkpoints", "public-key"}
                                       : std::vector<std::string>{},
                       {});
    if (!env) return fail(env.error());
    const std::filesystem::path file = std::filesystem::path(env->config->data_dir) / store::kCheckpointFile;
    if (sub == "public-key") {
        std::cout << env->store->auditPublicKey() << "\n";
        return 0;
    }
    if (sub == "checkpoint") {
        auto cp = store::writeCheckpoint(*env->store, file, SystemClock().now(), /*force=*/true);
        if (!cp) return fail(cp.error());
        std::cout << store::checkpointToJson(**cp).dump() << "\n";
        std::cerr << "checkpoint bij record " << (*cp)->seq << " toegevoegd aan " << file.string()
                  << "; bewaar deze regel ook buiten de server (FG)\n";
        return 0;
    }
    store::AuditAnchors anchors;
    auto own = store::readCheckpointFile(file);
    if (!own) return fail(own.error());
    anchors.checkpoints = *own;
    if (v.count("checkpoints")) {
        auto extra = store::readCheckpointFile(v["checkpoints"]);
        if (!extra) return fail(extra.error());
        if (extra->empty() && !std::filesystem::exists(v["checkpoints"]))
            return fail({ErrorCode::kNotFound, "--checkpoints: bestand " + v["checkpoints"] + " bestaat niet"});
        anchors.checkpoints.insert(anchors.checkpoints.end(), extra->begin(), extra->end());
    }
    if (v.count("public-key")) {
        auto raw = util::fromHex(v["public-key"]);
        if (!raw || raw->size() != 32)
            return fail({ErrorCode::kInvalidArgument, "--public-key: verwacht 64 hexadecimale tekens"});
        anchors.trusted_public_key = util::toHex(*raw);
    }
    auto r = store::verifyAudit(*env->store, anchors);
    if (!r) return fail(r.error());
    if (!r->ok) {
        std::cout << "auditlog GESCHONDEN: eerste fout bij record " << r->first_bad_seq << ": " << r->problem
                  << "\n";
        return 1;
    }
    std::cout << "auditlog in orde: " << r->records << " records, keten onverbroken";
    if (r->checkpoints_checked > 0)
        std::cout << ", " << r->checkpoints_checked << " checkpoint(s) kloppen (laatste bij record "
                  << r->last_checkpoint_seq << ")";
    else
        std::cout << "; geen checkpoints om mee te vergelijken (inkorten is dan niet aantoonbaar)";
    std::cout << "\n";
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

// `sluis audit verify`, `sluis disclosures`, `sluis purge`: the policy layer from the command line.
// These work on the store directly (local administrator with access to the data dir and key).
// Decisions that need an accountable person (approvals, consents) go through the authenticated
// admin API instead (docs/api.md).
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/args.h"
#include "app/cli.h"
#include "core/config/config.h"
#include "core/policy/disclosures.h"
#include "core/policy/retention.h"
#include "core/store/audit_checkpoints.h"
#include "core/store/key_rotation.h"
#include "core/store/open_store.h"
#include "core/store/transfer_store.h"
#include "core/util/amsterdam_time.h"
#include "core/util/file_clock.h"
#include "core/util/text.h"

namespace sluis::app {

/// Parses `args` by `spec` and loads the configuration (no store yet).
Result<std::shared_ptr<const config::Config>> loadEnvConfig(const cli::Spec& spec, const Args& args,
                                                            std::map<std::string, std::string>& values) {
    auto a = parseArgs(spec, args);
    if (!a) return a.error();
    values = a->values;
    for (const auto& f : a->flags) values[f] = "1";
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    SLUIS_RETURN_IF_ERROR(registerAll(connectors, mappers));
    auto dir = configDir(a->get("config"));
    if (!dir) return dir.error();
    auto cfg = config::loadConfig(*dir, {a->get("data-dir")}, connectors, mappers);
    if (!cfg) return cfg.error();
    return *cfg;
}

namespace {

struct Env {
    std::shared_ptr<const config::Config> config;
    std::unique_ptr<store::TransferStore> store;
};

/// Parses `args` by `spec` (its options include --config/--data-dir), opens the store. Flags are
/// in `values` as "1".
Result<Env> openEnv(const cli::Spec& spec, const Args& args, std::map<std::string, std::string>& values) {
    auto cfg = loadEnvConfig(spec, args, values);
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

const cli::Spec& auditSpec() {
    static const cli::Spec spec{
        "audit", "het auditlog: controleren, checkpoints maken en de sleutel van de checkpoints tonen", "", {}, "",
        {{"audit verify", "controleert de keten van het auditlog en de checkpoints (exit 0: in orde, 1: geschonden)", "",
          withDirs({{"checkpoints", "BESTAND", "ook de checkpoints uit dit bestand (bijv. een kopie buiten de server)"},
                    {"public-key", "HEX", "de publieke sleutel die de checkpoints moet hebben ondertekend (64 hex-tekens)"}})},
         {"audit checkpoint", "maakt een ondertekend checkpoint en toont het (bewaar het ook buiten de server)", "",
          withDirs({})},
         {"audit public-key", "toont de sleutel waarmee checkpoints worden ondertekend", "", withDirs({})}}};
    return spec;
}

int cmdAudit(const Args& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(auditSpec(), sub);
    if (!spec) return fail(cli::unknownSub(auditSpec(), sub));
    std::map<std::string, std::string> v;
    auto env = openEnv(*spec, Args(args.begin() + 1, args.end()), v);
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

/// A positive whole number for `--name`, or an error naming the option.
Result<long long> positiveOption(const std::map<std::string, std::string>& v, const std::string& name,
                                 long long fallback) {
    auto it = v.find(name);
    if (it == v.end()) return fallback;
    try {
        size_t used = 0;
        long long n = std::stoll(it->second, &used);
        if (used == it->second.size() && n > 0) return n;
    } catch (const std::exception&) {
    }
    return Error{ErrorCode::kInvalidArgument, "--" + name + ": verwacht een positief geheel getal"};
}

const cli::Spec& keySpec() {
    static const cli::Spec spec{
        "key", "de hoofdsleutel waarmee Sluis de gegevens versleutelt", "", {}, "",
        {{"key rotate", "vervangt de hoofdsleutel zonder de daemon te stoppen (docs/operations.md)", "",
          withDirs({{"batch", "N", "zoveel waarden per transactie opnieuw versleutelen (standaard 200)"},
                    {"max-batches", "N", "stop na N batches; later opnieuw starten gaat verder"},
                    {"prepare", "", "maak alleen de nieuwe sleutel klaar (voor meerdere daemons op één database)"}})},
         {"key status", "toont de huidige sleutel en hoeveel nog onder een oudere sleutel staat", "", withDirs({})}}};
    return spec;
}

int cmdKey(const Args& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(keySpec(), sub);
    if (!spec) return fail(cli::unknownSub(keySpec(), sub));
    std::map<std::string, std::string> v;
    const Args rest(args.begin() + 1, args.end());
    if (sub == "status") {
        auto env = openEnv(*spec, rest, v);
        if (!env) return fail(env.error());
        auto ks = env->store->keyStatus();
        if (!ks) return fail(ks.error());
        std::cout << "huidige sleutel: " << ks->fingerprint << "\n"
                  << "nog onder een oudere sleutel: " << ks->older << "\n";
        std::error_code ec;
        if (std::filesystem::exists(env->config->key_file + ".new", ec))
            std::cout << "sleutelrotatie niet afgerond (" << env->config->key_file
                      << ".new bestaat): start 'sluis key rotate' opnieuw om verder te gaan\n";
        return 0;
    }
    auto cfg = loadEnvConfig(*spec, rest, v);
    if (!cfg) return fail(cfg.error());
    auto batch = positiveOption(v, "batch", 200);
    if (!batch) return fail(batch.error());
    auto max_batches = positiveOption(v, "max-batches", 0);
    if (!max_batches) return fail(max_batches.error());
    store::RotationOptions o;
    o.key_file = (*cfg)->key_file;
    o.batch = static_cast<size_t>(*batch);
    o.max_batches = *max_batches;
    o.prepare = v.count("prepare") > 0;
    const auto config = *cfg;
    auto r = store::rotateMasterKey(o, [&] { return store::openStore(config->store, config->key_file); },
                                    SystemClock().now());
    if (!r) return fail(r.error());
    if (r->prepared_only) {
        std::cout << "nieuwe sleutel " << r->new_fingerprint << " staat klaar in " << o.key_file.string()
                  << ".new\nkopieer dit bestand (rechten 0600) naar de datamap van elke andere daemon op deze "
                     "database en start daarna 'sluis key rotate' zonder --prepare\n";
        return 0;
    }
    std::cout << "sleutel " << (r->old_fingerprint.empty() ? "-" : r->old_fingerprint) << " -> " << r->new_fingerprint
              << ": " << r->rewrapped << " waarden opnieuw versleuteld\n";
    if (!r->complete) {
        std::cout << "gestopt na --max-batches; nog " << r->remaining
                  << " onder een oudere sleutel. Start 'sluis key rotate' opnieuw om verder te gaan\n";
        return 0;
    }
    std::cout << "sleutelrotatie voltooid: " << o.key_file.string() << " is de nieuwe sleutel";
    if (!r->old_key_file.empty())
        std::cout << "; de oude staat in " << r->old_key_file.string()
                  << " (bewaar die bij de back-ups van voor de rotatie en verwijder hem daarna)";
    std::cout << "\n";
    return 0;
}

const cli::Spec& disclosuresSpec() {
    static const cli::Spec spec{
        "disclosures", "het verstrekkingenoverzicht van één leerling, voor ouders of de leerling zelf", "",
        withDirs({{"pupil", "LEERLINGNUMMER", "de leerling (verplicht)"},
                  {"format", "VORM", "text, html of json (standaard text)"}}),
        "Het opvragen wordt in het auditlog vastgelegd."};
    return spec;
}

int cmdDisclosures(const Args& args) {
    std::map<std::string, std::string> v;
    auto env = openEnv(disclosuresSpec(), args, v);
    if (!env) return fail(env.error());
    if (v["pupil"].empty())
        return fail({ErrorCode::kInvalidArgument, "--pupil is verplicht; zie 'sluis disclosures --help'"});
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

const cli::Spec& purgeSpec() {
    static const cli::Spec spec{
        "purge",
        "verwijdert na de bewaartermijn de gegevens van overdrachten (elke toestand) en bewaarde invoerbestanden",
        "",
        withDirs({{"dry-run", "", "toon alleen wat zou worden verwijderd; verander niets"},
                  {"test-clock", "BESTAND", "alleen voor tests (met SLUIS_ENABLE_TEST_CLOCK=1): de tijd uit dit bestand"}}),
        "Metadata en auditlog blijven bewaard."};
    return spec;
}

int cmdPurge(const Args& args) {
    std::map<std::string, std::string> v;
    auto env = openEnv(purgeSpec(), args, v);
    if (!env) return fail(env.error());
    Timestamp now = SystemClock().now();
    if (v.count("test-clock")) {
        // As `sluis serve --test-clock`: end-to-end tests move time without waiting for it.
        const char* enabled = std::getenv("SLUIS_ENABLE_TEST_CLOCK");
        if (!enabled || std::string(enabled) != "1")
            return fail({ErrorCode::kInvalidArgument,
                         "--test-clock is alleen voor tests; zet SLUIS_ENABLE_TEST_CLOCK=1 als u dat zeker weet"});
        auto fc = FileClock::open(v["test-clock"]);
        if (!fc) return fail(fc.error());
        now = (*fc)->now();
    }
    bool dry = v.count("dry-run") > 0;
    auto items = policy::purgeCandidates(*env->config, *env->store, now);
    if (!items) return fail(items.error());
    // The files the sources kept (processed exports, refused files in failed/).
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    if (auto st = registerAll(connectors, mappers); !st) return fail(st.error());
    std::map<std::string, std::unique_ptr<connector::Source>> sources;
    for (const auto& src : env->config->sources) {
        const auto* factory = connectors.source(src.type);
        if (!factory) continue;
        auto s = factory->create(src.name, src.options);
        if (!s) return fail({s.error().code, "bron " + src.name + ": " + s.error().message});
        sources[src.name] = std::move(s.value());
    }
    auto files = policy::expiredFiles(sources, now);
    if (!files) return fail(files.error());

    auto days = [&](Timestamp since) {
        return std::to_string(std::chrono::duration_cast<std::chrono::hours>(now - since).count() / 24) + " dagen";
    };
    size_t transfers_done = 0, files_done = 0, skipped = 0;
    for (const auto& i : *items) {
        const auto& t = i.transfer;
        std::string what = t.id + " (toestand " + transfer::stateName(t.state) + ", doel " + t.purpose + ", " +
                           (i.from_creation ? "nooit afgeleverd, aangemaakt " + days(t.created_at) + " geleden"
                                            : "afgeleverd " + days(t.updated_at) + " geleden") +
                           ", bewaartermijn verstreken op " + amsterdam::formatLocal(i.due) + ")";
        if (dry) {
            std::cout << "zou verwijderen: overdracht " << what << "\n";
            continue;
        }
        auto st = policy::purgeOne(*env->store, i, "cli", now);
        if (!st && (st.code() == ErrorCode::kConflict || st.code() == ErrorCode::kNotFound)) {
            std::cout << "overgeslagen (intussen gewijzigd): overdracht " << t.id << "\n";
            ++skipped;
            continue;
        }
        if (!st) return fail(st.error());
        std::cout << "verwijderd: overdracht " << what << "\n";
        ++transfers_done;
    }
    for (const auto& f : *files) {
        std::string what = f.file.path + " (bron " + f.source + ", " + f.file.kind + ", " + days(f.file.since) +
                           " oud, bewaartermijn verstreken op " + amsterdam::formatLocal(f.file.due) + ")";
        if (dry) {
            std::cout << "zou verwijderen: bestand " << what << "\n";
            continue;
        }
        if (auto st = sources.at(f.source)->removeRetained(f.file); !st) return fail(st.error());
        auto st = env->store->audit({"cli", "file_purged", "", "",
                                     {{"source", f.source}, {"kind", f.file.kind},
                                      {"file", std::filesystem::path(f.file.path).filename().string()}}},
                                    now);
        if (!st) return fail(st.error());
        std::cout << "verwijderd: bestand " << what << "\n";
        ++files_done;
    }
    if (dry) {
        std::cout << items->size() << " overdracht(en) en " << files->size()
                  << " bestand(en) komen in aanmerking; er is niets veranderd\n";
        return 0;
    }
    auto st = env->store->audit({"cli", "purge_run", "", "",
                                 {{"transfers", transfers_done}, {"files", files_done}, {"skipped", skipped}}},
                                now);
    if (!st) return fail(st.error());
    std::cout << transfers_done << " overdracht(en) en " << files_done
              << " bestand(en) opgeschoond; metadata en auditlog blijven bewaard\n";
    return 0;
}

}  // namespace sluis::app

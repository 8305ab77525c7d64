// `sluis serve`, `sluis check-config` and `sluis token`: assembling the daemon from its parts.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "app/args.h"
#include "app/cli.h"
#include "core/api/admin_server.h"
#include "core/config/config.h"
#include "core/engine/engine.h"
#include "core/store/open_store.h"
#include "core/store/transfer_store.h"
#include "core/util/amsterdam_time.h"
#include "core/util/file_clock.h"
#include "core/util/fs.h"
#include "core/util/permissions.h"
#include "core/util/log.h"
#include "core/util/text.h"
#include "core/crypto/payload_cipher.h"
#include "core/auth/credentials.h"

namespace sluis::app {

namespace fs = std::filesystem;

#define SLUIS_RETURN_IF_ERROR_EXIT(expr)          \
    do {                                         \
        ::sluis::Status _st = (expr);            \
        if (!_st.isOk()) return fail(_st.error()); \
    } while (0)

namespace {

Result<std::shared_ptr<const config::Config>> loadAll(const ParsedArgs& a, connector::ConnectorRegistry& c,
                                                      mapper::MapperRegistry& m) {
    SLUIS_RETURN_IF_ERROR(registerAll(c, m));
    auto dir = configDir(a.get("config"));
    if (!dir) return dir.error();
    return config::loadConfig(*dir, config::Overrides{a.get("data-dir")}, c, m);
}

int fail(const Error& e) {
    std::cerr << "sluis: " << e.message << "\n";
    return exitCode(e.code);
}

Result<std::unique_ptr<store::TransferStore>> openStore(const config::Config& cfg) {
    return store::openStore(cfg.store, cfg.key_file);
}

/// Holds an exclusive lock on data_dir/sluis.lock for the life of the process.
Result<int> lockDataDir(const std::string& data_dir) {
    std::error_code ec;
    fs::create_directories(data_dir, ec);
    if (ec) return Error{ErrorCode::kIo, "kan datamap " + data_dir + " niet aanmaken: " + ec.message()};
    std::string path = (fs::path(data_dir) / "sluis.lock").string();
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Error{ErrorCode::kIo, "kan " + path + " niet openen"};
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return Error{ErrorCode::kConflict, "er draait al een Sluis op datamap " + data_dir};
    }
    return fd;
}

}  // namespace

const cli::Spec& serveSpec() {
    static const cli::Spec spec{
        "serve",
        "start de daemon: haalt gegevens op, past toestemming, minimalisatie en goedkeuring toe en levert af",
        "",
        {{"config", "MAP", "de configuratiemap; zonder deze optie /etc/sluis, anders ./config (met daemon.json)"},
         {"data-dir", "MAP", "de datamap (anders die uit daemon.json)"},
         {"admin-port", "POORT", "de poort van de beheer-API (anders die uit daemon.json; 0: een vrije poort)"},
         {"test-clock", "BESTAND", "alleen voor tests (met SLUIS_ENABLE_TEST_CLOCK=1): de tijd uit dit bestand"}},
        "Zonder --config en zonder daemon.json in /etc/sluis of ./config start Sluis niet (exit 2);\n"
        "de demo start u met scripts/demo.sh of --config config/demo."};
    return spec;
}

const cli::Spec& checkConfigSpec() {
    static const cli::Spec spec{
        "check-config",
        "controleert een configuratiemap en noemt elke fout met haar plek (exit 0: in orde, 1: fouten)",
        "[MAP]",
        withDirs({}),
        "MAP is de configuratiemap (net als --config); zonder: /etc/sluis, anders ./config."};
    return spec;
}

int cmdServe(const Args& args) {
    auto a = parseArgs(serveSpec(), args);
    if (!a) return fail(a.error());
    // The clock: the system clock, or (end-to-end tests only) a clock read from a file.
    std::unique_ptr<Clock> clock = std::make_unique<SystemClock>();
    if (a->has("test-clock")) {
        const char* enabled = std::getenv("SLUIS_ENABLE_TEST_CLOCK");
        if (!enabled || std::string(enabled) != "1")
            return fail(Error{ErrorCode::kInvalidArgument,
                              "--test-clock is alleen voor tests; zet SLUIS_ENABLE_TEST_CLOCK=1 als u dat zeker weet"});
        auto fc = FileClock::open(a->get("test-clock"));
        if (!fc) return fail(fc.error());
        clock = std::move(*fc);
    }
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    // Connectors read the same clock as the engine (SomToday's pass interval and tokens, the
    // directory source's parking times): `clock` outlives both registries.
    SLUIS_RETURN_IF_ERROR_EXIT(registerAll(connectors, mappers, *clock));
    config::Overrides ov{a->get("data-dir")};
    if (a->has("admin-port")) {
        try {
            ov.admin_port = std::stoi(a->get("admin-port"));
        } catch (const std::exception&) {
            return fail(Error{ErrorCode::kInvalidArgument, "--admin-port verwacht een poortnummer"});
        }
    }
    auto dir = configDir(a->get("config"));
    if (!dir) return fail(dir.error());
    auto cfg = config::loadConfig(*dir, ov, connectors, mappers);
    if (!cfg) return fail(cfg.error());
    log::Level level = log::Level::kInfo;
    log::parseLevel((*cfg)->log_level, level);
    log::setLevel(level);

    // An unusable certificate or key for the admin API stops the start before anything else.
    if ((*cfg)->admin.enabled && (*cfg)->admin.tls)
        SLUIS_RETURN_IF_ERROR_EXIT(api::checkAdminTls(*(*cfg)->admin.tls));

    auto lock = lockDataDir((*cfg)->data_dir);
    if (!lock) return fail(lock.error());
    // Owner-only data dir and store files, whatever umask this was started with (or a copy or
    // restore left behind): repaired and logged, or refused when Sluis cannot change them.
    {
        std::vector<fs::path> files = {(*cfg)->key_file};
        if ((*cfg)->store.backend == "sqlite" && !(*cfg)->store.sqlite_path.empty())
            for (const char* suffix : {"", "-wal", "-shm", "-journal"})
                files.emplace_back((*cfg)->store.sqlite_path + suffix);
        auto repaired = util::makeOwnerOnly((*cfg)->data_dir, files);
        if (!repaired) return fail(repaired.error());
        for (const auto& r : *repaired) {
            char old_mode[8], new_mode[8];
            std::snprintf(old_mode, sizeof old_mode, "%04o", r.old_mode);
            std::snprintf(new_mode, sizeof new_mode, "%04o", r.new_mode);
            log::warn("daemon.permissions_repaired",
                      {{"path", r.path.string()}, {"old_mode", old_mode}, {"new_mode", new_mode}});
        }
    }

    // A client that goes away while the admin API answers must not end the daemon: writes to
    // its socket fail with EPIPE instead of raising SIGPIPE.
    ::signal(SIGPIPE, SIG_IGN);
    // Block termination signals in every thread; the main thread waits for them below.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    // As the daemon: a SQLite file is locked against a second daemon (another data dir, same file).
    auto store = store::openStore((*cfg)->store, (*cfg)->key_file, /*daemon=*/true, *clock);
    if (!store) return fail(store.error());
    engine::Metrics metrics;
    engine::Engine engine(*cfg, connectors, mappers, **store, *clock, metrics);
    if (auto st = engine.start(); !st) return fail(st.error());

    std::unique_ptr<api::AdminServer> server;
    if ((*cfg)->admin.enabled) {
        server = std::make_unique<api::AdminServer>(*cfg, **store, metrics, *clock);
        if (auto st = server->start(); !st) return fail(st.error());
        auto written = util::writeFileAtomic(fs::path((*cfg)->data_dir) / "admin.port",
                                             std::to_string(server->port()) + "\n", 0644);
        if (!written) return fail(written.error());
    }
    log::info("daemon.started", {{"config", (*cfg)->config_dir}, {"data_dir", (*cfg)->data_dir},
                                 {"routes", (*cfg)->routes.size()},
                                 {"admin_port", server ? server->port() : 0}});
    if (a->has("test-clock")) log::warn("daemon.test_clock", {{"file", a->get("test-clock")}});
    std::thread worker([&] { engine.run(); });
    int sig = 0;
    sigwait(&signals, &sig);
    log::info("daemon.stopping", {{"signal", sig}});
    engine.stop();
    worker.join();
    if (server) server->stop();
    log::info("daemon.stopped");
    return 0;
}

int cmdCheckConfig(const Args& args) {
    auto a = parseArgs(checkConfigSpec(), args);
    if (!a) return fail(a.error());
    if (a->positional.size() > 1)
        return fail({ErrorCode::kInvalidArgument, "geef één configuratiemap op; zie 'sluis check-config --help'"});
    if (a->positional.size() == 1) a->values["config"] = a->positional[0];
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    auto cfg = loadAll(*a, connectors, mappers);
    if (!cfg) {
        std::cerr << cfg.error().message << "\n";
        return 1;
    }
    // The admin API's certificate and key, as `serve` will load them.
    if ((*cfg)->admin.enabled && (*cfg)->admin.tls) {
        if (auto st = api::checkAdminTls(*(*cfg)->admin.tls); !st) {
            std::cerr << st.error().message << "\n";
            return 1;
        }
    }
    std::cout << "configuratie in orde: " << (*cfg)->sources.size() << " bron(nen), "
              << (*cfg)->sinks.size() << " doel(en), " << (*cfg)->routes.size() << " route(s)\n";
    return 0;
}

namespace {

/// `--expires`: "<n>d" (days from now), a date (valid up to the start of that day in
/// Europe/Amsterdam), or "nooit". Default: 365 days.
Result<std::optional<Timestamp>> tokenExpiry(const std::string& text, Timestamp now) {
    if (text.empty()) return std::optional<Timestamp>(now + std::chrono::hours(24 * 365));
    if (text == "nooit") return std::optional<Timestamp>();
    if (text.size() >= 2 && text.back() == 'd' && text.size() <= 6 &&
        text.find_first_not_of("0123456789", 0) == text.size() - 1) {
        int days = std::stoi(text.substr(0, text.size() - 1));
        if (days >= 1) return std::optional<Timestamp>(now + std::chrono::hours(24 * days));
    }
    auto date = amsterdam::parseDate(text);
    if (date) {
        Timestamp at = amsterdam::startOfDay(*date);
        if (at > now) return std::optional<Timestamp>(at);
        return Error{ErrorCode::kInvalidArgument,
                     "--expires " + text + " ligt niet in de toekomst"};
    }
    return Error{ErrorCode::kInvalidArgument,
                 "--expires verwacht een aantal dagen (bijv. 90d), een datum JJJJ-MM-DD of 'nooit', niet '" +
                     text + "'"};
}

std::string tokenStatus(const store::ApiToken& t, Timestamp now) {
    if (t.revoked) return "ingetrokken";
    if (t.expires_at && *t.expires_at <= now) return "verlopen";
    return "geldig";
}

}  // namespace

const cli::Spec& tokenSpec() {
    static const cli::Spec spec{
        "token", "API-tokens voor de beheer-API maken, tonen en intrekken", "", {},
        "rollen: beheerder, mentor, zorgcoordinator, directeur, bevoegd-gezag, fg",
        {{"token create", "maakt een API-token en toont het eenmaal (het wordt gehasht bewaard)", "",
          withDirs({{"name", "NAAM", "voor wie of waarvoor het token is (verplicht)"},
                    {"role", "ROL", "beheerder, mentor, zorgcoordinator, directeur, bevoegd-gezag of fg (verplicht)"},
                    {"expires", "WANNEER", "90d (dagen), een datum JJJJ-MM-DD of 'nooit'; standaard 365 dagen"}})},
         {"token list", "toont de tokens (nooit het token zelf): naam, rol, aangemaakt, verloopt, status", "",
          withDirs({})},
         {"token revoke", "trekt een token in; het werkt daarna niet meer", "ID", withDirs({})}}};
    return spec;
}

int cmdToken(const Args& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(tokenSpec(), sub);
    if (!spec) return fail(cli::unknownSub(tokenSpec(), sub));
    Args rest(args.begin() + 1, args.end());
    auto a = parseArgs(*spec, rest);
    if (!a) return fail(a.error());
    SystemClock clock;
    const Timestamp now = clock.now();
    std::string role, name;
    std::optional<Timestamp> expires;
    if (sub == "create") {
        const auto& roles = api::knownRoles();
        role = a->get("role");
        name = a->get("name");
        if (name.empty() || std::find(roles.begin(), roles.end(), role) == roles.end())
            return fail(Error{ErrorCode::kInvalidArgument, "geef --name en een geldige --role op"});
        auto e = tokenExpiry(a->get("expires"), now);
        if (!e) return fail(e.error());
        expires = *e;
    } else if (sub == "revoke" && a->positional.size() != 1) {
        return fail(Error{ErrorCode::kInvalidArgument, "geef precies één token-id op: sluis token revoke ID"});
    }
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    auto cfg = loadAll(*a, connectors, mappers);
    if (!cfg) return fail(cfg.error());
    auto store = openStore(**cfg);
    if (!store) return fail(store.error());

    if (sub == "list") {
        auto tokens = (*store)->listTokens();
        if (!tokens) return fail(tokens.error());
        // Never the token or its hash: only what identifies it.
        std::cout << "ID\tNAAM\tROL\tAANGEMAAKT\tVERLOOPT\tSTATUS\n";
        for (const auto& t : *tokens)
            std::cout << t.id << '\t' << t.name << '\t' << t.role << '\t' << formatIso(t.created_at) << '\t'
                      << (t.expires_at ? formatIso(*t.expires_at) : std::string("nooit")) << '\t'
                      << tokenStatus(t, now) << '\n';
        return 0;
    }
    if (sub == "revoke") {
        const std::string id = a->positional[0];
        if (auto st = (*store)->revokeToken(id, "cli", now); !st) return fail(st.error());
        std::cerr << "token " << id << " ingetrokken; het werkt vanaf nu niet meer\n";
        return 0;
    }

    auto [token, hash] = api::newApiToken();
    store::ApiToken t{"tok_" + util::toHex(crypto::randomBytes(8)), name, role, hash, now, false, expires, {}};
    if (auto st = (*store)->addToken(t); !st) return fail(st.error());
    nlohmann::json details = {{"token_id", t.id}, {"role", role}};
    details["expires_at"] = expires ? nlohmann::json(formatIso(*expires)) : nlohmann::json(nullptr);
    if (auto st = (*store)->audit({"cli", "token_created", "", "", details}, now); !st)
        return fail(st.error());
    std::cout << token << "\n";
    std::cerr << "token " << t.id << " voor '" << name << "' (rol " << role << ") aangemaakt"
              << (expires ? ", geldig tot " + formatIso(*expires) : std::string(", verloopt nooit"))
              << "; bewaar het goed, het wordt niet opnieuw getoond\n";
    return 0;
}

namespace {

constexpr size_t kMinPasswordLength = 12;

bool validAccountName(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '@'))
            return false;
    return true;
}

void printSecondFactor(const std::string& name, const std::string& secret) {
    std::cout << "totp-geheim: " << auth::base32Encode(secret) << "\n"
              << "otpauth-uri: " << auth::otpauthUri("Sluis", name, secret) << "\n";
    std::cerr << "zet het geheim (of de otpauth-uri als QR-code) in een authenticator-app; het "
                 "wordt niet opnieuw getoond\n";
}

}  // namespace

const cli::Spec& accountSpec() {
    static const cli::Spec spec{
        "account",
        "lokale accounts van de webinterface (docs/web.md); elk account heeft een tweede factor (TOTP)", "", {},
        "rollen: beheerder, mentor, zorgcoordinator, directeur, bevoegd-gezag, fg",
        {{"account add", "maakt een account met wachtwoord en tweede factor (beide eenmaal getoond)", "",
          withDirs({{"name", "NAAM", "de accountnaam: letters, cijfers, . - _ @ (verplicht)"},
                    {"role", "ROL", "de rol van het account (verplicht)"},
                    {"password-stdin", "", "lees het wachtwoord (minstens 12 tekens) van stdin; anders maakt Sluis er een"}})},
         {"account list", "toont de accounts: naam, rol, aangemaakt, laatst aangemeld, status", "", withDirs({})},
         {"account remove", "verwijdert een account; aanmelden lukt daarna niet meer", "NAAM", withDirs({})},
         {"account reset-totp", "geeft een account een nieuwe tweede factor; de oude codes werken niet meer", "NAAM",
          withDirs({})},
         {"account role", "geeft een account een andere rol; open sessies van het account eindigen", "NAAM",
          withDirs({{"role", "ROL", "de nieuwe rol (verplicht)"}})}}};
    return spec;
}

int cmdAccount(const Args& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(accountSpec(), sub);
    if (!spec) return fail(cli::unknownSub(accountSpec(), sub));
    Args rest(args.begin() + 1, args.end());
    auto a = parseArgs(*spec, rest);
    if (!a) return fail(a.error());
    if ((sub == "remove" || sub == "reset-totp" || sub == "role") && a->positional.size() != 1)
        return fail(Error{ErrorCode::kInvalidArgument,
                          "geef precies één accountnaam op: sluis account " + sub + " NAAM"});
    std::string name = sub == "add" ? a->get("name") : (a->positional.empty() ? "" : a->positional[0]);
    std::string role, password;
    bool generated = false;
    if (sub == "role") {
        const auto& roles = api::knownRoles();
        role = a->get("role");
        if (std::find(roles.begin(), roles.end(), role) == roles.end())
            return fail(Error{ErrorCode::kInvalidArgument,
                              "geef met --role een geldige rol op: beheerder, mentor, zorgcoordinator, "
                              "directeur, bevoegd-gezag of fg"});
    }
    if (sub == "add") {
        const auto& roles = api::knownRoles();
        role = a->get("role");
        if (!validAccountName(name) || std::find(roles.begin(), roles.end(), role) == roles.end())
            return fail(Error{ErrorCode::kInvalidArgument,
                              "geef --name (letters, cijfers, . - _ @) en een geldige --role op"});
        if (a->flag("password-stdin")) {
            std::getline(std::cin, password);
            if (!password.empty() && password.back() == '\r') password.pop_back();
            if (password.size() < kMinPasswordLength)
                return fail(Error{ErrorCode::kInvalidArgument,
                                  "wachtwoord te kort: minstens " +
                                      std::to_string(kMinPasswordLength) + " tekens"});
        } else {
            password = util::toHex(crypto::randomBytes(10));
            generated = true;
        }
    }
    connector::ConnectorRegistry connectors;
    mapper::MapperRegistry mappers;
    auto cfg = loadAll(*a, connectors, mappers);
    if (!cfg) return fail(cfg.error());
    auto store = openStore(**cfg);
    if (!store) return fail(store.error());
    SystemClock clock;
    const Timestamp now = clock.now();

    if (sub == "list") {
        auto list = (*store)->listAccounts();
        if (!list) return fail(list.error());
        std::cout << "NAAM\tROL\tAANGEMAAKT\tLAATST AANGEMELD\tSTATUS\n";
        for (const auto& acc : *list)
            std::cout << acc.name << '\t' << acc.role << '\t' << formatIso(acc.created_at) << '\t'
                      << (acc.last_login ? formatIso(*acc.last_login) : std::string("nooit")) << '\t'
                      << (acc.locked_until && *acc.locked_until > now
                              ? "geblokkeerd tot " + formatIso(*acc.locked_until)
                              : std::string("actief"))
                      << '\n';
        return 0;
    }
    if (sub == "remove") {
        if (auto st = (*store)->removeAccount(name, "cli", now); !st) return fail(st.error());
        std::cerr << "account '" << name << "' verwijderd; aanmelden lukt niet meer en open "
                     "sessies van dit account zijn beëindigd\n";
        return 0;
    }
    if (sub == "role") {
        if (auto st = (*store)->changeAccountRole(name, role, "cli", now); !st) return fail(st.error());
        std::cerr << "account '" << name << "' heeft nu de rol " << role
                  << "; open sessies van dit account zijn beëindigd\n";
        return 0;
    }
    const std::string secret = auth::newTotpSecret();
    if (sub == "reset-totp") {
        if (auto st = (*store)->resetTotp(name, secret, "cli", now); !st) return fail(st.error());
        printSecondFactor(name, secret);
        std::cerr << "nieuwe tweede factor voor '" << name << "'; de oude codes werken niet meer "
                     "en open sessies van dit account zijn beëindigd\n";
        return 0;
    }
    auto hash = auth::hashPassword(password);
    if (!hash) return fail(hash.error());
    store::Account acc;
    acc.name = name;
    acc.role = role;
    acc.password_hash = *hash;
    acc.totp_secret = secret;
    acc.created_at = now;
    if (auto st = (*store)->addAccount(acc, "cli", now); !st) return fail(st.error());
    if (generated) std::cout << "wachtwoord: " << password << "\n";
    printSecondFactor(name, secret);
    std::cerr << "account '" << name << "' (rol " << role << ") aangemaakt"
              << (generated ? "; bewaar het wachtwoord goed, het wordt niet opnieuw getoond" : "")
              << "\n";
    return 0;
}

}  // namespace sluis::app

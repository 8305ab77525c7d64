#include "core/store/open_store.h"

namespace sluis::store {

Result<std::unique_ptr<TransferStore>> openStore(const config::StoreConfig& cfg,
                                                 const std::string& key_file, bool daemon) {
    static const SystemClock clock;
    return openStore(cfg, key_file, daemon, clock);
}

Result<std::unique_ptr<TransferStore>> openStore(const config::StoreConfig& cfg, const std::string& key_file,
                                                 bool daemon, const Clock& clock) {
    if (cfg.backend == "postgresql")
        return openPostgresStore({cfg.postgresql_dsn, cfg.postgresql_password, key_file}, clock);
    return openSqliteStore({cfg.sqlite_path, key_file, daemon}, clock);
}

}  // namespace sluis::store

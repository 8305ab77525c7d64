#pragma once
/// Opens the store that store.json configures (SQLite or PostgreSQL).
#include <memory>
#include <string>

#include "core/config/config.h"
#include "core/store/transfer_store.h"

namespace sluis::store {

/// The backend named by `cfg.backend`, with `key_file` as master key. Errors as
/// openSqliteStore / openPostgresStore. `daemon`: opened by `sluis serve` (a SQLite file is then
/// locked against a second daemon; PostgreSQL allows several).
Result<std::unique_ptr<TransferStore>> openStore(const config::StoreConfig& cfg,
                                                 const std::string& key_file, bool daemon = false);
/// As above; `clock` stamps what opening writes (schema versions, the records of one-time
/// upgrades): the daemon's injected clock. Used only during the call.
Result<std::unique_ptr<TransferStore>> openStore(const config::StoreConfig& cfg, const std::string& key_file,
                                                 bool daemon, const Clock& clock);

/// openSqliteStore / openPostgresStore (transfer_store.h) with the clock that stamps what opening
/// writes; the forms without it use the system clock.
Result<std::unique_ptr<TransferStore>> openSqliteStore(const SqliteOptions& options, const Clock& clock);
Result<std::unique_ptr<TransferStore>> openPostgresStore(const PostgresOptions& options, const Clock& clock);

}  // namespace sluis::store

#pragma once
/// The schema of the SQL store: one list of versions (never edit a released one; append), written
/// in the SQLite spelling (the PostgreSQL dialect translates types), and the step that applies
/// the missing ones and records each in `schema_migrations` with the time of the injected clock.
#include <string>
#include <vector>

#include "core/store/sql/session.h"
#include "core/util/clock.h"

namespace sluis::store::sql {

/// Each entry is one schema version (1-based in `schema_migrations`).
const std::vector<std::vector<std::string>>& migrations();

/// Applies the missing schema versions on `db` (caller holds its mutex); each in its own
/// transaction when `per_version` (otherwise the caller holds one around all of them). Each
/// version is stamped `applied_at` = `clock.now()`. kStorage when the database is newer than
/// this Sluis.
Status migrate(SqlSession& db, const Clock& clock, bool per_version);

}  // namespace sluis::store::sql

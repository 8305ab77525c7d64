#pragma once
/// A fresh database on the PostgreSQL test server, for tests of the PostgreSQL store.
///
/// The server is the one scripts/test.sh starts (scripts/pg-test-server.sh); its connection string
/// is in SLUIS_TEST_PG_DSN. Each PgDatabase creates its own database, so tests running in
/// parallel never see each other's rows, and drops it on destruction.
#include <string>
#include <vector>

namespace sluis::test {

class PgDatabase {
  public:
    /// Creates the database. When SLUIS_TEST_PG_DSN is missing or the server cannot be reached,
    /// `error()` says why (tests must fail then, not skip).
    PgDatabase();
    ~PgDatabase();
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;

    /// Empty when the database is ready.
    const std::string& error() const { return error_; }
    /// Connection string for the new database.
    const std::string& dsn() const { return dsn_; }
    const std::string& name() const { return name_; }

    /// Every row of every table in the database as text (to check what is stored at rest).
    std::string dumpAllRows() const;
    /// Runs `sql` on the new database and returns the first column of each row as text.
    std::vector<std::string> query(const std::string& sql) const;

  private:
    std::string admin_dsn_;
    std::string name_;
    std::string dsn_;
    std::string error_;
};

}  // namespace sluis::test

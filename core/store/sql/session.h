#pragma once
/// The SQL session of the store: what differs between the backends (Dialect: SQLite, PostgreSQL),
/// the one connection with its mutex, statements in the backend's spelling, row reading, locks and
/// transactions, and the UnitOfWork that the repositories (core/store/sql/*_repository.h) work in.
///
/// Internal to core/store: callers see only core/store/transfer_store.h.
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "core/util/clock.h"

namespace sluis::store::sql {

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;
using NullInt = Poco::Nullable<Poco::Int64>;
using NullStr = Poco::Nullable<std::string>;

/// What differs between the SQL backends. The statements of the store are written once, in the
/// SQLite spelling with `?` placeholders; the dialect turns them into its own.
class Dialect {
public:
    virtual ~Dialect() = default;
    /// A statement as this backend wants it (placeholders).
    virtual std::string statement(const std::string& sql) const = 0;
    /// A schema statement (column types, autoincrement).
    virtual std::string schema(const std::string& sql) const = 0;
    /// Extra schema statements of a migration version (1-based) for this backend.
    virtual std::vector<std::string> schemaExtras(size_t /*version*/) const { return {}; }
    /// `group_concat(column, ',')` in this dialect.
    virtual std::string joinStrings(const std::string& column) const = 0;
    /// Statements run once on a new connection.
    virtual std::vector<std::string> sessionSetup() const { return {}; }
    /// Whether all migrations and the key check run in one transaction, under the migration
    /// lock (see transactionLock).
    virtual bool lockedMigrations() const { return false; }
    /// A statement taking a transaction-scoped lock named `key` (empty: none needed, because
    /// the connection is the only writer).
    virtual std::string transactionLock(long long /*key*/) const { return {}; }
    /// Connects again when the connection was lost (server restart); true when it did.
    virtual bool reconnect(Session& /*session*/) const { return false; }
    /// The tail of a SELECT that claims rows: lock them, skipping rows another transaction holds
    /// (empty where the connection is the only writer).
    virtual std::string skipLocked() const { return {}; }
    /// The statement that starts a write transaction (empty: the session's own begin()). SQLite
    /// takes the write lock at once (BEGIN IMMEDIATE): another process (a `sluis key rotate`
    /// beside the daemon) may have written between a deferred transaction's first read and its
    /// first write, which WAL mode would refuse without waiting.
    virtual std::string beginWrite() const { return {}; }
};

class SqliteDialect final : public Dialect {
public:
    std::string statement(const std::string& sql) const override { return sql; }
    std::string schema(const std::string& sql) const override { return sql; }
    std::string joinStrings(const std::string& column) const override;
    std::vector<std::string> sessionSetup() const override;
    std::string beginWrite() const override { return "BEGIN IMMEDIATE"; }
};

class PostgresDialect final : public Dialect {
public:
    /// `?` -> `$1`, `$2`, ... outside quoted literals (Poco 1.11's connector passes the text as is).
    std::string statement(const std::string& sql) const override;
    std::string schema(const std::string& sql) const override;
    /// SQLite's implicit rowid orders rows of the same millisecond by insertion; PostgreSQL gets
    /// an identity column of the same name so the queries stay the same.
    std::vector<std::string> schemaExtras(size_t version) const override;
    std::string joinStrings(const std::string& column) const override;
    std::vector<std::string> sessionSetup() const override;
    bool lockedMigrations() const override { return true; }
    /// PQreset on the same connection object: Poco 1.11's own reconnect leaves the lost PGconn
    /// unfreed (a leak per outage).
    bool reconnect(Session& session) const override;
    std::string transactionLock(long long key) const override;
    std::string skipLocked() const override { return " FOR UPDATE SKIP LOCKED"; }
};

// Advisory lock keys (PostgreSQL): arbitrary, fixed, distinct.
constexpr long long kMigrationLock = 0x51755f6d6967;  // "Qu_mig"
constexpr long long kAuditLock = 0x51755f617564;      // "Qu_aud"
constexpr long long kRotationLock = 0x51755f726f74;   // "Qu_rot" (session-level, key rotation)

/// A column damaged outside Sluis: names table, column and row, never what the column holds.
Error damagedColumn(const char* table, const char* column, const std::string& id, const char* expected);

/// One row of a query result, read by column number.
class Row {
public:
    Row(RecordSet& rs, size_t row) : rs_(rs), row_(row) {}
    bool isNull(size_t col) const { return rs_.value(col, row_).isEmpty(); }
    /// Empty for NULL.
    std::string str(size_t col) const {
        auto v = rs_.value(col, row_);
        return v.isEmpty() ? std::string() : v.convert<std::string>();
    }
    long long i64(size_t col) const { return rs_.value(col, row_).convert<Poco::Int64>(); }
    int i32(size_t col) const { return rs_.value(col, row_).convert<int>(); }
    Timestamp time(size_t col) const { return fromMillis(i64(col)); }
    std::optional<Timestamp> optTime(size_t col) const {
        if (isNull(col)) return std::nullopt;
        return time(col);
    }
    /// The JSON object stored in `col`. A column that does not hold one (corrupted outside Sluis:
    /// Sluis only writes objects there) is a storage error naming `table`.`column` and the row
    /// `id`, never what the column holds.
    Result<nlohmann::json> object(size_t col, const char* table, const char* column,
                                  const std::string& id) const {
        auto j = nlohmann::json::parse(str(col), nullptr, false);
        if (j.is_object()) return j;
        return damagedColumn(table, column, id, "geen geldig JSON-object");
    }

private:
    RecordSet& rs_;
    size_t row_;
};

/// The store's one connection, in its backend's dialect. One connection guarded by a mutex: the
/// daemon has one writer (the worker) and a few readers (the admin API). The caller holds mutex()
/// around everything it does with the session.
class SqlSession {
public:
    SqlSession(const std::string& connector, const std::string& connection, std::unique_ptr<Dialect> dialect);

    std::mutex& mutex() { return mu_; }
    Session& session() { return session_; }
    const Dialect& dialect() const { return *dialect_; }

    /// Runs the dialect's setup statements (a new or re-established connection).
    void setup();

    /// `text` in this backend's spelling.
    std::string q(const std::string& text) const { return dialect_->statement(text); }

    /// A statement on the connection, in this backend's spelling (`schema`: a schema statement).
    Statement sql(const std::string& text, bool schema = false);

    /// Takes a transaction-scoped lock where the backend needs one (inside a transaction).
    void lock(long long key);

    /// Runs a query and calls `each(row)` for every row (stops at the first error). `bind` adds
    /// the parameters to the statement; they must outlive this call.
    template <typename Bind, typename Each>
    Status eachRow(const std::string& text, Bind&& bind, Each&& each) {
        Statement stmt = sql(text);
        bind(stmt);
        stmt.execute();
        RecordSet rs(stmt);
        for (size_t r = 0; r < rs.rowCount(); ++r) {
            Row row(rs, r);
            if constexpr (std::is_void_v<decltype(each(row))>) {
                each(row);
            } else {
                Status st = each(row);
                if (!st) return st;
            }
        }
        return {};
    }

    /// Runs `f`, turning database exceptions into kStorage errors ("database-fout bij <what>");
    /// after a lost connection, connects again so the next call works.
    template <typename F>
    Status guard(const char* what, F&& f) {
        try {
            return f();
        } catch (const Poco::Exception& e) {
            Status st(ErrorCode::kStorage, std::string("database-fout bij ") + what + ": " + e.displayText());
            reconnectIfLost();
            return st;
        } catch (const std::exception& e) {
            return Status(ErrorCode::kStorage, std::string("database-fout bij ") + what + ": " + e.what());
        }
    }

    /// Write transactions (see Dialect::beginWrite).
    void beginTxn();
    void commitTxn();
    void rollbackTxn();

private:
    /// After a lost connection (database server restarted, network gone) the call that noticed
    /// it has failed; connecting again here lets the next call work (the worker retries).
    void reconnectIfLost();

    std::mutex mu_;
    Session session_;
    std::unique_ptr<Dialect> dialect_;
};

}  // namespace sluis::store::sql

#include "tests/support/pg_database.h"

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>

namespace sluis::test {

namespace {

void registerOnce() {
    static std::once_flag once;
    std::call_once(once, [] { Poco::Data::PostgreSQL::Connector::registerConnector(); });
}

/// `dsn` with its dbname replaced by (or set to) `db`.
std::string withDatabase(const std::string& dsn, const std::string& db) {
    std::string out;
    size_t i = 0;
    bool replaced = false;
    while (i < dsn.size()) {
        size_t end = dsn.find(' ', i);
        if (end == std::string::npos) end = dsn.size();
        std::string part = dsn.substr(i, end - i);
        if (part.rfind("dbname=", 0) == 0) {
            part = "dbname=" + db;
            replaced = true;
        }
        if (!part.empty()) out += (out.empty() ? "" : " ") + part;
        i = end + 1;
    }
    if (!replaced) out += " dbname=" + db;
    return out;
}

}  // namespace

PgDatabase::PgDatabase() {
    const char* env = std::getenv("SLUIS_TEST_PG_DSN");
    if (!env || !*env) {
        error_ =
            "SLUIS_TEST_PG_DSN is not set: the PostgreSQL tests need the test server that "
            "scripts/test.sh starts (scripts/pg-test-server.sh start DIR prints the value)";
        return;
    }
    admin_dsn_ = env;
    static std::atomic<int> counter{0};
    std::random_device rd;
    name_ = "sluis_t_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(rd() % 1000000);
    dsn_ = withDatabase(admin_dsn_, name_);
    registerOnce();
    try {
        Poco::Data::Session admin("PostgreSQL", admin_dsn_);
        admin << "CREATE DATABASE " + name_, Poco::Data::Keywords::now;
    } catch (const Poco::Exception& e) {
        error_ = "cannot create test database on " + admin_dsn_ + ": " + e.displayText();
    }
}

PgDatabase::~PgDatabase() {
    if (name_.empty() || !error_.empty()) return;
    try {
        Poco::Data::Session admin("PostgreSQL", admin_dsn_);
        admin << "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)", Poco::Data::Keywords::now;
    } catch (const Poco::Exception&) {
        // The throwaway server is removed as a whole when the test run ends.
    }
}

std::vector<std::string> PgDatabase::query(const std::string& sql) const {
    registerOnce();
    Poco::Data::Session s("PostgreSQL", dsn_);
    Poco::Data::Statement stmt(s);
    stmt << sql;
    stmt.execute();
    Poco::Data::RecordSet rs(stmt);
    std::vector<std::string> out;
    for (size_t r = 0; r < rs.rowCount(); ++r) {
        auto v = rs.value(0, r);
        out.push_back(v.isEmpty() ? std::string() : v.convert<std::string>());
    }
    return out;
}

std::string PgDatabase::dumpAllRows() const {
    std::string out;
    for (const auto& table :
         query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"))
        for (const auto& row : query("SELECT CAST(t AS text) FROM " + table + " t"))
            out += row + "\n";
    return out;
}

}  // namespace sluis::test

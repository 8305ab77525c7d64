#pragma once
/// The unit of work: what one TransferStore call works in. SqlStore (the facade, sql_store.cpp)
/// opens exactly one per interface call: under the session's mutex, inside one write transaction
/// for a change (so a state change, its history and its audit record, or a consent withdrawal
/// with every transfer it stops, commit or roll back together), or as a plain read. Repositories
/// (core/store/sql/*_repository.h) take it as a parameter and never begin, commit or roll back.
#include <memory>
#include <string>

#include "core/crypto/payload_cipher.h"
#include "core/store/sql/sealed.h"
#include "core/store/sql/session.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

/// The store's keys: the master-key cipher (replaced when a key rotation switches keys), the key
/// file it was loaded from, the audit chain's HMAC key and the checkpoint signing key.
struct StoreKeys {
    std::shared_ptr<const crypto::PayloadCipher> cipher;
    std::string key_file;          ///< sluis.key in the data dir (sluis.key.new beside it)
    crypto::Key audit_key{};       ///< HMAC key of the audit chain and the register row MACs
    crypto::Key signing_seed{};    ///< Ed25519 seed for checkpoints
    std::string public_key_hex;    ///< of signing_seed
};

class UnitOfWork {
public:
    UnitOfWork(SqlSession& db, StoreKeys& keys) : db_(db), keys_(keys) {}
    UnitOfWork(const UnitOfWork&) = delete;
    UnitOfWork& operator=(const UnitOfWork&) = delete;

    SqlSession& db() { return db_; }
    StoreKeys& keys() { return keys_; }
    const crypto::PayloadCipher& cipher() const { return *keys_.cipher; }

    // What every repository writes alongside its own rows, in this unit of work:
    /// Appends to the audit chain (AuditRepository::append).
    Status appendAudit(const AuditEvent& e, Timestamp at);
    /// The keyed MAC of a register row (sealed.h) under this store's audit key.
    std::string rowMac(const std::string& table, const MacValues& values) const {
        return sql::rowMac(keys_.audit_key, table, values);
    }
    /// Whether columns [first, first + n) of `row` and the MAC in column `mac_col` belong together;
    /// logs the row (table and key, never values) when they do not.
    bool rowAuthentic(const std::string& table, const Row& row, size_t first, size_t mac_col,
                      const std::string& key) const;
    /// (Re)computes the MAC of the row of `table` whose key column is `key`, from what is stored.
    Status macRow(const std::string& table, const std::string& key);

    // Shorthands for the session's helpers.
    Statement sql(const std::string& text) { return db_.sql(text); }
    std::string q(const std::string& text) const { return db_.q(text); }
    template <typename Bind, typename Each>
    Status eachRow(const std::string& text, Bind&& bind, Each&& each) {
        return db_.eachRow(text, bind, each);
    }

private:
    SqlSession& db_;
    StoreKeys& keys_;
};

}  // namespace sluis::store::sql

#pragma once
/// The web interface's sessions (`web_sessions`, docs/web.md): keyed by the SHA-256 of the cookie
/// value, never the value; the pending OpenID Connect values sealed with the master key. Session
/// writes never append to the audit log (the facade takes no chain lock for them).
#include <optional>
#include <string>

#include "core/store/sql/unit_of_work.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

class WebSessionRepository {
public:
    explicit WebSessionRepository(UnitOfWork& w) : w_(w) {}

    /// Deletes the expired sessions, makes room under `limits` (sessions not logged in go first;
    /// an account's oldest logged-in session when it has too many) and inserts `ws`.
    Status add(const WebSession& ws, const SessionLimits& limits, const SessionCutoffs& expired);
    Result<std::optional<WebSession>> find(const std::string& id_hash);
    Status touch(const std::string& id_hash, Timestamp now_ts);
    Status remove(const std::string& id_hash);
    /// find + delete; the session only when this delete removed it (on PostgreSQL a second
    /// transaction's delete waits for the first and then finds nothing).
    Result<std::optional<WebSession>> take(const std::string& id_hash);
    /// Ends every session of account `name`; returns how many.
    Result<long long> removeAccount(const std::string& name);
    /// Deletes the expired sessions; returns how many.
    Result<long long> purge(const SessionCutoffs& expired);
    Result<long long> count();

private:
    UnitOfWork& w_;
};

}  // namespace sluis::store::sql

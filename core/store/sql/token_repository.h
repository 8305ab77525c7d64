#pragma once
/// API tokens (`api_tokens`) and the web interface's local accounts (`web_accounts`). Changes
/// append their audit record in the same unit of work.
#include <optional>
#include <string>
#include <vector>

#include "core/store/sql/unit_of_work.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

class TokenRepository {
public:
    explicit TokenRepository(UnitOfWork& w) : w_(w) {}

    Status addToken(const ApiToken& t);
    Result<std::optional<ApiToken>> findToken(const std::string& token_hash);
    Result<std::vector<ApiToken>> listTokens();
    Status revokeToken(const std::string& id, const std::string& actor, Timestamp now_ts);

    Status addAccount(const Account& a, const std::string& actor, Timestamp now_ts);
    Result<std::optional<Account>> findAccount(const std::string& name);
    Result<std::vector<Account>> listAccounts();
    Status removeAccount(const std::string& name, const std::string& actor, Timestamp now_ts);
    Status changeRole(const std::string& name, const std::string& role, const std::string& actor, Timestamp now_ts);
    Status resetTotp(const std::string& name, const std::string& secret, const std::string& actor, Timestamp now_ts);
    /// Whether recording `u` appends to the audit log (and so needs the chain lock).
    static bool loginIsAudited(const LoginUpdate& u) { return u.success || u.locked_now; }
    Status recordLogin(const std::string& name, const LoginUpdate& u, Timestamp now_ts);

private:
    UnitOfWork& w_;
};

}  // namespace sluis::store::sql

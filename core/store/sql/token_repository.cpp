#include "core/store/sql/token_repository.h"

#include "core/store/sql/rows.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::store::sql {

Status TokenRepository::addToken(const ApiToken& t) {
    std::string id = t.id, name = t.name, role = t.role, hash = t.token_hash;
    Poco::Int64 at = toMillis(t.created_at);
    NullInt expires = nullable(t.expires_at);
    w_.sql("INSERT INTO api_tokens (id, name, role, token_hash, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"),
        use(id), use(name), use(role), use(hash), use(at), use(expires), now;
    return {};
}

Result<std::optional<ApiToken>> TokenRepository::findToken(const std::string& token_hash) {
    std::optional<ApiToken> out;
    std::string hash = token_hash;
    Status st = w_.eachRow(
        "SELECT id, name, role, created_at, expires_at FROM api_tokens"
        " WHERE token_hash = ? AND revoked = 0",
        [&](Statement& s) { s, use(hash); },
        [&](const Row& row) {
            ApiToken t;
            t.id = row.str(0);
            t.name = row.str(1);
            t.role = row.str(2);
            t.created_at = row.time(3);
            t.expires_at = row.optTime(4);
            t.token_hash = hash;
            out = t;
        });
    if (!st) return st.error();
    return out;
}

Result<std::vector<ApiToken>> TokenRepository::listTokens() {
    std::vector<ApiToken> out;
    Status st = w_.eachRow(
        "SELECT id, name, role, created_at, expires_at, revoked, revoked_at, token_hash"
        " FROM api_tokens ORDER BY created_at DESC, id",
        [](Statement&) {},
        [&](const Row& row) {
            ApiToken t;
            t.id = row.str(0);
            t.name = row.str(1);
            t.role = row.str(2);
            t.created_at = row.time(3);
            t.expires_at = row.optTime(4);
            t.revoked = row.i32(5) != 0;
            t.revoked_at = row.optTime(6);
            t.token_hash = row.str(7);
            out.push_back(std::move(t));
        });
    if (!st) return st.error();
    return out;
}

Status TokenRepository::revokeToken(const std::string& id, const std::string& actor, Timestamp now_ts) {
    std::string token_id = id;
    int revoked = 0;
    Poco::Nullable<int> found;
    w_.sql("SELECT revoked FROM api_tokens WHERE id = ?"), use(token_id), into(found), now;
    if (found.isNull())
        return Error{ErrorCode::kNotFound, "token " + id + " bestaat niet"};
    revoked = found.value();
    if (revoked != 0)
        return Error{ErrorCode::kConflict, "token " + id + " is al ingetrokken"};
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("UPDATE api_tokens SET revoked = 1, revoked_at = ? WHERE id = ?"), use(at), use(token_id),
        now;
    return w_.appendAudit({actor, "token_revoked", "", "", {{"token_id", id}}}, now_ts);
}

Status TokenRepository::addAccount(const Account& a, const std::string& actor, Timestamp now_ts) {
    std::string name = a.name, role = a.role, hash = a.password_hash;
    Poco::Nullable<std::string> existing;
    w_.sql("SELECT name FROM web_accounts WHERE name = ?"), use(name), into(existing), now;
    if (!existing.isNull())
        return Error{ErrorCode::kConflict, "account '" + a.name + "' bestaat al"};
    auto sealed = w_.cipher().sealField("web-account-totp:" + a.name, a.totp_secret);
    if (!sealed) return sealed.error();
    std::string secret = b64(*sealed);
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("INSERT INTO web_accounts (name, role, password_hash, totp_secret, created_at)"
        " VALUES (?, ?, ?, ?, ?)"),
        use(name), use(role), use(hash), use(secret), use(at), now;
    return w_.appendAudit({actor, "account_added", "", "", {{"account", a.name}, {"role", a.role}}},
                       now_ts);
}

Result<std::optional<Account>> TokenRepository::findAccount(const std::string& name) {
    std::optional<Account> out;
    std::string n = name;
    Status st = w_.eachRow(
        "SELECT name, role, password_hash, totp_secret, failed_logins, locked_until,"
        " last_totp_step, created_at, last_login FROM web_accounts WHERE name = ?",
        [&](Statement& s) { s, use(n); },
        [&](const Row& row) -> Status {
            Account a;
            a.name = row.str(0);
            a.role = row.str(1);
            a.password_hash = row.str(2);
            auto secret = w_.cipher().openField("web-account-totp:" + a.name, unb64(row.str(3)));
            if (!secret) return secret.error();
            a.totp_secret = *secret;
            a.failed_logins = row.i32(4);
            a.locked_until = row.optTime(5);
            a.last_totp_step = row.i64(6);
            a.created_at = row.time(7);
            a.last_login = row.optTime(8);
            out = std::move(a);
            return {};
        });
    if (!st) return st.error();
    return out;
}

Result<std::vector<Account>> TokenRepository::listAccounts() {
    std::vector<Account> out;
    Status st = w_.eachRow(
        "SELECT name, role, failed_logins, locked_until, created_at, last_login"
        " FROM web_accounts ORDER BY name",
        [](Statement&) {},
        [&](const Row& row) {
            Account a;  // no hash, no secret: a list never needs them
            a.name = row.str(0);
            a.role = row.str(1);
            a.failed_logins = row.i32(2);
            a.locked_until = row.optTime(3);
            a.created_at = row.time(4);
            a.last_login = row.optTime(5);
            out.push_back(std::move(a));
        });
    if (!st) return st.error();
    return out;
}

Status TokenRepository::removeAccount(const std::string& name, const std::string& actor, Timestamp now_ts) {
    std::string n = name;
    Poco::Nullable<std::string> existing;
    w_.sql("SELECT name FROM web_accounts WHERE name = ?"), use(n), into(existing), now;
    if (existing.isNull())
        return Error{ErrorCode::kNotFound, "account '" + name + "' bestaat niet"};
    w_.sql("DELETE FROM web_accounts WHERE name = ?"), use(n), now;
    w_.sql("DELETE FROM web_sessions WHERE name = ?"), use(n), now;  // its sessions end at once
    return w_.appendAudit({actor, "account_removed", "", "", {{"account", name}}}, now_ts);
}

Status TokenRepository::changeRole(const std::string& name, const std::string& role,
                                   const std::string& actor, Timestamp now_ts) {
    std::string n = name, r = role;
    Poco::Nullable<std::string> old_role;
    w_.sql("SELECT role FROM web_accounts WHERE name = ?"), use(n), into(old_role), now;
    if (old_role.isNull())
        return Error{ErrorCode::kNotFound, "account '" + name + "' bestaat niet"};
    const std::string from = old_role.value();
    if (from == role)
        return Error{ErrorCode::kConflict, "account '" + name + "' heeft de rol '" + role + "' al"};
    w_.sql("UPDATE web_accounts SET role = ? WHERE name = ?"), use(r), use(n), now;
    w_.sql("DELETE FROM web_sessions WHERE name = ?"), use(n), now;  // they carry the old role
    return w_.appendAudit(
        {actor, "account_role_changed", "", "", {{"account", name}, {"from", from}, {"to", role}}},
        now_ts);
}

Status TokenRepository::resetTotp(const std::string& name, const std::string& secret, const std::string& actor,
                                  Timestamp now_ts) {
    std::string n = name;
    Poco::Nullable<std::string> existing;
    w_.sql("SELECT name FROM web_accounts WHERE name = ?"), use(n), into(existing), now;
    if (existing.isNull())
        return Error{ErrorCode::kNotFound, "account '" + name + "' bestaat niet"};
    auto sealed = w_.cipher().sealField("web-account-totp:" + name, secret);
    if (!sealed) return sealed.error();
    std::string value = b64(*sealed);
    w_.sql("UPDATE web_accounts SET totp_secret = ?, last_totp_step = 0, failed_logins = 0,"
        " locked_until = NULL WHERE name = ?"),
        use(value), use(n), now;
    w_.sql("DELETE FROM web_sessions WHERE name = ?"), use(n), now;  // its sessions end at once
    return w_.appendAudit({actor, "account_totp_reset", "", "", {{"account", name}}}, now_ts);
}

Status TokenRepository::recordLogin(const std::string& name, const LoginUpdate& u, Timestamp now_ts) {
    std::string n = name;
    int failed = u.failed_logins;
    NullInt locked = nullable(u.locked_until);
    Poco::Int64 step = u.last_totp_step;
    if (u.success) {
        Poco::Int64 at = toMillis(now_ts);
        w_.sql("UPDATE web_accounts SET failed_logins = 0, locked_until = NULL,"
            " last_totp_step = ?, last_login = ? WHERE name = ?"),
            use(step), use(at), use(n), now;
        return w_.appendAudit({name, "web_login", "", "", {{"account", name}}}, now_ts);
    }
    w_.sql("UPDATE web_accounts SET failed_logins = ?, locked_until = ? WHERE name = ?"),
        use(failed), use(locked), use(n), now;
    if (u.locked_now)
        return w_.appendAudit({name, "account_locked", "", "",
                            {{"account", name}, {"failed_logins", failed}}},
                           now_ts);
    return {};
}

}  // namespace sluis::store::sql

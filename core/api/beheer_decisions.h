#pragma once
/// What a beheerder decides, shared by the JSON API (transfers_api.cpp: requeue) and the web's
/// Beheer page (core/web/beheer_pages.cpp): offering a dead-lettered transfer again (back through
/// every gate), API tokens and the web interface's local accounts. The token and account functions
/// use the same store calls as `sluis token` and `sluis account` (app/serve.cpp), audited the same
/// way (token_created, token_revoked, account_added, account_removed, account_totp_reset,
/// account_role_changed), with the beheerder's name as actor.
#include <optional>
#include <string>
#include <vector>

#include "core/api/decisions.h"
#include "core/error.h"
#include "core/store/transfer_store.h"

namespace sluis::api {

/// The role that may do all of this.
inline constexpr const char* kBeheerRole = "beheerder";

/// Transfers a beheerder must look at: dead-lettered, and failed ones waiting for a retry.
/// Oldest first (by creation), `limit` of them after skipping `offset`.
Result<std::vector<store::Transfer>> deadLetters(const DecisionContext& c, size_t limit = 500,
                                                 size_t offset = 0);
/// How many such transfers there are (of the purposes the actor sees).
Result<long long> deadLetterCount(const DecisionContext& c);

/// Offers dead-lettered or failed transfer `id` again: attempts reset, back to `mapped` (with a
/// rendered payload; the gates decide again at once) or `received` (rendered again, then the
/// gates). Never straight to delivery. Audited "requeued". kPermissionDenied unless beheerder;
/// kConflict for any other state. Returns the transfer as it is afterwards.
Result<store::Transfer> requeue(const DecisionContext& c, const std::string& id);

/// A new API token; `token` is shown once and never stored (only its hash).
struct NewToken {
    store::ApiToken info;
    std::string token;
};
/// Creates a token for `name` with `role` (one of knownRoles), valid until `expires` (none:
/// never). Audited "token_created".
Result<NewToken> createToken(const DecisionContext& c, const std::string& name,
                             const std::string& role, std::optional<Timestamp> expires);
/// Every token (revoked included), newest first. Callers never show `token_hash`.
Result<std::vector<store::ApiToken>> listTokens(const DecisionContext& c);
/// Revokes token `id` for good (audited "token_revoked").
Status revokeToken(const DecisionContext& c, const std::string& id);

/// Whether `name` is a valid account name (letters, digits, . - _ @; at most 64).
bool validAccountName(const std::string& name);

/// A new account's credentials, shown once.
struct NewAccount {
    std::string name;
    std::string role;
    std::string password;     ///< generated
    std::string totp_secret;  ///< raw bytes (show base32 and the otpauth URI)
};
/// Adds a web account with a generated password and a new TOTP secret. Audited "account_added".
Result<NewAccount> addAccount(const DecisionContext& c, const std::string& name,
                              const std::string& role);
/// Every account (without hashes or secrets: callers never show them).
Result<std::vector<store::Account>> listAccounts(const DecisionContext& c);
/// A new TOTP secret for `name` (returned, to show once); clears a lock and ends the account's
/// web sessions in the same transaction (the store does both, so `sluis account` does too).
/// Audited "account_totp_reset".
Result<std::string> resetTotp(const DecisionContext& c, const std::string& name);
/// Removes account `name` and ends its web sessions in the same transaction; a beheerder cannot
/// remove their own (kConflict). Audited "account_removed".
Status removeAccount(const DecisionContext& c, const std::string& name);
/// Gives account `name` another role (one of knownRoles) and ends its web sessions in the same
/// transaction; a beheerder cannot change their own (kConflict). Audited "account_role_changed".
Status changeAccountRole(const DecisionContext& c, const std::string& name, const std::string& role);

}  // namespace sluis::api

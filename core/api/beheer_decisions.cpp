// What a beheerder decides (beheer_decisions.h), for the API and the web's Beheer page.
#include "core/api/beheer_decisions.h"

#include <algorithm>
#include <cctype>

#include "core/api/admin_server.h"
#include "core/crypto/payload_cipher.h"
#include "core/policy/gates.h"
#include "core/util/log.h"
#include "core/util/text.h"
#include "core/auth/credentials.h"

namespace sluis::api {

using nlohmann::json;

namespace {

Status requireBeheer(const DecisionContext& c, const std::string& what) {
    return c.actor.requireRole({kBeheerRole}, what);
}

}  // namespace

namespace {

store::ListFilter deadLetterFilter(const DecisionContext& c) {
    store::ListFilter f;
    f.states = {transfer::State::kDeadLettered, transfer::State::kFailed};
    f.purposes = visiblePurposes(c);
    return f;
}

}  // namespace

Result<std::vector<store::Transfer>> deadLetters(const DecisionContext& c, size_t limit, size_t offset) {
    if (auto st = requireBeheer(c, "vastgelopen overdrachten bekijken"); !st) return st.error();
    store::ListFilter f = deadLetterFilter(c);
    f.limit = limit;
    f.offset = offset;
    return c.store.list(f);
}

Result<long long> deadLetterCount(const DecisionContext& c) {
    if (auto st = requireBeheer(c, "vastgelopen overdrachten bekijken"); !st) return st.error();
    return c.store.count(deadLetterFilter(c));
}

Result<store::Transfer> requeue(const DecisionContext& c, const std::string& id) {
    if (c.actor.role != kBeheerRole)
        return Error{ErrorCode::kPermissionDenied, "alleen een beheerder mag opnieuw aanbieden"};
    auto t = visibleTransfer(c, id);
    if (!t) return t.error();
    // Only what gave up or failed can be offered again; a transfer that waits for consent,
    // inzage or approval waits for exactly that (requeue is no way around a gate).
    if (t->state != transfer::State::kDeadLettered && t->state != transfer::State::kFailed)
        return Error{ErrorCode::kConflict,
                     std::string("opnieuw aanbieden kan alleen bij een mislukte of "
                                 "opgegeven overdracht; deze is ") +
                         transfer::stateName(t->state)};
    store::TransitionUpdate u;
    u.attempts = 0;
    u.next_attempt_at = std::optional<Timestamp>();
    // A delivery date that passed (missed while down) no longer holds it back.
    if (t->deliver_at && *t->deliver_at <= c.clock.now()) u.deliver_at = std::optional<Timestamp>();
    // Back through every gate: with a rendered payload to mapped (the gates decide again), without
    // one (refused at render) to received (rendered again, then the gates).
    transfer::State to =
        t->payload_hash.empty() ? transfer::State::kReceived : transfer::State::kMapped;
    auto st = c.store.transition(id, t->state, to, u,
                                 {c.actor.label(), "requeued", id, t->purpose, json::object()},
                                 "opnieuw aangeboden door beheerder; poorten opnieuw beoordeeld",
                                 c.clock.now());
    if (!st) return st.error();
    if (to == transfer::State::kMapped) {
        policy::Gates gates(c.config, c.store, c.clock);
        auto moved = gates.advance(id, c.actor.label());
        if (!moved)
            log::error("api.requeue_gates_failed",
                       {{"transfer_id", id}, {"message", moved.error().message}});
    }
    return c.store.get(id);
}

Result<NewToken> createToken(const DecisionContext& c, const std::string& name,
                             const std::string& role, std::optional<Timestamp> expires) {
    if (auto st = requireBeheer(c, "API-tokens aanmaken"); !st) return st.error();
    const auto& roles = knownRoles();
    const std::string trimmed = util::trim(name);
    if (trimmed.empty() || trimmed.size() > 100)
        return Error{ErrorCode::kInvalidArgument, "geef het token een naam (hoogstens 100 tekens)"};
    if (std::find(roles.begin(), roles.end(), role) == roles.end())
        return Error{ErrorCode::kInvalidArgument, "onbekende rol '" + role + "'"};
    const Timestamp now = c.clock.now();
    if (expires && *expires <= now)
        return Error{ErrorCode::kInvalidArgument, "de vervaldatum ligt in het verleden"};
    auto [token, hash] = newApiToken();
    NewToken out;
    out.info = {"tok_" + util::toHex(crypto::randomBytes(8)), trimmed, role, hash, now, false,
                expires, {}};
    out.token = token;
    if (auto st = c.store.addToken(out.info); !st) return st.error();
    json details = {{"token_id", out.info.id}, {"role", role}};
    details["expires_at"] = expires ? json(formatIso(*expires)) : json(nullptr);
    if (auto st = c.store.audit({c.actor.label(), "token_created", "", "", details}, now); !st)
        return st.error();
    return out;
}

Result<std::vector<store::ApiToken>> listTokens(const DecisionContext& c) {
    if (auto st = requireBeheer(c, "API-tokens bekijken"); !st) return st.error();
    return c.store.listTokens();
}

Status revokeToken(const DecisionContext& c, const std::string& id) {
    if (auto st = requireBeheer(c, "API-tokens intrekken"); !st) return st;
    return c.store.revokeToken(id, c.actor.label(), c.clock.now());
}

bool validAccountName(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    for (char ch : name)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_' ||
              ch == '@'))
            return false;
    return true;
}

Result<NewAccount> addAccount(const DecisionContext& c, const std::string& name,
                              const std::string& role) {
    if (auto st = requireBeheer(c, "accounts toevoegen"); !st) return st.error();
    const auto& roles = knownRoles();
    if (!validAccountName(name))
        return Error{ErrorCode::kInvalidArgument,
                     "een accountnaam bestaat uit letters, cijfers en . - _ @ (hoogstens 64)"};
    if (std::find(roles.begin(), roles.end(), role) == roles.end())
        return Error{ErrorCode::kInvalidArgument, "onbekende rol '" + role + "'"};
    NewAccount out{name, role, util::toHex(crypto::randomBytes(10)), auth::newTotpSecret()};
    auto hash = auth::hashPassword(out.password);
    if (!hash) return hash.error();
    const Timestamp now = c.clock.now();
    store::Account acc;
    acc.name = name;
    acc.role = role;
    acc.password_hash = *hash;
    acc.totp_secret = out.totp_secret;
    acc.created_at = now;
    if (auto st = c.store.addAccount(acc, c.actor.label(), now); !st) return st.error();
    return out;
}

Result<std::vector<store::Account>> listAccounts(const DecisionContext& c) {
    if (auto st = requireBeheer(c, "accounts bekijken"); !st) return st.error();
    return c.store.listAccounts();
}

Result<std::string> resetTotp(const DecisionContext& c, const std::string& name) {
    if (auto st = requireBeheer(c, "de tweede factor van een account vernieuwen"); !st)
        return st.error();
    std::string secret = auth::newTotpSecret();
    if (auto st = c.store.resetTotp(name, secret, c.actor.label(), c.clock.now()); !st)
        return st.error();
    return secret;
}

Status removeAccount(const DecisionContext& c, const std::string& name) {
    if (auto st = requireBeheer(c, "accounts verwijderen"); !st) return st;
    if (name == c.actor.name)
        return Error{ErrorCode::kConflict, "u kunt uw eigen account niet verwijderen"};
    return c.store.removeAccount(name, c.actor.label(), c.clock.now());
}

Status changeAccountRole(const DecisionContext& c, const std::string& name, const std::string& role) {
    if (auto st = requireBeheer(c, "de rol van een account wijzigen"); !st) return st;
    if (name == c.actor.name)
        return Error{ErrorCode::kConflict,
                     "u kunt de rol van uw eigen account niet wijzigen; vraag een andere beheerder"};
    const auto& roles = knownRoles();
    if (std::find(roles.begin(), roles.end(), role) == roles.end())
        return Error{ErrorCode::kInvalidArgument, "onbekende rol '" + role + "'"};
    return c.store.changeAccountRole(name, role, c.actor.label(), c.clock.now());
}

}  // namespace sluis::api

#pragma once
/// Sessions of the web interface (docs/web.md), kept in the store (table web_sessions), so every
/// daemon on one store knows them and a restart keeps them. The cookie holds a random 256-bit id;
/// the store holds only its SHA-256. The CSRF token is derived from the cookie value (SHA-256 of
/// a fixed prefix and the value), so the store holds nothing to forge it with. Sessions end after
/// `idle` without a request or `absolute` after they began (checked against the injected clock),
/// at logout, and when their account is removed or gets a new second factor (the store's account
/// methods delete them in the same transaction).
///
/// This class is the thin layer the pages use: it makes ids, derives the CSRF token, checks the
/// time-outs, and writes `last_seen` at most once per `kTouchEvery` (so a session can be judged
/// idle up to that much early; never late).
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"

namespace sluis::web {

struct Session {
    enum class Stage {
        kAnonymous,  ///< before login: only carries the login form's CSRF token
        kTotp,       ///< password accepted, waiting for the second factor
        kFull,       ///< logged in
    };
    Stage stage = Stage::kAnonymous;
    std::string name;
    std::string role;
    std::string csrf;  ///< hex, derived from the cookie value
    std::string display;  ///< the name shown in the menu when not `name` (OpenID Connect)
    /// Short-lived values of a login in progress, kept server-side (OpenID Connect: state,
    /// nonce, PKCE verifier); sealed in the store.
    std::map<std::string, std::string> pending;
    Timestamp created{};
    Timestamp last_seen{};
};

class SessionStore {
  public:
    /// `last_seen` is written at most this often per session.
    static constexpr std::chrono::seconds kTouchEvery{30};
    /// Expired sessions are purged by `create` at most this often (and by the engine's
    /// housekeeping with every purge).
    static constexpr std::chrono::seconds kPurgeEvery{60};

    SessionStore(store::TransferStore& store, const Clock& clock, std::chrono::milliseconds idle,
                 std::chrono::milliseconds absolute, store::SessionLimits limits = {});

    /// A new session; returns the cookie value (hex, 32 random bytes). kUnavailable when the
    /// store holds the maximum of logged-in sessions; kStorage when the store fails.
    Result<std::string> create(Session::Stage stage, const std::string& name,
                               const std::string& role, const std::string& display = {},
                               std::map<std::string, std::string> pending = {});
    /// The session of cookie value `id` if it is still valid; refreshes its idle time. An expired
    /// session is removed and nullopt returned (also when the store cannot be read: logged).
    std::optional<Session> touch(const std::string& id);
    void remove(const std::string& id);
    /// The session of cookie value `id`, removed in the same step (single use: a login in
    /// progress); nullopt when it is gone, expired or taken by another request or daemon.
    std::optional<Session> take(const std::string& id);
    /// Sessions in the store (every daemon's); 0 when it cannot be read.
    size_t size() const;
    /// Deletes every expired session; returns how many.
    Result<long long> purgeExpired();

    /// Whether `token` is the CSRF token of `session` (constant time).
    static bool csrfValid(const Session& session, const std::string& token);
    /// The CSRF token of cookie value `id`.
    static std::string csrfFor(const std::string& id);

  private:
    store::SessionCutoffs cutoffs(Timestamp now) const;
    /// The session as pages see it, from its stored row and its cookie value `id`.
    static Session fromStored(const store::WebSession& ws, const std::string& id);

    store::TransferStore& store_;
    const Clock& clock_;
    const std::chrono::milliseconds idle_;
    const std::chrono::milliseconds absolute_;
    const store::SessionLimits limits_;
    std::mutex mutex_;
    Timestamp last_purge_{};
};

/// The Dutch message for a session that could not be made (`create`'s error).
std::string sessionRefusedText(const Error& e);

}  // namespace sluis::web

#pragma once
/// Sessions of the web interface, kept in the daemon's memory (docs/web.md). The cookie holds a
/// random 256-bit id; the map holds only its SHA-256. Each session carries its own CSRF token.
/// Sessions end after `idle` without a request or `absolute` after they began; a daemon restart
/// ends them all.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

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
    std::string csrf;  ///< hex, 32 random bytes
    std::string display;  ///< the name shown in the menu when not `name` (OpenID Connect)
    /// Short-lived values of a login in progress, kept server-side (OpenID Connect: state,
    /// nonce, PKCE verifier).
    std::map<std::string, std::string> pending;
    Timestamp created{};
    Timestamp last_seen{};
};

class SessionStore {
  public:
    SessionStore(const Clock& clock, std::chrono::milliseconds idle,
                 std::chrono::milliseconds absolute, size_t max_sessions = 10000);

    /// A new session; returns the cookie value (hex, 32 random bytes).
    std::string create(Session::Stage stage, const std::string& name, const std::string& role,
                       const std::string& display = {},
                       std::map<std::string, std::string> pending = {});
    /// The session of cookie value `id` if it is still valid; refreshes its idle time. An expired
    /// session is removed and nullopt returned.
    std::optional<Session> touch(const std::string& id);
    void remove(const std::string& id);
    size_t size() const;

    /// Whether `token` is the CSRF token of `session` (constant time).
    static bool csrfValid(const Session& session, const std::string& token);

  private:
    bool expired(const Session& s, Timestamp now) const;
    void prune(Timestamp now);

    const Clock& clock_;
    const std::chrono::milliseconds idle_;
    const std::chrono::milliseconds absolute_;
    const size_t max_;
    mutable std::mutex mutex_;
    std::map<std::string, Session> sessions_;  ///< by SHA-256 hex of the cookie value
};

}  // namespace sluis::web

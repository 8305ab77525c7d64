#include "core/web/session.h"

#include "core/crypto/payload_cipher.h"
#include "core/util/fs.h"
#include "core/util/text.h"
#include "core/web/auth.h"

namespace sluis::web {

SessionStore::SessionStore(const Clock& clock, std::chrono::milliseconds idle,
                           std::chrono::milliseconds absolute, size_t max_sessions)
    : clock_(clock), idle_(idle), absolute_(absolute), max_(max_sessions) {}

bool SessionStore::expired(const Session& s, Timestamp now) const {
    return now - s.last_seen >= idle_ || now - s.created >= absolute_;
}

void SessionStore::prune(Timestamp now) {
    for (auto it = sessions_.begin(); it != sessions_.end();)
        it = expired(it->second, now) ? sessions_.erase(it) : std::next(it);
}

std::string SessionStore::create(Session::Stage stage, const std::string& name,
                                 const std::string& role, const std::string& display,
                                 std::map<std::string, std::string> pending) {
    const std::string id = util::toHex(crypto::randomBytes(32));
    Session s;
    s.stage = stage;
    s.name = name;
    s.role = role;
    s.display = display;
    s.pending = std::move(pending);
    s.csrf = util::toHex(crypto::randomBytes(32));
    s.created = s.last_seen = clock_.now();
    std::lock_guard lock(mutex_);
    if (sessions_.size() >= max_) prune(s.created);
    // Still full: drop anonymous sessions first (a flood of login pages must not log people out).
    for (auto it = sessions_.begin(); sessions_.size() >= max_ && it != sessions_.end();)
        it = it->second.stage != Session::Stage::kFull ? sessions_.erase(it) : std::next(it);
    if (sessions_.size() >= max_) sessions_.erase(sessions_.begin());
    sessions_[util::sha256Hex(id)] = std::move(s);
    return id;
}

std::optional<Session> SessionStore::touch(const std::string& id) {
    if (id.size() != 64) return std::nullopt;
    const Timestamp now = clock_.now();
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(util::sha256Hex(id));
    if (it == sessions_.end()) return std::nullopt;
    if (expired(it->second, now)) {
        sessions_.erase(it);
        return std::nullopt;
    }
    it->second.last_seen = now;
    return it->second;
}

void SessionStore::remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(util::sha256Hex(id));
}

size_t SessionStore::size() const {
    std::lock_guard lock(mutex_);
    return sessions_.size();
}

bool SessionStore::csrfValid(const Session& session, const std::string& token) {
    return !token.empty() && constantTimeEquals(session.csrf, token);
}

}  // namespace sluis::web

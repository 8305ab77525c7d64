#include "core/web/session.h"

#include "core/crypto/payload_cipher.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"
#include "core/auth/credentials.h"

namespace sluis::web {

SessionStore::SessionStore(store::TransferStore& store, const Clock& clock,
                           std::chrono::milliseconds idle, std::chrono::milliseconds absolute,
                           store::SessionLimits limits)
    : store_(store), clock_(clock), idle_(idle), absolute_(absolute), limits_(limits) {}

store::SessionCutoffs SessionStore::cutoffs(Timestamp now) const {
    return {now - idle_, now - absolute_};
}

std::string SessionStore::csrfFor(const std::string& id) {
    return util::sha256Hex("sluis-csrf:" + id);
}

Result<std::string> SessionStore::create(Session::Stage stage, const std::string& name,
                                         const std::string& role, const std::string& display,
                                         std::map<std::string, std::string> pending) {
    const std::string id = util::toHex(crypto::randomBytes(32));
    store::WebSession s;
    s.id_hash = util::sha256Hex(id);
    s.stage = static_cast<int>(stage);
    s.name = name;
    s.role = role;
    s.display = display;
    s.pending = std::move(pending);
    s.created = s.last_seen = clock_.now();
    // Expired sessions are purged in the same transaction at most every kPurgeEvery; otherwise
    // the cut-offs lie in the past and delete nothing.
    store::SessionCutoffs expired{};
    {
        std::lock_guard lock(mutex_);
        if (s.created - last_purge_ >= kPurgeEvery) {
            expired = cutoffs(s.created);
            last_purge_ = s.created;
        }
    }
    Status st = store_.addSession(s, limits_, expired);
    if (!st) {
        if (st.code() == ErrorCode::kUnavailable)
            log::warn("web.session_limit", {{"max", limits_.total}});
        else
            log::error("web.session_store_failed", {{"message", st.message()}});
        return st.error();
    }
    return id;
}

Session SessionStore::fromStored(const store::WebSession& ws, const std::string& id) {
    Session s;
    s.stage = static_cast<Session::Stage>(ws.stage);
    s.name = ws.name;
    s.role = ws.role;
    s.display = ws.display;
    s.pending = ws.pending;
    s.csrf = csrfFor(id);
    s.created = ws.created;
    s.last_seen = ws.last_seen;
    return s;
}

std::optional<Session> SessionStore::touch(const std::string& id) {
    if (id.size() != 64) return std::nullopt;
    const Timestamp now = clock_.now();
    const std::string hash = util::sha256Hex(id);
    auto found = store_.findSession(hash);
    if (!found) {
        log::error("web.session_store_failed", {{"message", found.error().message}});
        return std::nullopt;
    }
    if (!found->has_value()) return std::nullopt;
    const store::WebSession& ws = **found;
    if (now - ws.last_seen >= idle_ || now - ws.created >= absolute_) {
        if (Status st = store_.removeSession(hash); !st)
            log::error("web.session_store_failed", {{"message", st.message()}});
        return std::nullopt;
    }
    Session s = fromStored(ws, id);
    if (now - ws.last_seen >= kTouchEvery) {
        if (Status st = store_.touchSession(hash, now); !st)
            log::error("web.session_store_failed", {{"message", st.message()}});
        s.last_seen = now;
    }
    return s;
}

std::optional<Session> SessionStore::take(const std::string& id) {
    if (id.size() != 64) return std::nullopt;
    const Timestamp now = clock_.now();
    auto found = store_.takeSession(util::sha256Hex(id));
    if (!found) {
        log::error("web.session_store_failed", {{"message", found.error().message}});
        return std::nullopt;
    }
    if (!found->has_value()) return std::nullopt;
    const store::WebSession& ws = **found;
    if (now - ws.last_seen >= idle_ || now - ws.created >= absolute_) return std::nullopt;
    return fromStored(ws, id);
}

void SessionStore::remove(const std::string& id) {
    if (id.empty()) return;
    if (Status st = store_.removeSession(util::sha256Hex(id)); !st)
        log::error("web.session_store_failed", {{"message", st.message()}});
}

size_t SessionStore::size() const {
    auto n = store_.countSessions();
    return n ? static_cast<size_t>(*n) : 0;
}

Result<long long> SessionStore::purgeExpired() { return store_.purgeSessions(cutoffs(clock_.now())); }

bool SessionStore::csrfValid(const Session& session, const std::string& token) {
    return !token.empty() && auth::constantTimeEquals(session.csrf, token);
}

std::string sessionRefusedText(const Error& e) {
    if (e.code == ErrorCode::kUnavailable)
        return "Er zijn op dit moment te veel mensen tegelijk aangemeld bij Sluis. Probeer het "
               "over enkele minuten opnieuw, of vraag de beheerder.";
    return "Aanmelden lukt nu niet; probeer het later opnieuw.";
}

}  // namespace sluis::web

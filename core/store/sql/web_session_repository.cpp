#include "core/store/sql/web_session_repository.h"

#include <nlohmann/json.hpp>

#include "core/store/sql/rows.h"

namespace sluis::store::sql {

namespace {
constexpr int kLoggedIn = 2;  ///< web::Session::Stage::kFull
}  // namespace

Status WebSessionRepository::add(const WebSession& ws, const SessionLimits& limits,
                                 const SessionCutoffs& expired) {
    SLUIS_RETURN_IF_ERROR(purge(expired).status());
    Poco::Int64 total = 0;
    w_.sql("SELECT COUNT(*) FROM web_sessions"), into(total), now;
    if (total >= static_cast<Poco::Int64>(limits.total)) {
        // Sessions not logged in go first: a flood of login pages logs nobody out.
        Poco::Int64 surplus = total - static_cast<Poco::Int64>(limits.total) + 1;
        int stage = kLoggedIn;
        w_.sql("DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM web_sessions"
               " WHERE stage <> ? ORDER BY created_at LIMIT ?)"),
            use(stage), use(surplus), now;
        w_.sql("SELECT COUNT(*) FROM web_sessions"), into(total), now;
        if (total >= static_cast<Poco::Int64>(limits.total))
            return Error{ErrorCode::kUnavailable, "te veel open sessies"};
    }
    std::string name = ws.name;
    if (ws.stage == kLoggedIn && !name.empty()) {
        Poco::Int64 mine = 0;
        int stage = kLoggedIn;
        w_.sql("SELECT COUNT(*) FROM web_sessions WHERE name = ? AND stage = ?"), use(name),
            use(stage), into(mine), now;
        if (mine >= static_cast<Poco::Int64>(limits.per_account)) {
            Poco::Int64 surplus = mine - static_cast<Poco::Int64>(limits.per_account) + 1;
            w_.sql("DELETE FROM web_sessions WHERE id_hash IN (SELECT id_hash FROM"
                   " web_sessions WHERE name = ? AND stage = ? ORDER BY created_at LIMIT ?)"),
                use(name), use(stage), use(surplus), now;
        }
    }
    NullStr pending;
    if (!ws.pending.empty()) {
        nlohmann::json j(ws.pending);
        auto sealed = w_.cipher().sealField("web-session-pending:" + ws.id_hash, j.dump());
        if (!sealed) return sealed.error();
        pending = b64(*sealed);
    }
    std::string id = ws.id_hash, role = ws.role, display = ws.display;
    int stage = ws.stage;
    Poco::Int64 created = toMillis(ws.created), seen = toMillis(ws.last_seen);
    w_.sql("INSERT INTO web_sessions (id_hash, stage, name, role, display, pending,"
           " created_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        use(id), use(stage), use(name), use(role), use(display), use(pending), use(created),
        use(seen), now;
    return {};
}

Result<std::optional<WebSession>> WebSessionRepository::find(const std::string& id_hash) {
    std::optional<WebSession> out;
    std::string id = id_hash;
    Status st = w_.eachRow(
        "SELECT id_hash, stage, name, role, display, pending, created_at, last_seen"
        " FROM web_sessions WHERE id_hash = ?",
        [&](Statement& s) { s, use(id); },
        [&](const Row& row) {
            WebSession ws;
            ws.id_hash = row.str(0);
            ws.stage = row.i32(1);
            ws.name = row.str(2);
            ws.role = row.str(3);
            ws.display = row.str(4);
            if (!row.isNull(5)) {
                // Pending values that do not open (another key, changed outside Sluis) are
                // dropped: the login in progress has to start again.
                auto plain = w_.cipher().openField("web-session-pending:" + ws.id_hash,
                                                   unb64(row.str(5)));
                if (plain) {
                    auto j = nlohmann::json::parse(*plain, nullptr, false);
                    if (j.is_object())
                        for (auto& [k, v] : j.items())
                            if (v.is_string()) ws.pending[k] = v.get<std::string>();
                }
            }
            ws.created = row.time(6);
            ws.last_seen = row.time(7);
            out = std::move(ws);
        });
    if (!st) return st.error();
    return out;
}

Status WebSessionRepository::touch(const std::string& id_hash, Timestamp now_ts) {
    std::string id = id_hash;
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("UPDATE web_sessions SET last_seen = ? WHERE id_hash = ? AND last_seen < ?"), use(at),
        use(id), use(at), now;
    return {};
}

Status WebSessionRepository::remove(const std::string& id_hash) {
    std::string id = id_hash;
    w_.sql("DELETE FROM web_sessions WHERE id_hash = ?"), use(id), now;
    return {};
}

Result<std::optional<WebSession>> WebSessionRepository::take(const std::string& id_hash) {
    auto found = find(id_hash);
    if (!found || !found->has_value()) return found;
    std::string id = id_hash;
    Statement del = w_.sql("DELETE FROM web_sessions WHERE id_hash = ?");
    del, use(id);
    if (del.execute() != 1) return std::optional<WebSession>{};
    return found;
}

Result<long long> WebSessionRepository::removeAccount(const std::string& name) {
    std::string who = name;
    Statement del = w_.sql("DELETE FROM web_sessions WHERE name = ?");
    del, use(who);
    return static_cast<long long>(del.execute());
}

Result<long long> WebSessionRepository::purge(const SessionCutoffs& expired) {
    Poco::Int64 seen = toMillis(expired.seen_before), created = toMillis(expired.created_before);
    Statement del = w_.sql("DELETE FROM web_sessions WHERE last_seen <= ? OR created_at <= ?");
    del, use(seen), use(created);
    return static_cast<long long>(del.execute());
}

Result<long long> WebSessionRepository::count() {
    Poco::Int64 n = 0;
    w_.sql("SELECT COUNT(*) FROM web_sessions"), into(n), now;
    return static_cast<long long>(n);
}

}  // namespace sluis::store::sql

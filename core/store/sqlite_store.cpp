// SQLite backend of the transfer store, through Poco::Data.
//
// One connection guarded by a mutex: the daemon has one writer (the worker) and a few readers (the
// admin API); WAL keeps readers of other processes (sqlite3 CLI, backups) from blocking it.
#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

#include "core/store/transfer_store.h"
#include "core/util/fs.h"
#include "core/util/text.h"

namespace sluis::store {

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;
using Poco::Data::Session;
using Poco::Data::Statement;
using NullInt = Poco::Nullable<Poco::Int64>;
using NullStr = Poco::Nullable<std::string>;

namespace {

// Each entry is one schema version. Never edit a released entry; append a new one.
const std::vector<std::vector<std::string>>& migrations() {
    static const std::vector<std::vector<std::string>> m = {
        {
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE transfers ("
            " id TEXT PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE,"
            " direction TEXT NOT NULL, route TEXT NOT NULL, purpose TEXT NOT NULL,"
            " profile TEXT NOT NULL, source TEXT NOT NULL, destination TEXT NOT NULL,"
            " subject TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
            " next_attempt_at INTEGER, deliver_at INTEGER, created_at INTEGER NOT NULL,"
            " updated_at INTEGER NOT NULL, content_type TEXT NOT NULL DEFAULT '',"
            " file_extension TEXT NOT NULL DEFAULT '', payload_hash TEXT NOT NULL DEFAULT '',"
            " receipt TEXT NOT NULL DEFAULT '', last_error TEXT NOT NULL DEFAULT '',"
            " data_key TEXT, canonical TEXT, payload TEXT)",
            "CREATE INDEX transfers_state ON transfers (state, next_attempt_at)",
            "CREATE INDEX transfers_subject ON transfers (subject)",
            "CREATE TABLE transfer_history ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, transfer_id TEXT NOT NULL,"
            " from_state INTEGER, to_state INTEGER NOT NULL, at INTEGER NOT NULL,"
            " actor TEXT NOT NULL, reason TEXT NOT NULL)",
            "CREATE INDEX transfer_history_transfer ON transfer_history (transfer_id, seq)",
            "CREATE TABLE audit ("
            " seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
            " event TEXT NOT NULL, transfer_id TEXT NOT NULL, purpose TEXT NOT NULL,"
            " details TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
            "CREATE TABLE ingested ("
            " ingest_key TEXT PRIMARY KEY, source TEXT NOT NULL, item_name TEXT NOT NULL,"
            " at INTEGER NOT NULL, transfers INTEGER NOT NULL)",
            "CREATE TABLE api_tokens ("
            " id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
            " token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,"
            " revoked INTEGER NOT NULL DEFAULT 0)",
        },
        {
            "ALTER TABLE transfers ADD COLUMN created_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE transfers ADD COLUMN changed_by TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE transfers ADD COLUMN withdraw_deadline INTEGER",
            "ALTER TABLE transfers ADD COLUMN disclosure TEXT NOT NULL DEFAULT '{}'",
            "ALTER TABLE transfers ADD COLUMN consent_id TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX transfers_route_subject ON transfers (route, subject, state)",
            "CREATE TABLE consents ("
            " id TEXT PRIMARY KEY, pupil TEXT NOT NULL, purpose TEXT NOT NULL,"
            " given_by TEXT NOT NULL, relation TEXT NOT NULL, decision TEXT NOT NULL,"
            " decided_on TEXT NOT NULL, method TEXT NOT NULL, evidence TEXT NOT NULL,"
            " valid_from TEXT NOT NULL, valid_until TEXT NOT NULL, recorded_by TEXT NOT NULL,"
            " recorded_at INTEGER NOT NULL, withdrawn_at INTEGER, withdrawn_by TEXT NOT NULL DEFAULT '')",
            "CREATE INDEX consents_pupil ON consents (pupil, purpose)",
            "CREATE TABLE inzage ("
            " id TEXT PRIMARY KEY, pupil TEXT NOT NULL, purpose TEXT NOT NULL,"
            " inzagedatum TEXT NOT NULL, akkoord TEXT NOT NULL, redennietakkoord TEXT NOT NULL,"
            " recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL)",
            "CREATE INDEX inzage_pupil ON inzage (pupil, purpose)",
            "CREATE TABLE approvals ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, transfer_id TEXT NOT NULL, approver TEXT NOT NULL,"
            " role TEXT NOT NULL, payload_hash TEXT NOT NULL, decision TEXT NOT NULL,"
            " reason TEXT NOT NULL, at INTEGER NOT NULL)",
            "CREATE INDEX approvals_transfer ON approvals (transfer_id)",
            "CREATE TABLE previews ("
            " transfer_id TEXT NOT NULL, viewer TEXT NOT NULL, payload_hash TEXT NOT NULL,"
            " at INTEGER NOT NULL, PRIMARY KEY (transfer_id, viewer, payload_hash))",
        },
        {
            // Evidence files of consents: file name and bytes sealed with the master key.
            "CREATE TABLE consent_evidence ("
            " consent_id TEXT PRIMARY KEY REFERENCES consents (id), filename TEXT NOT NULL,"
            " content_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
            " data TEXT NOT NULL)",
            "CREATE TABLE batches ("
            " id TEXT PRIMARY KEY, name TEXT NOT NULL, purpose TEXT NOT NULL,"
            " prepared_by TEXT NOT NULL, prepared_at INTEGER NOT NULL, items TEXT NOT NULL,"
            " status TEXT NOT NULL, decided_by TEXT NOT NULL DEFAULT '', decided_at INTEGER,"
            " outcome TEXT NOT NULL DEFAULT '{}')",
        },
        {
            "ALTER TABLE transfers ADD COLUMN choices TEXT NOT NULL DEFAULT '{}'",
            // Human-readable renderings of the payload for checking (HTML, PDF), encrypted with
            // the transfer's data key.
            "CREATE TABLE transfer_reports ("
            " transfer_id TEXT NOT NULL, content_type TEXT NOT NULL, data TEXT NOT NULL,"
            " PRIMARY KEY (transfer_id, content_type))",
            "CREATE TABLE procedures ("
            " transfer_id TEXT PRIMARY KEY, answers TEXT NOT NULL DEFAULT '{}',"
            " answered_by TEXT NOT NULL DEFAULT '', answered_at INTEGER,"
            " saved_by TEXT NOT NULL DEFAULT '', saved_at INTEGER, saved_hash TEXT NOT NULL DEFAULT '',"
            " saved_deliver_at INTEGER)",
            "CREATE TABLE notifications ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, transfer_id TEXT NOT NULL,"
            " recipients TEXT NOT NULL, subject TEXT NOT NULL, body TEXT NOT NULL,"
            " created_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER,"
            " sent_at INTEGER, last_error TEXT NOT NULL DEFAULT '')",
            "CREATE INDEX notifications_due ON notifications (sent_at, next_attempt_at)",
            "CREATE TABLE schedule_runs ("
            " route TEXT NOT NULL, due_at INTEGER NOT NULL, outcome TEXT NOT NULL, at INTEGER NOT NULL,"
            " PRIMARY KEY (route, due_at))",
        },
    };
    return m;
}

std::string b64(const std::string& in) {
    std::ostringstream out;
    Poco::Base64Encoder enc(out);
    enc.rdbuf()->setLineLength(0);
    enc << in;
    enc.close();
    return out.str();
}

std::string unb64(const std::string& in) {
    std::istringstream src(in);
    Poco::Base64Decoder dec(src);
    std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
    return out;
}

NullInt nullable(const std::optional<Timestamp>& t) {
    return t ? NullInt(toMillis(*t)) : NullInt();
}

const char* kTransferColumns =
    "id, idempotency_key, direction, route, purpose, profile, source, destination, subject, state,"
    " attempts, next_attempt_at, deliver_at, created_at, updated_at, content_type, file_extension,"
    " payload_hash, receipt, last_error, (data_key IS NULL) AS purged, created_by, changed_by,"
    " withdraw_deadline, disclosure, consent_id, choices,"
    " (SELECT COALESCE(group_concat(content_type, ','), '') FROM transfer_reports r"
    "  WHERE r.transfer_id = transfers.id) AS report_types";

Transfer rowToTransfer(RecordSet& rs, size_t row) {
    auto str = [&](size_t col) {
        auto v = rs.value(col, row);
        return v.isEmpty() ? std::string() : v.convert<std::string>();
    };
    auto opt = [&](size_t col) -> std::optional<Timestamp> {
        auto v = rs.value(col, row);
        if (v.isEmpty()) return std::nullopt;
        return fromMillis(v.convert<Poco::Int64>());
    };
    Transfer t;
    t.id = str(0);
    t.idempotency_key = str(1);
    t.direction = str(2);
    t.route = str(3);
    t.purpose = str(4);
    t.profile = str(5);
    t.source = str(6);
    t.destination = str(7);
    t.subject = str(8);
    t.state = static_cast<State>(rs.value(9, row).convert<int>());
    t.attempts = rs.value(10, row).convert<int>();
    t.next_attempt_at = opt(11);
    t.deliver_at = opt(12);
    t.created_at = fromMillis(rs.value(13, row).convert<Poco::Int64>());
    t.updated_at = fromMillis(rs.value(14, row).convert<Poco::Int64>());
    t.content_type = str(15);
    t.file_extension = str(16);
    t.payload_hash = str(17);
    t.receipt = str(18);
    t.last_error = str(19);
    t.payload_purged = rs.value(20, row).convert<int>() != 0;
    t.created_by = str(21);
    t.changed_by = str(22);
    t.withdraw_deadline = opt(23);
    t.disclosure = nlohmann::json::parse(str(24), nullptr, false);
    if (t.disclosure.is_discarded()) t.disclosure = nlohmann::json::object();
    t.consent_id = str(25);
    t.choices = nlohmann::json::parse(str(26), nullptr, false);
    if (!t.choices.is_object()) t.choices = nlohmann::json::object();
    std::string types = str(27);
    for (size_t i = 0, j; i < types.size(); i = j + 1) {
        j = types.find(',', i);
        if (j == std::string::npos) j = types.size();
        if (j > i) t.report_types.push_back(types.substr(i, j - i));
    }
    return t;
}

class SqliteStore final : public TransferStore {
public:
    explicit SqliteStore(const std::string& path) : session_("SQLite", path) {}

    Status init(const SqliteOptions& opts) {
        return guard("openen", [&]() -> Status {
            session_ << "PRAGMA journal_mode=WAL", now;
            session_ << "PRAGMA synchronous=FULL", now;
            session_ << "PRAGMA foreign_keys=ON", now;
            session_ << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                        " applied_at INTEGER NOT NULL)",
                now;
            int current = 0;
            session_ << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", into(current),
                now;
            const auto& all = migrations();
            if (current > static_cast<int>(all.size()))
                return Status(ErrorCode::kStorage,
                              "database heeft schemaversie " + std::to_string(current) +
                                  ", deze Sluis kent tot " + std::to_string(all.size()) +
                                  ": gebruik een nieuwere Sluis");
            for (size_t v = static_cast<size_t>(current); v < all.size(); ++v) {
                session_.begin();
                try {
                    for (const auto& sql : all[v]) session_ << sql, now;
                    Poco::Int64 at = toMillis(SystemClock().now());
                    int version = static_cast<int>(v + 1);
                    session_ << "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                        use(version), use(at), now;
                    session_.commit();
                } catch (...) {
                    session_.rollback();
                    throw;
                }
            }
            return initKey(opts.key_file);
        });
    }

    Result<IngestResult> ingest(const IngestBatch& batch, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        Result<IngestResult> result = IngestResult::kStored;
        Status st = txn("opslaan", [&]() -> Status {
            int seen = 0;
            std::string key = batch.ingest_key;
            session_ << "SELECT COUNT(*) FROM ingested WHERE ingest_key = ?", use(key), into(seen),
                now;
            if (seen > 0) {
                result = IngestResult::kAlreadyStored;
                return {};
            }
            Poco::Int64 at = toMillis(now_ts);
            for (const auto& nt : batch.transfers) {
                const Transfer& t = nt.meta;
                // A newer version of data already waiting for this pupil on this route replaces
                // it: the transfer goes back to 'received' and is rendered again, so approvals
                // bound to the old payload hash lapse.
                std::string route = t.route, subject = t.subject;
                NullStr existing_id, existing_dk;
                Poco::Nullable<int> existing_state;
                if (!subject.empty()) {
                    Statement find(session_);
                    find << "SELECT id, data_key, state FROM transfers WHERE route = ? AND subject = ?"
                            " AND state IN (1, 2, 3, 4, 5) ORDER BY created_at DESC LIMIT 1",
                        use(route), use(subject), into(existing_id), into(existing_dk),
                        into(existing_state);
                    find.execute();
                }
                if (!existing_id.isNull() && !existing_dk.isNull()) {
                    std::string eid = existing_id.value();
                    auto enc = cipher_->encrypt(unb64(existing_dk.value()), eid, nt.canonical);
                    if (!enc) return enc.error();
                    std::string canon = b64(*enc), actor = batch.actor;
                    State from = static_cast<State>(existing_state.value());
                    int received = static_cast<int>(State::kReceived);
                    session_ << "UPDATE transfers SET canonical = ?, payload = NULL, payload_hash = '',"
                                " state = ?, changed_by = ?, updated_at = ? WHERE id = ?",
                        use(canon), use(received), use(actor), use(at), use(eid), now;
                    if (from != State::kReceived)
                        SLUIS_RETURN_IF_ERROR(insertHistory(eid, from, State::kReceived, now_ts,
                                                            batch.actor, "nieuwe gegevens ontvangen"));
                    AuditEvent ev{batch.actor, "data_changed", eid, t.purpose,
                                  {{"route", t.route}, {"subject", t.subject},
                                   {"ingest_key", batch.ingest_key},
                                   {"from", transfer::stateName(from)}}};
                    SLUIS_RETURN_IF_ERROR(insertAudit(ev, now_ts));
                    continue;
                }
                auto wrapped = cipher_->newWrappedDataKey(t.id);
                if (!wrapped) return wrapped.error();
                auto enc = cipher_->encrypt(*wrapped, t.id, nt.canonical);
                if (!enc) return enc.error();
                std::string dk = b64(*wrapped), canon = b64(*enc);
                int state = static_cast<int>(State::kReceived);
                NullInt deliver = nullable(t.deliver_at);
                std::string id = t.id, ik = t.idempotency_key, dir = t.direction,
                            purpose = t.purpose, profile = t.profile, source = t.source,
                            dest = t.destination, actor = batch.actor;
                session_ << "INSERT INTO transfers (id, idempotency_key, direction, route, purpose,"
                            " profile, source, destination, subject, state, deliver_at, created_at,"
                            " updated_at, data_key, canonical, created_by, changed_by) VALUES"
                            " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    use(id), use(ik), use(dir), use(route), use(purpose), use(profile), use(source),
                    use(dest), use(subject), use(state), use(deliver), use(at), use(at), use(dk),
                    use(canon), use(actor), use(actor), now;
                SLUIS_RETURN_IF_ERROR(insertHistory(t.id, std::nullopt, State::kReceived, now_ts,
                                                    batch.actor, "ontvangen via " + batch.source));
                AuditEvent ev{batch.actor, "created", t.id, t.purpose,
                              {{"route", t.route}, {"source", t.source}, {"subject", t.subject},
                               {"ingest_key", batch.ingest_key}}};
                SLUIS_RETURN_IF_ERROR(insertAudit(ev, now_ts));
            }
            Poco::Int64 count = static_cast<Poco::Int64>(batch.transfers.size());
            std::string src = batch.source, name = batch.item_name;
            session_ << "INSERT INTO ingested (ingest_key, source, item_name, at, transfers)"
                        " VALUES (?, ?, ?, ?, ?)",
                use(key), use(src), use(name), use(at), use(count), now;
            return {};
        });
        if (!st) return st.error();
        return result;
    }

    Status transition(const std::string& id, State from, State to, const TransitionUpdate& u,
                      const AuditEvent& event, const std::string& reason, Timestamp now_ts) override {
        if (from != to && !transfer::canTransition(from, to))
            return {ErrorCode::kConflict, std::string("overgang ") + transfer::stateName(from) +
                                              " -> " + transfer::stateName(to) +
                                              " is niet toegestaan"};
        std::lock_guard<std::mutex> lock(mu_);
        return txn("statuswijziging", [&]() -> Status {
            std::string sql = "UPDATE transfers SET state = ?, updated_at = ?";
            std::vector<std::function<void(Statement&)>> binds;
            int to_i = static_cast<int>(to);
            Poco::Int64 at = toMillis(now_ts);
            Statement stmt(session_);
            // Values must outlive execute(): keep them in locals captured by reference.
            std::string payload_b64, hash, ctype, ext, receipt, last_error, changed_by, disclosure,
                consent_id, choices;
            std::vector<std::pair<std::string, std::string>> sealed_reports;
            int attempts = 0;
            NullInt next, deliver, deadline;
            if (u.payload || u.reports) {
                NullStr dk_null;
                session_ << "SELECT data_key FROM transfers WHERE id = ?", use(const_cast<std::string&>(id)),
                    into(dk_null), now;
                if (dk_null.isNull())
                    return Status(ErrorCode::kConflict, "payload van " + id + " is al verwijderd");
                if (u.payload) {
                    auto enc = cipher_->encrypt(unb64(dk_null.value()), id, *u.payload);
                    if (!enc) return enc.error();
                    payload_b64 = b64(*enc);
                    hash = util::sha256Hex(*u.payload);
                    sql += ", payload = ?, payload_hash = ?";
                }
                if (u.reports) {
                    for (const auto& [type, bytes] : *u.reports) {
                        auto enc = cipher_->encrypt(unb64(dk_null.value()), id, bytes);
                        if (!enc) return enc.error();
                        sealed_reports.emplace_back(type, b64(*enc));
                    }
                }
            }
            if (u.choices) { choices = u.choices->dump(); sql += ", choices = ?"; }
            if (u.content_type) { ctype = *u.content_type; sql += ", content_type = ?"; }
            if (u.file_extension) { ext = *u.file_extension; sql += ", file_extension = ?"; }
            if (u.attempts) { attempts = *u.attempts; sql += ", attempts = ?"; }
            if (u.next_attempt_at) { next = nullable(*u.next_attempt_at); sql += ", next_attempt_at = ?"; }
            if (u.deliver_at) { deliver = nullable(*u.deliver_at); sql += ", deliver_at = ?"; }
            if (u.receipt) { receipt = *u.receipt; sql += ", receipt = ?"; }
            if (u.last_error) { last_error = *u.last_error; sql += ", last_error = ?"; }
            if (u.changed_by) { changed_by = *u.changed_by; sql += ", changed_by = ?"; }
            if (u.withdraw_deadline) { deadline = nullable(*u.withdraw_deadline); sql += ", withdraw_deadline = ?"; }
            if (u.disclosure) { disclosure = u.disclosure->dump(); sql += ", disclosure = ?"; }
            if (u.consent_id) { consent_id = *u.consent_id; sql += ", consent_id = ?"; }
            sql += " WHERE id = ? AND state = ?";
            int from_i = static_cast<int>(from);
            std::string id_copy = id;
            stmt << sql, use(to_i), use(at);
            if (u.payload) stmt, use(payload_b64), use(hash);
            if (u.choices) stmt, use(choices);
            if (u.content_type) stmt, use(ctype);
            if (u.file_extension) stmt, use(ext);
            if (u.attempts) stmt, use(attempts);
            if (u.next_attempt_at) stmt, use(next);
            if (u.deliver_at) stmt, use(deliver);
            if (u.receipt) stmt, use(receipt);
            if (u.last_error) stmt, use(last_error);
            if (u.changed_by) stmt, use(changed_by);
            if (u.withdraw_deadline) stmt, use(deadline);
            if (u.disclosure) stmt, use(disclosure);
            if (u.consent_id) stmt, use(consent_id);
            stmt, use(id_copy), use(from_i);
            size_t changed = stmt.execute();
            if (changed != 1)
                return Status(ErrorCode::kConflict, "overdracht " + id + " is niet (meer) in status " +
                                                        transfer::stateName(from));
            if (u.reports) {
                session_ << "DELETE FROM transfer_reports WHERE transfer_id = ?", use(id_copy), now;
                for (auto& [type, data] : sealed_reports)
                    session_ << "INSERT INTO transfer_reports (transfer_id, content_type, data) VALUES (?, ?, ?)",
                        use(id_copy), use(type), use(data), now;
            }
            if (from != to) SLUIS_RETURN_IF_ERROR(insertHistory(id, from, to, now_ts, event.actor, reason));
            AuditEvent ev = event;
            if (ev.event.empty()) ev.event = "state_changed";
            ev.transfer_id = id;
            ev.details["from"] = transfer::stateName(from);
            ev.details["to"] = transfer::stateName(to);
            return insertAudit(ev, now_ts);
        });
    }

    Result<std::vector<Transfer>> due(Timestamp now_ts, size_t max) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<Transfer> out;
        Status st = guard("lezen", [&]() -> Status {
            Poco::Int64 at = toMillis(now_ts);
            Poco::Int64 limit = static_cast<Poco::Int64>(max);
            int received = static_cast<int>(State::kReceived), mapped = static_cast<int>(State::kMapped),
                delivering = static_cast<int>(State::kDelivering),
                scheduled = static_cast<int>(State::kScheduled), failed = static_cast<int>(State::kFailed);
            Statement stmt(session_);
            stmt << "SELECT " << kTransferColumns
                 << " FROM transfers WHERE state IN (?, ?, ?)"
                    " OR (state = ? AND (deliver_at IS NULL OR deliver_at <= ?))"
                    " OR (state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?))"
                    " ORDER BY created_at, id LIMIT ?",
                use(received), use(mapped), use(delivering), use(scheduled), use(at), use(failed),
                use(at), use(limit);
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) out.push_back(rowToTransfer(rs, r));
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Result<Transfer> get(const std::string& id) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::optional<Transfer> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string key = id;
            Statement stmt(session_);
            stmt << "SELECT " << kTransferColumns << " FROM transfers WHERE id = ?", use(key);
            stmt.execute();
            RecordSet rs(stmt);
            if (rs.rowCount() == 1) out = rowToTransfer(rs, 0);
            return {};
        });
        if (!st) return st.error();
        if (!out) return Error{ErrorCode::kNotFound, "overdracht " + id + " bestaat niet"};
        return *out;
    }

    Result<std::vector<Transfer>> list(const ListFilter& f) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<Transfer> out;
        Status st = guard("lezen", [&]() -> Status {
            int state = f.state ? static_cast<int>(*f.state) : -1;
            std::string route = f.route, subject = f.subject, purpose = f.purpose;
            Poco::Int64 limit = static_cast<Poco::Int64>(f.limit),
                        offset = static_cast<Poco::Int64>(f.offset),
                        before = f.updated_before ? toMillis(*f.updated_before) : -1;
            int unpurged = f.unpurged_only ? 1 : 0;
            std::string states;
            for (State s : f.states) states += (states.empty() ? "" : ",") + std::to_string(static_cast<int>(s));
            Statement stmt(session_);
            stmt << "SELECT " << kTransferColumns
                 << " FROM transfers WHERE (? < 0 OR state = ?) AND (? = '' OR route = ?)"
                    " AND (? = '' OR subject = ?) AND (? = '' OR purpose = ?)"
                    " AND (? < 0 OR updated_at < ?) AND (? = 0 OR data_key IS NOT NULL)"
                 << (states.empty() ? "" : " AND state IN (" + states + ")")
                 << " ORDER BY created_at, id LIMIT ? OFFSET ?",
                use(state), use(state), use(route), use(route), use(subject), use(subject),
                use(purpose), use(purpose), use(before), use(before), use(unpurged), use(limit),
                use(offset);
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) out.push_back(rowToTransfer(rs, r));
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Result<std::vector<HistoryEntry>> history(const std::string& id) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<HistoryEntry> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string key = id;
            Statement stmt(session_);
            stmt << "SELECT seq, from_state, to_state, at, actor, reason FROM transfer_history"
                    " WHERE transfer_id = ? ORDER BY seq",
                use(key);
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) {
                HistoryEntry h;
                h.seq = rs.value(0, r).convert<Poco::Int64>();
                if (!rs.value(1, r).isEmpty()) h.from = static_cast<State>(rs.value(1, r).convert<int>());
                h.to = static_cast<State>(rs.value(2, r).convert<int>());
                h.at = fromMillis(rs.value(3, r).convert<Poco::Int64>());
                h.actor = rs.value(4, r).convert<std::string>();
                h.reason = rs.value(5, r).convert<std::string>();
                out.push_back(std::move(h));
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Result<std::map<State, long long>> countByState() override {
        std::lock_guard<std::mutex> lock(mu_);
        std::map<State, long long> out;
        for (State s : transfer::allStates()) out[s] = 0;
        Status st = guard("lezen", [&]() -> Status {
            Statement stmt(session_);
            stmt << "SELECT state, COUNT(*) FROM transfers GROUP BY state";
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r)
                out[static_cast<State>(rs.value(0, r).convert<int>())] =
                    rs.value(1, r).convert<Poco::Int64>();
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Result<std::string> payload(const std::string& id) override { return decryptColumn(id, "payload"); }
    Result<std::string> canonical(const std::string& id) override {
        return decryptColumn(id, "canonical");
    }

    Status audit(const AuditEvent& event, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("audit", [&]() { return insertAudit(event, now_ts); });
    }

    Result<std::vector<AuditRecord>> auditLog(long long after_seq, size_t limit) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<AuditRecord> out;
        Status st = guard("lezen", [&]() -> Status {
            Poco::Int64 after = after_seq, lim = static_cast<Poco::Int64>(limit);
            Statement stmt(session_);
            stmt << "SELECT seq, at, actor, event, transfer_id, purpose, details, prev_hash, hash"
                    " FROM audit WHERE seq > ? ORDER BY seq LIMIT ?",
                use(after), use(lim);
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) {
                AuditRecord a;
                a.seq = rs.value(0, r).convert<Poco::Int64>();
                a.at = fromMillis(rs.value(1, r).convert<Poco::Int64>());
                a.event.actor = rs.value(2, r).convert<std::string>();
                a.event.event = rs.value(3, r).convert<std::string>();
                a.event.transfer_id = rs.value(4, r).convert<std::string>();
                a.event.purpose = rs.value(5, r).convert<std::string>();
                a.event.details = nlohmann::json::parse(rs.value(6, r).convert<std::string>(),
                                                        nullptr, false);
                a.prev_hash = rs.value(7, r).convert<std::string>();
                a.hash = rs.value(8, r).convert<std::string>();
                out.push_back(std::move(a));
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }


    Status addConsent(const Consent& c, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("toestemming opslaan", [&]() -> Status {
            auto ev = cipher_->sealField("consent:" + c.id, c.evidence);
            if (!ev) return ev.error();
            std::string id = c.id, pupil = c.pupil, purpose = c.purpose, by = c.given_by,
                        rel = c.relation, dec = c.decision, on = c.decided_on, method = c.method,
                        evidence = b64(*ev), from = c.valid_from, until = c.valid_until,
                        rec = c.recorded_by;
            Poco::Int64 at = toMillis(now_ts);
            session_ << "INSERT INTO consents (id, pupil, purpose, given_by, relation, decision,"
                        " decided_on, method, evidence, valid_from, valid_until, recorded_by,"
                        " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                use(id), use(pupil), use(purpose), use(by), use(rel), use(dec), use(on), use(method),
                use(evidence), use(from), use(until), use(rec), use(at), now;
            nlohmann::json details = {{"consent_id", c.id}, {"subject", c.pupil}, {"given_by", c.given_by}};
            if (c.evidence_file) {
                const EvidenceFile& f = *c.evidence_file;
                auto name = cipher_->sealField("consent-file-name:" + c.id, f.filename);
                if (!name) return name.error();
                auto data = cipher_->sealField("consent-file:" + c.id, f.bytes);
                if (!data) return data.error();
                std::string fname = b64(*name), ctype = f.content_type, sha = util::sha256Hex(f.bytes),
                            blob = b64(*data);
                Poco::Int64 size = static_cast<Poco::Int64>(f.bytes.size());
                session_ << "INSERT INTO consent_evidence (consent_id, filename, content_type, size, sha256, data)"
                            " VALUES (?, ?, ?, ?, ?, ?)",
                    use(id), use(fname), use(ctype), use(size), use(sha), use(blob), now;
                details["evidence_file"] = {{"sha256", sha}, {"size", size}, {"content_type", ctype}};
            }
            return insertAudit({c.recorded_by, c.decision == "gegeven" ? "consent_given" : "consent_refused",
                                "", c.purpose, details},
                               now_ts);
        });
    }

    Result<Consent> getConsent(const std::string& id) override {
        auto list = queryConsents("id = ?", id, "");
        if (!list) return list.error();
        if (list->empty()) return Error{ErrorCode::kNotFound, "toestemming " + id + " bestaat niet"};
        return list->front();
    }

    Result<std::vector<Consent>> consents(const std::string& pupil, const std::string& purpose) override {
        return queryConsents("pupil = ? AND (? = '' OR purpose = ?)", pupil, purpose);
    }

    Status withdrawConsent(const std::string& id, const std::string& actor,
                           const std::vector<PlannedTransition>& stop, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("toestemming intrekken", [&]() -> Status {
            std::string cid = id, a = actor;
            Poco::Int64 at = toMillis(now_ts);
            Statement up(session_);
            up << "UPDATE consents SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ? AND withdrawn_at IS NULL",
                use(at), use(a), use(cid);
            if (up.execute() != 1)
                return Status(ErrorCode::kConflict, "toestemming " + id + " bestaat niet of is al ingetrokken");
            SLUIS_RETURN_IF_ERROR(insertAudit({actor, "consent_withdrawn", "", "", {{"consent_id", id}}}, now_ts));
            for (const auto& p : stop) {
                if (!transfer::canTransition(p.from, p.to))
                    return Status(ErrorCode::kConflict, "overdracht " + p.id + " kan niet worden gestopt");
                int to = static_cast<int>(p.to), from = static_cast<int>(p.from);
                std::string tid = p.id;
                Statement st(session_);
                st << "UPDATE transfers SET state = ?, updated_at = ? WHERE id = ? AND state = ?",
                    use(to), use(at), use(tid), use(from);
                if (st.execute() != 1)
                    return Status(ErrorCode::kConflict, "overdracht " + p.id + " is intussen veranderd; probeer opnieuw");
                SLUIS_RETURN_IF_ERROR(insertHistory(p.id, p.from, p.to, now_ts, actor, "toestemming ingetrokken"));
                SLUIS_RETURN_IF_ERROR(insertAudit({actor, "withdrawn", p.id, "",
                                                   {{"consent_id", id}, {"from", transfer::stateName(p.from)},
                                                    {"to", transfer::stateName(p.to)}}},
                                                  now_ts));
            }
            return {};
        });
    }

    Status addInzage(const Inzage& i, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("inzage opslaan", [&]() -> Status {
            auto view = cipher_->sealField("inzage:" + i.id, i.redennietakkoord);
            if (!view) return view.error();
            std::string id = i.id, pupil = i.pupil, purpose = i.purpose, date = i.inzagedatum,
                        akkoord = i.akkoord, reden = b64(*view), rec = i.recorded_by;
            Poco::Int64 at = toMillis(now_ts);
            session_ << "INSERT INTO inzage (id, pupil, purpose, inzagedatum, akkoord, redennietakkoord,"
                        " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                use(id), use(pupil), use(purpose), use(date), use(akkoord), use(reden), use(rec), use(at), now;
            return insertAudit({i.recorded_by, "inzage_recorded", "", i.purpose,
                                {{"inzage_id", i.id}, {"subject", i.pupil}, {"akkoord", i.akkoord}}},
                               now_ts);
        });
    }

    Result<std::optional<Inzage>> latestInzage(const std::string& pupil, const std::string& purpose) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::optional<Inzage> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string p = pupil, pu = purpose;
            Statement stmt(session_);
            stmt << "SELECT id, pupil, purpose, inzagedatum, akkoord, redennietakkoord, recorded_by,"
                    " recorded_at FROM inzage WHERE pupil = ? AND purpose = ? ORDER BY recorded_at DESC,"
                    " rowid DESC LIMIT 1",
                use(p), use(pu);
            stmt.execute();
            RecordSet rs(stmt);
            if (rs.rowCount() == 0) return {};
            Inzage i;
            i.id = rs.value(0, 0).convert<std::string>();
            i.pupil = rs.value(1, 0).convert<std::string>();
            i.purpose = rs.value(2, 0).convert<std::string>();
            i.inzagedatum = rs.value(3, 0).convert<std::string>();
            i.akkoord = rs.value(4, 0).convert<std::string>();
            auto view = cipher_->openField("inzage:" + i.id, unb64(rs.value(5, 0).convert<std::string>()));
            if (!view) return view.error();
            i.redennietakkoord = *view;
            i.recorded_by = rs.value(6, 0).convert<std::string>();
            i.recorded_at = fromMillis(rs.value(7, 0).convert<Poco::Int64>());
            out = i;
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Status recordPreview(const std::string& transfer_id, const std::string& viewer,
                         const std::string& payload_hash, const std::string& purpose, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("preview vastleggen", [&]() -> Status {
            std::string t = transfer_id, v = viewer, h = payload_hash;
            Poco::Int64 at = toMillis(now_ts);
            session_ << "INSERT OR IGNORE INTO previews (transfer_id, viewer, payload_hash, at) VALUES (?, ?, ?, ?)",
                use(t), use(v), use(h), use(at), now;
            return insertAudit({viewer, "previewed", transfer_id, purpose, {{"payload_hash", payload_hash}}}, now_ts);
        });
    }

    Result<bool> hasPreviewed(const std::string& transfer_id, const std::string& viewer,
                              const std::string& payload_hash) override {
        std::lock_guard<std::mutex> lock(mu_);
        int n = 0;
        Status st = guard("lezen", [&]() -> Status {
            std::string t = transfer_id, v = viewer, h = payload_hash;
            session_ << "SELECT COUNT(*) FROM previews WHERE transfer_id = ? AND viewer = ? AND payload_hash = ?",
                use(t), use(v), use(h), into(n), now;
            return {};
        });
        if (!st) return st.error();
        return n > 0;
    }

    Status addApproval(const Approval& a, const std::string& purpose, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("goedkeuring opslaan", [&]() -> Status {
            std::string t = a.transfer_id, who = a.approver, role = a.role, h = a.payload_hash,
                        d = a.decision, r = a.reason;
            Poco::Int64 at = toMillis(now_ts);
            session_ << "INSERT INTO approvals (transfer_id, approver, role, payload_hash, decision, reason, at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                use(t), use(who), use(role), use(h), use(d), use(r), use(at), now;
            return insertAudit({a.approver, a.decision == "approved" ? "approved" : "rejected", a.transfer_id,
                                purpose, {{"role", a.role}, {"payload_hash", a.payload_hash}}},
                               now_ts);
        });
    }

    Result<std::vector<Approval>> approvals(const std::string& transfer_id) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<Approval> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string t = transfer_id;
            Statement stmt(session_);
            stmt << "SELECT seq, transfer_id, approver, role, payload_hash, decision, reason, at"
                    " FROM approvals WHERE transfer_id = ? ORDER BY seq",
                use(t);
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) {
                Approval a;
                a.seq = rs.value(0, r).convert<Poco::Int64>();
                a.transfer_id = rs.value(1, r).convert<std::string>();
                a.approver = rs.value(2, r).convert<std::string>();
                a.role = rs.value(3, r).convert<std::string>();
                a.payload_hash = rs.value(4, r).convert<std::string>();
                a.decision = rs.value(5, r).convert<std::string>();
                a.reason = rs.value(6, r).convert<std::string>();
                a.at = fromMillis(rs.value(7, r).convert<Poco::Int64>());
                out.push_back(std::move(a));
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Result<EvidenceFile> consentEvidence(const std::string& consent_id) override {
        auto list = queryConsents("id = ?", consent_id, "");
        if (!list) return list.error();
        if (list->empty()) return Error{ErrorCode::kNotFound, "toestemming " + consent_id + " bestaat niet"};
        if (!list->front().evidence_file)
            return Error{ErrorCode::kNotFound, "bij toestemming " + consent_id + " is geen bewijsstuk opgeslagen"};
        EvidenceFile f = *list->front().evidence_file;
        std::lock_guard<std::mutex> lock(mu_);
        NullStr data;
        Status st = guard("lezen", [&]() -> Status {
            std::string id = consent_id;
            session_ << "SELECT data FROM consent_evidence WHERE consent_id = ?", use(id), into(data), now;
            return {};
        });
        if (!st) return st.error();
        if (data.isNull()) return Error{ErrorCode::kNotFound, "bewijsstuk van " + consent_id + " ontbreekt"};
        auto bytes = cipher_->openField("consent-file:" + consent_id, unb64(data.value()));
        if (!bytes) return bytes.error();
        if (util::sha256Hex(*bytes) != f.sha256)
            return Error{ErrorCode::kCrypto, "bewijsstuk van " + consent_id + " komt niet overeen met zijn hash"};
        f.bytes = std::move(*bytes);
        return f;
    }

    Status addBatch(const Batch& b, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("batch opslaan", [&]() -> Status {
            nlohmann::json items = nlohmann::json::array();
            for (const auto& i : b.items) items.push_back({{"transfer_id", i.transfer_id}, {"payload_hash", i.payload_hash}});
            std::string id = b.id, name = b.name, purpose = b.purpose, by = b.prepared_by, it = items.dump(),
                        status = "prepared";
            Poco::Int64 at = toMillis(now_ts);
            session_ << "INSERT INTO batches (id, name, purpose, prepared_by, prepared_at, items, status)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                use(id), use(name), use(purpose), use(by), use(at), use(it), use(status), now;
            nlohmann::json ids = nlohmann::json::array();
            for (const auto& i : b.items) ids.push_back(i.transfer_id);
            return insertAudit({b.prepared_by, "batch_prepared", "", b.purpose, {{"batch_id", b.id}, {"transfers", ids}}},
                               now_ts);
        });
    }

    Result<Batch> getBatch(const std::string& id) override {
        auto list = queryBatches("WHERE id = ?", id, 1);
        if (!list) return list.error();
        if (list->empty()) return Error{ErrorCode::kNotFound, "batch " + id + " bestaat niet"};
        return list->front();
    }

    Result<std::vector<Batch>> batches(size_t limit) override { return queryBatches("", "", limit); }

    Status closeBatch(const std::string& id, const std::string& status, const std::string& actor,
                      const nlohmann::json& outcome, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("batch afsluiten", [&]() -> Status {
            std::string bid = id, st = status, by = actor, out = outcome.dump();
            Poco::Int64 at = toMillis(now_ts);
            Statement up(session_);
            up << "UPDATE batches SET status = ?, decided_by = ?, decided_at = ?, outcome = ?"
                  " WHERE id = ? AND status = 'prepared'",
                use(st), use(by), use(at), use(out), use(bid);
            if (up.execute() != 1)
                return Status(ErrorCode::kConflict, "batch " + id + " bestaat niet of is al afgehandeld");
            return insertAudit({actor, "batch_decided", "", "", {{"batch_id", id}, {"status", status}, {"outcome", outcome}}},
                               now_ts);
        });
    }

    Status purgePayload(const std::string& id, const std::string& actor, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("verwijderen", [&]() -> Status {
            std::string tid = id;
            Poco::Int64 at = toMillis(now_ts);
            Statement up(session_);
            session_ << "DELETE FROM transfer_reports WHERE transfer_id = ?", use(tid), now;
            up << "UPDATE transfers SET data_key = NULL, canonical = NULL, payload = NULL, updated_at = ?"
                  " WHERE id = ? AND data_key IS NOT NULL",
                use(at), use(tid);
            if (up.execute() != 1) return Status(ErrorCode::kNotFound, "niets te verwijderen voor " + id);
            return insertAudit({actor, "purged", id, "", {{"removed", {"payload", "canonical", "report", "data_key"}}}}, now_ts);
        });
    }

    Result<std::string> report(const std::string& id, const std::string& content_type) override {
        std::lock_guard<std::mutex> lock(mu_);
        NullStr dk, data;
        Status st = guard("lezen", [&]() -> Status {
            std::string key = id, type = content_type;
            session_ << "SELECT data_key FROM transfers WHERE id = ?", use(key), into(dk), now;
            session_ << "SELECT data FROM transfer_reports WHERE transfer_id = ? AND content_type = ?", use(key),
                use(type), into(data), now;
            return {};
        });
        if (!st) return st.error();
        if (dk.isNull() || data.isNull())
            return Error{ErrorCode::kNotFound, "geen rapport (" + content_type + ") voor overdracht " + id};
        return cipher_->decrypt(unb64(dk.value()), id, unb64(data.value()));
    }

    Result<ProcedureRecord> procedure(const std::string& transfer_id) override {
        std::lock_guard<std::mutex> lock(mu_);
        ProcedureRecord out;
        out.transfer_id = transfer_id;
        Status st = guard("lezen", [&]() -> Status {
            std::string t = transfer_id;
            Statement stmt(session_);
            stmt << "SELECT answers, answered_by, answered_at, saved_by, saved_at, saved_hash, saved_deliver_at"
                    " FROM procedures WHERE transfer_id = ?",
                use(t);
            stmt.execute();
            RecordSet rs(stmt);
            if (rs.rowCount() == 0) return {};
            auto opt = [&](size_t c) -> std::optional<Timestamp> {
                if (rs.value(c, 0).isEmpty()) return std::nullopt;
                return fromMillis(rs.value(c, 0).convert<Poco::Int64>());
            };
            out.answers = nlohmann::json::parse(rs.value(0, 0).convert<std::string>(), nullptr, false);
            if (!out.answers.is_object()) out.answers = nlohmann::json::object();
            out.answered_by = rs.value(1, 0).convert<std::string>();
            out.answered_at = opt(2);
            out.saved_by = rs.value(3, 0).convert<std::string>();
            out.saved_at = opt(4);
            out.saved_hash = rs.value(5, 0).convert<std::string>();
            out.saved_deliver_at = opt(6);
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Status saveProcedureAnswers(const std::string& transfer_id, const nlohmann::json& answers, const std::string& actor,
                                const std::string& purpose, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("antwoorden opslaan", [&]() -> Status {
            std::string t = transfer_id, a = answers.dump(), by = actor;
            Poco::Int64 at = toMillis(now_ts);
            session_ << "INSERT INTO procedures (transfer_id, answers, answered_by, answered_at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT (transfer_id) DO UPDATE SET answers = excluded.answers,"
                        " answered_by = excluded.answered_by, answered_at = excluded.answered_at,"
                        " saved_at = CASE WHEN procedures.answers = excluded.answers THEN procedures.saved_at END",
                use(t), use(a), use(by), use(at), now;
            nlohmann::json keys = nlohmann::json::array();
            for (auto& [k, v] : answers.items()) keys.push_back(k);
            return insertAudit({actor, "procedure_answered", transfer_id, purpose, {{"questions", keys}}}, now_ts);
        });
    }

    Status saveProcedure(const std::string& transfer_id, const std::string& actor, const std::string& payload_hash,
                         std::optional<Timestamp> deliver_at, const std::string& purpose,
                         const std::optional<Notification>& notice, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("levering opslaan", [&]() -> Status {
            std::string t = transfer_id, by = actor, h = payload_hash;
            Poco::Int64 at = toMillis(now_ts);
            NullInt d = nullable(deliver_at);
            session_ << "INSERT INTO procedures (transfer_id, saved_by, saved_at, saved_hash, saved_deliver_at)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (transfer_id) DO UPDATE SET"
                        " saved_by = excluded.saved_by, saved_at = excluded.saved_at,"
                        " saved_hash = excluded.saved_hash, saved_deliver_at = excluded.saved_deliver_at",
                use(t), use(by), use(at), use(h), use(d), now;
            if (notice) SLUIS_RETURN_IF_ERROR(insertNotification(*notice, now_ts));
            return insertAudit({actor, "procedure_saved", transfer_id, purpose,
                                {{"payload_hash", payload_hash},
                                 {"deliver_at", deliver_at ? nlohmann::json(formatIso(*deliver_at)) : nlohmann::json()}}},
                               now_ts);
        });
    }

    Status addNotification(const Notification& n, Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("melding opslaan", [&]() -> Status { return insertNotification(n, now_ts); });
    }

    Result<std::vector<Notification>> dueNotifications(Timestamp now_ts, size_t max) override {
        Poco::Int64 at = toMillis(now_ts);
        return queryNotifications("WHERE sent_at IS NULL AND next_attempt_at IS NOT NULL AND next_attempt_at <= ?"
                                  " ORDER BY id LIMIT ?",
                                  at, static_cast<Poco::Int64>(max), "");
    }

    Result<std::vector<Notification>> notifications(const std::string& transfer_id) override {
        return queryNotifications("WHERE transfer_id = ? ORDER BY id", 0, 0, transfer_id);
    }

    Status notificationAttempt(long long id, bool sent, const std::string& error, std::optional<Timestamp> next_attempt,
                               Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("melding bijwerken", [&]() -> Status {
            Poco::Int64 nid = id, at = toMillis(now_ts);
            NullInt sent_at = sent ? NullInt(at) : NullInt();
            NullInt next = sent ? NullInt() : nullable(next_attempt);
            std::string err = error;
            session_ << "UPDATE notifications SET attempts = attempts + 1, sent_at = ?, next_attempt_at = ?,"
                        " last_error = ? WHERE id = ?",
                use(sent_at), use(next), use(err), use(nid), now;
            std::string event = sent ? "notification_sent" : (next_attempt ? "notification_failed" : "notification_given_up");
            return insertAudit({"sluis", event, "", "", {{"notification_id", id}}}, now_ts);
        });
    }

    Result<std::optional<Timestamp>> lastScheduleRun(const std::string& route) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::optional<Timestamp> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string r = route;
            NullInt last;
            session_ << "SELECT MAX(due_at) FROM schedule_runs WHERE route = ?", use(r), into(last), now;
            if (!last.isNull()) out = fromMillis(last.value());
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Status claimScheduleRun(const std::string& route, Timestamp due, const std::string& outcome,
                            Timestamp now_ts) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("planning vastleggen", [&]() -> Status {
            std::string r = route, o = outcome;
            Poco::Int64 d = toMillis(due), at = toMillis(now_ts);
            int seen = 0;
            session_ << "SELECT COUNT(*) FROM schedule_runs WHERE route = ? AND due_at = ?", use(r), use(d), into(seen),
                now;
            if (seen > 0)
                return Status(ErrorCode::kAlreadyExists, "planning van route " + route + " voor " + formatIso(due) +
                                                             " is al uitgevoerd");
            session_ << "INSERT INTO schedule_runs (route, due_at, outcome, at) VALUES (?, ?, ?, ?)", use(r), use(d),
                use(o), use(at), now;
            return insertAudit({"planner", "schedule_" + outcome, "", "",
                                {{"route", route}, {"due_at", formatIso(due)}}},
                               now_ts);
        });
    }

    Status addToken(const ApiToken& t) override {
        std::lock_guard<std::mutex> lock(mu_);
        return txn("token opslaan", [&]() -> Status {
            std::string id = t.id, name = t.name, role = t.role, hash = t.token_hash;
            Poco::Int64 at = toMillis(t.created_at);
            session_ << "INSERT INTO api_tokens (id, name, role, token_hash, created_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                use(id), use(name), use(role), use(hash), use(at), now;
            return {};
        });
    }

    Result<std::optional<ApiToken>> findToken(const std::string& token_hash) override {
        std::lock_guard<std::mutex> lock(mu_);
        std::optional<ApiToken> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string hash = token_hash;
            Statement stmt(session_);
            stmt << "SELECT id, name, role, created_at FROM api_tokens"
                    " WHERE token_hash = ? AND revoked = 0",
                use(hash);
            stmt.execute();
            RecordSet rs(stmt);
            if (rs.rowCount() == 1) {
                ApiToken t;
                t.id = rs.value(0, 0).convert<std::string>();
                t.name = rs.value(1, 0).convert<std::string>();
                t.role = rs.value(2, 0).convert<std::string>();
                t.created_at = fromMillis(rs.value(3, 0).convert<Poco::Int64>());
                t.token_hash = hash;
                out = t;
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }

private:
    template <typename F>
    Status guard(const char* what, F&& f) {
        try {
            return f();
        } catch (const Poco::Exception& e) {
            return Status(ErrorCode::kStorage, std::string("database-fout bij ") + what + ": " +
                                                   e.displayText());
        } catch (const std::exception& e) {
            return Status(ErrorCode::kStorage, std::string("database-fout bij ") + what + ": " + e.what());
        }
    }

    /// Runs `f` in a transaction; rolls back on error or exception.
    template <typename F>
    Status txn(const char* what, F&& f) {
        return guard(what, [&]() -> Status {
            session_.begin();
            Status st;
            try {
                st = f();
            } catch (...) {
                session_.rollback();
                throw;
            }
            if (st.isOk()) {
                session_.commit();
            } else {
                session_.rollback();
            }
            return st;
        });
    }

    Status insertHistory(const std::string& id, std::optional<State> from, State to, Timestamp at_ts,
                         const std::string& actor, const std::string& reason) {
        std::string tid = id, a = actor, r = reason;
        Poco::Nullable<int> f = from ? Poco::Nullable<int>(static_cast<int>(*from)) : Poco::Nullable<int>();
        int t = static_cast<int>(to);
        Poco::Int64 at = toMillis(at_ts);
        session_ << "INSERT INTO transfer_history (transfer_id, from_state, to_state, at, actor, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
            use(tid), use(f), use(t), use(at), use(a), use(r), now;
        return {};
    }

    Status insertAudit(const AuditEvent& e, Timestamp at_ts) {
        Poco::Int64 seq = 0;
        std::string prev;
        {
            Statement stmt(session_);
            stmt << "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1";
            stmt.execute();
            RecordSet rs(stmt);
            if (rs.rowCount() == 1) {
                seq = rs.value(0, 0).convert<Poco::Int64>();
                prev = rs.value(1, 0).convert<std::string>();
            }
        }
        ++seq;
        std::string hash = auditHash(prev, seq, at_ts, e);
        Poco::Int64 at = toMillis(at_ts);
        std::string actor = e.actor, event = e.event, tid = e.transfer_id, purpose = e.purpose,
                    details = e.details.dump();
        session_ << "INSERT INTO audit (seq, at, actor, event, transfer_id, purpose, details,"
                    " prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            use(seq), use(at), use(actor), use(event), use(tid), use(purpose), use(details),
            use(prev), use(hash), now;
        return {};
    }

    Result<std::vector<Consent>> queryConsents(const std::string& where, const std::string& a,
                                               const std::string& b) {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<Consent> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string x = a, y = b;
            Statement stmt(session_);
            stmt << "SELECT id, pupil, purpose, given_by, relation, decision, decided_on, method, evidence,"
                    " valid_from, valid_until, recorded_by, recorded_at, withdrawn_at, withdrawn_by,"
                    " e.filename, e.content_type, e.size, e.sha256"
                    " FROM consents LEFT JOIN consent_evidence e ON e.consent_id = consents.id"
                    " WHERE " + where + " ORDER BY recorded_at DESC, consents.rowid DESC",
                use(x);
            if (!b.empty() || where.find("purpose") != std::string::npos) stmt, use(y), use(y);
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) {
                auto str = [&](size_t c) { return rs.value(c, r).convert<std::string>(); };
                Consent c;
                c.id = str(0);
                c.pupil = str(1);
                c.purpose = str(2);
                c.given_by = str(3);
                c.relation = str(4);
                c.decision = str(5);
                c.decided_on = str(6);
                c.method = str(7);
                auto ev = cipher_->openField("consent:" + c.id, unb64(str(8)));
                if (!ev) return ev.error();
                c.evidence = *ev;
                c.valid_from = str(9);
                c.valid_until = str(10);
                c.recorded_by = str(11);
                c.recorded_at = fromMillis(rs.value(12, r).convert<Poco::Int64>());
                if (!rs.value(13, r).isEmpty()) c.withdrawn_at = fromMillis(rs.value(13, r).convert<Poco::Int64>());
                c.withdrawn_by = str(14);
                if (!rs.value(15, r).isEmpty()) {
                    EvidenceFile f;
                    auto name = cipher_->openField("consent-file-name:" + c.id, unb64(str(15)));
                    if (!name) return name.error();
                    f.filename = *name;
                    f.content_type = str(16);
                    f.size = rs.value(17, r).convert<Poco::Int64>();
                    f.sha256 = str(18);
                    c.evidence_file = std::move(f);
                }
                out.push_back(std::move(c));
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Status insertNotification(const Notification& n, Timestamp now_ts) {
        std::string kind = n.kind, tid = n.transfer_id, subject = n.subject, body = n.body,
                    to = nlohmann::json(n.to).dump();
        Poco::Int64 at = toMillis(now_ts);
        session_ << "INSERT INTO notifications (kind, transfer_id, recipients, subject, body, created_at, next_attempt_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
            use(kind), use(tid), use(to), use(subject), use(body), use(at), use(at), now;
        return insertAudit({"sluis", "notification_queued", n.transfer_id, "",
                            {{"kind", n.kind}, {"recipients", n.to.size()}}},
                           now_ts);
    }

    Result<std::vector<Notification>> queryNotifications(const std::string& tail, Poco::Int64 a, Poco::Int64 b,
                                                         const std::string& transfer_id) {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<Notification> out;
        Status st = guard("lezen", [&]() -> Status {
            Poco::Int64 x = a, y = b;
            std::string t = transfer_id;
            Statement stmt(session_);
            stmt << "SELECT id, kind, transfer_id, recipients, subject, body, created_at, attempts, next_attempt_at,"
                    " sent_at, last_error FROM notifications " + tail;
            if (transfer_id.empty()) {
                stmt, use(x), use(y);
            } else {
                stmt, use(t);
            }
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) {
                auto str = [&](size_t c) { return rs.value(c, r).convert<std::string>(); };
                auto opt = [&](size_t c) -> std::optional<Timestamp> {
                    if (rs.value(c, r).isEmpty()) return std::nullopt;
                    return fromMillis(rs.value(c, r).convert<Poco::Int64>());
                };
                Notification n;
                n.id = rs.value(0, r).convert<Poco::Int64>();
                n.kind = str(1);
                n.transfer_id = str(2);
                auto to = nlohmann::json::parse(str(3), nullptr, false);
                if (to.is_array())
                    for (const auto& v : to)
                        if (v.is_string()) n.to.push_back(v.get<std::string>());
                n.subject = str(4);
                n.body = str(5);
                n.created_at = fromMillis(rs.value(6, r).convert<Poco::Int64>());
                n.attempts = rs.value(7, r).convert<int>();
                n.next_attempt_at = opt(8);
                n.sent_at = opt(9);
                n.last_error = str(10);
                out.push_back(std::move(n));
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Result<std::vector<Batch>> queryBatches(const std::string& where, const std::string& arg, size_t limit) {
        std::lock_guard<std::mutex> lock(mu_);
        std::vector<Batch> out;
        Status st = guard("lezen", [&]() -> Status {
            std::string a = arg;
            Poco::Int64 lim = static_cast<Poco::Int64>(limit);
            Statement stmt(session_);
            stmt << "SELECT id, name, purpose, prepared_by, prepared_at, items, status, decided_by, decided_at"
                    " FROM batches " + where + " ORDER BY prepared_at DESC, rowid DESC LIMIT ?";
            if (!where.empty()) stmt, use(a);
            stmt, use(lim);
            stmt.execute();
            RecordSet rs(stmt);
            for (size_t r = 0; r < rs.rowCount(); ++r) {
                auto str = [&](size_t c) { return rs.value(c, r).convert<std::string>(); };
                Batch b;
                b.id = str(0);
                b.name = str(1);
                b.purpose = str(2);
                b.prepared_by = str(3);
                b.prepared_at = fromMillis(rs.value(4, r).convert<Poco::Int64>());
                auto items = nlohmann::json::parse(str(5), nullptr, false);
                if (items.is_array())
                    for (const auto& i : items)
                        b.items.push_back({i.value("transfer_id", ""), i.value("payload_hash", "")});
                b.status = str(6);
                b.decided_by = str(7);
                if (!rs.value(8, r).isEmpty()) b.decided_at = fromMillis(rs.value(8, r).convert<Poco::Int64>());
                out.push_back(std::move(b));
            }
            return {};
        });
        if (!st) return st.error();
        return out;
    }

    Result<std::string> decryptColumn(const std::string& id, const std::string& column) {
        std::lock_guard<std::mutex> lock(mu_);
        NullStr dk, data;
        Status st = guard("lezen", [&]() -> Status {
            std::string key = id;
            Statement stmt(session_);
            stmt << "SELECT data_key, " + column + " FROM transfers WHERE id = ?", use(key), into(dk),
                into(data);
            if (stmt.execute() == 0)
                return Status(ErrorCode::kNotFound, "overdracht " + id + " bestaat niet");
            return {};
        });
        if (!st) return st.error();
        if (dk.isNull() || data.isNull())
            return Error{ErrorCode::kNotFound, "gegevens van overdracht " + id +
                                                   " zijn er niet (nog niet aangemaakt of verwijderd)"};
        return cipher_->decrypt(unb64(dk.value()), id, unb64(data.value()));
    }

    Status initKey(const std::string& key_file) {
        NullStr fp;
        session_ << "SELECT value FROM meta WHERE key = 'key_fingerprint'", into(fp), now;
        auto key = crypto::loadOrCreateKeyFile(key_file, /*may_create=*/fp.isNull());
        if (!key) return key.error();
        std::string mine = crypto::keyFingerprint(*key);
        if (fp.isNull()) {
            session_ << "INSERT INTO meta (key, value) VALUES ('key_fingerprint', ?)", use(mine), now;
        } else if (fp.value() != mine) {
            return Status(ErrorCode::kCrypto, "sleutelbestand " + key_file +
                                                  " hoort niet bij deze database (vingerafdruk " +
                                                  mine + ", verwacht " + fp.value() + ")");
        }
        cipher_ = std::make_unique<crypto::PayloadCipher>(*key);
        return {};
    }

    std::mutex mu_;
    Session session_;
    std::unique_ptr<crypto::PayloadCipher> cipher_;
};

}  // namespace

std::string newTransferId() { return "tr_" + util::toHex(crypto::randomBytes(12)); }

std::string auditHash(const std::string& prev_hash, long long seq, Timestamp at,
                      const AuditEvent& e) {
    nlohmann::json canon = {{"prev", prev_hash}, {"seq", seq},         {"at", toMillis(at)},
                            {"actor", e.actor},  {"event", e.event},   {"transfer_id", e.transfer_id},
                            {"purpose", e.purpose}, {"details", e.details}};
    return util::sha256Hex(canon.dump());
}

Result<AuditVerification> verifyAudit(TransferStore& store) {
    AuditVerification v;
    long long after = 0;
    std::string prev;
    long long expected_seq = 1;
    while (true) {
        auto page = store.auditLog(after, 1000);
        if (!page) return page.error();
        if (page->empty()) break;
        for (const auto& rec : *page) {
            ++v.records;
            auto bad = [&](const std::string& why) {
                v.ok = false;
                v.first_bad_seq = rec.seq;
                v.problem = why;
            };
            if (rec.seq != expected_seq) {
                bad("record " + std::to_string(expected_seq) + " ontbreekt (verwijderd?)");
                v.first_bad_seq = expected_seq;
            } else if (rec.prev_hash != prev) {
                bad("verwijst niet naar het vorige record (volgorde gewijzigd of record vervangen)");
            } else if (rec.hash != auditHash(prev, rec.seq, rec.at, rec.event)) {
                bad("inhoud gewijzigd (hash klopt niet)");
            }
            if (!v.ok) return v;
            prev = rec.hash;
            ++expected_seq;
            after = rec.seq;
        }
    }
    return v;
}

Result<std::unique_ptr<TransferStore>> openSqliteStore(const SqliteOptions& options) {
    namespace fs = std::filesystem;
    static std::once_flag registered;
    std::call_once(registered, [] { Poco::Data::SQLite::Connector::registerConnector(); });
    std::error_code ec;
    if (fs::exists(options.path, ec) && fs::file_size(options.path, ec) > 0) {
        std::ifstream in(options.path, std::ios::binary);
        char header[16] = {};
        in.read(header, sizeof header);
        if (!in || std::string(header, 16) != std::string("SQLite format 3\0", 16))
            return Error{ErrorCode::kStorage, "opslagbestand " + options.path +
                                                  " is geen SQLite-database; controleer store.json"
                                                  " (er is niets gewijzigd)"};
    }
    fs::path dir = fs::path(options.path).parent_path();
    if (!dir.empty()) fs::create_directories(dir, ec);
    std::unique_ptr<SqliteStore> store;
    try {
        store = std::make_unique<SqliteStore>(options.path);
    } catch (const Poco::Exception& e) {
        return Error{ErrorCode::kStorage,
                     "kan database " + options.path + " niet openen: " + e.displayText()};
    }
    SLUIS_RETURN_IF_ERROR(store->init(options));
    return std::unique_ptr<TransferStore>(std::move(store));
}

}  // namespace sluis::store

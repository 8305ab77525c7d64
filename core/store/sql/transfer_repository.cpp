#include "core/store/sql/transfer_repository.h"

#include "core/store/sql/rows.h"
#include "core/store/sql/where.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::store::sql {

namespace {

/// The conditions of a ListFilter that are set, for list() and count() alike.
Where filterWhere(const ListFilter& f) {
    Where w;
    if (f.state) w.number("state = ?", static_cast<int>(*f.state));
    if (!f.route.empty()) w.text("route = ?", f.route);
    if (!f.subject.empty()) w.text("subject = ?", f.subject);
    if (!f.purpose.empty()) w.text("purpose = ?", f.purpose);
    if (f.updated_before) w.number("updated_at < ?", toMillis(*f.updated_before));
    if (f.unpurged_only) w.plain("data_key IS NOT NULL");
    if (f.created_before) w.number("created_at < ?", toMillis(*f.created_before));
    if (!f.states.empty()) w.plain("state IN (" + stateList(f.states) + ")");
    if (f.purposes) w.in("purpose", {f.purposes->begin(), f.purposes->end()});
    return w;
}

}  // namespace

TransferRepository::TransferRepository(UnitOfWork& w) : w_(w), columns_(transferColumns(w.db().dialect())) {}

Result<IngestResult> TransferRepository::ingest(const IngestBatch& batch, Timestamp now_ts) {
    Result<IngestResult> result = IngestResult::kStored;
    Status st = [&]() -> Status {
        int seen = 0;
        std::string key = batch.ingest_key;
        w_.sql("SELECT COUNT(*) FROM ingested WHERE ingest_key = ?"), use(key), into(seen),
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
                Statement find(w_.db().session());
                find << w_.db().q("SELECT id, data_key, state FROM transfers WHERE route = ? AND subject = ?"
                        " AND state IN (" + stateList(transfer::replaceableStates()) +
                        ") ORDER BY created_at DESC LIMIT 1"),
                    use(route), use(subject), into(existing_id), into(existing_dk),
                    into(existing_state);
                find.execute();
            }
            if (!existing_id.isNull() && !existing_dk.isNull()) {
                std::string eid = existing_id.value();
                auto enc = w_.cipher().encrypt(unb64(existing_dk.value()), eid, "canonical", nt.canonical);
                if (!enc) return enc.error();
                std::string canon = b64(*enc), actor = batch.actor;
                int received = static_cast<int>(State::kReceived), from_i = existing_state.value();
                // Guarded by the state it was found in, and the claim of a daemon working on
                // the old data is released (its next step under that claim is refused).
                Statement replace(w_.db().session());
                replace << w_.db().q("UPDATE transfers SET canonical = ?, payload = NULL, payload_hash = '',"
                             " state = ?, changed_by = ?, updated_at = ?, claimed_by = '',"
                             " lease_until = NULL WHERE id = ? AND state = ?"),
                    use(canon), use(received), use(actor), use(at), use(eid), use(from_i);
                if (replace.execute() != 1) {
                    // Moved on meanwhile (e.g. to delivering): not replaced; the new data
                    // becomes a transfer of its own below.
                    existing_id = NullStr();
                }
            }
            if (!existing_id.isNull() && !existing_dk.isNull()) {
                std::string eid = existing_id.value();
                State from = static_cast<State>(existing_state.value());
                if (from != State::kReceived)
                    SLUIS_RETURN_IF_ERROR(TransferRepository(w_).insertHistory(eid, from, State::kReceived, now_ts,
                                                        batch.actor, "nieuwe gegevens ontvangen"));
                AuditEvent ev{batch.actor, "data_changed", eid, t.purpose,
                              {{"route", t.route}, {"subject", t.subject},
                               {"ingest_key", batch.ingest_key},
                               {"from", transfer::stateName(from)}}};
                SLUIS_RETURN_IF_ERROR(w_.appendAudit(ev, now_ts));
                continue;
            }
            auto wrapped = w_.cipher().newWrappedDataKey(t.id);
            if (!wrapped) return wrapped.error();
            auto enc = w_.cipher().encrypt(*wrapped, t.id, "canonical", nt.canonical);
            if (!enc) return enc.error();
            std::string dk = b64(*wrapped), canon = b64(*enc);
            int state = static_cast<int>(State::kReceived);
            NullInt deliver = nullable(t.deliver_at);
            std::string id = t.id, ik = t.idempotency_key, dir = t.direction,
                        purpose = t.purpose, profile = t.profile, source = t.source,
                        dest = t.destination, actor = batch.actor;
            w_.sql("INSERT INTO transfers (id, idempotency_key, direction, route, purpose,"
                        " profile, source, destination, subject, state, deliver_at, created_at,"
                        " updated_at, data_key, canonical, created_by, changed_by) VALUES"
                        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                use(id), use(ik), use(dir), use(route), use(purpose), use(profile), use(source),
                use(dest), use(subject), use(state), use(deliver), use(at), use(at), use(dk),
                use(canon), use(actor), use(actor), now;
            SLUIS_RETURN_IF_ERROR(TransferRepository(w_).insertHistory(t.id, std::nullopt, State::kReceived, now_ts,
                                                batch.actor, "ontvangen via " + batch.source));
            AuditEvent ev{batch.actor, "created", t.id, t.purpose,
                          {{"route", t.route}, {"source", t.source}, {"subject", t.subject},
                           {"ingest_key", batch.ingest_key}}};
            SLUIS_RETURN_IF_ERROR(w_.appendAudit(ev, now_ts));
        }
        Poco::Int64 count = static_cast<Poco::Int64>(batch.transfers.size());
        std::string src = batch.source, name = batch.item_name;
        w_.sql("INSERT INTO ingested (ingest_key, source, item_name, at, transfers)"
                    " VALUES (?, ?, ?, ?, ?)"),
            use(key), use(src), use(name), use(at), use(count), now;
        return {};
    }();
    if (!st) return st.error();
    return result;
}

Status TransferRepository::transition(const std::string& id, State from, State to, const TransitionUpdate& u, const AuditEvent& event, const std::string& reason, Timestamp now_ts) {
    if (from != to && !transfer::canTransition(from, to))
        return {ErrorCode::kConflict, std::string("overgang ") + transfer::stateName(from) +
                                          " -> " + transfer::stateName(to) +
                                          " is niet toegestaan"};
    std::string text = "UPDATE transfers SET state = ?, updated_at = ?";
    int to_i = static_cast<int>(to);
    Poco::Int64 at = toMillis(now_ts);
    // Claims (see TransitionUpdate::claim): kept and extended into delivering under the
    // claim, released by every transition to another state.
    const bool keep_claim = to == State::kDelivering;
    Poco::Int64 lease = u.claim ? toMillis(u.claim->until) : 0;
    std::string owner = u.claim ? u.claim->owner : std::string();
    if (keep_claim && u.claim) text += ", lease_until = ?";
    if (!keep_claim) text += ", claimed_by = '', lease_until = NULL";
    Statement stmt(w_.db().session());
    // Values must outlive execute(): keep them in locals captured by reference.
    std::string payload_b64, hash, ctype, ext, receipt, last_error, changed_by, disclosure,
        consent_id, choices;
    std::vector<std::pair<std::string, std::string>> sealed_reports;
    int attempts = 0;
    NullInt next, deliver, deadline;
    if (u.payload || u.reports) {
        NullStr dk_null;
        w_.sql("SELECT data_key FROM transfers WHERE id = ?"), use(const_cast<std::string&>(id)),
            into(dk_null), now;
        if (dk_null.isNull())
            return Status(ErrorCode::kConflict, "payload van " + id + " is al verwijderd");
        if (u.payload) {
            auto enc = w_.cipher().encrypt(unb64(dk_null.value()), id, "payload", *u.payload);
            if (!enc) return enc.error();
            payload_b64 = b64(*enc);
            hash = util::sha256Hex(*u.payload);
            text += ", payload = ?, payload_hash = ?";
        }
        if (u.reports) {
            for (const auto& [type, bytes] : *u.reports) {
                auto enc = w_.cipher().encrypt(unb64(dk_null.value()), id, reportColumn(type), bytes);
                if (!enc) return enc.error();
                sealed_reports.emplace_back(type, b64(*enc));
            }
        }
    }
    if (u.choices) { choices = u.choices->dump(); text += ", choices = ?"; }
    if (u.content_type) { ctype = *u.content_type; text += ", content_type = ?"; }
    if (u.file_extension) { ext = *u.file_extension; text += ", file_extension = ?"; }
    if (u.attempts) { attempts = *u.attempts; text += ", attempts = ?"; }
    if (u.next_attempt_at) { next = nullable(*u.next_attempt_at); text += ", next_attempt_at = ?"; }
    if (u.deliver_at) { deliver = nullable(*u.deliver_at); text += ", deliver_at = ?"; }
    if (u.receipt) { receipt = *u.receipt; text += ", receipt = ?"; }
    if (u.last_error) { last_error = *u.last_error; text += ", last_error = ?"; }
    if (u.changed_by) { changed_by = *u.changed_by; text += ", changed_by = ?"; }
    if (u.withdraw_deadline) { deadline = nullable(*u.withdraw_deadline); text += ", withdraw_deadline = ?"; }
    if (u.disclosure) { disclosure = u.disclosure->dump(); text += ", disclosure = ?"; }
    if (u.consent_id) { consent_id = *u.consent_id; text += ", consent_id = ?"; }
    text += " WHERE id = ? AND state = ?";
    if (u.claim) text += " AND claimed_by = ?";
    int from_i = static_cast<int>(from);
    std::string id_copy = id;
    stmt << w_.db().q(text), use(to_i), use(at);
    if (keep_claim && u.claim) stmt, use(lease);
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
    if (u.claim) stmt, use(owner);
    size_t changed = stmt.execute();
    if (changed != 1)
        return Status(ErrorCode::kConflict, "overdracht " + id + " is niet (meer) in status " +
                                                transfer::stateName(from) +
                                                (u.claim ? " onder claim van " + owner : std::string()));
    if (u.reports) {
        w_.sql("DELETE FROM transfer_reports WHERE transfer_id = ?"), use(id_copy), now;
        for (auto& [type, data] : sealed_reports)
            w_.sql("INSERT INTO transfer_reports (transfer_id, content_type, data) VALUES (?, ?, ?)"),
                use(id_copy), use(type), use(data), now;
    }
    if (from != to) SLUIS_RETURN_IF_ERROR(TransferRepository(w_).insertHistory(id, from, to, now_ts, event.actor, reason));
    AuditEvent ev = event;
    if (ev.event.empty()) ev.event = "state_changed";
    ev.transfer_id = id;
    ev.details["from"] = transfer::stateName(from);
    ev.details["to"] = transfer::stateName(to);
    return w_.appendAudit(ev, now_ts);
}

Result<DueTransfers> TransferRepository::due(Timestamp now_ts, size_t max) {
    DueTransfers out;
    Poco::Int64 at = toMillis(now_ts);
    Poco::Int64 limit = static_cast<Poco::Int64>(max);
    int scheduled = static_cast<int>(State::kScheduled), failed = static_cast<int>(State::kFailed);
    Status st = w_.eachRow(
        "SELECT " + columns_ +
            " FROM transfers WHERE state IN (" + stateList(transfer::workStates()) + ")"
            " OR (state = ? AND (deliver_at IS NULL OR deliver_at <= ?))"
            " OR (state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?))"
            " ORDER BY created_at, id LIMIT ?",
        [&](Statement& s) {
            s, use(scheduled), use(at), use(failed), use(at), use(limit);
        },
        [&](const Row& row) -> Status {
            auto t = rowToTransfer(row);
            if (t) out.transfers.push_back(std::move(*t));
            else out.damaged.push_back({row.str(0), t.error()});
            return {};
        });
    if (!st) return st.error();
    return out;
}

Result<DueTransfers> TransferRepository::claimDue(const Claim& claim, Timestamp now_ts, size_t max) {
    DueTransfers out;
    Status st = [&]() -> Status {
        Poco::Int64 at = toMillis(now_ts), until = toMillis(claim.until);
        Poco::Int64 limit = static_cast<Poco::Int64>(max);
        int scheduled = static_cast<int>(State::kScheduled), failed = static_cast<int>(State::kFailed);
        std::string owner = claim.owner;
        std::vector<std::string> ids;
        SLUIS_RETURN_IF_ERROR(w_.eachRow(
            "SELECT id FROM transfers WHERE (state IN (" + stateList(transfer::workStates()) + ")"
            " OR (state = ? AND (deliver_at IS NULL OR deliver_at <= ?))"
            " OR (state = ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)))"
            " AND (lease_until IS NULL OR lease_until <= ? OR claimed_by = ?)"
            " ORDER BY created_at, id LIMIT ?" + w_.db().dialect().skipLocked(),
            [&](Statement& s) {
                s, use(scheduled), use(at), use(failed), use(at), use(at), use(owner), use(limit);
            },
            [&](const Row& row) { ids.push_back(row.str(0)); }));
        if (ids.empty()) return {};
        {
            Statement up = w_.sql("UPDATE transfers SET claimed_by = ?, lease_until = ? WHERE id IN (" +
                               placeholders(ids.size()) + ")");
            up, use(owner), use(until);
            for (auto& id : ids) up, use(id);
            up.execute();
        }
        return w_.eachRow(
            "SELECT " + columns_ + " FROM transfers WHERE id IN (" + placeholders(ids.size()) +
                ") ORDER BY created_at, id",
            [&](Statement& s) {
                for (auto& id : ids) s, use(id);
            },
            [&](const Row& row) {
                auto t = rowToTransfer(row);
                if (t) out.transfers.push_back(std::move(*t));
                else out.damaged.push_back({row.str(0), t.error()});
            });
    }();
    if (!st) return st.error();
    return out;
}

Status TransferRepository::extendClaims(const Claim& claim, const std::vector<std::string>& ids) {
    if (ids.empty()) return {};
    std::string owner = claim.owner;
    Poco::Int64 until = toMillis(claim.until);
    std::vector<std::string> list = ids;
    // Rows another transaction is changing right now are skipped, never waited for.
    Statement up = w_.sql("UPDATE transfers SET lease_until = ? WHERE id IN (SELECT id FROM transfers"
                       " WHERE claimed_by = ? AND id IN (" + placeholders(list.size()) + ")" +
                       w_.db().dialect().skipLocked() + ")");
    up, use(until), use(owner);
    for (auto& id : list) up, use(id);
    up.execute();
    return {};
}

Status TransferRepository::renewClaim(const std::string& id, State state, const Claim& claim) {
    std::string tid = id, owner = claim.owner;
    Poco::Int64 until = toMillis(claim.until);
    int st = static_cast<int>(state);
    Statement up = w_.sql("UPDATE transfers SET lease_until = ? WHERE id = ? AND state = ? AND claimed_by = ?");
    up, use(until), use(tid), use(st), use(owner);
    if (up.execute() != 1)
        return Status(ErrorCode::kConflict, "overdracht " + id + " is niet (meer) geclaimd door " +
                                                claim.owner + " in status " + transfer::stateName(state));
    return {};
}

Status TransferRepository::releaseClaims(const std::string& owner, const std::vector<std::string>& ids) {
    if (ids.empty()) return {};
    std::string o = owner;
    std::vector<std::string> list = ids;
    Statement up = w_.sql("UPDATE transfers SET claimed_by = '', lease_until = NULL WHERE id IN"
                       " (SELECT id FROM transfers WHERE claimed_by = ? AND state <> " +
                       std::to_string(static_cast<int>(State::kDelivering)) + " AND id IN (" +
                       placeholders(list.size()) + ")" + w_.db().dialect().skipLocked() + ")");
    up, use(o);
    for (auto& id : list) up, use(id);
    up.execute();
    return {};
}

Result<bool> TransferRepository::claimLease(const std::string& name, const std::string& owner, Timestamp now_ts, Timestamp until_ts) {
    bool held = false;
    Status st = [&]() -> Status {
        std::string n = name, o = owner;
        Poco::Int64 at = toMillis(now_ts), until = toMillis(until_ts);
        w_.sql("INSERT INTO leases (name, owner, lease_until) VALUES (?, '', 0) ON CONFLICT DO NOTHING"),
            use(n), now;
        // The row lock serialises two claimers; the second sees the first's lease.
        Statement up = w_.sql("UPDATE leases SET owner = ?, lease_until = ? WHERE name = ?"
                           " AND (lease_until <= ? OR owner = ?)");
        up, use(o), use(until), use(n), use(at), use(o);
        held = up.execute() == 1;
        return {};
    }();
    if (!st) return st.error();
    return held;
}

Status TransferRepository::releaseLease(const std::string& name, const std::string& owner) {
    std::string n = name, o = owner;
    w_.sql("UPDATE leases SET owner = '', lease_until = 0 WHERE name = ? AND owner = ?"), use(n), use(o),
        now;
    return {};
}

/// Releases every claim and from now on holds every named lease without writing it: for a
/// daemon that knows it is alone on the store (SQLite, locked).
Status TransferRepository::releaseAllClaims() {
    w_.sql("UPDATE transfers SET claimed_by = '', lease_until = NULL WHERE lease_until IS NOT NULL"), now;
    w_.sql("UPDATE notifications SET claimed_by = '', lease_until = NULL WHERE lease_until IS NOT NULL"),
        now;
    w_.sql("UPDATE leases SET owner = '', lease_until = 0"), now;
    return {};
}

Result<Transfer> TransferRepository::get(const std::string& id) {
    std::optional<Transfer> out;
    std::string key = id;
    Status st = w_.eachRow(
        "SELECT " + columns_ + " FROM transfers WHERE id = ?",
        [&](Statement& s) { s, use(key); },
        [&](const Row& row) -> Status {
            auto t = rowToTransfer(row);
            if (!t) return t.status();
            out = std::move(*t);
            return {};
        });
    if (!st) return st.error();
    if (!out) return Error{ErrorCode::kNotFound, "overdracht " + id + " bestaat niet"};
    return *out;
}

Result<std::vector<Transfer>> TransferRepository::list(const ListFilter& f) {
    std::vector<Transfer> out;
    Where where = filterWhere(f);
    Poco::Int64 limit = static_cast<Poco::Int64>(f.limit), offset = static_cast<Poco::Int64>(f.offset);
    Status st = w_.eachRow(
        "SELECT " + columns_ + " FROM transfers" + where.sql() + " ORDER BY created_at, id LIMIT ? OFFSET ?",
        [&](Statement& s) {
            where.bind(s);
            s, use(limit), use(offset);
        },
        [&](const Row& row) -> Status {
            auto t = rowToTransfer(row);
            if (!t) return t.status();
            out.push_back(std::move(*t));
            return {};
        });
    if (!st) return st.error();
    return out;
}

Result<std::vector<HistoryEntry>> TransferRepository::history(const std::string& id) {
    std::vector<HistoryEntry> out;
    std::string key = id;
    Status st = w_.eachRow(
        "SELECT seq, from_state, to_state, at, actor, reason FROM transfer_history"
        " WHERE transfer_id = ? ORDER BY seq",
        [&](Statement& s) { s, use(key); },
        [&](const Row& row) {
            HistoryEntry h;
            h.seq = row.i64(0);
            if (!row.isNull(1)) h.from = static_cast<State>(row.i32(1));
            h.to = static_cast<State>(row.i32(2));
            h.at = row.time(3);
            h.actor = row.str(4);
            h.reason = row.str(5);
            out.push_back(std::move(h));
        });
    if (!st) return st.error();
    return out;
}

Result<std::map<State, long long>> TransferRepository::countByState() {
    std::map<State, long long> out;
    for (State s : transfer::allStates()) out[s] = 0;
    Status st = w_.eachRow("SELECT state, COUNT(*) FROM transfers GROUP BY state", [](Statement&) {},
                     [&](const Row& row) { out[static_cast<State>(row.i32(0))] = row.i64(1); });
    if (!st) return st.error();
    return out;
}

Result<std::map<std::pair<std::string, State>, long long>> TransferRepository::countByRouteState() {
    std::map<std::pair<std::string, State>, long long> out;
    Status st = w_.eachRow("SELECT route, state, COUNT(*) FROM transfers GROUP BY route, state",
                     [](Statement&) {}, [&](const Row& row) {
                         out[{row.str(0), static_cast<State>(row.i32(1))}] = row.i64(2);
                     });
    if (!st) return st.error();
    return out;
}

Result<std::string> TransferRepository::decryptColumn(const std::string& id, const std::string& column) {
    NullStr dk, data;
    std::string key = id;
    Statement stmt = w_.sql("SELECT data_key, " + column + " FROM transfers WHERE id = ?");
    stmt, use(key), into(dk), into(data);
    if (stmt.execute() == 0) return Error{ErrorCode::kNotFound, "overdracht " + id + " bestaat niet"};
    if (dk.isNull() || data.isNull())
        return Error{ErrorCode::kNotFound, "gegevens van overdracht " + id +
                                               " zijn er niet (nog niet aangemaakt of verwijderd)"};
    return w_.cipher().decrypt(unb64(dk.value()), id, column, unb64(data.value()));
}

Status TransferRepository::purgePayload(const std::string& id, const std::string& actor, Timestamp now_ts) {
    std::string tid = id;
    Poco::Int64 at = toMillis(now_ts);
    Statement up(w_.db().session());
    w_.sql("DELETE FROM transfer_reports WHERE transfer_id = ?"), use(tid), now;
    up << w_.db().q("UPDATE transfers SET data_key = NULL, canonical = NULL, payload = NULL, updated_at = ?"
          " WHERE id = ? AND data_key IS NOT NULL"),
        use(at), use(tid);
    if (up.execute() != 1) return Status(ErrorCode::kNotFound, "niets te verwijderen voor " + id);
    return w_.appendAudit({actor, "purged", id, "", {{"removed", {"payload", "canonical", "report", "data_key"}}}}, now_ts);
}

Result<std::string> TransferRepository::report(const std::string& id, const std::string& content_type) {
    NullStr dk, data;
    {
        std::string key = id, type = content_type;
        w_.sql("SELECT data_key FROM transfers WHERE id = ?"), use(key), into(dk), now;
        w_.sql("SELECT data FROM transfer_reports WHERE transfer_id = ? AND content_type = ?"), use(key),
            use(type), into(data), now;
    }
    if (dk.isNull() || data.isNull())
        return Error{ErrorCode::kNotFound, "geen rapport (" + content_type + ") voor overdracht " + id};
    return w_.cipher().decrypt(unb64(dk.value()), id, reportColumn(content_type), unb64(data.value()));
}

Result<std::optional<Timestamp>> TransferRepository::lastScheduleRun(const std::string& route) {
    std::optional<Timestamp> out;
    {
        std::string r = route;
        NullInt last;
        w_.sql("SELECT MAX(due_at) FROM schedule_runs WHERE route = ?"), use(r), into(last), now;
        if (!last.isNull()) out = fromMillis(last.value());
    }
    return out;
}

Status TransferRepository::claimScheduleRun(const std::string& route, Timestamp due, const std::string& outcome, Timestamp now_ts) {
    std::string r = route, o = outcome;
    Poco::Int64 d = toMillis(due), at = toMillis(now_ts);
    // Exactly once, also with two daemons at the same instant: the primary key decides.
    Statement ins = w_.sql("INSERT INTO schedule_runs (route, due_at, outcome, at) VALUES (?, ?, ?, ?)"
                        " ON CONFLICT DO NOTHING");
    ins, use(r), use(d), use(o), use(at);
    if (ins.execute() != 1)
        return Status(ErrorCode::kAlreadyExists, "planning van route " + route + " voor " + formatIso(due) +
                                                     " is al uitgevoerd");
    return w_.appendAudit({"planner", "schedule_" + outcome, "", "",
                        {{"route", route}, {"due_at", formatIso(due)}}},
                       now_ts);
}

Status TransferRepository::insertHistory(const std::string& id, std::optional<State> from, State to, Timestamp at_ts, const std::string& actor, const std::string& reason) {
    std::string tid = id, a = actor, r = reason;
    Poco::Nullable<int> f = from ? Poco::Nullable<int>(static_cast<int>(*from)) : Poco::Nullable<int>();
    int t = static_cast<int>(to);
    Poco::Int64 at = toMillis(at_ts);
    std::string mac = w_.rowMac("transfer_history",
                             {tid, from ? std::optional<std::string>(std::to_string(static_cast<int>(*from)))
                                        : std::nullopt,
                              std::to_string(t), std::to_string(at), a, r});
    w_.sql("INSERT INTO transfer_history (transfer_id, from_state, to_state, at, actor, reason, mac)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"),
        use(tid), use(f), use(t), use(at), use(a), use(r), use(mac), now;
    return {};
}

/// The column name a report blob is bound to (see PayloadCipher).
/// One-time migration: blobs written before blobs were bound to their column (version 1,
/// bound to the transfer id only) are opened and sealed again as version 2. Until this has
/// run, an old blob could be moved between a transfer's columns; after it, no version 1 blob
/// is left and none is accepted. Batches of 200 rows keep memory flat on a large store.
Status TransferRepository::resealLegacyBlobs() {
    NullStr done;
    w_.sql("SELECT value FROM meta WHERE key = 'blob_binding'"), into(done), now;
    if (!done.isNull() && done.value() == "2") return {};
    size_t resealed = 0;
    std::string after;
    for (;;) {
        std::vector<std::string> ids, keys;
        std::vector<NullStr> canon, payload;
        Status st = w_.eachRow(
            "SELECT id, data_key, canonical, payload FROM transfers WHERE data_key IS NOT NULL"
            " AND id > ? ORDER BY id LIMIT 200",
            [&](Statement& s) { s, use(after); },
            [&](Row& row) {
                ids.push_back(row.str(0));
                keys.push_back(row.str(1));
                canon.push_back(row.isNull(2) ? NullStr() : NullStr(row.str(2)));
                payload.push_back(row.isNull(3) ? NullStr() : NullStr(row.str(3)));
            });
        if (!st) return st;
        if (ids.empty()) break;
        for (size_t i = 0; i < ids.size(); ++i) {
            std::string dk = unb64(keys[i]);
            auto reseal = [&](const NullStr& blob, const std::string& column,
                              const std::string& update, const std::string* extra) -> Status {
                if (blob.isNull()) return {};
                std::string sealed = unb64(blob.value());
                if (crypto::PayloadCipher::blobVersion(sealed) != 1) return {};
                auto plain = w_.cipher().decryptLegacy(dk, ids[i], sealed);
                if (!plain)
                    return Status(ErrorCode::kCrypto, "bijwerken van de versleuteling: kolom " + column +
                                                          " van overdracht " + ids[i] + ": " +
                                                          plain.error().message);
                auto enc = w_.cipher().encrypt(dk, ids[i], column, *plain);
                if (!enc) return enc.error();
                std::string value = b64(*enc), id = ids[i];
                if (extra) {
                    std::string type = *extra;
                    w_.sql(update), use(value), use(id), use(type), now;
                } else {
                    w_.sql(update), use(value), use(id), now;
                }
                ++resealed;
                return {};
            };
            SLUIS_RETURN_IF_ERROR(reseal(canon[i], "canonical",
                                         "UPDATE transfers SET canonical = ? WHERE id = ?", nullptr));
            SLUIS_RETURN_IF_ERROR(reseal(payload[i], "payload",
                                         "UPDATE transfers SET payload = ? WHERE id = ?", nullptr));
            std::vector<std::pair<std::string, std::string>> reports;
            std::string tid = ids[i];
            SLUIS_RETURN_IF_ERROR(w_.eachRow(
                "SELECT content_type, data FROM transfer_reports WHERE transfer_id = ?",
                [&](Statement& s) { s, use(tid); },
                [&](Row& row) {
                    reports.emplace_back(row.str(0), row.str(1));
                }));
            for (const auto& [type, data] : reports)
                SLUIS_RETURN_IF_ERROR(reseal(NullStr(data), reportColumn(type),
                                             "UPDATE transfer_reports SET data = ? WHERE transfer_id = ?"
                                             " AND content_type = ?",
                                             &type));
        }
        after = ids.back();
    }
    if (done.isNull()) {
        w_.sql("INSERT INTO meta (key, value) VALUES ('blob_binding', '2')"), now;
    } else {
        w_.sql("UPDATE meta SET value = '2' WHERE key = 'blob_binding'"), now;
    }
    if (resealed > 0)
        log::info("store.blobs_resealed", {{"blobs", static_cast<long long>(resealed)}});
    return {};
}

// Same conditions as list() (kept in step by StoreTest.CountMatchesList), but only the active
// ones are in the statement, so the state and route indexes serve them (list()'s
// `(? < 0 OR state = ?)` form makes SQLite read the whole table).
Result<long long> TransferRepository::count(const ListFilter& f) {
    Where where = filterWhere(f);
    long long n = 0;
    Status st = w_.eachRow("SELECT COUNT(*) FROM transfers" + where.sql(),
                           [&](Statement& s) { where.bind(s); },
                           [&](const Row& row) { n = row.i64(0); });
    if (!st) return st.error();
    return n;
}

}  // namespace sluis::store::sql

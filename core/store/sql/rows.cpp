#include "core/store/sql/rows.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>

#include <sstream>

namespace sluis::store::sql {

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


/// "1, 2, 3": a named state set (core/transfer/state.h) in SQL.
std::string stateList(const std::vector<State>& states) {
    std::string out;
    for (State st : states) out += (out.empty() ? "" : ", ") + std::to_string(static_cast<int>(st));
    return out;
}

/// "?, ?, ?" for `n` values.
std::string placeholders(size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
    return out;
}

std::string transferColumns(const Dialect& d) {
    return "id, idempotency_key, direction, route, purpose, profile, source, destination, subject, state,"
           " attempts, next_attempt_at, deliver_at, created_at, updated_at, content_type, file_extension,"
           " payload_hash, receipt, last_error, CASE WHEN data_key IS NULL THEN 1 ELSE 0 END AS purged,"
           " created_by, changed_by, withdraw_deadline, disclosure, consent_id, choices,"
           " (SELECT COALESCE(" +
           d.joinStrings("content_type") +
           ", '') FROM transfer_reports r"
           "  WHERE r.transfer_id = transfers.id) AS report_types";
}

Result<Transfer> rowToTransfer(const Row& row) {
    Transfer t;
    t.id = row.str(0);
    t.idempotency_key = row.str(1);
    t.direction = row.str(2);
    t.route = row.str(3);
    t.purpose = row.str(4);
    t.profile = row.str(5);
    t.source = row.str(6);
    t.destination = row.str(7);
    t.subject = row.str(8);
    t.state = static_cast<State>(row.i32(9));
    t.attempts = row.i32(10);
    t.next_attempt_at = row.optTime(11);
    t.deliver_at = row.optTime(12);
    t.created_at = row.time(13);
    t.updated_at = row.time(14);
    t.content_type = row.str(15);
    t.file_extension = row.str(16);
    t.payload_hash = row.str(17);
    t.receipt = row.str(18);
    t.last_error = row.str(19);
    t.payload_purged = row.i32(20) != 0;
    t.created_by = row.str(21);
    t.changed_by = row.str(22);
    t.withdraw_deadline = row.optTime(23);
    auto disclosure = row.object(24, "transfers", "disclosure", t.id);
    if (!disclosure) return disclosure.error();
    t.disclosure = std::move(*disclosure);
    t.consent_id = row.str(25);
    auto choices = row.object(26, "transfers", "choices", t.id);
    if (!choices) return choices.error();
    t.choices = std::move(*choices);
    std::string types = row.str(27);
    for (size_t i = 0, j; i < types.size(); i = j + 1) {
        j = types.find(',', i);
        if (j == std::string::npos) j = types.size();
        if (j > i) t.report_types.push_back(types.substr(i, j - i));
    }
    return t;
}

AuditRecord auditRecord(const Row& row) {
    AuditRecord a;
    a.seq = row.i64(0);
    a.at = row.time(1);
    a.event.actor = row.str(2);
    a.event.event = row.str(3);
    a.event.transfer_id = row.str(4);
    a.event.purpose = row.str(5);
    a.event.details = nlohmann::json::parse(row.str(6), nullptr, false);
    a.prev_hash = row.str(7);
    a.hash = row.str(8);
    return a;
}

/// The bytes an audit chain link covers: the record and its predecessor's hash.
std::string auditCanonical(const std::string& prev_hash, long long seq, Timestamp at, const AuditEvent& e) {
    nlohmann::json canon = {{"prev", prev_hash}, {"seq", seq},         {"at", toMillis(at)},
                            {"actor", e.actor},  {"event", e.event},   {"transfer_id", e.transfer_id},
                            {"purpose", e.purpose}, {"details", e.details}};
    return canon.dump();
}

}  // namespace sluis::store::sql

#pragma once
/// Transfers and what hangs on them: ingest (with the `ingested` keys), state transitions with
/// their history rows (`transfer_history`, MAC'd), claims and leases (several daemons on one
/// store), lists and counts, payloads and reports (decrypted with the transfer's data key), purge,
/// and schedule runs (`schedule_runs`). State sets in the SQL come from core/transfer/state.h.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/store/sql/unit_of_work.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

class TransferRepository {
public:
    explicit TransferRepository(UnitOfWork& w);

    Result<IngestResult> ingest(const IngestBatch& batch, Timestamp now_ts);
    Status transition(const std::string& id, State from, State to, const TransitionUpdate& u, const AuditEvent& event, const std::string& reason, Timestamp now_ts);
    Result<DueTransfers> due(Timestamp now_ts, size_t max);
    Result<DueTransfers> claimDue(const Claim& claim, Timestamp now_ts, size_t max);
    Status extendClaims(const Claim& claim, const std::vector<std::string>& ids);
    Status renewClaim(const std::string& id, State state, const Claim& claim);
    Status releaseClaims(const std::string& owner, const std::vector<std::string>& ids);
    /// A named lease (a source poll, the periodic purge); the facade skips this for a daemon that
    /// is alone on its store.
    Result<bool> claimLease(const std::string& name, const std::string& owner, Timestamp now_ts, Timestamp until_ts);
    Status releaseLease(const std::string& name, const std::string& owner);
    /// Releases every claim and from now on holds every named lease without writing it: for a
    /// daemon that knows it is alone on the store (SQLite, locked).
    Status releaseAllClaims();
    Result<Transfer> get(const std::string& id);
    Result<std::vector<Transfer>> list(const ListFilter& f);
    /// How many transfers `list(f)` would return (its limit aside), counted in SQL.
    Result<long long> count(const ListFilter& f);
    Result<std::vector<HistoryEntry>> history(const std::string& id);
    Result<std::map<State, long long>> countByState();
    Result<std::map<std::pair<std::string, State>, long long>> countByRouteState();
    /// The transfer's `column` ("payload", "canonical"), decrypted with its data key.
    Result<std::string> decryptColumn(const std::string& id, const std::string& column);
    Status purgePayload(const std::string& id, const std::string& actor, Timestamp now_ts);
    Result<std::string> report(const std::string& id, const std::string& content_type);
    Result<std::optional<Timestamp>> lastScheduleRun(const std::string& route);
    Status claimScheduleRun(const std::string& route, Timestamp due, const std::string& outcome, Timestamp now_ts);
    Status insertHistory(const std::string& id, std::optional<State> from, State to, Timestamp at_ts, const std::string& actor, const std::string& reason);
    /// The column name a report blob is bound to (see PayloadCipher).
    static std::string reportColumn(const std::string& content_type) { return "report:" + content_type; }
    /// One-time upgrade at open: blobs sealed before they were bound to their column are sealed
    /// again (version 2); see the definition.
    Status resealLegacyBlobs();

private:
    UnitOfWork& w_;
    std::string columns_;  ///< The SELECT list rowToTransfer reads, in this dialect.
};

}  // namespace sluis::store::sql

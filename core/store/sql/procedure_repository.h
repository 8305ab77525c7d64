#pragma once
/// Guided deliveries (`procedures`: answers and the save) and the notification outbox
/// (`notifications`, claimed with a lease by the daemon that sends them).
#include <optional>
#include <string>
#include <vector>

#include "core/store/sql/unit_of_work.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

class ProcedureRepository {
public:
    explicit ProcedureRepository(UnitOfWork& w) : w_(w) {}

    Result<ProcedureRecord> procedure(const std::string& transfer_id);
    Status saveProcedureAnswers(const std::string& transfer_id, const nlohmann::json& answers, const std::string& actor, const std::string& purpose, Timestamp now_ts);
    Status saveProcedure(const std::string& transfer_id, const std::string& actor, const std::string& payload_hash, std::optional<Timestamp> deliver_at, const std::string& purpose, const std::optional<Notification>& notice, Timestamp now_ts);
    Status addNotification(const Notification& n, Timestamp now_ts);
    Result<std::vector<Notification>> dueNotifications(Timestamp now_ts, size_t max);
    Result<std::vector<Notification>> notifications(const std::string& transfer_id);
    /// Claims up to `max` due notifications for `claim` (no chain lock needed); their ids.
    Result<std::vector<long long>> claimNotifications(const Claim& claim, Timestamp now_ts, size_t max);
    /// The notifications with these ids, in this order.
    Result<std::vector<Notification>> notificationsById(const std::vector<long long>& ids);
    Status notificationAttempt(long long id, bool sent, const std::string& error, std::optional<Timestamp> next_attempt, Timestamp now_ts, const std::string& owner);
    Status insertNotification(const Notification& n, Timestamp now_ts);
    Result<std::vector<Notification>> queryNotifications(const std::string& tail, Poco::Int64 a, Poco::Int64 b, const std::string& transfer_id);

private:
    UnitOfWork& w_;
};

}  // namespace sluis::store::sql

#include "core/engine/notify_stage.h"

#include "core/util/log.h"

namespace sluis::engine {

using nlohmann::json;
using store::State;
using store::Transfer;
using store::TransitionUpdate;

void NotifyStage::start() {
    if (ctx_.config->notify.smtp)
        smtp_ = std::make_unique<notify::SmtpClient>(*ctx_.config->notify.smtp, ctx_.clock);
}

void NotifyStage::recorded(long long id, const Status& st) {
    if (st) return;
    if (st.code() == ErrorCode::kConflict) {
        // Our lease ran out during the send and another daemon took the mail over.
        log::info("notify.claim_lost", {{"notification_id", id}, {"instance", ctx_.instance_id}});
        return;
    }
    log::error("notify.store_error", {{"message", st.message()}});
}

size_t NotifyStage::run() {
    if (!smtp_) return 0;
    // One mail at a time is claimed (with a lease), sent and recorded, so that no other daemon
    // sends it meanwhile and a lease never runs out over a queue of slow sends.
    size_t done = 0;
    const auto& worker = ctx_.config->worker;
    for (; done < static_cast<size_t>(worker.notify_batch); ++done) {
        Timestamp claimed_at = ctx_.clock.now();
        auto due = ctx_.store.claimNotifications(
            {ctx_.instance_id, claimed_at + ctx_.config->worker.lease}, claimed_at, 1);
        if (!due) {
            log::error("notify.store_error", {{"message", due.error().message}});
            break;
        }
        if (due->empty()) break;
        const auto& n = due->front();
        auto sent = smtp_->send({n.to, n.subject, n.body});
        Timestamp now = ctx_.clock.now();
        if (sent) {
            auto st =
                ctx_.store.notificationAttempt(n.id, true, "", std::nullopt, now, ctx_.instance_id);
            log::info(
                "notify.sent",
                {{"notification_id", n.id}, {"kind", n.kind}, {"transfer_id", n.transfer_id}});
            recorded(n.id, st);
            continue;
        }
        // Temporary problems are retried with back-off for about a day; a permanent refusal is
        // kept with its reason for the beheerder (GET /api/v1/procedures/{id} shows it).
        bool retry = sent.error().code == ErrorCode::kUnavailable &&
                     n.attempts + 1 < worker.notify_max_attempts;
        std::optional<Timestamp> next;
        if (retry) {
            // Doubles per attempt made, from notify_backoff_initial up to notify_backoff_max.
            auto d = worker.notify_backoff_initial;
            for (int i = 0; i < n.attempts && d < worker.notify_backoff_max; ++i) d *= 2;
            next = now + std::min(d, worker.notify_backoff_max);
        }
        auto st = ctx_.store.notificationAttempt(n.id, false, sent.error().message, next, now,
                                                 ctx_.instance_id);
        log::warn("notify.failed", {{"notification_id", n.id},
                                    {"kind", n.kind},
                                    {"retry", retry},
                                    {"message", sent.error().message}});
        recorded(n.id, st);
    }
    return done;
}

}  // namespace sluis::engine

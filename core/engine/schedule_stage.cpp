#include "core/engine/schedule_stage.h"

#include "core/notify/mail_templates.h"
#include "core/schedule/recurrence.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"

namespace sluis::engine {

using nlohmann::json;
using store::State;
using store::Transfer;
using store::TransitionUpdate;

bool ScheduleStage::fires(const config::RouteConfig& r) {
    const schedule::Recurrence& rec = *r.recurrence;
    Timestamp now = ctx_.clock.now();
    auto last = ctx_.store.lastScheduleRun(r.name);
    if (!last) {
        log::error("schedule.store_error", {{"route", r.name}, {"message", last.error().message}});
        return false;
    }
    if (!*last) {
        // First start with this schedule: due times before now never existed for it.
        auto st = ctx_.store.claimScheduleRun(r.name, now, "started", now);
        if (!st) log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
        return false;
    }
    const auto* p = ctx_.config->policy(r.purpose);
    bool skip = p && p->catch_up == config::PurposePolicy::CatchUp::kSkip;
    // One read of the source takes everything it holds, so at most one firing per pass: under
    // deliver_late the most recent missed due time fires (the older ones are recorded as
    // skipped, since firing them would read nothing more); under skip only one within grace.
    auto due = schedule::dueFirings(
        rec, **last, now, skip ? schedule::CatchUp::kSkip : schedule::CatchUp::kDeliverLate, 1,
        p ? p->catch_up_grace : schedule::kDefaultGrace);
    for (Timestamp t : due.skipped) {
        auto st = ctx_.store.claimScheduleRun(r.name, t, "skipped", now);
        if (!st && st.code() != ErrorCode::kAlreadyExists)
            log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
    }
    if (due.skipped_count > 0 && skip)
        log::warn("schedule.missed",
                  {{"route", r.name}, {"skipped", due.skipped_count}, {"alert", true}});
    if (due.fire.empty()) {
        if (due.advance_to && due.skipped.empty()) {
            auto st = ctx_.store.claimScheduleRun(r.name, *due.advance_to, "skipped", now);
            if (!st && st.code() != ErrorCode::kAlreadyExists)
                log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
        }
        return false;
    }
    auto st = ctx_.store.claimScheduleRun(r.name, due.fire.back(), "fired", now);
    if (!st) {
        if (st.code() != ErrorCode::kAlreadyExists)
            log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
        return false;
    }
    log::info("schedule.fired", {{"route", r.name}, {"due_at", formatIso(due.fire.back())}});
    return true;
}

bool ScheduleStage::missedDelivery(const Transfer& t) {
    const auto* p = ctx_.config->policy(t.purpose);
    if (!p || p->catch_up != config::PurposePolicy::CatchUp::kSkip ||
        t.state != State::kScheduled || !t.deliver_at)
        return false;
    Timestamp now = ctx_.clock.now();
    if (now - *t.deliver_at <= p->catch_up_grace) return false;
    std::string due = amsterdam::formatLocal(*t.deliver_at);
    TransitionUpdate u = ctx_.claimed();
    u.last_error = "leverdatum " + due +
                   " gemist (Sluis draaide niet); volgens het beleid niet te laat geleverd";
    auto st = ctx_.store.transition(
        t.id, State::kScheduled, State::kDeadLettered, u,
        engineEvent("delivery_missed", t, {{"deliver_at", formatIso(*t.deliver_at)}}),
        "leverdatum gemist; overgeslagen (catch_up: skip)", now);
    if (!st) {
        ctx_.transitionFailed(t.id, st);
        return false;
    }
    log::warn("engine.delivery_missed",
              {{"transfer_id", t.id}, {"deliver_at", formatIso(*t.deliver_at)}, {"alert", true}});
    if (!p->procedure.notify_to.empty()) {
        store::Notification n;
        n.kind = "delivery_missed";
        n.transfer_id = t.id;
        n.to = p->procedure.notify_to;
        auto mail = notify::renderMail("delivery_missed", {{"overdracht", t.id},
                                                           {"doel", t.purpose},
                                                           {"leerling", t.subject},
                                                           {"leverdatum", due}});
        n.subject = std::move(mail.subject);
        n.body = std::move(mail.body);
        auto added = ctx_.store.addNotification(n, now);
        if (!added) log::error("notify.store_error", {{"message", added.message()}});
    }
    return true;
}

}  // namespace sluis::engine

#include "core/engine/deliver_stage.h"

#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::engine {

using nlohmann::json;
using store::State;
using store::Transfer;
using store::TransitionUpdate;

std::chrono::milliseconds DeliverStage::backoff(int attempts) const {
    auto d = ctx_.config->worker.backoff_initial;
    for (int i = 1; i < attempts && d < ctx_.config->worker.backoff_max; ++i) d *= 2;
    return std::min(d, ctx_.config->worker.backoff_max);
}

bool DeliverStage::deliver(Transfer t, const config::RouteConfig& r) {
    if (schedule_.missedDelivery(t)) return true;
    // The payload and the gates are checked immediately before every delivery, whatever put the
    // transfer here (a requeue, a row changed in the database, a consent that lapsed meanwhile).
    auto payload = ctx_.store.payload(t.id);
    // A blob that fails authentication (moved from another column or row, or altered) is
    // tampering, not a passing read error: it is handled like a hash mismatch below.
    const bool unauthentic = !payload && payload.error().code == ErrorCode::kCrypto;
    if (!payload && !unauthentic) {
        log::error("engine.read_failed",
                   {{"transfer_id", t.id}, {"message", payload.error().message}});
        return false;
    }
    if (unauthentic || util::sha256Hex(*payload) != t.payload_hash) {
        // What would leave is not what was rendered and approved: never deliver it.
        TransitionUpdate u = ctx_.claimed();
        u.last_error =
            unauthentic
                ? "te leveren gegevens zijn niet te ontsleutelen met de sleutel van deze "
                  "overdracht (verplaatst of gewijzigd in de opslag buiten Sluis?); niet geleverd"
                : "te leveren gegevens komen niet overeen met de goedgekeurde hash; "
                  "niet geleverd (opslag gewijzigd buiten Sluis?)";
        auto st =
            ctx_.store.transition(t.id, t.state, State::kDeadLettered, u,
                                  engineEvent("payload_mismatch", t, {{"alert", true}}),
                                  "gegevens wijken af van de goedgekeurde hash", ctx_.clock.now());
        log::error("engine.payload_mismatch", {{"transfer_id", t.id}, {"alert", true}});
        if (!st) ctx_.transitionFailed(t.id, st);
        return st.isOk();
    }
    auto decision = ctx_.gates.evaluate(t);
    if (!decision) {
        log::error("engine.gate_failed",
                   {{"transfer_id", t.id}, {"message", decision.error().message}});
        return false;
    }
    if (decision->next != State::kScheduled) {
        auto st = ctx_.store.transition(
            t.id, t.state, State::kMapped, ctx_.claimed(),
            engineEvent("gates_closed_before_delivery", t,
                        {{"gate", transfer::stateName(decision->next)}}),
            "poorten vlak voor levering opnieuw beoordeeld: " + decision->reason, ctx_.clock.now());
        log::warn("engine.gates_closed_before_delivery",
                  {{"transfer_id", t.id},
                   {"gate", transfer::stateName(decision->next)},
                   {"alert", true}});
        if (!st) ctx_.transitionFailed(t.id, st);
        return st.isOk();
    }
    Timestamp now = ctx_.clock.now();
    // The sink is called under a fresh lease: no other daemon takes this delivery over before
    // it ran out (worker.lease is longer than any sink's timeout).
    ctx_.claim.until = now + ctx_.config->worker.lease;
    if (t.state == State::kDelivering) {
        // Left in delivering by a daemon that died (its lease ran out), or by this one after a
        // failed write: redone, the sink being idempotent on the transfer id. Only while the
        // claim is still ours.
        auto st = ctx_.store.renewClaim(t.id, State::kDelivering, ctx_.claim);
        if (!st) {
            ctx_.transitionFailed(t.id, st);
            return false;
        }
        log::info("engine.delivery_resumed",
                  {{"transfer_id", t.id}, {"instance", ctx_.instance_id}});
    } else {
        TransitionUpdate u = ctx_.claimed();
        u.attempts = t.attempts + 1;
        auto st =
            ctx_.store.transition(t.id, t.state, State::kDelivering, u,
                                  engineEvent("delivery_started", t, {{"attempt", t.attempts + 1}}),
                                  "poging " + std::to_string(t.attempts + 1), now);
        if (!st) {
            ctx_.transitionFailed(t.id, st);
            return false;
        }
        t.attempts += 1;
        t.state = State::kDelivering;
    }
    connector::Delivery d{t.id, t.idempotency_key, t.content_type, t.file_extension, *payload};
    auto result = ctx_.sinks.at(r.sink)->deliver(d);
    now = ctx_.clock.now();
    TransitionUpdate u = ctx_.claimed();
    Status st;
    switch (result.outcome) {
        case connector::DeliveryOutcome::kDelivered: {
            ctx_.metrics.deliveryAttempt("delivered");
            ctx_.metrics.deliveryLatency(std::chrono::duration<double>(now - t.created_at).count());
            u.receipt = result.receipt;
            u.last_error = "";
            u.next_attempt_at = std::optional<Timestamp>();
            st = ctx_.store.transition(t.id, State::kDelivering, State::kDelivered, u,
                                       engineEvent("delivered", t,
                                                   {{"destination", r.sink},
                                                    {"payload_hash", t.payload_hash},
                                                    {"receipt", result.receipt}}),
                                       "afgeleverd", now);
            log::info("engine.delivered", {{"transfer_id", t.id}, {"sink", r.sink}});
            break;
        }
        case connector::DeliveryOutcome::kRetryLater: {
            ctx_.metrics.deliveryAttempt("retry");
            u.last_error = result.message;
            if (t.attempts >= ctx_.config->worker.max_attempts) {
                st = ctx_.store.transition(
                    t.id, State::kDelivering, State::kDeadLettered, u,
                    engineEvent("dead_lettered", t, {{"attempts", t.attempts}}),
                    "opgegeven na " + std::to_string(t.attempts) + " pogingen", now);
                log::warn("engine.dead_lettered",
                          {{"transfer_id", t.id}, {"attempts", t.attempts}});
            } else {
                u.next_attempt_at = std::optional<Timestamp>(now + backoff(t.attempts));
                st = ctx_.store.transition(
                    t.id, State::kDelivering, State::kFailed, u,
                    engineEvent("delivery_failed", t, {{"attempt", t.attempts}}),
                    "mislukt, nieuwe poging later", now);
                log::warn("engine.delivery_failed",
                          {{"transfer_id", t.id}, {"attempt", t.attempts}});
            }
            break;
        }
        case connector::DeliveryOutcome::kRejected: {
            ctx_.metrics.deliveryAttempt("rejected");
            u.last_error = result.message;
            st = ctx_.store.transition(t.id, State::kDelivering, State::kDeadLettered, u,
                                       engineEvent("dead_lettered", t, {{"rejected_by", r.sink}}),
                                       "geweigerd door ontvanger", now);
            log::warn("engine.delivery_rejected", {{"transfer_id", t.id}, {"sink", r.sink}});
            break;
        }
    }
    if (!st) ctx_.transitionFailed(t.id, st);
    return true;
}

}  // namespace sluis::engine

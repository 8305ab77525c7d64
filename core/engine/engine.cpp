#include "core/engine/engine.h"

#include "core/crypto/payload_cipher.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::engine {

using store::State;
using store::Transfer;

Engine::Engine(std::shared_ptr<const config::Config> config,
               const connector::ConnectorRegistry& connectors,
               const mapper::MapperRegistry& mappers, store::TransferStore& store,
               const Clock& clock, Metrics& metrics)
    : ctx_(std::move(config), connectors, mappers, store, clock, metrics,
           "d_" + util::toHex(crypto::randomBytes(6))) {}

Status Engine::start() {
    for (const auto& route : ctx_.config->routes) {
        const auto* src = ctx_.config->source(route.source);
        const auto* snk = ctx_.config->sink(route.sink);
        if (!ctx_.sources.count(src->name)) {
            auto s = ctx_.connectors.source(src->type)->create(src->name, src->options);
            if (!s) return Error{s.error().code, "bron " + src->name + ": " + s.error().message};
            ctx_.sources[src->name] = std::move(s.value());
        }
        if (!ctx_.sinks.count(snk->name)) {
            auto s = ctx_.connectors.sink(snk->type)->create(snk->name, snk->options);
            if (!s) return Error{s.error().code, "doel " + snk->name + ": " + s.error().message};
            ctx_.sinks[snk->name] = std::move(s.value());
        }
    }
    notify_.start();
    // Every claim this daemon makes carries this id (random per start), so the logs of several
    // daemons on one store say who did what.
    log::info("engine.instance",
              {{"instance", ctx_.instance_id},
               {"lease_ms", static_cast<long long>(ctx_.config->worker.lease.count())}});
    return {};
}

size_t Engine::runOnce() {
    size_t work = pass();
    ctx_.metrics.passCompleted();
    return work;
}

size_t Engine::pass() {
    const auto& worker = ctx_.config->worker;
    size_t work = ingest_.run();
    housekeeping_.run();
    work += notify_.run();
    Timestamp now = ctx_.clock.now();
    ctx_.claim = store::Claim{ctx_.instance_id, now + worker.lease};
    auto due = ctx_.store.claimDue(ctx_.claim, now, worker.batch_size);
    if (!due) {
        log::error("engine.store_error",
                   {{"code", errorCodeName(due.error().code)}, {"message", due.error().message}});
        return work;
    }
    for (const auto& d : due->damaged) {
        // Left in the store as it is (nothing is lost); said on every pass until it is repaired.
        log::error("engine.transfer_damaged", {{"transfer_id", d.transfer_id},
                                               {"code", errorCodeName(d.error.code)},
                                               {"message", d.error.message}});
    }
    std::vector<std::string> claimed_ids;
    for (const auto& t : due->transfers) claimed_ids.push_back(t.id);
    for (const auto& d : due->damaged) claimed_ids.push_back(d.transfer_id);
    for (size_t i = 0; i < due->transfers.size(); ++i) {
        const auto& t = due->transfers[i];
        // The claims on what is left of this pass are extended while it works through them.
        Timestamp at = ctx_.clock.now();
        if (ctx_.claim.until - at < worker.lease / 2) {
            ctx_.claim.until = at + worker.lease;
            std::vector<std::string> rest;
            for (size_t j = i; j < due->transfers.size(); ++j) rest.push_back(due->transfers[j].id);
            auto st = ctx_.store.extendClaims(ctx_.claim, rest);
            if (!st) log::error("engine.store_error", {{"message", st.message()}});
        }
        try {
            if (process(t)) ++work;
        } catch (const std::exception& e) {
            // Last line of defence: the transfer stays where it is and is retried next pass.
            log::error("engine.transfer_exception", {{"transfer_id", t.id}, {"what", e.what()}});
        }
    }
    // What this pass did not move on is free for any daemon again (a delivery left in
    // delivering keeps its lease: it is taken over only after that ran out).
    auto released = ctx_.store.releaseClaims(ctx_.instance_id, claimed_ids);
    if (!released) log::error("engine.store_error", {{"message", released.message()}});
    return work;
}

bool Engine::process(const Transfer& t) {
    const auto* r = ctx_.route(t.route);
    if (!r) {
        log::warn("engine.unknown_route", {{"transfer_id", t.id}, {"route", t.route}});
        return false;
    }
    switch (t.state) {
        case State::kReceived:
            return render_.render(t, *r);
        case State::kMapped:
            return render_.gate(t);
        case State::kScheduled:
        case State::kFailed:
        case State::kDelivering:
            return deliver_.deliver(t, *r);
        default:
            return false;
    }
}

void Engine::run() {
    while (true) {
        size_t work = runOnce();
        std::unique_lock<std::mutex> lock(mu_);
        if (stopping_) return;
        if (work == 0)
            cv_.wait_for(lock, ctx_.config->worker.poll_interval, [&] { return stopping_; });
        if (stopping_) return;
    }
}

void Engine::stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
}

}  // namespace sluis::engine

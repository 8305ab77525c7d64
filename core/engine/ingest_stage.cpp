#include "core/engine/ingest_stage.h"

#include "core/util/log.h"

namespace sluis::engine {

using nlohmann::json;
using store::State;
using store::Transfer;
using store::TransitionUpdate;

size_t IngestStage::run() {
    size_t work = 0;
    for (const auto& r : ctx_.config->routes) {
        // One daemon reads a source at a time (the lease is given back after the read).
        const std::string lease = "source:" + r.source;
        try {
            Timestamp now = ctx_.clock.now();
            auto held = ctx_.store.claimLease(lease, ctx_.instance_id, now,
                                              now + ctx_.config->worker.lease);
            if (!held) {
                log::error("engine.store_error",
                           {{"route", r.name}, {"message", held.error().message}});
                continue;
            }
            if (!*held) continue;
            if (!r.recurrence || schedule_.fires(r)) work += pollSource(r);
        } catch (const std::exception& e) {
            log::error("engine.source_exception", {{"route", r.name}, {"what", e.what()}});
        }
        auto released = ctx_.store.releaseLease(lease, ctx_.instance_id);
        if (!released)
            log::error("engine.store_error", {{"route", r.name}, {"message", released.message()}});
    }
    return work;
}

size_t IngestStage::pollSource(const config::RouteConfig& route) {
    auto& source = ctx_.sources.at(route.source);
    auto items = source->poll(ctx_.config->worker.batch_size);
    if (!items) {
        log::warn("source.poll_failed",
                  {{"source", route.source}, {"message", items.error().message}});
        return 0;
    }
    const auto* decoder = ctx_.mappers.decoder(route.decoder);
    size_t done = 0;
    for (const auto& item : *items) {
        // Still ours? (extends the lease; a daemon that lost it stops reading)
        Timestamp at = ctx_.clock.now();
        auto held = ctx_.store.claimLease("source:" + route.source, ctx_.instance_id, at,
                                          at + ctx_.config->worker.lease);
        if (!held || !*held) break;
        ++done;
        mapper::DecodeContext ctx{item.name, route.decoder_options};
        auto batch = decoder->decode(item.bytes, ctx);
        if (!batch) {
            log::warn("source.item_rejected", {{"source", route.source},
                                               {"item", item.name},
                                               {"code", errorCodeName(batch.error().code)}});
            ctx_.metrics.fileIngested(false);
            auto st = source->acknowledge(item, {false, batch.error().message});
            if (!st)
                log::error("source.ack_failed", {{"source", route.source}, {"item", item.name}});
            continue;
        }
        store::IngestBatch ib;
        ib.ingest_key = item.idempotency_key;
        ib.source = route.source;
        ib.item_name = item.name;
        ib.actor = "bron:" + route.source;
        for (size_t i = 0; i < batch->records.size(); ++i) {
            const json& rec = batch->records[i];
            store::NewTransfer nt;
            nt.meta.id = store::newTransferId();
            nt.meta.idempotency_key =
                item.idempotency_key + "#" + std::to_string(i) + ":" + route.name;
            nt.meta.direction = "outbound";
            nt.meta.route = route.name;
            nt.meta.purpose = route.purpose;
            nt.meta.profile = route.profile;
            nt.meta.source = route.source;
            nt.meta.destination = route.sink;
            if (batch->subjects.size() == batch->records.size()) {
                nt.meta.subject = batch->subjects[i];
            } else {
                nt.meta.subject = rec.contains("leerling") && rec["leerling"].is_object()
                                      ? rec["leerling"].value("leerlingid", "")
                                      : "";
            }
            nt.canonical = rec.dump();
            ib.transfers.push_back(std::move(nt));
        }
        auto stored = ctx_.store.ingest(ib, ctx_.clock.now());
        if (!stored) {
            // Not stored: leave the item upstream; it is offered again next pass.
            log::error("source.store_failed", {{"source", route.source},
                                               {"item", item.name},
                                               {"message", stored.error().message}});
            continue;
        }
        if (*stored == store::IngestResult::kStored) {
            ctx_.metrics.fileIngested(true);
            ctx_.metrics.transfersCreated(static_cast<long long>(ib.transfers.size()));
            log::info("source.item_stored", {{"source", route.source},
                                             {"item", item.name},
                                             {"transfers", ib.transfers.size()}});
        } else {
            log::info("source.item_already_stored",
                      {{"source", route.source}, {"item", item.name}});
        }
        for (const auto& w : batch->warnings)
            log::warn("source.item_warning",
                      {{"source", route.source}, {"item", item.name}, {"warning", w}});
        auto st = source->acknowledge(item, {true, ""});
        if (!st)
            log::error("source.ack_failed",
                       {{"source", route.source}, {"item", item.name}, {"message", st.message()}});
    }
    return done;
}

}  // namespace sluis::engine

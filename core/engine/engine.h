#pragma once
/// The engine moves transfers through their states: it polls sources and stores what they offer
/// (then acknowledges upstream), renders stored records for their destination, applies the gates
/// (consent, approvals), and delivers through sinks with retries, back-off and dead-lettering.
///
/// One worker thread drives it (`run`); `runOnce` does a single pass and is what tests call.
/// The work itself is done by stages (ingest, schedule, render, deliver, notify, housekeeping;
/// core/engine/*_stage.h) that share one StageContext; the engine only orders them in a pass.
/// Connectors are created from the config through the registries; the engine never names one.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "core/config/config.h"
#include "core/engine/deliver_stage.h"
#include "core/engine/housekeeping_stage.h"
#include "core/engine/ingest_stage.h"
#include "core/engine/metrics.h"
#include "core/engine/notify_stage.h"
#include "core/engine/render_stage.h"
#include "core/engine/schedule_stage.h"
#include "core/engine/stage_context.h"
#include "core/util/clock.h"

namespace sluis::engine {

class Engine {
public:
    Engine(std::shared_ptr<const config::Config> config,
           const connector::ConnectorRegistry& connectors, const mapper::MapperRegistry& mappers,
           store::TransferStore& store, const Clock& clock, Metrics& metrics);
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Creates every configured connector instance. Fails fast with the instance name.
    Status start();

    /// One pass: every source once, then up to batch_size due transfers. Returns the number of
    /// things done (0 = idle). Never throws: a failure is logged with ids, counted, and the
    /// pass continues with the next item.
    size_t runOnce();

    /// Loops until `stop()`; sleeps poll_interval when idle.
    void run();
    void stop();

    /// This daemon instance's id (random per start): the owner of every claim it makes.
    const std::string& instanceId() const { return ctx_.instance_id; }

private:
    /// The stages in their order: ingest (with schedule), housekeeping, notify, then the claimed
    /// due transfers through render / gates / deliver.
    size_t pass();
    /// One claimed transfer to the stage its state belongs to.
    bool process(const store::Transfer& t);

    StageContext ctx_;
    ScheduleStage schedule_{ctx_};
    IngestStage ingest_{ctx_, schedule_};
    RenderStage render_{ctx_};
    DeliverStage deliver_{ctx_, schedule_};
    NotifyStage notify_{ctx_};
    HousekeepingStage housekeeping_{ctx_};

    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
};

}  // namespace sluis::engine

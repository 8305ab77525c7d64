#pragma once
/// The deliver stage: checks the payload and the gates once more, then calls the sink under a
/// fresh lease; retries with back-off and dead-letters after `worker.max_attempts`.
#include <chrono>

#include "core/engine/schedule_stage.h"
#include "core/engine/stage_context.h"

namespace sluis::engine {

class DeliverStage {
  public:
    DeliverStage(StageContext& ctx, ScheduleStage& schedule) : ctx_(ctx), schedule_(schedule) {}

    /// scheduled / failed / delivering → delivered (or failed, dead_lettered, mapped). Returns
    /// whether it did something.
    bool deliver(store::Transfer t, const config::RouteConfig& route);

  private:
    std::chrono::milliseconds backoff(int attempts) const;

    StageContext& ctx_;
    ScheduleStage& schedule_;
};

}  // namespace sluis::engine

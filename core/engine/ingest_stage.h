#pragma once
/// The ingest stage: reads every route's source (one daemon per source at a time, under a
/// lease), decodes each item, stores its records as transfers and acknowledges it upstream.
#include "core/engine/schedule_stage.h"
#include "core/engine/stage_context.h"

namespace sluis::engine {

class IngestStage {
  public:
    IngestStage(StageContext& ctx, ScheduleStage& schedule) : ctx_(ctx), schedule_(schedule) {}

    /// Every route's source once (a route with a schedule only when it fires). Returns the
    /// number of items handled.
    size_t run();

  private:
    size_t pollSource(const config::RouteConfig& route);

    StageContext& ctx_;
    ScheduleStage& schedule_;
};

}  // namespace sluis::engine

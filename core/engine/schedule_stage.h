#pragma once
/// The schedule stage: whether a route with a schedule reads its source in this pass, and the
/// purpose's catch-up policy for a scheduled delivery whose date passed while Sluis was down.
#include "core/engine/stage_context.h"

namespace sluis::engine {

class ScheduleStage {
  public:
    explicit ScheduleStage(StageContext& ctx) : ctx_(ctx) {}

    /// For routes with a schedule: whether the source should be read in this pass (claims the
    /// due time exactly once; applies the purpose's catch-up policy to missed due times).
    bool fires(const config::RouteConfig& route);

    /// The purpose's catch-up policy for a scheduled transfer whose delivery date passed while
    /// the daemon was down. Returns true when it handled (skipped) the transfer.
    bool missedDelivery(const store::Transfer& t);

  private:
    StageContext& ctx_;
};

}  // namespace sluis::engine

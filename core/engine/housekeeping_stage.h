#pragma once
/// The housekeeping stage: the periodic purge of what is past its retention (transfers and the
/// files the sources kept), and the signed checkpoint of the audit chain's head.
#include "core/engine/stage_context.h"

namespace sluis::engine {

class HousekeepingStage {
  public:
    explicit HousekeepingStage(StageContext& ctx) : ctx_(ctx) {}

    /// Purges every `worker.purge_interval` and checkpoints every `audit.checkpoint_interval`.
    void run();

  private:
    void purge();
    void checkpoint();

    StageContext& ctx_;
    Timestamp last_purge_{};
    Timestamp last_checkpoint_{};
};

}  // namespace sluis::engine

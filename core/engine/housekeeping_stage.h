#pragma once
/// The housekeeping stage: the periodic purge of what is past its retention (transfers and the
/// files the sources kept), the signed checkpoint of the audit chain's head, and the periodic full
/// check of the chain (core/store/audit_verifier.h).
#include "core/engine/stage_context.h"

namespace sluis::engine {

class HousekeepingStage {
  public:
    explicit HousekeepingStage(StageContext& ctx) : ctx_(ctx) {}

    /// Purges every `worker.purge_interval`, checkpoints every `audit.checkpoint_interval` and
    /// verifies the whole chain every `audit.full_check_interval`.
    void run();

  private:
    void purge();
    void checkpoint();
    void verifyChain();

    StageContext& ctx_;
    Timestamp last_purge_{};
    Timestamp last_checkpoint_{};
    Timestamp started_{};  ///< the first pass; the first full check is one interval later
};

}  // namespace sluis::engine

#pragma once
/// The render stage: a received transfer is minimised and encoded for its destination (plus
/// optional report renderings), and a mapped transfer is passed through the gates.
#include "core/engine/stage_context.h"

namespace sluis::engine {

class RenderStage {
  public:
    explicit RenderStage(StageContext& ctx) : ctx_(ctx) {}

    /// received → mapped (or awaiting_consent, rejected, dead_lettered). Returns whether it moved.
    bool render(const store::Transfer& t, const config::RouteConfig& route);
    /// mapped → the state the gates decide. Returns whether it moved.
    bool gate(const store::Transfer& t);

  private:
    StageContext& ctx_;
};

}  // namespace sluis::engine

#pragma once
/// Goedkeuren: the approval queue of my roles, one transfer's "wat verlaat het gebouw" page, and
/// the decision bound to the payload hash that was shown (through api::approveOne).
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/goedkeuren and /web/goedkeuren/{id}; false for other paths.
bool routeApproval(Call& c);

}  // namespace sluis::web

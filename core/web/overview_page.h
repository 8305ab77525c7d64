#pragma once
/// Overzicht: what needs me, and the transfers per route and state that my role sees.
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves GET /web/; false for other paths.
bool routeOverview(Call& c);

}  // namespace sluis::web

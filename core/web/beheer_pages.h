#pragma once
/// Beheer (beheerder only): dead letters with requeue, API tokens, web accounts and the loaded
/// configuration. Every action goes through core/api/beheer_decisions.h, as the API's requeue and
/// the `sluis token` / `sluis account` commands do.
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/beheer and /web/beheer/... (beheerder; other roles 403); false for other paths.
bool routeBeheer(Call& c);

}  // namespace sluis::web

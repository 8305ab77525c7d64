#pragma once
/// Batches (the spring run): the list of batches, preparing one for a route's waiting transfers,
/// and per batch every pupil with a link to that transfer's preview; approving the batch as a
/// whole once the person previewed each, or rejecting it with a reason. Every decision goes
/// through core/api/batch_decisions.h, as the JSON API's.
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/batches and /web/batches/<id> (GET and POST); false for other paths.
bool routeBatches(Call& c);

}  // namespace sluis::web

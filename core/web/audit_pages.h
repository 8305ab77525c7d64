#pragma once
/// Audit: the FG's view of the audit log (through api::readAudit and api::chainStatus): the
/// chain's state and its checkpoints on top, then the records, newest first, filtered and paged.
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves GET /web/audit (fg and beheerder; other roles 403); false for other paths.
bool routeAudit(Call& c);

}  // namespace sluis::web

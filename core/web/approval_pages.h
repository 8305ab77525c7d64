#pragma once
/// Goedkeuren: the approval queue of my roles, one transfer's "wat verlaat het gebouw" page, and
/// the decision bound to the payload hash that was shown (through api::approveOne).
#include <set>
#include <string>

#include "core/web/page_kit.h"

namespace sluis::web {

/// The purposes whose transfers `c.actor` sees and may approve (api::seesPurpose and
/// api::mayApprove), for a store filter: the queue and the overview count the same set.
std::set<std::string> approvablePurposes(const api::DecisionContext& c);

/// Serves /web/goedkeuren and /web/goedkeuren/{id}; false for other paths.
bool routeApproval(Call& c);

}  // namespace sluis::web

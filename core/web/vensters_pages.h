#pragma once
/// Vensters: the guided delivery "Monitoring Sociale Veiligheid" to the Inspectie for the
/// bevoegd gezag (docs/vensters.md). The board view of every school, one school's six steps
/// (report, level, delivery date, questions, akkoord, save) and withdrawing until the deadline.
/// Every decision goes through core/api/procedure_decisions.h and api::approveOne, as the JSON
/// API does.
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/vensters and /web/vensters/{id}[/{step}]; false for other paths.
bool routeVensters(Call& c);

}  // namespace sluis::web

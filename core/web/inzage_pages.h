#pragma once
/// Toestemming en inzage: registering the parents' inzage (through api::registerInzage).
#include "core/web/page_kit.h"

namespace sluis::web {

/// The roles that may register an inzage (api::registerInzage checks it again).
const std::vector<std::string>& inzageRoles();
/// Serves /web/inzage (GET and POST); false for other paths.
bool routeInzage(Call& c);

}  // namespace sluis::web

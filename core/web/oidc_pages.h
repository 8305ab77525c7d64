#pragma once
/// Login with the school's OpenID provider (docs/web.md, "Inloggen met de identiteitsprovider
/// van de school"): GET /web/login/oidc starts the code flow, GET /web/login/oidc/callback
/// finishes it. Reachable before login (the router asks this area before the login check).
#include <string>

#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/login/oidc and /web/login/oidc/callback when admin.web.oidc is configured.
bool routeOidc(Call& c);
/// The "Aanmelden met <name>" link for the login page (HTML), or "" without OIDC.
std::string oidcButton(const Call& c);

}  // namespace sluis::web

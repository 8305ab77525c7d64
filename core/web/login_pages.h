#pragma once
/// Logging in with a local account (password, then the TOTP code) and logging out (docs/web.md).
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/login and /web/login/totp (GET and POST); false for other paths.
bool routeLogin(Call& c);
/// Ends the session (POST /web/logout).
void logout(Call& c);

}  // namespace sluis::web

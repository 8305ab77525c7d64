#pragma once
/// Logging in with a local account (password, then the TOTP code) and logging out (docs/web.md).
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/login and /web/login/totp (GET and POST); false for other paths.
bool routeLogin(Call& c);
/// The page for a session that could not be made (too many open sessions, or the store failed);
/// clears the session cookie.
void sessionRefused(Call& c, const Error& e);
/// Ends the session (POST /web/logout).
void logout(Call& c);

}  // namespace sluis::web

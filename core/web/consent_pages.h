#pragma once
/// Toestemmingen and a pupil's registers: registering a consent with its evidence file (the one
/// multipart form, see web_ui.cpp), the pupil's register of consents and inzage (with the
/// evidence download for the roles that may read it), withdrawing a consent after seeing what
/// it stops, and the printable disclosure register of one pupil (/web/leerling/<id>). Every
/// decision goes through core/api/consent_decisions.h, as the JSON API's.
#include "core/web/page_kit.h"

namespace sluis::web {

/// Serves /web/toestemming, /web/toestemming/<id>/bewijs, /web/toestemming/<id>/intrekken,
/// /web/register and /web/leerling/<id>; false for other paths.
bool routeConsent(Call& c);

}  // namespace sluis::web

// The overview page (overview_page.h).
#include "core/web/overview_page.h"

#include <algorithm>

#include "core/web/approval_pages.h"
#include "core/web/inzage_pages.h"

namespace sluis::web {

namespace {

void overview(Call& c) {
    const api::Actor& actor = c.actor;
    const api::DecisionContext ctx = c.decisions();
    std::string todo;
    // Counted in the store (no rows read): awaiting approval of a purpose this person sees and
    // may approve, and awaiting consent or inzage of a purpose this person sees.
    store::ListFilter f;
    f.state = transfer::State::kAwaitingApproval;
    f.purposes = approvablePurposes(ctx);
    long long mine = 0;
    if (auto n = c.store.count(f)) mine = *n;
    f.state = transfer::State::kAwaitingConsent;
    f.purposes = api::visiblePurposes(ctx);  // what this role may see (policies.json visible_to)
    long long waiting_consent = 0;
    if (auto n = c.store.count(f)) waiting_consent = *n;
    std::vector<std::string> items;
    if (mine > 0)
        items.push_back("<a href=\"/web/goedkeuren\">" + std::to_string(mine) +
                        " overdracht(en) wachten op uw goedkeuring</a>");
    if (waiting_consent > 0 && actor.hasRole(inzageRoles()))
        items.push_back("<a href=\"/web/inzage\">" + std::to_string(waiting_consent) +
                        " overdracht(en) wachten op toestemming of inzage</a>");
    if (items.empty()) {
        todo = "<p>Er wacht nu niets op u.</p>";
    } else {
        todo = "<ul>";
        for (const auto& i : items) todo += "<li>" + i + "</li>";
        todo += "</ul>";
    }
    std::string counts;
    auto by = c.store.countByRouteState();
    if (!by) {
        counts = "<p class=\"fout\">De aantallen kunnen nu niet worden gelezen.</p>";
    } else if (by->empty()) {
        counts = "<p>Er zijn nog geen overdrachten.</p>";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& [key, n] : *by) {
            // A route of a purpose this role does not see is left out, count and all.
            const auto route = std::find_if(c.config->routes.begin(), c.config->routes.end(),
                                            [&](const auto& r) { return r.name == key.first; });
            if (route != c.config->routes.end() && !api::seesPurpose(ctx, route->purpose)) continue;
            rows.push_back({escape(key.first), escape(stateLabel(key.second)), std::to_string(n)});
        }
        counts = rows.empty() ? "<p>Er zijn nog geen overdrachten.</p>"
                              : table({"Route", "Status", "Aantal"}, rows, "Overdrachten per route en status");
    }
    sendHtml(c, 200, "Overzicht", page("overzicht.html", {{"todo", todo}, {"counts", counts}}),
             "/web/", flashFor(c));
}

}  // namespace

bool routeOverview(Call& c) {
    if (c.path == "/web/" && c.get()) return overview(c), true;
    return false;
}

}  // namespace sluis::web

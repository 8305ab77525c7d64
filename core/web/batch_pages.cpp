// Batches of the spring run (batch_pages.h).
#include "core/web/batch_pages.h"

#include "core/api/batch_decisions.h"
#include "core/error.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"

namespace sluis::web {

namespace {

const char* batchStatusLabel(const std::string& s) {
    if (s == "prepared") return "wacht op besluit";
    if (s == "approved") return "goedgekeurd";
    if (s == "rejected") return "afgewezen";
    if (s == "completed") return "afgehandeld";
    return "onbekend";
}

/// The routes whose waiting transfers the actor may put in a batch: purposes that need an
/// approval and that the actor sees.
std::vector<const config::RouteConfig*> batchRoutes(const Call& c) {
    std::vector<const config::RouteConfig*> out;
    const api::DecisionContext ctx = c.decisions();
    for (const auto& r : c.config->routes) {
        const auto* p = c.config->policy(r.purpose);
        if (p && p->approvals.required > 0 && api::seesPurpose(ctx, r.purpose)) out.push_back(&r);
    }
    return out;
}

void listPage(Call& c, const std::string& error) {
    const api::DecisionContext ctx = c.decisions();
    auto list = api::listBatches(ctx);
    if (!list) {
        if (list.error().code == ErrorCode::kPermissionDenied)
            return message(c, 403, "Geweigerd", list.error().message, "/web/", "Naar het overzicht");
        return message(c, 500, "Storing", "De batches kunnen nu niet worden gelezen.", "/web/",
                       "Naar het overzicht");
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& b : *list) {
        auto v = api::viewBatch(ctx, b, false);
        rows.push_back({"<a href=\"/web/batches/" + escape(b.id) + "\">" + escape(b.name) + "</a>",
                        escape(b.purpose), std::to_string(b.items.size()),
                        escape(batchStatusLabel(v ? v->status : b.status)), escape(b.prepared_by),
                        escape(amsterdam::formatLocal(b.prepared_at))});
    }
    std::string batches = rows.empty() ? "<p>Er zijn nog geen batches.</p>"
                                       : table({"Batch", "Doel", "Leerlingen", "Status",
                                                "Klaargezet door", "Klaargezet op"},
                                               rows, "Batches");
    std::string prepare;
    if (c.actor.hasRole(api::batchPrepareRoles())) {
        std::string options;
        for (const auto* r : batchRoutes(c)) {
            store::ListFilter f;
            f.route = r->name;
            f.state = transfer::State::kAwaitingApproval;
            long long n = 0;
            if (auto counted = c.store.count(f)) n = *counted;
            const bool selected = c.field("route") == r->name;
            options += "<option value=\"" + escape(r->name) + "\"" + (selected ? " selected" : "") +
                       ">" + escape(r->name) + " (" + std::to_string(n) +
                       " wachten op goedkeuring)</option>";
        }
        prepare = page("batch_klaarzetten.html",
                       {{"csrf", c.session->csrf}, {"name", c.field("naam")}, {"routes", options}});
    }
    sendHtml(c, error.empty() ? 200 : 400, "Batches",
             page("batches.html", {{"batches", batches}, {"prepare", prepare}}), "/web/batches",
             error.empty() ? flashFor(c) : errorFlash(error));
}

void preparePost(Call& c) {
    const api::DecisionContext ctx = c.decisions();
    const std::string route = c.field("route");
    bool known = false;
    for (const auto* r : batchRoutes(c)) known |= r->name == route;
    if (!c.actor.hasRole(api::batchPrepareRoles()))
        return message(c, 403, "Geweigerd",
                       "Uw rol (" + c.actor.role + ") mag geen batch klaarzetten.", "/web/batches",
                       "Terug naar de batches");
    if (!known) return listPage(c, "Route: kies een route uit de lijst.");
    store::ListFilter f;
    f.route = route;
    f.state = transfer::State::kAwaitingApproval;
    f.purposes = api::visiblePurposes(ctx);
    f.limit = 500;
    auto list = c.store.list(f);
    if (!list)
        return message(c, 500, "Storing", "De wachtende overdrachten kunnen nu niet worden gelezen.",
                       "/web/batches", "Terug naar de batches");
    if (list->empty())
        return listPage(c, "Route: er wacht op deze route niets op goedkeuring.");
    std::vector<std::optional<std::string>> ids;
    for (const auto& t : *list) ids.push_back(t.id);
    auto b = api::prepareBatch(ctx, c.field("naam"), ids);
    if (!b) {
        if (b.error().code == ErrorCode::kPermissionDenied)
            return message(c, 403, "Geweigerd", b.error().message, "/web/batches",
                           "Terug naar de batches");
        return listPage(c, "De batch is niet klaargezet: " + b.error().message);
    }
    log::info("web.batch_prepared",
              {{"batch_id", b->id}, {"account", c.actor.name}, {"transfers", b->items.size()}});
    redirect(c, "/web/batches/" + b->id + "?melding=batch-klaar");
}

void batchPage(Call& c, const std::string& id) {
    const api::DecisionContext ctx = c.decisions();
    if (!c.actor.hasRole(api::batchViewRoles()))
        return message(c, 403, "Geweigerd", "Uw rol (" + c.actor.role + ") mag geen batches inzien.",
                       "/web/", "Naar het overzicht");
    auto b = api::visibleBatch(ctx, id);
    if (!b)
        return message(c, httpStatus(b.error().code), "Batch", b.error().message, "/web/batches",
                       "Terug naar de batches");
    auto v = api::viewBatch(ctx, *b);
    if (!v)
        return message(c, 500, "Storing", "De batch kan nu niet worden gelezen.", "/web/batches",
                       "Terug naar de batches");
    std::vector<std::vector<std::string>> rows;
    for (const auto& i : v->items) {
        std::string seen = i.data_changed      ? "gegevens gewijzigd; los beoordelen"
                           : i.previewed_by_me ? "bekeken"
                                               : "nog niet bekeken";
        rows.push_back({escape(i.found ? i.subject : std::string("?")),
                        escape(i.found ? stateLabel(i.state) : "niet gevonden"),
                        "<span class=\"" + std::string(i.to_preview() ? "open" : "gedaan") + "\">" +
                            escape(seen) + "</span>",
                        "<a href=\"/web/goedkeuren/" + escape(i.transfer_id) +
                            "\">Bekijken<span class=\"verborgen\"> " + escape(i.subject) +
                            "</span></a>"});
    }
    const bool approver = api::mayApprove(ctx, b->purpose);
    const bool open = b->status == "prepared" && v->status == "prepared";
    std::string decision;
    if (!open) {
        decision = "<p>Over deze batch is besloten: " + escape(batchStatusLabel(v->status)) + ".</p>";
    } else if (!approver) {
        decision = "<p id=\"geen-besluit\">Uw rol (" + escape(c.actor.role) +
                   ") keurt deze batch niet goed.</p>";
    } else if (c.actor.name == b->prepared_by) {
        decision = "<p id=\"geen-besluit\">U zette deze batch klaar; een ander keurt haar goed "
                   "(vier-ogenprincipe).</p>";
    } else {
        const std::string action = "/web/batches/" + escape(b->id);
        std::string approve;
        if (v->to_preview == 0) {
            approve = "<form method=\"post\" action=\"" + action + "\">" + csrfField(c) +
                      "<input type=\"hidden\" name=\"besluit\" value=\"goedkeuren\">"
                      "<p>U hebt elke overdracht bekeken. Uw goedkeuring geldt voor precies wat u "
                      "zag.</p><button type=\"submit\" id=\"batch-goedkeuren\">Batch "
                      "goedkeuren</button></form>";
        } else {
            approve = "<p id=\"nog-bekijken\">Bekijk eerst elke overdracht. Nog te bekijken: <strong>" +
                      std::to_string(v->to_preview) + "</strong> van " +
                      std::to_string(v->items.size()) + ".</p>";
        }
        decision = "<div class=\"besluit\">" + approve + "<form method=\"post\" action=\"" + action +
                   "\">" + csrfField(c) +
                   "<input type=\"hidden\" name=\"besluit\" value=\"afwijzen\">"
                   "<div class=\"veld\"><label for=\"reden-af\">Reden van afwijzing</label>"
                   "<textarea id=\"reden-af\" name=\"reden\" rows=\"2\" required></textarea></div>"
                   "<button type=\"submit\" id=\"batch-afwijzen\" class=\"secundair\">Batch "
                   "afwijzen</button></form></div>";
    }
    sendHtml(c, 200, "Batch " + b->name,
             page("batch.html",
                  {{"name", b->name},
                   {"purpose", b->purpose},
                   {"status", batchStatusLabel(v->status)},
                   {"prepared_by", b->prepared_by},
                   {"prepared_at", amsterdam::formatLocal(b->prepared_at)},
                   {"count", std::to_string(v->items.size())},
                   {"to_preview", std::to_string(v->to_preview)},
                   {"items", table({"Leerling (id)", "Status", "Uw preview", "Overdracht"}, rows,
                                   "Leerlingen in de batch")},
                   {"decision", decision}}),
             "/web/batches", flashFor(c));
}

void decidePost(Call& c, const std::string& id) {
    const std::string what = c.field("besluit");
    if (what != "goedkeuren" && what != "afwijzen")
        return message(c, 400, "Besluit", "Kies goedkeuren of afwijzen.", "/web/batches/" + id,
                       "Terug naar de batch");
    const bool approve = what == "goedkeuren";
    auto done = api::decideBatch(c.decisions(), id, approve, c.field("reden"));
    if (!done) {
        log::warn("web.batch_decision_refused", {{"batch_id", id},
                                                 {"account", c.actor.name},
                                                 {"code", errorCodeName(done.error().code)}});
        return message(c, httpStatus(done.error().code), "Besluit niet vastgelegd",
                       done.error().message, "/web/batches/" + id, "Terug naar de batch");
    }
    log::info("web.batch_decision", {{"batch_id", id}, {"account", c.actor.name}, {"decision", what}});
    redirect(c, "/web/batches/" + id + "?melding=" +
                    (approve ? "batch-goedgekeurd&n=" + std::to_string(done->approved)
                             : std::string("batch-afgewezen")));
}

}  // namespace

bool routeBatches(Call& c) {
    if (c.path == "/web/batches") {
        if (c.get()) return listPage(c, ""), true;
        if (c.post()) return preparePost(c), true;
    }
    if (auto id = c.segmentAfter("/web/batches/")) {
        if (c.get()) return batchPage(c, *id), true;
        if (c.post()) return decidePost(c, *id), true;
    }
    return false;
}

}  // namespace sluis::web

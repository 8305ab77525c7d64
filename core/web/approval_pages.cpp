// The approval queue, the transfer page and the decision (approval_pages.h).
#include "core/web/approval_pages.h"

#include <algorithm>

#include "core/error.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"

namespace sluis::web {

namespace {

/// Rows of the queue per page: a school's whole spring run (thousands) is paged, never read at once.
constexpr size_t kQueuePage = 100;

void queue(Call& c) {
    const api::Actor& actor = c.actor;
    const api::DecisionContext ctx = c.decisions();
    bool approver = false;
    for (const auto& [name, p] : c.config->policies)
        approver = approver || (p.approvals.required > 0 && actor.hasRole(p.approvals.roles));
    store::ListFilter f;
    f.state = transfer::State::kAwaitingApproval;
    // An approver sees what he may approve; other roles what they may see (policies.json
    // visible_to), without buttons.
    if (approver) f.purposes = approvablePurposes(ctx);
    else f.purposes = api::visiblePurposes(ctx);
    const size_t pagina = pageNumber(c);
    auto total = c.store.count(f);
    f.limit = kQueuePage;
    f.offset = (pagina - 1) * kQueuePage;
    auto list = total ? c.store.list(f) : Result<std::vector<store::Transfer>>(total.error());
    if (!list)
        return message(c, 500, "Storing", "De wachtrij kan nu niet worden gelezen.", "/web/",
                       "Naar het overzicht");
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : *list) {
        rows.push_back({escape(t.subject), escape(t.route), escape(t.purpose), escape(t.destination),
                        escape(amsterdam::formatLocal(t.updated_at)),
                        "<a href=\"/web/goedkeuren/" + escape(t.id) + "\">Bekijken<span class=\"verborgen\"> " +
                            escape(t.id) + "</span></a>"});
    }
    const std::string intro =
        approver ? "Overdrachten die op uw goedkeuring wachten. Bekijk elke overdracht voordat u "
                   "besluit: u keurt precies goed wat u ziet."
                 : "Uw rol keurt geen overdrachten goed. U kunt wel zien wat op goedkeuring wacht.";
    const size_t n = static_cast<size_t>(*total);
    std::string q = rows.empty() && pagina == 1
                        ? "<p>Er wacht niets op goedkeuring.</p>"
                        : table({"Leerling (id)", "Route", "Doel", "Bestemming", "Sinds", "Actie"},
                                rows, "Wachtrij goedkeuren");
    if (n > kQueuePage) {
        const size_t pages = (n + kQueuePage - 1) / kQueuePage;
        q = "<p id=\"wachtrij-aantal\">" + std::to_string(n) + " overdrachten wachten; pagina " +
            std::to_string(pagina) + " van " + std::to_string(pages) + ".</p>" + q +
            pageNav(pagina,
                    pagina > 1 ? "/web/goedkeuren?pagina=" + std::to_string(pagina - 1) : "", "Vorige",
                    pagina < pages ? "/web/goedkeuren?pagina=" + std::to_string(pagina + 1) : "",
                    "Volgende");
    }
    sendHtml(c, 200, "Goedkeuren", page("goedkeuren.html", {{"intro", intro}, {"queue", q}}),
             "/web/goedkeuren", flashFor(c));
}

void transferPage(Call& c, const std::string& id) {
    const api::Actor& actor = c.actor;
    const api::DecisionContext ctx = c.decisions();
    auto pv = api::preview(ctx, id);
    if (!pv)
        return message(c, httpStatus(pv.error().code), "Overdracht", pv.error().message,
                       "/web/goedkeuren", "Terug naar de wachtrij");
    const store::Transfer& t = pv->transfer;
    std::string included;
    if (pv->included.empty()) {
        included = "<p>Geen velden.</p>";
    } else {
        included = "<ul class=\"velden\">";
        for (const auto& f : pv->included)
            included += "<li><code>" + escape(f.is_string() ? f.get<std::string>() : f.dump()) +
                        "</code></li>";
        included += "</ul>";
    }
    std::string withheld;
    if (pv->withheld.empty()) {
        withheld = "<p>Er blijft niets achter.</p>";
    } else {
        std::vector<std::vector<std::string>> rows;
        for (const auto& w : pv->withheld)
            rows.push_back({"<code>" + escape(w.value("path", "")) + "</code>",
                            escape(w.value("reason", ""))});
        withheld = table({"Veld", "Reden"}, rows, "Velden die achterblijven");
    }
    std::string payload =
        pv->payload ? "<pre class=\"payload\" tabindex=\"0\" aria-label=\"Inhoud die wordt verstuurd\">" +
                          escape(*pv->payload) + "</pre>"
                    : "<p>De waarden zijn alleen zichtbaar voor wie goedkeurt en voor rollen met "
                      "inzagerecht.</p>";
    std::string decision;
    if (t.state == transfer::State::kAwaitingApproval) {
        if (api::mayApprove(ctx, t.purpose)) {
            const std::string hidden =
                "<input type=\"hidden\" name=\"csrf\" value=\"" + escape(c.session->csrf) +
                "\"><input type=\"hidden\" name=\"payload_hash\" value=\"" + escape(t.payload_hash) +
                "\">";
            const std::string action = "/web/goedkeuren/" + escape(t.id);
            decision =
                "<section aria-labelledby=\"besluit\"><h2 id=\"besluit\">Besluit</h2>"
                "<p>Uw besluit geldt voor precies deze inhoud (controlegetal hierboven). Verandert "
                "de inhoud, dan vervalt het.</p><div class=\"besluit\">"
                "<form method=\"post\" action=\"" + action + "\">" + hidden +
                "<input type=\"hidden\" name=\"besluit\" value=\"goedkeuren\">"
                "<div class=\"veld\"><label for=\"reden-goed\">Toelichting (niet verplicht)</label>"
                "<textarea id=\"reden-goed\" name=\"reden\" rows=\"2\"></textarea></div>"
                "<button type=\"submit\" id=\"goedkeuren\">Goedkeuren</button></form>"
                "<form method=\"post\" action=\"" + action + "\">" + hidden +
                "<input type=\"hidden\" name=\"besluit\" value=\"afwijzen\">"
                "<div class=\"veld\"><label for=\"reden-af\">Reden van afwijzing</label>"
                "<textarea id=\"reden-af\" name=\"reden\" rows=\"2\" required></textarea></div>"
                "<button type=\"submit\" id=\"afwijzen\" class=\"secundair\">Afwijzen</button></form>"
                "</div></section>";
        } else {
            decision = "<p class=\"fout\" id=\"geen-besluit\">Uw rol (" + escape(actor.role) +
                       ") kan deze overdracht niet goedkeuren of afwijzen.</p>";
        }
    }
    std::string deliver = t.deliver_at ? amsterdam::formatLocal(*t.deliver_at) : "zodra goedgekeurd";
    std::string content = page("transfer.html", {{"id", t.id},
                                                 {"subject", t.subject},
                                                 {"destination", t.destination},
                                                 {"purpose", t.purpose},
                                                 {"purpose_description", pv->purpose_description},
                                                 {"legal_basis", pv->legal_basis},
                                                 {"state", stateLabel(t.state)},
                                                 {"deliver_at", deliver},
                                                 {"payload_hash", t.payload_hash},
                                                 {"included", included},
                                                 {"withheld", withheld},
                                                 {"payload", payload},
                                                 {"decision", decision}});
    sendHtml(c, 200, "Overdracht bekijken", content, "/web/goedkeuren");
}

void decide(Call& c, const std::string& id) {
    const api::Actor& actor = c.actor;
    const api::DecisionContext ctx = c.decisions();
    const std::string what = c.field("besluit");
    if (what != "goedkeuren" && what != "afwijzen")
        return message(c, 400, "Besluit", "Kies goedkeuren of afwijzen.",
                       "/web/goedkeuren/" + id, "Terug naar de overdracht");
    const bool approve = what == "goedkeuren";
    auto st = api::approveOne(ctx, id, c.field("payload_hash"), approve, c.field("reden"));
    if (!st) {
        log::warn("web.decision_refused", {{"transfer_id", id},
                                           {"account", actor.name},
                                           {"code", errorCodeName(st.code())}});
        return message(c, httpStatus(st.code()), "Besluit niet vastgelegd", st.message(),
                       "/web/goedkeuren/" + id, "Terug naar de overdracht");
    }
    log::info("web.decision", {{"transfer_id", id}, {"account", actor.name}, {"decision", what}});
    redirect(c, std::string("/web/goedkeuren?melding=") + (approve ? "goedgekeurd" : "afgewezen"));
}

}  // namespace

std::set<std::string> approvablePurposes(const api::DecisionContext& c) {
    std::set<std::string> out;
    for (const auto& [name, p] : c.config->policies)
        if (api::seesPurpose(c, name) && api::mayApprove(c, name)) out.insert(name);
    return out;
}

bool routeApproval(Call& c) {
    if (c.path == "/web/goedkeuren" && c.get()) return queue(c), true;
    if (auto id = c.segmentAfter("/web/goedkeuren/")) {
        if (c.get()) return transferPage(c, *id), true;
        if (c.post()) return decide(c, *id), true;
    }
    return false;
}

}  // namespace sluis::web

// The audit page (audit_pages.h).
#include "core/web/audit_pages.h"

#include <algorithm>
#include <chrono>

#include "core/api/audit_decisions.h"
#include "core/error.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"
#include "core/util/percent_encode.h"
#include "core/util/text.h"

namespace sluis::web {

namespace {

constexpr size_t kPageSize = 50;

/// The query string of the filters (for the paging links), with `pagina` = page.
std::string filterQuery(const Call& c, size_t page, long long anchor) {
    std::string q;
    for (const char* k : {"leerling", "overdracht", "soort", "wie", "van", "tot"}) {
        const std::string v = c.param(k);
        if (v.empty()) continue;
        q += std::string(q.empty() ? "" : "&") + k + "=" + util::percentEncode(v);
    }
    if (anchor > 0) q += std::string(q.empty() ? "" : "&") + "anker=" + std::to_string(anchor);
    q += std::string(q.empty() ? "" : "&") + "pagina=" + std::to_string(page);
    return "/web/audit?" + q;
}

/// "elk uur", "elke 30 minuten": how often housekeeping checks in full.
std::string everyText(std::chrono::milliseconds every) {
    using namespace std::chrono;
    if (every.count() <= 0) return "";
    if (every % hours(1) == milliseconds(0)) {
        const auto n = every / hours(1);
        return n == 1 ? "elk uur" : "elke " + std::to_string(n) + " uur";
    }
    if (every % minutes(1) == milliseconds(0)) {
        const auto n = every / minutes(1);
        return n == 1 ? "elke minuut" : "elke " + std::to_string(n) + " minuten";
    }
    return "elke " + std::to_string(std::max<long long>(1, every / seconds(1))) + " seconden";
}

/// The chain's state: intact (and how much of it this view checked) or broken, where and how.
std::string chainSection(const api::ChainStatus& s, const std::string& csrf,
                         std::chrono::milliseconds full_every) {
    const auto& v = s.verification;
    std::string out;
    if (v.ok) {
        out = "<p class=\"goed\" id=\"keten-status\" role=\"status\"><strong>De auditketen is "
              "intact.</strong> ";
        if (s.full) {
            out += std::to_string(v.records) +
                   " records en alle registers zojuist volledig gecontroleerd: geen record is "
                   "verwijderd, verplaatst of gewijzigd";
        } else {
            out += "Volledig gecontroleerd op <span id=\"keten-volledig\">" +
                   escape(s.last_full_at ? amsterdam::formatLocal(*s.last_full_at) : "") +
                   "</span>: " + std::to_string(s.last_full_records) +
                   " records en alle registers. Sindsdien <span id=\"keten-nieuw\">" +
                   std::to_string(s.walked) + "</span> nieuwe records gecontroleerd (nu " +
                   std::to_string(v.records) + " in totaal)";
        }
        out += v.checkpoints_checked > 0
                   ? ", en het log klopt met alle " + std::to_string(v.checkpoints_checked) +
                         " checkpoints.</p>"
                   : ". Er is nog geen checkpoint.</p>";
    } else {
        out = "<div class=\"fout\" id=\"keten-status\" role=\"alert\"><p><strong>De auditketen is "
              "verbroken";
        if (v.first_bad_seq > 0)
            out += " bij record <span id=\"keten-record\">" + std::to_string(v.first_bad_seq) +
                   "</span>";
        out += ".</strong></p><p>" + escape(api::chainProblemText(v)) +
               "</p><p>Records vóór dit punt zijn wel gecontroleerd en in orde. Meld dit bij de "
               "beheerder en bewaar uw eigen kopie van de checkpoints.</p></div>";
    }
    // Why a view is quick, what that leaves out, and the way to a full check now.
    const std::string every = everyText(full_every);
    out += "<p class=\"hint\">Bij elke weergave controleert Sluis de records die sinds de vorige "
           "controle zijn bijgekomen. Een wijziging in een ouder record of in een register ziet "
           "Sluis bij de volledige controle" +
           (every.empty() ? std::string(", die alleen op verzoek draait.")
                          : " (automatisch " + every + ").") +
           "</p><form method=\"post\" action=\"/web/audit/controleren\">"
           "<input type=\"hidden\" name=\"csrf\" value=\"" +
           escape(csrf) +
           "\"><button type=\"submit\" id=\"volledig-controleren\">Nu volledig controleren"
           "</button></form>";
    std::vector<std::vector<std::string>> rows;
    for (const auto& cs : s.checkpoints)
        rows.push_back({std::to_string(cs.checkpoint.seq),
                        escape(amsterdam::formatLocal(cs.checkpoint.at)),
                        cs.signature_ok ? "geldig" : "<strong>ongeldig</strong>",
                        cs.matches ? "ja" : "<strong>nee</strong>"});
    out += "<h2 id=\"checkpoints\">Checkpoints</h2><p>Een checkpoint is een ondertekende "
           "verklaring van Sluis over het laatste record op dat moment. Bewaar kopieën buiten de "
           "server (<code>sluis audit checkpoint --export</code>).</p>";
    out += rows.empty() ? "<p>Er zijn nog geen checkpoints.</p>"
                        : table({"Tot en met record", "Gemaakt", "Ondertekening",
                                 "Klopt met het huidige log"},
                                rows, "Checkpoints");
    out += "<p class=\"hint\">Publieke sleutel van deze installatie: <code class=\"hash\">" +
           escape(s.public_key) + "</code></p>";
    return out;
}

std::string detailsText(const nlohmann::json& d) {
    if (!d.is_object() || d.empty()) return "";
    std::string out;
    for (const auto& [k, v] : d.items())
        out += (out.empty() ? "" : "; ") + k + ": " + (v.is_string() ? v.get<std::string>() : v.dump());
    return out;
}

void auditPage(Call& c) {
    const api::DecisionContext ctx = c.decisions();
    if (!c.actor.hasRole(api::auditRoles()))
        return message(c, 403, "Geweigerd",
                       "Uw rol (" + c.actor.role + ") mag het auditlog niet bekijken.", "/web/",
                       "Naar het overzicht");
    api::AuditQuery q;
    q.newest_first = true;
    q.limit = kPageSize;
    q.filter.subject = util::trim(c.param("leerling"));
    q.filter.transfer_id = util::trim(c.param("overdracht"));
    q.filter.event = util::trim(c.param("soort"));
    q.filter.actor = util::trim(c.param("wie"));
    std::string error;
    if (!c.param("van").empty()) {
        auto d = amsterdam::parseDate(c.param("van"));
        if (d) q.filter.from = amsterdam::startOfDay(*d);
        else error = "De datum 'van' is geen geldige datum (JJJJ-MM-DD).";
    }
    if (!c.param("tot").empty()) {
        auto d = amsterdam::parseDate(c.param("tot"));
        if (d) q.filter.until = amsterdam::startOfDay(amsterdam::addDays(*d, 1));  // inclusive
        else error = "De datum 'tot en met' is geen geldige datum (JJJJ-MM-DD).";
    }
    const size_t pagina = pageNumber(c);
    q.offset = (pagina - 1) * kPageSize;
    try {
        if (!c.param("anker").empty()) q.upto = std::stoll(c.param("anker"));
    } catch (const std::exception&) {
    }

    auto chain = api::chainStatus(ctx, api::ChainCheck::kSinceLast);
    if (!chain)
        return message(c, httpStatus(chain.error().code), "Audit", chain.error().message,
                       "/web/", "Naar het overzicht");
    auto log = api::readAudit(ctx, q);
    if (!log)
        return message(c, httpStatus(log.error().code), "Audit", log.error().message, "/web/",
                       "Naar het overzicht");
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : log->records) {
        std::string tr = r.event.transfer_id.empty()
                             ? ""
                             : "<a href=\"/web/audit?overdracht=" + escape(r.event.transfer_id) +
                                   "\">" + escape(r.event.transfer_id) + "</a>";
        rows.push_back({std::to_string(r.seq), escape(amsterdam::formatLocal(r.at)),
                        escape(r.event.actor), "<code>" + escape(r.event.event) + "</code>", tr,
                        escape(r.event.purpose), escape(detailsText(r.event.details))});
    }
    std::string records =
        rows.empty() ? "<p id=\"geen-records\">Geen records gevonden met deze filters.</p>"
                     : "<div class=\"tabel-scroll\">" +
                           table({"Nr.", "Tijdstip", "Wie", "Handeling", "Overdracht", "Doel",
                                  "Gegevens (alleen kenmerken)"},
                                 rows, "Auditlog, nieuwste eerst") +
                           "</div>";
    // The pages stay where they were while new records arrive: anchored at the newest record
    // of the first page.
    long long anchor = q.upto > 0 ? q.upto : (log->records.empty() ? 0 : log->records.front().seq);
    std::string paging;
    if (pagina > 1 || log->more)
        paging = pageNav(pagina, pagina > 1 ? filterQuery(c, pagina - 1, anchor) : "",
                         "Vorige (nieuwere records)",
                         log->more ? filterQuery(c, pagina + 1, anchor) : "",
                         "Volgende (oudere records)");
    log::info("web.audit_viewed", {{"account", c.actor.name}, {"page", pagina}});
    sendHtml(c, error.empty() ? 200 : 400, "Audit",
             page("audit.html", {{"chain", chainSection(*chain, c.session->csrf,
                                                      c.config->audit.full_check_interval)},
                                 {"leerling", c.param("leerling")},
                                 {"overdracht", c.param("overdracht")},
                                 {"soort", c.param("soort")},
                                 {"wie", c.param("wie")},
                                 {"van", c.param("van")},
                                 {"tot", c.param("tot")},
                                 {"records", records},
                                 {"paging", paging}}),
             "/web/audit", error.empty() ? flashFor(c) : errorFlash(error));
}

/// POST /web/audit/controleren: a full check now, then the page (which shows its outcome).
void fullCheck(Call& c) {
    auto chain = api::chainStatus(c.decisions(), api::ChainCheck::kFull);
    if (!chain)
        return message(c, httpStatus(chain.error().code), "Audit", chain.error().message, "/web/",
                       "Naar het overzicht");
    log::info("web.audit_full_check", {{"account", c.actor.name},
                                       {"records", chain->verification.records},
                                       {"ok", chain->verification.ok}});
    redirect(c, "/web/audit?melding=volledig-gecontroleerd");
}

}  // namespace

bool routeAudit(Call& c) {
    if (c.path == "/web/audit/controleren") {
        if (!c.post())
            return message(c, 405, "Niet toegestaan",
                           "Een volledige controle start u met de knop op de auditpagina.",
                           "/web/audit", "Naar de auditpagina"),
                   true;
        fullCheck(c);
        return true;
    }
    if (c.path != "/web/audit") return false;
    if (!c.get())
        return message(c, 405, "Niet toegestaan", "Deze pagina kent alleen bekijken.", "/web/audit",
                       "Terug"),
               true;
    auditPage(c);
    return true;
}

}  // namespace sluis::web

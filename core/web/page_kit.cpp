// The page frame and small HTML builders shared by every page area (page_kit.h).
#include "core/web/page_kit.h"

#include <algorithm>

namespace sluis::web {

std::string Call::param(const std::string& k) const {
    for (const auto& [key, v] : query)
        if (key == k) return v;
    return {};
}

std::string Call::field(const std::string& k) const {
    auto it = form.find(k);
    return it == form.end() ? std::string() : it->second;
}

std::optional<std::string> Call::segmentAfter(const std::string& prefix) const {
    if (!path.starts_with(prefix) || path.size() <= prefix.size()) return std::nullopt;
    if (path.find('/', prefix.size()) != std::string::npos) return std::nullopt;
    return path.substr(prefix.size());
}

const char* stateLabel(transfer::State s) {
    using S = transfer::State;
    switch (s) {
        case S::kReceived: return "ontvangen";
        case S::kMapped: return "opgesteld";
        case S::kAwaitingConsent: return "wacht op toestemming of inzage";
        case S::kAwaitingApproval: return "wacht op goedkeuring";
        case S::kScheduled: return "ingepland";
        case S::kDelivering: return "wordt afgeleverd";
        case S::kDelivered: return "afgeleverd";
        case S::kRejected: return "afgewezen";
        case S::kWithdrawn: return "ingetrokken";
        case S::kFailed: return "mislukt, wordt opnieuw geprobeerd";
        case S::kDeadLettered: return "vastgelopen (beheerder)";
    }
    return "onbekend";
}

std::map<std::string, std::string> parseForm(const std::string& body) {
    std::map<std::string, std::string> out;
    size_t i = 0;
    while (i <= body.size()) {
        size_t amp = body.find('&', i);
        if (amp == std::string::npos) amp = body.size();
        std::string pair = body.substr(i, amp - i);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            std::string k = pair.substr(0, eq), v = eq == std::string::npos ? "" : pair.substr(eq + 1);
            std::replace(k.begin(), k.end(), '+', ' ');
            std::replace(v.begin(), v.end(), '+', ' ');
            std::string dk, dv;
            try {
                Poco::URI::decode(k, dk);
                Poco::URI::decode(v, dv);
            } catch (const Poco::Exception&) {
                dk.clear();
            }
            if (!dk.empty() && !out.count(dk)) out[dk] = dv;
        }
        i = amp + 1;
    }
    return out;
}

void securityHeaders(Poco::Net::HTTPServerResponse& resp, bool tls) {
    resp.set("Content-Security-Policy",
             "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self'; "
             "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    resp.set("X-Frame-Options", "DENY");
    resp.set("X-Content-Type-Options", "nosniff");
    resp.set("Referrer-Policy", "no-referrer");
    resp.set("Cache-Control", "no-store");
    resp.set("Pragma", "no-cache");
    if (tls) resp.set("Strict-Transport-Security", "max-age=31536000");
}

const std::vector<NavItem>& navItems() {
    static const std::vector<NavItem> items = {
        {"/web/", "Overzicht", {}},
        {"/web/goedkeuren", "Goedkeuren", {}},
        {"/web/inzage", "Toestemming en inzage", {}},
        {"/web/vensters", "Vensters", {"bevoegd-gezag", "beheerder"}},
        {"/web/audit", "Audit", {"fg", "beheerder"}},
        {"/web/beheer", "Beheer", {"beheerder"}},
        {"/web/toestemming", "Toestemmingen", {}},
        {"/web/batches", "Batches",
         {"mentor", "zorgcoordinator", "beheerder", "directeur", "bevoegd-gezag", "fg"}},
    };
    return items;
}

namespace {

std::string nav(const Call& c, const std::string& current) {
    if (!c.loggedIn()) return "";
    std::string out = "<nav aria-label=\"Hoofdmenu\"><ul>";
    for (const auto& item : navItems()) {
        if (!item.roles.empty() && !c.actor.hasRole(item.roles)) continue;
        out += "<li><a href=\"" + std::string(item.href) + "\"";
        if (current == item.href) out += " aria-current=\"page\"";
        out += ">" + std::string(item.label) + "</a></li>";
    }
    const std::string& who = c.session->display.empty() ? c.session->name : c.session->display;
    return out + "<li>" + escape(who) + " (" + escape(c.session->role) +
           ")</li><li><form method=\"post\" action=\"/web/logout\">" + csrfField(c) +
           "<button type=\"submit\" class=\"link\">Afmelden</button></form></li></ul></nav>";
}

/// The text of flash message `m` (?melding=m), or "".
std::string flashText(const Call& c, const std::string& m) {
    static const std::map<std::string, std::string> fixed = {
        {"goedgekeurd",
         "De overdracht is goedgekeurd. Sluis levert haar af zodra alle voorwaarden vervuld zijn."},
        {"afgewezen", "De overdracht is afgewezen; zij wordt niet verstuurd."},
        {"afgemeld", "U bent afgemeld."},
        {"verlopen", "Uw sessie is verlopen. Meld u opnieuw aan."},
        {"vensters-niveau",
         "Het niveau is vastgelegd. Het rapport wordt opnieuw opgemaakt; een eerder akkoord "
         "vervalt."},
        {"vensters-datum", "De leverdatum is vastgelegd."},
        {"vensters-vragen", "De antwoorden zijn vastgelegd."},
        {"vensters-akkoord", "Uw akkoord is vastgelegd, voor precies dit rapport."},
        {"vensters-opgeslagen",
         "De levering is opgeslagen en staat klaar voor de leverdatum. Gebruikersbeheer krijgt "
         "een e-mail."},
        {"vensters-ingetrokken", "De levering is ingetrokken; zij wordt niet verstuurd."},
        {"vensters-geweigerd",
         "U hebt de levering geweigerd. Zij gaat niet naar de Inspectie; uw reden is vastgelegd."},
        {"opnieuw-aangeboden",
         "De overdracht is opnieuw aangeboden. Sluis beoordeelt alle voorwaarden opnieuw voordat "
         "zij wordt afgeleverd."},
        {"token-ingetrokken", "Het token is ingetrokken; het geeft vanaf nu geen toegang meer."},
        {"volledig-gecontroleerd",
         "Het hele auditlog en alle registers zijn zojuist gecontroleerd; de uitkomst staat "
         "hieronder."},
        {"account-rol",
         "De rol van het account is gewijzigd; wie ermee was aangemeld, is afgemeld en meldt zich "
         "opnieuw aan met de nieuwe rol."},
        {"account-verwijderd",
         "Het account is verwijderd; aanmelden lukt niet meer en open sessies zijn beëindigd."},
    };
    if (auto it = fixed.find(m); it != fixed.end()) return it->second;
    auto count = [&]() {
        int n = 0;
        try {
            n = std::stoi(c.param("n"));
        } catch (const std::exception&) {
        }
        return std::to_string(std::max(n, 0));
    };
    if (m == "batch-klaar") return "De batch is klaargezet.";
    if (m == "batch-afgewezen") return "De batch is afgewezen; haar overdrachten worden niet samen goedgekeurd.";
    if (m == "batch-goedgekeurd")
        return "De batch is goedgekeurd: " + count() +
               " overdracht(en) goedgekeurd. Sluis levert ze af zodra alle voorwaarden vervuld zijn.";
    if (m == "toestemming")
        return "De toestemming is vastgelegd. " + count() + " wachtende overdracht(en) gaan verder.";
    if (m == "ingetrokken")
        return "De toestemming is ingetrokken. " + count() + " overdracht(en) zijn gestopt.";
    if (m == "inzage") {
        int n = 0;
        try {
            n = std::stoi(c.param("n"));
        } catch (const std::exception&) {
        }
        return "De inzage is vastgelegd. " + std::to_string(std::max(n, 0)) +
               " wachtend(e) dossier(s) worden opnieuw opgesteld.";
    }
    return "";
}

}  // namespace

std::string csrfField(const Call& c) {
    return "<input type=\"hidden\" name=\"csrf\" value=\"" +
           escape(c.session ? c.session->csrf : std::string()) + "\">";
}

void sendHtml(Call& c, int status, const std::string& title, const std::string& content,
              const std::string& current, const std::string& flash) {
    Vars v{{"title", title}, {"nav", nav(c, current)}, {"content", content}, {"flash", flash}};
    std::string out = render(*templateText("layout.html"), v);
    securityHeaders(c.resp, c.tls);
    c.resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    c.resp.setContentType("text/html; charset=utf-8");
    c.resp.setContentLength(static_cast<std::streamsize>(out.size()));
    c.resp.send() << out;
}

std::string page(const char* name, const Vars& vars) { return render(*templateText(name), vars); }

void redirect(Call& c, const std::string& to) {
    securityHeaders(c.resp, c.tls);
    c.resp.setStatus(Poco::Net::HTTPResponse::HTTP_SEE_OTHER);
    c.resp.set("Location", to);
    c.resp.setContentLength(0);
    c.resp.send();
}

void message(Call& c, int status, const std::string& title, const std::string& text,
             const std::string& back, const std::string& back_label) {
    sendHtml(c, status, title,
             page("melding.html", {{"kind", status < 400 ? "goed" : "fout"},
                                   {"message", text},
                                   {"back", back},
                                   {"back_label", back_label}}));
}

void setCookie(Call& c, const std::string& value, bool clear) {
    std::string cookie = std::string(kSessionCookie) + "=" + value +
                         "; Path=/web; HttpOnly; SameSite=Strict";
    if (c.tls) cookie += "; Secure";
    if (clear) cookie += "; Max-Age=0";
    c.resp.set("Set-Cookie", cookie);
}

std::string flashFor(const Call& c) {
    const std::string text = flashText(c, c.param("melding"));
    if (text.empty()) return "";
    return "<p class=\"goed\" role=\"status\">" + escape(text) + "</p>";
}

std::string errorFlash(const std::string& text) {
    return "<p class=\"fout\" role=\"alert\">" + escape(text) + "</p>";
}

std::string table(const std::vector<std::string>& heads,
                  const std::vector<std::vector<std::string>>& rows, const std::string& caption) {
    std::string t = "<table><caption class=\"verborgen\">" + escape(caption) + "</caption><thead><tr>";
    for (const auto& h : heads) t += "<th scope=\"col\">" + escape(h) + "</th>";
    t += "</tr></thead><tbody>";
    for (const auto& r : rows) {
        t += "<tr>";
        for (const auto& cell : r) t += "<td>" + cell + "</td>";  // cells are escaped by callers
        t += "</tr>";
    }
    return t + "</tbody></table>";
}

}  // namespace sluis::web

namespace sluis::web {

size_t pageNumber(const Call& c) {
    try {
        if (!c.param("pagina").empty()) return static_cast<size_t>(std::max(1, std::stoi(c.param("pagina"))));
    } catch (const std::exception&) {
    }
    return 1;
}

std::string pageNav(size_t page, const std::string& prev_href, const std::string& prev_label,
                    const std::string& next_href, const std::string& next_label) {
    std::string out = "<nav aria-label=\"Pagina's\" class=\"paginering\"><ul>";
    if (!prev_href.empty())
        out += "<li><a rel=\"prev\" id=\"vorige\" href=\"" + escape(prev_href) + "\">" +
               escape(prev_label) + "</a></li>";
    out += "<li>Pagina " + std::to_string(page) + "</li>";
    if (!next_href.empty())
        out += "<li><a rel=\"next\" id=\"volgende\" href=\"" + escape(next_href) + "\">" +
               escape(next_label) + "</a></li>";
    return out + "</ul></nav>";
}

}  // namespace sluis::web

#include "core/policy/disclosures.h"

#include <sstream>

#include "core/policy/gates.h"
#include "core/util/amsterdam_time.h"

namespace sluis::policy {

using nlohmann::json;
using store::State;

Result<json> disclosureRegister(const config::Config& config, store::TransferStore& store,
                                const std::string& pupil,
                                const std::optional<std::set<std::string>>& purposes) {
    store::ListFilter f;
    f.subject = pupil;
    f.purposes = purposes;
    f.state = State::kDelivered;
    f.limit = 1000;
    auto list = store.list(f);
    if (!list) return list.error();
    json items = json::array();
    for (const auto& t : *list) {
        auto hist = store.history(t.id);
        if (!hist) return hist.error();
        Timestamp delivered_at = t.updated_at;
        for (const auto& h : *hist)
            if (h.to == State::kDelivered) delivered_at = h.at;
        const auto* p = config.policy(t.purpose);
        // The approvals that counted for what was delivered (Gates::countApprovals decides). The
        // consent recorder is not re-derived here: the approval API refuses their approval anyway.
        auto approvals = Gates::countApprovals(store, t, p);
        if (!approvals) return approvals.error();
        json appr = json::array();
        for (const auto& a : approvals->counted)
            appr.push_back({{"by", a.approver}, {"role", a.role}, {"at", amsterdam::formatLocal(a.at)}});
        json d = t.disclosure.is_object() ? t.disclosure : json::object();
        items.push_back({{"transfer_id", t.id},
                         {"delivered_at", amsterdam::formatLocal(delivered_at)},
                         {"destination", t.destination},
                         {"receipt", t.receipt},
                         {"purpose", t.purpose},
                         {"purpose_description", p ? p->description : ""},
                         {"legal_basis", p ? p->legal_basis : ""},
                         {"categories", d.value("categories", json::array())},
                         {"fields", d.value("included", json::array())},
                         {"withheld", d.value("withheld", json::array())},
                         {"consent_or_inzage", t.consent_id},
                         {"approved_by", appr},
                         {"payload_hash", t.payload_hash},
                         {"payload_purged", t.payload_purged}});
    }
    return json{{"pupil", pupil}, {"deliveries", items}};
}

namespace {
std::string esc(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}
std::string joinStrings(const json& arr, const std::string& sep) {
    std::string out;
    for (const auto& v : arr) out += (out.empty() ? "" : sep) + (v.is_string() ? v.get<std::string>() : v.dump());
    return out;
}
}  // namespace

std::string renderDisclosureReport(const json& reg, const std::string& format) {
    std::ostringstream o;
    const json& items = reg["deliveries"];
    std::string pupil = reg["pupil"];
    if (format == "html") {
        o << "<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Verstrekkingen "
             "leerling "
          << esc(pupil)
          << "</title><style>body{font-family:sans-serif;max-width:50em;margin:2em auto}"
             "section{border-top:1px solid #888;padding:.5em 0}dt{font-weight:bold}"
             "code{font-size:90%}</style></head><body>\n"
          << "<h1>Overzicht van verstrekte gegevens</h1>\n<p>Leerling (leerlingnummer): <b>" << esc(pupil)
          << "</b>. Dit overzicht noemt welke gegevens over deze leerling de school heeft verstrekt, "
             "aan wie, wanneer, waarom en met wiens goedkeuring.</p>\n";
        if (items.empty()) o << "<p>Er zijn geen gegevens over deze leerling verstrekt.</p>\n";
        for (const auto& i : items) {
            o << "<section><h2>" << esc(i["delivered_at"]) << " &mdash; " << esc(i["destination"])
              << "</h2><dl>"
              << "<dt>Doel</dt><dd>" << esc(i["purpose"]) << " " << esc(i["purpose_description"]) << "</dd>"
              << "<dt>Grondslag</dt><dd>" << esc(i["legal_basis"]) << "</dd>"
              << "<dt>Categorieën</dt><dd>" << esc(joinStrings(i["categories"], ", ")) << "</dd>"
              << "<dt>Velden</dt><dd><code>" << esc(joinStrings(i["fields"], ", ")) << "</code></dd>"
              << "<dt>Niet verstrekt</dt><dd>" << i["withheld"].size() << " veld(en) achtergehouden</dd>"
              << "<dt>Toestemming / inzage</dt><dd>"
              << esc(i["consent_or_inzage"].get<std::string>().empty() ? "niet vereist voor dit doel"
                                                                        : i["consent_or_inzage"].get<std::string>())
              << "</dd><dt>Goedgekeurd door</dt><dd>";
            if (i["approved_by"].empty()) o << "geen goedkeuring vereist";
            for (const auto& a : i["approved_by"])
                o << esc(a["by"]) << " (" << esc(a["role"]) << ", " << esc(a["at"]) << ") ";
            o << "</dd><dt>Kenmerk</dt><dd><code>" << esc(i["transfer_id"]) << "</code></dd></dl></section>\n";
        }
        o << "</body></html>\n";
        return o.str();
    }
    o << "OVERZICHT VAN VERSTREKTE GEGEVENS\nLeerling (leerlingnummer): " << pupil << "\n\n";
    if (items.empty()) o << "Er zijn geen gegevens over deze leerling verstrekt.\n";
    for (const auto& i : items) {
        o << "- " << i["delivered_at"].get<std::string>() << " aan " << i["destination"].get<std::string>() << "\n"
          << "  Doel:          " << i["purpose"].get<std::string>() << " " << i["purpose_description"].get<std::string>() << "\n"
          << "  Grondslag:     " << i["legal_basis"].get<std::string>() << "\n"
          << "  Categorieën:   " << joinStrings(i["categories"], ", ") << "\n"
          << "  Velden:        " << joinStrings(i["fields"], ", ") << "\n"
          << "  Achtergehouden: " << i["withheld"].size() << " veld(en)\n"
          << "  Toestemming/inzage: "
          << (i["consent_or_inzage"].get<std::string>().empty() ? "niet vereist voor dit doel"
                                                                 : i["consent_or_inzage"].get<std::string>())
          << "\n  Goedgekeurd door: ";
        if (i["approved_by"].empty()) o << "geen goedkeuring vereist";
        for (const auto& a : i["approved_by"])
            o << a["by"].get<std::string>() << " (" << a["role"].get<std::string>() << ", " << a["at"].get<std::string>() << ") ";
        o << "\n  Kenmerk:       " << i["transfer_id"].get<std::string>() << "\n\n";
    }
    return o.str();
}

}  // namespace sluis::policy

// HTML rendering of a Vensters report document. Everything shown comes from the document itself
// (which is the delivery payload), so the page can never show more than what is delivered.
#include <sstream>

#include "mapping/vensters/report.h"
#include "mapping/vensters/report_fields.h"

namespace sluis::vensters {

using nlohmann::json;

namespace {

std::string esc(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

using fields::at;
using fields::isSuppressed;
using fields::text;

const char* kSuppressedCell = "<td class=\"o\">onderdrukt</td>";

const char* kStyle =
    "body{font-family:sans-serif;margin:2em;color:#111}"
    "table{border-collapse:collapse;margin:0.5em 0 1.5em}"
    "th,td{border:1px solid #999;padding:0.25em 0.6em;text-align:right}"
    "th:first-child,td:first-child{text-align:left}"
    "td.o{color:#666;font-style:italic}"
    "p.onderdrukking{background:#fff4d6;padding:0.5em;border-left:4px solid #d9a400}"
    "code{word-break:break-all}";

}  // namespace

std::string renderHtml(const json& report) {
    std::ostringstream h;
    const json& sup = at(report, "onderdrukking");
    const json& defs = at(report, "indicatoren");
    std::string title = "Monitor sociale veiligheid: levering aan de Inspectie";
    h << "<!DOCTYPE html>\n<html lang=\"nl\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
      << esc(title) << "</title>\n<style>" << kStyle << "</style>\n</head>\n<body>\n";
    h << "<h1>" << esc(title) << "</h1>\n";
    h << "<table class=\"kop\">\n";
    if (report.contains("schooljaar"))
        h << "<tr><th>Schooljaar</th><td>" << esc(text(report, "schooljaar")) << "</td></tr>\n";
    h << "<tr><th>Niveau</th><td>" << esc(text(report, "niveau")) << "</td></tr>\n"
      << "<tr><th>Indicatorenset</th><td>" << esc(text(report, "indicatorenset")) << "</td></tr>\n"
      << "<tr><th>Minimale celgrootte</th><td>" << esc(text(sup, "minimale_celgrootte"))
      << "</td></tr>\n"
      << "<tr><th>SHA-256 van de levering (JSON)</th><td><code>" << reportSha256(report)
      << "</code></td></tr>\n"
      << "</table>\n";
    h << "<p class=\"onderdrukking\">" << esc(text(sup, "toelichting")) << "</p>\n";

    for (const auto& school : at(report, "scholen")) {
        std::string label = text(school, "brin") + " vestiging " + text(school, "vestiging");
        if (school.contains("naam")) label += " \u2014 " + text(school, "naam");
        h << "<h2>" << esc(label) << "</h2>\n";
        bool by_type = text(report, "niveau") == "onderwijssoort";

        // Indicators: one row per cell, one column group per indicator.
        h << "<h3>Indicatoren</h3>\n<table>\n<tr><th>" << (by_type ? "Onderwijssoort" : "School")
          << "</th><th>Respondenten</th>";
        for (const auto& d : defs) {
            if (text(d, "soort") == "gemiddelde")
                h << "<th>" << esc(text(d, "naam")) << ": gemiddelde</th><th>"
                  << esc(text(d, "naam")) << ": % positief</th>";
            else
                h << "<th>" << esc(text(d, "naam")) << ": %</th>";
        }
        h << "</tr>\n";
        for (const auto& cell : at(school, "cellen")) {
            h << "<tr><td>" << esc(by_type ? text(cell, "onderwijssoort") : text(school, "school"))
              << "</td>";
            if (isSuppressed(cell)) {
                h << kSuppressedCell;
                for (const auto& d : defs)
                    h << kSuppressedCell
                      << (text(d, "soort") == "gemiddelde" ? kSuppressedCell : "");
                h << "</tr>\n";
                continue;
            }
            h << "<td>" << text(cell, "respondenten") << "</td>";
            for (const auto& d : defs) {
                const json& v = at(at(cell, "indicatoren"), text(d, "id"));
                bool mean = text(d, "soort") == "gemiddelde";
                if (isSuppressed(v)) {
                    h << kSuppressedCell << (mean ? kSuppressedCell : "");
                } else if (mean) {
                    h << "<td>" << esc(text(v, "gemiddelde")) << "</td><td>"
                      << esc(text(v, "percentage_positief")) << "</td>";
                } else {
                    h << "<td>" << esc(text(v, "percentage")) << "</td>";
                }
            }
            h << "</tr>\n";
        }
        h << "</table>\n";

        // Incident details: percentage "ja" per question.
        for (const auto& d : defs) {
            if (text(d, "soort") != "percentage_ja") continue;
            h << "<h3>" << esc(text(d, "naam")) << ": per incident (% ja)</h3>\n<table>\n<tr><th>"
              << (by_type ? "Onderwijssoort" : "School") << "</th>";
            for (const auto& q : at(d, "vragen")) h << "<th>" << esc(text(q, "id")) << "</th>";
            h << "</tr>\n";
            for (const auto& cell : at(school, "cellen")) {
                h << "<tr><td>"
                  << esc(by_type ? text(cell, "onderwijssoort") : text(school, "school"))
                  << "</td>";
                const json* v = nullptr;
                if (!isSuppressed(cell)) v = &at(at(cell, "indicatoren"), text(d, "id"));
                for (const auto& q : at(d, "vragen")) {
                    if (v == nullptr || isSuppressed(*v)) {
                        h << kSuppressedCell;
                        continue;
                    }
                    const json& part = at(at(*v, "onderdelen"), text(q, "id"));
                    if (isSuppressed(part))
                        h << kSuppressedCell;
                    else
                        h << "<td>" << esc(text(part, "percentage_ja")) << "</td>";
                }
                h << "</tr>\n";
            }
            h << "</table>\n";
        }

        // Representativity.
        h << "<h3>Representativiteit</h3>\n<table>\n<tr>"
          << (by_type ? "<th>Onderwijssoort</th>" : "")
          << "<th>Leerjaar</th><th>Ingeschreven</th><th>Respondenten</th><th>Respons %</th></tr>\n";
        for (const auto& g : at(school, "representativiteit")) {
            auto row = [&](const std::string& grade, const json& r) {
                h << "<tr>";
                if (by_type) h << "<td>" << esc(text(g, "onderwijssoort")) << "</td>";
                h << "<td>" << esc(grade) << "</td><td>" << text(r, "ingeschreven") << "</td>";
                if (isSuppressed(r))
                    h << kSuppressedCell << kSuppressedCell;
                else
                    h << "<td>" << text(r, "respondenten") << "</td><td>"
                      << esc(text(r, "respons_percentage")) << "</td>";
                h << "</tr>\n";
            };
            for (const auto& r : at(g, "leerjaren")) row(text(r, "leerjaar"), r);
            row("totaal", at(g, "totaal"));
        }
        h << "</table>\n";
    }

    h << "<h2>Definities</h2>\n";
    for (const auto& d : defs) {
        h << "<h3>" << esc(text(d, "naam")) << "</h3>\n<p>" << esc(text(d, "toelichting"))
          << " Een leerling telt mee bij minstens " << esc(text(d, "min_beantwoord"))
          << " beantwoorde vragen.</p>\n<ul>\n";
        for (const auto& q : at(d, "vragen"))
            h << "<li><b>" << esc(text(q, "id")) << "</b> " << esc(text(q, "tekst")) << " ("
              << esc(text(q, "schaal"))
              << (q.value("omgekeerd", false) ? ", omgekeerd gescoord" : "") << ")</li>\n";
        h << "</ul>\n";
    }
    h << "</body>\n</html>\n";
    return h.str();
}

}  // namespace sluis::vensters

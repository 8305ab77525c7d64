// PDF rendering of a Vensters report document: the same content and order as render_html.cpp,
// laid out with the small PDF writer in pdf_writer.*.
#include "mapping/vensters/render_pdf.h"

#include "mapping/vensters/pdf_writer.h"
#include "mapping/vensters/report.h"
#include "mapping/vensters/report_fields.h"

namespace sluis::vensters {

using nlohmann::json;
using pdf::Cell;
using pdf::Font;

namespace {

using fields::at;
using fields::isSuppressed;
using fields::text;

Cell suppressed() { return Cell{"onderdrukt", Font::kRegular, true}; }

}  // namespace

std::string renderPdf(const json& report) {
    const std::string title = "Monitor sociale veiligheid: levering aan de Inspectie";
    const std::string hash = reportSha256(report);
    const json& sup = at(report, "onderdrukking");
    const json& defs = at(report, "indicatoren");
    pdf::Document doc(title);
    doc.setFooter("SHA-256 van de levering (JSON): " + hash);

    doc.heading(title, 1);
    std::vector<std::vector<Cell>> head;
    if (report.contains("schooljaar"))
        head.push_back({{"Schooljaar"}, {text(report, "schooljaar")}});
    head.push_back({{"Niveau"}, {text(report, "niveau")}});
    head.push_back({{"Indicatorenset"}, {text(report, "indicatorenset")}});
    head.push_back({{"Minimale celgrootte"}, {text(sup, "minimale_celgrootte")}});
    head.push_back({{"SHA-256 van de levering (JSON)"}, {hash, Font::kMono}});
    doc.table(head, false, false);
    doc.paragraph(text(sup, "toelichting"));

    const bool by_type = text(report, "niveau") == "onderwijssoort";
    const std::string first_column = by_type ? "Onderwijssoort" : "School";
    for (const auto& school : at(report, "scholen")) {
        std::string label = text(school, "brin") + " vestiging " + text(school, "vestiging");
        if (school.contains("naam")) label += " \u2014 " + text(school, "naam");
        doc.heading(label, 2);
        auto cellName = [&](const json& cell) {
            return by_type ? text(cell, "onderwijssoort") : text(school, "school");
        };

        // Indicators: one row per cell, one column (or two) per indicator.
        doc.heading("Indicatoren", 3);
        std::vector<std::vector<Cell>> rows(1);
        rows[0] = {{first_column}, {"Respondenten"}};
        for (const auto& d : defs) {
            if (text(d, "soort") == "gemiddelde") {
                rows[0].push_back({text(d, "naam") + ": gemiddelde"});
                rows[0].push_back({text(d, "naam") + ": % positief"});
            } else {
                rows[0].push_back({text(d, "naam") + ": %"});
            }
        }
        for (const auto& cell : at(school, "cellen")) {
            std::vector<Cell> row = {{cellName(cell)}};
            if (isSuppressed(cell)) {
                row.resize(rows[0].size(), suppressed());
                rows.push_back(std::move(row));
                continue;
            }
            row.push_back({text(cell, "respondenten")});
            for (const auto& d : defs) {
                const json& v = at(at(cell, "indicatoren"), text(d, "id"));
                bool mean = text(d, "soort") == "gemiddelde";
                if (isSuppressed(v)) {
                    row.push_back(suppressed());
                    if (mean) row.push_back(suppressed());
                } else if (mean) {
                    row.push_back({text(v, "gemiddelde")});
                    row.push_back({text(v, "percentage_positief")});
                } else {
                    row.push_back({text(v, "percentage")});
                }
            }
            rows.push_back(std::move(row));
        }
        doc.table(rows, true);

        // Incident details: percentage "ja" per question.
        for (const auto& d : defs) {
            if (text(d, "soort") != "percentage_ja") continue;
            doc.heading(text(d, "naam") + ": per incident (% ja)", 3);
            std::vector<std::vector<Cell>> parts(1);
            parts[0] = {{first_column}};
            for (const auto& q : at(d, "vragen")) parts[0].push_back({text(q, "id")});
            for (const auto& cell : at(school, "cellen")) {
                std::vector<Cell> row = {{cellName(cell)}};
                const json* v = nullptr;
                if (!isSuppressed(cell)) v = &at(at(cell, "indicatoren"), text(d, "id"));
                for (const auto& q : at(d, "vragen")) {
                    if (v == nullptr || isSuppressed(*v)) {
                        row.push_back(suppressed());
                        continue;
                    }
                    const json& part = at(at(*v, "onderdelen"), text(q, "id"));
                    if (isSuppressed(part))
                        row.push_back(suppressed());
                    else
                        row.push_back({text(part, "percentage_ja")});
                }
                parts.push_back(std::move(row));
            }
            doc.table(parts, true);
        }

        // Representativity.
        doc.heading("Representativiteit", 3);
        std::vector<std::vector<Cell>> repr(1);
        if (by_type) repr[0].push_back({"Onderwijssoort"});
        for (const char* h : {"Leerjaar", "Ingeschreven", "Respondenten", "Respons %"})
            repr[0].push_back({h});
        for (const auto& g : at(school, "representativiteit")) {
            auto row = [&](const std::string& grade, const json& r) {
                std::vector<Cell> out;
                if (by_type) out.push_back({text(g, "onderwijssoort")});
                out.push_back({grade});
                out.push_back({text(r, "ingeschreven")});
                if (isSuppressed(r)) {
                    out.push_back(suppressed());
                    out.push_back(suppressed());
                } else {
                    out.push_back({text(r, "respondenten")});
                    out.push_back({text(r, "respons_percentage")});
                }
                repr.push_back(std::move(out));
            };
            for (const auto& r : at(g, "leerjaren")) row(text(r, "leerjaar"), r);
            row("totaal", at(g, "totaal"));
        }
        doc.table(repr, true);
    }

    doc.heading("Definities", 2);
    for (const auto& d : defs) {
        doc.heading(text(d, "naam"), 3);
        doc.paragraph(text(d, "toelichting") + " Een leerling telt mee bij minstens " +
                      text(d, "min_beantwoord") + " beantwoorde vragen.");
        std::vector<std::vector<Cell>> questions;
        for (const auto& q : at(d, "vragen"))
            questions.push_back(
                {{text(q, "id"), Font::kBold},
                 {text(q, "tekst") + " (" + text(q, "schaal") +
                  (q.value("omgekeerd", false) ? ", omgekeerd gescoord" : "") + ")"}});
        doc.table(questions, false, false);
    }
    return doc.render();
}

}  // namespace sluis::vensters

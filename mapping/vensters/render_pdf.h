#pragma once
/// PDF rendering of a Vensters report document, for reading and printing next to the HTML. Like
/// renderHtml it shows only what is in the document (the delivery payload) and prints the
/// SHA-256 of the JSON payload (reportSha256), which is what an akkoord binds to; the PDF's own
/// bytes are not what is delivered. Deterministic: the same document gives the same bytes.
#include <nlohmann/json.hpp>
#include <string>

namespace sluis::vensters {

/// A PDF 1.4 file (A4, standard fonts, WinAnsi text) with the header, suppression statement,
/// per school the indicator, incident and representativity tables (suppressed cells read
/// "onderdrukt"), and the definitions of indicators and questions. Never throws on a document
/// that passed checkReport; text outside Windows-1252 is shown as '?'.
std::string renderPdf(const nlohmann::json& report);

}  // namespace sluis::vensters

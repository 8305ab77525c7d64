#pragma once
/// A small, deterministic PDF 1.4 writer for text documents: headings, wrapped paragraphs and
/// ruled tables on A4 pages with page numbers. No external dependencies: it uses the standard
/// Type1 fonts Helvetica, Helvetica-Bold and Courier (never embedded) with WinAnsiEncoding, so
/// text is converted from UTF-8 to Windows-1252 and anything outside it becomes '?'. Line
/// wrapping is measured with the fonts' standard (AFM) widths. All layout arithmetic is integer
/// (thousandths of a point), there are no timestamps and the /ID is derived from the content, so
/// the same calls give the same bytes on every platform. Not thread-safe; one Document per
/// rendering.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluis::vensters::pdf {

/// Lengths are in thousandths of a PDF point (1/72000 inch).
using Milli = std::int64_t;

enum class Font { kRegular, kBold, kMono };

/// UTF-8 to WinAnsi (Windows-1252). Characters outside it, invalid UTF-8 and control characters
/// become '?' (tab and carriage return a space); '\n' is kept as a hard line break.
std::string toWinAnsi(std::string_view utf8);

/// Width of WinAnsi text in `font` at `size`.
Milli textWidth(std::string_view winansi, Font font, Milli size);

/// A PDF literal string: "(...)" with ( ) \ escaped and bytes outside printable ASCII as \ddd,
/// so the file stays 7-bit apart from its binary marker comment.
std::string literal(std::string_view winansi);

/// Splits WinAnsi text into lines no wider than `width` at spaces (and at '\n'); a word longer
/// than a line is broken between characters. Every line holds at least one character, so this
/// always terminates. Empty text gives no lines.
std::vector<std::string> wrap(std::string_view winansi, Font font, Milli size, Milli width);

/// A table cell; `text` is UTF-8.
struct Cell {
    std::string text;
    Font font = Font::kRegular;
    bool muted = false;  ///< Grey text (e.g. "onderdrukt").
};

/// A document under construction. Text arguments are UTF-8.
class Document {
  public:
    /// `title` goes into the document information dictionary.
    explicit Document(std::string title);

    /// Level 1-3; kept on the same page as the start of what follows it.
    void heading(std::string_view text, int level);
    /// A wrapped paragraph.
    void paragraph(std::string_view text, Font font = Font::kRegular, Milli size = kBodySize);
    /// A ruled table, columns sized to their content within the page width. With `header`, the
    /// first row is bold on grey and repeated at the top of every page the table continues on.
    /// The first column is left-aligned; with `numbers` the others are right-aligned.
    void table(const std::vector<std::vector<Cell>>& rows, bool header, bool numbers = true);
    /// Vertical space.
    void space(Milli height);
    /// Text at the bottom left of every page (the page number is at the bottom right).
    void setFooter(std::string_view text);

    /// The complete PDF file.
    std::string render() const;

    static constexpr Milli kBodySize = 9500;

  private:
    void newPage();
    /// Starts a new page unless `height` still fits above the bottom margin.
    void ensure(Milli height);
    void drawText(Milli x, Milli baseline, std::string_view winansi, Font font, Milli size,
                  bool muted);

    std::string title_;
    std::string footer_;
    std::vector<std::string> pages_;  // content streams
    Milli y_ = 0;                     // top of the free space on the current page
};

}  // namespace sluis::vensters::pdf

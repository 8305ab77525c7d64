#include "mapping/vensters/pdf_writer.h"

#include <algorithm>
#include <array>

#include "core/util/fs.h"

namespace sluis::vensters::pdf {

namespace {

// Advance widths (1/1000 em) of WinAnsi codes 0x20-0xFF, from Adobe's standard AFM metrics of
// the base-14 fonts. Codes WinAnsi leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) are never
// produced by toWinAnsi.
constexpr std::array<int, 224> kHelvetica = {
    278,  278, 355, 556, 556, 889,  667,  191,  333, 333,  389, 584, 278,  333, 278, 278,  // 0x20
    556,  556, 556, 556, 556, 556,  556,  556,  556, 556,  278, 278, 584,  584, 584, 556,  // 0x30
    1015, 667, 667, 722, 722, 667,  611,  778,  722, 278,  500, 667, 556,  833, 722, 778,  // 0x40
    667,  778, 722, 667, 611, 722,  667,  944,  667, 667,  611, 278, 278,  278, 469, 556,  // 0x50
    333,  556, 556, 500, 556, 556,  278,  556,  556, 222,  222, 500, 222,  833, 556, 556,  // 0x60
    556,  556, 333, 500, 278, 556,  500,  722,  500, 500,  500, 334, 260,  334, 584, 350,  // 0x70
    556,  350, 222, 556, 333, 1000, 556,  556,  333, 1000, 667, 333, 1000, 350, 611, 350,  // 0x80
    350,  222, 222, 333, 333, 350,  556,  1000, 333, 1000, 500, 333, 944,  350, 500, 667,  // 0x90
    278,  333, 556, 556, 556, 556,  260,  556,  333, 737,  370, 556, 584,  333, 737, 333,  // 0xA0
    400,  584, 333, 333, 333, 556,  537,  278,  333, 333,  365, 556, 834,  834, 834, 611,  // 0xB0
    667,  667, 667, 667, 667, 667,  1000, 722,  667, 667,  667, 667, 278,  278, 278, 278,  // 0xC0
    722,  722, 778, 778, 778, 778,  778,  584,  778, 722,  722, 722, 722,  667, 667, 611,  // 0xD0
    556,  556, 556, 556, 556, 556,  889,  500,  556, 556,  556, 556, 278,  278, 278, 278,  // 0xE0
    556,  556, 556, 556, 556, 556,  556,  584,  611, 556,  556, 556, 556,  500, 556, 500,  // 0xF0
};
constexpr std::array<int, 224> kHelveticaBold = {
    278, 333, 474, 556, 556, 889,  722,  238,  333, 333,  389, 584, 278,  333, 278, 278,  // 0x20
    556, 556, 556, 556, 556, 556,  556,  556,  556, 556,  333, 333, 584,  584, 584, 611,  // 0x30
    975, 722, 722, 722, 722, 667,  611,  778,  722, 278,  556, 722, 611,  833, 722, 778,  // 0x40
    667, 778, 722, 667, 611, 722,  667,  944,  667, 667,  611, 333, 278,  333, 584, 556,  // 0x50
    333, 556, 611, 556, 611, 556,  333,  611,  611, 278,  278, 556, 278,  889, 611, 611,  // 0x60
    611, 611, 389, 556, 333, 611,  556,  778,  556, 556,  500, 389, 280,  389, 584, 350,  // 0x70
    556, 350, 278, 556, 500, 1000, 556,  556,  333, 1000, 667, 333, 1000, 350, 611, 350,  // 0x80
    350, 278, 278, 500, 500, 350,  556,  1000, 333, 1000, 556, 333, 944,  350, 500, 667,  // 0x90
    278, 333, 556, 556, 556, 556,  280,  556,  333, 737,  370, 556, 584,  333, 737, 333,  // 0xA0
    400, 584, 333, 333, 333, 611,  556,  278,  333, 333,  365, 556, 834,  834, 834, 611,  // 0xB0
    722, 722, 722, 722, 722, 722,  1000, 722,  667, 667,  667, 667, 278,  278, 278, 278,  // 0xC0
    722, 722, 778, 778, 778, 778,  778,  584,  778, 722,  722, 722, 722,  667, 667, 611,  // 0xD0
    556, 556, 556, 556, 556, 556,  889,  556,  556, 556,  556, 556, 278,  278, 278, 278,  // 0xE0
    611, 611, 611, 611, 611, 611,  611,  584,  611, 611,  611, 611, 611,  556, 611, 556,  // 0xF0
};
constexpr int kCourier = 600;

// Unicode code points of WinAnsi 0x80-0x9F (0: undefined).
constexpr std::array<char32_t, 32> kWinAnsiHigh = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

// A4 portrait and margins.
constexpr Milli kPageWidth = 595276;
constexpr Milli kPageHeight = 841890;
constexpr Milli kMarginX = 50000;
constexpr Milli kMarginTop = 50000;
constexpr Milli kMarginBottom = 60000;
constexpr Milli kFooterBaseline = 32000;
constexpr Milli kBodyWidth = kPageWidth - 2 * kMarginX;
constexpr Milli kBodyHeight = kPageHeight - kMarginTop - kMarginBottom;

constexpr Milli kTableSize = 8000;
constexpr Milli kTableLeading = 10000;
constexpr Milli kTablePad = 3000;
constexpr Milli kFooterSize = 7000;

/// A length as a PDF number: "595.276", "9.5", "-3".
std::string num(Milli v) {
    std::string sign = v < 0 ? "-" : "";
    if (v < 0) v = -v;
    std::string s = sign + std::to_string(v / 1000);
    Milli frac = v % 1000;
    if (frac != 0) {
        std::string f = std::to_string(frac);
        f = std::string(3 - f.size(), '0') + f;
        while (f.back() == '0') f.pop_back();
        s += "." + f;
    }
    return s;
}

const char* fontResource(Font font) {
    switch (font) {
        case Font::kBold:
            return "/F2";
        case Font::kMono:
            return "/F3";
        case Font::kRegular:
            break;
    }
    return "/F1";
}

int glyphWidth(unsigned char c, Font font) {
    if (c < 0x20) return 0;
    if (font == Font::kMono) return kCourier;
    return (font == Font::kBold ? kHelveticaBold : kHelvetica)[c - 0x20];
}

/// The longest prefix of `word` (at least one character) that fits in `width`.
size_t fittingPrefix(std::string_view word, Font font, Milli size, Milli width) {
    Milli w = 0;
    size_t n = 0;
    while (n < word.size()) {
        w += glyphWidth(static_cast<unsigned char>(word[n]), font) * size / 1000;
        if (w > width && n > 0) break;
        ++n;
    }
    return n;
}

}  // namespace

std::string toWinAnsi(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size());
    size_t i = 0;
    while (i < utf8.size()) {
        auto b = static_cast<unsigned char>(utf8[i]);
        char32_t cp = 0;
        size_t len = 0;
        if (b < 0x80) {
            cp = b;
            len = 1;
        } else if ((b & 0xE0) == 0xC0) {
            cp = b & 0x1F;
            len = 2;
        } else if ((b & 0xF0) == 0xE0) {
            cp = b & 0x0F;
            len = 3;
        } else if ((b & 0xF8) == 0xF0) {
            cp = b & 0x07;
            len = 4;
        }
        bool ok = len > 0 && i + len <= utf8.size();
        for (size_t k = 1; ok && k < len; ++k) {
            auto c = static_cast<unsigned char>(utf8[i + k]);
            if ((c & 0xC0) != 0x80) ok = false;
            cp = (cp << 6) | (c & 0x3F);
        }
        // Overlong forms, surrogates and values beyond Unicode are invalid.
        if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
                   (len == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF))
            ok = false;
        if (!ok) {
            out += '?';
            ++i;
            continue;
        }
        i += len;
        if (cp == '\n') {
            out += '\n';
        } else if (cp == '\t' || cp == '\r') {
            out += ' ';
        } else if ((cp >= 0x20 && cp < 0x7F) || (cp >= 0xA0 && cp <= 0xFF)) {
            out += static_cast<char>(cp);
        } else {
            char c = '?';
            for (size_t k = 0; k < kWinAnsiHigh.size(); ++k)
                if (kWinAnsiHigh[k] != 0 && kWinAnsiHigh[k] == cp) c = static_cast<char>(0x80 + k);
            out += c;
        }
    }
    return out;
}

Milli textWidth(std::string_view winansi, Font font, Milli size) {
    Milli units = 0;
    for (char c : winansi) units += glyphWidth(static_cast<unsigned char>(c), font);
    return units * size / 1000;
}

std::string literal(std::string_view winansi) {
    std::string out = "(";
    for (char ch : winansi) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '(' || c == ')' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c >= 0x20 && c < 0x7F) {
            out += ch;
        } else {
            char buf[5] = {'\\', static_cast<char>('0' + (c >> 6)),
                           static_cast<char>('0' + ((c >> 3) & 7)),
                           static_cast<char>('0' + (c & 7)), 0};
            out += buf;
        }
    }
    return out + ")";
}

std::vector<std::string> wrap(std::string_view winansi, Font font, Milli size, Milli width) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start <= winansi.size()) {
        size_t nl = winansi.find('\n', start);
        std::string_view para = winansi.substr(
            start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        std::string line;
        size_t pos = 0;
        while (pos < para.size()) {
            if (para[pos] == ' ') {
                ++pos;
                continue;
            }
            size_t end = para.find(' ', pos);
            std::string_view word =
                para.substr(pos, end == std::string_view::npos ? end : end - pos);
            pos = end == std::string_view::npos ? para.size() : end;
            std::string candidate =
                line.empty() ? std::string(word) : line + " " + std::string(word);
            if (textWidth(candidate, font, size) <= width) {
                line = std::move(candidate);
                continue;
            }
            if (!line.empty()) lines.push_back(std::move(line));
            line.clear();
            // A word wider than a line: break it between characters.
            while (textWidth(word, font, size) > width) {
                size_t n = fittingPrefix(word, font, size, width);
                lines.emplace_back(word.substr(0, n));
                word.remove_prefix(n);
            }
            line = std::string(word);
        }
        if (!line.empty()) lines.push_back(std::move(line));
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return lines;
}

Document::Document(std::string title) : title_(std::move(title)) { newPage(); }

void Document::newPage() {
    pages_.emplace_back();
    y_ = kPageHeight - kMarginTop;
}

void Document::ensure(Milli height) {
    if (y_ - height < kMarginBottom && y_ < kPageHeight - kMarginTop) newPage();
}

void Document::drawText(Milli x, Milli baseline, std::string_view winansi, Font font, Milli size,
                        bool muted) {
    std::string& s = pages_.back();
    if (muted) s += "0.4 g\n";
    s += "BT " + std::string(fontResource(font)) + " " + num(size) + " Tf " + num(x) + " " +
         num(baseline) + " Td " + literal(winansi) + " Tj ET\n";
    if (muted) s += "0 g\n";
}

void Document::heading(std::string_view text, int level) {
    Milli size = level <= 1 ? 16000 : level == 2 ? 13000 : 11000;
    Milli before = level <= 1 ? 0 : level == 2 ? 10000 : 6000;
    Milli leading = size * 5 / 4;
    auto lines = wrap(toWinAnsi(text), Font::kBold, size, kBodyWidth);
    // Keep the heading with at least a few lines of what follows.
    ensure(before + static_cast<Milli>(lines.size()) * leading + 4 * kTableLeading);
    if (y_ < kPageHeight - kMarginTop) y_ -= before;
    for (const auto& line : lines) {
        ensure(leading);
        drawText(kMarginX, y_ - size, line, Font::kBold, size, false);
        y_ -= leading;
    }
    y_ -= size / 4;
}

void Document::paragraph(std::string_view text, Font font, Milli size) {
    Milli leading = size * 5 / 4;
    for (const auto& line : wrap(toWinAnsi(text), font, size, kBodyWidth)) {
        ensure(leading);
        drawText(kMarginX, y_ - size, line, font, size, false);
        y_ -= leading;
    }
    y_ -= size / 2;
}

void Document::space(Milli height) {
    y_ -= height;
    if (y_ < kMarginBottom) newPage();
}

void Document::setFooter(std::string_view text) { footer_ = toWinAnsi(text); }

void Document::table(const std::vector<std::vector<Cell>>& rows, bool header, bool numbers) {
    if (rows.empty()) return;
    size_t ncols = 0;
    for (const auto& r : rows) ncols = std::max(ncols, r.size());
    if (ncols == 0) return;
    auto fontOf = [&](size_t row, const Cell& c) {
        return header && row == 0 && c.font == Font::kRegular ? Font::kBold : c.font;
    };

    // Column widths, as a browser would: each column gets at least its longest word and at most
    // its unwrapped text; the room in between is shared in proportion. When even the longest
    // words do not fit, narrow columns keep theirs and the wide ones share the rest equally.
    const Milli min_column = 2 * kTablePad + 6000;
    std::vector<Milli> least(ncols, min_column), most(ncols, min_column);
    for (size_t r = 0; r < rows.size(); ++r)
        for (size_t c = 0; c < rows[r].size(); ++c) {
            Font font = fontOf(r, rows[r][c]);
            std::string t = toWinAnsi(rows[r][c].text);
            Milli longest = 0;
            for (size_t pos = 0; pos < t.size();) {
                size_t end = std::min(t.find(' ', pos), t.find('\n', pos));
                if (end == std::string::npos) end = t.size();
                longest = std::max(longest, textWidth(std::string_view(t).substr(pos, end - pos),
                                                      font, kTableSize));
                pos = end + 1;
            }
            least[c] = std::min(kBodyWidth, std::max(least[c], longest + 2 * kTablePad));
            for (const auto& line : wrap(t, font, kTableSize, kBodyWidth))
                most[c] = std::min(kBodyWidth, std::max(most[c], textWidth(line, font, kTableSize) +
                                                                     2 * kTablePad));
            most[c] = std::max(most[c], least[c]);
        }
    Milli sum_least = 0, sum_most = 0;
    for (size_t c = 0; c < ncols; ++c) {
        sum_least += least[c];
        sum_most += most[c];
    }
    std::vector<Milli> width = most;
    if (sum_most > kBodyWidth && sum_least <= kBodyWidth) {
        Milli room = kBodyWidth - sum_least;
        for (size_t c = 0; c < ncols; ++c)
            width[c] = least[c] + (most[c] - least[c]) * room / (sum_most - sum_least);
    } else if (sum_most > kBodyWidth) {
        std::vector<bool> fixed(ncols, false);
        Milli share = 0;
        for (bool changed = true; changed;) {
            changed = false;
            Milli remaining = kBodyWidth;
            Milli open = 0;
            for (size_t c = 0; c < ncols; ++c) {
                if (fixed[c])
                    remaining -= least[c];
                else
                    ++open;
            }
            if (open == 0) break;
            share = remaining / open;
            for (size_t c = 0; c < ncols; ++c)
                if (!fixed[c] && least[c] <= share) fixed[c] = changed = true;
        }
        for (size_t c = 0; c < ncols; ++c)
            width[c] = fixed[c] ? least[c] : std::max(share, min_column);
    }

    // Lay out every row: wrapped lines per cell, capped so that the header row and any other row
    // always fit on one page together.
    struct RowLayout {
        std::vector<std::vector<std::string>> lines;
        Milli height = 0;
    };
    const size_t max_lines = static_cast<size_t>((kBodyHeight / 2 - 2 * kTablePad) / kTableLeading);
    std::vector<RowLayout> layout(rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
        size_t n = 1;
        layout[r].lines.resize(ncols);
        for (size_t c = 0; c < rows[r].size(); ++c) {
            auto& lines = layout[r].lines[c];
            lines = wrap(toWinAnsi(rows[r][c].text), fontOf(r, rows[r][c]), kTableSize,
                         width[c] - 2 * kTablePad);
            if (lines.size() > max_lines) {
                lines.resize(max_lines);
                lines.back() += "...";
            }
            n = std::max(n, lines.size());
        }
        layout[r].height = static_cast<Milli>(n) * kTableLeading + 2 * kTablePad;
    }

    auto drawRow = [&](size_t r) {
        std::string& s = pages_.back();
        Milli h = layout[r].height;
        Milli x = kMarginX;
        if (header && r == 0) {
            Milli tw = 0;
            for (Milli w : width) tw += w;
            s += "0.92 g " + num(x) + " " + num(y_ - h) + " " + num(tw) + " " + num(h) +
                 " re f 0 g\n";
        }
        for (size_t c = 0; c < ncols; ++c) {
            s += "0.5 w 0.6 G " + num(x) + " " + num(y_ - h) + " " + num(width[c]) + " " + num(h) +
                 " re S 0 G\n";
            if (c < rows[r].size()) {
                const Cell& cell = rows[r][c];
                Font font = fontOf(r, cell);
                const auto& lines = layout[r].lines[c];
                for (size_t i = 0; i < lines.size(); ++i) {
                    Milli lx = c == 0 || !numbers ? x + kTablePad
                                                  : x + width[c] - kTablePad -
                                                        textWidth(lines[i], font, kTableSize);
                    Milli baseline =
                        y_ - kTablePad - static_cast<Milli>(i) * kTableLeading - kTableSize;
                    drawText(lx, baseline, lines[i], font, kTableSize, cell.muted);
                }
            }
            x += width[c];
        }
        y_ -= h;
    };

    size_t first = header ? 1 : 0;
    Milli start = layout[0].height + (header && rows.size() > 1 ? layout[1].height : 0);
    ensure(start);
    if (header) drawRow(0);
    for (size_t r = first; r < rows.size(); ++r) {
        if (y_ - layout[r].height < kMarginBottom) {
            newPage();
            if (header) drawRow(0);
        }
        drawRow(r);
    }
    y_ -= 8000;
}

std::string Document::render() const {
    // Objects: 1 catalog, 2 page tree, 3-5 fonts, 6 info, then a page and its content per page.
    const size_t npages = pages_.size();
    std::vector<std::string> objects;
    std::string kids;
    for (size_t p = 0; p < npages; ++p) kids += (p ? " " : "") + std::to_string(7 + 2 * p) + " 0 R";
    objects.push_back("<< /Type /Catalog /Pages 2 0 R >>");
    objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(npages) +
                      " >>");
    for (const char* base : {"Helvetica", "Helvetica-Bold", "Courier"})
        objects.push_back(std::string("<< /Type /Font /Subtype /Type1 /BaseFont /") + base +
                          " /Encoding /WinAnsiEncoding >>");
    objects.push_back("<< /Title " + literal(toWinAnsi(title_)) + " /Producer (Sluis) >>");
    for (size_t p = 0; p < npages; ++p) {
        std::string content = pages_[p];
        // Footer: the document's footer text on the left, the page number on the right.
        std::string number = "Pagina " + std::to_string(p + 1) + " van " + std::to_string(npages);
        Milli number_width = textWidth(number, Font::kRegular, kFooterSize);
        auto footer = wrap(footer_, Font::kRegular, kFooterSize, kBodyWidth - number_width - 12000);
        std::string foot;
        auto text = [&](Milli x, const std::string& t) {
            foot += "BT /F1 " + num(kFooterSize) + " Tf " + num(x) + " " + num(kFooterBaseline) +
                    " Td " + literal(t) + " Tj ET\n";
        };
        foot += "0.4 g\n";
        if (!footer.empty()) text(kMarginX, footer[0]);
        text(kPageWidth - kMarginX - number_width, number);
        foot += "0 g\n";
        content += foot;
        objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + num(kPageWidth) + " " +
                          num(kPageHeight) +
                          "] /Resources << /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >> "
                          "/Contents " +
                          std::to_string(8 + 2 * p) + " 0 R >>");
        objects.push_back("<< /Length " + std::to_string(content.size()) + " >>\nstream\n" +
                          content + "\nendstream");
    }

    std::string out = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(out.size());
        out += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    // No timestamps and no random /ID: the ID is a hash of everything above.
    std::string id = util::sha256Hex(out).substr(0, 32);
    size_t xref = out.size();
    out += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t off : offsets) {
        std::string o = std::to_string(off);
        out += std::string(10 - o.size(), '0') + o + " 00000 n \n";
    }
    out += "trailer\n<< /Size " + std::to_string(objects.size() + 1) +
           " /Root 1 0 R /Info 6 0 R /ID [<" + id + "> <" + id + ">] >>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return out;
}

}  // namespace sluis::vensters::pdf

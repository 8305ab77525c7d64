#include "core/model/pattern.h"

#include <limits>

namespace sluis::model {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `{n}`, `{n,}` or `{n,m}` at `i` (just after the `{`); false when it is not one.
bool readBraces(std::string_view p, size_t& i, unsigned& min, unsigned& max) {
    auto number = [&](unsigned& out) {
        size_t start = i;
        unsigned long v = 0;
        while (i < p.size() && isDigit(p[i]) && i - start < 6)
            v = v * 10 + static_cast<unsigned>(p[i++] - '0');
        if (i == start || (i < p.size() && isDigit(p[i]))) return false;
        out = static_cast<unsigned>(v);
        return true;
    };
    if (!number(min)) return false;
    if (i < p.size() && p[i] == '}') {
        max = min;
        ++i;
        return true;
    }
    if (i >= p.size() || p[i] != ',') return false;
    ++i;
    if (i < p.size() && p[i] == '}') {
        max = std::numeric_limits<unsigned>::max();
        ++i;
        return true;
    }
    if (!number(max) || i >= p.size() || p[i] != '}' || max < min) return false;
    ++i;
    return true;
}

// An escape the fast matcher understands: \d or an escaped punctuation character.
bool readEscape(std::string_view p, size_t& i, std::bitset<256>& set) {
    if (i >= p.size()) return false;
    char c = p[i++];
    if (c == 'd') {
        for (char d = '0'; d <= '9'; ++d) set.set(static_cast<unsigned char>(d));
        return true;
    }
    static const std::string_view kPunct = ".-+*?()[]{}|^$\\/ ";
    if (kPunct.find(c) == std::string_view::npos) return false;
    set.set(static_cast<unsigned char>(c));
    return true;
}

}  // namespace

bool Pattern::compileSimple(std::string_view p, std::vector<Atom>& atoms) {
    atoms.clear();
    size_t i = 0;
    if (p.size() < 2 || p.front() != '^' || p.back() != '$') return false;
    // A trailing `\$` is an escaped dollar, not the end anchor.
    if (p.size() >= 3 && p[p.size() - 2] == '\\') return false;
    p = p.substr(1, p.size() - 2);
    while (i < p.size()) {
        Atom a;
        char c = p[i];
        if (c == '[') {
            ++i;
            if (i < p.size() && p[i] == '^') return false;  // negated classes: leave to std::regex
            bool first = true;
            for (;;) {
                if (i >= p.size()) return false;
                char lo = p[i];
                if (lo == ']' && !first) {
                    ++i;
                    break;
                }
                first = false;
                if (lo == '\\' || lo == '[' || lo == ']') return false;
                ++i;
                if (i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
                    char hi = p[i + 1];
                    if (hi == '\\' || hi == '[') return false;
                    if (static_cast<unsigned char>(hi) < static_cast<unsigned char>(lo) ||
                        static_cast<unsigned char>(lo) >= 0x80 ||
                        static_cast<unsigned char>(hi) >= 0x80)
                        return false;
                    for (unsigned k = static_cast<unsigned char>(lo);
                         k <= static_cast<unsigned char>(hi); ++k)
                        a.set.set(k);
                    i += 2;
                } else {
                    if (static_cast<unsigned char>(lo) >= 0x80) return false;
                    a.set.set(static_cast<unsigned char>(lo));
                }
            }
        } else if (c == '\\') {
            ++i;
            if (!readEscape(p, i, a.set)) return false;
        } else if (c == '.' || c == '(' || c == ')' || c == '|' || c == '^' || c == '$' ||
                   c == '*' || c == '+' || c == '?' || c == '{' || c == '}' || c == ']' ||
                   static_cast<unsigned char>(c) >= 0x80) {
            return false;
        } else {
            a.set.set(static_cast<unsigned char>(c));
            ++i;
        }
        if (i < p.size()) {
            char q = p[i];
            if (q == '?') {
                a.min = 0;
                a.max = 1;
                ++i;
            } else if (q == '*') {
                a.min = 0;
                a.max = std::numeric_limits<unsigned>::max();
                ++i;
            } else if (q == '+') {
                a.min = 1;
                a.max = std::numeric_limits<unsigned>::max();
                ++i;
            } else if (q == '{') {
                ++i;
                if (!readBraces(p, i, a.min, a.max)) return false;
            }
            // A lazy or possessive suffix changes nothing for a full match, but keep it simple.
            if (i < p.size() && (p[i] == '?' || p[i] == '+' || p[i] == '*' || p[i] == '{'))
                return false;
        }
        atoms.push_back(a);
    }
    return true;
}

Pattern::Pattern(std::string source) : source_(std::move(source)) {
    simple_ = compileSimple(source_, atoms_);
    if (!simple_) {
        atoms_.clear();
        regex_ = std::make_shared<const std::regex>(source_);
    }
}

bool Pattern::matchFrom(size_t atom, std::string_view s, size_t pos) const {
    if (atom == atoms_.size()) return pos == s.size();
    const Atom& a = atoms_[atom];
    // Greedy with backtracking; the patterns are tiny, so the worst case stays small.
    size_t n = 0;
    while (n < a.max && pos + n < s.size() && a.set.test(static_cast<unsigned char>(s[pos + n])))
        ++n;
    if (n < a.min) return false;
    for (size_t k = n + 1; k-- > a.min;) {
        if (matchFrom(atom + 1, s, pos + k)) return true;
    }
    return false;
}

bool Pattern::matches(std::string_view s) const {
    if (!simple_) return std::regex_match(s.begin(), s.end(), *regex_);
    return matchFrom(0, s, 0);
}

}  // namespace sluis::model

#include "mapping/oso/oso_structure.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <mutex>

#include "mapping/oso/oso_xml.h"

namespace sluis::embedded {
extern const std::string_view kOsoStructure2019;
}  // namespace sluis::embedded

namespace sluis::oso {

namespace {

using nlohmann::json;
using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

// Unicode general category Nd (decimal digits), Unicode 14 (Python's unicodedata): `\d`, `\p{Nd}`.
const Ranges kNd = {
    {0x30, 0x39},       {0x660, 0x669},     {0x6F0, 0x6F9},     {0x7C0, 0x7C9},
    {0x966, 0x96F},     {0x9E6, 0x9EF},     {0xA66, 0xA6F},     {0xAE6, 0xAEF},
    {0xB66, 0xB6F},     {0xBE6, 0xBEF},     {0xC66, 0xC6F},     {0xCE6, 0xCEF},
    {0xD66, 0xD6F},     {0xDE6, 0xDEF},     {0xE50, 0xE59},     {0xED0, 0xED9},
    {0xF20, 0xF29},     {0x1040, 0x1049},   {0x1090, 0x1099},   {0x17E0, 0x17E9},
    {0x1810, 0x1819},   {0x1946, 0x194F},   {0x19D0, 0x19D9},   {0x1A80, 0x1A89},
    {0x1A90, 0x1A99},   {0x1B50, 0x1B59},   {0x1BB0, 0x1BB9},   {0x1C40, 0x1C49},
    {0x1C50, 0x1C59},   {0xA620, 0xA629},   {0xA8D0, 0xA8D9},   {0xA900, 0xA909},
    {0xA9D0, 0xA9D9},   {0xA9F0, 0xA9F9},   {0xAA50, 0xAA59},   {0xABF0, 0xABF9},
    {0xFF10, 0xFF19},   {0x104A0, 0x104A9}, {0x10D30, 0x10D39}, {0x11066, 0x1106F},
    {0x110F0, 0x110F9}, {0x11136, 0x1113F}, {0x111D0, 0x111D9}, {0x112F0, 0x112F9},
    {0x11450, 0x11459}, {0x114D0, 0x114D9}, {0x11650, 0x11659}, {0x116C0, 0x116C9},
    {0x11730, 0x11739}, {0x118E0, 0x118E9}, {0x11950, 0x11959}, {0x11C50, 0x11C59},
    {0x11D50, 0x11D59}, {0x11DA0, 0x11DA9}, {0x16A60, 0x16A69}, {0x16AC0, 0x16AC9},
    {0x16B50, 0x16B59}, {0x1D7CE, 0x1D7FF}, {0x1E140, 0x1E149}, {0x1E2F0, 0x1E2F9},
    {0x1E950, 0x1E959}, {0x1FBF0, 0x1FBF9}};
const Ranges kSpace = {{0x9, 0xA}, {0xD, 0xD}, {0x20, 0x20}};
// Approximations (documented): \w as not punctuation/space/control in ASCII, everything above
// U+007F counts as a word character; \i and \c as the XML name (start) characters, ASCII-exact.
const Ranges kWord = {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}, {0x80, 0x10FFFF}};
const Ranges kNameStart = {{':', ':'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}, {0xC0, 0x10FFFF}};
const Ranges kNameChar = {{'-', '.'}, {'0', ':'}, {'A', 'Z'}, {'_', '_'},
                          {'a', 'z'}, {0xB7, 0xB7}, {0xC0, 0x10FFFF}};
const Ranges kAnyButNewline = {{0, 0x9}, {0xB, 0xC}, {0xE, 0x10FFFF}};

bool inRanges(const Ranges& r, uint32_t c) {
    for (const auto& [lo, hi] : r)
        if (c >= lo && c <= hi) return true;
    return false;
}

/// Decodes one UTF-8 code point at `i` (invalid bytes decode as themselves).
uint32_t decodeUtf8(std::string_view s, size_t& i) {
    unsigned char c = static_cast<unsigned char>(s[i++]);
    if (c < 0x80) return c;
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    uint32_t cp = c & (0x3F >> extra);
    for (int k = 0; k < extra && i < s.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
    return cp;
}

size_t codePoints(std::string_view s) {
    size_t n = 0;
    for (char ch : s)
        if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
    return n;
}

// --- XSD regex: parser to AST, Thompson NFA -------------------------------------------------

struct Ast {
    enum Kind { kSet, kCat, kAlt, kRepeat } kind = kCat;
    int set = -1;
    int min = 1, max = 1;  // kRepeat; max -1: unbounded
    std::vector<Ast> kids;
};

class RegexParser {
  public:
    RegexParser(std::string_view p, std::vector<XsdPattern::CharSet>& sets) : p_(p), sets_(sets) {}

    bool parse(Ast& out, std::string& error) {
        if (!alternation(out)) {
            error = error_;
            return false;
        }
        if (i_ != p_.size()) {
            error = "onverwacht teken op positie " + std::to_string(i_ + 1);
            return false;
        }
        return true;
    }

  private:
    bool fail(const std::string& e) {
        if (error_.empty()) error_ = e + " (positie " + std::to_string(i_ + 1) + ")";
        return false;
    }
    bool alternation(Ast& out) {
        out.kind = Ast::kAlt;
        Ast branch;
        if (!sequence(branch)) return false;
        out.kids.push_back(std::move(branch));
        while (i_ < p_.size() && p_[i_] == '|') {
            ++i_;
            Ast b;
            if (!sequence(b)) return false;
            out.kids.push_back(std::move(b));
        }
        return true;
    }
    bool sequence(Ast& out) {
        out.kind = Ast::kCat;
        while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
            Ast atom;
            if (!this->atom(atom)) return false;
            if (!quantifier(atom)) return false;
            out.kids.push_back(std::move(atom));
        }
        return true;
    }
    bool number(int& v) {
        size_t start = i_;
        v = 0;
        while (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9') {
            v = v * 10 + (p_[i_++] - '0');
            if (v > 10000) return fail("herhaling te groot");
        }
        return i_ > start || fail("getal verwacht");
    }
    bool quantifier(Ast& atom) {
        if (i_ >= p_.size()) return true;
        char c = p_[i_];
        int mn, mx;
        if (c == '?') {
            mn = 0, mx = 1;
        } else if (c == '*') {
            mn = 0, mx = -1;
        } else if (c == '+') {
            mn = 1, mx = -1;
        } else if (c == '{') {
            ++i_;
            if (!number(mn)) return false;
            mx = mn;
            if (i_ < p_.size() && p_[i_] == ',') {
                ++i_;
                if (i_ < p_.size() && p_[i_] == '}')
                    mx = -1;
                else if (!number(mx))
                    return false;
            }
            if (i_ >= p_.size() || p_[i_] != '}') return fail("'}' verwacht");
            if (mx >= 0 && mx < mn) return fail("ongeldige herhaling");
        } else {
            return true;
        }
        ++i_;
        Ast rep;
        rep.kind = Ast::kRepeat;
        rep.min = mn;
        rep.max = mx;
        rep.kids.push_back(std::move(atom));
        atom = std::move(rep);
        return true;
    }
    int addSet(XsdPattern::CharSet s) {
        sets_.push_back(std::move(s));
        return static_cast<int>(sets_.size() - 1);
    }
    /// Parses an escape after the backslash into `ranges`, or a negated class into `negated`.
    bool escape(Ranges& ranges, bool& negated) {
        if (i_ >= p_.size()) return fail("onvolledige escape");
        char c = p_[i_++];
        negated = false;
        switch (c) {
            case 'n': ranges = {{0xA, 0xA}}; return true;
            case 'r': ranges = {{0xD, 0xD}}; return true;
            case 't': ranges = {{0x9, 0x9}}; return true;
            case 'd': ranges = kNd; return true;
            case 'D': ranges = kNd, negated = true; return true;
            case 's': ranges = kSpace; return true;
            case 'S': ranges = kSpace, negated = true; return true;
            case 'w': ranges = kWord; return true;
            case 'W': ranges = kWord, negated = true; return true;
            case 'i': ranges = kNameStart; return true;
            case 'I': ranges = kNameStart, negated = true; return true;
            case 'c': ranges = kNameChar; return true;
            case 'C': ranges = kNameChar, negated = true; return true;
            case 'p':
            case 'P': {
                if (p_.substr(i_, 4) != "{Nd}")
                    return fail("alleen de categorie \\p{Nd} wordt ondersteund");
                i_ += 4;
                ranges = kNd;
                negated = c == 'P';
                return true;
            }
            default:
                if (std::string_view("\\|.-^?*+{}()[]").find(c) == std::string_view::npos)
                    return fail("onbekende escape");
                ranges = {{static_cast<uint32_t>(c), static_cast<uint32_t>(c)}};
                return true;
        }
    }
    bool charClass(XsdPattern::CharSet& set) {
        // At the char after '['.
        if (i_ < p_.size() && p_[i_] == '^') {
            set.negate = true;
            ++i_;
        }
        bool first = true;
        while (true) {
            if (i_ >= p_.size()) return fail("']' verwacht");
            char c = p_[i_];
            if (c == ']' && !first) {
                ++i_;
                return true;
            }
            if (c == '-' && i_ + 1 < p_.size() && p_[i_ + 1] == '[')
                return fail("klasse-aftrekking wordt niet ondersteund");
            first = false;
            uint32_t lo;
            if (c == '\\') {
                ++i_;
                Ranges r;
                bool neg;
                if (!escape(r, neg)) return false;
                if (neg) {
                    set.negated.push_back(std::move(r));
                    continue;
                }
                if (r.size() != 1 || r[0].first != r[0].second) {
                    set.ranges.insert(set.ranges.end(), r.begin(), r.end());
                    continue;
                }
                lo = r[0].first;
            } else {
                if (c == '[') return fail("'[' moet ge-escaped worden");
                lo = decodeUtf8(p_, i_);
            }
            uint32_t hi = lo;
            if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
                ++i_;
                if (p_[i_] == '\\') {
                    ++i_;
                    Ranges r;
                    bool neg;
                    if (!escape(r, neg)) return false;
                    if (neg || r.size() != 1 || r[0].first != r[0].second)
                        return fail("ongeldig bereik");
                    hi = r[0].first;
                } else {
                    hi = decodeUtf8(p_, i_);
                }
                if (hi < lo) return fail("ongeldig bereik");
            }
            set.ranges.push_back({lo, hi});
        }
    }
    bool atom(Ast& out) {
        char c = p_[i_];
        out.kind = Ast::kSet;
        if (c == '(') {
            ++i_;
            if (!alternation(out)) return false;
            if (i_ >= p_.size() || p_[i_] != ')') return fail("')' verwacht");
            ++i_;
            return true;
        }
        if (c == '?' || c == '*' || c == '+' || c == '{' || c == '}' || c == ']')
            return fail("onverwacht teken");
        XsdPattern::CharSet set;
        if (c == '[') {
            ++i_;
            if (!charClass(set)) return false;
        } else if (c == '\\') {
            ++i_;
            Ranges r;
            bool neg;
            if (!escape(r, neg)) return false;
            set.ranges = std::move(r);
            set.negate = neg;
        } else if (c == '.') {
            ++i_;
            set.ranges = kAnyButNewline;
        } else {
            uint32_t cp = decodeUtf8(p_, i_);
            set.ranges = {{cp, cp}};
        }
        out.set = addSet(std::move(set));
        return true;
    }

    std::string_view p_;
    size_t i_ = 0;
    std::vector<XsdPattern::CharSet>& sets_;
    std::string error_;
};

/// Thompson construction. A fragment's dangling exits are (state, slot) pairs.
class NfaBuilder {
  public:
    explicit NfaBuilder(std::vector<XsdPattern::State>& states) : st_(states) {}
    struct Frag {
        int start;
        std::vector<std::pair<int, int>> outs;
    };

    Frag emit(const Ast& a) {
        switch (a.kind) {
            case Ast::kSet: {
                int s = add({XsdPattern::State::kSet, a.set, -1, -1});
                return {s, {{s, 0}}};
            }
            case Ast::kCat: {
                if (a.kids.empty()) return epsilon();
                Frag f = emit(a.kids[0]);
                for (size_t k = 1; k < a.kids.size(); ++k) {
                    Frag g = emit(a.kids[k]);
                    patch(f.outs, g.start);
                    f.outs = std::move(g.outs);
                }
                return f;
            }
            case Ast::kAlt: {
                if (a.kids.size() == 1) return emit(a.kids[0]);
                Frag f = emit(a.kids.back());
                for (size_t k = a.kids.size() - 1; k-- > 0;) {
                    Frag g = emit(a.kids[k]);
                    int s = add({XsdPattern::State::kSplit, -1, g.start, f.start});
                    g.outs.insert(g.outs.end(), f.outs.begin(), f.outs.end());
                    f = {s, std::move(g.outs)};
                }
                return f;
            }
            case Ast::kRepeat: {
                const Ast& body = a.kids[0];
                Frag f = epsilon();
                for (int k = 0; k < a.min; ++k) append(f, emit(body));
                if (a.max < 0) {
                    Frag g = emit(body);
                    int s = add({XsdPattern::State::kSplit, -1, g.start, -1});
                    patch(g.outs, s);
                    append(f, Frag{s, {{s, 1}}});
                } else {
                    for (int k = a.min; k < a.max; ++k) {
                        Frag g = emit(body);
                        int s = add({XsdPattern::State::kSplit, -1, g.start, -1});
                        g.outs.push_back({s, 1});
                        append(f, Frag{s, std::move(g.outs)});
                    }
                }
                return f;
            }
        }
        return epsilon();
    }

    void patch(const std::vector<std::pair<int, int>>& outs, int target) {
        for (auto [s, slot] : outs) (slot == 0 ? st_[s].out : st_[s].out1) = target;
    }

  private:
    int add(XsdPattern::State s) {
        st_.push_back(s);
        return static_cast<int>(st_.size() - 1);
    }
    Frag epsilon() {
        // A split with one exit acts as an epsilon state.
        int s = add({XsdPattern::State::kSplit, -1, -1, -1});
        st_[s].out1 = -2;  // never followed
        return {s, {{s, 0}}};
    }
    void append(Frag& f, Frag g) {
        patch(f.outs, g.start);
        f.outs = std::move(g.outs);
    }
    std::vector<XsdPattern::State>& st_;
};

// --- lexical checks of the built-in types ---------------------------------------------------

bool isWs(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trimWs(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && isWs(s[b])) ++b;
    while (e > b && isWs(s[e - 1])) --e;
    return s.substr(b, e - b);
}

bool allDigits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

/// A decimal in canonical parts: sign, integer digits without leading zeros, fraction digits
/// without trailing zeros.
struct Dec {
    bool neg = false;
    std::string_view ip, fp;
};

bool parseDecimal(std::string_view s, Dec& d, bool integer_only) {
    size_t i = 0;
    d = Dec{};
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) d.neg = s[i++] == '-';
    size_t ib = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    std::string_view ip = s.substr(ib, i - ib), fp;
    if (i < s.size() && s[i] == '.') {
        if (integer_only) return false;
        size_t fb = ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
        fp = s.substr(fb, i - fb);
    }
    if (i != s.size() || (ip.empty() && fp.empty())) return false;
    while (!ip.empty() && ip.front() == '0') ip.remove_prefix(1);
    while (!fp.empty() && fp.back() == '0') fp.remove_suffix(1);
    d.ip = ip;
    d.fp = fp;
    if (ip.empty() && fp.empty()) d.neg = false;  // -0 == 0
    return true;
}

int compareMagnitude(const Dec& a, const Dec& b) {
    if (a.ip.size() != b.ip.size()) return a.ip.size() < b.ip.size() ? -1 : 1;
    if (int c = a.ip.compare(b.ip)) return c < 0 ? -1 : 1;
    if (int c = a.fp.compare(b.fp)) return c < 0 ? -1 : 1;
    return 0;
}

int compareDec(const Dec& a, const Dec& b) {
    if (a.neg != b.neg) return a.neg ? -1 : 1;
    int m = compareMagnitude(a, b);
    return a.neg ? -m : m;
}

bool leapYear(std::string_view digits) {
    // year mod 400 from the last digits (enough for any length).
    int mod = 0;
    for (char c : digits) mod = (mod * 10 + (c - '0')) % 400;
    return (mod % 4 == 0 && mod % 100 != 0) || mod == 0;
}

/// xs:date: -?YYYY-MM-DD with optional Z or ±hh:mm, a real calendar date, year not 0000.
bool validDate(std::string_view s) {
    size_t i = 0;
    if (i < s.size() && s[i] == '-') ++i;
    size_t yb = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    std::string_view year = s.substr(yb, i - yb);
    if (year.size() < 4 || (year.size() > 4 && year[0] == '0')) return false;
    if (year.find_first_not_of('0') == std::string_view::npos) return false;
    if (s.size() < i + 6 || s[i] != '-' || s[i + 3] != '-') return false;
    std::string_view mm = s.substr(i + 1, 2), dd = s.substr(i + 4, 2);
    if (!allDigits(mm) || !allDigits(dd)) return false;
    int m = (mm[0] - '0') * 10 + (mm[1] - '0'), d = (dd[0] - '0') * 10 + (dd[1] - '0');
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    int max = kDays[m - 1] + (m == 2 && leapYear(year) ? 1 : 0);
    if (d > max) return false;
    std::string_view tz = s.substr(i + 6);
    if (tz.empty() || tz == "Z") return true;
    if (tz.size() != 6 || (tz[0] != '+' && tz[0] != '-') || tz[3] != ':') return false;
    if (!allDigits(tz.substr(1, 2)) || !allDigits(tz.substr(4, 2))) return false;
    int hh = (tz[1] - '0') * 10 + (tz[2] - '0'), mi = (tz[4] - '0') * 10 + (tz[5] - '0');
    return mi <= 59 && (hh < 14 || (hh == 14 && mi == 0));
}

// --- compiled schema ------------------------------------------------------------------------

enum class Base : uint8_t { kString, kBoolean, kDate, kDecimal, kInteger, kInt, kAny, kEmpty };
enum class Ws : uint8_t { kPreserve, kReplace, kCollapse };

struct Bound {
    bool set = false;
    std::string text;  // as in the schema (also shown in meldingen: schema data, not a value)
    /// The bound as a decimal. Parsed on use: a Dec views its text, and a stored view would
    /// dangle once the type is copied (short strings live inside the object).
    Dec dec() const {
        Dec d;
        parseDecimal(text, d, false);
        return d;
    }
};

struct SimpleType {
    Base base = Base::kString;
    Ws ws = Ws::kPreserve;
    long long length = -1, min_length = -1, max_length = -1;
    int total_digits = -1, fraction_digits = -1;
    Bound min_incl, max_incl, min_excl, max_excl;
    std::vector<std::string> enums;
    std::vector<std::vector<XsdPattern>> patterns;  // AND over steps, OR within a step
};

struct AttrDecl {
    std::string name;
    bool required = false;
    SimpleType type;
};

struct Decl;

/// One particle of a content model: a single element or a choice of elements.
struct Item {
    std::vector<const Decl*> members;
    bool optional = false;  ///< The item may be absent (a member has min 0).
};

struct Decl {
    std::string name;
    int min = 1, max = 1;
    bool complex = false;  ///< Element content (children); otherwise simple content (`type`).
    bool mixed = false;
    SimpleType type;
    std::vector<AttrDecl> attributes;
    std::vector<std::unique_ptr<Decl>> owned;
    std::vector<Item> items;
    int repeat_min = 1, repeat_max = 1;
};

Base baseOf(const std::string& t) {
    if (t == "xs:string" || t == "xs:normalizedString" || t == "xs:token") return Base::kString;
    if (t == "xs:boolean") return Base::kBoolean;
    if (t == "xs:date") return Base::kDate;
    if (t == "xs:decimal") return Base::kDecimal;
    if (t == "xs:integer") return Base::kInteger;
    if (t == "xs:int") return Base::kInt;
    if (t == "xs:anyType") return Base::kAny;
    if (t == "xs:empty") return Base::kEmpty;
    throw std::runtime_error("type " + t + " wordt niet ondersteund");
}

void compileBound(const json& facets, const char* key, Bound& b) {
    if (!facets.contains(key)) return;
    b.set = true;
    b.text = facets[key].get<std::string>();
    Dec check;
    if (!parseDecimal(b.text, check, false))
        throw std::runtime_error(std::string("facet ") + key + " is geen getal");
}

SimpleType compileType(const std::string& type, const json* facets) {
    SimpleType t;
    t.base = baseOf(type);
    t.ws = type == "xs:string"             ? Ws::kPreserve
           : type == "xs:normalizedString" ? Ws::kReplace
                                           : Ws::kCollapse;
    if (!facets) return t;
    const json& f = *facets;
    auto num = [&](const char* k, auto& out) {
        if (f.contains(k)) out = std::stoll(f[k].get<std::string>());
    };
    num("length", t.length);
    num("minLength", t.min_length);
    num("maxLength", t.max_length);
    long long td = -1, fd = -1;
    num("totalDigits", td);
    num("fractionDigits", fd);
    t.total_digits = static_cast<int>(td);
    t.fraction_digits = static_cast<int>(fd);
    compileBound(f, "minInclusive", t.min_incl);
    compileBound(f, "maxInclusive", t.max_incl);
    compileBound(f, "minExclusive", t.min_excl);
    compileBound(f, "maxExclusive", t.max_excl);
    if (f.contains("whiteSpace")) {
        std::string w = f["whiteSpace"].get<std::string>();
        t.ws = w == "collapse" ? Ws::kCollapse : w == "replace" ? Ws::kReplace : Ws::kPreserve;
    }
    if (f.contains("enum"))
        for (const auto& v : f["enum"]) t.enums.push_back(v.get<std::string>());
    if (f.contains("patterns"))
        for (const auto& step : f["patterns"]) {
            std::vector<XsdPattern> alts;
            for (const auto& p : step) {
                auto c = XsdPattern::compile(p.get<std::string>());
                if (!c) throw std::runtime_error(c.error().message);
                alts.push_back(std::move(*c));
            }
            t.patterns.push_back(std::move(alts));
        }
    return t;
}

void compileDecl(const json& j, Decl& d) {
    d.name = j.at("name").get<std::string>();
    d.min = j.value("min", 1);
    d.max = j.value("max", 1);
    d.mixed = j.value("mixed", false);
    if (j.contains("repeat")) {
        d.repeat_min = j["repeat"].value("min", 1);
        d.repeat_max = j["repeat"].value("max", 1);
    }
    if (j.contains("attributes"))
        for (const auto& a : j["attributes"]) {
            AttrDecl ad;
            ad.name = a.at("name").get<std::string>();
            ad.required = a.value("required", false);
            ad.type = compileType(a.value("type", std::string("xs:string")),
                                  a.contains("facets") ? &a["facets"] : nullptr);
            d.attributes.push_back(std::move(ad));
        }
    if (j.contains("children")) {
        d.complex = true;
        std::string current_choice;
        for (const auto& c : j["children"]) {
            auto child = std::make_unique<Decl>();
            compileDecl(c, *child);
            std::string choice = c.value("choice", std::string());
            if (choice.empty() || choice != current_choice) d.items.emplace_back();
            current_choice = choice;
            Item& it = d.items.back();
            it.members.push_back(child.get());
            if (child->min == 0) it.optional = true;
            d.owned.push_back(std::move(child));
        }
    } else {
        d.type = compileType(j.value("type", std::string("xs:string")),
                             j.contains("facets") ? &j["facets"] : nullptr);
    }
}

constexpr std::string_view kXsiNs = "http://www.w3.org/2001/XMLSchema-instance";

/// Per-thread scratch space, reused across dossiers.
struct Scratch {
    std::string text;
    std::vector<std::pair<std::string_view, std::string_view>> ns;  // prefix -> uri
    std::vector<int> nfa_cur, nfa_next;
    std::vector<uint32_t> nfa_mark;
    uint32_t nfa_gen = 0;
};

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

}  // namespace

// --- XsdPattern -----------------------------------------------------------------------------

bool XsdPattern::CharSet::contains(uint32_t c) const {
    bool in = inRanges(ranges, c);
    for (size_t k = 0; !in && k < negated.size(); ++k) in = !inRanges(negated[k], c);
    return in != negate;
}

Result<XsdPattern> XsdPattern::compile(std::string_view pattern) {
    XsdPattern out;
    out.source_ = std::string(pattern);
    Ast ast;
    std::string error;
    RegexParser parser(pattern, out.sets_);
    if (!parser.parse(ast, error))
        return Error{ErrorCode::kInvalidArgument,
                     "patroon '" + std::string(pattern) + "' niet ondersteund: " + error};
    NfaBuilder b(out.states_);
    auto frag = b.emit(ast);
    out.states_.push_back({State::kMatch, -1, -1, -1});
    b.patch(frag.outs, static_cast<int>(out.states_.size() - 1));
    out.start_ = frag.start;
    return out;
}

bool XsdPattern::matches(std::string_view value) const {
    Scratch& s = scratch();
    auto& cur = s.nfa_cur;
    auto& next = s.nfa_next;
    auto& mark = s.nfa_mark;
    if (mark.size() < states_.size()) mark.resize(states_.size(), 0);
    cur.clear();
    // Adds a state and its epsilon closure (split states) to `list`.
    auto add = [&](std::vector<int>& list, int st) {
        thread_local std::vector<int> stack;
        stack.clear();
        stack.push_back(st);
        while (!stack.empty()) {
            int x = stack.back();
            stack.pop_back();
            if (x < 0 || mark[x] == s.nfa_gen) continue;
            mark[x] = s.nfa_gen;
            if (states_[x].kind == State::kSplit) {
                stack.push_back(states_[x].out1);
                stack.push_back(states_[x].out);
            } else {
                list.push_back(x);
            }
        }
    };
    auto newGen = [&] {
        if (++s.nfa_gen == 0) {
            std::fill(mark.begin(), mark.end(), 0);
            s.nfa_gen = 1;
        }
    };
    newGen();
    add(cur, start_);
    size_t i = 0;
    while (i < value.size() && !cur.empty()) {
        uint32_t c = decodeUtf8(value, i);
        newGen();
        next.clear();
        for (int st : cur)
            if (states_[st].kind == State::kSet && sets_[states_[st].set].contains(c))
                add(next, states_[st].out);
        cur.swap(next);
    }
    if (i < value.size()) return false;
    for (int st : cur)
        if (states_[st].kind == State::kMatch) return true;
    return false;
}

// --- Structure ------------------------------------------------------------------------------

struct Structure::Impl {
    Decl root;
};

Structure::Structure() : impl_(std::make_unique<Impl>()) {}
Structure::~Structure() = default;

Result<std::shared_ptr<const Structure>> Structure::parse(std::string_view structure_json) {
    try {
        json j = json::parse(structure_json);
        auto s = std::make_shared<Structure>();
        s->namespace_ = j.at("namespace").get<std::string>();
        compileDecl(j.at("root"), s->impl_->root);
        return std::shared_ptr<const Structure>(std::move(s));
    } catch (const std::exception& e) {
        return Error{ErrorCode::kInternal, std::string("OSO-structuurgegevens ongeldig: ") + e.what()};
    }
}

Result<std::shared_ptr<const Structure>> Structure::get(const std::string& version) {
    static std::mutex mu;
    static std::map<std::string, std::shared_ptr<const Structure>> cache;
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(version);
    if (it != cache.end()) return it->second;
    if (version == "2019.1") {
        auto r = parse(embedded::kOsoStructure2019);
        if (!r) return r.error();
        cache[version] = *r;
        return *r;
    }
    return Error{ErrorCode::kNotFound,
                 "geen OSO-structuurgegevens voor standaardversie '" + version + "'"};
}

namespace {

class Checker {
  public:
    Checker(const std::string& ns, std::string_view bytes, std::vector<Melding>& out)
        : ns_(ns), bytes_(bytes), out_(out), sc_(scratch()) {
        sc_.ns.clear();
    }

    void root(const pugi::xml_node& n, const Decl& decl) {
        size_t mark = pushNamespaces(n);
        if (localName(n) != decl.name || !inOsoNs(n)) {
            report(n, "het hoofdelement moet '" + decl.name + "' in de OSO-namespace " + ns_ +
                          " zijn");
        } else {
            element(n, decl);
        }
        sc_.ns.resize(mark);
    }

    size_t added() const { return added_; }

  private:
    // --- locations and meldingen ---
    int line(const pugi::xml_node& n) {
        ptrdiff_t off = n.offset_debug();
        if (off < 0) return 0;
        if (lines_.empty()) {
            lines_.push_back(0);
            for (size_t i = 0; i < bytes_.size(); ++i)
                if (bytes_[i] == '\n') lines_.push_back(i + 1);
        }
        auto it = std::upper_bound(lines_.begin(), lines_.end(), static_cast<size_t>(off));
        return static_cast<int>(it - lines_.begin());
    }
    void report(const pugi::xml_node& n, const std::string& text) {
        out_.push_back({"XSD", xpathOf(n), "XML-schema: " + text, line(n)});
        ++added_;
    }

    // --- namespaces ---
    size_t pushNamespaces(const pugi::xml_node& n) {
        size_t mark = sc_.ns.size();
        for (auto a = n.first_attribute(); a; a = a.next_attribute()) {
            std::string_view name = a.name();
            if (name == "xmlns")
                sc_.ns.push_back({std::string_view(), a.value()});
            else if (name.size() > 6 && name.compare(0, 6, "xmlns:") == 0)
                sc_.ns.push_back({name.substr(6), a.value()});
        }
        return mark;
    }
    /// Namespace URI of a prefix; nullptr when the prefix is not declared.
    const std::string_view* lookup(std::string_view prefix) const {
        for (auto it = sc_.ns.rbegin(); it != sc_.ns.rend(); ++it)
            if (it->first == prefix) return &it->second;
        static const std::string_view kNone;
        return prefix.empty() ? &kNone : nullptr;
    }
    static std::string_view prefixOf(std::string_view qname) {
        auto colon = qname.find(':');
        return colon == std::string_view::npos ? std::string_view() : qname.substr(0, colon);
    }
    bool inOsoNs(const pugi::xml_node& n) const {
        const std::string_view* uri = lookup(prefixOf(n.name()));
        return uri && *uri == ns_;
    }

    // --- content models ---
    static std::string expectedFrom(const Decl& d, size_t i, const Decl* chosen, int count,
                                    bool can_restart) {
        std::string out;
        auto add = [&](const std::string& name) {
            std::string q = "'" + name + "'";
            if (out.find(q) != std::string::npos) return;
            if (!out.empty()) out += ", ";
            out += q;
        };
        bool satisfied = true;
        if (i < d.items.size()) {
            const Item& it = d.items[i];
            if (chosen) {
                if (chosen->max < 0 || count < chosen->max) add(chosen->name);
                satisfied = count >= chosen->min;
            } else {
                for (const Decl* m : it.members) add(m->name);
                satisfied = it.optional;
            }
            for (size_t k = i + 1; satisfied && k < d.items.size(); ++k) {
                for (const Decl* m : d.items[k].members) add(m->name);
                satisfied = d.items[k].optional;
            }
        }
        if (satisfied && can_restart && !d.items.empty())
            for (const Decl* m : d.items[0].members) add(m->name);
        return out;
    }

    static const Decl* anyMember(const Decl& d, std::string_view name) {
        for (const Item& it : d.items)
            for (const Decl* m : it.members)
                if (m->name == name) return m;
        return nullptr;
    }

    void complexContent(const pugi::xml_node& n, const Decl& d) {
        size_t i = 0;
        const Decl* chosen = nullptr;
        int count = 0;
        int iteration = 0;
        bool consumed = false;
        bool broken = false;
        bool text_reported = false;
        for (auto c = n.first_child(); c; c = c.next_sibling()) {
            auto type = c.type();
            if (type == pugi::node_pcdata || type == pugi::node_cdata) {
                if (!d.mixed && !text_reported && !trimWs(c.value()).empty()) {
                    report(n, "element '" + d.name +
                                  "' mag alleen elementen bevatten, geen tekst");
                    text_reported = true;
                }
                continue;
            }
            if (type != pugi::node_element) continue;
            size_t mark = pushNamespaces(c);
            std::string_view name = localName(c);
            bool in_ns = inOsoNs(c);
            if (broken) {
                const Decl* m = in_ns ? anyMember(d, name) : nullptr;
                if (m) element(c, *m);
                sc_.ns.resize(mark);
                continue;
            }
            if (!in_ns) {
                const std::string_view* uri = lookup(prefixOf(c.name()));
                report(c, uri ? "element '" + std::string(name) +
                                    "' staat niet in de OSO-namespace " + ns_
                              : "element '" + std::string(name) +
                                    "' gebruikt een niet-gedeclareerd namespace-voorvoegsel");
                broken = true;
                sc_.ns.resize(mark);
                continue;
            }
            const Decl* accepted = nullptr;
            while (true) {
                if (i < d.items.size()) {
                    const Item& it = d.items[i];
                    if (chosen) {
                        if (chosen->name == name && (chosen->max < 0 || count < chosen->max)) {
                            ++count;
                            accepted = chosen;
                            break;
                        }
                    } else {
                        for (const Decl* m : it.members)
                            if (m->name == name) {
                                chosen = m;
                                count = 1;
                                consumed = true;
                                accepted = m;
                                break;
                            }
                        if (accepted) break;
                    }
                    if (chosen ? count >= chosen->min : it.optional) {
                        ++i;
                        chosen = nullptr;
                        count = 0;
                        continue;
                    }
                    break;  // a required item is missing
                }
                if (consumed && (d.repeat_max < 0 || iteration + 1 < d.repeat_max)) {
                    ++iteration;
                    i = 0;
                    chosen = nullptr;
                    count = 0;
                    consumed = false;
                    continue;
                }
                break;
            }
            if (accepted) {
                element(c, *accepted);
            } else {
                bool can_restart =
                    consumed && (d.repeat_max < 0 || iteration + 1 < d.repeat_max);
                std::string expected = expectedFrom(d, i, chosen, count, can_restart);
                const Decl* known = anyMember(d, name);
                std::string text = "element '" + std::string(name) + "' ";
                if (!known)
                    text += "is hier onbekend";
                else if (i < d.items.size() && !(chosen ? count >= chosen->min
                                                         : d.items[i].optional))
                    text += "wordt hier niet verwacht";
                else
                    text += "staat niet op de juiste plaats of komt te vaak voor";
                text += expected.empty() ? " (hier mag geen element meer volgen)"
                                         : "; verwacht: " + expected;
                report(c, text);
                broken = true;
                if (known) element(c, *known);
            }
            sc_.ns.resize(mark);
        }
        if (broken) return;
        // Everything left must be optional.
        bool satisfied = true;
        if (i < d.items.size()) {
            satisfied = chosen ? count >= chosen->min : d.items[i].optional;
            for (size_t k = i + 1; satisfied && k < d.items.size(); ++k)
                satisfied = d.items[k].optional;
        }
        if (satisfied && iteration + 1 < d.repeat_min) satisfied = false;
        if (!satisfied) {
            std::string expected = expectedFrom(d, i < d.items.size() ? i : 0,
                                                i < d.items.size() ? chosen : nullptr, count,
                                                false);
            report(n, "element '" + d.name + "' mist een verplicht element; verwacht: " +
                          expected);
        }
    }

    // --- simple values ---
    /// Empty when `v` is a valid value of `t`; otherwise the Dutch problem (never the value).
    static std::string valueProblem(const SimpleType& t, std::string_view raw,
                                    std::string& buf) {
        std::string_view v = raw;
        if (t.ws == Ws::kCollapse) {
            v = trimWs(raw);
            bool inner = false;
            for (char c : v) inner = inner || isWs(c);
            if (inner) {
                buf.clear();
                bool space = false;
                for (char c : v) {
                    if (isWs(c)) {
                        space = true;
                        continue;
                    }
                    if (space) buf.push_back(' ');
                    space = false;
                    buf.push_back(c);
                }
                v = buf;
            }
        } else if (t.ws == Ws::kReplace) {
            bool any = false;
            for (char c : v) any = any || (isWs(c) && c != ' ');
            if (any) {
                buf.assign(v);
                for (char& c : buf)
                    if (isWs(c)) c = ' ';
                v = buf;
            }
        }
        Dec dec;
        bool numeric = false;
        switch (t.base) {
            case Base::kString:
            case Base::kAny:
            case Base::kEmpty:
                break;
            case Base::kBoolean:
                if (v != "true" && v != "false" && v != "1" && v != "0")
                    return "geen geldige booleaanse waarde (true, false, 1 of 0)";
                break;
            case Base::kDate:
                if (!validDate(v)) return "geen geldige datum (JJJJ-MM-DD)";
                break;
            case Base::kDecimal:
                if (!parseDecimal(v, dec, false)) return "geen geldig decimaal getal";
                numeric = true;
                break;
            case Base::kInteger:
                if (!parseDecimal(v, dec, true)) return "geen geldig geheel getal";
                numeric = true;
                break;
            case Base::kInt: {
                if (!parseDecimal(v, dec, true)) return "geen geldig geheel getal";
                static const Dec kMin{true, "2147483648", ""}, kMax{false, "2147483647", ""};
                if (compareDec(dec, kMin) < 0 || compareDec(dec, kMax) > 0)
                    return "geheel getal buiten het bereik van xs:int";
                numeric = true;
                break;
            }
        }
        if (!t.enums.empty() &&
            std::find(t.enums.begin(), t.enums.end(), v) == t.enums.end())
            return "waarde komt niet voor in de lijst van toegestane waarden";
        // A UTF-8 text of n bytes has between n/4 and n code points: count only when the
        // bytes alone cannot decide (large texts such as bijlagen are never counted).
        long long bytes = static_cast<long long>(v.size());
        bool decided = t.length < 0 && (t.min_length < 0 || (bytes + 3) / 4 >= t.min_length) &&
                       (t.max_length < 0 || bytes <= t.max_length);
        if (!decided) {
            long long len = static_cast<long long>(codePoints(v));
            if (t.length >= 0 && len != t.length)
                return "lengte moet precies " + std::to_string(t.length) + " tekens zijn";
            if (t.min_length >= 0 && len < t.min_length)
                return "korter dan de minimale lengte van " + std::to_string(t.min_length) +
                       (t.min_length == 1 ? " teken" : " tekens");
            if (t.max_length >= 0 && len > t.max_length)
                return "langer dan de maximale lengte van " + std::to_string(t.max_length) +
                       " tekens";
        }
        for (const auto& step : t.patterns) {
            bool ok = false;
            for (const auto& p : step) ok = ok || p.matches(v);
            if (!ok) {
                std::string pats;
                for (const auto& p : step) pats += (pats.empty() ? "" : " | ") + p.source();
                return "voldoet niet aan het patroon " + pats;
            }
        }
        if (numeric) {
            if (t.min_incl.set && compareDec(dec, t.min_incl.dec()) < 0)
                return "kleiner dan het minimum " + t.min_incl.text;
            if (t.max_incl.set && compareDec(dec, t.max_incl.dec()) > 0)
                return "groter dan het maximum " + t.max_incl.text;
            if (t.min_excl.set && compareDec(dec, t.min_excl.dec()) <= 0)
                return "moet groter zijn dan " + t.min_excl.text;
            if (t.max_excl.set && compareDec(dec, t.max_excl.dec()) >= 0)
                return "moet kleiner zijn dan " + t.max_excl.text;
            size_t ip = dec.ip.size(), fp = dec.fp.size();
            if (t.total_digits >= 0 && std::max<size_t>(ip + fp, 1) >
                                           static_cast<size_t>(t.total_digits))
                return "meer dan " + std::to_string(t.total_digits) + " cijfers";
            if (t.fraction_digits >= 0 && fp > static_cast<size_t>(t.fraction_digits))
                return "meer dan " + std::to_string(t.fraction_digits) + " decimalen";
        }
        return {};
    }

    /// pugixml drops whitespace-only text; for types that keep whitespace (xs:string), the
    /// content is recovered from the bytes: what stands between the start tag and the next '<'
    /// when that is whitespace only.
    std::string_view rawWhitespace(const pugi::xml_node& n) const {
        ptrdiff_t off = n.offset_debug();
        if (off < 0 || static_cast<size_t>(off) >= bytes_.size()) return {};
        size_t i = static_cast<size_t>(off);
        char quote = 0;
        for (; i < bytes_.size(); ++i) {
            char c = bytes_[i];
            if (quote) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '>') {
                break;
            }
        }
        if (i >= bytes_.size() || bytes_[i - 1] == '/') return {};
        size_t b = i + 1, e = bytes_.find('<', b);
        if (e == std::string_view::npos) return {};
        std::string_view content = bytes_.substr(b, e - b);
        for (char c : content)
            if (!isWs(c)) return {};
        return content;
    }

    void simpleContent(const pugi::xml_node& n, const Decl& d) {
        std::string_view text;
        int texts = 0;
        bool child_reported = false;
        for (auto c = n.first_child(); c; c = c.next_sibling()) {
            auto type = c.type();
            if (type == pugi::node_pcdata || type == pugi::node_cdata) {
                if (texts == 0) {
                    text = c.value();
                } else {
                    if (texts == 1) sc_.text.assign(text);
                    sc_.text.append(c.value());
                    text = sc_.text;
                }
                ++texts;
            } else if (type == pugi::node_element && !child_reported) {
                report(n, d.type.base == Base::kEmpty
                              ? "element '" + d.name + "' moet leeg zijn"
                              : "element '" + d.name +
                                    "' mag geen onderliggende elementen bevatten");
                child_reported = true;
            }
        }
        if (d.type.base == Base::kAny) return;
        if (d.type.base == Base::kEmpty) {
            if (!trimWs(text).empty() && !child_reported)
                report(n, "element '" + d.name + "' moet leeg zijn");
            return;
        }
        if (child_reported) return;
        if (texts == 0 && d.type.ws != Ws::kCollapse) text = rawWhitespace(n);
        std::string buf;
        std::string problem = valueProblem(d.type, text, buf);
        if (!problem.empty()) report(n, "element '" + d.name + "': " + problem);
    }

    void attributes(const pugi::xml_node& n, const Decl& d) {
        uint64_t seen = 0;  // required-attribute bookkeeping (the schema has very few)
        for (auto a = n.first_attribute(); a; a = a.next_attribute()) {
            std::string_view name = a.name();
            if (name == "xmlns" || (name.size() > 6 && name.compare(0, 6, "xmlns:") == 0))
                continue;
            std::string_view prefix = prefixOf(name);
            if (!prefix.empty()) {
                std::string_view local = name.substr(prefix.size() + 1);
                const std::string_view* uri = lookup(prefix);
                if (uri && *uri == kXsiNs &&
                    (local == "schemaLocation" || local == "noNamespaceSchemaLocation"))
                    continue;
                report(n, "attribuut '" + std::string(name) + "' is niet toegestaan bij element '" +
                              d.name + "'");
                continue;
            }
            const AttrDecl* ad = nullptr;
            size_t index = 0;
            for (size_t k = 0; k < d.attributes.size(); ++k)
                if (d.attributes[k].name == name) {
                    ad = &d.attributes[k];
                    index = k;
                }
            if (!ad) {
                report(n, "attribuut '" + std::string(name) + "' is niet toegestaan bij element '" +
                              d.name + "'");
                continue;
            }
            if (index < 64) seen |= uint64_t{1} << index;
            std::string buf;
            std::string problem = valueProblem(ad->type, a.value(), buf);
            if (!problem.empty())
                report(n, "attribuut '" + ad->name + "' van element '" + d.name + "': " + problem);
        }
        for (size_t k = 0; k < d.attributes.size() && k < 64; ++k)
            if (d.attributes[k].required && !(seen & (uint64_t{1} << k)))
                report(n, "verplicht attribuut '" + d.attributes[k].name +
                              "' ontbreekt bij element '" + d.name + "'");
    }

    void element(const pugi::xml_node& n, const Decl& d) {
        if (n.first_attribute() || !d.attributes.empty()) attributes(n, d);
        if (d.complex)
            complexContent(n, d);
        else
            simpleContent(n, d);
    }

    const std::string& ns_;
    std::string_view bytes_;
    std::vector<Melding>& out_;
    Scratch& sc_;
    std::vector<size_t> lines_;
    size_t added_ = 0;
};

}  // namespace

size_t Structure::check(const pugi::xml_document& doc, std::string_view bytes,
                        std::vector<Melding>& out) const {
    pugi::xml_node root = doc.document_element();
    if (!root) {
        out.push_back({"XSD", "/", "XML-schema: het document heeft geen hoofdelement", 0});
        return 1;
    }
    Checker c(namespace_, bytes, out);
    c.root(root, impl_->root);
    return c.added();
}

}  // namespace sluis::oso

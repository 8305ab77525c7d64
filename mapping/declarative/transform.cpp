#include "mapping/declarative/transform.h"

#include <cctype>
#include <cstdio>

#include "core/model/bsn.h"
#include "core/util/text.h"

namespace sluis::mapping {

using nlohmann::json;

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Days since 1970-01-01 for a civil date (Howard Hinnant's algorithm).
long daysFromCivil(long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

void civilFromDays(long z, long& y, unsigned& m, unsigned& d) {
    z += 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<long>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

std::string isoOf(long y, unsigned m, unsigned d) {
    if (y >= 0 && y <= 9999 && m <= 99 && d <= 99) {
        // The common case without snprintf: it runs for every date cell of an import.
        std::string out(10, '-');
        out[0] = static_cast<char>('0' + y / 1000);
        out[1] = static_cast<char>('0' + y / 100 % 10);
        out[2] = static_cast<char>('0' + y / 10 % 10);
        out[3] = static_cast<char>('0' + y % 10);
        out[5] = static_cast<char>('0' + m / 10);
        out[6] = static_cast<char>('0' + m % 10);
        out[8] = static_cast<char>('0' + d / 10);
        out[9] = static_cast<char>('0' + d % 10);
        return out;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04ld-%02u-%02u", y, m, d);
    return buf;
}

// Excel serial 1 = 1900-01-01; serial 60 is the non-existent 1900-02-29.
const long kExcelEpoch = daysFromCivil(1899, 12, 30);

bool parseExcel(std::string_view v, std::string& iso) {
    size_t i = 0;
    long n = 0;
    while (i < v.size() && isDigit(v[i]) && i < 8) n = n * 10 + (v[i++] - '0');
    if (i == 0) return false;
    if (i < v.size()) {
        if (v[i] != ',' && v[i] != '.') return false;
        for (size_t k = i + 1; k < v.size(); ++k)
            if (!isDigit(v[k])) return false;
    }
    if (n < 1 || n == 60 || n > 2958465) return false;
    if (n < 60) ++n;  // before the fictitious leap day the epoch is one day later
    long y;
    unsigned m, d;
    civilFromDays(kExcelEpoch + n, y, m, d);
    iso = isoOf(y, m, d);
    return true;
}

bool sepChar(char c) { return c == '-' || c == '/' || c == '.'; }

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// Case mapping for ASCII and the Latin-1 letters in UTF-8 (é, ë, ï, ö, ü, ...).
void changeCase(std::string& s, bool upper) {
    for (size_t i = 0; i < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            s[i] = static_cast<char>(upper ? std::toupper(c) : std::tolower(c));
        } else if (c == 0xC3 && i + 1 < s.size()) {
            unsigned char n = static_cast<unsigned char>(s[i + 1]);
            // U+00C0..U+00DE (except U+00D7) <-> U+00E0..U+00FE (except U+00F7)
            if (upper && n >= 0xA0 && n <= 0xBE && n != 0xB7) s[i + 1] = static_cast<char>(n - 0x20);
            if (!upper && n >= 0x80 && n <= 0x9E && n != 0x97) s[i + 1] = static_cast<char>(n + 0x20);
            ++i;
        }
    }
}

bool equalsNoCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

const char* const kPrefixWords[] = {"van", "de", "der", "den", "het", "'t", "te", "ter", "ten",
                                    "in", "op", "aan", "bij", "uit", "onder", "voor", "over",
                                    "la", "le", "les", "du", "da", "di", "del", "della", "dos",
                                    "das", "do", "el", "al", "von", "vom", "zu", "zum", "zur",
                                    "d'", "l'", "'s", "in't", "v.d.", "v/d"};

bool isPrefixWord(std::string_view w) {
    for (const char* p : kPrefixWords)
        if (equalsNoCase(w, p)) return true;
    return false;
}

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && s[i] == ' ') ++i;
        size_t b = i;
        while (i < s.size() && s[i] != ' ') ++i;
        if (i > b) out.emplace_back(s.substr(b, i - b));
    }
    return out;
}

std::string joinWords(const std::vector<std::string>& w, size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i < to; ++i) {
        if (!out.empty()) out += ' ';
        out += w[i];
    }
    return out;
}

std::string typeName(const json& j) {
    if (j.is_string()) return "tekst";
    if (j.is_object()) return "object";
    if (j.is_array()) return "lijst";
    if (j.is_boolean()) return "ja/nee";
    if (j.is_number()) return "getal";
    return "null";
}

}  // namespace

std::optional<DateFormat> parseDateFormat(std::string_view text) {
    DateFormat f;
    f.text = std::string(text);
    std::string t = lowerAscii(text);
    if (t == "excel") {
        f.excel = true;
        return f;
    }
    size_t i = 0;
    bool d = false, m = false, y = false;
    while (i < t.size()) {
        auto run = [&](char c) {
            size_t k = i;
            while (k < t.size() && t[k] == c) ++k;
            return k - i;
        };
        char c = t[i];
        if (c == 'j' || c == 'y') {
            size_t n = run(c);
            if (n != 4 || y) return std::nullopt;
            f.tokens.push_back({'y', 4, 0});
            y = true;
            i += n;
        } else if (c == 'd' || c == 'm') {
            size_t n = run(c);
            bool& seen = c == 'd' ? d : m;
            if (n > 2 || seen) return std::nullopt;
            f.tokens.push_back({c, static_cast<int>(n), 0});
            seen = true;
            i += n;
        } else if (std::isalpha(static_cast<unsigned char>(c)) || isDigit(c)) {
            return std::nullopt;
        } else {
            f.tokens.push_back({'l', 0, c});
            ++i;
        }
    }
    if (!d || !m || !y) return std::nullopt;
    return f;
}

bool parseDate(const DateFormat& f, std::string_view v, std::string& iso) {
    if (f.excel) return parseExcel(v, iso);
    size_t i = 0;
    long y = 0, mo = 0, d = 0;
    for (size_t t = 0; t < f.tokens.size(); ++t) {
        const auto& tok = f.tokens[t];
        if (tok.kind == 'l') {
            if (i >= v.size()) return false;
            if (v[i] != tok.literal && !(sepChar(tok.literal) && sepChar(v[i]))) return false;
            ++i;
            continue;
        }
        bool next_is_literal = t + 1 >= f.tokens.size() || f.tokens[t + 1].kind == 'l';
        size_t min = tok.kind == 'y' ? 4 : (tok.width == 2 && !next_is_literal ? 2 : 1);
        size_t max = tok.kind == 'y' ? 4 : 2;
        size_t n = 0;
        long val = 0;
        while (i < v.size() && n < max && isDigit(v[i])) {
            val = val * 10 + (v[i++] - '0');
            ++n;
        }
        if (n < min) return false;
        (tok.kind == 'y' ? y : tok.kind == 'm' ? mo : d) = val;
    }
    if (i < v.size()) {
        // Tolerate a time after the date, as spreadsheet exports write it.
        if (v[i] != ' ' && v[i] != 'T') return false;
        for (size_t k = i + 1; k < v.size(); ++k)
            if (!isDigit(v[k]) && v[k] != ':' && v[k] != '.') return false;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1) return false;
    iso = isoOf(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    return model::isValidIsoDate(iso);
}

bool formatDate(const DateFormat& f, std::string_view iso, std::string& out) {
    if (!model::isValidIsoDate(iso)) return false;
    long y = std::stol(std::string(iso.substr(0, 4)));
    unsigned m = static_cast<unsigned>(std::stoul(std::string(iso.substr(5, 2))));
    unsigned d = static_cast<unsigned>(std::stoul(std::string(iso.substr(8, 2))));
    if (f.excel) {
        long n = daysFromCivil(y, m, d) - kExcelEpoch;
        if (n < 61) --n;
        if (n < 1) return false;
        out = std::to_string(n);
        return true;
    }
    out.clear();
    char buf[16];
    for (const auto& tok : f.tokens) {
        switch (tok.kind) {
            case 'l': out += tok.literal; break;
            case 'y': std::snprintf(buf, sizeof buf, "%04ld", y); out += buf; break;
            case 'm': std::snprintf(buf, sizeof buf, tok.width == 2 ? "%02u" : "%u", m); out += buf; break;
            default: std::snprintf(buf, sizeof buf, tok.width == 2 ? "%02u" : "%u", d); out += buf; break;
        }
    }
    return true;
}

std::pair<std::string, std::string> splitDutchName(std::string_view name) {
    std::string s = util::trim(name);
    size_t comma = s.find(',');
    if (comma != std::string::npos) {
        // "Berg, van der"
        return {util::trim(std::string_view(s).substr(comma + 1)),
                util::trim(std::string_view(s).substr(0, comma))};
    }
    auto w = words(s);
    size_t k = 0;
    while (k + 1 < w.size() && isPrefixWord(w[k])) ++k;
    return {joinWords(w, 0, k), joinWords(w, k, w.size())};
}

std::string initialsOf(std::string_view voornamen) {
    std::string out;
    for (const auto& w : words(voornamen)) {
        unsigned char c = static_cast<unsigned char>(w[0]);
        size_t len = c < 0x80 ? 1 : (c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2);
        std::string first = w.substr(0, len);
        changeCase(first, true);
        out += first + ".";
    }
    return out;
}

std::string Transform::name() const {
    switch (kind_) {
        case Kind::kTrim: return "trim";
        case Kind::kUpper: return "upper";
        case Kind::kLower: return "lower";
        case Kind::kDate: return "date";
        case Kind::kMap: return "map";
        case Kind::kSplitName: return "split_name";
        case Kind::kInitials: return "initials";
        case Kind::kDefault: return "default";
        case Kind::kPostcode: return "postcode";
    }
    return "?";
}

bool Transform::parse(const json& spec, const std::string& path, Transform& out,
                      std::vector<std::string>& errors) {
    static const char* kValid =
        "geldig: \"trim\", \"upper\", \"lower\", \"initials\", \"postcode\", {\"date\": ...}, "
        "{\"map\": {...}}, {\"split_name\": \"voorvoegsel\"|\"achternaam\"}, {\"default\": ...}";
    size_t before = errors.size();
    if (spec.is_string()) {
        std::string s = spec.get<std::string>();
        if (s == "trim") out.kind_ = Kind::kTrim;
        else if (s == "upper") out.kind_ = Kind::kUpper;
        else if (s == "lower") out.kind_ = Kind::kLower;
        else if (s == "initials") out.kind_ = Kind::kInitials;
        else if (s == "postcode") out.kind_ = Kind::kPostcode;
        else errors.push_back(path + ": onbekende transformatie '" + s + "'; " + kValid);
        return errors.size() == before;
    }
    if (!spec.is_object() || spec.empty()) {
        errors.push_back(path + ": verwacht tekst of object met één sleutel; " + kValid);
        return false;
    }
    // JSON objects are unordered: find the transform's own key among the option keys.
    std::string kind = spec.begin().key();
    for (const char* k : {"date", "map", "split_name", "default"})
        if (spec.contains(k)) kind = k;
    const json& arg = spec[kind];
    std::string p = path + "." + kind;
    auto allowOnly = [&](std::initializer_list<const char*> keys) {
        for (auto& [k, v] : spec.items()) {
            bool ok = false;
            for (const char* a : keys) ok = ok || k == a;
            if (!ok) {
                std::string list;
                for (const char* a : keys) list += (list.empty() ? "" : ", ") + std::string(a);
                errors.push_back(path + "." + k + ": onbekende sleutel; geldig: " + list);
            }
        }
    };
    if (kind == "date") {
        out.kind_ = Kind::kDate;
        allowOnly({"date"});
        std::vector<json> items;
        if (arg.is_string()) items.push_back(arg);
        else if (arg.is_array()) items.assign(arg.begin(), arg.end());
        else errors.push_back(p + ": verwacht een datumformaat of een lijst van formaten");
        if (arg.is_array() && arg.empty()) errors.push_back(p + ": lege lijst van datumformaten");
        for (size_t i = 0; i < items.size(); ++i) {
            std::string ip = arg.is_array() ? p + "[" + std::to_string(i) + "]" : p;
            if (!items[i].is_string()) {
                errors.push_back(ip + ": verwacht tekst, gevonden " + typeName(items[i]));
                continue;
            }
            auto f = parseDateFormat(items[i].get<std::string>());
            if (!f)
                errors.push_back(ip + ": onbekend datumformaat '" + items[i].get<std::string>() +
                                 "'; gebruik bijvoorbeeld dd-mm-jjjj, jjjj-mm-dd, d/m/jjjj, "
                                 "jjjjmmdd of excel");
            else
                out.dates_.push_back(*f);
        }
    } else if (kind == "map") {
        out.kind_ = Kind::kMap;
        allowOnly({"map", "other", "ignore_case"});
        if (!arg.is_object() || arg.empty()) {
            errors.push_back(p + ": verwacht een niet-lege tabel {\"bron\": \"canoniek\", ...}");
        } else {
            for (auto& [k, v] : arg.items()) {
                if (v.is_string()) out.table_.emplace_back(k, v.get<std::string>());
                else if (v.is_boolean()) out.table_.emplace_back(k, v.get<bool>() ? "true" : "false");
                else if (v.is_number_integer()) out.table_.emplace_back(k, std::to_string(v.get<long>()));
                else errors.push_back(p + "." + k + ": verwacht tekst, gevonden " + typeName(v));
            }
        }
        if (spec.contains("ignore_case")) {
            if (!spec["ignore_case"].is_boolean())
                errors.push_back(path + ".ignore_case: verwacht true of false");
            else
                out.ignore_case_ = spec["ignore_case"].get<bool>();
        }
        if (spec.contains("other")) {
            const json& o = spec["other"];
            if (o == "error") out.other_ = Other::kError;
            else if (o == "keep") out.other_ = Other::kKeep;
            else if (o == "empty") out.other_ = Other::kEmpty;
            else if (o.is_object() && o.size() == 1 && o.contains("value") && o["value"].is_string()) {
                out.other_ = Other::kValue;
                out.other_value_ = o["value"].get<std::string>();
            } else {
                errors.push_back(path + ".other: verwacht \"error\", \"keep\", \"empty\" of "
                                 "{\"value\": \"...\"}");
            }
        }
    } else if (kind == "split_name") {
        out.kind_ = Kind::kSplitName;
        allowOnly({"split_name"});
        if (arg == "voorvoegsel") out.want_prefix_ = true;
        else if (arg == "achternaam") out.want_prefix_ = false;
        else errors.push_back(p + ": verwacht \"voorvoegsel\" of \"achternaam\"");
    } else if (kind == "default") {
        out.kind_ = Kind::kDefault;
        allowOnly({"default"});
        if (!arg.is_string()) errors.push_back(p + ": verwacht tekst, gevonden " + typeName(arg));
        else out.default_ = arg.get<std::string>();
    } else {
        errors.push_back(path + ": onbekende transformatie '" + kind + "'; " + kValid);
    }
    return errors.size() == before;
}

bool Transform::apply(std::string& v, std::string& error) const {
    if (v.empty() && kind_ != Kind::kDefault) return true;
    switch (kind_) {
        case Kind::kTrim: v = util::trim(v); return true;
        case Kind::kUpper: changeCase(v, true); return true;
        case Kind::kLower: changeCase(v, false); return true;
        case Kind::kDefault:
            if (util::isBlank(v)) v = default_;
            return true;
        case Kind::kInitials: v = initialsOf(v); return true;
        case Kind::kSplitName: {
            auto [prefix, rest] = splitDutchName(v);
            v = want_prefix_ ? prefix : rest;
            return true;
        }
        case Kind::kPostcode: {
            std::string compact;
            for (char c : v)
                if (c != ' ') compact += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (compact.size() == 6) v = compact.substr(0, 4) + " " + compact.substr(4);
            else v = compact;
            return true;
        }
        case Kind::kDate: {
            std::string iso;
            for (const auto& f : dates_) {
                if (parseDate(f, v, iso)) {
                    v = iso;
                    return true;
                }
            }
            std::string list;
            for (const auto& f : dates_) list += (list.empty() ? "" : " of ") + f.text;
            error = "ongeldige datum (verwacht " + list + ")";
            return false;
        }
        case Kind::kMap: {
            for (const auto& [from, to] : table_) {
                if (ignore_case_ ? equalsNoCase(from, v) : from == v) {
                    v = to;
                    return true;
                }
            }
            switch (other_) {
                case Other::kKeep: return true;
                case Other::kEmpty: v.clear(); return true;
                case Other::kValue: v = other_value_; return true;
                case Other::kError: break;
            }
            std::string keys;
            for (size_t i = 0; i < table_.size() && i < 12; ++i)
                keys += (keys.empty() ? "" : ", ") + table_[i].first;
            error = "onbekende code (niet in de vertaaltabel: " + keys + ")";
            return false;
        }
    }
    return true;
}

bool Transform::reverse(std::string& v, std::string& error) const {
    switch (kind_) {
        case Kind::kTrim:
        case Kind::kUpper:
        case Kind::kLower:
        case Kind::kDefault:
        case Kind::kPostcode: return true;
        case Kind::kSplitName:
        case Kind::kInitials:
            error = "transformatie " + name() + " is niet omkeerbaar";
            return false;
        case Kind::kDate: {
            if (v.empty()) return true;
            std::string out;
            if (dates_.empty() || !formatDate(dates_.front(), v, out)) {
                error = "ongeldige datum (verwacht JJJJ-MM-DD)";
                return false;
            }
            v = out;
            return true;
        }
        case Kind::kMap: {
            if (v.empty()) return true;
            for (const auto& [from, to] : table_) {
                if (to == v) {
                    v = from;
                    return true;
                }
            }
            if (other_ == Other::kKeep) return true;
            error = "code komt niet voor in de vertaaltabel (niet omkeerbaar)";
            return false;
        }
    }
    return true;
}

}  // namespace sluis::mapping

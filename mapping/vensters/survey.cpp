#include "mapping/vensters/survey.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>

#include "core/util/fs.h"
#include "core/util/text.h"
#include "mapping/csv/csv_reader.h"

namespace sluis::vensters {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

/// Collects errors (bounded) and decides the overall code.
class Errors {
  public:
    explicit Errors(std::string source) : source_(std::move(source)) {}

    void at(size_t line, size_t column, const std::string& header, const std::string& what,
            ErrorCode code = ErrorCode::kValidationFailed) {
        std::string where = source_ + " regel " + std::to_string(line);
        if (column > 0) {
            where += ", kolom " + std::to_string(column);
            if (!header.empty()) where += " (" + header + ")";
        }
        add(where + ": " + what, code);
    }
    void file(const std::string& what, ErrorCode code = ErrorCode::kInvalidInput) {
        add(source_ + ": " + what, code);
    }
    bool any() const { return total_ > 0; }
    Error error() const {
        std::string msg;
        for (const auto& m : messages_) msg += (msg.empty() ? "" : "\n") + m;
        if (total_ > messages_.size())
            msg += "\n... en nog " + std::to_string(total_ - messages_.size()) + " fouten";
        msg += "\n" + source_ + " is niet ingelezen (niets overgenomen).";
        return Error{code_, msg};
    }

  private:
    void add(std::string m, ErrorCode code) {
        if (total_ == 0) code_ = code;
        if (code == ErrorCode::kInvalidInput) code_ = code;  // structural problems dominate
        ++total_;
        if (messages_.size() < kMaxErrorsReported) messages_.push_back(std::move(m));
    }

    std::string source_;
    std::vector<std::string> messages_;
    size_t total_ = 0;
    ErrorCode code_ = ErrorCode::kValidationFailed;
};

/// Reads all records of a CSV into memory (the inputs are small: one line per respondent).
struct Table {
    std::vector<std::string> header;
    struct Row {
        size_t line;
        std::vector<std::string> fields;
    };
    std::vector<Row> rows;
};

Result<Table> readTable(std::string_view bytes, const std::string& source_name, size_t max_rows) {
    csv::CsvOptions opt;
    opt.source_name = source_name;
    opt.max_fields = 500;
    opt.max_field_bytes = 4096;
    csv::CsvReader reader(std::make_unique<csv::StringByteSource>(bytes), opt);
    Table t;
    bool first = true;
    while (true) {
        auto more = reader.next();
        if (!more) {
            Error e = more.error();
            e.message += "\n" + source_name + " is niet ingelezen (niets overgenomen).";
            return e;
        }
        if (!*more) break;
        std::vector<std::string> fields;
        fields.reserve(reader.fieldCount());
        for (size_t i = 0; i < reader.fieldCount(); ++i)
            fields.push_back(util::trim(reader.field(i)));
        if (first) {
            t.header = std::move(fields);
            first = false;
            continue;
        }
        if (t.rows.size() >= max_rows)
            return Error{ErrorCode::kTooLarge, source_name + ": meer dan " +
                                                   std::to_string(max_rows) +
                                                   " regels; niets overgenomen"};
        t.rows.push_back({reader.line(), std::move(fields)});
    }
    if (first)
        return Error{ErrorCode::kInvalidInput,
                     source_name + ": leeg bestand (geen kopregel); niets overgenomen"};
    return t;
}

/// Maps required column names to their position; reports unknown, duplicate and missing ones.
std::map<std::string, size_t> mapColumns(const std::vector<std::string>& header,
                                         const std::vector<std::string>& required, Errors& errors) {
    std::map<std::string, size_t> pos;  // lower-case name -> 0-based column
    for (size_t i = 0; i < header.size(); ++i) {
        std::string name = lower(header[i]);
        bool known = std::find(required.begin(), required.end(), name) != required.end();
        if (header[i].empty()) {
            errors.at(1, i + 1, "", "lege kolomnaam", ErrorCode::kInvalidInput);
        } else if (!known) {
            errors.at(1, i + 1, "", "onbekende kolom '" + header[i] + "'",
                      ErrorCode::kInvalidInput);
        } else if (pos.count(name)) {
            errors.at(1, i + 1, "", "kolom '" + header[i] + "' komt twee keer voor",
                      ErrorCode::kInvalidInput);
        } else {
            pos[name] = i;
        }
    }
    for (const auto& r : required)
        if (!pos.count(r))
            errors.at(1, 0, "", "kolom '" + r + "' ontbreekt", ErrorCode::kInvalidInput);
    return pos;
}

/// Parses a small non-negative integer; -1 when not all digits or above `max`.
long long parseCount(std::string_view s, long long max) {
    if (s.empty() || s.size() > 9) return -1;
    long long v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v > max ? -1 : v;
}

std::string typeList(const IndicatorSet& set) {
    std::string out;
    for (const auto& t : set.school_types) out += (out.empty() ? "" : ", ") + t.code;
    return out;
}

const SchoolRef* findSchool(const std::vector<SchoolRef>& schools, const std::string& key,
                            size_t* index) {
    auto it =
        std::lower_bound(schools.begin(), schools.end(), key,
                         [](const SchoolRef& s, const std::string& k) { return s.key() < k; });
    if (it == schools.end() || it->key() != key) return nullptr;
    if (index) *index = static_cast<size_t>(it - schools.begin());
    return &*it;
}

/// Reads the brin + vestiging columns of a row; reports problems; returns the key or "".
std::string schoolKey(const Table::Row& row, size_t brin_col, size_t vest_col, Errors& errors) {
    auto brin = normaliseBrin(row.fields[brin_col]);
    auto vest = normaliseVestiging(row.fields[vest_col]);
    // The value is not echoed: a malformed cell may hold something else than a BRIN code.
    if (!brin)
        errors.at(row.line, brin_col + 1, "brin",
                  "geen geldige BRIN-code (verwacht 2 cijfers en 2 letters of cijfers)");
    if (!vest)
        errors.at(row.line, vest_col + 1, "vestiging",
                  "geen geldig vestigingsnummer (verwacht 1 of 2 cijfers)");
    return brin && vest ? *brin + *vest : "";
}

/// Whether `row` has as many fields as the header; reports the row otherwise.
bool hasHeaderWidth(const Table::Row& row, size_t width, Errors& errors) {
    if (row.fields.size() == width) return true;
    errors.at(row.line, 0, "",
              std::to_string(row.fields.size()) + " velden, verwacht " + std::to_string(width),
              ErrorCode::kInvalidInput);
    return false;
}

/// Sorts schools by their key (BRIN + vestiging), the order every lookup expects.
void sortByKey(std::vector<SchoolRef>& schools) {
    std::sort(schools.begin(), schools.end(),
              [](const SchoolRef& a, const SchoolRef& b) { return a.key() < b.key(); });
}

}  // namespace

std::optional<std::string> normaliseBrin(std::string_view s) {
    if (s.size() != 4) return std::nullopt;
    std::string out;
    for (size_t i = 0; i < 4; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (i < 2 ? !std::isdigit(c) : !std::isalnum(c)) return std::nullopt;
        out += static_cast<char>(std::toupper(c));
    }
    return out;
}

std::optional<std::string> normaliseVestiging(std::string_view s) {
    if (s.empty() || s.size() > 2) return std::nullopt;
    for (char c : s)
        if (c < '0' || c > '9') return std::nullopt;
    return s.size() == 1 ? "0" + std::string(s) : std::string(s);
}

Result<std::vector<SchoolRef>> parseSchoolList(std::string_view bytes,
                                               const std::string& source_name) {
    auto table = readTable(bytes, source_name, 100000);
    if (!table) return table.error();
    Errors errors(source_name);
    auto cols = mapColumns(table->header, {"brin", "vestiging", "naam"}, errors);
    if (errors.any()) return errors.error();
    std::vector<SchoolRef> out;
    std::map<std::string, size_t> seen;
    for (const auto& row : table->rows) {
        if (!hasHeaderWidth(row, table->header.size(), errors)) continue;
        std::string key = schoolKey(row, cols["brin"], cols["vestiging"], errors);
        if (key.empty()) continue;
        if (auto it = seen.find(key); it != seen.end()) {
            errors.at(row.line, cols["brin"] + 1, "brin",
                      "school " + key + " staat al op regel " + std::to_string(it->second));
            continue;
        }
        seen[key] = row.line;
        out.push_back({key.substr(0, 4), key.substr(4), row.fields[cols["naam"]]});
    }
    if (out.empty() && !errors.any())
        errors.file("bevat geen scholen", ErrorCode::kValidationFailed);
    if (errors.any()) return errors.error();
    sortByKey(out);
    return out;
}

Result<Enrolment> parseEnrolment(std::string_view bytes, const std::string& source_name,
                                 const IndicatorSet& set,
                                 const std::vector<SchoolRef>* known_schools) {
    auto table = readTable(bytes, source_name, 1000000);
    if (!table) return table.error();
    Errors errors(source_name);
    auto cols = mapColumns(table->header,
                           {"brin", "vestiging", "onderwijssoort", "leerjaar", "aantal"}, errors);
    if (errors.any()) return errors.error();

    Enrolment out;
    out.source_name = source_name;
    out.sha256 = util::sha256Hex(bytes);
    if (known_schools) {
        out.schools = *known_schools;
        sortByKey(out.schools);
    }
    struct Pending {
        std::string key;
        size_t type;
        int grade;
        long long count;
        size_t line;
    };
    std::vector<Pending> pending;
    std::map<std::string, size_t> seen;  // cell -> line
    for (const auto& row : table->rows) {
        if (!hasHeaderWidth(row, table->header.size(), errors)) continue;
        std::string key = schoolKey(row, cols["brin"], cols["vestiging"], errors);
        if (!key.empty() && known_schools && !findSchool(out.schools, key, nullptr)) {
            errors.at(row.line, cols["brin"] + 1, "brin",
                      "onbekende school " + key + " (staat niet in de scholenlijst)");
            key.clear();
        }
        const std::string& type_text = row.fields[cols["onderwijssoort"]];
        const SchoolType* type = set.schoolType(type_text);
        if (!type)
            errors.at(row.line, cols["onderwijssoort"] + 1, "onderwijssoort",
                      "onbekende onderwijssoort (toegestaan: " + typeList(set) + ")");
        long long grade = parseCount(row.fields[cols["leerjaar"]], 99);
        if (type && (grade < 1 || grade > type->max_grade)) {
            errors.at(row.line, cols["leerjaar"] + 1, "leerjaar",
                      "leerjaar buiten bereik (1 t/m " + std::to_string(type->max_grade) +
                          " voor " + type->code + ")");
            grade = -1;
        }
        long long count = parseCount(row.fields[cols["aantal"]], 100000);
        if (count < 0)
            errors.at(row.line, cols["aantal"] + 1, "aantal",
                      "verwacht een geheel getal van 0 t/m 100000");
        if (key.empty() || !type || grade < 1 || count < 0) continue;
        size_t type_index = static_cast<size_t>(type - set.school_types.data());
        std::string cell = key + "/" + type->code + "/" + std::to_string(grade);
        if (auto it = seen.find(cell); it != seen.end()) {
            errors.at(row.line, 0, "",
                      "school " + key + ", " + type->code + ", leerjaar " + std::to_string(grade) +
                          " staat al op regel " + std::to_string(it->second));
            continue;
        }
        seen[cell] = row.line;
        pending.push_back({key, type_index, static_cast<int>(grade), count, row.line});
    }
    if (table->rows.empty()) errors.file("bevat geen inschrijvingen", ErrorCode::kValidationFailed);
    if (errors.any()) return errors.error();

    if (!known_schools) {
        for (const auto& p : pending)
            if (!findSchool(out.schools, p.key, nullptr)) {
                out.schools.push_back({p.key.substr(0, 4), p.key.substr(4), ""});
                sortByKey(out.schools);
            }
    }
    for (const auto& p : pending) {
        size_t idx = 0;
        findSchool(out.schools, p.key, &idx);
        out.cells.push_back({idx, p.type, p.grade, p.count, p.line});
    }
    return out;
}

Result<Survey> parseSurvey(std::string_view bytes, const std::string& source_name,
                           const IndicatorSet& set, const std::vector<SchoolRef>& schools) {
    auto table = readTable(bytes, source_name, kMaxRespondents);
    if (!table) return table.error();
    Errors errors(source_name);
    std::vector<std::string> required = {"respondent", "brin", "vestiging", "onderwijssoort",
                                         "leerjaar"};
    for (const auto& q : set.questions) required.push_back(lower(q.id));
    auto cols = mapColumns(table->header, required, errors);
    if (errors.any()) return errors.error();

    std::vector<SchoolRef> sorted = schools;
    sortByKey(sorted);
    // Map sorted positions back to the caller's indices.
    std::map<std::string, size_t> index_of;
    for (size_t i = 0; i < schools.size(); ++i) index_of[schools[i].key()] = i;

    struct QuestionColumn {
        size_t column;
        const Question* question;
        const Scale* scale;
    };
    std::vector<QuestionColumn> qcols;
    for (const auto& q : set.questions)
        qcols.push_back({cols[lower(q.id)], &q, set.scale(q.scale)});

    Survey out;
    out.source_name = source_name;
    out.sha256 = util::sha256Hex(bytes);
    std::map<std::string, size_t> respondent_line;
    for (const auto& row : table->rows) {
        if (!hasHeaderWidth(row, table->header.size(), errors)) continue;
        bool ok = true;
        size_t rcol = cols["respondent"];
        const std::string& rid = row.fields[rcol];
        if (rid.empty()) {
            errors.at(row.line, rcol + 1, "respondent", "respondentnummer ontbreekt");
            ok = false;
        } else if (auto it = respondent_line.find(rid); it != respondent_line.end()) {
            errors.at(row.line, rcol + 1, "respondent",
                      "respondentnummer komt al voor op regel " + std::to_string(it->second));
            ok = false;
        } else {
            respondent_line[rid] = row.line;
        }

        Respondent r;
        r.line = row.line;
        std::string key = schoolKey(row, cols["brin"], cols["vestiging"], errors);
        if (key.empty()) {
            ok = false;
        } else if (!findSchool(sorted, key, nullptr)) {
            errors.at(row.line, cols["brin"] + 1, "brin",
                      "onbekende school " + key + " (staat niet in de scholenlijst)");
            ok = false;
        } else {
            r.school = index_of[key];
        }
        size_t tcol = cols["onderwijssoort"];
        const SchoolType* type = set.schoolType(row.fields[tcol]);
        if (!type) {
            errors.at(row.line, tcol + 1, "onderwijssoort",
                      "onbekende onderwijssoort (toegestaan: " + typeList(set) + ")");
            ok = false;
        } else {
            r.school_type = static_cast<size_t>(type - set.school_types.data());
        }
        size_t gcol = cols["leerjaar"];
        long long grade = parseCount(row.fields[gcol], 99);
        if (grade < 1 || (type && grade > type->max_grade)) {
            errors.at(row.line, gcol + 1, "leerjaar",
                      type ? "leerjaar buiten bereik (1 t/m " + std::to_string(type->max_grade) +
                                 " voor " + type->code + ")"
                           : std::string("leerjaar ongeldig"));
            ok = false;
        }
        r.grade = static_cast<int>(grade);
        r.answers.assign(set.questions.size(), -1);
        for (size_t qi = 0; qi < qcols.size(); ++qi) {
            const auto& qc = qcols[qi];
            const std::string& cell = row.fields[qc.column];
            if (cell.empty()) continue;  // not answered
            long long v = parseCount(cell, 99);
            if (v < qc.scale->min || v > qc.scale->max) {
                errors.at(row.line, qc.column + 1, qc.question->id,
                          "antwoord buiten bereik (toegestaan " + std::to_string(qc.scale->min) +
                              " t/m " + std::to_string(qc.scale->max) + " of leeg)");
                ok = false;
                continue;
            }
            r.answers[qi] = static_cast<int8_t>(v);
        }
        if (ok) out.respondents.push_back(std::move(r));
    }
    if (table->rows.empty()) errors.file("bevat geen respondenten", ErrorCode::kValidationFailed);
    if (errors.any()) return errors.error();
    return out;
}

}  // namespace sluis::vensters

#include "mapping/magister/magister_import.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "core/model/model.h"
#include "core/util/text.h"

namespace sluis::embedded {
extern const std::string_view kMagisterMappingJson;
}

namespace sluis::mapping {

using nlohmann::json;

namespace {

std::string lowerAscii(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string baseName(const std::string& path) {
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

struct Problems {
    size_t max = 50;
    size_t count = 0;
    std::vector<std::string> list;
    void add(std::string p) {
        ++count;
        if (list.size() < max) list.push_back(std::move(p));
    }
};

struct OpenFile {
    const ExportFile* src = nullptr;
    std::unique_ptr<csv::CsvReader> reader;
    std::vector<std::string> header;
    const Part* part = nullptr;
    std::optional<BoundPart> bound;
    size_t info_index = 0;
};

// Rows of a non-main file, packed: per row 4 bytes line number, then every slot value + NUL.
// Values cannot contain NUL: the reader refuses NUL characters.
// Append-only storage in fixed blocks: no reallocation (and no doubling overshoot) as it grows.
// An offset is (block << 40) | position.
class Arena {
public:
    /// Room for `size` bytes; returns its offset (for at()) and where to write them.
    std::pair<uint64_t, char*> allocate(size_t size) {
        if (blocks_.empty() || used_ + size > capacity_) {
            capacity_ = std::max(kBlock, size);
            blocks_.push_back(std::make_unique_for_overwrite<char[]>(capacity_));
            used_ = 0;
        }
        uint64_t off = (static_cast<uint64_t>(blocks_.size() - 1) << 40) | used_;
        char* p = blocks_.back().get() + used_;
        used_ += size;
        return {off, p};
    }
    const char* at(uint64_t off) const {
        return blocks_[off >> 40].get() + (off & ((uint64_t{1} << 40) - 1));
    }

private:
    static constexpr size_t kBlock = 4u << 20;
    std::vector<std::unique_ptr<char[]>> blocks_;
    size_t used_ = 0, capacity_ = 0;  // of the last block
};

struct Store {
    OpenFile* file = nullptr;
    Arena arena;
    std::unordered_map<std::string, std::vector<uint64_t>> by_key;
};

// Picks the part of `mapping` that `header` belongs to; explains when none or several fit.
Result<const Part*> detectPart(const Mapping& mapping, const std::vector<std::string>& header,
                               const std::string& file) {
    std::vector<std::string> names;
    for (const auto& h : header) names.push_back(normaliseHeader(h));
    auto has = [&](const std::vector<std::string>& alts) {
        for (const auto& a : alts)
            if (std::find(names.begin(), names.end(), normaliseHeader(a)) != names.end()) return true;
        return false;
    };
    std::string lower_file = lowerAscii(baseName(file));
    const Part* best = nullptr;
    long best_score = -1;
    bool tie = false;
    const Part* closest = nullptr;
    long closest_score = -1;
    for (const auto& p : mapping.parts) {
        long score = has(p.key_columns) ? 1 : 0;
        bool complete = score > 0;
        for (const auto& f : p.fields) {
            if (f.columns.empty()) continue;
            if (has(f.columns)) ++score;
            else if (f.required) complete = false;
        }
        if (score > closest_score) {
            closest_score = score;
            closest = &p;
        }
        if (!complete) continue;
        if (lower_file.find(lowerAscii(p.name)) != std::string::npos) score += 1000;
        if (score > best_score) {
            best = &p;
            best_score = score;
            tie = false;
        } else if (score == best_score) {
            tie = true;
        }
    }
    std::string list;
    for (const auto& p : mapping.parts) list += (list.empty() ? "" : ", ") + p.name;
    if (!best) {
        std::string msg = file + ":1: bestand niet herkend: de kolommen passen bij geen deel van de "
                                 "mapping (" + list + ")";
        if (closest) {
            auto b = BoundPart::bind(*closest, header, file, nullptr);
            if (!b.isOk()) msg += "; lijkt het meest op '" + closest->name + "': " + b.error().message;
        }
        msg += ". Noem het deel expliciet (deel=bestand).";
        return Error{ErrorCode::kInvalidInput, msg};
    }
    if (tie)
        return Error{ErrorCode::kInvalidInput,
                     file + ":1: bestand past bij meer dan één deel van de mapping; noem het deel "
                            "expliciet (deel=bestand; delen: " + list + ")"};
    return best;
}

uint64_t pack(Arena& arena, uint32_t line, const csv::CsvReader& r, const std::vector<size_t>& cols) {
    const size_t count = r.fieldCount();
    size_t size = 4;
    for (size_t c : cols) size += (c < count ? r.field(c).size() : 0) + 1;
    auto [off, p] = arena.allocate(size);
    std::memcpy(p, &line, 4);
    p += 4;
    for (size_t c : cols) {
        if (c < count) {
            std::string_view f = r.field(c);
            std::memcpy(p, f.data(), f.size());
            p += f.size();
        }
        *p++ = '\0';
    }
    return off;
}

uint32_t unpack(const Arena& arena, uint64_t off, size_t nslots, std::vector<std::string_view>& out) {
    const char* p = arena.at(off);
    uint32_t line;
    std::memcpy(&line, p, 4);
    p += 4;
    out.clear();
    for (size_t i = 0; i < nslots; ++i) {
        size_t len = std::strlen(p);
        out.emplace_back(p, len);
        p += len + 1;
    }
    return line;
}

std::string trimmed(std::string_view s) {
    size_t b = 0, e = s.size();
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    return std::string(s.substr(b, e - b));
}

}  // namespace

ExportFile ExportFile::fromPath(const std::string& path, const std::string& part) {
    ExportFile f;
    f.name = baseName(path);
    f.part = part;
    f.open = [path]() -> Result<std::unique_ptr<csv::ByteSource>> {
        auto src = csv::FileByteSource::open(path);
        if (!src.isOk()) return src.error();
        return std::unique_ptr<csv::ByteSource>(std::move(src.value()));
    };
    return f;
}

ExportFile ExportFile::fromBytes(const std::string& name, std::string_view bytes,
                                 const std::string& part) {
    ExportFile f;
    f.name = name;
    f.part = part;
    f.open = [bytes]() -> Result<std::unique_ptr<csv::ByteSource>> {
        return std::unique_ptr<csv::ByteSource>(std::make_unique<csv::StringByteSource>(bytes));
    };
    return f;
}

Status importMagisterStream(const std::vector<ExportFile>& files, const Mapping& mapping,
                            const ImportOptions& options,
                            const std::function<Status(json&&)>& on_record, ImportReport* report) {
    ImportReport local;
    ImportReport& rep = report ? *report : local;
    std::vector<std::string> fatal;
    std::vector<OpenFile> open(files.size());
    if (files.empty()) return Status{ErrorCode::kInvalidArgument, "geen exportbestanden opgegeven"};

    // 1. Open every file, read its header and find its part.
    for (size_t i = 0; i < files.size(); ++i) {
        OpenFile& of = open[i];
        of.src = &files[i];
        const std::string& name = files[i].name;
        auto src = files[i].open();
        if (!src.isOk()) {
            fatal.push_back(name + ": " + src.error().message);
            continue;
        }
        csv::CsvOptions co;
        co.source_name = name;
        co.encoding = options.encoding != csv::Encoding::kAuto ? options.encoding : mapping.encoding;
        co.separator = options.separator ? options.separator : mapping.separator;
        of.reader = std::make_unique<csv::CsvReader>(std::move(src.value()), co);
        auto more = of.reader->next();
        if (!more.isOk()) {
            fatal.push_back(more.error().message);
            of.reader.reset();
            continue;
        }
        if (!*more) {
            fatal.push_back(name + ": leeg bestand (geen kopregel)");
            of.reader.reset();
            continue;
        }
        for (auto f : of.reader->fields()) of.header.emplace_back(f);
        if (!files[i].part.empty()) {
            of.part = mapping.part(files[i].part);
            if (!of.part) {
                std::string list;
                for (const auto& p : mapping.parts) list += (list.empty() ? "" : ", ") + p.name;
                fatal.push_back(name + ": onbekend deel '" + files[i].part + "'; delen: " + list);
                continue;
            }
        } else {
            auto p = detectPart(mapping, of.header, name);
            if (!p.isOk()) {
                fatal.push_back(p.error().message);
                continue;
            }
            of.part = *p;
        }
        ImportReport::File info;
        info.name = name;
        info.part = of.part->name;
        info.encoding = csv::encodingName(of.reader->encoding());
        info.separator = of.reader->separator();
        auto b = BoundPart::bind(*of.part, of.header, name, &info.unused_columns);
        if (!b.isOk()) {
            fatal.push_back(b.error().message);
            continue;
        }
        of.bound.emplace(std::move(b.value()));
        for (const auto& u : info.unused_columns)
            rep.warnings.push_back(name + ": kolom '" + u + "' wordt niet gebruikt door de mapping "
                                   "(genegeerd)");
        of.info_index = rep.files.size();
        rep.files.push_back(std::move(info));
    }
    const Part& main_part = mapping.parts.front();
    OpenFile* main = nullptr;
    for (auto& of : open) {
        if (of.part != &main_part || !of.bound) continue;
        if (main) fatal.push_back(of.src->name + ": tweede bestand voor deel '" + main_part.name +
                                  "' (ook " + main->src->name + "); geef één bestand per export");
        else main = &of;
    }
    if (!main && fatal.empty())
        fatal.push_back("geen bestand voor deel '" + main_part.name +
                        "' (één regel per leerling); dat bestand is verplicht");
    bool mapping_fills_school = false;
    for (const auto& f : main_part.fields)
        if (f.target.text.rfind("school.", 0) == 0) mapping_fills_school = true;
    if (!mapping_fills_school && !options.school.is_object())
        fatal.push_back("geen schoolgegevens: geef 'school' (naam, brincode) in de opties of vul "
                        "school.* in de mapping");
    if (!fatal.empty()) {
        std::string msg = "export niet ingelezen; niets geïmporteerd:";
        for (const auto& f : fatal) msg += "\n  " + f;
        return Status{ErrorCode::kInvalidInput, msg};
    }

    Problems problems;
    problems.max = options.max_problems;
    auto readerFailure = [&](const csv::CsvReader& r, const Error& e) {
        (void)r;
        return Status{e.code, "export niet ingelezen; niets geïmporteerd:\n  " + e.message};
    };

    // 2. Keep the mapped columns of every other file, by stamnummer.
    std::vector<Store> stores;
    for (const auto& p : mapping.parts) {
        if (&p == &main_part) continue;
        for (auto& of : open) {
            if (of.part != &p) continue;
            Store st;
            st.file = &of;
            const auto& cols = of.bound->slotColumns();
            const std::string& key_header = of.bound->slotHeader(0);
            auto& info = rep.files[of.info_index];
            for (;;) {
                auto more = of.reader->next();
                if (!more.isOk()) return readerFailure(*of.reader, more.error());
                if (!*more) break;
                ++info.rows;
                size_t line = of.reader->line();
                if (of.reader->fieldCount() > of.header.size()) {
                    problems.add(of.src->name + ":" + std::to_string(line) + ": regel heeft " +
                                 std::to_string(of.reader->fieldCount()) + " kolommen, de kop " +
                                 std::to_string(of.header.size()) +
                                 " (scheidingsteken in een veld zonder aanhalingstekens?)");
                    continue;
                }
                std::string key = cols[0] < of.reader->fieldCount()
                                      ? trimmed(of.reader->field(cols[0]))
                                      : std::string();
                if (key.empty()) {
                    problems.add(of.src->name + ":" + std::to_string(line) + ": kolom '" +
                                 key_header + "': stamnummer is leeg");
                    continue;
                }
                st.by_key[key].push_back(
                    pack(st.arena, static_cast<uint32_t>(line), *of.reader, cols));
            }
            stores.push_back(std::move(st));
        }
    }

    // 3. Stream the main file; build, validate and emit one record per pupil.
    auto def = model::ModelDefinition::builtin();
    std::unordered_map<std::string, uint32_t> seen;
    std::vector<std::string_view> slots;
    std::vector<std::string> row_problems;
    const auto& main_cols = main->bound->slotColumns();
    auto& main_info = rep.files[main->info_index];
    Status callback_status;
    for (;;) {
        auto more = main->reader->next();
        if (!more.isOk()) return readerFailure(*main->reader, more.error());
        if (!*more) break;
        ++main_info.rows;
        const size_t line = main->reader->line();
        auto where = [&] { return main->src->name + ":" + std::to_string(line); };
        if (main->reader->fieldCount() > main->header.size()) {
            problems.add(where() + ": regel heeft " + std::to_string(main->reader->fieldCount()) +
                         " kolommen, de kop " + std::to_string(main->header.size()) +
                         " (scheidingsteken in een veld zonder aanhalingstekens?)");
            continue;
        }
        slots.clear();
        for (size_t c : main_cols)
            slots.emplace_back(c < main->reader->fieldCount() ? std::string_view(main->reader->field(c))
                                                              : std::string_view());
        std::string key = trimmed(slots[0]);
        if (key.empty()) {
            problems.add(where() + ": kolom '" + main->bound->slotHeader(0) + "': stamnummer is leeg");
            continue;
        }
        auto [it, fresh] = seen.emplace(key, static_cast<uint32_t>(line));
        if (!fresh) {
            problems.add(where() + ": kolom '" + main->bound->slotHeader(0) +
                         "': stamnummer komt dubbel voor (ook op regel " +
                         std::to_string(it->second) + ")");
            continue;
        }
        row_problems.clear();
        json record = json::object();
        if (options.school.is_object()) record["school"] = options.school;
        json scratch;  // for rows that cannot be built in place (mapRowInto leaves it empty)
        if (main->bound->mapRowInto(slots, line, record, scratch, row_problems))
            applyCombine(main_part, record, main->src->name, line, main->header, row_problems);
        for (auto& st : stores) {
            auto found = st.by_key.find(key);
            if (found == st.by_key.end()) continue;
            const BoundPart& bp = *st.file->bound;
            for (uint64_t off : found->second) {
                uint32_t l = unpack(st.arena, off, bp.slotColumns().size(), slots);
                if (bp.mapRowInto(slots, l, record, scratch, row_problems))
                    applyCombine(bp.part(), record, st.file->src->name, l, st.file->header,
                                 row_problems);
            }
            st.by_key.erase(found);
        }
        if (!row_problems.empty()) {
            for (auto& p : row_problems) problems.add(std::move(p));
            releaseJson(record);
            continue;
        }
        auto issues = def->validate(record);
        if (!issues.empty()) {
            for (const auto& is : issues)
                problems.add(where() + ": leerling voldoet niet aan het model: " + is.path + ": " +
                             is.message);
            releaseJson(record);
            continue;
        }
        ++rep.pupils;
        if (problems.count == 0 && callback_status.isOk()) {
            callback_status = on_record(std::move(record));
            if (!callback_status.isOk()) return callback_status;
        }
        releaseJson(record);  // whatever the callback did not take
    }
    if (main_info.rows == 0 && problems.count == 0)
        problems.add(main->src->name + ": bevat geen leerlingen (alleen een kopregel)");

    // 4. Orphans: rows whose stamnummer is not in the main file.
    for (auto& st : stores) {
        if (st.by_key.empty()) continue;
        std::vector<uint32_t> lines;
        for (const auto& [k, offs] : st.by_key)
            for (uint64_t off : offs) {
                uint32_t l;
                std::memcpy(&l, st.arena.at(off), 4);
                lines.push_back(l);
            }
        std::sort(lines.begin(), lines.end());
        std::string list;
        for (size_t i = 0; i < lines.size() && i < 10; ++i)
            list += (i ? ", " : "") + std::to_string(lines[i]);
        if (lines.size() > 10) list += ", ...";
        std::string msg = st.file->src->name + ": " + std::to_string(lines.size()) +
                          " regel(s) met een stamnummer dat niet in " + main->src->name +
                          " staat (regel " + list + "); niet geïmporteerd";
        if (options.orphans_are_errors) problems.add(msg);
        else rep.warnings.push_back(msg);
    }

    if (problems.count > 0) {
        std::string msg = std::to_string(problems.count) + " fout(en) in de export; niets geïmporteerd:";
        for (const auto& p : problems.list) msg += "\n  " + p;
        if (problems.count > problems.list.size())
            msg += "\n  ... en " + std::to_string(problems.count - problems.list.size()) + " meer";
        return Status{ErrorCode::kValidationFailed, msg};
    }
    return {};
}

Result<mapper::DecodedBatch> importMagisterExport(const std::vector<ExportFile>& files,
                                                  const Mapping& mapping,
                                                  const ImportOptions& options,
                                                  ImportReport* report) {
    mapper::DecodedBatch batch;
    ImportReport local;
    ImportReport& rep = report ? *report : local;
    auto st = importMagisterStream(
        files, mapping, options,
        [&](json&& r) {
            batch.records.push_back(std::move(r));
            return Status{};
        },
        &rep);
    if (!st.isOk()) return st.error();
    batch.warnings = rep.warnings;
    return batch;
}

std::string_view builtinMagisterMappingText() { return embedded::kMagisterMappingJson; }

std::shared_ptr<const Mapping> builtinMagisterMapping() {
    static const std::shared_ptr<const Mapping> m = [] {
        auto r = loadMapping(embedded::kMagisterMappingJson, "config/mappings/magister.json");
        // The shipped mapping is tested; failing here is a build defect.
        if (!r.isOk()) throw std::logic_error(r.error().message);
        return r.value();
    }();
    return m;
}

namespace {
constexpr std::string_view kBundleMagic = "sluis-bundle 1\n";
}

bool isBundle(std::string_view bytes) { return bytes.substr(0, kBundleMagic.size()) == kBundleMagic; }

Result<std::vector<BundlePart>> parseBundle(std::string_view bytes, const std::string& source_name) {
    std::vector<BundlePart> out;
    if (!isBundle(bytes))
        return Error{ErrorCode::kInvalidInput, source_name + ":1: geen Sluis-bundel (verwacht 'sluis-bundle 1')"};
    size_t pos = kBundleMagic.size();
    size_t line = 2;
    auto fail = [&](const std::string& m) {
        return Error{ErrorCode::kInvalidInput, source_name + ":" + std::to_string(line) + ": " + m};
    };
    while (pos < bytes.size()) {
        if (bytes[pos] == '\n') {  // blank separator lines
            ++pos;
            ++line;
            continue;
        }
        size_t nl = bytes.find('\n', pos);
        if (nl == std::string_view::npos) return fail("onvolledige 'part'-regel");
        std::string_view l = bytes.substr(pos, nl - pos);
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l.substr(0, 5) != "part ") return fail("verwacht 'part <deel> <lengte> <bestandsnaam>'");
        l.remove_prefix(5);
        size_t s1 = l.find(' ');
        size_t s2 = s1 == std::string_view::npos ? s1 : l.find(' ', s1 + 1);
        if (s2 == std::string_view::npos) return fail("verwacht 'part <deel> <lengte> <bestandsnaam>'");
        BundlePart p;
        p.part = std::string(l.substr(0, s1));
        if (p.part == "auto") p.part.clear();
        std::string_view len_text = l.substr(s1 + 1, s2 - s1 - 1);
        p.name = std::string(l.substr(s2 + 1));
        if (len_text.empty() || len_text.size() > 12 ||
            !std::all_of(len_text.begin(), len_text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return fail("lengte is geen getal");
        size_t len = std::stoull(std::string(len_text));
        if (p.name.empty() || p.name.find('/') != std::string::npos)
            return fail("ongeldige bestandsnaam");
        pos = nl + 1;
        if (len > bytes.size() - pos) return fail("deel '" + p.name + "' is korter dan de opgegeven lengte");
        p.bytes = bytes.substr(pos, len);
        pos += len;
        line += 1 + static_cast<size_t>(std::count(p.bytes.begin(), p.bytes.end(), '\n'));
        out.push_back(std::move(p));
    }
    if (out.empty()) return fail("bundel bevat geen bestanden");
    return out;
}

std::string writeBundle(const std::vector<BundlePart>& files) {
    std::string out(kBundleMagic);
    for (const auto& f : files) {
        out += "part " + (f.part.empty() ? std::string("auto") : f.part) + " " +
               std::to_string(f.bytes.size()) + " " + f.name + "\n";
        out.append(f.bytes);
        out += "\n";
    }
    return out;
}

}  // namespace sluis::mapping

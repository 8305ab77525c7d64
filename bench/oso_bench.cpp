// oso_bench: dossiers per second and peak memory for OSO read, write and validate, next to the rate
// of a bare pugixml parse+serialise of the same bytes and, when an XSD is available, of
// `xmllint --noout --schema` on the same files. Every phase runs in a forked child so that its
// peak RSS is its own.
//
// Sets: full-size dossiers that Sluis writes from its own synthetic records
// (tests/oso/cases/records/*_full.json, one per profile); generated pupils (default 10,000); and,
// only when env SLUIS_OSO_OFFICIAL_DIR names the official material (the directory holding
// 2019.1/), also the official full examples. The XSD for the xmllint comparison (and for Sluis's
// optional libxml2 XSD pass) is --schema FILE, else SLUIS_OSO_OFFICIAL_DIR/2019.1/
// OSO_gegevensset.xsd; without one, Sluis validates natively and the bench says that the xmllint
// comparison was not run. Nothing here needs material outside this repository.
//
// The machine may be shared: the phases are interleaved in rounds and each counts its best round
// (see runSet), so that load from elsewhere does not favour one phase over another.
//
// usage: oso_bench [--pupils N] [--reps N] [--schema XSD] [--no-xmllint]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_validator.h"
#include "mapping/oso/oso_writer.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// Rounds per set (see runSet): each phase's rate is its best round.
constexpr size_t kRounds = 3;

struct Figure {
    double per_sec = 0;
    long peak_kb = 0;
};

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// Runs `work` (which returns the number of dossiers it processed and the seconds it took) in a
/// child process; returns its rate and its own peak RSS.
Figure inChild(const std::function<std::pair<size_t, double>()>& work) {
    int fds[2];
    if (pipe(fds) != 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        auto [n, secs] = work();
        double rate = secs > 0 ? static_cast<double>(n) / secs : 0;
        if (write(fds[1], &rate, sizeof rate) != sizeof rate) _exit(1);
        _exit(0);
    }
    close(fds[1]);
    double rate = 0;
    if (read(fds[0], &rate, sizeof rate) != sizeof rate) rate = 0;
    close(fds[0]);
    int status = 0;
    struct rusage ru {};
    wait4(pid, &status, 0, &ru);
    return {rate, ru.ru_maxrss};
}

/// Calls f(first) .. f(first + n - 1); returns n and the seconds it took. One untimed call comes
/// first, in every phase alike, so that one-time set-up in the child (the canonical model that
/// the model check loads on first use, first-touch page faults) is not counted as dossier work.
template <typename F>
std::pair<size_t, double> timed(size_t first, size_t n, F&& f) {
    if (n > 0) f(first);
    auto t0 = Clock::now();
    for (size_t i = first; i < first + n; ++i) f(i);
    return {n, std::chrono::duration<double>(Clock::now() - t0).count()};
}

/// Keeps the best rate and the highest peak of the rounds of one phase.
void keepBest(Figure& acc, const Figure& f) {
    acc.per_sec = std::max(acc.per_sec, f.per_sec);
    acc.peak_kb = std::max(acc.peak_kb, f.peak_kb);
}

struct StringWriter : pugi::xml_writer {
    std::string out;
    void write(const void* data, size_t size) override {
        out.append(static_cast<const char*>(data), size);
    }
};

std::string bsnFor(int i) {
    // A valid test BSN (elfproef) derived from i.
    for (int k = 0;; ++k) {
        int base = 100000000 + (i * 97 + k) % 800000000;
        std::string s = std::to_string(base);
        int sum = 0;
        for (int d = 0; d < 8; ++d) sum += (9 - d) * (s[static_cast<size_t>(d)] - '0');
        sum -= s[8] - '0';
        if (sum % 11 == 0 && sum != 0) return s;
    }
}

/// A generated pupil: realistic shape, varying size (schoolloopbaan, toetsresultaten, verzorgers).
json generatePupil(int i, std::mt19937& rng) {
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
    const char* names[] = {"Sanne", "Daan", "Emma", "Noah", "Julia", "Liam", "Mila", "Sem"};
    const char* last[] = {"Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer"};
    json r;
    r["school"] = {{"naam", "Basisschool De Linde"},
                   {"brincode", "12AB"},
                   {"vestigingscode", "00"},
                   {"aanleverpunt", "1"}};
    json l;
    l["voornamenlijst"] = json::array({names[pick(8)], names[pick(8)]});
    l["achternaam"] = last[pick(6)];
    l["geboortedatum"] = "2013-0" + std::to_string(1 + pick(9)) + "-1" + std::to_string(pick(9));
    l["geslacht"] = std::to_string(1 + pick(2));
    l["adresgeheim"] = pick(10) == 0;
    l["adressen"] = json::array({{{"soortadres", "gba"},
                                  {"straat", "Dorpsweg"},
                                  {"nummer", std::to_string(1 + pick(200))},
                                  {"postcode", "1234AB"},
                                  {"plaats", "Utrecht"}}});
    l["communicatie"] =
        json::array({{{"soort", "telefoon"}, {"nummer", "0301234567"}, {"geheim", pick(5) == 0}}});
    l["bsn"] = bsnFor(i);
    l["leerlingid"] = "LL" + std::to_string(i);
    r["leerling"] = l;
    r["inzage"] = {{"voorlopigdossier", false},
                   {"inzage", true},
                   {"inzagedatum", "2025-03-20"},
                   {"akkoord", "Ja"},
                   {"toestemming", "Ja"}};
    r["verzorgersaansprakelijk"] = true;
    json vz = json::array();
    for (int v = 0, n = 1 + pick(2); v < n; ++v)
        vz.push_back({{"achternaam", last[pick(6)]},
                      {"gezag", true},
                      {"communicatie",
                       json::array({{{"soort", "e-mail"}, {"nummer", "ouder@example.nl"}}})}});
    r["verzorgers"] = vz;
    json lb = json::array();
    for (int y = 0, n = 1 + pick(8); y < n; ++y)
        lb.push_back({{"schooljaar", std::to_string(2017 + y) + "-" + std::to_string(2018 + y)},
                      {"groepscode", std::to_string(1 + y) + "A"},
                      {"jaargroep", std::to_string(1 + y)},
                      {"brincode", "12AB"},
                      {"vestigingscode", "00"}});
    r["schoolloopbaan"] = lb;
    r["overstapadvies"] = {{"advies", json::array({"40"})}, {"argumentatie", "Werkt zelfstandig."}};
    json toetsen = json::array();
    for (int t = 0, n = pick(12); t < n; ++t)
        toetsen.push_back(
            {{"toetsidentificatie", {{"eldtoetscode", "CITO-REK-" + std::to_string(t)}}},
             {"afname", {{"afnamedatum", "2024-01-15"}, {"dl", 10 + pick(50)}}},
             {"resultaat",
              {{"toetsscore", {{"vaardigheidsscore", std::to_string(100 + pick(100))}}}}}});
    if (!toetsen.empty()) r["toetsresultaten"] = toetsen;
    r["metadata"] = {{"pakketnaam", "Sluis"},
                     {"pakketversie", "1"},
                     {"datum", "2025-03-21"},
                     {"deeldossier", "LAS"}};
    return r;
}

void row(const char* what, const Figure& f, double ref_rate, const char* ref_name) {
    std::printf("  %-34s %10.1f dossiers/s  peak %7.1f MiB", what, f.per_sec,
                static_cast<double>(f.peak_kb) / 1024.0);
    if (ref_rate > 0) std::printf("  (%.2fx %s)", f.per_sec / ref_rate, ref_name);
    std::printf("\n");
}

double xmllintSeconds(const std::string& schema, const std::vector<fs::path>& files) {
    std::string cmd = "xmllint --noout --schema '" + schema + "'";
    for (const auto& f : files) cmd += " '" + f.string() + "'";
    cmd += " >/dev/null 2>&1";
    auto t0 = Clock::now();
    if (std::system(cmd.c_str()) == -1) return -1;
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// xmllint's per-dossier rate: each process validates a batch of files (at most 500, to stay
/// within the command-line limit), and the cost of a process that validates a single file
/// (start-up and schema parsing, which Sluis also does once and excludes from its timing) is
/// subtracted per batch.
double xmllintRate(const std::string& schema, const std::vector<fs::path>& files, int reps) {
    std::vector<fs::path> all;
    for (int r = 0; r < reps; ++r) all.insert(all.end(), files.begin(), files.end());
    double one = xmllintSeconds(schema, {files[0]});
    if (one < 0) return 0;
    double secs = 0;
    size_t counted = 0;
    for (size_t i = 0; i < all.size(); i += 500) {
        std::vector<fs::path> batch(all.begin() + static_cast<long>(i),
                                    all.begin() + static_cast<long>(std::min(all.size(), i + 500)));
        double t = xmllintSeconds(schema, batch);
        if (t < 0) return 0;
        secs += t - one;
        counted += batch.size() - 1;
    }
    return secs > 0 ? static_cast<double>(counted) / secs : 0;
}

struct Set {
    std::string name;
    std::vector<std::string> xml;       ///< Dossiers.
    std::vector<json> records;          ///< Their canonical records.
    std::vector<std::string> profiles;  ///< The profile each dossier is written with.
    std::vector<fs::path> files;        ///< The same dossiers on disk (for xmllint).

    void add(std::string x, json record, std::string profile, const fs::path& file) {
        std::ofstream(file, std::ios::binary) << x;
        xml.push_back(std::move(x));
        records.push_back(std::move(record));
        profiles.push_back(std::move(profile));
        files.push_back(file);
    }
};

void runSet(const Set& set, const sluis::oso::Standard& standard,
            std::shared_ptr<const sluis::oso::Standard> sp, const std::string& schema, int reps,
            bool with_xmllint) {
    size_t n = set.xml.size();
    if (n == 0) {
        std::printf("\n%s: no dossiers, skipped\n", set.name.c_str());
        return;
    }
    size_t bytes = 0;
    for (const auto& x : set.xml) bytes += x.size();
    std::printf("\n%s: %zu dossiers, average %.1f KB, %d repetition(s)\n", set.name.c_str(), n,
                static_cast<double>(bytes) / static_cast<double>(n) / 1024.0, reps);
    size_t total = n * static_cast<size_t>(reps);

    // The phases run one after another, so on a shared machine a burst of other load during one
    // phase (say the bare parse) would flip the ratios. The work is therefore split into rounds
    // that interleave the phases (bare, read, ..., bare, read, ...), and each phase counts its
    // best round: every phase gets the same chance of a quiet moment, none is favoured.
    Figure base = inChild([&] { return std::pair<size_t, double>{0, 0.0}; });
    Figure bare, rd, rdm, wr, va;
    const size_t rounds = std::min<size_t>(kRounds, total);
    for (size_t r = 0; r < rounds; ++r) {
        const size_t first = r * (total / rounds);
        const size_t count = r + 1 == rounds ? total - first : total / rounds;
        keepBest(bare, inChild([&] {
                     return timed(first, count, [&](size_t i) {
                         pugi::xml_document doc;
                         const std::string& x = set.xml[i % n];
                         doc.load_buffer(x.data(), x.size());
                         StringWriter w;
                         doc.save(w, "  ");
                     });
                 }));
        keepBest(rd, inChild([&] {
                     sluis::oso::ReadOptions o;
                     o.validate_model = false;
                     return timed(first, count, [&](size_t i) {
                         (void)sluis::oso::readDossier(set.xml[i % n], standard, o);
                     });
                 }));
        keepBest(rdm, inChild([&] {
                     return timed(first, count, [&](size_t i) {
                         (void)sluis::oso::readDossier(set.xml[i % n], standard);
                     });
                 }));
        keepBest(wr, inChild([&] {
                     std::vector<sluis::oso::WriteOptions> o(n);
                     for (size_t i = 0; i < n; ++i) o[i].profile = set.profiles[i];
                     return timed(first, count, [&](size_t i) {
                         (void)sluis::oso::writeDossier(set.records[i % n], standard, o[i % n]);
                     });
                 }));
        keepBest(va, inChild([&] {
                     sluis::oso::Validator v(sp, sluis::oso::ValidatorOptions{schema});
                     // Load the schema outside the timing, as xmllint does once.
                     (void)v.validate(set.xml[0]);
                     return timed(first, count,
                                  [&](size_t i) { (void)v.validate(set.xml[i % n]); });
                 }));
    }
    std::printf("  %-34s %10s               peak %7.1f MiB\n", "baseline (inputs in memory)", "",
                static_cast<double>(base.peak_kb) / 1024.0);
    row("bare pugixml parse+serialise", bare, 0, "");
    row("read (OSO -> canonical)", rd, bare.per_sec, "bare; target >= 0.33x");
    row("read + canonical model check", rdm, bare.per_sec, "bare");
    row("write (canonical -> OSO)", wr, bare.per_sec, "bare; target >= 0.33x");
    const char* what = schema.empty() ? "validate (native: structure + rules)"
                                      : "validate (XSD + business rules)";
    if (with_xmllint && !schema.empty()) {
        double lint = xmllintRate(schema, set.files, reps);
        std::printf("  %-34s %10.1f dossiers/s\n", "xmllint --noout --schema", lint);
        row(what, va, lint, "xmllint; target >= 0.67x");
    } else {
        row(what, va, 0, "");
        std::printf("  (xmllint comparison not run: %s)\n",
                    schema.empty() ? "no XSD; give --schema or set SLUIS_OSO_OFFICIAL_DIR"
                                   : "--no-xmllint");
    }
}

}  // namespace

int main(int argc, char** argv) {
    int pupils = 10000, reps = 3;
    bool with_xmllint = true;
    std::string schema;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--pupils" && i + 1 < argc)
            pupils = std::atoi(argv[++i]);
        else if (a == "--reps" && i + 1 < argc)
            reps = std::atoi(argv[++i]);
        else if (a == "--schema" && i + 1 < argc)
            schema = argv[++i];
        else if (a == "--no-xmllint")
            with_xmllint = false;
        else {
            std::fprintf(
                stderr, "usage: oso_bench [--pupils N] [--reps N] [--schema XSD] [--no-xmllint]\n");
            return 2;
        }
    }
    auto got = sluis::oso::Standard::get("2019.1");
    if (!got) {
        std::fprintf(stderr, "OSO standard 2019.1 not available: %s\n", got.error().message.c_str());
        return 2;
    }
    auto sp = *got;
    const char* official_env = std::getenv("SLUIS_OSO_OFFICIAL_DIR");
    fs::path official = official_env && *official_env ? fs::path(official_env) / "2019.1" : fs::path();
    if (!official.empty() && !fs::is_directory(official)) {
        std::fprintf(stderr, "SLUIS_OSO_OFFICIAL_DIR: %s not found; official set skipped\n",
                     official.string().c_str());
        official.clear();
    }
    if (schema.empty() && !official.empty() && fs::exists(official / "OSO_gegevensset.xsd"))
        schema = (official / "OSO_gegevensset.xsd").string();
    if (!schema.empty() && !fs::exists(schema)) {
        std::fprintf(stderr, "%s not found\n", schema.c_str());
        return 2;
    }
    std::printf("schema: %s\n", schema.empty() ? "none (native structure validation; no xmllint)"
                                               : schema.c_str());
    fs::path tmp = fs::temp_directory_path() / ("oso_bench_" + std::to_string(getpid()));
    fs::create_directories(tmp);

    // Full-size dossiers from our own records, each written with its own profile.
    Set full{"Sluis full-size dossiers (synthetic records)", {}, {}, {}, {}};
    fs::path records = fs::path(SLUIS_SOURCE_DIR) / "tests" / "oso" / "cases" / "records";
    for (const char* p : {"POPO", "POVO", "VOVO", "BB", "POSWV", "VOSWV"}) {
        std::string lower = p;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        fs::path f = records / (lower + "_full.json");
        json r = json::parse(readFile(f), nullptr, false);
        if (r.is_discarded()) {
            std::fprintf(stderr, "%s: not readable JSON, skipped\n", f.string().c_str());
            continue;
        }
        sluis::oso::WriteOptions o;
        o.profile = p;
        auto w = sluis::oso::writeDossier(r, *sp, o);
        if (!w) {
            std::fprintf(stderr, "%s as %s: not written (%s), skipped\n", f.string().c_str(), p,
                         w.error().message.c_str());
            continue;
        }
        full.add(w->xml, std::move(r), p, tmp / ("full_" + lower + ".xml"));
    }
    runSet(full, *sp, sp, schema, reps * 30, with_xmllint);

    if (!official.empty()) {
        Set off{"Official full examples (SLUIS_OSO_OFFICIAL_DIR)", {}, {}, {}, {}};
        std::vector<fs::path> ex;
        for (const auto& e : fs::directory_iterator(official / "examples"))
            if (e.path().filename().string().find("_full.xml") != std::string::npos)
                ex.push_back(e.path());
        std::sort(ex.begin(), ex.end());
        for (const auto& f : ex) {
            std::string x = readFile(f);
            auto r = sluis::oso::readDossier(x, *sp);
            if (!r) {
                std::fprintf(stderr, "%s: not read (%s), skipped\n", f.filename().c_str(),
                             r.error().message.c_str());
                continue;
            }
            std::string profile = r->record.value(json::json_pointer("/metadata/overstap"), std::string());
            if (r->record.value("overdrachtsoort", std::string()) == "overdrachtbinnenbrin") profile = "BB";
            if (profile.empty()) profile = "POVO";
            off.add(std::move(x), std::move(r->record), profile,
                    tmp / ("official_" + f.filename().string()));
        }
        runSet(off, *sp, sp, schema, reps * 30, with_xmllint);
    } else {
        std::printf("\nOfficial full examples: not run (set SLUIS_OSO_OFFICIAL_DIR)\n");
    }

    Set gen{"Generated pupils", {}, {}, {}, {}};
    std::mt19937 rng(42);
    sluis::oso::WriteOptions o;
    o.profile = "POVO";
    size_t refused = 0;
    for (int i = 0; i < pupils; ++i) {
        json r = generatePupil(i, rng);
        auto w = sluis::oso::writeDossier(r, *sp, o);
        if (!w) {
            ++refused;
            continue;
        }
        gen.add(w->xml, std::move(r), "POVO", tmp / ("pupil_" + std::to_string(i) + ".xml"));
    }
    if (refused) std::printf("\n%zu generated pupils not written (refused by the writer)\n", refused);
    runSet(gen, *sp, sp, schema, 1, with_xmllint);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    return 0;
}

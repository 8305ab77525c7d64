#include "mapping/magister/mapping_cli.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <type_traits>

#include "core/util/text.h"
#include "mapping/magister/demo_generator.h"
#include "mapping/magister/magister_import.h"
#include "core/util/json.h"

namespace sluis::mapping {

using nlohmann::json;

namespace {

/// The wrong number of operands for `sluis <path>`: exit 2, pointing at its --help.
int usageError(const std::string& path) {
    std::cerr << "verkeerde argumenten voor 'sluis " << path << "'; zie 'sluis " << path << " --help'\n";
    return 2;
}

const char* const kInputNote =
    "MAPPING is een bestand of 'magister' (de meegeleverde mapping).\n"
    "INVOER is een pad, of DEEL=pad om het deel (leerlingen, ouders, ...) zelf te noemen.";

Result<std::shared_ptr<const Mapping>> mappingArg(const std::string& arg) {
    if ((arg == "magister" || arg == "builtin:magister") && !std::filesystem::exists(arg))
        return builtinMagisterMapping();
    return loadMappingFile(arg);
}

ExportFile inputArg(const std::string& arg) {
    size_t eq = arg.find('=');
    if (eq != std::string::npos && eq > 0 && arg.find('/') > eq)
        return ExportFile::fromPath(arg.substr(eq + 1), arg.substr(0, eq));
    return ExportFile::fromPath(arg);
}

struct Flags {
    std::vector<std::string> positional;
    size_t rows = 3;
    std::string school, brin, out, school_json;
    bool bundle = false;
    size_t pupils = 30;
    uint64_t seed = 1;
    size_t grades = 12;
    std::string error;
};

/// Parses `args` by `spec` into Flags (numbers checked); `f.error` names what is wrong.
Flags parseFlags(const cli::Spec& spec, const std::vector<std::string>& args) {
    Flags f;
    auto p = cli::parse(spec, args);
    if (!p) {
        f.error = p.error().message;
        return f;
    }
    f.positional = p->positional;
    auto number = [&](const char* key, auto& out) {
        if (!p->has(key)) return;
        const std::string v = p->get(key);
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 18) {
            if (f.error.empty()) f.error = std::string("--") + key + " verwacht een getal";
            return;
        }
        out = static_cast<std::remove_reference_t<decltype(out)>>(std::stoull(v));
    };
    number("rows", f.rows);
    number("pupils", f.pupils);
    number("seed", f.seed);
    number("grades", f.grades);
    f.school = p->get("school");
    f.brin = p->get("brin");
    f.school_json = p->get("school-json");
    f.out = p->get("out");
    f.bundle = p->flag("bundle");
    return f;
}

/// The canonical `school` for an import: --school-json (the whole object, e.g. with adressen and
/// communicatie, which an OSO dossier needs), with --school/--brin over naam/brincode.
Result<json> schoolFrom(const Flags& f, bool for_try) {
    json school;
    if (!f.school_json.empty()) {
        std::ifstream in(f.school_json, std::ios::binary);
        if (!in) return Error{ErrorCode::kInvalidArgument, f.school_json + ": niet leesbaar"};
        std::ostringstream ss;
        ss << in.rdbuf();
        school = util::parseJsonOrDiscarded(ss.str());
        if (school.is_discarded() || !school.is_object())
            return Error{ErrorCode::kInvalidArgument,
                         f.school_json + ": verwacht een JSON-object met de schoolgegevens (naam, "
                                         "brincode, vestigingscode, adressen, communicatie)"};
    }
    if (!f.school.empty()) school["naam"] = f.school;
    if (!f.brin.empty()) school["brincode"] = f.brin;
    if (school.is_object() && !school.contains("naam")) school["naam"] = "(onbekend)";
    if (school.is_null() && for_try)
        return json{{"naam", "Proefschool (sluis mapping try)"}, {"brincode", "99XX"}};
    return school;
}

char sepName(char c) { return c == '\t' ? 't' : c; }

int cmdCheck(const Flags& f) {
    if (f.positional.empty()) return usageError("mapping check");
    int rc = 0;
    for (const auto& path : f.positional) {
        auto m = mappingArg(path);
        if (!m.isOk()) {
            std::cerr << m.error().message << "\n";
            rc = 1;
            continue;
        }
        size_t fields = 0;
        for (const auto& p : (*m)->parts) fields += p.fields.size();
        std::cout << path << ": in orde (" << (*m)->parts.size() << " delen, " << fields << " velden)\n";
        for (const auto& p : (*m)->parts) {
            std::cout << "  " << p.name << (p.into.empty() ? " (hoofdbestand)" : " -> " + p.into)
                      << ": " << p.fields.size() << " velden";
            std::string nonrev;
            for (const auto& fm : p.fields)
                for (const auto& t : fm.transforms)
                    if (!t.reversible()) nonrev += (nonrev.empty() ? "" : ", ") + fm.target.text + " (" + t.name() + ")";
            if (!nonrev.empty()) std::cout << "; niet omkeerbaar: " << nonrev;
            std::cout << "\n";
        }
    }
    return rc;
}

int cmdTry(const Flags& f, bool import_all) {
    if (f.positional.size() < 2) return usageError(import_all ? "mapping import" : "mapping try");
    auto m = mappingArg(f.positional[0]);
    if (!m.isOk()) {
        std::cerr << m.error().message << "\n";
        return 1;
    }
    std::vector<ExportFile> files;
    for (size_t i = 1; i < f.positional.size(); ++i) files.push_back(inputArg(f.positional[i]));
    ImportOptions opts;
    auto school = schoolFrom(f, !import_all);
    if (!school.isOk()) {
        std::cerr << school.error().message << "\n";
        return 2;
    }
    opts.school = std::move(*school);
    ImportReport report;
    if (import_all) {
        auto batch = importMagisterExport(files, **m, opts, &report);
        for (const auto& w : report.warnings) std::cerr << "waarschuwing: " << w << "\n";
        if (!batch.isOk()) {
            std::cerr << batch.error().message << "\n";
            return 1;
        }
        std::ofstream file;
        std::ostream* out = &std::cout;
        if (!f.out.empty()) {
            file.open(f.out, std::ios::binary);
            if (!file) {
                std::cerr << f.out << ": kan niet schrijven\n";
                return 3;
            }
            out = &file;
        }
        for (const auto& r : batch->records) *out << r.dump() << "\n";
        std::cerr << batch->records.size() << " leerling(en) geïmporteerd\n";
        return 0;
    }
    std::vector<json> shown;
    auto st = importMagisterStream(
        files, **m, opts,
        [&](json&& r) {
            if (shown.size() < f.rows) shown.push_back(std::move(r));
            return Status{};
        },
        &report);
    if (opts.school.value("brincode", "") == "99XX")
        std::cout << "(geen --school/--brin opgegeven: proefschool 99XX gebruikt)\n";
    for (const auto& file : report.files) {
        std::cout << file.name << ": deel '" << file.part << "', " << file.encoding
                  << ", scheidingsteken '" << sepName(file.separator) << "', " << file.rows << " regels\n";
        if (file.unused_columns.empty()) {
            std::cout << "  alle kolommen gebruikt\n";
        } else {
            std::cout << "  niet gebruikte kolommen:";
            for (const auto& u : file.unused_columns) std::cout << " '" << u << "'";
            std::cout << "\n";
        }
    }
    for (size_t i = 0; i < shown.size(); ++i)
        std::cout << "--- leerling " << (i + 1) << " ---\n" << shown[i].dump(2) << "\n";
    for (const auto& w : report.warnings)
        if (w.find("wordt niet gebruikt") == std::string::npos) std::cout << "waarschuwing: " << w << "\n";
    if (!st.isOk()) {
        std::cout << st.message() << "\n";
        return 1;
    }
    std::cout << report.pupils << " leerling(en) zonder fouten\n";
    return 0;
}

int cmdReverse(const Flags& f) {
    if (f.positional.size() != 3) return usageError("mapping reverse");
    auto m = mappingArg(f.positional[0]);
    if (!m.isOk()) {
        std::cerr << m.error().message << "\n";
        return 1;
    }
    const Part* part = (*m)->part(f.positional[1]);
    if (!part) {
        std::cerr << "onbekend deel '" << f.positional[1] << "'\n";
        return 2;
    }
    std::ifstream in(f.positional[2], std::ios::binary);
    if (!in) {
        std::cerr << f.positional[2] << ": niet leesbaar\n";
        return 2;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    json record;
    try {
        record = util::parseJson(ss.str(), "record");
    } catch (const util::JsonTooDeep& e) {
        std::cerr << f.positional[2] << ": " << e.what() << "\n";
        return 1;
    } catch (const json::parse_error&) {
        std::cerr << f.positional[2] << ": geen geldige JSON\n";
        return 1;
    }
    auto issues = model::ModelDefinition::builtin()->validate(record);
    if (!issues.empty()) {
        for (const auto& is : issues) std::cerr << f.positional[2] << ": " << is.path << ": " << is.message << "\n";
        return 1;
    }
    auto t = reversePart(*part, record, record["leerling"]["leerlingid"].get<std::string>());
    if (!t.isOk()) {
        std::cerr << t.error().message << "\n";
        return 1;
    }
    std::cout << writeCsv(*t);
    return 0;
}

int cmdBundle(const Flags& f) {
    if (f.positional.size() < 2) return usageError("mapping bundle");
    std::vector<std::string> contents;
    std::vector<std::pair<std::string, std::string>> names;  // part, file name
    for (size_t i = 1; i < f.positional.size(); ++i) {
        std::string arg = f.positional[i], part;
        size_t eq = arg.find('=');
        if (eq != std::string::npos && eq > 0 && arg.find('/') > eq) {
            part = arg.substr(0, eq);
            arg = arg.substr(eq + 1);
        }
        std::ifstream in(arg, std::ios::binary);
        if (!in) {
            std::cerr << arg << ": niet leesbaar\n";
            return 2;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        contents.push_back(ss.str());
        names.emplace_back(part, std::filesystem::path(arg).filename().string());
    }
    std::vector<BundlePart> parts;
    for (size_t i = 0; i < contents.size(); ++i) parts.push_back({names[i].first, names[i].second, contents[i]});
    std::ofstream out(f.positional[0], std::ios::binary);
    out << writeBundle(parts);
    if (!out) {
        std::cerr << f.positional[0] << ": kan niet schrijven\n";
        return 3;
    }
    std::cout << f.positional[0] << ": " << parts.size() << " bestand(en) gebundeld\n";
    return 0;
}

}  // namespace

const cli::Spec& mappingCliSpec() {
    static const std::vector<cli::Option> school = {
        {"school", "NAAM", "de naam van de school"},
        {"brin", "CODE", "de brincode van de school"},
        {"school-json", "BESTAND", "de hele school (naam, brincode, vestigingscode, adressen, communicatie), "
                                   "zoals school.json van 'sluis demo generate-magister'"}};
    static const cli::Spec spec{
        "mapping", "declaratieve mappings van een leerlingadministratie-export naar het canonieke model", "", {},
        kInputNote,
        {{"mapping check", "controleert mappingbestanden en toont elke fout met haar plek", "MAPPING...", {}},
         {"mapping try", "toont het canonieke resultaat van de eerste leerlingen en elke kolom die de mapping niet gebruikt",
          "MAPPING INVOER...", cli::join({{"rows", "N", "zoveel leerlingen tonen (standaard 3)"}}, school), kInputNote},
         {"mapping import", "importeert een hele export (alles of niets) naar canonieke JSONL", "MAPPING INVOER...",
          cli::join(school, {{"out", "BESTAND.jsonl", "schrijf naar dit bestand (anders stdout)"}}),
          "--school met --brin, of --school-json, is verplicht.\n" + std::string(kInputNote)},
         {"mapping reverse", "zet een canoniek dossier terug naar CSV voor één deel (bijvoorbeeld ouders)",
          "MAPPING DEEL DOSSIER.json", {}},
         {"mapping bundle", "bundelt de bestanden van één export tot één invoer voor de decoder magister-csv",
          "UIT.bundle INVOER...", {}, kInputNote}}};
    return spec;
}

const cli::Spec& demoCliSpec() {
    static const cli::Spec spec{
        "demo", "verzonnen demogegevens maken", "", {}, "",
        {{"demo generate-magister",
          "schrijft een verzonnen Magister-achtige export van groep 8 en school.json; dezelfde seed geeft "
          "dezelfde bestanden",
          "MAP",
          {{"pupils", "N", "het aantal leerlingen (standaard 30)"},
           {"seed", "N", "het startgetal van de toevalsgenerator (standaard 1)"},
           {"grades", "N", "cijfers per leerling (standaard 12)"},
           {"brin", "CODE", "de brincode van de verzonnen school"},
           {"bundle", "", "schrijf ook één bundelbestand voor de decoder magister-csv"}}}}};
    return spec;
}

int runMappingCommand(const std::vector<std::string>& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(mappingCliSpec(), sub);
    if (!spec) {
        std::cerr << "sluis: " << cli::unknownSub(mappingCliSpec(), sub).message << "\n";
        return 2;
    }
    Flags f = parseFlags(*spec, std::vector<std::string>(args.begin() + 1, args.end()));
    if (!f.error.empty()) {
        std::cerr << "sluis: " << f.error << "\n";
        return 2;
    }
    if (sub == "check") return cmdCheck(f);
    if (sub == "try") return cmdTry(f, false);
    if (sub == "import") return cmdTry(f, true);
    if (sub == "reverse") return cmdReverse(f);
    return cmdBundle(f);
}

int runDemoCommand(const std::vector<std::string>& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(demoCliSpec(), sub);
    if (!spec) {
        std::cerr << "sluis: " << cli::unknownSub(demoCliSpec(), sub).message << "\n";
        return 2;
    }
    Flags f = parseFlags(*spec, std::vector<std::string>(args.begin() + 1, args.end()));
    if (!f.error.empty()) {
        std::cerr << "sluis: " << f.error << "\n";
        return 2;
    }
    if (f.positional.size() != 1) return usageError("demo generate-magister");
    DemoOptions o;
    o.pupils = f.pupils;
    o.seed = f.seed;
    o.grades_per_pupil = f.grades;
    o.bundle = f.bundle;
    if (!f.brin.empty()) o.brin = f.brin;
    DemoSummary sum;
    auto st = generateMagisterExport(f.positional[0], o, &sum);
    if (!st.isOk()) {
        std::cerr << st.message() << "\n";
        return exitCode(st.code());
    }
    std::cout << sum.pupils << " leerlingen, " << sum.guardians << " ouders/verzorgers, "
              << sum.grades << " cijfers, " << sum.adviezen << " overstapadviezen, " << sum.absences
              << " absenties, " << sum.plan_goals << " handelingsplandoelen geschreven:\n";
    for (const auto& p : sum.files) std::cout << "  " << p.string() << "\n";
    return 0;
}

}  // namespace sluis::mapping

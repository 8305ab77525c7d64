#include "mapping/vensters/vensters_cli.h"

#include <unistd.h>

#include <iostream>
#include <map>
#include <set>

#include "core/util/fs.h"
#include "mapping/vensters/render_pdf.h"
#include "mapping/vensters/vensters_mapper.h"

namespace sluis::vensters {

namespace {

int usage(const std::string& problem) {
    if (!problem.empty()) std::cerr << "sluis vensters: " << problem << "\n";
    std::cerr << "zie 'sluis vensters --help'\n";
    return 2;
}

int fail(const Error& e) {
    std::cerr << e.message << "\n";
    return exitCode(e.code);
}

/// Parses `args` (from index `from`) by the sub-command `name`'s spec into "--key" -> value.
bool parseFlags(const std::vector<std::string>& args, size_t from, const std::string& name,
                std::map<std::string, std::string>& out, std::string& problem) {
    const cli::Spec* spec = cli::findSub(venstersCliSpec(), name);
    auto p = cli::parse(*spec, std::vector<std::string>(args.begin() + static_cast<long>(from), args.end()));
    if (!p) {
        problem = p.error().message;
        return false;
    }
    for (const auto& [k, v] : p->values) out["--" + k] = v;
    return true;
}

Result<std::string> readInput(const std::string& path) { return util::readFile(path, 256u << 20); }

/// Fills a ReportInput from the flags (reads the files).
Result<ReportInput> inputFrom(std::map<std::string, std::string>& f,
                              std::optional<IndicatorSet>& custom) {
    ReportInput in;
    for (const char* k : {"--survey", "--enrolment"})
        if (!f.count(k)) return Error{ErrorCode::kInvalidArgument, std::string(k) + " ontbreekt"};
    auto survey = readInput(f["--survey"]);
    if (!survey) return survey.error();
    auto enrolment = readInput(f["--enrolment"]);
    if (!enrolment) return enrolment.error();
    in.survey = std::move(*survey);
    in.survey_name = std::filesystem::path(f["--survey"]).filename().string();
    in.enrolment = std::move(*enrolment);
    in.enrolment_name = std::filesystem::path(f["--enrolment"]).filename().string();
    if (f.count("--schools")) {
        auto schools = readInput(f["--schools"]);
        if (!schools) return schools.error();
        in.schools = std::move(*schools);
        in.schools_name = std::filesystem::path(f["--schools"]).filename().string();
    }
    if (f.count("--indicators")) {
        auto set = loadIndicatorSet(f["--indicators"]);
        if (!set) return set.error();
        custom = std::move(*set);
        in.indicator_set = &*custom;
    }
    return in;
}

int cmdReport(const std::vector<std::string>& args) {
    std::map<std::string, std::string> f;
    std::string problem;
    if (!parseFlags(args, 1, "report", f, problem))
        return usage(problem);
    if (!f.count("--level")) return usage("--level ontbreekt (school of onderwijssoort)");
    auto level = parseLevel(f["--level"]);
    if (!level) return usage("--level moet school of onderwijssoort zijn");
    std::string format = f.count("--format") ? f["--format"] : "html";
    if (format != "html" && format != "json" && format != "pdf")
        return usage("--format moet html, json of pdf zijn");
    if (format == "pdf" && !f.count("--output") && isatty(STDOUT_FILENO))
        return usage(
            "--format pdf geeft binaire uitvoer: gebruik --output F of stuur de uitvoer "
            "naar een bestand");
    int min_cell = kDefaultMinCell;
    if (f.count("--min-cell")) {
        const std::string& v = f["--min-cell"];
        if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(v) < 1)
            return usage("--min-cell verwacht een geheel getal van minstens 1");
        min_cell = std::stoi(v);
    }
    std::optional<IndicatorSet> custom;
    auto in = inputFrom(f, custom);
    if (!in) {
        if (in.error().code == ErrorCode::kInvalidArgument) return usage(in.error().message);
        return fail(in.error());
    }
    in->options.level = *level;
    in->options.min_cell = min_cell;
    if (f.count("--schooljaar")) in->options.schooljaar = f["--schooljaar"];
    auto report = buildReport(*in);
    if (!report) return fail(report.error());
    nlohmann::json doc = std::move(*report);
    if (f.count("--school")) {
        auto one = selectSchool(doc, f["--school"]);
        if (!one) return fail(one.error());
        doc = std::move(*one);
    }
    std::string out = format == "json"  ? renderJson(doc)
                      : format == "pdf" ? renderPdf(doc)
                                        : renderHtml(doc);
    if (f.count("--output")) {
        auto st = util::writeFileAtomic(f["--output"], out, 0640);
        if (!st) return fail(st.error());
    } else {
        std::cout << out << std::flush;
    }
    std::cerr << "rapport: " << doc["scholen"].size() << " school/scholen, niveau "
              << levelName(*level) << ", " << countSuppressed(doc["scholen"])
              << " cellen onderdrukt (minimum " << min_cell << ")\n"
              << "sha256 levering (json): " << reportSha256(doc) << "\n";
    if (format != "json")
        std::cerr << "sha256 deze uitvoer (" << format << "): " << util::sha256Hex(out) << "\n";
    return 0;
}

int cmdCheck(const std::vector<std::string>& args) {
    std::map<std::string, std::string> f;
    std::string problem;
    if (!parseFlags(args, 1, "check", f, problem))
        return usage(problem);
    std::optional<IndicatorSet> custom;
    auto in = inputFrom(f, custom);
    if (!in) {
        if (in.error().code == ErrorCode::kInvalidArgument) return usage(in.error().message);
        return fail(in.error());
    }
    const IndicatorSet& set = in->indicator_set ? *in->indicator_set : builtinIndicatorSet();
    std::optional<std::vector<SchoolRef>> schools;
    if (in->schools) {
        auto s = parseSchoolList(*in->schools, in->schools_name);
        if (!s) return fail(s.error());
        schools = std::move(*s);
    }
    auto enrolment =
        parseEnrolment(in->enrolment, in->enrolment_name, set, schools ? &*schools : nullptr);
    if (!enrolment) return fail(enrolment.error());
    auto survey = parseSurvey(in->survey, in->survey_name, set, enrolment->schools);
    if (!survey) return fail(survey.error());
    // Consistency between the files is part of computing; do it without printing anything.
    auto report = computeReport(set, *enrolment, *survey, ReportOptions{});
    if (!report) return fail(report.error());
    std::cout << in->survey_name << ": " << survey->respondents.size() << " respondenten\n"
              << in->enrolment_name << ": " << enrolment->cells.size() << " regels, "
              << enrolment->schools.size() << " scholen\n"
              << "in orde\n";
    return 0;
}

int cmdIndicators(const std::vector<std::string>& args) {
    std::map<std::string, std::string> f;
    std::string problem;
    if (!parseFlags(args, 1, "indicators", f, problem)) return usage(problem);
    if (f.count("--indicators")) {
        auto text = util::readFile(f["--indicators"], 4u << 20);
        if (!text) return fail(text.error());
        auto set = parseIndicatorSet(*text, f["--indicators"]);
        if (!set) return fail(set.error());
        std::cout << *text;
        return 0;
    }
    std::cout << builtinIndicatorSetJson();
    return 0;
}

}  // namespace

const cli::Spec& venstersCliSpec() {
    static const std::vector<cli::Option> files = {
        {"survey", "BESTAND", "de antwoorden van de vragenlijst (verplicht)"},
        {"enrolment", "BESTAND", "de leerlingaantallen per school (verplicht)"},
        {"schools", "BESTAND", "de lijst van scholen"},
        {"indicators", "BESTAND", "een eigen indicatorenset (anders de ingebouwde)"}};
    static const cli::Spec spec{
        "vensters", "Monitor Sociale Veiligheid (Vensters): rapport, controle, indicatoren en de stand per school",
        "", {}, "",
        {{"vensters report",
          "maakt het rapport (alle scholen, of één met --school) op stdout of in een bestand; SHA-256 en het "
          "aantal onderdrukte cellen op stderr",
          "",
          cli::join(files, {{"level", "NIVEAU", "school of onderwijssoort (verplicht)"},
                            {"min-cell", "N", "kleinste getoonde groep (cellen met minder worden onderdrukt)"},
                            {"format", "VORM", "html, json of pdf (standaard html)"},
                            {"school", "BRINVEST", "alleen deze school"},
                            {"schooljaar", "J", "het schooljaar in het rapport"},
                            {"output", "BESTAND", "schrijf hierheen (in één keer) in plaats van naar stdout"}}),
          "exit 0: in orde; 1: de bestanden breken de regels; 2: gebruik of misvormde bestanden;\n"
          "3: een bestand is niet te lezen. Bij een fout wordt niets geschreven."},
         {"vensters check", "leest de bestanden streng en meldt wat erin staat (alleen aantallen)", "", files},
         {"vensters indicators", "toont de indicatorenset (vragen, schalen, indicatoren) als JSON", "",
          {{"indicators", "BESTAND", "een eigen indicatorenset (anders de ingebouwde)"}}}}};
    return spec;
}

int runVenstersCli(const std::vector<std::string>& args) {
    if (args.empty()) return usage("verwacht een opdracht");
    if (args[0] == "report") return cmdReport(args);
    if (args[0] == "check") return cmdCheck(args);
    if (args[0] == "indicators") return cmdIndicators(args);
    return usage("onbekende opdracht " + args[0]);
}

}  // namespace sluis::vensters

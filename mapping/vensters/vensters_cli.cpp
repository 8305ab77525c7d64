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

constexpr const char* kUsage =
    "gebruik:\n"
    "  sluis vensters report --survey F --enrolment F --level school|onderwijssoort\n"
    "                        [--min-cell N] [--format html|json|pdf] [--schools F]\n"
    "                        [--indicators F] [--school BRINVEST] [--schooljaar J] [--output F]\n"
    "  sluis vensters check --survey F --enrolment F [--schools F] [--indicators F]\n"
    "  sluis vensters indicators [--indicators F]\n";

int usage(const std::string& problem) {
    if (!problem.empty()) std::cerr << "sluis vensters: " << problem << "\n";
    std::cerr << kUsage;
    return 2;
}

int fail(const Error& e) {
    std::cerr << e.message << "\n";
    return exitCode(e.code);
}

/// --key value pairs; every key must be in `allowed`.
bool parseFlags(const std::vector<std::string>& args, size_t from,
                const std::set<std::string>& allowed, std::map<std::string, std::string>& out,
                std::string& problem) {
    for (size_t i = from; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!allowed.count(a)) {
            problem = "onbekende optie " + a;
            return false;
        }
        if (i + 1 >= args.size()) {
            problem = a + " verwacht een waarde";
            return false;
        }
        if (out.count(a)) {
            problem = a + " staat er twee keer";
            return false;
        }
        out[a] = args[++i];
    }
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
    if (!parseFlags(args, 1,
                    {"--survey", "--enrolment", "--level", "--min-cell", "--format", "--schools",
                     "--indicators", "--school", "--schooljaar", "--output"},
                    f, problem))
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
    if (!parseFlags(args, 1, {"--survey", "--enrolment", "--schools", "--indicators"}, f, problem))
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
    if (!parseFlags(args, 1, {"--indicators"}, f, problem)) return usage(problem);
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

int runVenstersCli(const std::vector<std::string>& args) {
    if (args.empty()) return usage("");
    if (args[0] == "report") return cmdReport(args);
    if (args[0] == "check") return cmdCheck(args);
    if (args[0] == "indicators") return cmdIndicators(args);
    if (args[0] == "help" || args[0] == "--help") {
        std::cout << kUsage;
        return 0;
    }
    return usage("onbekende opdracht " + args[0]);
}

}  // namespace sluis::vensters

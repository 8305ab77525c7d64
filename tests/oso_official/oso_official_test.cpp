// The official OSO rules as an oracle. Finds the official material ONLY through the environment
// variable SLUIS_OSO_OFFICIAL_DIR (the directory holding 2019.1/: OSO_gegevensset.xsd, examples/,
// rules/); nothing of it is in this repository. Without the variable (or with a missing
// directory) every test here is skipped with the reason, unless CI=true, where that is a failure.
//
// Every dossier below is judged twice:
//   official: `xmllint --noout --schema OSO_gegevensset.xsd` (many files per call) and the
//             official XSLT business rules with Saxon-HE (ONE JVM per directory: `-s:DIR -o:OUT`;
//             ValideerOverstapprofielen.xsl for overstapdossier/overdrachtbinnenbrin,
//             ValideerSwvPaO-profielen.xsl for swv-dossier); valid = XSD ok and no <melding>;
//   Sluis:    the native Validator (ValidatorOptions{}, no schema file); a dossier the writer
//             refuses to produce counts as refused by Sluis.
// and the verdicts must agree (Sluis valid <=> official valid). A disagreement is excused only by
// an entry of known_defects.json (a rule the official file never runs). Failure output names each
// case, both verdicts, Sluis's rule ids and the official melding texts; an official text that
// equals a rule text in mapping/oso/data/<version>/standard.json is shown with that rule id.
//
// Cases: the goldens (tests/oso/cases/golden/); all twelve official examples (official valid,
// Sluis valid, and read -> write with the profile from overdrachtsoort/overstap and the opt-outs
// from categorie_uitlevering gives the same document: compared as a canonical form, see
// canonical()); every negative case (tests/oso/cases/negative/: the official validator must
// reject it too, unless its rule is a known defect or a Sluis-only SLUIS.* rule); and at least 500
// dossiers written from `sluis demo generate-magister` exports (several seeds) imported with
// config/mappings/magister.json, for every profile and several opt-out sets.
//
// Tools: xmllint, java, and the Saxon-HE jar (/usr/share/java/Saxon-HE.jar, or env
// SLUIS_SAXON_JAR). scripts/install-deps.sh installs them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_validator.h"
#include "mapping/oso/oso_writer.h"
#include "tests/oso/oso_test_util.h"
#include "tests/support/test_util.h"

namespace sluis::oso {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// ---------------------------------------------------------------------------------------------
// Material and tools

struct Material {
    fs::path dir;  ///< .../2019.1
    std::string missing;  ///< Why it cannot run; empty when it can.
    std::string saxon;
};

bool ci() {
    const char* c = std::getenv("CI");
    return c != nullptr && std::string(c) == "true";
}

bool onPath(const std::string& tool) {
    return std::system(("command -v " + tool + " >/dev/null 2>&1").c_str()) == 0;
}

const Material& material() {
    static const Material m = [] {
        Material r;
        const char* env = std::getenv("SLUIS_OSO_OFFICIAL_DIR");
        if (env == nullptr || *env == '\0') {
            r.missing = "SLUIS_OSO_OFFICIAL_DIR is not set (the directory holding 2019.1/ with the "
                        "official XSD, examples and rules); the oracle did not run";
            return r;
        }
        r.dir = fs::path(env) / "2019.1";
        for (const char* need : {"OSO_gegevensset.xsd", "examples", "rules/ValideerOverstapprofielen.xsl",
                                 "rules/ValideerSwvPaO-profielen.xsl"})
            if (!fs::exists(r.dir / need)) {
                r.missing = "SLUIS_OSO_OFFICIAL_DIR: " + (r.dir / need).string() +
                            " not found; the oracle did not run";
                return r;
            }
        const char* jar = std::getenv("SLUIS_SAXON_JAR");
        r.saxon = jar && *jar ? jar : "/usr/share/java/Saxon-HE.jar";
        // With the material present, missing tools are a failure, never a skip.
        return r;
    }();
    return m;
}

/// Skips (or, with CI=true, fails) when the material is absent; fails when a tool is missing.
#define REQUIRE_OFFICIAL()                                                                       \
    do {                                                                                         \
        if (!material().missing.empty()) {                                                       \
            if (ci()) FAIL() << material().missing << " (CI=true: the oracle must run in CI)";   \
            GTEST_SKIP() << material().missing;                                                  \
        }                                                                                        \
        ASSERT_TRUE(onPath("xmllint")) << "xmllint not found (scripts/install-deps.sh)";         \
        ASSERT_TRUE(onPath("java")) << "java not found (scripts/install-deps.sh)";               \
        ASSERT_TRUE(fs::exists(material().saxon))                                                \
            << material().saxon << " not found (libsaxonhe-java; or set SLUIS_SAXON_JAR)";       \
    } while (0)

int runShell(const std::string& cmd) {
    int st = std::system(cmd.c_str());
    return st == -1 ? -1 : (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

std::string quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// ---------------------------------------------------------------------------------------------
// Cases and verdicts

struct Case {
    std::string kind;  ///< golden, example, negative, demo
    std::string name;
    std::string xml;        ///< Empty: Sluis refused to write it.
    std::string refusal;    ///< Why Sluis refused (writer error), when xml is empty.
    std::string expect;     ///< negative: the rule Sluis must report.
    ValidationReport sluis;
    bool sluis_valid = false;
    // Official verdict.
    bool judged = false;
    bool xsd_ok = false;
    std::vector<std::string> xsd_errors;
    std::vector<std::pair<std::string, std::string>> meldingen;  ///< locatie, tekst
    bool official_valid() const { return judged && xsd_ok && meldingen.empty(); }
};

bool isSwv(const std::string& xml) {
    return xml.find("<overdrachtsoort>swv-dossier</overdrachtsoort>") != std::string::npos;
}

std::shared_ptr<const Standard> std2019() { return *Standard::get("2019.1"); }

void judgeSluis(Case& c) {
    if (c.xml.empty()) {
        c.sluis_valid = false;
        return;
    }
    Validator v(std2019(), ValidatorOptions{});
    c.sluis = v.validate(c.xml);
    c.sluis_valid = c.sluis.valid();
}

/// Runs the official XSD and XSLT over all cases with XML: files in <tmp>/ov and <tmp>/swv, one
/// xmllint process per 200 files, one JVM per directory.
void judgeOfficial(std::vector<Case>& cases, const fs::path& tmp) {
    const Material& m = material();
    fs::create_directories(tmp / "ov");
    fs::create_directories(tmp / "swv");
    fs::create_directories(tmp / "out" / "ov");
    fs::create_directories(tmp / "out" / "swv");
    std::map<std::string, size_t> by_file;
    std::vector<std::string> files;
    for (size_t i = 0; i < cases.size(); ++i) {
        if (cases[i].xml.empty()) continue;
        std::string sub = isSwv(cases[i].xml) ? "swv" : "ov";
        char name[32];
        std::snprintf(name, sizeof name, "c%05zu.xml", i);
        fs::path f = tmp / sub / name;
        std::ofstream(f, std::ios::binary) << cases[i].xml;
        by_file[f.string()] = i;
        files.push_back(f.string());
        cases[i].judged = true;
        cases[i].xsd_ok = true;
    }
    // XSD: "FILE validates" / "FILE fails to validate"; errors "FILE:LINE: element ...".
    for (size_t b = 0; b < files.size(); b += 200) {
        std::string cmd = "xmllint --noout --schema " + quote((m.dir / "OSO_gegevensset.xsd").string());
        for (size_t i = b; i < std::min(files.size(), b + 200); ++i) cmd += " " + quote(files[i]);
        fs::path log = tmp / "xmllint.log";
        runShell(cmd + " >" + quote(log.string()) + " 2>&1");
        std::ifstream in(log);
        std::string line;
        while (std::getline(in, line)) {
            for (const auto& [f, idx] : by_file) {
                if (line.rfind(f, 0) != 0) continue;
                std::string rest = line.substr(f.size());
                if (rest == " validates") break;
                cases[idx].xsd_ok = false;
                if (rest != " fails to validate") cases[idx].xsd_errors.push_back(rest);
                break;
            }
        }
    }
    // XSLT business rules.
    for (const auto& [sub, xsl] : {std::pair<std::string, std::string>{"ov", "ValideerOverstapprofielen.xsl"},
                                  {"swv", "ValideerSwvPaO-profielen.xsl"}}) {
        if (fs::is_empty(tmp / sub)) continue;
        std::string cmd = "java -jar " + quote(m.saxon) + " -s:" + quote((tmp / sub).string()) +
                          " -o:" + quote((tmp / "out" / sub).string()) + " -xsl:" +
                          quote((m.dir / "rules" / xsl).string()) + " >" +
                          quote((tmp / ("saxon_" + sub + ".log")).string()) + " 2>&1";
        runShell(cmd);
    }
    for (const auto& [f, idx] : by_file) {
        fs::path p(f);
        fs::path out = tmp / "out" / p.parent_path().filename() / p.filename();
        pugi::xml_document doc;
        if (!fs::exists(out) || !doc.load_file(out.c_str())) {
            // Saxon could not transform it (e.g. not well-formed): officially rejected.
            cases[idx].meldingen.push_back({"", "(Saxon-HE gaf geen meldingen-document)"});
            continue;
        }
        for (auto mel : doc.document_element().children()) {
            std::string n = mel.name();
            if (n.substr(n.find(':') + 1) != "melding") continue;
            std::string loc, text;
            for (auto c : mel.children()) {
                std::string cn = c.name();
                cn = cn.substr(cn.find(':') + 1);
                if (cn == "locatie") loc = c.child_value();
                if (cn == "tekst") text = c.child_value();
            }
            cases[idx].meldingen.push_back({loc, text});
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Known defects and reporting

struct Defect {
    std::string rule, xslt, reason, xpath_contains;
    int line = 0;
};

const std::vector<Defect>& defects() {
    static const std::vector<Defect> d = [] {
        std::vector<Defect> out;
        json j = json::parse(sluis::test::readFile(sluis::test::sourceDir() / "tests" /
                                                   "oso_official" / "known_defects.json"));
        for (const auto& e : j.at("defects"))
            out.push_back({e.at("rule"), e.at("xslt"), e.at("reason"),
                           e.value("xpath_contains", ""), e.at("line").get<int>()});
        return out;
    }();
    return d;
}

const Defect* defectFor(const Melding& m) {
    for (const auto& d : defects())
        if (d.rule == m.rule &&
            (d.xpath_contains.empty() || m.xpath.find(d.xpath_contains) != std::string::npos))
            return &d;
    return nullptr;
}

/// Sluis refuses, officially valid, and every Sluis melding is a rule the official file never
/// runs: excused.
bool excused(const Case& c) {
    if (c.sluis_valid || !c.official_valid() || c.xml.empty() || c.sluis.meldingen.empty())
        return false;
    for (const auto& m : c.sluis.meldingen)
        if (!defectFor(m)) return false;
    return true;
}

std::string ruleForText(const std::string& text) {
    for (const auto& [rule, t] : std2019()->rules())
        if (t == text) return rule;
    return {};
}

std::string describe(const Case& c) {
    std::ostringstream os;
    os << c.kind << " " << c.name << ": Sluis " << (c.sluis_valid ? "valid" : "invalid")
       << ", official " << (c.official_valid() ? "valid" : "invalid");
    if (c.xml.empty()) os << "\n  Sluis refused to write it: " << c.refusal;
    for (const auto& m : c.sluis.meldingen)
        os << "\n  Sluis " << m.rule << " " << m.xpath << " " << m.text
           << (defectFor(m) ? "  [known official defect]" : "");
    for (const auto& e : c.xsd_errors) os << "\n  official XSD" << e;
    for (const auto& [loc, text] : c.meldingen) {
        std::string rule = ruleForText(text);
        os << "\n  official " << (rule.empty() ? "" : "(= " + rule + ") ") << loc << " " << text;
    }
    return os.str();
}

/// Adds a failure per disagreeing case (at most `detail` in full, then counts per reason).
void expectAgreement(const std::vector<Case>& cases, size_t detail = 25) {
    size_t agree = 0, excused_n = 0, refused = 0;
    std::map<std::string, size_t> reasons;
    std::vector<const Case*> bad;
    for (const auto& c : cases) {
        if (c.xml.empty()) ++refused;
        bool same = c.sluis_valid == c.official_valid();
        if (c.xml.empty()) same = !c.sluis_valid;  // refused: official would reject
        if (same) {
            ++agree;
        } else if (excused(c)) {
            ++excused_n;
        } else {
            bad.push_back(&c);
            std::string key = c.sluis_valid ? "Sluis valid, official invalid: " : "Sluis invalid, official valid: ";
            if (c.sluis_valid && !c.meldingen.empty()) {
                std::string rule = ruleForText(c.meldingen[0].second);
                key += rule.empty() ? c.meldingen[0].second : rule;
            } else if (c.sluis_valid && !c.xsd_errors.empty()) {
                key += "XSD";
            } else if (!c.sluis.meldingen.empty()) {
                key += c.sluis.meldingen[0].rule;
            }
            ++reasons[key];
        }
    }
    std::printf("[oso_official] %zu cases: %zu agree, %zu excused by known defects, %zu disagree "
                "(%zu refused by the writer)\n",
                cases.size(), agree, excused_n, bad.size(), refused);
    for (const auto& [k, n] : reasons) std::printf("[oso_official]   %5zu × %s\n", n, k.c_str());
    for (size_t i = 0; i < bad.size() && i < detail; ++i) ADD_FAILURE() << describe(*bad[i]);
    if (bad.size() > detail)
        ADD_FAILURE() << bad.size() - detail << " more disagreements (counts per reason above)";
}

fs::path tempDir(const std::string& what) {
    fs::path p = fs::temp_directory_path() /
                 ("sluis_oso_official_" + what + "_" + std::to_string(getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

// ---------------------------------------------------------------------------------------------
// Canonical form for the examples' round trip

void canon(const pugi::xml_node& n, std::string& out) {
    if (n.type() == pugi::node_pcdata || n.type() == pugi::node_cdata) {
        std::string t = n.value();
        if (t.find_first_not_of(" \t\r\n") == std::string::npos) return;  // whitespace only
        for (char c : t) out += c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;" : std::string(1, c);
        return;
    }
    if (n.type() != pugi::node_element) return;  // comments, PIs, declaration: dropped
    out += "<" + std::string(n.name());
    std::vector<std::pair<std::string, std::string>> attrs;
    for (auto a : n.attributes()) attrs.push_back({a.name(), a.value()});
    std::sort(attrs.begin(), attrs.end());
    for (const auto& [k, v] : attrs) out += " " + k + "=\"" + v + "\"";
    out += ">";
    for (auto c : n.children()) canon(c, out);
    out += "</" + std::string(n.name()) + ">";
}

/// An exact canonical form equivalent to C14N for these documents: element names (with their
/// prefixes), attributes and namespace declarations sorted, text exactly as written (entities
/// resolved, then re-escaped), after dropping whitespace-only text nodes, comments, processing
/// instructions and the XML declaration. Returns one line per element for readable diffs.
std::string canonical(const std::string& xml) {
    pugi::xml_document doc;
    if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata))
        return "(not XML)";
    std::string out;
    canon(doc.document_element(), out);
    std::string lines;
    for (size_t i = 0; i < out.size(); ++i) {
        if (out[i] == '<' && i > 0 && out[i - 1] == '>') lines += '\n';
        lines += out[i];
    }
    return lines;
}

// ---------------------------------------------------------------------------------------------
// The tests

std::string goldenName(const fs::path& f) { return f.stem().string(); }

TEST(oso_official, GoldensAreOfficiallyValidAndSluisAgrees) {
    REQUIRE_OFFICIAL();
    std::vector<Case> cases;
    for (const auto& f : test::caseFiles("golden")) {
        json c = json::parse(sluis::test::readFile(f));
        Case k{"golden", goldenName(f)};
        k.xml = sluis::test::readFile(test::casesDir() / "golden" / c.at("golden").get<std::string>());
        judgeSluis(k);
        cases.push_back(std::move(k));
    }
    ASSERT_FALSE(cases.empty());
    judgeOfficial(cases, tempDir("golden"));
    for (const auto& c : cases) EXPECT_TRUE(c.official_valid()) << describe(c);
    expectAgreement(cases);
}

TEST(oso_official, ExamplesAreValidAndRoundTripExactly) {
    REQUIRE_OFFICIAL();
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(material().dir / "examples"))
        if (e.path().extension() == ".xml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    EXPECT_EQ(files.size(), 12u) << "expected all twelve official examples";
    std::vector<Case> cases, written;
    for (const auto& f : files) {
        Case k{"example", f.filename().string()};
        k.xml = sluis::test::readFile(f);
        judgeSluis(k);
        // Read -> write with the example's own profile and opt-outs.
        auto r = readDossier(k.xml, *std2019());
        Case w{"example-rewritten", f.filename().string()};
        if (!r) {
            w.refusal = "read: " + r.error().message;
        } else {
            WriteOptions o;
            std::string soort = r->record.value("overdrachtsoort", std::string());
            o.profile = soort == "overdrachtbinnenbrin"
                            ? "BB"
                            : r->record.value(json::json_pointer("/metadata/overstap"), std::string());
            const json cats = r->record.value(json::json_pointer("/metadata/categorie_uitlevering"),
                                              json::object());
            for (const auto& [cat, v] : cats.items())
                if (v == "OPT-UIT") o.opt_out.push_back(cat.substr(cat.find('_') + 1));
            auto out = writeDossier(r->record, *std2019(), o);
            if (!out)
                w.refusal = "write as " + o.profile + ": " + out.error().message;
            else
                w.xml = out->xml;
        }
        judgeSluis(w);
        cases.push_back(std::move(k));
        written.push_back(std::move(w));
    }
    std::vector<Case> all = cases;
    all.insert(all.end(), written.begin(), written.end());
    judgeOfficial(all, tempDir("examples"));
    for (size_t i = 0; i < cases.size(); ++i) {
        const Case& ex = all[i];
        const Case& rw = all[cases.size() + i];
        EXPECT_TRUE(ex.official_valid()) << describe(ex);
        EXPECT_TRUE(ex.sluis_valid) << describe(ex);
        ASSERT_FALSE(rw.xml.empty()) << describe(rw);
        std::string a = canonical(ex.xml), b = canonical(rw.xml);
        if (a != b) {
            std::istringstream ia(a), ib(b);
            std::string la, lb;
            size_t line = 0;
            while (std::getline(ia, la)) {
                ++line;
                if (!std::getline(ib, lb)) lb = "(end)";
                if (la != lb) break;
            }
            ADD_FAILURE() << ex.name << ": read -> write differs (canonical form) at line " << line
                          << "\n  example: " << la << "\n  written: " << lb;
        }
    }
    expectAgreement(all);
}

TEST(oso_official, NegativeCasesAreRejectedOfficiallyToo) {
    REQUIRE_OFFICIAL();
    std::vector<Case> cases;
    std::vector<std::string> unbuildable;
    for (const auto& f : test::caseFiles("negative")) {
        json c = json::parse(sluis::test::readFile(f));
        Case k{"negative", f.stem().string()};
        // `expect` is one rule id, or a list where the official rules make a second melding
        // inevitable; the first id is the one the case is about.
        const json& e = c.at("expect");
        k.expect = e.is_array() ? e.at(0).get<std::string>() : e.get<std::string>();
        try {
            if (c.contains("file"))
                k.xml = sluis::test::readFile(test::casesDir() / c.at("file").get<std::string>());
            else
                k.xml = test::applyEdits(test::buildBase(c.at("base")), c.at("edits"));
        } catch (const std::exception& e) {
            unbuildable.push_back(k.name + ": " + e.what());
            continue;
        }
        ValidatorOptions opts{};
        k.sluis = Validator(std2019(), opts).validate(k.xml);
        k.sluis_valid = k.sluis.valid();
        cases.push_back(std::move(k));
    }
    for (const auto& u : unbuildable) ADD_FAILURE() << "negative case not buildable: " << u;
    judgeOfficial(cases, tempDir("negative"));
    size_t sluis_only = 0, defect = 0;
    for (const auto& c : cases) {
        EXPECT_FALSE(c.sluis_valid) << describe(c);
        if (c.expect.rfind("SLUIS.", 0) == 0) {
            ++sluis_only;  // Sluis's own extra check: no official counterpart to agree with.
            continue;
        }
        bool known = false;
        for (const auto& d : defects()) known = known || d.rule == c.expect;
        if (known && c.official_valid()) {
            ++defect;
            continue;
        }
        EXPECT_FALSE(c.official_valid()) << "the official validator accepts what Sluis rejects as "
                                         << c.expect << "\n" << describe(c);
    }
    std::printf("[oso_official] %zu negative cases: %zu Sluis-only, %zu official known defects, "
                "%zu not buildable\n",
                cases.size(), sluis_only, defect, unbuildable.size());
}

/// Records from `sluis demo generate-magister` exports (seeds 1..5, 25 pupils each), imported with
/// config/mappings/magister.json through `sluis mapping import`.
std::vector<std::pair<std::string, json>> demoRecords(const fs::path& tmp, std::string& error) {
    std::vector<std::pair<std::string, json>> out;
    std::string exe = sluis::test::sluisExe();
    std::string mapping = (sluis::test::sourceDir() / "config" / "mappings" / "magister.json").string();
    for (int seed = 1; seed <= 5; ++seed) {
        fs::path dir = tmp / ("seed" + std::to_string(seed));
        std::string gen = quote(exe) + " demo generate-magister " + quote(dir.string()) +
                          " --pupils 25 --seed " + std::to_string(seed) + " >/dev/null 2>&1";
        if (runShell(gen) != 0) {
            error = "sluis demo generate-magister failed (seed " + std::to_string(seed) + ")";
            return {};
        }
        std::string inputs;
        for (const auto& e : fs::directory_iterator(dir))
            if (e.path().extension() == ".csv") inputs += " " + quote(e.path().string());
        fs::path jsonl = tmp / ("seed" + std::to_string(seed) + ".jsonl");
        fs::path log = tmp / ("seed" + std::to_string(seed) + ".log");
        std::string imp = quote(exe) + " mapping import " + quote(mapping) + inputs +
                          " --school 'Demoschool' --brin 12AB --out " + quote(jsonl.string()) +
                          " >" + quote(log.string()) + " 2>&1";
        if (runShell(imp) != 0) {
            error = "sluis mapping import failed (seed " + std::to_string(seed) +
                    "): " + sluis::test::readFile(log);
            return {};
        }
        std::ifstream in(jsonl);
        std::string line;
        int n = 0;
        while (std::getline(in, line))
            if (!line.empty())
                out.push_back({"seed" + std::to_string(seed) + "/" + std::to_string(n++), json::parse(line)});
    }
    return out;
}

TEST(oso_official, DemoDossiersAgreeForEveryProfileAndOptOutSet) {
    REQUIRE_OFFICIAL();
    fs::path tmp = tempDir("demo");
    std::string error;
    auto records = demoRecords(tmp, error);
    ASSERT_TRUE(error.empty()) << error;
    ASSERT_GE(records.size(), 100u);
    // Per profile: nothing opted out, every optional category opted out, and a partial set.
    std::vector<Case> cases;
    size_t i = 0;
    for (const auto& p : std2019()->profiles()) {
        std::vector<std::string> all_optional;
        for (size_t c = 0; c < p.categories.size(); ++c)
            if (p.categories[c] == Delivery::kOptioneel)
                all_optional.push_back(std2019()->categories()[c].name);
        std::vector<std::string> partial;
        for (const char* c : {"toetsresultaten", "bijlagedocs", "verzuim"})
            if (std::find(all_optional.begin(), all_optional.end(), c) != all_optional.end())
                partial.push_back(c);
        std::vector<std::vector<std::string>> sets = {{}, all_optional, partial};
        for (const auto& [name, record] : records) {
            const auto& opt = sets[i++ % sets.size()];
            Case k{"demo", name + " " + p.name + (opt.empty() ? "" : " opt-out " + std::to_string(opt.size()))};
            WriteOptions o;
            o.profile = p.name;
            o.opt_out = opt;
            auto w = writeDossier(record, *std2019(), o);
            if (w)
                k.xml = w->xml;
            else
                k.refusal = w.error().message;
            judgeSluis(k);
            cases.push_back(std::move(k));
        }
    }
    ASSERT_GE(cases.size(), 500u);
    judgeOfficial(cases, tmp / "judge");
    expectAgreement(cases);
    std::error_code ec;
    fs::remove_all(tmp, ec);
}

TEST(oso_official, KnownDefectsAreWellFormed) {
    // Runs without the material: the data file itself must be complete.
    ASSERT_FALSE(defects().empty());
    for (const auto& d : defects()) {
        EXPECT_FALSE(d.rule.empty());
        EXPECT_FALSE(d.reason.empty()) << d.rule;
        EXPECT_GT(d.line, 0) << d.rule;
        EXPECT_NE(d.xslt.find(".xsl"), std::string::npos) << d.rule;
    }
}

TEST(oso_official, CanonicalFormIgnoresOnlyWhitespaceCommentsAndAttributeOrder) {
    EXPECT_EQ(canonical("<?xml version=\"1.0\"?><a x=\"1\" y=\"2\">\n  <!-- c --><b>t</b>\n</a>"),
              canonical("<a y=\"2\" x=\"1\"><b>t</b></a>"));
    EXPECT_NE(canonical("<a><b>t</b></a>"), canonical("<a><b>t </b></a>"));
    EXPECT_NE(canonical("<a><b/><c/></a>"), canonical("<a><c/><b/></a>"));
    EXPECT_NE(canonical("<a xmlns=\"u\"><b/></a>"), canonical("<a><b/></a>"));
}

}  // namespace
}  // namespace sluis::oso

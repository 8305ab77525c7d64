#include "mapping/oso/oso_cli.h"

#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "mapping/oso/oso_mapper.h"
#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_validator.h"
#include "mapping/oso/oso_writer.h"
#include "core/util/json.h"

namespace sluis::oso {

namespace {

constexpr const char* kUsage =
    "gebruik:\n"
    "  sluis oso validate [--format text|meldingen] [--schema PAD] [--version V] BESTAND...\n"
    "  sluis oso read [--schema PAD] [--version V] BESTAND\n"
    "  sluis oso write --profile POVO|POPO|VOVO|BB|POSWV|VOSWV [--opt-out CATEGORIE,...]\n"
    "                  [--schema PAD] [--version V] [--pakketnaam N] [--pakketversie N]\n"
    "                  [--datum JJJJ-MM-DD] [--deeldossier D] CANONIEK.json\n"
    "De structuur (volgorde, aantallen, typen, patronen) wordt altijd gecontroleerd met de in\n"
    "Sluis ingebouwde gegevens; --schema PAD (of SLUIS_OSO_SCHEMA_DIR) voegt een controle met een\n"
    "officieel OSO_gegevensset.xsd toe.\n";

bool readAll(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return !in.bad();
}

struct Parsed {
    std::map<std::string, std::string> opts;
    std::vector<std::string> files;
    std::string error;
};

Parsed parseArgs(const std::vector<std::string>& args, size_t from,
                 const std::vector<std::string>& allowed) {
    Parsed p;
    for (size_t i = from; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.rfind("--", 0) == 0) {
            std::string key = a.substr(2), value;
            auto eq = key.find('=');
            if (eq != std::string::npos) {
                value = key.substr(eq + 1);
                key = key.substr(0, eq);
            } else if (i + 1 < args.size()) {
                value = args[++i];
            } else {
                p.error = "optie --" + key + " mist een waarde";
                return p;
            }
            bool ok = false;
            for (const auto& k : allowed) ok = ok || k == key;
            if (!ok) {
                p.error = "onbekende optie --" + key;
                return p;
            }
            p.opts[key] = value;
        } else {
            p.files.push_back(a);
        }
    }
    return p;
}

std::vector<std::string> splitComma(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

int cmdValidate(const Parsed& p, const Standard& standard, std::shared_ptr<const Standard> sp) {
    std::string format = p.opts.count("format") ? p.opts.at("format") : "text";
    if (format != "text" && format != "meldingen") {
        std::cerr << "onbekend formaat '" << format << "' (text of meldingen)\n";
        return 2;
    }
    if (p.files.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    std::string schema =
        locateSchema(standard.version(), p.opts.count("schema") ? p.opts.at("schema") : "");
    Validator v(std::move(sp), ValidatorOptions{schema});
    if (Status st = v.schemaStatus(); !st.isOk()) {
        std::cerr << st.error().message << "\n";
        return 2;
    }
    int rc = 0;
    for (const auto& f : p.files) {
        std::string bytes;
        ValidationReport rep;
        if (!readAll(f, bytes)) {
            rep.unreadable = true;
            rep.meldingen.push_back({"SLUIS.XML01", "/", "bestand kan niet worden gelezen", 0});
        } else {
            rep = v.validate(bytes);
        }
        if (format == "text")
            std::cout << formatText(rep, f);
        else
            std::cout << formatMeldingen(rep, standard);
        if (rep.unreadable)
            rc = 2;
        else if (!rep.valid() && rc == 0)
            rc = 1;
    }
    return rc;
}

int cmdRead(const Parsed& p, const Standard& standard, std::shared_ptr<const Standard> sp) {
    if (p.files.size() != 1) {
        std::cerr << kUsage;
        return 2;
    }
    std::string bytes;
    if (!readAll(p.files[0], bytes)) {
        std::cerr << p.files[0] << ": bestand kan niet worden gelezen\n";
        return 2;
    }
    // A dossier is only read when its structure is valid (the business rules are for
    // `oso validate`; an officially imperfect dossier may still be inspected).
    Validator v(std::move(sp), ValidatorOptions{locateSchema(standard.version(), p.opts.count("schema")
                                                                 ? p.opts.at("schema")
                                                                 : "")});
    if (Status st = v.schemaStatus(); !st.isOk()) {
        std::cerr << st.error().message << "\n";
        return 2;
    }
    ValidationReport structure = v.validateStructure(bytes);
    if (!structure.valid()) {
        std::cerr << p.files[0] << ": de structuur van het dossier is ongeldig\n"
                  << formatText(structure, p.files[0]);
        return structure.unreadable ? 2 : 1;
    }
    auto r = readDossier(bytes, standard);
    if (!r) {
        std::cerr << p.files[0] << ": " << r.error().message << "\n";
        return 2;
    }
    for (const auto& w : r->warnings) std::cerr << p.files[0] << ": waarschuwing: " << w << "\n";
    std::cout << r->record.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
}

int cmdWrite(const Parsed& p, const Standard& standard) {
    if (p.files.size() != 1 || !p.opts.count("profile")) {
        std::cerr << kUsage;
        return 2;
    }
    std::string text;
    if (!readAll(p.files[0], text)) {
        std::cerr << p.files[0] << ": bestand kan niet worden gelezen\n";
        return 2;
    }
    nlohmann::json record = util::parseJsonOrDiscarded(text);
    if (record.is_discarded() || !record.is_object()) {
        std::cerr << p.files[0] << ": geen geldig JSON-object\n";
        return 2;
    }
    WriteOptions o;
    auto opt = [&](const char* k) { return p.opts.count(k) ? p.opts.at(k) : std::string(); };
    o.profile = opt("profile");
    o.opt_out = splitComma(opt("opt-out"));
    o.pakketnaam = opt("pakketnaam");
    o.pakketversie = opt("pakketversie");
    o.datum = opt("datum");
    o.deeldossier = opt("deeldossier");
    std::string schema = locateSchema(standard.version(), opt("schema"));
    if (!schema.empty()) {
        auto sp = Standard::get(standard.version());
        if (!sp) {
            std::cerr << sp.error().message << "\n";
            return 2;
        }
        if (Status st = Validator(*sp, ValidatorOptions{schema}).schemaStatus(); !st.isOk()) {
            std::cerr << st.error().message << "\n";
            return 2;
        }
    }
    std::vector<Melding> meldingen;
    auto w = writeValidated(record, standard, o, schema, &meldingen);
    if (!w) {
        if (meldingen.empty()) {
            std::cerr << w.error().message << "\n";
            return w.error().code == ErrorCode::kInvalidArgument ? 2 : 1;
        }
        ValidationReport rep;
        rep.meldingen = meldingen;
        std::cerr << "dossier geweigerd: het voldoet niet aan de OSO-standaard\n"
                  << formatMeldingen(rep, standard);
        return 1;
    }
    std::cout << w->xml;
    return 0;
}

}  // namespace

int runOsoCli(const std::vector<std::string>& args) {
    if (args.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string& sub = args[0];
    Parsed p;
    if (sub == "validate")
        p = parseArgs(args, 1, {"format", "schema", "version"});
    else if (sub == "read")
        p = parseArgs(args, 1, {"schema", "version"});
    else if (sub == "write")
        p = parseArgs(args, 1,
                      {"profile", "opt-out", "schema", "version", "pakketnaam", "pakketversie",
                       "datum", "deeldossier"});
    else {
        std::cerr << "onbekende opdracht 'oso " << sub << "'\n" << kUsage;
        return 2;
    }
    if (!p.error.empty()) {
        std::cerr << p.error << "\n" << kUsage;
        return 2;
    }
    auto s = Standard::get(p.opts.count("version") ? p.opts.at("version") : "2019.1");
    if (!s) {
        std::cerr << s.error().message << "\n";
        return 2;
    }
    if (sub == "validate") return cmdValidate(p, **s, *s);
    if (sub == "read") return cmdRead(p, **s, *s);
    return cmdWrite(p, **s);
}

}  // namespace sluis::oso

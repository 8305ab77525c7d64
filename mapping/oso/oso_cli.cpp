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

bool readAll(const std::string& path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return !in.bad();
}

using Parsed = cli::Parsed;

int usageError(const std::string& path) {
    std::cerr << "verkeerde argumenten voor 'sluis " << path << "'; zie 'sluis " << path << " --help'\n";
    return 2;
}

std::vector<std::string> splitComma(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string item; std::getline(ss, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

int cmdValidate(const Parsed& p, const Standard& standard, std::shared_ptr<const Standard> sp) {
    std::string format = p.get("format", "text");
    if (format != "text" && format != "meldingen") {
        std::cerr << "onbekend formaat '" << format << "' (text of meldingen)\n";
        return 2;
    }
    if (p.positional.empty()) return usageError("oso validate");
    std::string schema = locateSchema(standard.version(), p.get("schema"));
    Validator v(std::move(sp), ValidatorOptions{schema});
    if (Status st = v.schemaStatus(); !st.isOk()) {
        std::cerr << st.error().message << "\n";
        return 2;
    }
    int rc = 0;
    for (const auto& f : p.positional) {
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
    if (p.positional.size() != 1) return usageError("oso read");
    std::string bytes;
    if (!readAll(p.positional[0], bytes)) {
        std::cerr << p.positional[0] << ": bestand kan niet worden gelezen\n";
        return 2;
    }
    // A dossier is only read when its structure is valid (the business rules are for
    // `oso validate`; an officially imperfect dossier may still be inspected).
    Validator v(std::move(sp), ValidatorOptions{locateSchema(standard.version(), p.get("schema"))});
    if (Status st = v.schemaStatus(); !st.isOk()) {
        std::cerr << st.error().message << "\n";
        return 2;
    }
    ValidationReport structure = v.validateStructure(bytes);
    if (!structure.valid()) {
        std::cerr << p.positional[0] << ": de structuur van het dossier is ongeldig\n"
                  << formatText(structure, p.positional[0]);
        return structure.unreadable ? 2 : 1;
    }
    auto r = readDossier(bytes, standard);
    if (!r) {
        std::cerr << p.positional[0] << ": " << r.error().message << "\n";
        return 2;
    }
    for (const auto& w : r->warnings) std::cerr << p.positional[0] << ": waarschuwing: " << w << "\n";
    std::cout << r->record.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
}

int cmdWrite(const Parsed& p, const Standard& standard) {
    if (p.positional.size() != 1 || !p.has("profile")) return usageError("oso write");
    std::string text;
    if (!readAll(p.positional[0], text)) {
        std::cerr << p.positional[0] << ": bestand kan niet worden gelezen\n";
        return 2;
    }
    nlohmann::json record = util::parseJsonOrDiscarded(text);
    if (record.is_discarded() || !record.is_object()) {
        std::cerr << p.positional[0] << ": geen geldig JSON-object\n";
        return 2;
    }
    WriteOptions o;
    auto opt = [&](const char* k) { return p.get(k); };
    o.profile = opt("profile");
    o.opt_out = splitComma(opt("opt-out"));
    o.pakketnaam = opt("pakketnaam");
    o.pakketversie = opt("pakketversie");
    o.datum = opt("datum");
    o.deeldossier = opt("deeldossier");
    // A one-shot command: the day it runs (Europe/Amsterdam) is the dossier's default datum.
    o.now = SystemClock().now();
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

const cli::Spec& osoCliSpec() {
    static const std::vector<cli::Option> common = {
        {"schema", "PAD", "controleer ook met dit officiële OSO_gegevensset.xsd (of SLUIS_OSO_SCHEMA_DIR)"},
        {"version", "V", "de versie van de OSO-gegevensset (standaard 2019.1)"}};
    static const cli::Spec spec{
        "oso", "OSO-overstapdossiers controleren, lezen en schrijven", "", {},
        "De structuur (volgorde, aantallen, typen, patronen) wordt altijd gecontroleerd met de in\n"
        "Sluis ingebouwde gegevens; --schema voegt een controle met een officieel XSD toe.",
        {{"oso validate", "controleert dossiers op structuur en de officiële regels", "BESTAND...",
          cli::join({{"format", "VORM", "text of meldingen (standaard text)"}}, common),
          "exit 0: alle bestanden geldig; 1: een melding; 2: onleesbare invoer of schema ontbreekt"},
         {"oso read", "zet een dossier om naar canonieke JSON (stdout); waarschuwingen op stderr", "BESTAND", common},
         {"oso write", "schrijft een dossier uit een canoniek record (stdout); weigert wat niet geldig zou zijn",
          "CANONIEK.json",
          cli::join({{"profile", "PROFIEL", "POVO, POPO, VOVO, BB, POSWV of VOSWV (verplicht)"},
                     {"opt-out", "CATEGORIE,...", "categorieën die de ouders niet laten overdragen"},
                     {"pakketnaam", "N", "de naam van het leverende pakket"},
                     {"pakketversie", "N", "de versie van het leverende pakket"},
                     {"datum", "JJJJ-MM-DD", "de aanmaakdatum van het dossier (standaard vandaag)"},
                     {"deeldossier", "D", "het deeldossier"}},
                    common),
          "exit 1 met de meldingen op stderr als het dossier niet geldig zou zijn"}}};
    return spec;
}

int runOsoCli(const std::vector<std::string>& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(osoCliSpec(), sub);
    if (!spec) {
        std::cerr << "sluis: " << cli::unknownSub(osoCliSpec(), sub).message << "\n";
        return 2;
    }
    auto parsed = cli::parse(*spec, std::vector<std::string>(args.begin() + 1, args.end()));
    if (!parsed) {
        std::cerr << "sluis: " << parsed.error().message << "\n";
        return 2;
    }
    const Parsed& p = *parsed;
    auto s = Standard::get(p.get("version", "2019.1"));
    if (!s) {
        std::cerr << s.error().message << "\n";
        return 2;
    }
    if (sub == "validate") return cmdValidate(p, **s, *s);
    if (sub == "read") return cmdRead(p, **s, *s);
    return cmdWrite(p, **s);
}

}  // namespace sluis::oso

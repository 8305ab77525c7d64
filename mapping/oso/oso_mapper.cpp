#include "mapping/oso/oso_mapper.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <filesystem>
#include <mutex>
#include <set>

#include "mapping/oso/oso_reader.h"

namespace sluis::oso {

namespace {

void silentSchemaError(void*, xmlErrorPtr) {}

}  // namespace

Status checkSchema(const std::string& version, const std::string& explicit_path) {
    std::string path = locateSchema(version, explicit_path);
    if (path.empty())
        return {ErrorCode::kInvalidConfig,
                "XML-schema OSO_gegevensset.xsd niet gevonden op " + explicit_path};
    // Compiled once per path and process; a path that compiled stays good.
    static std::mutex mu;
    static std::set<std::string> compiled;
    std::lock_guard<std::mutex> lock(mu);
    if (compiled.count(path)) return {};
    std::error_code ec;
    // A directory (or a path that is not there and does not name an .xsd file) was meant to
    // hold OSO_gegevensset.xsd; a missing .xsd path is missing itself.
    bool names_file = std::filesystem::path(path).extension() == ".xsd";
    if (std::filesystem::is_directory(path, ec) ||
        (!std::filesystem::exists(path, ec) && !names_file))
        return {ErrorCode::kInvalidConfig,
                "XML-schema OSO_gegevensset.xsd niet gevonden op " + path};
    if (!std::filesystem::exists(path, ec))
        return {ErrorCode::kInvalidConfig, "XML-schema " + path + " niet gevonden"};
    if (!std::filesystem::is_regular_file(path, ec))
        return {ErrorCode::kInvalidConfig, "XML-schema " + path + " is geen leesbaar bestand"};
    // Parsed first without network and without libxml2 printing on stderr; the schema parser
    // borrows the document, freed last.
    xmlDocPtr doc = xmlReadFile(path.c_str(), nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return {ErrorCode::kInvalidConfig,
                "XML-schema " + path + " kan niet worden gelezen of is geen geldig XML-schema"};
    xmlSchemaParserCtxtPtr pctx = xmlSchemaNewDocParserCtxt(doc);
    if (!pctx) {
        xmlFreeDoc(doc);
        return {ErrorCode::kInvalidConfig, "XML-schema " + path + " kan niet worden gelezen"};
    }
    xmlSchemaSetParserStructuredErrors(pctx, silentSchemaError, nullptr);
    xmlSchemaPtr schema = xmlSchemaParse(pctx);
    xmlSchemaFreeParserCtxt(pctx);
    const bool compiles = schema != nullptr;
    if (schema) xmlSchemaFree(schema);
    xmlFreeDoc(doc);
    if (!compiles)
        return {ErrorCode::kInvalidConfig,
                "XML-schema " + path + " kan niet worden gelezen of is geen geldig XML-schema"};
    compiled.insert(path);
    return {};
}

Result<mapper::PurposeNeeds> checkRoute(const Standard& standard, const std::string& profile,
                                        const std::vector<std::string>& opt_out,
                                        const nlohmann::json& options) {
    if (profile.empty()) {
        std::string names;
        for (const auto& p : standard.profiles()) names += (names.empty() ? "" : ", ") + p.name;
        return Error{ErrorCode::kInvalidConfig,
                     "profile: een OSO-route heeft een profiel nodig (" + names + ")"};
    }
    auto d = deliveries(standard, profile, opt_out);
    if (!d)
        return Error{ErrorCode::kInvalidConfig,
                     std::string(standard.profile(profile) ? "opt_out: " : "profile: ") +
                         d.error().message};
    if (options.is_object()) {
        if (auto it = options.find("schema"); it != options.end() && it->is_string()) {
            Status st = checkSchema(standard.version(), it->get<std::string>());
            if (!st)
                return Error{ErrorCode::kInvalidConfig, "encoder_options.schema: " + st.message()};
        }
        if (auto it = options.find("datum"); it != options.end() && it->is_string()) {
            const std::string& v = it->get<std::string>();
            bool ok = v.size() == 10 && v[4] == '-' && v[7] == '-';
            for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) ok = ok && i < v.size() && v[i] >= '0' && v[i] <= '9';
            if (!ok) return Error{ErrorCode::kInvalidConfig, "encoder_options.datum: verwacht JJJJ-MM-DD"};
        }
    }
    const Profile& p = *standard.profile(profile);
    mapper::PurposeNeeds needs;
    for (size_t i = 0; i < standard.categories().size(); ++i) {
        const std::string& name = standard.categories()[i].name;
        // metadata is written by the writer itself, never taken from the record.
        if (p.categories[i] == Delivery::kVerplicht && name != "metadata")
            needs.categories.push_back(name);
    }
    int inzage = standard.categoryIndex("ouderinzage");
    if (p.swv) {
        needs.bases = {"consent"};
        needs.basis_reason =
            "een dossier voor het samenwerkingsverband (" + p.overdrachtsoort +
            ") gaat naar een andere organisatie en bevat verplicht de onderwijsondersteuning; "
            "daarvoor is toestemming van ouders/verzorgers nodig";
    } else if (inzage >= 0 && p.categories[static_cast<size_t>(inzage)] == Delivery::kVerplicht) {
        needs.bases = {"inzage"};
        needs.basis_reason =
            "categorie ouderinzage is VERPLICHT in dit profiel; het dossier draagt de inzage "
            "door ouders/verzorgers, die Sluis uit het inzageregister haalt";
    }
    return needs;
}

Result<WriteResult> writeValidated(const nlohmann::json& record, const Standard& standard,
                                   const WriteOptions& options, const std::string& schema_path,
                                   std::vector<Melding>* meldingen) {
    auto w = writeDossier(record, standard, options);
    if (!w) return w.error();
    auto std_ptr = Standard::get(standard.version());
    if (!std_ptr) return std_ptr.error();
    Validator v(*std_ptr, ValidatorOptions{schema_path});
    ValidationReport rep = v.validate(w->xml);
    if (rep.valid()) return w;
    std::string msg = "het OSO-dossier voldoet niet aan de standaard:";
    for (const auto& m : rep.meldingen) msg += "\n  " + m.rule + " " + m.xpath + ": " + m.text;
    if (meldingen) *meldingen = rep.meldingen;
    return Error{ErrorCode::kValidationFailed, msg};
}

namespace {

class OsoDecoder : public mapper::Decoder {
  public:
    explicit OsoDecoder(std::shared_ptr<const Standard> s) : std_(std::move(s)) {}
    std::string name() const override { return "oso-" + std_->version(); }
    Result<mapper::DecodedBatch> decode(std::string_view bytes,
                                        const mapper::DecodeContext& ctx) const override {
        auto r = readDossier(bytes, *std_);
        if (!r) return Error{r.error().code, ctx.source_name + ": " + r.error().message};
        mapper::DecodedBatch batch;
        batch.records.push_back(std::move(r->record));
        for (auto& w : r->warnings) batch.warnings.push_back(ctx.source_name + ": " + w);
        return batch;
    }

  private:
    std::shared_ptr<const Standard> std_;
};

class OsoEncoder : public mapper::Encoder {
  public:
    explicit OsoEncoder(std::shared_ptr<const Standard> s) : std_(std::move(s)) {}
    std::string name() const override { return "oso-" + std_->version(); }
    std::vector<mapper::OptionSpec> options() const override {
        using connector::OptionType;
        return {
            {"schema", OptionType::kPath, nullptr, false, false,
             "OSO_gegevensset.xsd (of de map ervan): extra XSD-validatie met libxml2"},
            {"pakketnaam", OptionType::kString, nullptr, false, false, "metadata/pakketnaam"},
            {"pakketversie", OptionType::kString, nullptr, false, false, "metadata/pakketversie"},
            {"datum", OptionType::kString, nullptr, false, false,
             "metadata/datum (JJJJ-MM-DD); standaard de dag van omzetten"},
            {"deeldossier", OptionType::kString, nullptr, false, false, "metadata/deeldossier"},
        };
    }
    Result<mapper::PurposeNeeds> check(const mapper::EncodeContext& ctx) const override {
        return checkRoute(*std_, ctx.profile, ctx.opt_out, ctx.options);
    }
    Result<mapper::Encoded> encode(const nlohmann::json& record,
                                   const mapper::EncodeContext& ctx) const override {
        WriteOptions o;
        o.profile = ctx.profile;
        o.opt_out = ctx.opt_out;
        auto opt = [&](const char* k) { return ctx.options.value(k, std::string()); };
        o.pakketnaam = opt("pakketnaam");
        o.pakketversie = opt("pakketversie");
        o.datum = opt("datum");
        o.deeldossier = opt("deeldossier");
        o.now = ctx.now;
        std::string schema;
        if (!opt("schema").empty()) {
            // An explicit schema is a promise: never render without it.
            if (Status st = checkSchema(std_->version(), opt("schema")); !st) return st.error();
            schema = locateSchema(std_->version(), opt("schema"));
        } else {
            schema = locateSchema(std_->version());
        }
        auto w = writeValidated(record, *std_, o, schema);
        if (!w) return w.error();
        return mapper::Encoded{"application/xml", "xml", std::move(w->xml)};
    }

  private:
    std::shared_ptr<const Standard> std_;
};

}  // namespace
}  // namespace sluis::oso

namespace sluis::mapping {

Status registerOsoMappers(mapper::MapperRegistry& registry) {
    for (const auto& v : oso::Standard::versions()) {
        auto s = oso::Standard::get(v);
        if (!s) return s.error();
        SLUIS_RETURN_IF_ERROR(registry.addDecoder(std::make_unique<oso::OsoDecoder>(*s)));
        SLUIS_RETURN_IF_ERROR(registry.addEncoder(std::make_unique<oso::OsoEncoder>(*s)));
    }
    return {};
}

}  // namespace sluis::mapping

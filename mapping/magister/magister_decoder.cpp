#include "mapping/magister/magister_decoder.h"

#include "mapping/magister/magister_import.h"

namespace sluis::mapping {

using nlohmann::json;

namespace {

const char* const kOptionKeys[] = {"mapping", "school", "encoding", "separator", "orphans"};

Result<std::shared_ptr<const Mapping>> mappingFrom(const json& options) {
    if (!options.contains("mapping")) return builtinMagisterMapping();
    if (!options["mapping"].is_string())
        return Error{ErrorCode::kInvalidConfig, "optie mapping: verwacht een bestandsnaam"};
    return loadMappingFile(options["mapping"].get<std::string>());
}

Result<ImportOptions> importOptionsFrom(const json& o) {
    ImportOptions io;
    std::string errors;
    for (auto& [k, v] : o.items()) {
        bool known = false;
        for (const char* a : kOptionKeys) known = known || k == a;
        if (!known) errors += "\n  " + k + ": onbekende optie; geldig: mapping, school, encoding, separator, orphans";
    }
    if (o.contains("school")) {
        if (!o["school"].is_object()) errors += "\n  school: verwacht een object (naam, brincode)";
        else io.school = o["school"];
    }
    if (o.contains("encoding")) {
        auto e = o["encoding"].is_string() ? csv::parseEncodingName(o["encoding"].get<std::string>())
                                           : std::nullopt;
        if (!e) errors += "\n  encoding: onbekende codering";
        else io.encoding = *e;
    }
    if (o.contains("separator")) {
        const json& s = o["separator"];
        if (s == ";") io.separator = ';';
        else if (s == ",") io.separator = ',';
        else if (s == "tab") io.separator = '\t';
        else if (s != "auto") errors += "\n  separator: verwacht \";\", \",\", \"tab\" of \"auto\"";
    }
    if (o.contains("orphans")) {
        if (o["orphans"] == "error") io.orphans_are_errors = true;
        else if (o["orphans"] != "warning") errors += "\n  orphans: verwacht \"warning\" of \"error\"";
    }
    if (!errors.empty()) return Error{ErrorCode::kInvalidConfig, "magister-csv: ongeldige opties:" + errors};
    return io;
}

class MagisterDecoder final : public mapper::Decoder {
public:
    std::string name() const override { return "magister-csv"; }
    std::vector<mapper::OptionSpec> options() const override {
        using connector::OptionType;
        return {{"mapping", OptionType::kString, nullptr, false, false, "mappingbestand"},
                {"school", OptionType::kObject, nullptr, false, false, "gegevens van de school"},
                {"encoding", OptionType::kString, nullptr, false, false, "tekencodering"},
                {"separator", OptionType::kString, nullptr, false, false, "; , tab of auto"},
                {"orphans", OptionType::kString, nullptr, false, false, "warning of error"}};
    }
    Status check(const json& options) const override {
        if (auto o = importOptionsFrom(options); !o) return o.error();
        if (auto m = mappingFrom(options); !m) return m.error();
        return {};
    }

    Result<mapper::DecodedBatch> decode(std::string_view bytes,
                                        const mapper::DecodeContext& ctx) const override {
        auto opts = importOptionsFrom(ctx.options);
        if (!opts.isOk()) return opts.error();
        auto mapping = mappingFrom(ctx.options);
        if (!mapping.isOk()) return mapping.error();
        std::string source = ctx.source_name.empty() ? "invoer" : ctx.source_name;
        std::vector<ExportFile> files;
        if (isBundle(bytes)) {
            auto parts = parseBundle(bytes, source);
            if (!parts.isOk()) return parts.error();
            for (const auto& p : *parts)
                files.push_back(ExportFile::fromBytes(source + "/" + p.name, p.bytes, p.part));
        } else {
            files.push_back(ExportFile::fromBytes(source, bytes, ""));
        }
        return importMagisterExport(files, **mapping, *opts);
    }
};

class MagisterEncoder final : public mapper::Encoder {
public:
    std::string name() const override { return "magister-csv"; }
    std::vector<mapper::OptionSpec> options() const override {
        return {{"mapping", connector::OptionType::kString, nullptr, false, false, "mappingbestand"}};
    }
    Result<mapper::PurposeNeeds> check(const mapper::EncodeContext& ctx) const override {
        if (auto m = mappingFrom(ctx.options); !m) return m.error();
        return mapper::Encoder::check(ctx);
    }

    Result<mapper::Encoded> encode(const json& record,
                                   const mapper::EncodeContext& ctx) const override {
        auto mapping = mappingFrom(ctx.options);
        if (!mapping.isOk()) return mapping.error();
        auto issues = model::ModelDefinition::builtin()->validate(record);
        if (!issues.empty())
            return Error{ErrorCode::kValidationFailed, "canoniek dossier ongeldig: " +
                                                           issues.front().path + ": " +
                                                           issues.front().message};
        std::string key = record.at("leerling").at("leerlingid").get<std::string>();
        std::vector<std::string> texts;
        std::vector<std::string> names;
        for (const auto& part : (*mapping)->parts) {
            auto t = reversePart(part, record, key);
            if (!t.isOk()) return t.error();
            if (t->rows.empty()) continue;
            texts.push_back(writeCsv(*t));
            names.push_back(part.name);
        }
        std::vector<BundlePart> parts;
        for (size_t i = 0; i < texts.size(); ++i) parts.push_back({names[i], names[i] + ".csv", texts[i]});
        return mapper::Encoded{"application/x-sluis-bundle", "bundle", writeBundle(parts)};
    }
};

}  // namespace

Status registerMagisterMappers(mapper::MapperRegistry& registry) {
    SLUIS_RETURN_IF_ERROR(registry.addDecoder(std::make_unique<MagisterDecoder>()));
    return registry.addEncoder(std::make_unique<MagisterEncoder>());
}

}  // namespace sluis::mapping

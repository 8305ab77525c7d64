#include "mapping/oso/oso_mapper.h"

#include "mapping/oso/oso_reader.h"

namespace sluis::oso {

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
        auto w = writeValidated(record, *std_, o, locateSchema(std_->version(), opt("schema")));
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

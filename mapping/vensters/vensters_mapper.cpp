#include "mapping/vensters/vensters_mapper.h"

#include <set>

#include "core/util/fs.h"
#include "mapping/vensters/render_pdf.h"

namespace sluis::vensters {

using nlohmann::json;

Result<json> buildReport(const ReportInput& in) {
    const IndicatorSet& set = in.indicator_set ? *in.indicator_set : builtinIndicatorSet();
    std::optional<std::vector<SchoolRef>> schools;
    if (in.schools) {
        auto s = parseSchoolList(*in.schools, in.schools_name);
        if (!s) return s.error();
        schools = std::move(*s);
    }
    auto enrolment =
        parseEnrolment(in.enrolment, in.enrolment_name, set, schools ? &*schools : nullptr);
    if (!enrolment) return enrolment.error();
    auto survey = parseSurvey(in.survey, in.survey_name, set, enrolment->schools);
    if (!survey) return survey.error();
    return computeReport(set, *enrolment, *survey, in.options);
}

namespace {

class SurveyDecoder final : public mapper::Decoder {
  public:
    std::string name() const override { return "vensters-enquete"; }
    std::vector<mapper::OptionSpec> options() const override {
        using connector::OptionType;
        return {{"niveau", OptionType::kString, nullptr, true, false, "school, onderwijssoort of keuze"},
                {"inschrijvingen", OptionType::kString, nullptr, false, false, "pad van de inschrijvingen-CSV"},
                {"inschrijvingen_csv", OptionType::kString, nullptr, false, false, "de inschrijvingen-CSV zelf"},
                {"min_cel", OptionType::kInt, nullptr, false, false, "kleinste celgrootte"},
                {"scholen", OptionType::kObjectList, nullptr, false, false, "de scholen"},
                {"schooljaar", OptionType::kString, nullptr, false, false, "schooljaar"},
                {"indicatoren", OptionType::kString, nullptr, false, false, "pad van de indicatorenset"}};
    }
    Status check(const json& o) const override {
        const std::string n = o.value("niveau", "");
        if (n != "keuze" && !parseLevel(n))
            return {ErrorCode::kInvalidConfig,
                    "niveau: verwacht \"school\", \"onderwijssoort\" of \"keuze\""};
        if (o.contains("min_cel") && (o["min_cel"].get<long long>() < 1 || o["min_cel"].get<long long>() > 1000000))
            return {ErrorCode::kInvalidConfig, "min_cel: verwacht een geheel getal >= 1"};
        return {};
    }

    Result<mapper::DecodedBatch> decode(std::string_view bytes,
                                        const mapper::DecodeContext& ctx) const override {
        const json& o = ctx.options;
        std::string p = "vensters-enquete: optie ";
        static const std::set<std::string> kKeys = {
            "niveau",  "inschrijvingen", "inschrijvingen_csv", "min_cel",
            "scholen", "schooljaar",     "indicatoren"};
        if (!o.is_object())
            return Error{ErrorCode::kInvalidConfig, "vensters-enquete: opties ontbreken"};
        for (auto& [k, v] : o.items())
            if (!kKeys.count(k))
                return Error{ErrorCode::kInvalidConfig,
                             p + k +
                                 ": onbekend; geldig: niveau, inschrijvingen, "
                                 "inschrijvingen_csv, min_cel, scholen, schooljaar, indicatoren"};
        ReportInput in;
        in.survey = std::string(bytes);
        in.survey_name = ctx.source_name.empty() ? "enquete" : ctx.source_name;
        // "keuze": the level is chosen per school in the guided delivery; each record then holds
        // the report at both levels and the encoder renders the chosen one.
        const bool choice = o.value("niveau", "") == "keuze";
        auto level = parseLevel(choice ? "school" : o.value("niveau", ""));
        if (!o.contains("niveau") || !o["niveau"].is_string() || !level)
            return Error{ErrorCode::kInvalidConfig,
                         p + "niveau: verwacht \"school\", \"onderwijssoort\" of \"keuze\""};
        in.options.level = *level;
        if (o.contains("min_cel")) {
            if (!o["min_cel"].is_number_integer() || o["min_cel"].get<long long>() < 1 ||
                o["min_cel"].get<long long>() > 1000000)
                return Error{ErrorCode::kInvalidConfig,
                             p + "min_cel: verwacht een geheel getal >= 1"};
            in.options.min_cell = o["min_cel"].get<int>();
        }
        if (o.contains("schooljaar")) {
            if (!o["schooljaar"].is_string())
                return Error{ErrorCode::kInvalidConfig, p + "schooljaar: verwacht tekst"};
            in.options.schooljaar = o["schooljaar"].get<std::string>();
        }
        if (o.contains("inschrijvingen_csv") && o["inschrijvingen_csv"].is_string()) {
            in.enrolment = o["inschrijvingen_csv"].get<std::string>();
        } else if (o.contains("inschrijvingen") && o["inschrijvingen"].is_string()) {
            std::filesystem::path path = o["inschrijvingen"].get<std::string>();
            auto text = util::readFile(path, 256u << 20);
            if (!text) return text.error();
            in.enrolment = std::move(*text);
            in.enrolment_name = path.filename().string();
        } else {
            return Error{ErrorCode::kInvalidConfig,
                         p + "inschrijvingen (pad) of inschrijvingen_csv (tekst) is verplicht"};
        }
        if (o.contains("scholen")) {
            if (!o["scholen"].is_array())
                return Error{ErrorCode::kInvalidConfig, p + "scholen: verwacht een lijst"};
            std::string csv = "brin;vestiging;naam\n";
            for (size_t i = 0; i < o["scholen"].size(); ++i) {
                const json& s = o["scholen"][i];
                auto field = [&](const char* k) {
                    return s.is_object() && s.contains(k) && s[k].is_string()
                               ? s[k].get<std::string>()
                               : std::string();
                };
                std::string naam = field("naam");
                if (naam.find_first_of(";\"\r\n") != std::string::npos)
                    return Error{ErrorCode::kInvalidConfig,
                                 p + "scholen[" + std::to_string(i) +
                                     "].naam: mag geen ; \" of regeleinde bevatten"};
                csv += field("brin") + ";" + field("vestiging") + ";" + naam + "\n";
            }
            in.schools = csv;
            in.schools_name = "optie scholen";
        }
        std::optional<IndicatorSet> custom;
        if (o.contains("indicatoren")) {
            if (!o["indicatoren"].is_string())
                return Error{ErrorCode::kInvalidConfig, p + "indicatoren: verwacht een pad"};
            auto set = loadIndicatorSet(o["indicatoren"].get<std::string>());
            if (!set) return set.error();
            custom = std::move(*set);
            in.indicator_set = &*custom;
        }
        auto report = buildReport(in);
        if (!report) return report.error();
        mapper::DecodedBatch batch;
        batch.records = splitPerSchool(*report);
        if (choice) {
            in.options.level = Level::kSchoolType;
            auto other = buildReport(in);
            if (!other) return other.error();
            auto per_school = splitPerSchool(*other);
            if (per_school.size() != batch.records.size())
                return Error{ErrorCode::kInternal,
                             "vensters-enquete: niveaus geven verschillende scholen"};
            for (size_t i = 0; i < batch.records.size(); ++i)
                batch.records[i] = json{
                    {"niveaus", {{"school", batch.records[i]}, {"onderwijssoort", per_school[i]}}}};
        }
        for (const auto& r : batch.records) {
            const json& doc = r.contains("niveaus") ? r["niveaus"]["school"] : r;
            batch.subjects.push_back(
                doc["scholen"].empty() ? "" : doc["scholen"][0].value("school", ""));
        }
        size_t n = countSuppressed((*report)["scholen"]);
        if (n > 0)
            batch.warnings.push_back(std::to_string(n) + " cellen onderdrukt (minder dan " +
                                     std::to_string(in.options.min_cell) + " respondenten)");
        return batch;
    }
};

/// One class for the three renderings, so the `{"niveaus": {...}}` record form (decoder option
/// niveau "keuze") is resolved the same way for each.
class ReportEncoder final : public mapper::Encoder {
  public:
    std::vector<mapper::OptionSpec> options() const override {
        return {{"niveau", connector::OptionType::kString, nullptr, false, false,
                 "school of onderwijssoort (anders de keuze in de begeleide levering)"}};
    }
    enum class Kind { kJson, kHtml, kPdf };
    explicit ReportEncoder(Kind kind) : kind_(kind) {}
    std::string name() const override {
        switch (kind_) {
            case Kind::kHtml:
                return "vensters-html";
            case Kind::kPdf:
                return "vensters-pdf";
            case Kind::kJson:
                break;
        }
        return "vensters-json";
    }
    Result<mapper::Encoded> encode(const json& input,
                                   const mapper::EncodeContext& ctx) const override {
        const json* record = &input;
        if (input.is_object() && input.contains("niveaus")) {
            // A report at both levels (decoder option niveau "keuze"): render the chosen one.
            std::string level = ctx.options.is_object() ? ctx.options.value("niveau", "") : "";
            if (!input["niveaus"].is_object() || !input["niveaus"].contains(level))
                return Error{ErrorCode::kInvalidArgument,
                             "kies eerst het niveau van de levering: school of onderwijssoort"};
            record = &input["niveaus"][level];
        }
        SLUIS_RETURN_IF_ERROR(checkReport(*record));
        switch (kind_) {
            case Kind::kHtml:
                return mapper::Encoded{"text/html; charset=utf-8", "html", renderHtml(*record)};
            case Kind::kPdf:
                return mapper::Encoded{"application/pdf", "pdf", renderPdf(*record)};
            case Kind::kJson:
                break;
        }
        return mapper::Encoded{"application/json", "json", renderJson(*record)};
    }

  private:
    Kind kind_;
};

}  // namespace

Status registerVenstersMappers(mapper::MapperRegistry& registry) {
    SLUIS_RETURN_IF_ERROR(registry.addDecoder(std::make_unique<SurveyDecoder>()));
    using Kind = ReportEncoder::Kind;
    SLUIS_RETURN_IF_ERROR(registry.addEncoder(std::make_unique<ReportEncoder>(Kind::kJson)));
    SLUIS_RETURN_IF_ERROR(registry.addEncoder(std::make_unique<ReportEncoder>(Kind::kHtml)));
    return registry.addEncoder(std::make_unique<ReportEncoder>(Kind::kPdf));
}

}  // namespace sluis::vensters

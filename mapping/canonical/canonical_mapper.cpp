#include "mapping/canonical/canonical_mapper.h"

#include "core/model/model.h"
#include "core/util/text.h"
#include "core/util/json.h"

namespace sluis::mapping {

using nlohmann::json;

namespace {

class JsonlDecoder final : public mapper::Decoder {
public:
    std::string name() const override { return "canonical-jsonl"; }

    Result<mapper::DecodedBatch> decode(std::string_view bytes,
                                        const mapper::DecodeContext& ctx) const override {
        if (bytes.size() > kMaxCanonicalInputBytes)
            return Error{ErrorCode::kTooLarge, ctx.source_name + ": bestand is groter dan 64 MiB"};
        auto enc = util::checkUtf8(bytes);
        if (!enc.isOk()) return Error{ErrorCode::kInvalidInput, ctx.source_name + ": " + enc.message()};
        std::string_view body = util::stripUtf8Bom(bytes);

        auto def = model::ModelDefinition::builtin();
        mapper::DecodedBatch batch;
        std::vector<std::string> problems;
        size_t line_no = 0;
        size_t pos = 0;
        while (pos <= body.size()) {
            size_t end = body.find('\n', pos);
            if (end == std::string_view::npos) end = body.size();
            std::string_view line = body.substr(pos, end - pos);
            ++line_no;
            pos = end + 1;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (util::isBlank(line)) {
                if (end == body.size()) break;
                continue;
            }
            std::string where = ctx.source_name + ":" + std::to_string(line_no);
            json rec;
            try {
                rec = util::parseJson(line, where);
            } catch (const util::JsonTooDeep& e) {
                problems.push_back(e.what());
                if (end == body.size()) break;
                continue;
            } catch (const json::parse_error& e) {
                problems.push_back(where + ": geen geldige JSON (teken " +
                                   std::to_string(e.byte) + ")");
                if (end == body.size()) break;
                continue;
            }
            for (const auto& issue : def->validate(rec))
                problems.push_back(where + ": " + (issue.path.empty() ? "" : issue.path + ": ") +
                                   issue.message);
            batch.records.push_back(std::move(rec));
            if (end == body.size()) break;
        }
        if (!problems.empty()) {
            std::string msg = std::to_string(problems.size()) + " fout(en) in " + ctx.source_name;
            for (size_t i = 0; i < problems.size() && i < 50; ++i) msg += "\n" + problems[i];
            if (problems.size() > 50) msg += "\n...";
            return Error{ErrorCode::kValidationFailed, msg};
        }
        if (batch.records.empty())
            return Error{ErrorCode::kInvalidInput, ctx.source_name + ": bevat geen leerlingen"};
        return batch;
    }
};

class JsonEncoder final : public mapper::Encoder {
public:
    std::string name() const override { return "canonical-json"; }

    Result<mapper::Encoded> encode(const json& record,
                                   const mapper::EncodeContext&) const override {
        auto issues = model::ModelDefinition::builtin()->validate(record);
        if (!issues.empty())
            return Error{ErrorCode::kValidationFailed,
                         "canoniek dossier ongeldig: " + issues.front().path + ": " +
                             issues.front().message};
        return mapper::Encoded{"application/json", "json", record.dump(2) + "\n"};
    }
};

}  // namespace

Status registerCanonicalMappers(mapper::MapperRegistry& registry) {
    SLUIS_RETURN_IF_ERROR(registry.addDecoder(std::make_unique<JsonlDecoder>()));
    return registry.addEncoder(std::make_unique<JsonEncoder>());
}

}  // namespace sluis::mapping

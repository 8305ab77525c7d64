#include "core/api/body.h"

#include <string>

#include "core/util/json.h"
#include "core/util/text.h"

namespace sluis::api {

using nlohmann::json;

Result<json> parseRequestBody(std::string_view body, std::streamsize max) {
    if (static_cast<std::streamsize>(body.size()) > max)
        return Error{ErrorCode::kTooLarge, "verzoek groter dan " + std::to_string(max >> 20) + " MiB"};
    if (util::isBlank(body)) return json::object();
    if (auto deep = util::jsonDepthError(body, "verzoek"); !deep.empty())
        return Error{ErrorCode::kInvalidInput, deep};
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return Error{ErrorCode::kInvalidInput, "verzoek is geen geldig JSON-object"};
    return j;
}

}  // namespace sluis::api

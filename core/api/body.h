#pragma once
/// The admin API's request body check, without the server: the bytes a route read off the socket
/// become a JSON object or a client error. Split out of admin_server.cpp so that a fuzz target
/// (tests/fuzz/api_body_fuzz.cpp) can drive exactly what the server runs on untrusted bodies.
#include <ios>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.h"

namespace sluis::api {

/// `body` as the JSON object a handler receives: an empty object when `body` is blank;
/// kTooLarge when it is longer than `max` bytes; kInvalidInput when it nests deeper than
/// util::kMaxJsonDepth (checked before nlohmann parses, which would recurse once per level), is
/// no valid JSON, or is not an object. Messages are Dutch and never quote the body.
Result<nlohmann::json> parseRequestBody(std::string_view body, std::streamsize max);

}  // namespace sluis::api

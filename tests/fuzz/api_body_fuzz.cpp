// Fuzz target: the admin API's body reader (size limit, nesting limit, JSON parse, object check),
// exactly what the server runs on every untrusted request body before a handler sees it.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/api/body.h"
#include "core/util/json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    // A limit the inputs can exceed, so the size check is exercised too.
    constexpr std::streamsize kMax = 4096;
    auto body = sluis::api::parseRequestBody(input, kMax);
    if (!body) {
        // An error is the client's and names no content; it never is an internal one.
        if (body.error().code != sluis::ErrorCode::kTooLarge &&
            body.error().code != sluis::ErrorCode::kInvalidInput)
            __builtin_trap();
        return 0;
    }
    // What passes is an object within the nesting limit, and survives a dump and re-parse
    // unchanged (the handlers and the audit log dump bodies).
    if (!body->is_object()) __builtin_trap();
    if (static_cast<std::streamsize>(size) > kMax) __builtin_trap();
    const std::string again = body->dump();
    if (!sluis::util::jsonDepthError(again, "fuzz").empty()) __builtin_trap();
    auto reparsed = sluis::api::parseRequestBody(again, static_cast<std::streamsize>(again.size()));
    if (!reparsed || *reparsed != *body) __builtin_trap();
    return 0;
}

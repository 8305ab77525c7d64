// Fuzz target: the web interface's multipart/form-data reader (core/web/multipart.h), exactly
// what the router runs on an untrusted upload body before any page sees it. The first line of
// the input is the Content-Type header, the rest the body.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/web/multipart.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t nl = input.find('\n');
    std::string_view type = nl == std::string_view::npos ? input : input.substr(0, nl);
    std::string_view body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    sluis::web::MultipartLimits limits;
    // Limits the inputs can pass, so every limit check is exercised too.
    limits.max_parts = 8;
    limits.max_header_bytes = 256;
    limits.max_field_bytes = 512;
    limits.max_file_bytes = 1024;
    auto parts = sluis::web::parseMultipart(body, type, limits);
    if (!parts) {
        // An error is the client's; it never is an internal one.
        if (parts.error().code != sluis::ErrorCode::kTooLarge &&
            parts.error().code != sluis::ErrorCode::kInvalidInput)
            __builtin_trap();
        return 0;
    }
    // What passes keeps every limit, has named, distinct parts, and a boundary was found.
    if (!sluis::web::multipartBoundary(type)) __builtin_trap();
    if (parts->size() > limits.max_parts || parts->empty()) __builtin_trap();
    size_t total = 0;
    for (size_t i = 0; i < parts->size(); ++i) {
        const auto& p = (*parts)[i];
        if (p.name.empty()) __builtin_trap();
        if (p.data.size() > (p.filename ? limits.max_file_bytes : limits.max_field_bytes))
            __builtin_trap();
        for (size_t j = 0; j < i; ++j)
            if ((*parts)[j].name == p.name) __builtin_trap();
        total += p.data.size();
    }
    if (total > body.size()) __builtin_trap();
    return 0;
}

#pragma once
/// A small, strict reader of multipart/form-data (RFC 7578) for the one web form that uploads a
/// file (the consent's evidence, consent_pages.cpp). Strict: CRLF line ends, the boundary from the
/// Content-Type (1-70 characters of RFC 2046's set), every part with a Content-Disposition
/// `form-data; name="..."` (optionally `filename="..."`), each name once, bounded header sizes,
/// part counts and sizes, nothing after the closing boundary but an optional CRLF. Everything
/// else is refused whole with a Dutch message that names the problem (never a value).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace sluis::web {

struct MultipartPart {
    std::string name;
    std::optional<std::string> filename;  ///< set for a file input (may be empty: no file chosen)
    std::string content_type;             ///< the part's Content-Type; empty when absent
    std::string data;
};

struct MultipartLimits {
    size_t max_parts = 32;
    size_t max_header_bytes = 4096;   ///< of one part's header block
    size_t max_field_bytes = 64 * 1024;  ///< of a part without filename
    size_t max_file_bytes = 5 << 20;     ///< of a part with filename
};

/// The boundary of a `multipart/form-data; boundary=...` Content-Type; nullopt when the type is
/// another or the boundary is missing or invalid.
std::optional<std::string> multipartBoundary(std::string_view content_type);

/// The parts of `body`. kTooLarge when a limit is passed; kInvalidInput for anything malformed.
Result<std::vector<MultipartPart>> parseMultipart(std::string_view body,
                                                  std::string_view content_type,
                                                  const MultipartLimits& limits = {});

}  // namespace sluis::web

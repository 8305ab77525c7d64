#pragma once
/// The one percent-encoder of the tree: query strings (web paging links, the CLI's API client,
/// the SomToday source), form bodies (OpenID Connect token requests) and otpauth URIs.
#include <string>
#include <string_view>

namespace sluis::util {

/// Percent-encoding (RFC 3986 section 2.1) for a URI component or a form value
/// (application/x-www-form-urlencoded): every byte except the unreserved characters (ALPHA, DIGIT,
/// '-', '.', '_', '~') and those listed in `keep` becomes %XX with upper-case hex. NUL is always
/// encoded.
std::string percentEncode(std::string_view s, std::string_view keep = {});

}  // namespace sluis::util

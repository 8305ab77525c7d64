#pragma once
/// HTTP from the daemon to the OpenID provider (libcurl): discovery, JWKS, the token endpoint.
/// https only (with the system's CAs, peer and host checked), or http to a loopback address (the
/// test provider); no redirects followed; answers bounded in size; a deadline per request.
/// Bodies are never logged: a token endpoint's answer holds tokens.
#include <chrono>
#include <string>
#include <vector>

#include "core/error.h"

namespace sluis::web::oidc {

struct HttpAnswer {
    long status = 0;
    std::string content_type;
    std::string body;
};

/// Whether `url` may be fetched: https, or http to 127.0.0.0/8, ::1 or localhost.
bool allowedUrl(const std::string& url);

/// GET `url`. kUnavailable when the provider cannot be reached or answers 5xx, kInvalidInput
/// when the URL is not allowed, kTooLarge above 1 MiB.
Result<HttpAnswer> httpGet(const std::string& url,
                           std::chrono::milliseconds timeout = std::chrono::seconds(10));
/// POST an application/x-www-form-urlencoded `form`; `basic_user`/`basic_password` non-empty:
/// HTTP Basic authentication (RFC 6749 §2.3.1: both form-urlencoded first).
Result<HttpAnswer> httpPostForm(const std::string& url, const std::string& form,
                                const std::string& basic_user = {},
                                const std::string& basic_password = {},
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace sluis::web::oidc

#pragma once
/// A plain HTTP client for tests that talk to the daemon's admin API on loopback.
#include <nlohmann/json.hpp>
#include <string>

namespace sluis::test {

struct HttpReply {
    int status = 0;
    nlohmann::json body;  ///< Parsed JSON (discarded when the body is not JSON).
    std::string raw;
};

/// One request to 127.0.0.1:`port`; `token` empty: no Authorization header; `body` null: no body.
HttpReply httpCall(int port, const std::string& method, const std::string& path,
                   const std::string& token = "", const nlohmann::json& body = nlohmann::json());

}  // namespace sluis::test

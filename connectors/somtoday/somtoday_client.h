#pragma once
/// Internal to connectors/somtoday: one HTTPS client for a SomToday-style API (libcurl over
/// OpenSSL). Holds the OAuth2 client-credentials token (cached, refreshed shortly before expiry,
/// and once more after a 401), honours 429/503 Retry-After with a cap and a retry limit, and
/// reuses one connection (keep-alive). Thread-safe (one mutex around every exchange).
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/connector/connector.h"
#include "core/error.h"
#include "core/util/clock.h"

namespace sluis::connectors::somtoday {

struct ClientSettings {
    std::string prefix;  ///< "bron x: " or "doel x: ", put before every message.
    std::string base_url;
    std::string token_url;
    std::string client_id;
    std::string client_secret;
    std::string scope;
    std::string ca_file;  ///< Empty: the system's CA store.
    long connect_timeout_ms = 10000;
    long timeout_ms = 60000;
    std::chrono::milliseconds retry_after_max{5000};
    int max_retries = 3;
    /// The clock for Retry-After waits and token lifetimes; nullptr: the system clock. Must
    /// outlive the client.
    const Clock* clock = nullptr;
};

/// Reads the options every somtoday-rest instance shares; Dutch errors. Refuses
/// insecure_skip_verify (Sluis has no development mode that could allow it).
Result<ClientSettings> clientSettingsFrom(const std::string& prefix, const connector::Options& o);
/// Option declarations every somtoday-rest instance shares.
std::vector<connector::OptionSpec> commonOptions();

struct HttpResponse {
    long status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  ///< Lower-case names; last value wins.
    std::string header(const std::string& lower_name) const;
};

class Client {
  public:
    explicit Client(ClientSettings s);
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    /// GET `path` (relative to base_url, may carry a query) with extra header lines.
    /// Returns the final response for any status except: 401 after one refresh
    /// (kUnauthenticated), 429/503 after max_retries (kUnavailable; later calls fail fast with
    /// kUnavailable until the server's Retry-After has passed). Transport/TLS failures:
    /// kUnavailable with a Dutch message.
    Result<HttpResponse> get(const std::string& path, const std::vector<std::string>& headers);
    Result<HttpResponse> post(const std::string& path, const std::string& body,
                              const std::vector<std::string>& headers);

    /// True while the server asked us (Retry-After) not to call yet.
    bool throttled() const;
    /// Number of tokens obtained so far (for logs and tests).
    size_t tokensObtained() const;

  private:
    Result<HttpResponse> request(const std::string& method, const std::string& path,
                                 const std::string& body, const std::vector<std::string>& headers);
    Result<HttpResponse> perform(const std::string& method, const std::string& url,
                                 const std::string& body, const std::vector<std::string>& headers);
    Status ensureToken();
    Timestamp now() const;

    ClientSettings s_;
    mutable std::mutex mu_;
    struct Curl;
    std::unique_ptr<Curl> curl_;
    std::string token_;
    Timestamp token_refresh_at_{};
    Timestamp not_before_{};
    size_t tokens_ = 0;
};

}  // namespace sluis::connectors::somtoday

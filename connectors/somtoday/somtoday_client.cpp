// HTTPS client for a SomToday-style API: OAuth2 client credentials, Retry-After, keep-alive.
#include "connectors/somtoday/somtoday_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "connectors/common/http_client_util.h"
#include "connectors/somtoday/somtoday.h"
#include "core/util/log.h"
#include "core/util/json.h"

namespace sluis::connectors::somtoday {

using connector::OptionSpec;
using connector::OptionType;

namespace {

constexpr size_t kMaxResponseBytes = 64u * 1024u * 1024u;

/// Dutch description of a libcurl failure; `detail` names hosts and certificate problems only.
std::string transportMessage(CURLcode rc, const std::string& detail) {
    std::string what;
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            what = "time-out: de server antwoordde niet op tijd";
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
            what = "hostnaam niet gevonden";
            break;
        case CURLE_COULDNT_CONNECT:
            what = "geen verbinding met de server";
            break;
        case CURLE_PEER_FAILED_VERIFICATION:
            what =
                "het servercertificaat is niet vertrouwd of hoort niet bij de hostnaam "
                "(controleer ca_file en de url); niets uitgewisseld";
            break;
        case CURLE_SSL_CONNECT_ERROR:
            what = "TLS-verbinding mislukt";
            break;
        case CURLE_SSL_CACERT_BADFILE:
            what = "CA-bestand onbruikbaar (controleer ca_file)";
            break;
        case CURLE_WRITE_ERROR:
            what = "antwoord te groot (meer dan 64 MiB)";
            break;
        case CURLE_GOT_NOTHING:
            what = "de server sloot de verbinding zonder antwoord";
            break;
        default:
            what = "verzoek mislukt";
            break;
    }
    return what + " [curl " + std::to_string(static_cast<int>(rc)) + ": " + detail + "]";
}

std::chrono::seconds retryAfterOf(const HttpResponse& r, Timestamp now) {
    auto ra = parseRetryAfter(r.header("retry-after"), now);
    return ra ? *ra : std::chrono::seconds(1);
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
}

std::vector<OptionSpec> commonOptions() {
    return {
        {"base_url", OptionType::kString, nullptr, true, false,
         "Base URL of the REST API, e.g. https://api.example.nl/rest/v1 (https:// only)."},
        {"token_url", OptionType::kString, nullptr, true, false,
         "OAuth2 token endpoint (client-credentials grant), https:// only."},
        {"client_id", OptionType::kString, nullptr, true, false, "OAuth2 client id."},
        {"client_secret", OptionType::kString, nullptr, true, true, "OAuth2 client secret."},
        {"scope", OptionType::kString, nullptr, false, false,
         "OAuth2 scope to ask for (omitted when empty)."},
        {"ca_file", OptionType::kPath, nullptr, false, false,
         "PEM file with the CA certificate(s) the server certificate must chain to; without it "
         "the system's CA store is used."},
        {"insecure_skip_verify", OptionType::kBool, false, false, false,
         "Skip TLS verification. Always refused: Sluis has no development mode that allows it."},
        {"connect_timeout", OptionType::kDurationMs, "10s", false, false,
         "Time allowed to connect and finish the TLS handshake."},
        {"timeout", OptionType::kDurationMs, "60s", false, false,
         "Time allowed for one request/response exchange."},
        {"retry_after_max", OptionType::kDurationMs, "5s", false, false,
         "Longest wait inside one call after a 429/503; a longer Retry-After is waited out "
         "between polls instead (nothing is sent before it has passed)."},
        {"max_retries", OptionType::kInt, 3, false, false,
         "Retries of one request after a 429/503 before the call reports 'unavailable'."},
    };
}

Result<ClientSettings> clientSettingsFrom(const std::string& prefix, const connector::Options& o) {
    if (o.boolean("insecure_skip_verify"))
        return Error{ErrorCode::kInvalidConfig,
                     prefix +
                         "insecure_skip_verify=true is niet toegestaan: Sluis praat alleen met "
                         "een server waarvan het certificaat en de hostnaam zijn gecontroleerd "
                         "(gebruik ca_file voor een eigen CA)"};
    ClientSettings s;
    s.prefix = prefix;
    s.base_url = o.str("base_url");
    while (!s.base_url.empty() && s.base_url.back() == '/') s.base_url.pop_back();
    s.token_url = o.str("token_url");
    if (!http::isHttpsUrl(s.base_url))
        return Error{ErrorCode::kInvalidConfig,
                     prefix + "base_url moet met https:// beginnen en een host bevatten"};
    if (!http::isHttpsUrl(s.token_url))
        return Error{ErrorCode::kInvalidConfig,
                     prefix + "token_url moet met https:// beginnen en een host bevatten"};
    s.client_id = o.str("client_id");
    s.client_secret = o.str("client_secret");
    if (s.client_id.empty() || s.client_secret.empty())
        return Error{ErrorCode::kInvalidConfig,
                     prefix + "client_id en client_secret mogen niet leeg zijn"};
    s.scope = o.str("scope");
    s.ca_file = o.str("ca_file");
    if (!s.ca_file.empty()) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(s.ca_file, ec))
            return Error{ErrorCode::kInvalidConfig,
                         prefix + "ca_file " + s.ca_file + " bestaat niet of is geen bestand"};
    }
    s.connect_timeout_ms = static_cast<long>(o.duration("connect_timeout").count());
    s.timeout_ms = static_cast<long>(o.duration("timeout").count());
    if (s.connect_timeout_ms <= 0 || s.timeout_ms <= 0)
        return Error{ErrorCode::kInvalidConfig,
                     prefix + "connect_timeout en timeout moeten groter dan 0 zijn"};
    s.retry_after_max = o.duration("retry_after_max");
    long long retries = o.integer("max_retries");
    if (s.retry_after_max.count() < 0 || retries < 0 || retries > 100)
        return Error{ErrorCode::kInvalidConfig,
                     prefix + "retry_after_max moet >= 0 zijn en max_retries tussen 0 en 100"};
    s.max_retries = static_cast<int>(retries);
    http::curlGlobalInit();
    return s;
}

struct Client::Curl {
    CURL* h = nullptr;
    ~Curl() {
        if (h != nullptr) curl_easy_cleanup(h);
    }
};

Client::Client(ClientSettings s) : s_(std::move(s)), curl_(std::make_unique<Curl>()) {}
Client::~Client() = default;

Timestamp Client::now() const { return s_.clock ? s_.clock->now() : SystemClock().now(); }

bool Client::throttled() const {
    std::lock_guard lock(mu_);
    return now() < not_before_;
}

size_t Client::tokensObtained() const {
    std::lock_guard lock(mu_);
    return tokens_;
}

Result<HttpResponse> Client::get(const std::string& path, const std::vector<std::string>& headers) {
    std::lock_guard lock(mu_);
    return request("GET", path, "", headers);
}

Result<HttpResponse> Client::post(const std::string& path, const std::string& body,
                                  const std::vector<std::string>& headers) {
    std::lock_guard lock(mu_);
    return request("POST", path, body, headers);
}

Result<HttpResponse> Client::perform(const std::string& method, const std::string& url,
                                     const std::string& body,
                                     const std::vector<std::string>& headers) {
    if (curl_->h == nullptr) curl_->h = curl_easy_init();
    if (curl_->h == nullptr)
        return Error{ErrorCode::kUnavailable, s_.prefix + "libcurl kon niet starten"};
    CURL* c = curl_->h;
    curl_easy_reset(c);  // keeps the connection cache
    http::SlistPtr hl;
    if (!http::headerList(headers, hl))
        return Error{ErrorCode::kUnavailable, s_.prefix + "geheugen vol"};
    HttpResponse res;
    http::BodySink sink{&res.body, kMaxResponseBytes};
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    http::setStrictHttps(c);
    curl_easy_setopt(c, CURLOPT_PROXY, "");  // never a proxy from the environment
    curl_easy_setopt(c, CURLOPT_USERAGENT, "sluis-somtoday-rest");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl.get());
    if (method == "POST") {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http::writeBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, http::writeHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &res.headers);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s_.connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s_.timeout_ms);
    if (!s_.ca_file.empty()) {
        curl_easy_setopt(c, CURLOPT_CAINFO, s_.ca_file.c_str());
        curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        std::string detail = http::errorDetail(rc, errbuf);
        if (sink.overflow) rc = CURLE_WRITE_ERROR;
        return Error{ErrorCode::kUnavailable, s_.prefix + transportMessage(rc, detail)};
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
    return res;
}

Status Client::ensureToken() {
    if (!token_.empty() && now() < token_refresh_at_) return {};
    token_.clear();
    auto escape = [&](const std::string& v) {
        char* e = curl_easy_escape(nullptr, v.c_str(), static_cast<int>(v.size()));
        std::string out = e != nullptr ? e : "";
        curl_free(e);
        return out;
    };
    std::string form = "grant_type=client_credentials&client_id=" + escape(s_.client_id) +
                       "&client_secret=" + escape(s_.client_secret);
    if (!s_.scope.empty()) form += "&scope=" + escape(s_.scope);
    // The lifetime counts from when the server issued the token, which is at the latest now:
    // measuring from the answer would stretch it by the round trip.
    const auto requested_at = now();
    auto r = perform(
        "POST", s_.token_url, form,
        {"Content-Type: application/x-www-form-urlencoded", "Accept: application/json", "Expect:"});
    if (!r) return r.error();
    std::string code = "HTTP " + std::to_string(r->status);
    if (r->status == 400 || r->status == 401 || r->status == 403)
        return {ErrorCode::kUnauthenticated,
                s_.prefix + "het token-endpoint weigert client_id/client_secret (" + code + ")"};
    if (r->status == 429 || r->status == 503) {
        not_before_ = now() + retryAfterOf(*r, now());
        return {ErrorCode::kUnavailable,
                s_.prefix + "het token-endpoint is tijdelijk niet beschikbaar (" + code + ")"};
    }
    if (r->status != 200)
        return {ErrorCode::kUnavailable,
                s_.prefix + "onverwacht antwoord van het token-endpoint (" + code + ")"};
    auto j = util::parseJsonOrDiscarded(r->body);
    if (j.is_discarded() || !j.is_object() || !j.contains("access_token") ||
        !j["access_token"].is_string() || j["access_token"].get<std::string>().empty())
        return {ErrorCode::kUnavailable,
                s_.prefix + "antwoord van het token-endpoint bevat geen access_token"};
    long long expires_in = 3600;
    if (j.contains("expires_in") && j["expires_in"].is_number_integer())
        expires_in = std::max<long long>(0, j["expires_in"].get<long long>());
    token_ = j["access_token"].get<std::string>();
    // Refresh a little before expiry: a tenth of the lifetime, at most a minute.
    auto life = std::chrono::milliseconds(expires_in * 1000);
    auto margin = std::min<std::chrono::milliseconds>(life / 10, std::chrono::seconds(60));
    token_refresh_at_ = requested_at + life - margin;
    ++tokens_;
    log::debug("somtoday.token_obtained", {{"expires_in_s", expires_in}});
    return {};
}

Result<HttpResponse> Client::request(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     const std::vector<std::string>& headers) {
    if (now() < not_before_)
        return Error{
            ErrorCode::kUnavailable,
            s_.prefix + "de server vroeg om te wachten (Retry-After); nog niet verstreken"};
    std::string url = s_.base_url + (path.empty() || path[0] == '/' ? "" : "/") + path;
    bool refreshed = false;
    int retries = 0;
    for (;;) {
        SLUIS_RETURN_IF_ERROR(ensureToken());
        std::vector<std::string> lines = headers;
        lines.push_back("Authorization: Bearer " + token_);
        lines.push_back("Accept: application/json");
        lines.push_back("Expect:");
        auto r = perform(method, url, body, lines);
        if (!r) return r.error();
        if (r->status == 401) {
            token_.clear();
            if (!refreshed) {
                refreshed = true;
                log::info("somtoday.token_rejected", {{"path", path.substr(0, path.find('?'))}});
                continue;
            }
            return Error{ErrorCode::kUnauthenticated,
                         s_.prefix + "de API weigert ook een vers token (HTTP 401)"};
        }
        if (r->status == 429 || r->status == 503) {
            auto wait = retryAfterOf(*r, now());
            if (retries >= s_.max_retries ||
                std::chrono::duration_cast<std::chrono::milliseconds>(wait) > s_.retry_after_max) {
                not_before_ = now() + wait;
                return Error{ErrorCode::kUnavailable,
                             s_.prefix + "de server is overbelast (HTTP " +
                                 std::to_string(r->status) + ", Retry-After " +
                                 std::to_string(wait.count()) + " s); later opnieuw"};
            }
            ++retries;
            log::info(
                "somtoday.throttled",
                {{"status", r->status}, {"retry_after_s", wait.count()}, {"attempt", retries}});
            std::this_thread::sleep_for(wait);
            continue;
        }
        return r;
    }
}

}  // namespace sluis::connectors::somtoday

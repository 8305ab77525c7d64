#include "connectors/common/http_client_util.h"
#include "core/util/json.h"

#include <algorithm>
#include <cctype>
#include <mutex>
#include <nlohmann/json.hpp>

namespace sluis::connectors::http {

void curlGlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void setStrictHttps(CURL* c) {
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return s.substr(i);
}

bool isHttpsUrl(const std::string& url) {
    return lower(url).rfind("https://", 0) == 0 && url.size() > 8;
}

bool headerSafe(const std::string& s) {
    if (s.empty() || s.size() > 200) return false;
    return std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool headerList(const std::vector<std::string>& lines, SlistPtr& out) {
    out.reset();
    curl_slist* list = nullptr;
    for (const auto& line : lines) {
        curl_slist* next = curl_slist_append(list, line.c_str());
        if (next == nullptr) {
            curl_slist_free_all(list);
            return false;
        }
        list = next;
    }
    out.reset(list);
    return true;
}

size_t writeBody(char* data, size_t size, size_t nmemb, void* userp) {
    auto* sink = static_cast<BodySink*>(userp);
    size_t n = size * nmemb;
    if (sink->keep_prefix) {
        // Keep reading (so the exchange completes) but keep only a bounded prefix.
        if (sink->body->size() < sink->max_bytes)
            sink->body->append(data, std::min(n, sink->max_bytes - sink->body->size()));
        return n;
    }
    if (sink->body->size() + n > sink->max_bytes) {
        sink->overflow = true;
        return 0;  // aborts the transfer
    }
    sink->body->append(data, n);
    return n;
}

size_t writeHeader(char* data, size_t size, size_t nitems, void* userp) {
    auto* headers = static_cast<std::map<std::string, std::string>*>(userp);
    size_t n = size * nitems;
    std::string line(data, n);
    if (line.rfind("HTTP/", 0) == 0) {
        headers->clear();  // a new response (after 100-continue or a redirect)
        return n;
    }
    auto colon = line.find(':');
    if (colon != std::string::npos)
        (*headers)[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    return n;
}

std::string errorDetail(CURLcode rc, const char* errbuf) {
    return errbuf != nullptr && errbuf[0] != 0 ? std::string(errbuf) : curl_easy_strerror(rc);
}

std::string jsonReceipt(std::string_view body, const std::string& field) {
    auto j = util::parseJsonOrDiscarded(body);
    if (j.is_discarded() || !j.is_object() || !j.contains(field)) return "";
    const auto& v = j[field];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<long long>());
    return "";
}

}  // namespace sluis::connectors::http

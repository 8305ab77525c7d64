#pragma once
/// Helpers shared by the connectors that speak HTTPS through libcurl (connectors/inspectie,
/// connectors/somtoday): global libcurl set-up, header lists, bounded response bodies, response
/// headers, and the receipt in a JSON answer. No connector-specific wording lives here.
#include <curl/curl.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluis::connectors::http {

/// curl_global_init(CURL_GLOBAL_DEFAULT), once per process.
void curlGlobalInit();

/// The transport policy of every connector request: https only, no redirects followed, no
/// signals, TLS 1.2 or newer, server certificate and host name verified.
void setStrictHttps(CURL* c);

/// ASCII lower case.
std::string lower(std::string s);
/// Without leading and trailing white space.
std::string trim(std::string s);
/// Starts with https:// (any case) and has something after it.
bool isHttpsUrl(const std::string& url);
/// Fits in an HTTP header value as an id: 1 to 200 visible ASCII characters.
bool headerSafe(const std::string& s);

struct SlistFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistFree>;
/// The header lines as a curl_slist; false (and `out` empty) when memory ran out.
bool headerList(const std::vector<std::string>& lines, SlistPtr& out);

/// CURLOPT_WRITEDATA for writeBody: collects the body up to `max_bytes`. Beyond it, either the
/// transfer is aborted (CURLE_WRITE_ERROR, `overflow` set) or, with `keep_prefix`, the exchange
/// completes and only the first `max_bytes` are kept.
struct BodySink {
    std::string* body;
    size_t max_bytes;
    bool keep_prefix = false;
    bool overflow = false;
};
/// CURLOPT_WRITEFUNCTION for a BodySink.
size_t writeBody(char* data, size_t size, size_t nmemb, void* userp);

/// CURLOPT_HEADERFUNCTION with CURLOPT_HEADERDATA a std::map<std::string, std::string>*: the
/// headers of the last response, names in lower case, values trimmed.
size_t writeHeader(char* data, size_t size, size_t nitems, void* userp);

/// What went wrong in a failed curl_easy_perform: the error buffer, else libcurl's text for `rc`.
std::string errorDetail(CURLcode rc, const char* errbuf);

/// The receipt in a JSON answer: `field` of the top-level object when it is a string or an
/// integer; empty otherwise.
std::string jsonReceipt(std::string_view body, const std::string& field);

}  // namespace sluis::connectors::http

// HTTP to the OpenID provider with libcurl (oidc_http.h).
#include "core/web/oidc_http.h"

#include <curl/curl.h>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <cctype>
#include <memory>
#include <mutex>

#include "core/config/config.h"
#include "core/util/percent_encode.h"

namespace sluis::web::oidc {

namespace {

constexpr size_t kMaxBody = 1 << 20;

void curlGlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Sink {
    std::string body;
    bool too_large = false;
};

size_t onData(char* p, size_t size, size_t n, void* user) {
    auto* s = static_cast<Sink*>(user);
    if (s->body.size() + size * n > kMaxBody) {
        s->too_large = true;
        return 0;
    }
    s->body.append(p, size * n);
    return size * n;
}

Result<HttpAnswer> perform(const std::string& url, const std::string* form,
                           const std::string& user, const std::string& password,
                           std::chrono::milliseconds timeout) {
    if (!allowedUrl(url))
        return Error{ErrorCode::kInvalidInput,
                     "aanmeldserver: alleen https (of http op 127.0.0.1) is toegestaan"};
    curlGlobalInit();
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return Error{ErrorCode::kInternal, "libcurl: geen handle"};
    CURL* h = curl.get();
    Sink sink;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onData);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "Sluis");
    struct curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Accept: application/json");
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, curl_slist_free_all);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    if (form) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, form->c_str());
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(form->size()));
    }
    if (!user.empty()) {
        curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(h, CURLOPT_USERNAME, user.c_str());
        curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
    }
    CURLcode rc = curl_easy_perform(h);
    if (sink.too_large) return Error{ErrorCode::kTooLarge, "aanmeldserver: antwoord te groot"};
    if (rc != CURLE_OK)
        return Error{ErrorCode::kUnavailable,
                     std::string("aanmeldserver onbereikbaar: ") + curl_easy_strerror(rc)};
    HttpAnswer a;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
    char* ct = nullptr;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    if (ct) a.content_type = ct;
    a.body = std::move(sink.body);
    if (a.status >= 500)
        return Error{ErrorCode::kUnavailable,
                     "aanmeldserver antwoordt met status " + std::to_string(a.status)};
    return a;
}

}  // namespace

bool allowedUrl(const std::string& url) {
    try {
        Poco::URI u(url);
        if (u.getScheme() == "https") return !u.getHost().empty();
        return u.getScheme() == "http" && config::isLoopbackHost(u.getHost());
    } catch (const Poco::Exception&) {
        return false;
    }
}

Result<HttpAnswer> httpGet(const std::string& url, std::chrono::milliseconds timeout) {
    return perform(url, nullptr, {}, {}, timeout);
}

Result<HttpAnswer> httpPostForm(const std::string& url, const std::string& form,
                                const std::string& basic_user, const std::string& basic_password,
                                std::chrono::milliseconds timeout) {
    return perform(url, &form, basic_user.empty() ? "" : util::percentEncode(basic_user),
                   basic_user.empty() ? "" : util::percentEncode(basic_password), timeout);
}

}  // namespace sluis::web::oidc

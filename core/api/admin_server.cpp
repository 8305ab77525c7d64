// The admin API server: start/stop, the routing table, authentication and the last line of
// defence (an exception becomes a 500). The endpoints live in one file per area (transfers_api.cpp,
// approvals_api.cpp, batches_api.cpp, procedures_api.cpp, consents_api.cpp,
// disclosures_api.cpp, audit_api.cpp, health_api.cpp); what they share is in request.h.
#include "core/api/admin_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerConnection.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "core/api/body.h"
#include "core/api/request.h"
#include "core/crypto/payload_cipher.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"
#include "core/web/web_ui.h"

namespace sluis::api {

using nlohmann::json;
using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

const std::vector<std::string>& knownRoles() {
    static const std::vector<std::string> r = {"beheerder", "mentor",        "zorgcoordinator",
                                               "directeur", "bevoegd-gezag", "fg"};
    return r;
}

std::string hashToken(const std::string& token) { return util::sha256Hex(token); }

std::pair<std::string, std::string> newApiToken() {
    std::string token = "sluis_" + util::toHex(crypto::randomBytes(20));
    return {token, hashToken(token)};
}

/// The whole-request deadline (docs/operations.md, "Slow clients"). Every connection is
/// registered when a worker picks it up, with a duplicate of its descriptor; a thread shuts the
/// socket down for reading when the connection has not delivered its request (TLS handshake,
/// headers and body) by the deadline. Whatever read the worker is blocked on (poll, read, TLS
/// handshake) then sees the end of the stream at once, the connection ends and the worker is
/// free. Only the reading side: a short error answer may still be written, and no write can
/// fail with EPIPE because of us. Poco's own timeouts are per read and restart with every byte,
/// so they alone do not bound a request. The duplicate keeps the descriptor number from being
/// reused for another connection while it is registered.
class Deadlines {
  public:
    explicit Deadlines(std::chrono::milliseconds timeout) : timeout_(timeout) {
        thread_ = std::thread([this] { run(); });
    }
    ~Deadlines() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        cv_.notify_all();
        thread_.join();
        for (auto& [id, e] : entries_) ::close(e.fd);
    }
    Deadlines(const Deadlines&) = delete;
    Deadlines& operator=(const Deadlines&) = delete;

    /// Starts the deadline of a new connection; 0 when it cannot be watched (no descriptor left),
    /// and then it must not be served.
    uint64_t add(const Poco::Net::StreamSocket& socket, std::string remote) {
        const int fd = ::fcntl(socket.impl()->sockfd(), F_DUPFD_CLOEXEC, 0);
        if (fd < 0) {
            log::error("api.connection_refused", {{"remote", remote}, {"reason", "dup"}});
            return 0;
        }
        std::lock_guard lock(mutex_);
        const uint64_t id = ++next_;
        entries_[id] = {fd, std::chrono::steady_clock::now() + timeout_, true, std::move(remote)};
        cv_.notify_all();
        return id;
    }
    /// The request is in: its handler may take as long as it needs.
    void disarm(uint64_t id) {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(id); it != entries_.end()) it->second.armed = false;
    }
    void remove(uint64_t id) {
        std::lock_guard lock(mutex_);
        if (auto it = entries_.find(id); it != entries_.end()) {
            ::close(it->second.fd);
            entries_.erase(it);
        }
    }
    /// Ends every connection still reading its request (the server is stopping); a handler
    /// that is running finishes its answer.
    void shutdownAll() {
        std::lock_guard lock(mutex_);
        for (auto& [id, e] : entries_) {
            ::shutdown(e.fd, SHUT_RD);
            e.armed = false;
        }
    }

  private:
    struct Entry {
        int fd = -1;
        std::chrono::steady_clock::time_point deadline;
        bool armed = true;
        std::string remote;
    };

    void run() {
        std::unique_lock lock(mutex_);
        while (!stop_) {
            auto next = std::chrono::steady_clock::time_point::max();
            const auto now = std::chrono::steady_clock::now();
            for (auto& [id, e] : entries_) {
                if (!e.armed) continue;
                if (e.deadline <= now) {
                    ::shutdown(e.fd, SHUT_RD);
                    e.armed = false;
                    log::warn("api.request_deadline",
                              {{"remote", e.remote},
                               {"timeout_ms", static_cast<long long>(timeout_.count())}});
                } else {
                    next = std::min(next, e.deadline);
                }
            }
            if (next == std::chrono::steady_clock::time_point::max()) {
                cv_.wait(lock);
            } else {
                cv_.wait_until(lock, next);
            }
        }
    }

    const std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::map<uint64_t, Entry> entries_;
    uint64_t next_ = 0;
    bool stop_ = false;
    std::thread thread_;
};

/// Failed authentication per remote address (docs/api.md, 429): after kLimit failures within
/// kWindow, token requests from that address get 429 without their token being looked at, until
/// the oldest of those failures is kWindow old. Time comes from the server's (injected) clock.
class AuthLimiter {
  public:
    static constexpr size_t kLimit = 10;
    static constexpr std::chrono::milliseconds kWindow{60000};
    /// Addresses tracked at most; beyond it the stalest are forgotten first.
    static constexpr size_t kMaxAddresses = 4096;

    /// Seconds until `remote` may try again (0: it may now). `first` tells whether this is the
    /// first refusal of the current lockout (to log it once).
    long long retryAfter(const std::string& remote, Timestamp now, bool& first) {
        std::lock_guard lock(mutex_);
        auto it = by_address_.find(remote);
        if (it == by_address_.end()) return 0;
        State& st = it->second;
        prune(st, now);
        if (st.failures.size() < kLimit) {
            st.logged = false;
            if (st.failures.empty()) by_address_.erase(it);
            return 0;
        }
        first = !st.logged;
        st.logged = true;
        const auto wait = st.failures.front() + kWindow - now;  // > kWindow if the clock went back
        return std::clamp<long long>((wait.count() + 999) / 1000, 1, kWindow.count() / 1000);
    }
    void fail(const std::string& remote, Timestamp now) {
        std::lock_guard lock(mutex_);
        if (by_address_.size() >= kMaxAddresses && !by_address_.count(remote)) {
            for (auto it = by_address_.begin(); it != by_address_.end();) {
                prune(it->second, now);
                it = it->second.failures.empty() ? by_address_.erase(it) : std::next(it);
            }
            if (by_address_.size() >= kMaxAddresses) by_address_.erase(by_address_.begin());
        }
        State& st = by_address_[remote];
        prune(st, now);
        st.failures.push_back(now);
        while (st.failures.size() > kLimit) st.failures.pop_front();
    }

  private:
    struct State {
        std::deque<Timestamp> failures;  ///< within the window, oldest first, at most kLimit
        bool logged = false;
    };
    static void prune(State& st, Timestamp now) {
        while (!st.failures.empty() && st.failures.front() + kWindow <= now)
            st.failures.pop_front();
    }

    std::mutex mutex_;
    std::unordered_map<std::string, State> by_address_;
};

namespace {

using namespace detail;

/// The deadline of the connection this worker thread serves (set by GuardedConnection).
thread_local Deadlines* t_deadlines = nullptr;
thread_local uint64_t t_connection = 0;

/// Called when the whole request (headers and body) has been read.
void requestRead() {
    if (t_deadlines && t_connection) t_deadlines->disarm(t_connection);
}

/// What a route reads before its handler runs: nothing, a JSON object of at most kMaxBody, or
/// one of at most kMaxConsentBody (a consent with its evidence file).
enum class Body { kNone, kJson, kConsentJson };

struct Route {
    const char* method;
    /// Segments separated by '/'; "{id}" matches any one segment.
    const char* path;
    /// false: anyone may call it (only /health and /metrics); true: a bearer token is needed.
    bool token;
    Body body;
    void (*handle)(Request&);
};

// clang-format off
/// Every route of the admin API (docs/api.md); the handlers are declared in request.h.
constexpr std::array kRoutes = {
    Route{"GET",  "/health",                         false, Body::kNone,        health},
    Route{"GET",  "/metrics",                        false, Body::kNone,        metrics},

    Route{"GET",  "/api/v1/transfers",               true,  Body::kNone,        listTransfers},
    Route{"GET",  "/api/v1/transfers/{id}",          true,  Body::kNone,        getTransfer},
    Route{"GET",  "/api/v1/transfers/{id}/preview",  true,  Body::kNone,        previewTransfer},
    Route{"GET",  "/api/v1/transfers/{id}/report",   true,  Body::kNone,        transferReport},
    Route{"POST", "/api/v1/transfers/{id}/requeue",  true,  Body::kJson,        requeueTransfer},
    Route{"POST", "/api/v1/transfers/{id}/approve",  true,  Body::kJson,        approveTransfer},
    Route{"POST", "/api/v1/transfers/{id}/reject",   true,  Body::kJson,        rejectTransfer},
    Route{"POST", "/api/v1/transfers/{id}/withdraw", true,  Body::kJson,        withdrawTransfer},
    Route{"POST", "/api/v1/transfers/{id}/schedule", true,  Body::kJson,        scheduleTransfer},

    Route{"GET",  "/api/v1/approvals",               true,  Body::kNone,        approvalQueue},
    Route{"POST", "/api/v1/approvals/bulk",          true,  Body::kJson,        bulkApprove},

    Route{"GET",  "/api/v1/procedures",              true,  Body::kNone,        listProcedures},
    Route{"GET",  "/api/v1/procedures/{id}",         true,  Body::kNone,        showProcedure},
    Route{"POST", "/api/v1/procedures/{id}/choices", true,  Body::kJson,        chooseProcedure},
    Route{"POST", "/api/v1/procedures/{id}/answers", true,  Body::kJson,        answerProcedure},
    Route{"POST", "/api/v1/procedures/{id}/save",    true,  Body::kJson,        saveProcedure},

    Route{"GET",  "/api/v1/batches",                 true,  Body::kNone,        listBatches},
    Route{"POST", "/api/v1/batches",                 true,  Body::kJson,        prepareBatch},
    Route{"GET",  "/api/v1/batches/{id}",            true,  Body::kNone,        showBatch},
    Route{"POST", "/api/v1/batches/{id}/approve",    true,  Body::kJson,        approveBatch},
    Route{"POST", "/api/v1/batches/{id}/reject",     true,  Body::kJson,        rejectBatch},

    Route{"POST", "/api/v1/consents",                true,  Body::kConsentJson, addConsent},
    Route{"GET",  "/api/v1/consents/{id}/evidence",  true,  Body::kNone,        consentEvidence},
    Route{"POST", "/api/v1/consents/{id}/withdraw",  true,  Body::kNone,        withdrawConsent},
    Route{"GET",  "/api/v1/pupils/{id}/consents",    true,  Body::kNone,        listConsents},
    Route{"POST", "/api/v1/inzage",                  true,  Body::kJson,        addInzage},

    Route{"GET",  "/api/v1/pupils/{id}/disclosures", true,  Body::kNone,        disclosures},

    Route{"GET",  "/api/v1/audit",                   true,  Body::kNone,        auditLog},
    Route{"GET",  "/api/v1/audit/verify",            true,  Body::kNone,        auditVerify},
};
// clang-format on

/// "/api/v1/transfers/x" -> {"api", "v1", "transfers", "x"}; a trailing '/' gives an empty last
/// segment (which "{id}" matches, as any other segment).
std::vector<std::string> segments(std::string_view path) {
    std::vector<std::string> parts;
    for (size_t i = 1, j; i <= path.size(); i = j + 1) {
        j = path.find('/', i);
        if (j == std::string_view::npos) j = path.size();
        parts.emplace_back(path.substr(i, j - i));
    }
    return parts;
}

/// The route for `method` and `path` among those with `token`; its "{id}" segments in `ids`.
const Route* findRoute(const std::string& method, const std::vector<std::string>& path, bool token,
                       std::vector<std::string>& ids) {
    for (const Route& route : kRoutes) {
        if (route.token != token || method != route.method) continue;
        const auto pattern = segments(route.path);
        if (pattern.size() != path.size()) continue;
        std::vector<std::string> matched;
        bool match = true;
        for (size_t i = 0; i < pattern.size() && match; ++i) {
            if (pattern[i] == "{id}") {
                matched.push_back(path[i]);
            } else {
                match = pattern[i] == path[i];
            }
        }
        if (match) {
            ids = std::move(matched);
            return &route;
        }
    }
    return nullptr;
}

Result<json> readBody(HTTPServerRequest& req, std::streamsize max) {
    const std::string limit = std::to_string(max >> 20) + " MiB";
    if (req.getContentLength() > max)
        return Error{ErrorCode::kTooLarge, "verzoek groter dan " + limit};
    std::string body;
    std::istream& in = req.stream();
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        body.append(buf, static_cast<size_t>(in.gcount()));
        if (static_cast<std::streamsize>(body.size()) > max)
            return Error{ErrorCode::kTooLarge, "verzoek groter dan " + limit};
    }
    return parseRequestBody(body, max);
}

class Handler final : public HTTPRequestHandler {
  public:
    Handler(std::shared_ptr<const config::Config> config, store::TransferStore& store,
            engine::Metrics& metrics, const Clock& clock, AuthLimiter& limiter, web::WebUi* web)
        : config_(std::move(config)),
          store_(store),
          metrics_(metrics),
          clock_(clock),
          limiter_(limiter),
          web_(web) {}

    void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
        // A malformed URI (bad percent-encoding such as "/%zz") is the client's error: 400 and a
        // log line naming the remote address, not a 500. The raw URI is not logged (it may hold
        // anything the client typed).
        std::optional<Poco::URI> uri;
        try {
            uri.emplace(req.getURI());
        } catch (const Poco::Exception&) {
            log::warn("api.bad_uri", {{"method", req.getMethod()},
                                      {"remote", req.clientAddress().host().toString()}});
            return sendError(resp, Error{ErrorCode::kInvalidInput, "ongeldige URI"});
        }
        try {
            route(*uri, req, resp);
        } catch (const std::exception& e) {
            log::error("api.exception", {{"path", uri->getPath()}, {"what", e.what()}});
            if (!resp.sent()) sendError(resp, Error{ErrorCode::kInternal, "interne fout"});
        }
    }

  private:
    void route(const Poco::URI& uri, HTTPServerRequest& req, HTTPServerResponse& resp) {
        const std::string path = uri.getPath();
        const std::string& method = req.getMethod();
        const auto parts = segments(path);
        std::vector<std::string> ids;
        // The web interface (admin.web.enabled): its own sessions, never bearer tokens.
        if (web_ && web::WebUi::handles(path))
            return web_->serve(req, resp, config_->admin.tls.has_value(), requestRead);
        if (const Route* open = findRoute(method, parts, /*token=*/false, ids)) {
            const Caller nobody;
            return call(*open, req, resp, {}, nobody, std::move(ids));
        }
        if (!path.starts_with("/api/v1/"))
            return sendError(resp, Error{ErrorCode::kNotFound, "onbekend pad"});

        // An address with too many failed authentications gets 429, its token unchecked.
        const std::string remote = req.clientAddress().host().toString();
        bool first_refusal = false;
        if (const long long wait = limiter_.retryAfter(remote, clock_.now(), first_refusal)) {
            if (first_refusal)
                log::warn("api.auth_rate_limited",
                          {{"remote", remote}, {"retry_after_s", wait}});
            resp.set("Retry-After", std::to_string(wait));
            return sendJson(resp, 429,
                            {{"error",
                              {{"code", "rate_limited"},
                               {"message", "te veel mislukte aanmeldingen vanaf dit adres; "
                                           "probeer het over " +
                                               std::to_string(wait) + " seconden opnieuw"}}}});
        }
        auto caller = authenticate(req);
        if (!caller) {
            limiter_.fail(remote, clock_.now());
            // Every failed authentication is logged with the remote address (never the token).
            log::warn("api.unauthenticated",
                      {{"method", method},
                       {"path", path},
                       {"remote", remote}});
            resp.set("WWW-Authenticate", "Bearer realm=\"sluis\"");
            return sendError(resp, caller.error());
        }
        log::info(
            "api.request",
            {{"method", method}, {"path", path}, {"caller", caller->name}, {"role", caller->role}});
        auto query = uri.getQueryParameters();
        const Route* found = findRoute(method, parts, /*token=*/true, ids);
        if (!found) return sendError(resp, Error{ErrorCode::kNotFound, "onbekend pad of methode"});
        call(*found, req, resp, std::move(query), *caller, std::move(ids));
    }

    void call(const Route& route, HTTPServerRequest& req, HTTPServerResponse& resp,
              Poco::URI::QueryParameters query, const Caller& caller,
              std::vector<std::string> ids) {
        Request r{config_, store_, metrics_,       clock_,
                  resp,    caller, std::move(ids), std::move(query)};
        // The body is read before the handler (and so before its role check) runs.
        if (route.body != Body::kNone) {
            auto body =
                readBody(req, route.body == Body::kConsentJson ? kMaxConsentBody : kMaxBody);
            if (!body) return sendError(resp, body.error());
            r.body = std::move(*body);
        }
        requestRead();
        route.handle(r);
    }

    Result<Caller> authenticate(HTTPServerRequest& req) {
        std::string auth = req.get("Authorization", "");
        if (!auth.starts_with("Bearer ") || auth.size() <= 7)
            return Error{ErrorCode::kUnauthenticated,
                         "geen token; gebruik 'Authorization: Bearer <token>'"};
        auto found = store_.findToken(hashToken(util::trim(auth.substr(7))));
        if (!found) return found.error();
        if (!found->has_value())
            return Error{ErrorCode::kUnauthenticated, "onbekend of ingetrokken token"};
        if ((*found)->expires_at && *(*found)->expires_at <= clock_.now())
            return Error{ErrorCode::kUnauthenticated,
                         "token is verlopen; vraag de beheerder om een nieuw token"};
        return Caller{(*found)->name, (*found)->role};
    }

    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    engine::Metrics& metrics_;
    const Clock& clock_;
    AuthLimiter& limiter_;
    web::WebUi* web_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    Factory(std::shared_ptr<const config::Config> config, store::TransferStore& store,
            engine::Metrics& metrics, const Clock& clock, AuthLimiter& limiter, web::WebUi* web)
        : config_(std::move(config)),
          store_(store),
          metrics_(metrics),
          clock_(clock),
          limiter_(limiter),
          web_(web) {}
    HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new Handler(config_, store_, metrics_, clock_, limiter_, web_);
    }

  private:
    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    engine::Metrics& metrics_;
    const Clock& clock_;
    AuthLimiter& limiter_;
    web::WebUi* web_;
};

/// One connection on a worker thread: Poco's HTTP connection (one request, no keep-alive),
/// under the whole-request deadline.
class GuardedConnection final : public Poco::Net::TCPServerConnection {
  public:
    GuardedConnection(const Poco::Net::StreamSocket& socket,
                      Poco::Net::HTTPServerParams::Ptr params,
                      Poco::Net::HTTPRequestHandlerFactory::Ptr factory, Deadlines& deadlines)
        : TCPServerConnection(socket),
          params_(std::move(params)),
          factory_(std::move(factory)),
          deadlines_(deadlines) {}

    void run() override {
        std::string remote;
        try {
            remote = socket().peerAddress().host().toString();
        } catch (const Poco::Exception&) {
            return;  // already gone
        }
        const uint64_t id = deadlines_.add(socket(), remote);
        if (id == 0) return;
        t_deadlines = &deadlines_;
        t_connection = id;
        try {
            Poco::Net::HTTPServerConnection http(socket(), params_, factory_);
            http.run();
        } catch (const Poco::Exception& e) {
            // A cut connection, a failed TLS handshake, a client that went away: nothing to
            // answer. Logged at debug level with the address only.
            log::debug("api.connection_error", {{"remote", remote}, {"what", e.className()}});
        } catch (const std::exception& e) {
            log::debug("api.connection_error", {{"remote", remote}, {"what", e.what()}});
        }
        t_connection = 0;
        t_deadlines = nullptr;
        deadlines_.remove(id);
    }

  private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
    Deadlines& deadlines_;
};

class GuardedConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
  public:
    GuardedConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                             Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                             Deadlines& deadlines)
        : params_(std::move(params)), factory_(std::move(factory)), deadlines_(deadlines) {}
    Poco::Net::TCPServerConnection* createConnection(
        const Poco::Net::StreamSocket& socket) override {
        return new GuardedConnection(socket, params_, factory_, deadlines_);
    }

  private:
    Poco::Net::HTTPServerParams::Ptr params_;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory_;
    Deadlines& deadlines_;
};

/// Ciphers for TLS 1.2 (TLS 1.3 uses OpenSSL's own, all AEAD): forward secrecy and AEAD only.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

/// The server context of admin.tls: TLS 1.2 or newer, the server's cipher order, a client
/// certificate required and checked against client_ca when that is set.
Poco::Net::Context::Ptr serverContext(const config::AdminTlsConfig& tls) {
    Poco::Net::Context::Params p;
    p.certificateFile = tls.certificate;
    p.privateKeyFile = tls.key;
    p.loadDefaultCAs = false;
    p.cipherList = kTls12Ciphers;
    if (tls.client_ca.empty()) {
        p.verificationMode = Poco::Net::Context::VERIFY_NONE;
    } else {
        p.caLocation = tls.client_ca;
        p.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    }
    Poco::Net::Context::Ptr context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, p);
    context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    context->preferServerCiphers();
    // Poco's "extended" check compares a peer certificate with the peer's host name: meaningless
    // for client certificates. OpenSSL's chain check stays on.
    context->enableExtendedCertificateVerification(false);
    return context;
}

/// Reads the first PEM certificate of `path`, or says why not (naming `key`, the config path).
Result<X509*> readCertificate(const std::string& path, const std::string& key) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return Error{ErrorCode::kInvalidConfig,
                     key + ": bestand " + path + " bestaat niet of is geen gewoon bestand"};
    BIO* bio = BIO_new_file(path.c_str(), "r");
    if (!bio)
        return Error{ErrorCode::kInvalidConfig,
                     key + ": kan " + path + " niet lezen (rechten van de gebruiker van sluis?)"};
    X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!cert)
        return Error{ErrorCode::kInvalidConfig,
                     key + ": " + path + " bevat geen PEM-certificaat (-----BEGIN CERTIFICATE-----)"};
    return cert;
}

/// No passphrase: an encrypted key cannot be used unattended.
int noPassphrase(char*, int, int, void*) { return 0; }

}  // namespace

Status checkAdminTls(const config::AdminTlsConfig& tls) {
    const std::string at = "daemon.json: admin.tls.";
    auto cert = readCertificate(tls.certificate, at + "certificate");
    if (!cert) {
        ERR_clear_error();
        return cert.error();
    }
    std::unique_ptr<X509, decltype(&X509_free)> owned_cert(*cert, X509_free);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(tls.key, ec))
        return Error{ErrorCode::kInvalidConfig,
                     at + "key: bestand " + tls.key + " bestaat niet of is geen gewoon bestand"};
    BIO* bio = BIO_new_file(tls.key.c_str(), "r");
    if (!bio)
        return Error{ErrorCode::kInvalidConfig,
                     at + "key: kan " + tls.key +
                         " niet lezen (rechten van de gebruiker van sluis?)"};
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio, nullptr, noPassphrase, nullptr);
    BIO_free(bio);
    if (!key) {
        ERR_clear_error();
        return Error{ErrorCode::kInvalidConfig,
                     at + "key: " + tls.key +
                         " bevat geen leesbare PEM-privésleutel (een sleutel met wachtwoord kan "
                         "Sluis niet gebruiken)"};
    }
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> owned_key(key, EVP_PKEY_free);
    if (X509_check_private_key(owned_cert.get(), key) != 1) {
        ERR_clear_error();
        return Error{ErrorCode::kInvalidConfig,
                     at + "key: de sleutel in " + tls.key +
                         " hoort niet bij het certificaat in admin.tls.certificate (" +
                         tls.certificate + ")"};
    }
    if (!tls.client_ca.empty()) {
        auto ca = readCertificate(tls.client_ca, at + "client_ca");
        if (!ca) {
            ERR_clear_error();
            return ca.error();
        }
        X509_free(*ca);
    }
    return {};
}

AdminServer::AdminServer(std::shared_ptr<const config::Config> config, store::TransferStore& store,
                         engine::Metrics& metrics, const Clock& clock)
    : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}

AdminServer::~AdminServer() {
    stop();
    if (ssl_initialized_) Poco::Net::uninitializeSSL();
}

Status AdminServer::start() {
    const config::AdminConfig& admin = config_->admin;
    const std::string where = admin.listen + ":" + std::to_string(admin.port);
    try {
        Poco::Net::SocketAddress addr(admin.listen, static_cast<Poco::UInt16>(admin.port));
        // HTTPS when admin.tls is set: the files are checked first, for errors that name them.
        std::unique_ptr<Poco::Net::ServerSocket> socket;
        if (admin.tls) {
            SLUIS_RETURN_IF_ERROR(checkAdminTls(*admin.tls));
            if (!ssl_initialized_) {
                Poco::Net::initializeSSL();
                ssl_initialized_ = true;
            }
            Poco::Net::Context::Ptr context;
            try {
                context = serverContext(*admin.tls);
            } catch (const Poco::Exception& e) {
                return {ErrorCode::kInvalidConfig,
                        "daemon.json: admin.tls: certificaat of sleutel onbruikbaar voor TLS (" +
                            admin.tls->certificate + ", " + admin.tls->key + "): " + e.displayText()};
            }
            socket = std::make_unique<Poco::Net::SecureServerSocket>(context);
        } else {
            socket = std::make_unique<Poco::Net::ServerSocket>();
        }
        // Bind explicitly without SO_REUSEPORT: Poco's ServerSocket(addr, backlog) sets it, and
        // then a second daemon could share the port (requests alternating between the two).
        try {
            socket->bind(addr, /*reuseAddress=*/true, /*reusePort=*/false);
        } catch (const Poco::Net::NetException& e) {
            if (e.code() == EADDRINUSE || e.message().find("in use") != std::string::npos ||
                e.displayText().find("in use") != std::string::npos)
                return {ErrorCode::kIo, "beheer-API: poort " + std::to_string(admin.port) +
                                            " op " + admin.listen +
                                            " is al in gebruik (draait er al een sluis serve?)"};
            throw;
        }
        socket->listen(64);
        port_ = socket->address().port();
        // One worker per connection, up to admin.max_connections, from a pool of our own (Poco's
        // default pool stops at 16 threads); up to 64 more connections wait, beyond that new
        // connections are closed at once. One request per connection (no keep-alive), under the
        // whole-request deadline of admin.request_timeout; a single read or write also times
        // out after it.
        Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(admin.max_connections);
        params->setMaxQueued(64);
        const auto timeout_us = std::chrono::duration_cast<std::chrono::microseconds>(
            admin.request_timeout);
        params->setTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout_us.count())));
        params->setKeepAlive(false);
        deadlines_ = std::make_unique<Deadlines>(admin.request_timeout);
        limiter_ = std::make_unique<AuthLimiter>();
        if (admin.web.enabled) web_ = std::make_unique<web::WebUi>(config_, store_, clock_);
        pool_ = std::make_unique<Poco::ThreadPool>(2, admin.max_connections + 2, 60);
        Poco::Net::HTTPRequestHandlerFactory::Ptr handlers =
            new Factory(config_, store_, metrics_, clock_, *limiter_, web_.get());
        server_ = std::make_unique<Poco::Net::TCPServer>(
            new GuardedConnectionFactory(params, handlers, *deadlines_), *pool_, *socket, params);
        server_->start();
    } catch (const Poco::Exception& e) {
        return {ErrorCode::kIo, "beheer-API kan niet luisteren op " + where + ": " + e.displayText()};
    }
    log::info("api.listening", {{"address", where},
                                {"port", port_},
                                {"tls", admin.tls.has_value()},
                                {"client_certificates", admin.tls && !admin.tls->client_ca.empty()},
                                {"request_timeout_ms", static_cast<long long>(admin.request_timeout.count())},
                                {"max_connections", admin.max_connections},
                                {"web", admin.web.enabled}});
    return {};
}

void AdminServer::stop() {
    if (server_) {
        server_->stop();            // no new connections; the waiting ones are dropped
        deadlines_->shutdownAll();  // the ones still reading end now
        pool_->joinAll();
        server_.reset();
    }
}

}  // namespace sluis::api

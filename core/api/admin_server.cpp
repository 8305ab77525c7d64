// The admin API server: start/stop, the routing table, authentication and the last line of
// defence (an exception becomes a 500). The endpoints live in one file per area (transfers_api.cpp,
// approvals_api.cpp, batches_api.cpp, procedures_api.cpp, consents_api.cpp,
// disclosures_api.cpp, audit_api.cpp, health_api.cpp); what they share is in request.h.
#include "core/api/admin_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <array>
#include <cerrno>
#include <optional>

#include "core/api/body.h"
#include "core/api/request.h"
#include "core/crypto/payload_cipher.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

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

namespace {

using namespace detail;

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
            engine::Metrics& metrics, const Clock& clock)
        : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}

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
        if (const Route* open = findRoute(method, parts, /*token=*/false, ids)) {
            const Caller nobody;
            return call(*open, req, resp, {}, nobody, std::move(ids));
        }
        if (!path.starts_with("/api/v1/"))
            return sendError(resp, Error{ErrorCode::kNotFound, "onbekend pad"});

        auto caller = authenticate(req);
        if (!caller) {
            // Every failed authentication is logged with the remote address (never the token).
            log::warn("api.unauthenticated",
                      {{"method", method},
                       {"path", path},
                       {"remote", req.clientAddress().host().toString()}});
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
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    Factory(std::shared_ptr<const config::Config> config, store::TransferStore& store,
            engine::Metrics& metrics, const Clock& clock)
        : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}
    HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new Handler(config_, store_, metrics_, clock_);
    }

  private:
    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    engine::Metrics& metrics_;
    const Clock& clock_;
};

}  // namespace

AdminServer::AdminServer(std::shared_ptr<const config::Config> config, store::TransferStore& store,
                         engine::Metrics& metrics, const Clock& clock)
    : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}

AdminServer::~AdminServer() { stop(); }

Status AdminServer::start() {
    try {
        Poco::Net::SocketAddress addr(config_->admin.listen,
                                      static_cast<Poco::UInt16>(config_->admin.port));
        // Bind explicitly without SO_REUSEPORT: Poco's ServerSocket(addr, backlog) sets it, and
        // then a second daemon could share the port (requests alternating between the two).
        Poco::Net::ServerSocket socket;
        try {
            socket.bind(addr, /*reuseAddress=*/true, /*reusePort=*/false);
        } catch (const Poco::Net::NetException& e) {
            if (e.code() == EADDRINUSE || e.message().find("in use") != std::string::npos ||
                e.displayText().find("in use") != std::string::npos)
                return {ErrorCode::kIo, "beheer-API: poort " + std::to_string(config_->admin.port) +
                                            " op " + config_->admin.listen +
                                            " is al in gebruik (draait er al een sluis serve?)"};
            throw;
        }
        socket.listen(64);
        port_ = socket.address().port();
        // More workers than the old 8, a bounded queue (Poco answers a full queue with a fast
        // 503), and short per-read and keep-alive timeouts.
        auto params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(32);
        params->setMaxQueued(64);
        params->setTimeout(Poco::Timespan(10, 0));
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(Poco::Timespan(5, 0));
        server_ = std::make_unique<Poco::Net::HTTPServer>(
            new Factory(config_, store_, metrics_, clock_), socket, params);
        server_->start();
    } catch (const Poco::Exception& e) {
        return {ErrorCode::kIo, "beheer-API kan niet luisteren op " + config_->admin.listen + ":" +
                                    std::to_string(config_->admin.port) + ": " + e.displayText()};
    }
    return {};
}

void AdminServer::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
    }
}

}  // namespace sluis::api

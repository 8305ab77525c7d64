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

#include <algorithm>

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

json transferJson(const store::Transfer& t) {
    json j = {{"id", t.id},
              {"direction", t.direction},
              {"route", t.route},
              {"purpose", t.purpose},
              {"profile", t.profile},
              {"source", t.source},
              {"destination", t.destination},
              {"subject", t.subject},
              {"state", transfer::stateName(t.state)},
              {"attempts", t.attempts},
              {"created_at", formatIso(t.created_at)},
              {"updated_at", formatIso(t.updated_at)},
              {"content_type", t.content_type},
              {"payload_hash", t.payload_hash},
              {"receipt", t.receipt},
              {"last_error", t.last_error},
              {"payload_purged", t.payload_purged}};
    j["deliver_at"] = t.deliver_at ? json(formatIso(*t.deliver_at)) : json(nullptr);
    j["next_attempt_at"] = t.next_attempt_at ? json(formatIso(*t.next_attempt_at)) : json(nullptr);
    return j;
}

struct Caller {
    std::string name;
    std::string role;
};

class Handler final : public HTTPRequestHandler {
public:
    Handler(std::shared_ptr<const config::Config> config, store::TransferStore& store,
            engine::Metrics& metrics, const Clock& clock)
        : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}

    void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
        try {
            route(req, resp);
        } catch (const std::exception& e) {
            log::error("api.exception", {{"path", Poco::URI(req.getURI()).getPath()}, {"what", e.what()}});
            if (!resp.sent()) sendError(resp, Error{ErrorCode::kInternal, "interne fout"});
        }
    }

private:
    void route(HTTPServerRequest& req, HTTPServerResponse& resp) {
        Poco::URI uri(req.getURI());
        const std::string path = uri.getPath();
        const std::string& method = req.getMethod();
        if (path == "/health" && method == "GET") return health(resp);
        if (path == "/metrics" && method == "GET") return metrics(resp);
        if (!path.starts_with("/api/v1/"))
            return sendError(resp, Error{ErrorCode::kNotFound, "onbekend pad"});

        auto caller = authenticate(req);
        if (!caller) {
            resp.set("WWW-Authenticate", "Bearer realm=\"sluis\"");
            return sendError(resp, caller.error());
        }
        log::info("api.request", {{"method", method}, {"path", path}, {"caller", caller->name},
                                  {"role", caller->role}});
        auto params = uri.getQueryParameters();
        auto param = [&](const std::string& k) {
            for (auto& [key, v] : params)
                if (key == k) return v;
            return std::string();
        };
        std::vector<std::string> parts;
        for (size_t i = 1, j; i <= path.size(); i = j + 1) {
            j = path.find('/', i);
            if (j == std::string::npos) j = path.size();
            parts.push_back(path.substr(i, j - i));
        }
        // parts: api, v1, transfers, {id}, {action}
        if (parts.size() >= 3 && parts[2] == "transfers") {
            if (parts.size() == 3 && method == "GET") return listTransfers(resp, param);
            if (parts.size() == 4 && method == "GET")
                return getTransfer(resp, parts[3], param("include") == "payload", *caller);
            if (parts.size() == 5 && parts[4] == "requeue" && method == "POST")
                return requeue(resp, parts[3], *caller);
        }
        sendError(resp, Error{ErrorCode::kNotFound, "onbekend pad of methode"});
    }

    Result<Caller> authenticate(HTTPServerRequest& req) {
        std::string auth = req.get("Authorization", "");
        if (!auth.starts_with("Bearer ") || auth.size() <= 7)
            return Error{ErrorCode::kUnauthenticated, "geen token; gebruik 'Authorization: Bearer <token>'"};
        auto found = store_.findToken(hashToken(util::trim(auth.substr(7))));
        if (!found) return found.error();
        if (!found->has_value()) return Error{ErrorCode::kUnauthenticated, "onbekend of ingetrokken token"};
        return Caller{(*found)->name, (*found)->role};
    }

    static bool hasRole(const Caller& c, const std::vector<std::string>& roles) {
        return std::find(roles.begin(), roles.end(), c.role) != roles.end();
    }

    void health(HTTPServerResponse& resp) {
        auto counts = store_.countByState();
        if (!counts) {
            return sendJson(resp, 503, {{"status", "degraded"}, {"store", errorCodeName(counts.error().code)}});
        }
        sendJson(resp, 200, {{"status", "ok"}, {"store", "ok"}, {"time", formatIso(clock_.now())}});
    }

    void metrics(HTTPServerResponse& resp) {
        auto counts = store_.countByState();
        std::map<transfer::State, long long> by_state;
        if (counts) by_state = *counts;
        std::string body = metrics_.render(by_state);
        resp.setStatus(HTTPServerResponse::HTTP_OK);
        resp.setContentType("text/plain; version=0.0.4");
        resp.setContentLength(static_cast<std::streamsize>(body.size()));
        resp.send() << body;
    }

    template <typename P>
    void listTransfers(HTTPServerResponse& resp, P param) {
        store::ListFilter f;
        if (!param("state").empty()) {
            f.state = transfer::parseState(param("state"));
            if (!f.state) return sendError(resp, Error{ErrorCode::kInvalidArgument, "onbekende status in 'state'"});
        }
        f.route = param("route");
        f.subject = param("subject");
        try {
            if (!param("limit").empty()) f.limit = std::clamp<size_t>(std::stoul(param("limit")), 1, 1000);
            if (!param("offset").empty()) f.offset = std::stoul(param("offset"));
        } catch (const std::exception&) {
            return sendError(resp, Error{ErrorCode::kInvalidArgument, "'limit' en 'offset' moeten getallen zijn"});
        }
        auto list = store_.list(f);
        if (!list) return sendError(resp, list.error());
        json items = json::array();
        for (const auto& t : *list) items.push_back(transferJson(t));
        sendJson(resp, 200, {{"transfers", items}, {"limit", f.limit}, {"offset", f.offset}});
    }

    void getTransfer(HTTPServerResponse& resp, const std::string& id, bool with_payload, const Caller& c) {
        if (with_payload && !hasRole(c, config_->admin.payload_roles))
            return sendError(resp, Error{ErrorCode::kPermissionDenied,
                                         "rol '" + c.role + "' mag de inhoud van overdrachten niet zien"});
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        auto hist = store_.history(id);
        if (!hist) return sendError(resp, hist.error());
        json body = transferJson(*t);
        json h = json::array();
        for (const auto& e : *hist)
            h.push_back({{"seq", e.seq},
                         {"from", e.from ? json(transfer::stateName(*e.from)) : json(nullptr)},
                         {"to", transfer::stateName(e.to)},
                         {"at", formatIso(e.at)},
                         {"actor", e.actor},
                         {"reason", e.reason}});
        body["history"] = h;
        if (with_payload) {
            auto p = store_.payload(id);
            if (!p) return sendError(resp, p.error());
            auto st = store_.audit({c.name + " (" + c.role + ")", "payload_viewed", id, t->purpose,
                                    {{"via", "api"}}},
                                   clock_.now());
            if (!st) return sendError(resp, st.error());  // no audit record, no payload
            body["payload"] = *p;
        }
        sendJson(resp, 200, body);
    }

    void requeue(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        if (c.role != "beheerder")
            return sendError(resp, Error{ErrorCode::kPermissionDenied, "alleen een beheerder mag opnieuw aanbieden"});
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        store::TransitionUpdate u;
        u.attempts = 0;
        u.next_attempt_at = std::optional<Timestamp>();
        auto st = store_.transition(id, t->state, transfer::State::kScheduled, u,
                                    {c.name + " (" + c.role + ")", "requeued", id, t->purpose, json::object()},
                                    "opnieuw aangeboden door beheerder", clock_.now());
        if (!st) return sendError(resp, st.error());
        auto updated = store_.get(id);
        if (!updated) return sendError(resp, updated.error());
        sendJson(resp, 200, transferJson(*updated));
    }

    static void sendJson(HTTPServerResponse& resp, int status, const json& body) {
        std::string text = body.dump(2) + "\n";
        resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        resp.setContentType("application/json; charset=utf-8");
        resp.setContentLength(static_cast<std::streamsize>(text.size()));
        resp.send() << text;
    }

    static void sendError(HTTPServerResponse& resp, const Error& e) {
        sendJson(resp, httpStatus(e.code), {{"error", {{"code", errorCodeName(e.code)}, {"message", e.message}}}});
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
        Poco::Net::SocketAddress addr(config_->admin.listen, static_cast<Poco::UInt16>(config_->admin.port));
        Poco::Net::ServerSocket socket(addr, 64);
        port_ = socket.address().port();
        auto params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(8);
        params->setKeepAlive(true);
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

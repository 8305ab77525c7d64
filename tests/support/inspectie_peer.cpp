// InspectiePeer: a Poco NetSSL HTTPS server that requires and verifies client certificates.
#include "tests/support/inspectie_peer.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/StreamCopier.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/support/tls_server.h"

namespace sluis::test {

struct InspectiePeer::State {
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    Mode mode = Mode::kAccept;
    std::chrono::milliseconds delay{0};
    bool stopping = false;
    size_t requests = 0;
    size_t duplicates = 0;
    std::vector<Received> received;
    std::vector<InspectiePeer::Post> posts;
    std::map<std::string, std::string> receipts;  // delivery id -> receipt
};

namespace {

void sendJson(Poco::Net::HTTPServerResponse& res, int status, const nlohmann::json& body) {
    std::string text = body.dump();
    res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    res.setContentType("application/json");
    res.setContentLength(static_cast<std::streamsize>(text.size()));
    res.send() << text;
}

class Handler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit Handler(std::shared_ptr<InspectiePeer::State> st) : st_(std::move(st)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& res) override {
        std::string payload;
        Poco::StreamCopier::copyToString(req.stream(), payload);
        std::string subject;
        try {
            auto& impl = static_cast<Poco::Net::HTTPServerRequestImpl&>(req);
            Poco::Net::SecureStreamSocket secure(impl.socket());
            if (secure.havePeerCertificate()) subject = secure.peerCertificate().subjectName();
        } catch (const Poco::Exception&) {
            subject.clear();
        }
        std::string id = req.get("X-Sluis-Delivery-Id", "");

        std::unique_lock lock(st_->mu);
        ++st_->requests;
        st_->cv.notify_all();
        InspectiePeer::Mode mode = st_->mode;
        std::chrono::milliseconds delay = st_->delay;
        if (mode == InspectiePeer::Mode::kFail) {
            lock.unlock();
            return sendJson(res, 500, {{"fout", "tijdelijke storing"}});
        }
        if (mode == InspectiePeer::Mode::kReject) {
            lock.unlock();
            return sendJson(res, 422, {{"fout", "levering voldoet niet"}});
        }
        if (id.empty()) {
            lock.unlock();
            return sendJson(res, 400, {{"fout", "X-Sluis-Delivery-Id ontbreekt"}});
        }
        st_->posts.push_back({id, std::chrono::steady_clock::now()});
        int status = 201;
        nlohmann::json body;
        auto known = st_->receipts.find(id);
        if (known != st_->receipts.end()) {
            ++st_->duplicates;
            status = 409;
            body = {{"referentie", known->second}, {"melding", "al ontvangen"}};
        } else {
            char buf[32];
            std::snprintf(buf, sizeof buf, "INSP-%06zu", st_->received.size() + 1);
            InspectiePeer::Received r{
                id,  payload, req.getContentType(), req.get("X-Sluis-Payload-Sha256", ""),
                buf, subject};
            st_->receipts[id] = r.receipt;
            st_->received.push_back(r);
            body = {{"referentie", r.receipt}, {"ontvangen", true}};
        }
        if (mode == InspectiePeer::Mode::kSlow) {
            // Recorded already: the answer comes too late for a client with a short timeout.
            st_->cv.wait_for(lock, delay, [&] { return st_->stopping; });
        }
        lock.unlock();
        try {
            sendJson(res, status, body);
        } catch (const Poco::Exception&) {
            // The client gave up (timeout) and closed the connection: nothing to answer.
        }
    }

  private:
    std::shared_ptr<InspectiePeer::State> st_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit Factory(std::shared_ptr<InspectiePeer::State> st) : st_(std::move(st)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(st_);
    }

  private:
    std::shared_ptr<InspectiePeer::State> st_;
};

}  // namespace

InspectiePeer::InspectiePeer(const std::filesystem::path& cert_file,
                             const std::filesystem::path& key_file,
                             const std::filesystem::path& client_ca_file)
    : state_(std::make_shared<State>()),
      server_(std::make_unique<TlsHttpServer>(
          TlsHttpServer::Options{cert_file, key_file, client_ca_file, /*keep_alive=*/false},
          new Factory(state_))) {}

InspectiePeer::~InspectiePeer() {
    {
        std::lock_guard lock(state_->mu);
        state_->stopping = true;
    }
    state_->cv.notify_all();
    server_.reset();
}

uint16_t InspectiePeer::port() const { return server_->port(); }

std::string InspectiePeer::url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(server_->port()) + "/leveringen";
}

void InspectiePeer::setMode(Mode mode, std::chrono::milliseconds delay) {
    std::lock_guard lock(state_->mu);
    state_->mode = mode;
    state_->delay = delay;
}

std::vector<InspectiePeer::Received> InspectiePeer::received() const {
    std::lock_guard lock(state_->mu);
    return state_->received;
}

size_t InspectiePeer::deliveries() const {
    std::lock_guard lock(state_->mu);
    return state_->received.size();
}

std::vector<InspectiePeer::Post> InspectiePeer::posts() const {
    std::lock_guard lock(state_->mu);
    return state_->posts;
}

size_t InspectiePeer::requests() const {
    std::lock_guard lock(state_->mu);
    return state_->requests;
}

size_t InspectiePeer::duplicates() const {
    std::lock_guard lock(state_->mu);
    return state_->duplicates;
}

bool InspectiePeer::waitForRequests(size_t n, std::chrono::milliseconds max) const {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, max, [&] { return state_->requests >= n; });
}

}  // namespace sluis::test

#pragma once
/// A receiving HTTPS peer in the style of the Inspectie's delivery endpoint, for tests of the
/// `inspectie-https` sink. Real TLS (Poco NetSSL) on 127.0.0.1, port 0: the server presents the
/// given certificate and requires a client certificate that verifies against the given CA.
///
/// Receiver contract (what connectors/inspectie expects from a real receiver):
///   POST any path, header X-Sluis-Delivery-Id required (400 without it).
///   New id   -> recorded, 201 {"referentie": "INSP-000001", "ontvangen": true}
///   Known id -> not recorded again, 409 {"referentie": <original receipt>, "melding": "..."}
/// The peer can be told to fail (500), reject (422) or answer slowly (it records first, then
/// waits before answering, like a receiver that stored the delivery but answered too late).
///
/// Thread-safe: requests are handled on Poco's server threads; test code may call every method
/// at any time. The destructor stops the server promptly (a slow answer is cut short).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sluis::test {

class TlsHttpServer;

class InspectiePeer {
  public:
    enum class Mode {
        kAccept,  ///< 201 with a new receipt, 409 with the original one for a known id.
        kFail,    ///< 500, nothing recorded.
        kReject,  ///< 422, nothing recorded.
        kSlow,    ///< as kAccept, but the answer is sent only after the configured delay.
    };

    /// One delivery as the receiver stored it.
    struct Received {
        std::string delivery_id;
        std::string payload;
        std::string content_type;
        std::string payload_sha256;  ///< Value of the X-Sluis-Payload-Sha256 header.
        std::string receipt;
        std::string client_subject;  ///< Subject of the verified client certificate.
    };

    /// Starts listening. Throws (Poco exceptions) when the certificates cannot be loaded.
    InspectiePeer(const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
                  const std::filesystem::path& client_ca_file);
    ~InspectiePeer();
    InspectiePeer(const InspectiePeer&) = delete;
    InspectiePeer& operator=(const InspectiePeer&) = delete;

    uint16_t port() const;
    /// `https://<host>:<port>/leveringen`
    std::string url(const std::string& host = "localhost") const;

    void setMode(Mode mode, std::chrono::milliseconds delay = std::chrono::milliseconds(0));

    /// Deliveries recorded so far, in arrival order (each delivery id once).
    std::vector<Received> received() const;
    /// HTTP requests that reached the handler (i.e. passed the TLS handshake).
    size_t requests() const;
    /// 409 answers given for a repeated delivery id.
    size_t duplicates() const;
    /// Deliveries recorded so far (received().size() without copying the payloads).
    size_t deliveries() const;
    /// One POST with a delivery id, accepted or answered as a repeat: when it reached the handler.
    struct Post {
        std::string delivery_id;
        std::chrono::steady_clock::time_point at;
    };
    /// Every such POST in arrival order (counts POSTs per delivery id).
    std::vector<Post> posts() const;
    /// Waits until `n` requests have reached the handler or `max` has passed; true when reached.
    bool waitForRequests(size_t n, std::chrono::milliseconds max) const;

    struct State;  // shared with the request handlers

  private:
    std::shared_ptr<State> state_;
    std::unique_ptr<TlsHttpServer> server_;
};

}  // namespace sluis::test

#pragma once
/// A receiving SMTP server for tests of core/notify. A real SMTP conversation on 127.0.0.1,
/// port 0 (Poco sockets, one thread per connection): EHLO/HELO, STARTTLS (switchable) with the
/// given server certificate (Poco NetSSL), AUTH PLAIN and AUTH LOGIN (optional), MAIL FROM,
/// RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT.
///
/// Every accepted message is recorded with its envelope, raw data, whether it arrived over TLS,
/// and its decoded headers (unfolded, RFC 2047 words decoded) and body (quoted-printable or
/// base64 decoded). The peer can be told to refuse: a reply code at the greeting (e.g. 421), for
/// MAIL, RCPT (e.g. 550) or after DATA, or to stay silent (accept, never answer).
///
/// Thread-safe: connections are handled on the peer's own threads; test code may call every method
/// at any time. The destructor stops promptly (open connections are dropped).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sluis::test {

class SmtpPeer {
  public:
    struct Behaviour {
        bool offer_starttls = true;
        /// Non-empty: AUTH PLAIN LOGIN is advertised and required before MAIL (530 otherwise).
        std::string auth_username;
        std::string auth_password;
        int greeting_code =
            220;  ///< Other than 220: sent with the greeting, then the peer hangs up.
        int mail_code = 250;
        int rcpt_code = 250;  ///< e.g. 550: every recipient refused.
        int data_code = 250;  ///< Reply after the final dot; the message is recorded only on 250.
        bool silent = false;  ///< Accept connections but never send anything.
    };

    /// One message as the server accepted it.
    struct Received {
        std::string mail_from;             ///< Address inside MAIL FROM:<...>.
        std::vector<std::string> rcpt_to;  ///< Addresses inside RCPT TO:<...>, in order.
        std::string data;                  ///< DATA after dot-unstuffing, CRLF line ends.
        bool tls = false;                  ///< Arrived after a successful STARTTLS.
        std::string auth_user;             ///< User that authenticated, or empty.
        /// Header name in lower case -> value (unfolded, RFC 2047 words decoded to UTF-8).
        std::map<std::string, std::string> headers;
        std::string body;  ///< Decoded per Content-Transfer-Encoding, LF line ends.
    };

    /// Starts listening. Throws (Poco exceptions) when the certificate cannot be loaded.
    SmtpPeer(const std::filesystem::path& cert_file, const std::filesystem::path& key_file);
    ~SmtpPeer();
    SmtpPeer(const SmtpPeer&) = delete;
    SmtpPeer& operator=(const SmtpPeer&) = delete;

    uint16_t port() const;
    void setBehaviour(const Behaviour& behaviour);

    /// Messages accepted so far, in arrival order.
    std::vector<Received> received() const;
    /// Waits until at least `n` messages have been accepted or `max` has passed; returns the
    /// n-th (1-based) message, or nothing on timeout.
    std::optional<Received> waitForMessage(size_t n, std::chrono::milliseconds max) const;
    /// Connections accepted so far.
    size_t connections() const;
    /// Waits until at least `n` connections have ended (closed by either side or dropped).
    bool waitForClosedConnections(size_t n, std::chrono::milliseconds max) const;
    /// Command verbs received so far over all connections (e.g. "EHLO", "STARTTLS", "AUTH"),
    /// upper case, without arguments.
    std::vector<std::string> commands() const;
    /// TLS handshakes that failed on the server side (e.g. the client did not trust us).
    size_t tlsFailures() const;

    struct State;  // shared with the connection threads

  private:
    std::shared_ptr<State> state_;
    struct Server;
    std::unique_ptr<Server> server_;
};

/// Decodes RFC 2047 encoded words ("=?UTF-8?B?...?=", "=?UTF-8?Q?...?=") in a header value;
/// white space between two adjacent encoded words is dropped. Only UTF-8 and US-ASCII charsets.
std::string decodeMimeWords(const std::string& value);
/// Decodes quoted-printable text (soft line breaks removed, =XX decoded).
std::string decodeQuotedPrintable(const std::string& text);

}  // namespace sluis::test

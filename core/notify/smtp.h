#pragma once
/// Notification mail over SMTP (libcurl): one plain-text UTF-8 message per call, STARTTLS when the
/// server offers it (or always, or never, as configured), optional AUTH, timeouts.
///
/// Errors are values (`Status`/`Result`) with a Dutch message for a school's IT staff. Messages
/// name the SMTP host, port, the SMTP step and the server's reply code; never a mail address,
/// a subject, a body, a password or the server's reply text (which often echoes the address).
///
/// See docs/notify.md for the settings and their meaning.
#include <chrono>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/util/clock.h"

namespace sluis::notify {

/// How the connection to the SMTP server is protected.
enum class SmtpTls {
    kStartTls,  ///< "starttls": upgrade with STARTTLS; same as kRequired (no fall-back to clear
                ///< text when the server does not offer it or the handshake fails).
    kRequired,  ///< "required" (default): refuse to send unless the STARTTLS upgrade succeeds.
    kNone,      ///< "none": never use TLS (only for a relay on the same host or a closed network).
};

/// "starttls", "required" or "none".
const char* smtpTlsName(SmtpTls tls);

/// Settings for one SMTP server (the "notify.smtp" object of daemon.json).
struct SmtpSettings {
    std::string host;
    int port = 587;
    std::string from;  ///< Envelope sender and From header, e.g. "sluis@school.example".
    SmtpTls tls = SmtpTls::kRequired;
    std::string ca_file;   ///< PEM file with the CA(s) to verify the server; empty: system CAs.
    std::string username;  ///< Empty: no AUTH.
    std::string password;  ///< Secret: never logged or echoed.
    std::chrono::milliseconds timeout{30000};  ///< Connect timeout and limit for the whole send.
};

/// Validates `value` (a JSON object) into SmtpSettings. Every problem is appended to `errors` as
/// "<path>.<key>: <Dutch message>" (secrets are never echoed); the result carries the first one
/// (code kInvalidConfig). Unknown keys are errors. Checks that `ca_file`, when given, is a
/// readable file. Keys: host (required), port (default 587), from (required), tls (default
/// "required"), ca_file, username, password, timeout (duration, default "30s").
Result<SmtpSettings> parseSmtpSettings(const nlohmann::json& value, const std::string& path,
                                       std::vector<std::string>& errors);

/// One plain-text message.
struct MailMessage {
    std::vector<std::string> to;  ///< One or more addresses (plain "name@domain", no display name).
    std::string subject;          ///< UTF-8, one line; encoded (RFC 2047) when not plain ASCII.
    std::string body;             ///< UTF-8 text; line ends LF or CRLF.
};

/// True for a plain address "local@domain" that is safe in an SMTP envelope and a header:
/// ASCII, no spaces, angle brackets, commas, quotes or control characters, one '@'.
bool isValidMailAddress(const std::string& address);

/// The Date header value for `t`, in Amsterdam local time with its offset,
/// e.g. "Tue, 03 Mar 2026 09:00:00 +0100" (RFC 5322).
std::string formatMailDate(Timestamp t);

/// The Subject header value: `subject` itself when it is printable ASCII, otherwise RFC 2047
/// "=?UTF-8?B?...?=" words of at most 75 characters each (never splitting a UTF-8 character),
/// folded with CRLF + space.
std::string encodeSubject(const std::string& subject);

/// The complete message (headers and quoted-printable body) with CRLF line ends, as it goes into
/// SMTP DATA before dot-stuffing. Fails (kInvalidArgument) on an invalid address, an empty
/// recipient list, a subject with a line break, or text that is not UTF-8.
Result<std::string> renderMessage(const MailMessage& message, const std::string& from,
                                  Timestamp date, const std::string& message_id);

/// Sends notification mail. Holds only settings: every send is one SMTP conversation
/// (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT). Thread-safe (const; no shared state).
class SmtpClient {
  public:
    /// `clock` (for the Date header) must outlive the client.
    SmtpClient(SmtpSettings settings, const Clock& clock);

    /// Sends `message` from settings.from to every address in message.to. Returns the
    /// Message-ID ("<...@domain>") on success. Errors:
    ///   kInvalidArgument  the message itself is unusable (address, subject, encoding);
    ///   kUnavailable      server unreachable, no answer within the timeout, TLS failed in
    ///                     transit, or a temporary (4xx) reply: try again later;
    ///   kRejected         permanent (5xx) reply, the server offers no STARTTLS while TLS is
    ///                     required, or its certificate is not trusted;
    ///   kUnauthenticated  the server refused the username/password.
    /// One refused recipient fails the whole message (nothing is sent).
    Result<std::string> send(const MailMessage& message) const;

    const SmtpSettings& settings() const { return settings_; }

  private:
    SmtpSettings settings_;
    const Clock& clock_;
};

}  // namespace sluis::notify

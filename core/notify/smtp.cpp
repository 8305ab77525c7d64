// SMTP notification client (libcurl's smtp protocol over OpenSSL).
//
// libcurl speaks the conversation (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA with dot-stuffing,
// QUIT); this file renders the message and turns curl's result into a Dutch error without
// personal values. A debug callback records which SMTP step was under way (the command verb
// only, never its arguments), so an error can say "ontvanger geweigerd (RCPT, antwoord 550)".
#include "core/notify/smtp.h"

#include <curl/curl.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/connector/connector.h"
#include "core/util/amsterdam_time.h"
#include "core/util/text.h"

namespace sluis::notify {

namespace {

using nlohmann::json;

void curlGlobalInit() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool isPrintableAscii(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

std::string base64(std::string_view in) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (i + 1 == in.size()) {
        unsigned n = static_cast<unsigned char>(in[i]) << 16;
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += "==";
    } else if (i + 2 == in.size()) {
        unsigned n = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += '=';
    }
    return out;
}

/// Quoted-printable (RFC 2045 6.7) of UTF-8 text: CRLF line ends, encoded lines of at most 76
/// characters, trailing white space encoded. A line starting with '.' stays as it is: SMTP
/// dot-stuffing (done by curl) takes care of it.
std::string quotedPrintable(const std::string& text) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    std::vector<std::string> lines;
    size_t start = 0;
    while (true) {
        size_t nl = text.find('\n', start);
        std::string line = text.substr(start, nl == std::string::npos ? nl : nl - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    if (lines.size() > 1 && lines.back().empty()) lines.pop_back();  // text ended with a newline
    for (const auto& line : lines) {
        size_t col = 0;
        for (size_t i = 0; i < line.size(); ++i) {
            unsigned char c = static_cast<unsigned char>(line[i]);
            bool last = i + 1 == line.size();
            std::string piece;
            if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last)) {
                piece = std::string(1, static_cast<char>(c));
            } else {
                piece = {'=', kHex[c >> 4], kHex[c & 15]};
            }
            // Keep room for the soft break '=' within 76 characters.
            if (col + piece.size() > 75) {
                out += "=\r\n";
                col = 0;
            }
            out += piece;
            col += piece.size();
        }
        out += "\r\n";
    }
    return out;
}

std::string domainOf(const std::string& address) {
    size_t at = address.rfind('@');
    return at == std::string::npos ? std::string("localhost") : address.substr(at + 1);
}

std::string newMessageId(Timestamp now, const std::string& from) {
    unsigned char rnd[12];
    std::string id;
    if (RAND_bytes(rnd, sizeof rnd) == 1) {
        id = util::toHex(std::string_view(reinterpret_cast<const char*>(rnd), sizeof rnd));
    } else {
        id = "0";
    }
    return "<" + std::to_string(toMillis(now)) + "." + id + "@" + domainOf(from) + ">";
}

// ---- curl conversation ----

struct Upload {
    const std::string* data = nullptr;
    size_t pos = 0;
};

size_t readCallback(char* buffer, size_t size, size_t nitems, void* userp) {
    auto* up = static_cast<Upload*>(userp);
    size_t room = size * nitems;
    size_t n = std::min(room, up->data->size() - up->pos);
    std::copy_n(up->data->data() + up->pos, n, buffer);
    up->pos += n;
    return n;
}

/// The SMTP step under way, from the commands curl sent (verbs only).
struct Trace {
    std::string verb;
    bool data_sent = false;
};

int debugCallback(CURL*, curl_infotype type, char* data, size_t size, void* userp) {
    auto* trace = static_cast<Trace*>(userp);
    if (type == CURLINFO_HEADER_OUT) {
        std::string verb;
        for (size_t i = 0; i < size && i < 10; ++i) {
            char c = data[i];
            if (!std::isalpha(static_cast<unsigned char>(c))) break;
            verb += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        // AUTH LOGIN continuation lines (base64 user name, password) are no verbs: keep "AUTH".
        // QUIT and RSET are not steps: curl sends them after a failure too.
        static const char* kVerbs[] = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA"};
        for (const char* v : kVerbs) {
            if (verb == v) {
                trace->verb = verb;
                trace->data_sent = false;
            }
        }
    } else if (type == CURLINFO_DATA_OUT) {
        trace->data_sent = true;
    }
    return 0;
}

std::string stepName(const Trace& t) {
    if (t.verb.empty()) return "begroeting";
    if (t.verb == "EHLO" || t.verb == "HELO") return "begroeting (" + t.verb + ")";
    if (t.verb == "STARTTLS") return "STARTTLS";
    if (t.verb == "AUTH") return "inloggen (AUTH)";
    if (t.verb == "MAIL") return "afzender (MAIL FROM)";
    if (t.verb == "RCPT") return "ontvanger (RCPT TO)";
    if (t.verb == "DATA") return t.data_sent ? "bericht (einde DATA)" : "bericht (DATA)";
    return t.verb;
}

std::string secondsText(std::chrono::milliseconds d) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
    return buf;
}

Error describeFailure(CURLcode rc, long reply, const Trace& trace, const SmtpSettings& s) {
    std::string prefix =
        "e-mail niet verzonden: SMTP-server " + s.host + ":" + std::to_string(s.port) + ": ";
    std::string step = stepName(trace);
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
            return {ErrorCode::kUnavailable, prefix + "hostnaam onbekend (DNS)"};
        case CURLE_COULDNT_CONNECT:
            return {ErrorCode::kUnavailable,
                    prefix + "geen verbinding mogelijk (draait de server, klopt de poort?)"};
        case CURLE_OPERATION_TIMEDOUT:
            return {ErrorCode::kUnavailable, prefix + "geen antwoord binnen de timeout van " +
                                                 secondsText(s.timeout) + " (stap " + step + ")"};
        case CURLE_USE_SSL_FAILED:
            return {ErrorCode::kRejected,
                    prefix +
                        "de server biedt geen STARTTLS aan; er wordt niet onversleuteld "
                        "verzonden (tls is \"starttls\" of \"required\")"};
        case CURLE_PEER_FAILED_VERIFICATION:
            return {ErrorCode::kRejected,
                    prefix +
                        "certificaat van de server wordt niet vertrouwd of hoort niet bij "
                        "de hostnaam (controleer ca_file en host)"};
        case CURLE_SSL_CACERT_BADFILE:
            return {ErrorCode::kInvalidConfig, prefix + "ca_file is geen bruikbaar CA-bestand"};
        case CURLE_SSL_CONNECT_ERROR:
            return {ErrorCode::kUnavailable, prefix + "TLS-verbinding mislukt (stap " + step + ")"};
        case CURLE_LOGIN_DENIED:
            return {ErrorCode::kUnauthenticated,
                    prefix +
                        "inloggen geweigerd (username of password onjuist, of geen "
                        "ondersteunde AUTH-methode)" +
                        (reply > 0 ? " (antwoord " + std::to_string(reply) + ")" : "")};
        default:
            break;
    }
    if (reply >= 400 && reply < 600) {
        return {reply >= 500 ? ErrorCode::kRejected : ErrorCode::kUnavailable,
                prefix + "geweigerd bij stap " + step + " (antwoord " + std::to_string(reply) +
                    (reply >= 500 ? ", blijvend" : ", tijdelijk") + ")"};
    }
    return {ErrorCode::kUnavailable,
            prefix + "verzenden mislukt bij stap " + step + " (" + curl_easy_strerror(rc) + ")"};
}

struct CurlDeleter {
    void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// ---- settings ----

bool isValidHost(const std::string& h) {
    if (h.empty() || h.size() > 253) return false;
    return std::all_of(h.begin(), h.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
               c == '_';
    });
}

}  // namespace

const char* smtpTlsName(SmtpTls tls) {
    switch (tls) {
        case SmtpTls::kStartTls:
            return "starttls";
        case SmtpTls::kRequired:
            return "required";
        case SmtpTls::kNone:
            return "none";
    }
    return "?";
}

bool isValidMailAddress(const std::string& a) {
    if (a.size() < 3 || a.size() > 254) return false;
    size_t at = a.find('@');
    if (at == std::string::npos || at == 0 || at > 64 || a.find('@', at + 1) != std::string::npos)
        return false;
    for (char c : a) {
        if (c <= 0x20 || c >= 0x7f) return false;
        if (std::string_view("<>()[],;:\\\"").find(c) != std::string_view::npos) return false;
    }
    std::string domain = a.substr(at + 1);
    if (domain.empty() || domain.front() == '.' || domain.back() == '.' ||
        domain.find("..") != std::string::npos)
        return false;
    if (a.front() == '.' || a[at - 1] == '.') return false;
    return std::all_of(domain.begin(), domain.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-';
    });
}

std::string formatMailDate(Timestamp t) {
    using namespace std::chrono;
    int off = amsterdam::utcOffsetMinutes(t);
    auto local = floor<seconds>(t) + minutes(off);
    auto dp = floor<days>(local);
    year_month_day ymd(dp);
    hh_mm_ss hms(local - dp);
    static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +%02d%02d",
                  kDays[weekday(dp).c_encoding()], static_cast<unsigned>(ymd.day()),
                  kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()), off / 60, off % 60);
    return buf;
}

std::string encodeSubject(const std::string& subject) {
    if (isPrintableAscii(subject)) return subject;
    // 36 bytes -> 48 base64 characters -> a 60-character word: with "Subject: " in front the
    // first line stays within 76 characters (RFC 2047 allows 75 per word).
    constexpr size_t kMaxBytes = 36;
    std::string out;
    size_t i = 0;
    while (i < subject.size()) {
        size_t end = std::min(subject.size(), i + kMaxBytes);
        // Never split a UTF-8 sequence: back off over continuation bytes.
        while (end < subject.size() && end > i &&
               (static_cast<unsigned char>(subject[end]) & 0xC0) == 0x80)
            --end;
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(std::string_view(subject).substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

Result<std::string> renderMessage(const MailMessage& message, const std::string& from,
                                  Timestamp date, const std::string& message_id) {
    if (!isValidMailAddress(from))
        return Error{ErrorCode::kInvalidArgument, "e-mail: afzender is geen geldig e-mailadres"};
    if (message.to.empty())
        return Error{ErrorCode::kInvalidArgument, "e-mail: geen ontvanger opgegeven"};
    for (size_t i = 0; i < message.to.size(); ++i) {
        if (!isValidMailAddress(message.to[i]))
            return Error{ErrorCode::kInvalidArgument,
                         "e-mail: ontvanger " + std::to_string(i + 1) +
                             " is geen geldig e-mailadres (verwacht naam@domein)"};
    }
    if (message.subject.find_first_of("\r\n") != std::string::npos)
        return Error{ErrorCode::kInvalidArgument, "e-mail: onderwerp bevat een regeleinde"};
    if (auto st = util::checkUtf8(message.subject); !st)
        return Error{ErrorCode::kInvalidArgument, "e-mail: onderwerp is geen geldige UTF-8"};
    if (auto st = util::checkUtf8(message.body); !st)
        return Error{ErrorCode::kInvalidArgument,
                     "e-mail: tekst is geen geldige UTF-8: " + st.message()};
    for (char c : message.subject) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return Error{ErrorCode::kInvalidArgument, "e-mail: onderwerp bevat een stuurteken"};
    }

    std::string out;
    out += "Date: " + formatMailDate(date) + "\r\n";
    out += "From: " + from + "\r\n";
    out += "To: ";
    size_t col = 4;
    for (size_t i = 0; i < message.to.size(); ++i) {
        if (i > 0) {
            out += ",";
            if (col + message.to[i].size() + 2 > 78) {
                out += "\r\n";
                col = 0;
            }
            out += " ";
            col += 2;
        }
        out += message.to[i];
        col += message.to[i].size();
    }
    out += "\r\n";
    out += "Subject: " + encodeSubject(message.subject) + "\r\n";
    out += "Message-ID: " + message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: quoted-printable\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "\r\n";
    out += quotedPrintable(message.body);
    return out;
}

Result<SmtpSettings> parseSmtpSettings(const json& value, const std::string& path,
                                       std::vector<std::string>& errors) {
    using connector::OptionSpec;
    using connector::OptionType;
    const std::vector<OptionSpec> specs = {
        {"host", OptionType::kString, nullptr, true, false, "SMTP-server (hostnaam of IP-adres)"},
        {"port", OptionType::kInt, 587, false, false, "poort (587 voor STARTTLS)"},
        {"from", OptionType::kString, nullptr, true, false, "afzenderadres"},
        {"tls", OptionType::kString, "required", false, false, "required, starttls of none"},
        {"ca_file", OptionType::kPath, nullptr, false, false, "CA-bestand (PEM)"},
        {"username", OptionType::kString, nullptr, false, false, "gebruikersnaam voor AUTH"},
        {"password", OptionType::kString, nullptr, false, true, "wachtwoord voor AUTH"},
        {"timeout", OptionType::kDurationMs, 30000, false, false, "timeout"},
    };
    size_t before = errors.size();
    (void)connector::validateOptions(specs, value, path, errors);  // errors are collected
    if (!value.is_object()) return Error{ErrorCode::kInvalidConfig, errors.at(before)};

    // Semantic checks on the raw values (only where the type is right, so every error is listed
    // once even when validateOptions already found others).
    auto at = [&](const char* k) { return path + "." + k; };
    auto str = [&](const char* k) -> const json* {
        return value.contains(k) && value[k].is_string() ? &value[k] : nullptr;
    };
    SmtpSettings s;
    if (const json* h = str("host")) {
        s.host = h->get<std::string>();
        if (!s.host.empty() && !isValidHost(s.host))
            errors.push_back(at("host") + ": verwacht een hostnaam of IP-adres");
    }
    if (value.contains("port") && value["port"].is_number_integer()) {
        long long p = value["port"].get<long long>();
        if (p < 1 || p > 65535)
            errors.push_back(at("port") + ": verwacht een poortnummer van 1 tot 65535");
        else
            s.port = static_cast<int>(p);
    }
    if (const json* f = str("from")) {
        s.from = f->get<std::string>();
        if (!s.from.empty() && !isValidMailAddress(s.from))
            errors.push_back(at("from") + ": geen geldig e-mailadres (verwacht naam@domein)");
    }
    if (const json* t = str("tls")) {
        std::string v = t->get<std::string>();
        if (v == "starttls") {
            s.tls = SmtpTls::kStartTls;
        } else if (v == "required") {
            s.tls = SmtpTls::kRequired;
        } else if (v == "none") {
            s.tls = SmtpTls::kNone;
        } else {
            errors.push_back(at("tls") + ": verwacht \"starttls\", \"required\" of \"none\"");
        }
    }
    if (const json* c = str("ca_file")) {
        s.ca_file = c->get<std::string>();
        std::error_code ec;
        if (!s.ca_file.empty()) {
            if (!std::filesystem::is_regular_file(s.ca_file, ec) || !std::ifstream(s.ca_file))
                errors.push_back(at("ca_file") + ": bestand bestaat niet of is niet leesbaar");
        }
    }
    if (const json* u = str("username")) s.username = u->get<std::string>();
    if (const json* p = str("password")) s.password = p->get<std::string>();
    bool has_user = value.contains("username");
    bool has_password = value.contains("password");
    if (has_password && !has_user) errors.push_back(at("password") + ": alleen samen met username");
    if (has_user && !has_password)
        errors.push_back(at("password") + ": verplicht wanneer username is ingesteld");
    if (has_user && s.tls == SmtpTls::kNone && str("tls"))
        errors.push_back(at("tls") +
                         ": \"none\" met username zou het wachtwoord onversleuteld versturen; "
                         "gebruik \"starttls\" of \"required\"");
    if (value.contains("timeout")) {
        // Type errors were reported above; here only the range of a well-formed duration.
        std::vector<std::string> ignored;
        auto t = connector::validateOptions({specs.back()}, json{{"timeout", value["timeout"]}},
                                            path, ignored);
        if (t) {
            s.timeout = t->duration("timeout");
            if (s.timeout.count() < 1 || s.timeout > std::chrono::minutes(10))
                errors.push_back(at("timeout") + ": verwacht een duur van 1ms tot 10m");
        }
    }
    if (errors.size() != before) return Error{ErrorCode::kInvalidConfig, errors[before]};
    return s;
}

SmtpClient::SmtpClient(SmtpSettings settings, const Clock& clock)
    : settings_(std::move(settings)), clock_(clock) {}

Result<std::string> SmtpClient::send(const MailMessage& message) const {
    const SmtpSettings& s = settings_;
    Timestamp now = clock_.now();
    std::string message_id = newMessageId(now, s.from);
    auto rendered = renderMessage(message, s.from, now, message_id);
    if (!rendered) return rendered.error();

    curlGlobalInit();
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl) return Error{ErrorCode::kInternal, "e-mail niet verzonden: curl start niet"};
    CURL* c = curl.get();

    std::string host = s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host;
    // The path is the EHLO name: the sender's domain says who we are without revealing the
    // machine's host name.
    std::string url = "smtp://" + host + ":" + std::to_string(s.port) + "/" + domainOf(s.from);
    std::string mail_from = "<" + s.from + ">";
    std::unique_ptr<curl_slist, SlistDeleter> rcpt;
    for (const auto& to : message.to) {
        curl_slist* next = curl_slist_append(rcpt.get(), ("<" + to + ">").c_str());
        if (!next) return Error{ErrorCode::kInternal, "e-mail niet verzonden: geheugen"};
        rcpt.release();
        rcpt.reset(next);
    }
    Upload upload{&rendered.value(), 0};
    Trace trace;

    // "starttls" and "required" both demand the upgrade: never CURLUSESSL_TRY, which would
    // silently send in clear when the server does not offer STARTTLS.
    long use_ssl = s.tls == SmtpTls::kNone ? CURLUSESSL_NONE : CURLUSESSL_ALL;

    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2);
    if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
    if (!s.username.empty()) {
        curl_easy_setopt(c, CURLOPT_USERNAME, s.username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, s.password.c_str());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, readCallback);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
    // Verbose output goes only to the callback, which keeps the command verbs and nothing else.
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debugCallback);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &trace);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);

    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        long reply = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
        return describeFailure(rc, reply, trace, s);
    }
    return message_id;
}

}  // namespace sluis::notify

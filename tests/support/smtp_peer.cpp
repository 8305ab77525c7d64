// SmtpPeer: a small SMTP server on Poco sockets with STARTTLS through Poco NetSSL.
#include "tests/support/smtp_peer.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/tls_server.h"

namespace sluis::test {

struct SmtpPeer::State {
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    Behaviour behaviour;
    std::atomic<bool> stopping{false};
    size_t connections = 0;
    size_t closed = 0;
    size_t tls_failures = 0;
    std::vector<std::string> commands;
    std::vector<Received> received;
};

namespace {

constexpr size_t kMaxLine = 4096;
constexpr auto kIdleLimit = std::chrono::seconds(20);

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}
std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string base64Decode(const std::string& in) {
    std::istringstream is(in);
    Poco::Base64Decoder dec(is);
    std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
    return out;
}

/// The address between '<' and '>' after "MAIL FROM:" / "RCPT TO:".
std::string pathArgument(const std::string& line) {
    size_t lt = line.find('<');
    size_t gt = line.find('>', lt == std::string::npos ? 0 : lt);
    if (lt == std::string::npos || gt == std::string::npos) return "";
    return line.substr(lt + 1, gt - lt - 1);
}

/// Line-oriented I/O over a plain or (after STARTTLS) secure socket.
class Conn {
  public:
    Conn(Poco::Net::StreamSocket socket, const std::atomic<bool>& stopping)
        : socket_(std::move(socket)), stopping_(stopping) {}

    void send(const std::string& line) {
        std::string out = line + "\r\n";
        size_t sent = 0;
        while (sent < out.size()) {
            int n = socket_.sendBytes(out.data() + sent, static_cast<int>(out.size() - sent));
            if (n <= 0) throw Poco::IOException("send");
            sent += static_cast<size_t>(n);
        }
    }

    /// The next line without CRLF; nothing when the peer closed, went idle, or we are stopping.
    std::optional<std::string> readLine() {
        auto idle_until = std::chrono::steady_clock::now() + kIdleLimit;
        while (true) {
            size_t nl = buffer_.find("\r\n");
            if (nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 2);
                return line;
            }
            if (buffer_.size() > kMaxLine) return std::nullopt;
            if (stopping_ || std::chrono::steady_clock::now() > idle_until) return std::nullopt;
            if (socket_.available() <= 0 &&
                !socket_.poll(Poco::Timespan(0, 50 * 1000), Poco::Net::Socket::SELECT_READ))
                continue;
            char buf[17 * 1024];  // more than one TLS record: nothing stays behind in OpenSSL
            int n = socket_.receiveBytes(buf, sizeof buf);
            if (n <= 0) return std::nullopt;
            buffer_.append(buf, static_cast<size_t>(n));
        }
    }

    /// Waits (discarding input) until the client closes or the peer stops.
    void idle() {
        while (!stopping_) {
            if (!socket_.poll(Poco::Timespan(0, 50 * 1000), Poco::Net::Socket::SELECT_READ))
                continue;
            char buf[1024];
            if (socket_.receiveBytes(buf, sizeof buf) <= 0) return;
        }
    }

    /// Server side of STARTTLS. Input that arrived before the handshake is discarded (RFC 3207).
    void startTls(Poco::Net::Context::Ptr context) {
        buffer_.clear();
        Poco::Net::SecureStreamSocket secure =
            Poco::Net::SecureStreamSocket::attach(socket_, context);
        socket_ = secure;
    }

    bool hasBufferedInput() const { return !buffer_.empty(); }

  private:
    Poco::Net::StreamSocket socket_;
    const std::atomic<bool>& stopping_;
    std::string buffer_;
};

void parseMessage(SmtpPeer::Received& r) {
    size_t end = r.data.find("\r\n\r\n");
    std::string head = r.data.substr(0, end == std::string::npos ? r.data.size() : end + 2);
    std::string body = end == std::string::npos ? "" : r.data.substr(end + 4);
    // Unfold: CRLF followed by white space continues the previous line.
    std::string unfolded;
    for (size_t i = 0; i < head.size(); ++i) {
        if (head.compare(i, 2, "\r\n") == 0 && i + 2 < head.size() &&
            (head[i + 2] == ' ' || head[i + 2] == '\t')) {
            ++i;
            continue;
        }
        unfolded += head[i];
    }
    std::istringstream lines(unfolded);
    std::string line;
    while (std::getline(lines, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string value = line.substr(colon + 1);
        size_t first = value.find_first_not_of(" \t");
        value = first == std::string::npos ? "" : value.substr(first);
        r.headers[lower(line.substr(0, colon))] = decodeMimeWords(value);
    }
    std::string cte =
        lower(r.headers.count("content-transfer-encoding") ? r.headers["content-transfer-encoding"]
                                                           : std::string());
    if (cte == "quoted-printable") {
        body = decodeQuotedPrintable(body);
    } else if (cte == "base64") {
        body = base64Decode(body);
    }
    std::string lf;
    for (size_t i = 0; i < body.size(); ++i) {
        if (body[i] == '\r' && i + 1 < body.size() && body[i + 1] == '\n') continue;
        lf += body[i];
    }
    r.body = lf;
}

void serve(Conn& conn, const std::shared_ptr<SmtpPeer::State>& st,
           const Poco::Net::Context::Ptr& context) {
    SmtpPeer::Behaviour b;
    {
        std::lock_guard lock(st->mu);
        b = st->behaviour;
    }
    if (b.silent) return conn.idle();
    if (b.greeting_code != 220) {
        conn.send(std::to_string(b.greeting_code) + " sluis-test-peer service not available");
        return;
    }
    conn.send("220 sluis-test-peer ESMTP ready");
    bool tls = false;
    bool greeted = false;
    std::string auth_user;
    std::optional<std::string> mail_from;
    std::vector<std::string> rcpt;
    auto record = [&](const std::string& verb) {
        std::lock_guard lock(st->mu);
        st->commands.push_back(verb);
    };
    while (auto line = conn.readLine()) {
        std::string verb = upper(line->substr(0, line->find(' ')));
        record(verb);
        if (verb == "EHLO") {
            greeted = true;
            mail_from.reset();
            rcpt.clear();
            conn.send("250-sluis-test-peer");
            if (b.offer_starttls && !tls) conn.send("250-STARTTLS");
            if (!b.auth_username.empty()) conn.send("250-AUTH PLAIN LOGIN");
            conn.send("250-8BITMIME");
            conn.send("250 SIZE 10485760");
        } else if (verb == "HELO") {
            greeted = true;
            conn.send("250 sluis-test-peer");
        } else if (verb == "STARTTLS") {
            if (!b.offer_starttls || tls) {
                conn.send("502 5.5.1 STARTTLS not available");
                continue;
            }
            if (conn.hasBufferedInput()) {
                conn.send("501 5.5.4 pipelined STARTTLS refused");
                return;
            }
            conn.send("220 2.0.0 ready to start TLS");
            try {
                conn.startTls(context);
            } catch (const Poco::Exception&) {
                std::lock_guard lock(st->mu);
                ++st->tls_failures;
                return;
            }
            tls = true;
            greeted = false;
            auth_user.clear();
            mail_from.reset();
            rcpt.clear();
        } else if (verb == "AUTH") {
            if (b.auth_username.empty() || !greeted) {
                conn.send("503 5.5.1 AUTH not available");
                continue;
            }
            std::istringstream args(line->substr(verb.size()));
            std::string mech, initial;
            args >> mech >> initial;
            mech = upper(mech);
            std::string user, password;
            if (mech == "PLAIN") {
                if (initial.empty()) {
                    conn.send("334 ");
                    auto resp = conn.readLine();
                    if (!resp) return;
                    initial = *resp;
                }
                std::string decoded = base64Decode(initial);
                size_t a = decoded.find('\0');
                size_t c = a == std::string::npos ? a : decoded.find('\0', a + 1);
                if (c != std::string::npos) {
                    user = decoded.substr(a + 1, c - a - 1);
                    password = decoded.substr(c + 1);
                }
            } else if (mech == "LOGIN") {
                if (initial.empty()) {
                    conn.send("334 VXNlcm5hbWU6");
                    auto u = conn.readLine();
                    if (!u) return;
                    initial = *u;
                }
                user = base64Decode(initial);
                conn.send("334 UGFzc3dvcmQ6");
                auto p = conn.readLine();
                if (!p) return;
                password = base64Decode(*p);
            } else {
                conn.send("504 5.5.4 mechanism not supported");
                continue;
            }
            if (user == b.auth_username && password == b.auth_password) {
                auth_user = user;
                conn.send("235 2.7.0 authenticated");
            } else {
                conn.send("535 5.7.8 authentication failed");
            }
        } else if (verb == "MAIL") {
            if (!greeted) {
                conn.send("503 5.5.1 EHLO first");
            } else if (!b.auth_username.empty() && auth_user.empty()) {
                conn.send("530 5.7.0 authentication required");
            } else if (b.mail_code != 250) {
                conn.send(std::to_string(b.mail_code) + " sender refused");
            } else {
                mail_from = pathArgument(*line);
                rcpt.clear();
                conn.send("250 2.1.0 ok");
            }
        } else if (verb == "RCPT") {
            if (!mail_from) {
                conn.send("503 5.5.1 MAIL first");
            } else if (b.rcpt_code != 250) {
                // Like real servers, the reply names the address: the client must not echo it.
                conn.send(std::to_string(b.rcpt_code) + " 5.1.1 <" + pathArgument(*line) +
                          ">: recipient refused");
            } else {
                rcpt.push_back(pathArgument(*line));
                conn.send("250 2.1.5 ok");
            }
        } else if (verb == "DATA") {
            if (!mail_from || rcpt.empty()) {
                conn.send("554 5.5.1 no valid recipients");
                continue;
            }
            conn.send("354 end data with <CR><LF>.<CR><LF>");
            std::string data;
            bool complete = false;
            while (auto l = conn.readLine()) {
                if (*l == ".") {
                    complete = true;
                    break;
                }
                data += (!l->empty() && (*l)[0] == '.' ? l->substr(1) : *l) + "\r\n";
            }
            if (!complete) return;
            if (b.data_code != 250) {
                conn.send(std::to_string(b.data_code) + " message refused");
            } else {
                SmtpPeer::Received r;
                r.mail_from = *mail_from;
                r.rcpt_to = rcpt;
                r.data = data;
                r.tls = tls;
                r.auth_user = auth_user;
                parseMessage(r);
                {
                    std::lock_guard lock(st->mu);
                    st->received.push_back(std::move(r));
                }
                st->cv.notify_all();
                conn.send("250 2.0.0 queued");
            }
            mail_from.reset();
            rcpt.clear();
        } else if (verb == "RSET") {
            mail_from.reset();
            rcpt.clear();
            conn.send("250 2.0.0 ok");
        } else if (verb == "NOOP") {
            conn.send("250 2.0.0 ok");
        } else if (verb == "QUIT") {
            conn.send("221 2.0.0 bye");
            return;
        } else {
            conn.send("500 5.5.2 command not recognised");
        }
    }
}

}  // namespace

struct SmtpPeer::Server {
    Server(const std::filesystem::path& cert_file, const std::filesystem::path& key_file)
        : tls(cert_file, key_file) {}  // SMTP clients present no certificate
    TlsServerContext tls;
    Poco::Net::ServerSocket socket;
    uint16_t port = 0;
    std::thread acceptor;
    std::mutex threads_mu;
    std::vector<std::thread> threads;
};

SmtpPeer::SmtpPeer(const std::filesystem::path& cert_file, const std::filesystem::path& key_file)
    : state_(std::make_shared<State>()), server_(std::make_unique<Server>(cert_file, key_file)) {
    server_->socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
    server_->socket.listen(16);
    server_->port = server_->socket.address().port();

    server_->acceptor = std::thread([st = state_, srv = server_.get()] {
        while (!st->stopping) {
            try {
                if (!srv->socket.poll(Poco::Timespan(0, 50 * 1000), Poco::Net::Socket::SELECT_READ))
                    continue;
                Poco::Net::StreamSocket client = srv->socket.acceptConnection();
                {
                    std::lock_guard lock(st->mu);
                    ++st->connections;
                }
                std::lock_guard lock(srv->threads_mu);
                srv->threads.emplace_back([st, client, ctx = srv->tls.context()]() mutable {
                    try {
                        client.setNoDelay(true);
                        client.setReceiveTimeout(Poco::Timespan(10, 0));
                        client.setSendTimeout(Poco::Timespan(10, 0));
                        Conn conn(client, st->stopping);
                        serve(conn, st, ctx);
                    } catch (const Poco::Exception&) {
                        // The client went away mid-conversation: nothing to record.
                    }
                    {
                        std::lock_guard lock(st->mu);
                        ++st->closed;
                    }
                    st->cv.notify_all();
                });
            } catch (const Poco::Exception&) {
                // accept failed (e.g. the client reset the connection at once): keep listening.
            }
        }
    });
}

SmtpPeer::~SmtpPeer() {
    state_->stopping = true;
    state_->cv.notify_all();
    if (server_->acceptor.joinable()) server_->acceptor.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(server_->threads_mu);
        threads.swap(server_->threads);
    }
    for (auto& t : threads) t.join();
    server_->socket.close();
}

uint16_t SmtpPeer::port() const { return server_->port; }

void SmtpPeer::setBehaviour(const Behaviour& behaviour) {
    std::lock_guard lock(state_->mu);
    state_->behaviour = behaviour;
}

std::vector<SmtpPeer::Received> SmtpPeer::received() const {
    std::lock_guard lock(state_->mu);
    return state_->received;
}

std::optional<SmtpPeer::Received> SmtpPeer::waitForMessage(size_t n,
                                                           std::chrono::milliseconds max) const {
    std::unique_lock lock(state_->mu);
    if (n == 0) n = 1;
    if (!state_->cv.wait_for(lock, max, [&] { return state_->received.size() >= n; }))
        return std::nullopt;
    return state_->received[n - 1];
}

size_t SmtpPeer::connections() const {
    std::lock_guard lock(state_->mu);
    return state_->connections;
}

bool SmtpPeer::waitForClosedConnections(size_t n, std::chrono::milliseconds max) const {
    std::unique_lock lock(state_->mu);
    return state_->cv.wait_for(lock, max, [&] { return state_->closed >= n; });
}

std::vector<std::string> SmtpPeer::commands() const {
    std::lock_guard lock(state_->mu);
    return state_->commands;
}

size_t SmtpPeer::tlsFailures() const {
    std::lock_guard lock(state_->mu);
    return state_->tls_failures;
}

std::string decodeMimeWords(const std::string& value) {
    static const std::regex word(R"(=\?([^?]+)\?([BbQq])\?([^?]*)\?=)");
    std::string out;
    auto begin = std::sregex_iterator(value.begin(), value.end(), word);
    size_t pos = 0;
    bool prev_word = false;
    for (auto it = begin; it != std::sregex_iterator(); ++it) {
        const std::smatch& m = *it;
        std::string between = value.substr(pos, static_cast<size_t>(m.position(0)) - pos);
        bool blank = between.find_first_not_of(" \t\r\n") == std::string::npos;
        if (!(prev_word && blank)) out += between;
        std::string charset = lower(m[1]);
        std::string text = m[3];
        std::string decoded;
        if (upper(m[2]) == "B") {
            decoded = base64Decode(text);
        } else {
            std::replace(text.begin(), text.end(), '_', ' ');
            decoded = decodeQuotedPrintable(text);
        }
        out += (charset == "utf-8" || charset == "us-ascii") ? decoded : std::string(m[0]);
        pos = static_cast<size_t>(m.position(0) + m.length(0));
        prev_word = true;
    }
    out += value.substr(pos);
    return out;
}

std::string decodeQuotedPrintable(const std::string& text) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '=') {
            out += text[i];
            continue;
        }
        if (text.compare(i + 1, 2, "\r\n") == 0) {
            i += 2;  // soft line break
        } else if (i + 1 < text.size() && text[i + 1] == '\n') {
            i += 1;
        } else if (i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
            out += static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2]));
            i += 2;
        } else {
            out += '=';
        }
    }
    return out;
}

}  // namespace sluis::test

// SomtodayPeer: a SomToday-style REST API on Poco NetSSL with generated Dutch school data.
#include "tests/support/somtoday_peer.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>

#include "tests/support/tls_server.h"

namespace sluis::test {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct SomtodayPeer::State {
    mutable std::mutex mu;
    std::condition_variable cv;
    bool stopping = false;
    // data
    std::vector<json> pupils;
    std::vector<json> verzorgers;
    std::vector<json> resultaten;
    std::vector<json> absenties;
    // auth
    std::map<std::string, Clock::time_point> tokens;
    std::chrono::seconds token_lifetime{3600};
    int expire_after = -1;
    size_t tokens_issued = 0;
    size_t unauthorized = 0;
    // switches
    size_t max_page = 100;
    int fail_status = 0;
    int fail_count = 0;
    int fail_retry_after = -1;
    int broken_json = 0;
    std::chrono::milliseconds delay{0};
    bool hold_posts = false;
    size_t held_posts = 0;
    // records
    std::vector<Posted> posted;
    std::map<std::string, std::string> post_ids;
    size_t duplicates = 0;
    std::vector<Request> log;
};

namespace {

std::string isoNow() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms % 1000));
    return buf;
}

/// Milliseconds of an ISO timestamp written like isoNow() (or with a Z and no fraction).
long long isoMs(const std::string& s) {
    std::tm tm{};
    int ms = 0;
    if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                    &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return static_cast<long long>(timegm(&tm)) * 1000 + ms;
}

// ---- generated data ----

const char* const kBoys[] = {"Daan",  "Sem",   "Lucas", "Milan", "Levi",  "Finn", "Bram", "Jesse",
                             "Thijs", "Ruben", "Noah",  "Sven",  "Joris", "Mees", "Teun"};
const char* const kGirls[] = {"Emma", "Julia", "Sophie", "Tess",  "Anna", "Fleur", "Lotte", "Sanne",
                              "Iris", "Noor",  "Evi",    "Lieke", "Roos", "Femke", "Mila"};
const char* const kAdults[] = {"Mark",     "Ingrid", "Peter",  "Marieke", "Jeroen",
                               "Annemiek", "Bas",    "Esther", "Wouter",  "Linda"};
struct Surname {
    const char* voorvoegsel;
    const char* achternaam;
};
const Surname kSurnames[] = {
    {"de", "Jong"},  {"", "Jansen"},      {"de", "Vries"},  {"van den", "Berg"},
    {"van", "Dijk"}, {"", "Bakker"},      {"", "Visser"},   {"", "Smit"},
    {"", "Meijer"},  {"de", "Boer"},      {"", "Mulder"},   {"de", "Groot"},
    {"", "Bos"},     {"van der", "Meer"}, {"", "Hendriks"}, {"", "Dekker"}};
const char* const kStreets[] = {"Kerkstraat",  "Dorpsstraat",   "Molenweg",  "Schoolstraat",
                                "Beatrixlaan", "Julianastraat", "Lindelaan", "Havenkade"};
const char* const kTowns[] = {"Utrecht", "Amersfoort", "Zwolle", "Deventer", "Gouda", "Delft"};
const char* const kVakken[] = {"ne", "en", "wi", "gs", "ak", "bi"};

std::string bsn(std::mt19937& rng) {
    std::uniform_int_distribution<int> digit(0, 9);
    for (;;) {
        int d[9];
        d[0] = 1 + digit(rng) % 9;
        int sum = 9 * d[0];
        for (int i = 1; i < 8; ++i) {
            d[i] = digit(rng);
            sum += (9 - i) * d[i];
        }
        d[8] = sum % 11;  // 9*d1 + ... + 2*d8 - d9 must be divisible by 11
        if (d[8] > 9) continue;
        std::string out;
        for (int v : d) out += static_cast<char>('0' + v);
        return out;
    }
}

std::string twoDigits(int v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%02d", v);
    return buf;
}

void generate(SomtodayPeer::State& st, size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    auto pick = [&](auto& arr) {
        std::uniform_int_distribution<size_t> d(0, std::size(arr) - 1);
        return arr[d(rng)];
    };
    long long verzorger_id = 5000, resultaat_id = 70000, absentie_id = 90000;
    for (size_t i = 0; i < n; ++i) {
        bool boy = rng() % 2 == 0;
        std::string roepnaam = boy ? pick(kBoys) : pick(kGirls);
        std::string tweede = boy ? pick(kBoys) : pick(kGirls);
        Surname sn = pick(kSurnames);
        long long id = 1000 + static_cast<long long>(i);
        std::string lm = "2025-01-15T08:" + twoDigits(static_cast<int>(i / 60 % 60)) + ":" +
                         twoDigits(static_cast<int>(i % 60)) + ".000Z";
        json adres = {{"straat", pick(kStreets)},
                      {"huisnummer", static_cast<int>(1 + rng() % 120)},
                      {"postcode", std::to_string(1000 + rng() % 9000) + " " +
                                       std::string(1, static_cast<char>('A' + rng() % 26)) +
                                       std::string(1, static_cast<char>('A' + rng() % 26))},
                      {"woonplaats", pick(kTowns)}};
        json p = {
            {"id", id},
            {"UUID", "6f1c0000-0000-4000-8000-" + std::to_string(100000000000LL + id)},
            {"leerlingnummer", 20240000 + static_cast<long long>(i)},
            {"bsn", bsn(rng)},
            {"roepnaam", roepnaam},
            {"voornamen", roepnaam + " " + tweede},
            {"voorletters", std::string(1, roepnaam[0]) + "." + std::string(1, tweede[0]) + "."},
            {"achternaam", sn.achternaam},
            {"geboortedatum", std::to_string(2011 + rng() % 3) + "-" +
                                  twoDigits(static_cast<int>(1 + rng() % 12)) + "-" +
                                  twoDigits(static_cast<int>(1 + rng() % 28))},
            {"geslacht", boy ? "Man" : "Vrouw"},
            {"stamgroep", "2" + std::string(1, static_cast<char>('A' + i % 4))},
            {"leerjaar", 2},
            {"adres", adres},
            {"email", "leerling" + std::to_string(id) + "@leerling.example.nl"},
            {"vestiging",
             {{"naam", "Het Sluis College"}, {"brinNummer", "99XX"}, {"vestigingsnummer", "00"}}},
            {"lastModified", lm}};
        if (*sn.voorvoegsel != 0) p["voorvoegsel"] = sn.voorvoegsel;
        st.pupils.push_back(p);
        const char* relaties[] = {"Moeder", "Vader"};
        for (int k = 0; k < 2; ++k) {
            json v = {{"id", verzorger_id++},
                      {"leerlingId", id},
                      {"roepnaam", pick(kAdults)},
                      {"achternaam", sn.achternaam},
                      {"geslacht", k == 0 ? "Vrouw" : "Man"},
                      {"relatie", relaties[k]},
                      {"wettelijkVertegenwoordiger", true},
                      {"adres", adres},
                      {"telefoonnummer", "06-" + std::to_string(10000000 + rng() % 89999999)},
                      {"lastModified", lm}};
            if (*sn.voorvoegsel != 0) v["voorvoegsel"] = sn.voorvoegsel;
            st.verzorgers.push_back(v);
        }
        for (int k = 0; k < 3; ++k) {
            int whole = 4 + static_cast<int>(rng() % 6);
            st.resultaten.push_back(
                {{"id", resultaat_id++},
                 {"leerlingId", id},
                 {"vak", {{"afkorting", pick(kVakken)}}},
                 {"omschrijving", "Toets " + std::to_string(k + 1)},
                 {"resultaat", std::to_string(whole) + "," + std::to_string(rng() % 10)},
                 {"weging", 1 + k % 2},
                 {"datum", "2024-1" + std::to_string(k) + "-15"},
                 {"schooljaar", "2024-2025"},
                 {"periode", 1},
                 {"leerjaar", 2},
                 {"lastModified", lm}});
        }
        int absences = static_cast<int>(rng() % 3);
        for (int k = 0; k < absences; ++k) {
            bool geoorloofd = rng() % 3 != 0;
            st.absenties.push_back({{"id", absentie_id++},
                                    {"leerlingId", id},
                                    {"datum", "2025-01-0" + std::to_string(6 + k)},
                                    {"lesuur", 1 + static_cast<int>(rng() % 8)},
                                    {"geoorloofd", geoorloofd},
                                    {"reden", geoorloofd ? "Ziek" : "TeLaat"},
                                    {"lastModified", lm}});
        }
    }
}

// ---- HTTP ----

void send(Poco::Net::HTTPServerResponse& res, int status, const std::string& body,
          const std::map<std::string, std::string>& headers = {}) {
    res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    res.setContentType("application/json");
    res.setDate(Poco::Timestamp());
    for (const auto& [k, v] : headers) res.set(k, v);
    res.setContentLength(static_cast<std::streamsize>(body.size()));
    try {
        res.send() << body;
    } catch (const Poco::Exception&) {
        // The client gave up and closed the connection.
    }
}

/// Parses "items=a-b"; false when absent or malformed.
bool parseRange(const std::string& h, long long& a, long long& b) {
    return std::sscanf(h.c_str(), "items=%lld-%lld", &a, &b) == 2 && a >= 0 && b >= a;
}

class Handler final : public Poco::Net::HTTPRequestHandler {
  public:
    explicit Handler(std::shared_ptr<SomtodayPeer::State> st) : st_(std::move(st)) {}

    void handleRequest(Poco::Net::HTTPServerRequest& req,
                       Poco::Net::HTTPServerResponse& res) override {
        std::string body;
        Poco::StreamCopier::copyToString(req.stream(), body);
        Poco::URI uri(req.getURI());
        SomtodayPeer::Request entry{
            req.getMethod(), uri.getPath(), uri.getRawQuery(), req.get("Range", ""), 0,
            Clock::now()};
        int status = 500;
        std::string out;
        std::map<std::string, std::string> headers;
        {
            std::unique_lock lock(st_->mu);
            status = handle(lock, req, uri, body, out, headers);
            entry.status = status;
            st_->log.push_back(entry);
        }
        send(res, status, out, headers);
    }

  private:
    int handle(std::unique_lock<std::mutex>& lock, Poco::Net::HTTPServerRequest& req,
               const Poco::URI& uri, const std::string& body, std::string& out,
               std::map<std::string, std::string>& headers) {
        SomtodayPeer::State& st = *st_;
        const std::string path = uri.getPath();
        if (path == "/oauth2/token") return token(req, body, out);
        if (path.rfind("/rest/v1/", 0) != 0) {
            out = R"({"error":"not found"})";
            return 404;
        }
        // Authorisation first, like a real gateway.
        std::string auth = req.get("Authorization", "");
        auto tok = auth.rfind("Bearer ", 0) == 0 ? st.tokens.find(auth.substr(7)) : st.tokens.end();
        if (tok == st.tokens.end() || Clock::now() >= tok->second) {
            ++st.unauthorized;
            headers["WWW-Authenticate"] = "Bearer error=\"invalid_token\"";
            out = R"({"error":"invalid_token"})";
            return 401;
        }
        if (st.expire_after > 0 && --st.expire_after == 0) st.tokens.clear();
        if (st.fail_count > 0) {
            --st.fail_count;
            if (st.fail_retry_after >= 0)
                headers["Retry-After"] = std::to_string(st.fail_retry_after);
            out = R"({"error":"storing"})";
            return st.fail_status;
        }
        if (st.delay.count() > 0) st.cv.wait_for(lock, st.delay, [&] { return st.stopping; });
        if (st.hold_posts && req.getMethod() == "POST") {
            ++st.held_posts;
            st.cv.wait(lock, [&] { return !st.hold_posts || st.stopping; });
            --st.held_posts;
        }
        if (req.getMethod() == "POST" && path == "/rest/v1/dossiers") return post(req, body, out);
        if (req.getMethod() != "GET") {
            out = R"({"error":"method"})";
            return 405;
        }
        std::string resource = path.substr(9);
        std::vector<const json*> set;
        auto params = uri.getQueryParameters();
        if (resource == "leerlingen") {
            long long since = -1;
            for (const auto& [k, v] : params)
                if (k == "changedSince") since = isoMs(v);
            for (const auto& p : st.pupils)
                if (since < 0 || isoMs(p["lastModified"].get<std::string>()) >= since)
                    set.push_back(&p);
        } else if (resource == "verzorgers" || resource == "resultaten" ||
                   resource == "absenties") {
            std::set<long long> ids;
            for (const auto& [k, v] : params)
                if (k == "leerling") {
                    std::stringstream ss(v);
                    std::string part;
                    while (std::getline(ss, part, ','))
                        if (!part.empty()) ids.insert(std::stoll(part));
                }
            const auto& all = resource == "verzorgers"   ? st.verzorgers
                              : resource == "resultaten" ? st.resultaten
                                                         : st.absenties;
            for (const auto& e : all)
                if (ids.count(e["leerlingId"].get<long long>()) != 0) set.push_back(&e);
        } else {
            out = R"({"error":"not found"})";
            return 404;
        }
        long long total = static_cast<long long>(set.size());
        long long a = 0, b = static_cast<long long>(st.max_page) - 1;
        bool ranged = parseRange(req.get("Range", ""), a, b);
        if (!ranged) a = 0;
        if (total == 0) {
            headers["Content-Range"] = "items */0";
            out = "[]";
            return 200;
        }
        if (a >= total) {
            headers["Content-Range"] = "items */" + std::to_string(total);
            out = "[]";
            return 416;
        }
        b = std::min({b, a + static_cast<long long>(st.max_page) - 1, total - 1});
        json page = json::array();
        for (long long i = a; i <= b; ++i) page.push_back(*set[static_cast<size_t>(i)]);
        headers["Content-Range"] =
            "items " + std::to_string(a) + "-" + std::to_string(b) + "/" + std::to_string(total);
        out = page.dump();
        if (st.broken_json > 0) {
            --st.broken_json;
            out = out.substr(0, out.size() / 2);
        }
        return (a == 0 && b == total - 1) ? 200 : 206;
    }

    int token(Poco::Net::HTTPServerRequest& req, const std::string& body, std::string& out) {
        SomtodayPeer::State& st = *st_;
        std::map<std::string, std::string> form;
        std::stringstream ss(body);
        std::string pair;
        while (std::getline(ss, pair, '&')) {
            auto eq = pair.find('=');
            if (eq == std::string::npos) continue;
            std::string k, v;
            Poco::URI::decode(pair.substr(0, eq), k, true);
            Poco::URI::decode(pair.substr(eq + 1), v, true);
            form[k] = v;
        }
        (void)req;
        auto field = [&](const std::string& k) { return form.count(k) ? form[k] : std::string(); };
        if (field("grant_type") != "client_credentials") {
            out = R"({"error":"unsupported_grant_type"})";
            return 400;
        }
        if (field("client_id") != SomtodayPeer::kClientId ||
            field("client_secret") != SomtodayPeer::kClientSecret) {
            out = R"({"error":"invalid_client"})";
            return 401;
        }
        std::string t = "tok-" + std::to_string(++st.tokens_issued) + "-" +
                        std::to_string(std::random_device()());
        st.tokens[t] = Clock::now() + st.token_lifetime;
        out = json{{"access_token", t},
                   {"token_type", "Bearer"},
                   {"expires_in", st.token_lifetime.count()}}
                  .dump();
        return 200;
    }

    int post(Poco::Net::HTTPServerRequest& req, const std::string& body, std::string& out) {
        SomtodayPeer::State& st = *st_;
        std::string key = req.get("Idempotency-Key", "");
        if (key.empty()) {
            out = R"({"error":"Idempotency-Key ontbreekt"})";
            return 400;
        }
        auto known = st.post_ids.find(key);
        if (known != st.post_ids.end()) {
            ++st.duplicates;
            out = json{{"id", known->second}}.dump();
            return 409;
        }
        auto j = json::parse(body, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("leerling")) {
            out = R"({"error":"ongeldig dossier"})";
            return 422;
        }
        char id[32];
        std::snprintf(id, sizeof id, "DOS-%06zu", st.posted.size() + 1);
        st.post_ids[key] = id;
        st.posted.push_back({key, body, id});
        out = json{{"id", id}}.dump();
        return 201;
    }

    std::shared_ptr<SomtodayPeer::State> st_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
  public:
    explicit Factory(std::shared_ptr<SomtodayPeer::State> st) : st_(std::move(st)) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
        return new Handler(st_);
    }

  private:
    std::shared_ptr<SomtodayPeer::State> st_;
};

}  // namespace

SomtodayPeer::SomtodayPeer(const std::filesystem::path& cert_file,
                           const std::filesystem::path& key_file, size_t pupils, unsigned seed)
    : state_(std::make_shared<State>()) {
    generate(*state_, pupils, seed);
    server_ = std::make_unique<TlsHttpServer>(
        TlsHttpServer::Options{cert_file, key_file, /*client_ca_file=*/{}, /*keep_alive=*/true},
        new Factory(state_));
}

SomtodayPeer::~SomtodayPeer() {
    {
        std::lock_guard lock(state_->mu);
        state_->stopping = true;
    }
    state_->cv.notify_all();
    server_.reset();
}

uint16_t SomtodayPeer::port() const { return server_->port(); }

std::string SomtodayPeer::baseUrl(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(server_->port()) + "/rest/v1";
}

std::string SomtodayPeer::tokenUrl(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(server_->port()) + "/oauth2/token";
}

void SomtodayPeer::setTokenLifetime(std::chrono::seconds lifetime) {
    std::lock_guard lock(state_->mu);
    state_->token_lifetime = lifetime;
}

void SomtodayPeer::expireTokensAfter(int n) {
    std::lock_guard lock(state_->mu);
    state_->expire_after = n;
}

void SomtodayPeer::setMaxPageSize(size_t n) {
    std::lock_guard lock(state_->mu);
    state_->max_page = n == 0 ? 1 : n;
}

void SomtodayPeer::failNext(int status, int count, int retry_after_s) {
    std::lock_guard lock(state_->mu);
    state_->fail_status = status;
    state_->fail_count = count;
    state_->fail_retry_after = retry_after_s;
}

void SomtodayPeer::breakJsonNext(int count) {
    std::lock_guard lock(state_->mu);
    state_->broken_json = count;
}

void SomtodayPeer::setDelay(std::chrono::milliseconds delay) {
    std::lock_guard lock(state_->mu);
    state_->delay = delay;
}

void SomtodayPeer::holdPosts() {
    std::lock_guard lock(state_->mu);
    state_->hold_posts = true;
}

void SomtodayPeer::releasePosts() {
    {
        std::lock_guard lock(state_->mu);
        state_->hold_posts = false;
    }
    state_->cv.notify_all();
}

size_t SomtodayPeer::heldPosts() const {
    std::lock_guard lock(state_->mu);
    return state_->held_posts;
}

size_t SomtodayPeer::pupilCount() const {
    std::lock_guard lock(state_->mu);
    return state_->pupils.size();
}

json SomtodayPeer::pupil(size_t index) const {
    std::lock_guard lock(state_->mu);
    return state_->pupils.at(index);
}

void SomtodayPeer::touch(size_t index) {
    std::lock_guard lock(state_->mu);
    json& p = state_->pupils.at(index);
    p["stamgroep"] = "3" + p["stamgroep"].get<std::string>().substr(1);
    p["leerjaar"] = 3;
    p["lastModified"] = isoNow();
}

std::vector<SomtodayPeer::Posted> SomtodayPeer::posted() const {
    std::lock_guard lock(state_->mu);
    return state_->posted;
}

size_t SomtodayPeer::duplicatePosts() const {
    std::lock_guard lock(state_->mu);
    return state_->duplicates;
}

size_t SomtodayPeer::tokensIssued() const {
    std::lock_guard lock(state_->mu);
    return state_->tokens_issued;
}

size_t SomtodayPeer::unauthorized() const {
    std::lock_guard lock(state_->mu);
    return state_->unauthorized;
}

std::vector<SomtodayPeer::Request> SomtodayPeer::requests() const {
    std::lock_guard lock(state_->mu);
    return state_->log;
}

}  // namespace sluis::test

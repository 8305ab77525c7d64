// Web page benchmark (issue 16: "pages load in well under 200 ms with 10,000 transfers in the
// store"). A program that prints figures, never a timed test; `web_bench_smoke` (ctest) runs it on
// 200 transfers and checks only that every page answers 200.
//
//   web_bench [--transfers N (10000)] [--requests R (30)] [--dir DIR] [--reuse] [--keep]
//             [--sluis PATH] [--source-dir DIR] [--budget-ms 200]
//
// How the store is filled. `sluis account add` (the real command) makes the store, its key and
// one account per role (directeur, mentor, bevoegd-gezag, fg, beheerder). The bench then opens
// that SQLite store through its own interface (core/store/transfer_store.h) and writes what the
// engine and the people would have written, with the same calls and the same audit events as
// the engine's stages (engineEvent: actor "sluis"): per "export file" of 500 pupils one `ingest`
// (one transaction, as the ingest stage), then per transfer the engine's transitions with their
// history and audit records (received -> mapped with the payload and its disclosure, -> awaiting
// consent / awaiting approval / scheduled -> delivering -> delivered or dead lettered, withdrawn),
// the mentor's inzage (`addInzage`), the directeur's previews and approvals (`recordPreview`,
// `addApproval`), consents for the swv purpose (`addConsent`), and one batch of 30 prepared by the
// mentor (`addBatch`). About 80 % of N go to route povo-groep8 (purpose povo, one pupil each) and
// 20 % to demo-overstap (purpose demo, delivered). Creation times are spread over the last 30
// days. The payload is the minimised canonical record as pretty JSON (the demo route's
// canonical-json encoder's output; the povo route's real OSO XML is a few times larger and is
// not rendered here, to keep the fill within minutes). Scheduled transfers are due next month,
// so the daemon leaves all of them as they are. The Vensters procedure is real: the demo's
// survey export is dropped into the daemon's vensters inbox and the daemon renders it (two
// schools awaiting the bevoegd gezag), the bench waits for that through the API.
//
// Then it starts the real `sluis serve` (config/demo, web interface on, admin port 0), logs in
// through the real login form for each role (anonymous session and CSRF token, password, then
// the TOTP code computed here from the secret `sluis account add` printed), and requests every
// page R times with the session cookie, one request at a time. Printed per page: requests,
// median, p95 and max in ms (request sent until the whole answer is read), answer size, and the
// verdict against the budget (p95 < 200 ms). Exit 1 only when a page answers anything but 200 or
// lacks what it must show (e.g. the queue the transfer awaiting approval, the Beheer page the dead
// letter), 2 when the run cannot be set up; never because of a missed target.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/crypto/payload_cipher.h"
#include "core/store/transfer_store.h"
#include "core/util/text.h"
#include "core/auth/credentials.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Steady = std::chrono::steady_clock;
using sluis::Timestamp;
using sluis::store::State;

struct Options {
    size_t transfers = 10000;
    int requests = 30;
    fs::path dir;
    bool reuse = false;
    bool keep = false;
    std::string sluis = SLUIS_EXE;
    fs::path source_dir = SLUIS_SOURCE_DIR;
    double budget_ms = 200;
};

pid_t g_daemon = -1;

[[noreturn]] void die(const std::string& msg) {
    std::cerr << "web_bench: " << msg << "\n";
    if (g_daemon > 0) {
        ::kill(g_daemon, SIGKILL);
        waitpid(g_daemon, nullptr, 0);
    }
    std::exit(2);
}

double since(Steady::time_point t) {
    return std::chrono::duration<double>(Steady::now() - t).count();
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// ---- processes -------------------------------------------------------------------------------

struct RunResult {
    int code = -1;
    std::string out, err;
};

RunResult run(const Options& o, const std::vector<std::string>& args, const std::string& input,
              const fs::path& tmp) {
    fs::path in = tmp / ".run-in", out = tmp / ".run-out", err = tmp / ".run-err";
    {
        std::ofstream f(in, std::ios::binary);
        f << input;
    }
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
        if (chdir(o.source_dir.c_str()) != 0) _exit(126);
        int i = open(in.c_str(), O_RDONLY);
        int ot = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(i, 0);
        dup2(ot, 1);
        dup2(e, 2);
        std::vector<char*> v{const_cast<char*>(o.sluis.c_str())};
        for (auto& a : args) v.push_back(const_cast<char*>(a.c_str()));
        v.push_back(nullptr);
        execv(o.sluis.c_str(), v.data());
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    RunResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = readFile(out);
    r.err = readFile(err);
    return r;
}

// ---- HTTP ------------------------------------------------------------------------------------

struct Reply {
    int status = 0;
    std::string body;
    std::string set_cookie;  ///< value of sluis_sessie in Set-Cookie, if any
    std::string location;
    double ms = 0;
};

Reply http(int port, const std::string& method, const std::string& path, const std::string& cookie,
           const std::string& form = "", const std::string& bearer = "") {
    Reply r;
    try {
        auto t0 = Steady::now();
        Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
        s.setTimeout(Poco::Timespan(120, 0));
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!cookie.empty()) {
            Poco::Net::NameValueCollection c;
            c.add("sluis_sessie", cookie);
            req.setCookies(c);
        }
        if (!bearer.empty()) req.set("Authorization", "Bearer " + bearer);
        if (method == "POST") {
            req.setContentType("application/x-www-form-urlencoded");
            req.setContentLength(static_cast<std::streamsize>(form.size()));
        }
        s.sendRequest(req) << form;
        Poco::Net::HTTPResponse resp;
        std::istream& in = s.receiveResponse(resp);
        r.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        r.ms = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
        r.status = static_cast<int>(resp.getStatus());
        std::vector<Poco::Net::HTTPCookie> cookies;
        resp.getCookies(cookies);
        for (const auto& c : cookies)
            if (c.getName() == "sluis_sessie") r.set_cookie = c.getValue();
        if (resp.has("Location")) r.location = resp.get("Location");
    } catch (const Poco::Exception& e) {
        die(method + " " + path + ": " + e.displayText());
    }
    return r;
}

std::string urlencode(const std::string& s) {
    std::string out;
    Poco::URI::encode(s, "&=+?#/ ;", out);
    return out;
}

std::string csrfOf(const std::string& html) {
    static const std::regex re("name=\"csrf\" value=\"([^\"]+)\"");
    std::smatch m;
    if (!std::regex_search(html, m, re)) die("geen CSRF-token op de pagina");
    return m[1];
}

/// Logs in through the real form: password, then the TOTP code. Returns the session cookie.
std::string login(int port, const std::string& name, const std::string& password,
                  const std::string& secret_b32) {
    Reply a = http(port, "GET", "/web/login", "");
    if (a.status != 200 || a.set_cookie.empty()) die("aanmeldpagina: " + std::to_string(a.status));
    Reply b = http(port, "POST", "/web/login", a.set_cookie,
                   "csrf=" + urlencode(csrfOf(a.body)) + "&naam=" + urlencode(name) +
                       "&wachtwoord=" + urlencode(password));
    if (b.status != 303 || b.set_cookie.empty())
        die("wachtwoord van " + name + " geweigerd: " + std::to_string(b.status));
    Reply c = http(port, "GET", "/web/login/totp", b.set_cookie);
    if (c.status != 200) die("codepagina: " + std::to_string(c.status));
    auto secret = sluis::auth::base32Decode(secret_b32);
    if (!secret) die("TOTP-geheim onleesbaar");
    const long long now_s = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
    Reply d = http(port, "POST", "/web/login/totp", b.set_cookie,
                   "csrf=" + urlencode(csrfOf(c.body)) +
                       "&code=" + sluis::auth::totp(*secret, now_s));
    if (d.status != 303 || d.set_cookie.empty())
        die("code van " + name + " geweigerd: " + std::to_string(d.status));
    return d.set_cookie;
}

// ---- the fill ----------------------------------------------------------------------------------

struct Role {
    std::string name, role, password, secret;
};

/// Leaf paths of a record (the disclosure's "included"), as instance paths.
void leafPaths(const json& j, const std::string& prefix, std::vector<std::string>& out) {
    if (j.is_object()) {
        for (auto& [k, v] : j.items()) leafPaths(v, prefix.empty() ? k : prefix + "." + k, out);
    } else if (j.is_array()) {
        for (size_t i = 0; i < j.size(); ++i) leafPaths(j[i], prefix + "[" + std::to_string(i) + "]", out);
    } else {
        out.push_back(prefix);
    }
}

const char* kFirst[] = {"Daan", "Sem", "Emma", "Julia", "Noah", "Tess", "Liam", "Mila", "Finn", "Zoë"};
const char* kLast[] = {"Jansen", "de Vries", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"};

json pupilRecord(size_t i) {
    char id[16];
    std::snprintf(id, sizeof id, "L%06zu", i);
    return json{
        {"school", {{"naam", "Basisschool De Regenboog"}, {"brincode", "12AB"}, {"vestigingscode", "00"}}},
        {"leerling",
         {{"leerlingid", id},
          {"bsn", std::to_string(100000000 + i)},
          {"voornamenlijst", {kFirst[i % 10]}},
          {"roepnaam", kFirst[i % 10]},
          {"achternaam", kLast[i % 8]},
          {"geboortedatum", "2014-04-26"},
          {"geslacht", i % 2 ? "1" : "2"},
          {"groep", "8"},
          {"leerjaar", 8},
          {"adressen",
           {{{"soortadres", "bezoek"}, {"straat", "Beukenlaan"}, {"nummer", std::to_string(i % 200 + 1)},
             {"postcode", "7565 ZA"}, {"plaats", "Alkmaar"}}}}}},
        {"verzorgers",
         {{{"voornamenlijst", {"Ouder"}}, {"achternaam", kLast[i % 8]}, {"relatietotkind", "moeder"},
           {"gezag", true},
           {"communicatie", {{{"soort", "telefoon"}, {"aanduiding", "prive"}, {"nummer", "0675417999"}, {"geheim", false}}}}}}},
        {"overstapadvies", {{"advies", {"60"}}, {"datum", "2026-03-20"}}},
        {"verzuim", {{"dagdelengeoorloofd", static_cast<int>(i % 9)}, {"dagdelenongeoorloofd", static_cast<int>(i % 3)}}}};
}

struct Filled {
    std::string pupil;            ///< a pupil with consents, inzage, delivered and waiting transfers
    std::string approval_id;      ///< a transfer awaiting the directeur
    std::string batch_id;
    std::string dead_letter_id;
    size_t dead_letters = 0;
    size_t audit_records = 0;
};

void check(const sluis::Status& st, const char* what) {
    if (!st) die(std::string(what) + ": " + st.message());
}

sluis::store::AuditEvent engineEvent(const std::string& name, const std::string& id,
                                     const std::string& purpose, json details = json::object()) {
    return {"sluis", name, id, purpose, std::move(details)};
}

Filled fill(const Options& o, const fs::path& data, const Role& mentor, const Role& dir) {
    namespace st = sluis::store;
    auto opened = st::openSqliteStore({(data / "sluis.db").string(), (data / "sluis.key").string(), false});
    if (!opened) die("opslag openen: " + opened.error().message);
    st::TransferStore& store = **opened;
    const std::string mentor_label = mentor.name + " (mentor)", dir_label = dir.name + " (directeur)";
    const size_t n = o.transfers;
    const size_t povo = n - n / 5, demo = n / 5;
    Timestamp t = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) -
                  std::chrono::hours(24 * 30);
    const auto step = std::chrono::milliseconds(std::chrono::hours(24 * 29)) / std::max<size_t>(n, 1);
    const Timestamp future = std::chrono::time_point_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now()) + std::chrono::hours(24 * 30);
    Filled f;
    f.pupil = pupilRecord(7)["leerling"]["leerlingid"];
    std::vector<st::BatchItem> batch_items;
    auto t0 = Steady::now();
    size_t done = 0;
    // Per export file of 500 pupils: one ingest, then each pupil's life.
    auto life = [&](const std::vector<st::NewTransfer>& ts, bool is_povo, size_t first) {
        for (size_t k = 0; k < ts.size(); ++k) {
            const size_t i = first + k;
            const st::Transfer& m = ts[k].meta;
            const std::string& id = m.id;
            t += step;
            const size_t kind = i % 20;  // povo: 0-1 consent wait, 2-7 approval, 8-9 scheduled,
                                         // 10-17 delivered, 18 dead letter, 19 withdrawn
            if (is_povo && kind <= 1) {
                check(store.transition(id, State::kReceived, State::kAwaitingConsent, {},
                                       engineEvent("gated", id, m.purpose),
                                       "wacht op inzage door ouders/verzorgers", t),
                      "gated");
                continue;
            }
            if (is_povo) {
                st::Inzage iz{"iz_" + sluis::util::toHex(sluis::crypto::randomBytes(8)), m.subject, "povo",
                              "2026-03-02", "Ja", "", mentor_label, {}};
                check(store.addInzage(iz, t), "inzage");
            }
            json rec = json::parse(ts[k].canonical);
            if (is_povo)
                rec["inzage"] = {{"voorlopigdossier", false}, {"inzage", true}, {"inzagedatum", "2026-03-02"}, {"akkoord", "Ja"}};
            json withheld = json::array();
            if (!is_povo) {  // demo: no identifiers for the demo purpose's categories
                rec["leerling"].erase("bsn");
                withheld.push_back({{"path", "leerling.bsn"}, {"reason", "identifier"}});
            }
            std::vector<std::string> included;
            leafPaths(rec, "", included);
            st::TransitionUpdate u;
            u.payload = rec.dump(2);
            u.content_type = "application/json";
            u.file_extension = "json";
            u.disclosure = json{{"included", included},
                                {"withheld", withheld},
                                {"categories", json::array({"school", "leerling", "oudersverzorgers", "overstapadvies", "verzuim"})},
                                {"encoder", "canonical-json"},
                                {"profile", m.profile}};
            json wp = json::array();
            for (auto& w : withheld) wp.push_back(w["path"]);
            check(store.transition(id, State::kReceived, State::kMapped, u,
                                   engineEvent("mapped", id, m.purpose,
                                               {{"encoder", "canonical-json"}, {"profile", m.profile}, {"withheld_paths", wp}}),
                                   "omgezet met canonical-json; " + std::to_string(withheld.size()) + " veld(en) achtergehouden", t),
                  "mapped");
            auto got = store.get(id);
            if (!got) die("get: " + got.error().message);
            const std::string hash = got->payload_hash;
            State at = State::kMapped;
            if (is_povo) {
                check(store.transition(id, State::kMapped, State::kAwaitingApproval, {},
                                       engineEvent("gated", id, m.purpose), "wacht op goedkeuring", t),
                      "awaiting approval");
                at = State::kAwaitingApproval;
                if (kind <= 7) {
                    if (batch_items.size() < 30 && kind >= 4) batch_items.push_back({id, hash});
                    if (f.approval_id.empty() && kind == 2) f.approval_id = id;
                    continue;
                }
                if (kind == 19) {
                    check(store.transition(id, at, State::kWithdrawn, {},
                                           {dir_label, "withdrawn", id, m.purpose, json::object()},
                                           "ingetrokken door de school", t),
                          "withdrawn");
                    continue;
                }
                check(store.recordPreview(id, dir_label, hash,
                                          {dir_label, "previewed", id, m.purpose, {{"payload_hash", hash}}}, t),
                      "preview");
                check(store.addApproval({0, id, dir_label, "directeur", hash, "approved", "", t}, m.purpose, t),
                      "approval");
            }
            st::TransitionUpdate sch;
            const bool stays = is_povo && kind <= 9;
            if (stays) sch.deliver_at = std::optional<Timestamp>(future);
            check(store.transition(id, at, State::kScheduled, sch, engineEvent("scheduled", id, m.purpose),
                                   "alle poorten open", t),
                  "scheduled");
            if (stays) continue;
            st::TransitionUpdate d;
            d.attempts = 1;
            check(store.transition(id, State::kScheduled, State::kDelivering, d,
                                   engineEvent("delivery_started", id, m.purpose, {{"attempt", 1}}), "poging 1", t),
                  "delivering");
            st::TransitionUpdate e;
            if (is_povo && kind == 18) {
                e.last_error = "de ontvanger weigerde de levering (HTTP 422)";
                check(store.transition(id, State::kDelivering, State::kDeadLettered, e,
                                       engineEvent("dead_lettered", id, m.purpose, {{"attempts", 1}}),
                                       "blijvend geweigerd", t),
                      "dead letter");
                if (f.dead_letter_id.empty()) f.dead_letter_id = id;
                ++f.dead_letters;
                continue;
            }
            e.receipt = "ontvangst-" + id;
            e.last_error = "";
            check(store.transition(id, State::kDelivering, State::kDelivered, e,
                                   engineEvent("delivered", id, m.purpose,
                                               {{"destination", m.destination}, {"payload_hash", hash}, {"receipt", *e.receipt}}),
                                   "afgeleverd", t),
                  "delivered");
        }
    };
    auto ingestFile = [&](const std::string& route, const std::string& purpose, const std::string& profile,
                          const std::string& source, const std::string& sink, size_t first, size_t count,
                          size_t pupil_offset) {
        st::IngestBatch ib;
        ib.ingest_key = route + "-export-" + std::to_string(first);
        ib.source = source;
        ib.item_name = "export-" + std::to_string(first) + ".bundle";
        ib.actor = "bron:" + source;
        for (size_t k = 0; k < count; ++k) {
            st::NewTransfer nt;
            nt.meta.id = st::newTransferId();
            nt.meta.idempotency_key = ib.ingest_key + "#" + std::to_string(k) + ":" + route;
            nt.meta.direction = "outbound";
            nt.meta.route = route;
            nt.meta.purpose = purpose;
            nt.meta.profile = profile;
            nt.meta.source = source;
            nt.meta.destination = sink;
            json rec = pupilRecord(pupil_offset + first + k);
            nt.meta.subject = rec["leerling"]["leerlingid"];
            nt.canonical = rec.dump();
            ib.transfers.push_back(std::move(nt));
        }
        auto r = store.ingest(ib, t);
        if (!r) die("ingest: " + r.error().message);
        return ib.transfers;
    };
    for (size_t first = 0; first < povo; first += 500) {
        size_t count = std::min<size_t>(500, povo - first);
        auto ts = ingestFile("povo-groep8", "povo", "POVO", "povo-inbox", "vo-school-outbox", first, count, 0);
        life(ts, true, first);
        done += count;
        std::cerr << "web_bench: gevuld " << done << " / " << n << " (" << static_cast<int>(since(t0)) << " s)\n";
    }
    for (size_t first = 0; first < demo; first += 500) {
        size_t count = std::min<size_t>(500, demo - first);
        // The same pupils as the povo route's first ones: a pupil has transfers on both routes.
        auto ts = ingestFile("demo-overstap", "demo", "", "demo-inbox", "demo-outbox", first, count, 0);
        life(ts, false, first);
        done += count;
        std::cerr << "web_bench: gevuld " << done << " / " << n << " (" << static_cast<int>(since(t0)) << " s)\n";
    }
    // Consents for the swv purpose (the register page), a few with a withdrawal.
    for (size_t i = 0; i < std::min<size_t>(povo, 200); i += 4) {
        st::Consent c;
        c.id = "co_" + sluis::util::toHex(sluis::crypto::randomBytes(8));
        c.pupil = pupilRecord(i + 7)["leerling"]["leerlingid"];
        c.purpose = "swv";
        c.given_by = "ouder";
        c.relation = "moeder";
        c.decision = "gegeven";
        c.decided_on = "2026-02-01";
        c.method = "formulier";
        c.evidence = "formulier in het leerlingdossier";
        c.valid_from = "2026-02-01";
        c.recorded_by = mentor_label;
        check(store.addConsent(c, t), "consent");
    }
    if (!batch_items.empty()) {
        st::Batch b;
        b.id = "ba_" + sluis::util::toHex(sluis::crypto::randomBytes(8));
        b.name = "groep 8a";
        b.purpose = "povo";
        b.prepared_by = mentor_label;
        b.items = batch_items;
        check(store.addBatch(b, t), "batch");
        f.batch_id = b.id;
    }
    auto tail = store.auditLog(0, 1);
    (void)tail;
    std::cerr << "web_bench: opslag gevuld in " << static_cast<int>(since(t0)) << " s\n";
    return f;
}

// ---- figures -----------------------------------------------------------------------------------

double pct(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " heeft een waarde nodig");
            return argv[++i];
        };
        if (a == "--transfers") o.transfers = std::stoul(next());
        else if (a == "--requests") o.requests = std::stoi(next());
        else if (a == "--dir") o.dir = next();
        else if (a == "--reuse") o.reuse = true;
        else if (a == "--keep") o.keep = true;
        else if (a == "--sluis") o.sluis = next();
        else if (a == "--source-dir") o.source_dir = next();
        else if (a == "--budget-ms") o.budget_ms = std::stod(next());
        else die("onbekende optie " + a);
    }
    if (o.transfers < 40) die("--transfers moet minstens 40 zijn");
    const bool temp_dir = o.dir.empty();
    if (temp_dir) {
        char tmpl[] = "/tmp/sluis-web-bench-XXXXXX";
        if (!mkdtemp(tmpl)) die("mkdtemp");
        o.dir = tmpl;
    }
    o.dir = fs::absolute(o.dir);
    const fs::path data = o.dir / "data";
    const fs::path config = o.source_dir / "config" / "demo";
    const fs::path state_file = o.dir / "bench-state.json";
    std::vector<Role> roles = {{"dir.bos", "directeur", "", ""},   {"juf.ans", "mentor", "", ""},
                               {"bg.jan", "bevoegd-gezag", "", ""}, {"fg.els", "fg", "", ""},
                               {"beh.kim", "beheerder", "", ""}};
    Filled filled;
    std::string token;
    if (o.reuse && fs::exists(state_file)) {
        json s = json::parse(readFile(state_file));
        for (auto& r : roles) {
            r.password = s["accounts"][r.name]["password"];
            r.secret = s["accounts"][r.name]["secret"];
        }
        filled.pupil = s["pupil"];
        filled.approval_id = s["approval"];
        filled.batch_id = s["batch"];
        filled.dead_letter_id = s["dead_letter"];
        filled.dead_letters = s.value("dead_letters", 0);
        token = s["token"];
        o.transfers = s["transfers"];
        std::cout << "web_bench: bestaande opslag in " << o.dir << " (" << o.transfers << " overdrachten)\n";
    } else {
        if (fs::exists(data)) die(data.string() + " bestaat al (gebruik --reuse of een lege --dir)");
        for (const char* d : {"inbox", "povo-inbox", "vensters-inbox"}) fs::create_directories(data / d);
        const std::vector<std::string> common = {"--config", config.string(), "--data-dir", data.string()};
        for (auto& r : roles) {
            r.password = "bench-wachtwoord-" + sluis::util::toHex(sluis::crypto::randomBytes(6));
            std::vector<std::string> args = {"account", "add", "--name", r.name, "--role", r.role, "--password-stdin"};
            args.insert(args.end(), common.begin(), common.end());
            auto res = run(o, args, r.password + "\n", o.dir);
            if (res.code != 0) die("sluis account add: " + res.err);
            std::smatch m;
            static const std::regex re("totp-geheim: ([A-Z2-7]+)");
            if (!std::regex_search(res.out, m, re)) die("geen TOTP-geheim in de uitvoer van sluis account add");
            r.secret = m[1];
        }
        std::vector<std::string> args = {"token", "create", "--name", "web-bench", "--role", "beheerder"};
        args.insert(args.end(), common.begin(), common.end());
        auto res = run(o, args, "", o.dir);
        if (res.code != 0) die("sluis token create: " + res.err);
        token = sluis::util::trim(res.out);
        filled = fill(o, data, roles[1], roles[0]);
        fs::copy_file(config / "vensters-seed" / "enquete-2026-2027.csv", data / "vensters-inbox" / "enquete.csv");
        json s = {{"pupil", filled.pupil}, {"approval", filled.approval_id}, {"batch", filled.batch_id},
                  {"dead_letter", filled.dead_letter_id}, {"dead_letters", filled.dead_letters},
                  {"token", token}, {"transfers", o.transfers}};
        for (auto& r : roles) s["accounts"][r.name] = {{"password", r.password}, {"secret", r.secret}};
        std::ofstream(state_file) << s.dump(2);
    }

    // ---- the daemon ----
    const fs::path log = o.dir / "sluis.log";
    fs::remove(data / "admin.port");
    g_daemon = fork();
    if (g_daemon < 0) die("fork");
    if (g_daemon == 0) {
        if (chdir(o.source_dir.c_str()) != 0) _exit(126);
        int in = open("/dev/null", O_RDONLY);
        int l = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(in, 0);
        dup2(l, 1);
        dup2(l, 2);
        std::vector<std::string> args = {o.sluis, "serve", "--config", config.string(), "--data-dir", data.string(),
                                         "--admin-port", "0"};
        std::vector<char*> v;
        for (auto& a : args) v.push_back(a.data());
        v.push_back(nullptr);
        execv(o.sluis.c_str(), v.data());
        _exit(127);
    }
    auto t0 = Steady::now();
    while (!fs::exists(data / "admin.port") || readFile(data / "admin.port").empty()) {
        int status = 0;
        if (waitpid(g_daemon, &status, WNOHANG) == g_daemon) {
            g_daemon = -1;
            die("sluis serve stopte bij het starten; log " + log.string());
        }
        if (since(t0) > 120) die("sluis serve schreef geen admin.port; log " + log.string());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const int port = std::stoi(readFile(data / "admin.port"));
    std::cout << "web_bench: sluis serve pid " << g_daemon << " op poort " << port << std::endl;

    // The Vensters procedure: wait until the daemon rendered the survey for the bevoegd gezag.
    std::string vensters_id;
    t0 = Steady::now();
    while (vensters_id.empty()) {
        Reply r = http(port, "GET", "/api/v1/transfers?route=vensters-msv&state=awaiting_approval", "", "", token);
        if (r.status == 200) {
            json j = json::parse(r.body, nullptr, false);
            const json& list = j.is_object() && j.contains("transfers") ? j["transfers"] : j;
            if (list.is_array() && !list.empty()) vensters_id = list[0].value("id", "");
        }
        if (since(t0) > 300) die("de Vensters-levering kwam niet in 'wacht op goedkeuring'; log " + log.string());
        if (vensters_id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }

    std::map<std::string, std::string> cookie;
    for (auto& r : roles) cookie[r.role] = login(port, r.name, r.password, r.secret);

    struct Page {
        std::string label, role, path;
        std::string expect;  ///< text the answer must hold (the page shows what it should)
    };
    std::vector<Page> pages = {
        {"Overzicht (directeur)", "directeur", "/web/", "wachten op uw goedkeuring"},
        {"Overzicht (beheerder)", "beheerder", "/web/", "povo-groep8"},
        {"Goedkeuren: wachtrij", "directeur", "/web/goedkeuren", "Wachtrij goedkeuren"},
        {"Goedkeuren: een overdracht", "directeur", "/web/goedkeuren/" + filled.approval_id, "verlaat"},
        {"Batches: lijst", "directeur", "/web/batches", "groep 8a"},
        {"Batches: een batch", "directeur", "/web/batches/" + filled.batch_id, "groep 8a"},
        {"Inzage registreren", "mentor", "/web/inzage", "inzage"},
        {"Toestemming", "mentor", "/web/toestemming", "csrf"},
        {"Register van een leerling", "directeur", "/web/register?leerling=" + filled.pupil, filled.pupil},
        {"Leerling (verstrekkingen)", "directeur", "/web/leerling/" + filled.pupil, filled.pupil},
        {"Vensters: bord", "bevoegd-gezag", "/web/vensters", vensters_id},
        {"Vensters: een school", "bevoegd-gezag", "/web/vensters/" + vensters_id, vensters_id},
        {"Audit: eerste pagina", "fg", "/web/audit", "keten-status"},
        {"Audit: gefilterd (leerling)", "fg", "/web/audit?leerling=" + filled.pupil, "subject: " + filled.pupil},
        {"Audit: gefilterd (soort)", "fg", "/web/audit?soort=dead_lettered", "<code>dead_lettered</code>"},
        {"Audit: latere pagina", "fg", "/web/audit?pagina=100", "Pagina 100"},
        {"Beheer", "beheerder", "/web/beheer", filled.dead_letter_id},
    };
    // The dead letters are paged (50 a page): the second page, when there is one.
    if (filled.dead_letters > 50)
        pages.push_back({"Beheer: vastgelopen, pagina 2", "beheerder", "/web/beheer?pagina=2",
                         "pagina 2 van"});
    else
        std::cout << "web_bench: " << filled.dead_letters
                  << " vastgelopen overdrachten, geen tweede pagina om te meten\n";
    struct Figures {
        std::vector<double> ms;
        size_t bytes = 0;
        int bad_status = 0;
    };
    std::vector<Figures> figs(pages.size());
    int errors = 0;
    for (size_t p = 0; p < pages.size(); ++p) {
        for (int k = 0; k < o.requests; ++k) {
            Reply r = http(port, "GET", pages[p].path, cookie[pages[p].role]);
            if (r.status != 200 || r.body.find(pages[p].expect) == std::string::npos) {
                ++errors;
                figs[p].bad_status = r.status;
                std::cerr << "web_bench: " << pages[p].path << " antwoordde " << r.status
                          << (r.status == 200 ? " zonder '" + pages[p].expect + "'" : std::string()) << "\n";
                break;
            }
            figs[p].ms.push_back(r.ms);
            figs[p].bytes = r.body.size();
        }
    }

    // ---- the figures ----
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0) load[0] = -1;
    const auto db_size = fs::file_size(data / "sluis.db");
    std::printf("\nweb_bench: %zu overdrachten in de opslag (SQLite, %.1f MB), %d verzoeken per pagina, "
                "load average %.2f %.2f %.2f\n\n",
                o.transfers, static_cast<double>(db_size) / 1e6, o.requests, load[0], load[1], load[2]);
    std::printf("%-32s %8s %9s %9s %9s %9s  %s\n", "pagina", "verzoeken", "mediaan", "p95", "max", "bytes",
                "oordeel (p95 < budget)");
    int over = 0;
    for (size_t p = 0; p < pages.size(); ++p) {
        const auto& f = figs[p];
        if (f.bad_status) {
            std::printf("%-32s %8zu %9s %9s %9s %9s  FOUT: HTTP %d (of de verwachte tekst ontbrak)\n", pages[p].label.c_str(), f.ms.size(), "-", "-",
                        "-", "-", f.bad_status);
            continue;
        }
        const double p95 = pct(f.ms, 0.95);
        const bool ok = p95 < o.budget_ms;
        over += !ok;
        std::printf("%-32s %8zu %7.1f ms %6.1f ms %6.1f ms %9zu  %s\n", pages[p].label.c_str(), f.ms.size(),
                    pct(f.ms, 0.5), p95, *std::max_element(f.ms.begin(), f.ms.end()), f.bytes,
                    ok ? "gehaald" : "NIET gehaald");
    }
    std::printf("\nbudget %.0f ms (p95 per pagina): %s\n", o.budget_ms,
                over == 0 ? "alle pagina's gehaald" : (std::to_string(over) + " pagina('s) niet gehaald").c_str());

    ::kill(g_daemon, SIGTERM);
    waitpid(g_daemon, nullptr, 0);
    g_daemon = -1;
    if (temp_dir && !o.keep && errors == 0) fs::remove_all(o.dir);
    else std::cout << "web_bench: gegevens in " << o.dir << "\n";
    return errors == 0 ? 0 : 1;
}

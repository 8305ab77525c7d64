// `sluis consent|inzage|approvals|transfer|batch`: the decisions of the policy layer from the
// command line. Decisions need an accountable person, so these commands do not open the store:
// they call the running daemon's admin API with the caller's own token (SLUIS_TOKEN or
// --token-file), and the daemon checks the role, applies the gates and writes the audit record
// exactly as for any other API client (docs/api.md).
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLException.h>
#include <Poco/URI.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/args.h"
#include "app/cli.h"
#include "core/config/config.h"
#include "core/util/fs.h"
#include "core/util/percent_encode.h"
#include "core/util/text.h"
#include "core/util/json.h"

namespace sluis::app {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

/// How a client command reaches the daemon: the options every client command takes.
const std::vector<cli::Option>& connOptions() {
    static const std::vector<cli::Option> options = {
        {"url", "URL", "de beheer-API: http://127.0.0.1:8480 (alleen loopback) of https://HOST:8480"},
        {"config", "MAP", "of: het adres uit deze configuratie (anders /etc/sluis, dan ./config)"},
        {"data-dir", "MAP", "de datamap van die configuratie (voor de werkelijke poort)"},
        {"token-file", "BESTAND", "uw API-token uit dit bestand (anders uit SLUIS_TOKEN)"},
        {"ca", "BESTAND", "bij https: de CA van de server (anders SLUIS_CA, dan de CA's van het systeem)"},
        {"client-cert", "BESTAND", "bij https met clientcertificaat: het certificaat"},
        {"client-key", "BESTAND", "bij https met clientcertificaat: de sleutel"},
        {"json", "", "toon het antwoord van de API als JSON"},
    };
    return options;
}

int fail(const Error& e) {
    std::cerr << "sluis: " << e.message << "\n";
    return exitCode(e.code);
}

ErrorCode codeFromName(const std::string& name) {
    for (int c = 0; c <= static_cast<int>(ErrorCode::kInternal); ++c)
        if (name == errorCodeName(static_cast<ErrorCode>(c))) return static_cast<ErrorCode>(c);
    return ErrorCode::kInternal;
}

Result<std::string> readSmallFile(const std::string& path, size_t max) {
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) return Error{ErrorCode::kIo, "kan " + path + " niet lezen: " + ec.message()};
    if (size > max)
        return Error{ErrorCode::kTooLarge,
                     path + " is groter dan " + std::to_string(max >> 20) + " MiB"};
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in) return Error{ErrorCode::kIo, "kan " + path + " niet lezen"};
    return ss.str();
}

/// Where the daemon's admin API is and who is calling.
struct Connection {
    std::string host;
    int port = 0;
    std::string token;
    bool https = false;
    /// CA file that must have signed the server's certificate (--ca or SLUIS_CA); empty: the
    /// system's CAs. The certificate and its host name are always verified.
    std::string ca;
    std::string client_cert;  ///< for admin.tls.client_ca (mutual TLS)
    std::string client_key;
};

/// `--KEY`, else the environment variable `env`, else "".
std::string optionOrEnv(const ParsedArgs& a, const std::string& key, const char* env) {
    if (a.has(key)) return a.get(key);
    const char* v = std::getenv(env);
    return v ? std::string(v) : std::string();
}

Result<Connection> connect(const ParsedArgs& a) {
    Connection c;
    if (a.has("url")) {
        Poco::URI uri;
        try {
            uri = Poco::URI(a.get("url"));
        } catch (const Poco::Exception&) {
            return Error{ErrorCode::kInvalidArgument, "--url: geen geldige URL"};
        }
        if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty())
            return Error{ErrorCode::kInvalidArgument,
                         "--url verwacht http://HOST:POORT (loopback) of https://HOST:POORT"};
        c.https = uri.getScheme() == "https";
        c.host = uri.getHost();
        c.port = uri.getPort();
    } else {
        connector::ConnectorRegistry connectors;
        mapper::MapperRegistry mappers;
        SLUIS_RETURN_IF_ERROR(registerAll(connectors, mappers));
        auto dir = configDir(a.get("config"));
        if (!dir && a.get("data-dir").empty()) {
            // No configuration here: the default admin address (the demo's).
            c.host = "127.0.0.1";
            c.port = 8480;
        } else {
            if (!dir) return dir.error();
            auto cfg = config::loadConfig(*dir, {a.get("data-dir")}, connectors, mappers);
            if (!cfg) return cfg.error();
            c.host = (*cfg)->admin.listen == "0.0.0.0" ? "127.0.0.1"
                     : (*cfg)->admin.listen == "::"    ? "::1"
                                                       : (*cfg)->admin.listen;
            c.port = (*cfg)->admin.port;
            c.https = (*cfg)->admin.tls.has_value();
            fs::path port_file = fs::path((*cfg)->data_dir) / "admin.port";
            if (auto text = readSmallFile(port_file.string(), 64)) {
                try {
                    c.port = std::stoi(util::trim(*text));
                } catch (const std::exception&) {
                    return Error{ErrorCode::kIo, port_file.string() + " bevat geen poortnummer"};
                }
            }
        }
    }
    c.ca = optionOrEnv(a, "ca", "SLUIS_CA");
    c.client_cert = optionOrEnv(a, "client-cert", "SLUIS_CLIENT_CERT");
    c.client_key = optionOrEnv(a, "client-key", "SLUIS_CLIENT_KEY");
    if (!c.https && (a.has("ca") || a.has("client-cert") || a.has("client-key")))
        return Error{ErrorCode::kInvalidArgument,
                     "--ca, --client-cert en --client-key horen bij https://; de beheer-API "
                     "spreekt hier gewoon HTTP"};
    if (c.client_cert.empty() != c.client_key.empty())
        return Error{ErrorCode::kInvalidArgument,
                     "geef --client-cert en --client-key samen op (of SLUIS_CLIENT_CERT en "
                     "SLUIS_CLIENT_KEY)"};
    for (const auto& [file, what] : {std::pair{c.ca, "--ca/SLUIS_CA"},
                                     std::pair{c.client_cert, "--client-cert/SLUIS_CLIENT_CERT"},
                                     std::pair{c.client_key, "--client-key/SLUIS_CLIENT_KEY"}}) {
        std::error_code ec;
        if (c.https && !file.empty() && !fs::is_regular_file(file, ec))
            return Error{ErrorCode::kInvalidArgument,
                         std::string(what) + ": bestand " + file + " bestaat niet"};
    }
    if (a.has("token-file")) {
        auto t = readSmallFile(a.get("token-file"), 4096);
        if (!t) return t.error();
        c.token = util::trim(*t);
    } else if (const char* env = std::getenv("SLUIS_TOKEN")) {
        c.token = util::trim(env);
    }
    if (c.token.empty())
        return Error{
            ErrorCode::kUnauthenticated,
            "geen token: zet SLUIS_TOKEN of gebruik --token-file (een beheerder maakt er een met "
            "'sluis token create --name NAAM --role ROL')"};
    return c;
}

struct Reply {
    int status = 0;
    std::string content_type;
    std::string payload_hash;  ///< X-Sluis-Payload-Sha256, when the daemon sends it.
    std::string body;
    json data;  ///< Parsed JSON body (null when the body is not JSON).
};

Result<Reply> call(const Connection& c, const std::string& method, const std::string& path,
                   const std::optional<json>& body = std::nullopt) {
    const std::string where = (c.https ? "https://" : "http://") + c.host + ":" +
                              std::to_string(c.port);
    try {
        std::unique_ptr<Poco::Net::HTTPClientSession> owned;
        if (c.https) {
            static const bool ssl = [] {
                Poco::Net::initializeSSL();
                return true;
            }();
            (void)ssl;
            Poco::Net::Context::Params p;
            p.caLocation = c.ca;
            p.loadDefaultCAs = c.ca.empty();
            p.certificateFile = c.client_cert;
            p.privateKeyFile = c.client_key;
            // The server's certificate is always verified (chain and host name): there is no
            // option to turn that off.
            p.verificationMode = Poco::Net::Context::VERIFY_STRICT;
            Poco::Net::Context::Ptr context =
                new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, p);
            context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
            owned = std::make_unique<Poco::Net::HTTPSClientSession>(
                c.host, static_cast<Poco::UInt16>(c.port), context);
        } else {
            owned = std::make_unique<Poco::Net::HTTPClientSession>(
                c.host, static_cast<Poco::UInt16>(c.port));
        }
        Poco::Net::HTTPClientSession& session = *owned;
        session.setTimeout(Poco::Timespan(60, 0));
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.set("Authorization", "Bearer " + c.token);
        std::string text = body ? body->dump() : "";
        if (body) {
            req.setContentType("application/json");
            req.setContentLength(static_cast<std::streamsize>(text.size()));
        }
        session.sendRequest(req) << text;
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        Reply r;
        r.status = resp.getStatus();
        r.content_type = resp.getContentType();
        r.payload_hash = resp.get("X-Sluis-Payload-Sha256", "");
        std::stringstream ss;
        ss << in.rdbuf();
        r.body = ss.str();
        if (r.content_type.starts_with("application/json"))
            r.data = util::parseJsonOrDiscarded(r.body);
        if (r.data.is_discarded()) r.data = nullptr;
        if (r.status >= 400) {
            if (r.status == 429)
                return Error{ErrorCode::kUnavailable,
                             r.data.is_object() && r.data.contains("error")
                                 ? r.data["error"].value("message", "te veel verzoeken") +
                                       " (HTTP 429)"
                                 : std::string("te veel verzoeken (HTTP 429)")};
            if (r.data.is_object() && r.data.contains("error"))
                return Error{codeFromName(r.data["error"].value("code", "internal")),
                             r.data["error"].value("message", "fout") + " (HTTP " +
                                 std::to_string(r.status) + ")"};
            return Error{ErrorCode::kInternal,
                         "onverwacht antwoord HTTP " + std::to_string(r.status)};
        }
        return r;
    } catch (const Poco::Net::ConnectionRefusedException&) {
        return Error{ErrorCode::kUnavailable, "geen Sluis-daemon bereikbaar op " + c.host + ":" +
                                                  std::to_string(c.port) +
                                                  " (draait 'sluis serve'?)"};
    } catch (const Poco::Net::SSLException& e) {
        return Error{ErrorCode::kUnavailable,
                     "TLS-verbinding met " + where + " mislukt: " + e.displayText() +
                         " (klopt het CA-bestand (--ca of SLUIS_CA) en de naam in --url?)"};
    } catch (const Poco::Exception& e) {
        return Error{ErrorCode::kUnavailable, "beheer-API " + c.host + ":" +
                                                  std::to_string(c.port) + ": " + e.displayText()};
    }
}

std::string encode(const std::string& s) { return util::percentEncode(s); }

/// Runs one API call and prints the JSON answer (or `summary` when given and not --json).
int run(const ParsedArgs& a, const std::string& method, const std::string& path,
        const std::optional<json>& body,
        const std::function<std::string(const json&)>& summary = nullptr) {
    auto c = connect(a);
    if (!c) return fail(c.error());
    auto r = call(*c, method, path, body);
    if (!r) return fail(r.error());
    if (summary && !a.flag("json")) {
        std::cout << summary(r->data) << "\n";
    } else {
        std::cout << (r->data.is_null() ? r->body : r->data.dump(2) + "\n");
    }
    return 0;
}

/// A wrong number of operands for `spec`: exit 2, pointing at its --help.
int badOperands(const cli::Spec& spec) {
    return fail({ErrorCode::kInvalidArgument,
                 "verkeerde argumenten voor 'sluis " + spec.path + "'; zie 'sluis " + spec.path + " --help'"});
}

std::vector<cli::Option> with(std::vector<cli::Option> options) { return cli::join(std::move(options), connOptions()); }

/// The sub-command `args[0]` of `group` and its parsed arguments; nullopt after printing the error.
struct SubCall {
    const cli::Spec* spec = nullptr;
    ParsedArgs args;
};
Result<SubCall> parseSub(const cli::Spec& group, const Args& args) {
    const std::string sub = args.empty() ? "" : args[0];
    const cli::Spec* spec = cli::findSub(group, sub);
    if (!spec) return cli::unknownSub(group, sub);
    auto a = parseArgs(*spec, Args(args.begin() + 1, args.end()));
    if (!a) return a.error();
    return SubCall{spec, std::move(*a)};
}

Result<std::string> required(const ParsedArgs& a, const std::string& key) {
    if (!a.has(key) || util::trim(a.get(key)).empty())
        return Error{ErrorCode::kInvalidArgument, "--" + key + " is verplicht"};
    return a.get(key);
}

}  // namespace

const cli::Spec& consentSpec() {
    static const cli::Spec spec{
        "consent", "het toestemmingsregister via de beheer-API: vastleggen, tonen, intrekken, bewijsstuk ophalen", "",
        {}, "",
        {{"consent add", "legt een toestemming (of weigering) van ouder of leerling vast", "",
          with({{"pupil", "ID", "de leerling (verplicht)"},
                {"purpose", "DOEL", "het doel uit policies.json (verplicht)"},
                {"given-by", "WIE", "ouder of leerling (verplicht)"},
                {"relation", "RELATIE", "de relatie van wie besliste tot de leerling"},
                {"decision", "BESLUIT", "gegeven of geweigerd (verplicht)"},
                {"decided-on", "JJJJ-MM-DD", "de datum van het besluit (verplicht)"},
                {"method", "MANIER", "hoe het besluit is gegeven, bijv. formulier (verplicht)"},
                {"evidence", "NOTITIE", "een notitie over het bewijs"},
                {"evidence-file", "BESTAND", "het bewijsstuk (pdf, jpg, png, eml of txt; hoogstens 5 MiB)"},
                {"evidence-type", "TYPE", "het MIME-type van het bewijsstuk, als de extensie het niet zegt"},
                {"valid-from", "JJJJ-MM-DD", "geldig vanaf"},
                {"valid-until", "JJJJ-MM-DD", "geldig tot"}})},
         {"consent list", "toont de toestemmingen van één leerling", "", with({{"pupil", "ID", "de leerling (verplicht)"}})},
         {"consent withdraw", "trekt een toestemming in; niet-afgeleverde overdrachten stoppen", "ID", with({})},
         {"consent evidence", "haalt het bewijsstuk van een toestemming op", "ID",
          with({{"out", "BESTAND", "waar het bewijsstuk wordt opgeslagen (verplicht)"}})}}};
    return spec;
}

int cmdConsent(const Args& args) {
    auto call_ = parseSub(consentSpec(), args);
    if (!call_) return fail(call_.error());
    const std::string sub = args[0];
    const cli::Spec& spec = *call_->spec;
    const ParsedArgs* a = &call_->args;
    if (sub == "add") {
        json body = {{"pupil", a->get("pupil")},           {"purpose", a->get("purpose")},
                     {"given_by", a->get("given-by")},     {"relation", a->get("relation")},
                     {"decision", a->get("decision")},     {"decided_on", a->get("decided-on")},
                     {"method", a->get("method")},         {"evidence", a->get("evidence")},
                     {"valid_from", a->get("valid-from")}, {"valid_until", a->get("valid-until")}};
        if (a->has("evidence-file")) {
            std::string path = a->get("evidence-file");
            auto bytes = readSmallFile(path, 5 << 20);
            if (!bytes) return fail(bytes.error());
            std::string type = a->get("evidence-type");
            if (type.empty()) {
                std::string ext = fs::path(path).extension().string();
                type = ext == ".pdf"                     ? "application/pdf"
                       : ext == ".jpg" || ext == ".jpeg" ? "image/jpeg"
                       : ext == ".png"                   ? "image/png"
                       : ext == ".eml"                   ? "message/rfc822"
                       : ext == ".txt"                   ? "text/plain"
                                                         : "";
                if (type.empty())
                    return fail(
                        {ErrorCode::kInvalidArgument, "--evidence-type is nodig voor " + path});
            }
            body["evidence_file"] = {{"filename", fs::path(path).filename().string()},
                                     {"content_type", type},
                                     {"data_base64", util::encodeBase64(*bytes)}};
        }
        return run(*a, "POST", "/api/v1/consents", body, [](const json& r) {
            return "toestemming vastgelegd: " + r.value("id", "") + " (" +
                   std::to_string(r.value("transfers_released", 0)) +
                   " wachtende overdracht(en) vrijgegeven)";
        });
    }
    if (sub == "list") {
        auto pupil = required(*a, "pupil");
        if (!pupil) return fail(pupil.error());
        return run(*a, "GET", "/api/v1/pupils/" + encode(*pupil) + "/consents", std::nullopt);
    }
    if (sub == "withdraw") {
        if (a->positional.size() != 1) return badOperands(spec);
        return run(*a, "POST", "/api/v1/consents/" + encode(a->positional[0]) + "/withdraw",
                   json::object(), [](const json& r) {
                       return "toestemming ingetrokken: " + r.value("id", "") + "; " +
                              std::to_string(r.value("withdrawn_transfers", json::array()).size()) +
                              " niet-afgeleverde overdracht(en) gestopt";
                   });
    }
    if (sub == "evidence") {
        auto out = required(*a, "out");
        if (!out) return fail(out.error());
        if (a->positional.size() != 1) return badOperands(spec);
        auto c = connect(*a);
        if (!c) return fail(c.error());
        auto r = call(*c, "GET", "/api/v1/consents/" + encode(a->positional[0]) + "/evidence");
        if (!r) return fail(r.error());
        auto st = util::writeFileAtomic(*out, r->body, 0600);
        if (!st) return fail(st.error());
        std::cout << "bewijsstuk opgeslagen in " << *out << " (" << r->body.size()
                  << " bytes, sha256 " << util::sha256Hex(r->body) << ")\n";
        return 0;
    }
    return badOperands(spec);
}

const cli::Spec& inzageSpec() {
    static const cli::Spec spec{
        "inzage", "legt via de beheer-API vast dat ouders het dossier hebben ingezien", "", {}, "",
        {{"inzage add", "legt een inzage door ouders vast; wachtende dossiers worden opnieuw opgebouwd", "",
          with({{"pupil", "ID", "de leerling (verplicht)"},
                {"purpose", "DOEL", "het doel uit policies.json (verplicht)"},
                {"date", "JJJJ-MM-DD", "de datum van de inzage (verplicht)"},
                {"akkoord", "ANTWOORD", "Ja, Nee of Onbekend (verplicht)"},
                {"view", "TEKST", "de zienswijze van de ouders als ze niet akkoord zijn"}})}}};
    return spec;
}

int cmdInzage(const Args& args) {
    auto call_ = parseSub(inzageSpec(), args);
    if (!call_) return fail(call_.error());
    const ParsedArgs* a = &call_->args;
    json body = {{"pupil", a->get("pupil")},
                 {"purpose", a->get("purpose")},
                 {"inzagedatum", a->get("date")},
                 {"akkoord", a->get("akkoord")},
                 {"redennietakkoord", a->get("view")}};
    return run(*a, "POST", "/api/v1/inzage", body, [](const json& r) {
        return "inzage vastgelegd: " + r.value("id", "") + " (" +
               std::to_string(r.value("transfers_requeued", 0)) +
               " dossier(s) worden opnieuw opgebouwd)";
    });
}

const cli::Spec& approvalsSpec() {
    static const cli::Spec spec{"approvals", "toont de goedkeuringswachtrij via de beheer-API", "", with({})};
    return spec;
}

int cmdApprovals(const Args& args) {
    auto a = parseArgs(approvalsSpec(), args);
    if (!a) return fail(a.error());
    return run(*a, "GET", "/api/v1/approvals", std::nullopt, [](const json& r) {
        std::ostringstream out;
        const auto& list = r.value("transfers", json::array());
        out << list.size() << " overdracht(en) wachten op goedkeuring";
        for (const auto& t : list)
            out << "\n  " << t.value("id", "") << "  doel " << t.value("purpose", "")
                << "  leerling " << t.value("subject", "") << "  goedkeuringen "
                << t.value("approvals", 0) << "/" << t.value("approvals_required", 0);
        return out.str();
    });
}

const cli::Spec& transferSpec() {
    static const cli::Spec spec{
        "transfer", "overdrachten via de beheer-API: tonen, bekijken wat vertrekt, goedkeuren, afwijzen, intrekken, plannen",
        "", {}, "",
        {{"transfer list", "toont de overdrachten", "",
          with({{"state", "STATUS", "alleen overdrachten in deze toestand"},
                {"route", "ROUTE", "alleen overdrachten van deze route"},
                {"pupil", "ID", "alleen overdrachten van deze leerling"}})},
         {"transfer show", "toont één overdracht", "ID", with({})},
         {"transfer preview", "toont precies wat vertrekt en wat wordt achtergehouden, met de payload-hash", "ID",
          with({})},
         {"transfer approve", "keurt een overdracht goed (de hash uit de preview)", "ID",
          with({{"hash", "PAYLOAD_HASH", "de payload-hash die u in de preview zag (verplicht)"}})},
         {"transfer reject", "wijst een overdracht af", "ID",
          with({{"hash", "PAYLOAD_HASH", "de payload-hash die u in de preview zag (verplicht)"},
                {"reason", "REDEN", "waarom (verplicht)"}})},
         {"transfer withdraw", "trekt een overdracht in die nog niet is afgeleverd", "ID",
          with({{"reason", "REDEN", "waarom"}})},
         {"transfer schedule", "legt de leverdatum van een overdracht vast", "ID",
          with({{"deliver-on", "JJJJ-MM-DD", "de leverdatum (verplicht)"}})},
         {"transfer requeue", "biedt een vastgelopen overdracht opnieuw aan (weer langs elke poort)", "ID", with({})}}};
    return spec;
}

int cmdTransfer(const Args& args) {
    auto call_ = parseSub(transferSpec(), args);
    if (!call_) return fail(call_.error());
    const std::string sub = args[0];
    const cli::Spec& spec = *call_->spec;
    const ParsedArgs* a = &call_->args;
    if (sub == "list") {
        std::string q = "?limit=1000";
        if (a->has("state")) q += "&state=" + encode(a->get("state"));
        if (a->has("route")) q += "&route=" + encode(a->get("route"));
        if (a->has("pupil")) q += "&subject=" + encode(a->get("pupil"));
        return run(*a, "GET", "/api/v1/transfers" + q, std::nullopt);
    }
    if (a->positional.size() != 1) return badOperands(spec);
    const std::string path = "/api/v1/transfers/" + encode(a->positional[0]);
    if (sub == "show") return run(*a, "GET", path, std::nullopt);
    if (sub == "preview")
        return run(*a, "GET", path + "/preview", std::nullopt, [](const json& r) {
            std::ostringstream out;
            out << "overdracht " << r.value("transfer_id", "") << " naar "
                << r.value("destination", "") << " (doel " << r.value("purpose", "") << ")\n";
            out << "grondslag: " << r.value("legal_basis", "") << "\n";
            out << "wordt verstrekt:";
            for (const auto& f : r.value("included", json::array()))
                out << "\n  + " << f.get<std::string>();
            out << "\nwordt achtergehouden:";
            for (const auto& w : r.value("withheld", json::array()))
                out << "\n  - "
                    << (w.is_object() ? w.value("path", "") + " (" + w.value("reason", "") + ")"
                                      : w.dump());
            if (r.contains("payload") && r["payload"].is_string())
                out << "\n--- exact wat wordt verzonden ---\n"
                    << r["payload"].get<std::string>() << "\n---";
            out << "\npayload-hash: " << r.value("payload_hash", "")
                << "\ngoedkeuren: sluis transfer approve " << r.value("transfer_id", "")
                << " --hash " << r.value("payload_hash", "");
            return out.str();
        });
    auto state = [](const std::string& verb) {
        return [verb](const json& r) {
            return verb + ": " + r.value("id", "") + " (status " + r.value("state", "") + ")";
        };
    };
    if (sub == "approve" || sub == "reject") {
        auto hash = required(*a, "hash");
        if (!hash)
            return fail({ErrorCode::kInvalidArgument,
                         "--hash is verplicht: keur goed wat u in de preview zag "
                         "('sluis transfer preview ID' toont de hash)"});
        json body = {{"payload_hash", *hash}};
        if (sub == "reject") {
            auto reason = required(*a, "reason");
            if (!reason) return fail(reason.error());
            body["reason"] = *reason;
        }
        return run(*a, "POST", path + "/" + sub, body,
                   state(sub == "approve" ? "goedgekeurd" : "afgewezen"));
    }
    if (sub == "withdraw")
        return run(*a, "POST", path + "/withdraw", json{{"reason", a->get("reason")}},
                   state("ingetrokken"));
    if (sub == "requeue")
        return run(*a, "POST", path + "/requeue", json::object(), state("opnieuw aangeboden"));
    if (sub == "schedule") {
        auto date = required(*a, "deliver-on");
        if (!date) return fail(date.error());
        return run(*a, "POST", path + "/schedule", json{{"deliver_on", *date}}, [](const json& r) {
            return "leverdatum vastgelegd voor " + r.value("id", "") + "; intrekken kan tot " +
                   r.value("withdraw_deadline_local",
                           r.value("withdraw_deadline", std::string("?")));
        });
    }
    return badOperands(spec);
}

const cli::Spec& batchSpec() {
    static const cli::Spec spec{
        "batch", "batches voor goedkeuring (voorjaarsronde PO-VO) via de beheer-API", "", {}, "",
        {{"batch prepare", "zet overdrachten klaar als één batch voor de goedkeurder", "ID...",
          with({{"name", "NAAM", "de naam van de batch"}})},
         {"batch list", "toont de batches", "", with({})},
         {"batch show", "toont één batch", "ID", with({})},
         {"batch approve", "keurt een batch goed (na het bekijken van elke preview)", "ID", with({})},
         {"batch reject", "wijst een batch af", "ID", with({{"reason", "REDEN", "waarom (verplicht)"}})}}};
    return spec;
}

int cmdBatch(const Args& args) {
    auto call_ = parseSub(batchSpec(), args);
    if (!call_) return fail(call_.error());
    const std::string sub = args[0];
    const cli::Spec& spec = *call_->spec;
    const ParsedArgs* a = &call_->args;
    if (sub == "prepare") {
        if (a->positional.empty()) return badOperands(spec);
        return run(*a, "POST", "/api/v1/batches",
                   json{{"name", a->get("name")}, {"transfer_ids", a->positional}},
                   [](const json& r) {
                       return "batch klaargezet: " + r.value("id", "") + " met " +
                              std::to_string(r.value("items", json::array()).size()) +
                              " overdracht(en); de goedkeurder bekijkt elke preview en keurt dan "
                              "de batch goed";
                   });
    }
    if (sub == "list") return run(*a, "GET", "/api/v1/batches", std::nullopt);
    if (a->positional.size() != 1) return badOperands(spec);
    const std::string path = "/api/v1/batches/" + encode(a->positional[0]);
    if (sub == "show") return run(*a, "GET", path, std::nullopt);
    if (sub == "approve")
        return run(*a, "POST", path + "/approve", json::object(), [](const json& r) {
            return "batch " + r.value("id", "") + ": " + std::to_string(r.value("approved", 0)) +
                   " van " + std::to_string(r.value("items", json::array()).size()) +
                   " goedgekeurd (status " + r.value("status", "") + ")";
        });
    if (sub == "reject") {
        auto reason = required(*a, "reason");
        if (!reason) return fail(reason.error());
        return run(*a, "POST", path + "/reject", json{{"reason", *reason}},
                   [](const json& r) { return "batch afgewezen: " + r.value("id", ""); });
    }
    return badOperands(spec);
}

const cli::Spec& procedureSpec() {
    static const cli::Spec spec{
        "procedure", "begeleide leveringen (Vensters) via de beheer-API: stap voor stap kiezen, beantwoorden, opslaan",
        "", {}, "",
        {{"procedure list", "toont de begeleide leveringen", "", with({{"purpose", "DOEL", "alleen voor dit doel"}})},
         {"procedure show", "toont de stappen van één levering en wat nog moet", "ID", with({})},
         {"procedure report", "slaat het rapport op dat wordt verzonden", "ID",
          with({{"out", "BESTAND", "waar het rapport wordt opgeslagen (verplicht)"},
                {"format", "VORM", "html of pdf (standaard html)"}})},
         {"procedure choose", "legt keuzes vast", "ID",
          with({{"set", "KEUZE=WAARDE", "een keuze (minstens één)", true}})},
         {"procedure answer", "legt antwoorden op de vragen vast", "ID",
          with({{"answer", "VRAAG=ANTWOORD", "een antwoord (minstens één)", true}})},
         {"procedure save", "slaat de levering op voor precies deze gegevens en leverdatum", "ID", with({})}}};
    return spec;
}

int cmdProcedure(const Args& args) {
    auto call_ = parseSub(procedureSpec(), args);
    if (!call_) return fail(call_.error());
    const std::string sub = args[0];
    const cli::Spec& spec = *call_->spec;
    const ParsedArgs* a = &call_->args;
    // --set and --answer may repeat: NAAM=WAARDE each.
    json pairs = json::object();
    for (const char* key : {"set", "answer"}) {
        auto it = a->lists.find(key);
        if (it == a->lists.end()) continue;
        for (const auto& kv : it->second) {
            auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0)
                return fail({ErrorCode::kInvalidArgument, std::string("--") + key + " verwacht NAAM=WAARDE"});
            pairs[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
    }
    if (sub == "list") {
        std::string q = a->has("purpose") ? "?purpose=" + encode(a->get("purpose")) : "";
        return run(*a, "GET", "/api/v1/procedures" + q, std::nullopt);
    }
    if (a->positional.size() != 1) return badOperands(spec);
    const std::string id = encode(a->positional[0]);
    auto steps = [](const json& r) {
        std::ostringstream out;
        out << "levering " << r.value("transfer_id", "") << " voor " << r.value("subject", "")
            << " (status " << r.value("state", "") << ")";
        for (const auto& s : r.value("steps", json::array()))
            out << "\n  [" << (s.value("done", false) ? "x" : " ") << "] " << s.value("step", 0)
                << ". " << s.value("name", "");
        std::string next = r.value("next_step", "");
        if (!next.empty()) out << "\nvolgende stap: " << next;
        if (!r["withdraw_deadline"].is_null())
            out << "\nwijzigen of intrekken kan tot " << r["withdraw_deadline"].get<std::string>();
        return out.str();
    };
    if (sub == "show") return run(*a, "GET", "/api/v1/procedures/" + id, std::nullopt, steps);
    if (sub == "choose") {
        if (pairs.empty()) return badOperands(spec);
        return run(*a, "POST", "/api/v1/procedures/" + id + "/choices", pairs, steps);
    }
    if (sub == "answer") {
        if (pairs.empty()) return badOperands(spec);
        return run(*a, "POST", "/api/v1/procedures/" + id + "/answers", json{{"answers", pairs}},
                   steps);
    }
    if (sub == "save")
        return run(*a, "POST", "/api/v1/procedures/" + id + "/save", json::object(), steps);
    if (sub == "report") {
        auto out = required(*a, "out");
        if (!out) return fail(out.error());
        auto c = connect(*a);
        if (!c) return fail(c.error());
        std::string format = a->get("format", "html");
        if (format != "html" && format != "pdf")
            return fail({ErrorCode::kInvalidArgument, "--format: html of pdf"});
        auto r = call(*c, "GET", "/api/v1/transfers/" + id + "/report?format=" + format);
        if (!r) return fail(r.error());
        auto st = util::writeFileAtomic(*out, r->body, 0600);
        if (!st) return fail(st.error());
        std::cout << "rapport opgeslagen in " << *out << "; het verzonden bestand heeft SHA-256 "
                  << r->payload_hash << "\n";
        return 0;
    }
    return badOperands(spec);
}

const cli::Spec& deliveryStatusSpec() {
    static const cli::Spec spec{"vensters status", "toont per school de stand van de begeleide levering (beheer-API)",
                                "", with({{"purpose", "DOEL", "het doel (standaard vensters)"}})};
    return spec;
}

int cmdDeliveryStatus(const Args& args, const std::string& default_purpose) {
    auto a = parseArgs(deliveryStatusSpec(), args);
    if (!a) return fail(a.error());
    std::string purpose = a->get("purpose", default_purpose);
    return run(
        *a, "GET", "/api/v1/procedures?purpose=" + encode(purpose), std::nullopt,
        [&](const json& r) {
            std::ostringstream out;
            const auto& list = r.value("procedures", json::array());
            out << "leveringen voor doel " << purpose << ": " << list.size() << "\n";
            char line[512];
            std::snprintf(line, sizeof line, "%-10s %-18s %-8s %-24s %-11s %-26s %-10s %s\n",
                          "school", "status", "akkoord", "keuzes", "leverdatum", "intrekken tot",
                          "opgeslagen", "afgeleverd");
            out << line;
            for (const auto& p : list) {
                std::string choices;
                const json chosen = p.value("choices", json::object());
                for (auto& [k, v] : chosen.items())
                    choices += (choices.empty() ? "" : ",") +
                               (v.is_string() ? v.get<std::string>() : std::string("-"));
                std::string state =
                    p.value("withdrawn", false) ? "ingetrokken" : p.value("state", "");
                std::string delivered =
                    p.value("delivered", false) ? "ja (" + p.value("receipt", "") + ")" : "nee";
                std::snprintf(
                    line, sizeof line, "%-10s %-18s %-8s %-24s %-11s %-26s %-10s %s\n",
                    p.value("subject", "").c_str(), state.c_str(),
                    p.value("akkoord", false) ? "ja" : "nee", choices.c_str(),
                    p["deliver_on"].is_string() ? p["deliver_on"].get<std::string>().c_str() : "-",
                    p["withdraw_deadline"].is_string()
                        ? p["withdraw_deadline"].get<std::string>().c_str()
                        : "-",
                    p.value("saved", false) ? "ja" : "nee", delivered.c_str());
                out << line;
            }
            std::string text = out.str();
            if (!text.empty() && text.back() == '\n') text.pop_back();
            return text;
        });
}

}  // namespace sluis::app

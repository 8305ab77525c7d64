#include "core/config/config.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include "core/schedule/recurrence.h"
#include "core/util/fs.h"
#include "core/util/text.h"
#include "core/util/json.h"

namespace sluis::config {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kRoles = {"beheerder", "mentor",        "zorgcoordinator",
                                         "directeur", "bevoegd-gezag", "fg"};
const std::vector<std::string> kCategories = {
    "metadata",     "ouderinzage",     "school",         "leerling",
    "oudersverzorgers", "vve",         "schoolloopbaan", "overstapadvies",
    "onderwijsondersteuning", "verzuim", "eindtoetsbo",  "toetsresultaten",
    "handelingsplannen", "cijferlijsten", "vombo",       "bijlagedocs"};

/// Reads one JSON object with type checks; reports unknown keys when finished.
class ObjReader {
public:
    ObjReader(const json& obj, std::string path, std::vector<std::string>& errors)
        : obj_(obj), path_(std::move(path)), errors_(errors) {
        if (!obj_.is_object()) {
            errors_.push_back(path_ + ": verwacht een object");
            ok_ = false;
        }
    }
    ~ObjReader() {
        if (!ok_) return;
        for (auto& [k, v] : obj_.items()) {
            if (!seen_.count(k)) {
                std::string valid;
                for (auto& s : seen_) valid += (valid.empty() ? "" : ", ") + s;
                errors_.push_back(at(k) + ": onbekende sleutel; geldige sleutels: " + valid);
            }
        }
    }
    std::string at(const std::string& k) const { return path_.empty() ? k : path_ + "." + k; }

    const json* get(const std::string& k, bool required) {
        seen_.insert(k);
        if (!ok_) return nullptr;
        if (!obj_.contains(k) || obj_[k].is_null()) {
            if (required) errors_.push_back(at(k) + ": verplicht, ontbreekt");
            return nullptr;
        }
        return &obj_[k];
    }
    std::string str(const std::string& k, std::string def, bool required = false) {
        const json* v = get(k, required);
        if (!v) return def;
        if (!v->is_string() || v->get<std::string>().empty()) {
            errors_.push_back(at(k) + ": verwacht een niet-lege tekst");
            return def;
        }
        return v->get<std::string>();
    }
    long long integer(const std::string& k, long long def, long long min, long long max) {
        const json* v = get(k, false);
        if (!v) return def;
        if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max) {
            errors_.push_back(at(k) + ": verwacht een geheel getal van " + std::to_string(min) +
                              " tot " + std::to_string(max));
            return def;
        }
        return v->get<long long>();
    }
    bool boolean(const std::string& k, bool def) {
        const json* v = get(k, false);
        if (!v) return def;
        if (!v->is_boolean()) {
            errors_.push_back(at(k) + ": verwacht true of false");
            return def;
        }
        return v->get<bool>();
    }
    std::chrono::milliseconds duration(const std::string& k, std::chrono::milliseconds def) {
        const json* v = get(k, false);
        if (!v) return def;
        std::vector<std::string> errs;
        auto opts = connector::validateOptions(
            {{"d", connector::OptionType::kDurationMs, nullptr, true, false, ""}}, json{{"d", *v}},
            path_, errs);
        if (!opts) {
            errors_.push_back(at(k) + ": verwacht een duur zoals \"500ms\", \"30s\" of \"5m\"");
            return def;
        }
        return opts->duration("d");
    }
    std::vector<std::string> strings(const std::string& k, std::vector<std::string> def) {
        const json* v = get(k, false);
        if (!v) return def;
        std::vector<std::string> out;
        if (!v->is_array()) {
            errors_.push_back(at(k) + ": verwacht een lijst van teksten");
            return def;
        }
        for (size_t i = 0; i < v->size(); ++i) {
            if (!(*v)[i].is_string()) {
                errors_.push_back(at(k) + "[" + std::to_string(i) + "]: verwacht een tekst");
                continue;
            }
            out.push_back((*v)[i].get<std::string>());
        }
        return out;
    }
    /// Whether the key is present (does not mark it as read).
    bool has(const std::string& k) const { return ok_ && obj_.contains(k); }
    json object(const std::string& k) {
        const json* v = get(k, false);
        if (!v) return json::object();
        if (!v->is_object()) {
            errors_.push_back(at(k) + ": verwacht een object");
            return json::object();
        }
        return *v;
    }
    json array(const std::string& k) {
        const json* v = get(k, false);
        if (!v) return json::array();
        if (!v->is_array()) {
            errors_.push_back(at(k) + ": verwacht een lijst");
            return json::array();
        }
        return *v;
    }

private:
    const json obj_;
    std::string path_;
    std::vector<std::string>& errors_;
    std::set<std::string> seen_;
    bool ok_ = true;
};

}  // namespace

bool isLoopbackHost(const std::string& host) {
    if (host == "localhost" || host == "::1" || host == "[::1]") return true;
    // 127.0.0.0/8, written as a dotted quad.
    unsigned a = 0, b = 0, c = 0, d = 0;
    char rest = 0;
    return std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &rest) == 4 && a == 127 &&
           b < 256 && c < 256 && d < 256;
}

namespace {

std::string absolute(const std::string& p, const std::string& base) {
    fs::path path(p);
    if (path.is_absolute()) return path.lexically_normal().string();
    return (fs::path(base) / path).lexically_normal().string();
}

/// Whether `url` is an absolute https URL, or http on a loopback host; `what` names it in errors.
bool providerUrlOk(const std::string& url, const std::string& path, std::vector<std::string>& errors) {
    try {
        Poco::URI u(url);
        if (u.getHost().empty() || !u.getUserInfo().empty() || !u.getFragment().empty()) {
            errors.push_back(path + ": verwacht een volledige URL zoals https://login.example.nl/");
            return false;
        }
        if (u.getScheme() == "https") return true;
        if (u.getScheme() == "http" && isLoopbackHost(u.getHost())) return true;
        errors.push_back(path + ": alleen https is toegestaan (http alleen op 127.0.0.1 of localhost)");
        return false;
    } catch (const Poco::Exception&) {
        errors.push_back(path + ": geen geldige URL");
        return false;
    }
}

/// daemon.json `admin.web.oidc` (docs/config.md). The client secret comes from a file that only
/// the daemon's user may read; never from daemon.json itself.
std::optional<OidcConfig> loadOidc(const json& j, const std::string& data_dir,
                                   std::vector<std::string>& errors) {
    const std::string path = "daemon.json: admin.web.oidc";
    ObjReader r(j, path, errors);
    OidcConfig o;
    const size_t before = errors.size();
    o.issuer = r.str("issuer", "", true);
    o.name = r.str("name", "", true);
    o.client_id = r.str("client_id", "", true);
    if (r.has("client_secret"))
        errors.push_back(r.at("client_secret") +
                         ": zet het geheim niet in daemon.json; gebruik client_secret_file");
    r.get("client_secret", false);
    const std::string secret_file = r.str("client_secret_file", "", true);
    o.token_auth = r.str("token_auth", o.token_auth);
    o.redirect_uri = r.str("redirect_uri", "", true);
    o.scopes = r.strings("scopes", o.scopes);
    o.role_claim = r.str("role_claim", o.role_claim);
    o.name_claim = r.str("name_claim", o.name_claim);
    o.allowed_domains = r.strings("allowed_domains", {});
    json role_map = r.object("role_map");
    // The issuer is kept exactly as written: it is compared with the tokens' `iss`.
    if (!o.issuer.empty()) providerUrlOk(o.issuer, r.at("issuer"), errors);
    if (o.token_auth != "client_secret_post" && o.token_auth != "client_secret_basic")
        errors.push_back(r.at("token_auth") +
                         ": verwacht client_secret_post of client_secret_basic");
    if (!o.redirect_uri.empty() && providerUrlOk(o.redirect_uri, r.at("redirect_uri"), errors)) {
        if (Poco::URI(o.redirect_uri).getPath() != "/web/login/oidc/callback" ||
            !Poco::URI(o.redirect_uri).getRawQuery().empty())
            errors.push_back(r.at("redirect_uri") +
                             ": moet eindigen op /web/login/oidc/callback (zonder ?-deel)");
    }
    if (std::find(o.scopes.begin(), o.scopes.end(), "openid") == o.scopes.end())
        errors.push_back(r.at("scopes") + ": moet \"openid\" bevatten");
    for (const auto& s : o.scopes)
        if (s.empty() || s.find_first_of(" \t\r\n\"") != std::string::npos)
            errors.push_back(r.at("scopes") + ": een scope is één woord zonder spaties");
    if (role_map.empty())
        errors.push_back(r.at("role_map") +
                         ": verplicht; koppel minstens één waarde van de rol-claim aan een Sluis-rol");
    for (auto& [value, role] : role_map.items()) {
        if (!role.is_string() ||
            std::find(kRoles.begin(), kRoles.end(), role.get<std::string>()) == kRoles.end()) {
            std::string valid;
            for (const auto& k : kRoles) valid += (valid.empty() ? "" : ", ") + k;
            errors.push_back(r.at("role_map") + "[\"" + value + "\"]: verwacht een Sluis-rol: " + valid);
            continue;
        }
        o.role_map[value] = role.get<std::string>();
    }
    for (auto& d : o.allowed_domains) {
        d = util::trim(d);
        std::transform(d.begin(), d.end(), d.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        if (d.empty() || d.find_first_of("@/ ") != std::string::npos || d.find('.') == std::string::npos)
            errors.push_back(r.at("allowed_domains") +
                             ": verwacht domeinnamen zoals \"school.nl\" (zonder @)");
    }
    if (!secret_file.empty()) {
        o.client_secret_file = absolute(secret_file, data_dir);
        const std::string at = r.at("client_secret_file");
        std::error_code ec;
        auto st = fs::symlink_status(o.client_secret_file, ec);
        if (ec || !fs::exists(st)) {
            errors.push_back(at + ": " + o.client_secret_file + " bestaat niet");
        } else if (fs::is_symlink(st)) {
            errors.push_back(at + ": " + o.client_secret_file +
                             " is een symbolische koppeling; verwijs naar het bestand zelf");
        } else if (!fs::is_regular_file(st)) {
            errors.push_back(at + ": " + o.client_secret_file + " is geen gewoon bestand");
        } else if ((st.permissions() & (fs::perms::group_all | fs::perms::others_all)) !=
                   fs::perms::none) {
            errors.push_back(at + ": " + o.client_secret_file +
                             " is leesbaar voor anderen; maak het alleen leesbaar voor Sluis "
                             "(chmod 600)");
        } else {
            auto text = util::readRegularFile(o.client_secret_file, 4096);
            if (!text) {
                errors.push_back(at + ": kan " + o.client_secret_file + " niet lezen");
            } else {
                std::string secret = *text;
                while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' ||
                                           secret.back() == ' '))
                    secret.pop_back();
                if (secret.empty()) errors.push_back(at + ": " + o.client_secret_file + " is leeg");
                o.client_secret = secret;
            }
        }
    }
    if (errors.size() != before) return std::nullopt;
    return o;
}

void loadConnectors(const json& doc, const char* kind, bool is_source,
                    const connector::ConnectorRegistry& reg, const std::string& data_dir,
                    std::vector<ConnectorInstance>& out, std::set<std::string>& names,
                    std::vector<std::string>& errors) {
    for (size_t i = 0; i < doc.size(); ++i) {
        std::string path = std::string("connectors.json: ") + kind + "[" + std::to_string(i) + "]";
        ObjReader r(doc[i], path, errors);
        ConnectorInstance ci;
        ci.name = r.str("name", "", true);
        ci.type = r.str("type", "", true);
        json options = r.object("options");
        if (!ci.name.empty() && !names.insert(ci.name).second)
            errors.push_back(r.at("name") + ": naam '" + ci.name + "' komt twee keer voor");
        if (ci.type.empty()) continue;
        std::vector<connector::OptionSpec> specs;
        const connector::SourceFactory* source_factory = nullptr;
        const connector::SinkFactory* sink_factory = nullptr;
        if (is_source) {
            const auto* f = source_factory = reg.source(ci.type);
            if (!f) {
                std::string valid;
                for (auto& n : reg.sourceNames()) valid += (valid.empty() ? "" : ", ") + n;
                errors.push_back(r.at("type") + ": onbekend brontype '" + ci.type +
                                 "'; bekende types: " + valid);
                continue;
            }
            specs = f->options();
        } else {
            const auto* f = sink_factory = reg.sink(ci.type);
            if (!f) {
                std::string valid;
                for (auto& n : reg.sinkNames()) valid += (valid.empty() ? "" : ", ") + n;
                errors.push_back(r.at("type") + ": onbekend doeltype '" + ci.type +
                                 "'; bekende types: " + valid);
                continue;
            }
            specs = f->options();
        }
        auto opts = connector::validateOptions(specs, options, r.at("options"), errors);
        if (!opts) continue;
        // Relative paths are relative to the data directory.
        json values = opts->raw();
        for (const auto& s : specs) {
            if (s.type == connector::OptionType::kPath && values.contains(s.key))
                values[s.key] = absolute(values[s.key].get<std::string>(), data_dir);
        }
        ci.options = connector::Options(values);
        Status checked = source_factory ? source_factory->check(ci.name, ci.options)
                                        : sink_factory->check(ci.name, ci.options);
        if (!checked) errors.push_back(r.at("options") + ": " + checked.message());
        out.push_back(std::move(ci));
    }
}

}  // namespace

bool PurposePolicy::allowsCategory(const std::string& c) const {
    if (c == "intern") return false;  // internal LVS data never leaves
    return all_categories || std::find(categories.begin(), categories.end(), c) != categories.end();
}

nlohmann::json ProcedureSpec::effectiveChoices(const nlohmann::json& chosen) const {
    json out = chosen.is_object() ? chosen : json::object();
    for (const auto& c : choices)
        if (!out.contains(c.id) && !c.default_value.empty()) out[c.id] = c.default_value;
    return out;
}

const char* basisName(PurposePolicy::Basis b) {
    switch (b) {
        case PurposePolicy::Basis::kNone: return "none";
        case PurposePolicy::Basis::kConsent: return "consent";
        case PurposePolicy::Basis::kInzage: return "inzage";
    }
    return "none";
}

bool PurposePolicy::visibleTo(const std::string& role) const {
    if (std::find(kSeeAllRoles.begin(), kSeeAllRoles.end(), role) != kSeeAllRoles.end()) return true;
    return !visible_to || std::find(visible_to->begin(), visible_to->end(), role) != visible_to->end();
}

bool Config::visibleTo(const std::string& purpose, const std::string& role) const {
    if (std::find(kSeeAllRoles.begin(), kSeeAllRoles.end(), role) != kSeeAllRoles.end()) return true;
    const auto* p = policy(purpose);
    return p && p->visibleTo(role);
}

const PurposePolicy* Config::policy(const std::string& purpose) const {
    auto it = policies.find(purpose);
    return it == policies.end() ? nullptr : &it->second;
}

const ConnectorInstance* Config::source(const std::string& name) const {
    for (const auto& s : sources)
        if (s.name == name) return &s;
    return nullptr;
}

const ConnectorInstance* Config::sink(const std::string& name) const {
    for (const auto& s : sinks)
        if (s.name == name) return &s;
    return nullptr;
}

namespace {

void loadProcedure(const json& value, const std::string& path, PurposePolicy& pp, std::vector<std::string>& errors) {
    ObjReader pr(value, path, errors);
    ProcedureSpec& spec = pp.procedure;
    spec.enabled = true;
    spec.requires_date = pr.boolean("requires_date", true);
    spec.notify_to = pr.strings("notify_to", {});
    for (const auto& to : spec.notify_to)
        if (!notify::isValidMailAddress(to)) errors.push_back(pr.at("notify_to") + ": geen geldig e-mailadres");
    std::set<std::string> ids;
    json choices = pr.array("choices");
    for (size_t i = 0; i < choices.size(); ++i) {
        ObjReader c(choices[i], pr.at("choices") + "[" + std::to_string(i) + "]", errors);
        ProcedureChoice ch;
        ch.id = c.str("id", "", true);
        ch.label = c.str("label", ch.id);
        ch.options = c.strings("options", {});
        ch.default_value = c.str("default", "");
        if (ch.options.empty()) errors.push_back(c.at("options") + ": minstens één keuze nodig");
        if (!ch.default_value.empty() &&
            std::find(ch.options.begin(), ch.options.end(), ch.default_value) == ch.options.end())
            errors.push_back(c.at("default") + ": staat niet in options");
        if (!ch.id.empty() && !ids.insert(ch.id).second) errors.push_back(c.at("id") + ": komt twee keer voor");
        spec.choices.push_back(std::move(ch));
    }
    json questions = pr.array("questions");
    for (size_t i = 0; i < questions.size(); ++i) {
        ObjReader q(questions[i], pr.at("questions") + "[" + std::to_string(i) + "]", errors);
        ProcedureQuestion pq;
        pq.id = q.str("id", "", true);
        pq.text = q.str("text", "", true);
        pq.type = q.str("type", "tekst");
        pq.options = q.strings("options", {});
        pq.max_length = static_cast<size_t>(q.integer("max_length", 1000, 1, 10000));
        if (pq.type != "tekst" && pq.type != "keuze") errors.push_back(q.at("type") + ": verwacht \"keuze\" of \"tekst\"");
        if (pq.type == "keuze" && pq.options.size() < 2)
            errors.push_back(q.at("options") + ": een keuzevraag heeft minstens twee opties");
        if (!pq.id.empty() && !ids.insert(pq.id).second) errors.push_back(q.at("id") + ": komt twee keer voor");
        spec.questions.push_back(std::move(pq));
    }
    if (pp.approvals.required == 0)
        errors.push_back(path + ": een begeleide levering vraagt een akkoord (approvals.required >= 1)");
}

/// Declared options of a decoder or encoder: validated like connector options, relative paths
/// made absolute against the data directory (like connector paths). Empty optional: invalid.
std::optional<json> mapperOptions(const std::vector<connector::OptionSpec>& specs,
                                  const json& values, const std::string& path,
                                  const std::string& data_dir, std::vector<std::string>& errors) {
    auto opts = connector::validateOptions(specs, values, path, errors);
    if (!opts) return std::nullopt;
    json out = opts->raw();
    for (const auto& s : specs)
        if (s.type == connector::OptionType::kPath && out.contains(s.key))
            out[s.key] = absolute(out[s.key].get<std::string>(), data_dir);
    return out;
}

/// The route's decoder and encoder options, profile and opt-outs, checked when the configuration
/// is loaded (not when the first export arrives), and what the encoder's output needs from the
/// purpose compared with the purpose's policy (docs/config.md, "Route checks").
void checkRouteMappers(RouteConfig& rc, ObjReader& r, const std::string& data_dir,
                       const PurposePolicy* policy, const mapper::MapperRegistry& mappers,
                       std::vector<std::string>& errors) {
    if (const auto* dec = mappers.decoder(rc.decoder)) {
        auto opts = mapperOptions(dec->options(), rc.decoder_options, r.at("decoder_options"),
                                  data_dir, errors);
        if (opts) {
            rc.decoder_options = *opts;
            if (Status st = dec->check(rc.decoder_options); !st)
                errors.push_back(r.at("decoder_options") + ": " + st.message());
        }
    }
    const auto* enc = mappers.encoder(rc.encoder);
    if (!enc) return;
    auto opts = mapperOptions(enc->options(), rc.encoder_options, r.at("encoder_options"),
                              data_dir, errors);
    if (!opts) return;
    rc.encoder_options = *opts;
    auto needs = enc->check(mapper::EncodeContext{rc.purpose, rc.profile, rc.opt_out,
                                                  rc.encoder_options});
    if (!needs) {
        // The message starts with the route key it concerns (mapper::Encoder::check).
        errors.push_back(r.at(needs.error().message));
        return;
    }
    if (!policy) return;  // unknown purpose: reported already
    const std::string purpose_path = "policies.json: purposes." + rc.purpose;
    std::string subject = rc.profile.empty() ? "encoder " + rc.encoder : "profiel " + rc.profile;
    for (const auto& c : needs->categories)
        if (!policy->allowsCategory(c))
            errors.push_back(r.at("purpose") + ": " + subject + " kan niet zonder categorie '" +
                             c + "', maar doel '" + rc.purpose + "' staat die niet toe (" +
                             purpose_path + ".categories)");
    if (!needs->bases.empty() &&
        std::find(needs->bases.begin(), needs->bases.end(), basisName(policy->basis)) ==
            needs->bases.end()) {
        std::string want;
        for (const auto& b : needs->bases) want += (want.empty() ? "\"" : " of \"") + b + "\"";
        errors.push_back(r.at("purpose") + ": " + subject + " vraagt grondslag " + want +
                         ", maar doel '" + rc.purpose + "' heeft \"" + basisName(policy->basis) +
                         "\" (" + purpose_path + ".basis)" +
                         (needs->basis_reason.empty() ? "" : ": " + needs->basis_reason));
    }
}

}  // namespace

Result<std::shared_ptr<const Config>> buildConfig(const std::map<std::string, json>& docs,
                                                  const std::string& dir, const Overrides& ov,
                                                  const connector::ConnectorRegistry& connectors,
                                                  const mapper::MapperRegistry& mappers) {
    std::vector<std::string> errors;
    auto cfg = std::make_shared<Config>();
    cfg->config_dir = dir;
    auto doc = [&](const std::string& name) -> json {
        auto it = docs.find(name);
        return it == docs.end() ? json::object() : it->second;
    };

    {
        ObjReader d(doc("daemon.json"), "daemon.json", errors);
        std::string data_dir = d.str("data_dir", "data");
        if (!ov.data_dir.empty()) data_dir = ov.data_dir;
        cfg->data_dir = absolute(data_dir, fs::current_path().string());
        cfg->key_file = absolute(d.str("key_file", "sluis.key"), cfg->data_dir);
        cfg->log_level = d.str("log_level", "info");
        if (cfg->log_level != "debug" && cfg->log_level != "info" && cfg->log_level != "warn" &&
            cfg->log_level != "error")
            errors.push_back("daemon.json: log_level: verwacht debug, info, warn of error");
        {
            ObjReader a(d.object("admin"), "daemon.json: admin", errors);
            cfg->admin.enabled = a.boolean("enabled", true);
            cfg->admin.listen = a.str("listen", "127.0.0.1");
            cfg->admin.port = static_cast<int>(a.integer("port", 8480, 0, 65535));
            if (ov.admin_port >= 0) cfg->admin.port = ov.admin_port;
            cfg->admin.payload_roles = a.strings("payload_roles", cfg->admin.payload_roles);
            for (const auto& role : cfg->admin.payload_roles)
                if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end())
                    errors.push_back("daemon.json: admin.payload_roles: onbekende rol '" + role + "'");
            cfg->admin.request_timeout = a.duration("request_timeout", cfg->admin.request_timeout);
            if (cfg->admin.request_timeout < std::chrono::milliseconds(100) ||
                cfg->admin.request_timeout > std::chrono::minutes(10))
                errors.push_back(
                    "daemon.json: admin.request_timeout: verwacht een duur van 100ms tot 10m");
            cfg->admin.max_connections =
                static_cast<int>(a.integer("max_connections", cfg->admin.max_connections, 1, 4096));
            if (const json* t = a.get("tls", false)) {
                ObjReader tr(*t, "daemon.json: admin.tls", errors);
                AdminTlsConfig tls;
                // Relative paths are relative to the data directory, as everywhere else.
                tls.certificate = absolute(tr.str("certificate", "", true), cfg->data_dir);
                tls.key = absolute(tr.str("key", "", true), cfg->data_dir);
                if (tr.get("client_ca", false))
                    tls.client_ca = absolute(tr.str("client_ca", ""), cfg->data_dir);
                cfg->admin.tls = std::move(tls);
            }
            if (const json* w = a.get("web", false)) {
                ObjReader wr(*w, "daemon.json: admin.web", errors);
                WebConfig& web = cfg->admin.web;
                web.enabled = wr.boolean("enabled", web.enabled);
                web.idle_timeout = wr.duration("idle_timeout", web.idle_timeout);
                web.absolute_timeout = wr.duration("absolute_timeout", web.absolute_timeout);
                web.max_failed_logins = static_cast<int>(
                    wr.integer("max_failed_logins", web.max_failed_logins, 1, 100));
                web.lockout = wr.duration("lockout", web.lockout);
                if (web.idle_timeout < std::chrono::seconds(1) ||
                    web.idle_timeout > std::chrono::hours(24))
                    errors.push_back("daemon.json: admin.web.idle_timeout: verwacht 1s tot 24h");
                if (web.absolute_timeout < web.idle_timeout ||
                    web.absolute_timeout > std::chrono::hours(24))
                    errors.push_back(
                        "daemon.json: admin.web.absolute_timeout: verwacht tussen idle_timeout en 24h");
                if (web.lockout < std::chrono::seconds(1) || web.lockout > std::chrono::hours(24))
                    errors.push_back("daemon.json: admin.web.lockout: verwacht 1s tot 24h");
                if (const json* o = wr.get("oidc", false))
                    web.oidc = loadOidc(*o, cfg->data_dir, errors);
            }
            // Bearer tokens travel in every request: in clear only over loopback.
            if (cfg->admin.enabled && !cfg->admin.tls && !isLoopbackHost(cfg->admin.listen))
                errors.push_back("daemon.json: admin.listen: '" + cfg->admin.listen +
                                 "' is geen loopback-adres (127.0.0.1, ::1, localhost); zonder "
                                 "admin.tls gaan API-tokens onversleuteld over het netwerk. "
                                 "Configureer admin.tls (certificate, key) of luister op 127.0.0.1");
        }
        if (const json* n = d.get("notify", false)) {
            ObjReader nr(*n, "daemon.json: notify", errors);
            if (const json* smtp = nr.get("smtp", true)) {
                auto parsed = notify::parseSmtpSettings(*smtp, "daemon.json: notify.smtp", errors);
                if (parsed) cfg->notify.smtp = *parsed;
            }
        }
        {
            ObjReader w(d.object("worker"), "daemon.json: worker", errors);
            cfg->worker.poll_interval = w.duration("poll_interval", cfg->worker.poll_interval);
            cfg->worker.batch_size = static_cast<size_t>(w.integer("batch_size", 100, 1, 10000));
            cfg->worker.max_attempts = static_cast<int>(w.integer("max_attempts", 8, 1, 1000));
            cfg->worker.backoff_initial = w.duration("backoff_initial", cfg->worker.backoff_initial);
            cfg->worker.backoff_max = w.duration("backoff_max", cfg->worker.backoff_max);
            cfg->worker.lease = w.duration("lease", cfg->worker.lease);
            if (cfg->worker.lease < std::chrono::seconds(1))
                errors.push_back("daemon.json: worker.lease: minstens 1s");
            cfg->worker.purge_interval = w.duration("purge_interval", cfg->worker.purge_interval);
            if (cfg->worker.purge_interval < std::chrono::seconds(1))
                errors.push_back("daemon.json: worker.purge_interval: minstens 1s");
            cfg->worker.notify_batch =
                static_cast<int>(w.integer("notify_batch", cfg->worker.notify_batch, 1, 10000));
            cfg->worker.notify_max_attempts =
                static_cast<int>(w.integer("notify_max_attempts", cfg->worker.notify_max_attempts, 1, 1000));
            cfg->worker.notify_backoff_initial =
                w.duration("notify_backoff_initial", cfg->worker.notify_backoff_initial);
            cfg->worker.notify_backoff_max = w.duration("notify_backoff_max", cfg->worker.notify_backoff_max);
            if (cfg->worker.notify_backoff_initial < std::chrono::milliseconds(1) ||
                cfg->worker.notify_backoff_max < cfg->worker.notify_backoff_initial)
                errors.push_back("daemon.json: worker.notify_backoff_max: minstens 1ms en niet kleiner "
                                 "dan worker.notify_backoff_initial");
        }
        {
            ObjReader a(d.object("audit"), "daemon.json: audit", errors);
            cfg->audit.checkpoint_interval =
                a.duration("checkpoint_interval", cfg->audit.checkpoint_interval);
            cfg->audit.full_check_interval =
                a.duration("full_check_interval", cfg->audit.full_check_interval);
        }
    }
    {
        ObjReader s(doc("store.json"), "store.json", errors);
        cfg->store.backend = s.str("backend", "sqlite");
        ObjReader sq(s.object("sqlite"), "store.json: sqlite", errors);
        cfg->store.sqlite_path = absolute(sq.str("path", "sluis.db"), cfg->data_dir);
        const bool pg = cfg->store.backend == "postgresql";
        if (cfg->store.backend != "sqlite" && !pg)
            errors.push_back("store.json: backend: '" + cfg->store.backend +
                             "' wordt niet ondersteund; geldige waarden: sqlite, postgresql");
        if (pg || s.has("postgresql")) {
            const std::string path = "store.json: postgresql";
            ObjReader p(s.object("postgresql"), path, errors);
            cfg->store.postgresql_dsn = p.str("dsn", "", /*required=*/pg);
            if (cfg->store.postgresql_dsn.find("password") != std::string::npos)
                errors.push_back(path + ".dsn: zet geen wachtwoord in de dsn; gebruik"
                                        " password_file of password_env");
            std::string file = p.str("password_file", "");
            std::string env = p.str("password_env", "");
            if (!file.empty() && !env.empty())
                errors.push_back(path + ": password_file en password_env sluiten elkaar uit");
            if (!file.empty()) {
                file = absolute(file, cfg->data_dir);
                auto text = util::readFile(file, 4096);
                if (!text) {
                    errors.push_back(path + ".password_file: kan " + file + " niet lezen");
                } else {
                    std::string pw = *text;
                    while (!pw.empty() && (pw.back() == '\n' || pw.back() == '\r')) pw.pop_back();
                    if (pw.empty()) errors.push_back(path + ".password_file: " + file + " is leeg");
                    cfg->store.postgresql_password = pw;
                }
            } else if (!env.empty()) {
                const char* pw = std::getenv(env.c_str());
                if (!pw || !*pw)
                    errors.push_back(path + ".password_env: omgevingsvariabele " + env +
                                     " is niet gezet");
                else
                    cfg->store.postgresql_password = pw;
            }
        }
    }
    std::set<std::string> names;
    {
        ObjReader c(doc("connectors.json"), "connectors.json", errors);
        loadConnectors(c.array("sources"), "sources", true, connectors, cfg->data_dir, cfg->sources,
                       names, errors);
        loadConnectors(c.array("sinks"), "sinks", false, connectors, cfg->data_dir, cfg->sinks,
                       names, errors);
    }
    {
        ObjReader pdoc(doc("policies.json"), "policies.json", errors);
        json purposes = pdoc.object("purposes");
        for (auto& [name, pj] : purposes.items()) {
            std::string path = "policies.json: purposes." + name;
            ObjReader p(pj, path, errors);
            PurposePolicy pp;
            pp.name = name;
            pp.description = p.str("description", "");
            pp.legal_basis = p.str("legal_basis", "", true);
            std::string basis = p.str("basis", "none");
            if (basis == "none") {
                pp.basis = PurposePolicy::Basis::kNone;
            } else if (basis == "consent") {
                pp.basis = PurposePolicy::Basis::kConsent;
            } else if (basis == "inzage") {
                pp.basis = PurposePolicy::Basis::kInzage;
            } else {
                errors.push_back(p.at("basis") + ": verwacht \"none\", \"consent\" of \"inzage\"");
            }
            {
                ObjReader a(p.object("approvals"), p.at("approvals"), errors);
                pp.approvals.required = static_cast<int>(a.integer("required", 0, 0, 10));
                pp.approvals.roles = a.strings("roles", {});
                pp.approvals.four_eyes = a.boolean("four_eyes", true);
                for (const auto& role : pp.approvals.roles)
                    if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end())
                        errors.push_back(a.at("roles") + ": onbekende rol '" + role + "'");
                if (pp.approvals.required > 0 && pp.approvals.roles.empty())
                    errors.push_back(a.at("roles") + ": nodig wanneer required > 0");
            }
            const json* cats = p.get("categories", false);
            if (cats && cats->is_string() && cats->get<std::string>() == "all") {
                pp.all_categories = true;
            } else if (cats) {
                pp.all_categories = false;
                pp.categories = p.strings("categories", {});
                for (const auto& c : pp.categories)
                    if (std::find(kCategories.begin(), kCategories.end(), c) == kCategories.end())
                        errors.push_back(p.at("categories") + ": onbekende categorie '" + c + "'");
            }
            pp.identifiers = p.boolean("identifiers", true);
            pp.special_categories = p.boolean("special_categories", false);
            pp.care_profile = p.boolean("care_profile", false);
            pp.retention = p.duration("retention", pp.retention);
            pp.withdraw_days_before = static_cast<int>(p.integer("withdraw_days_before", 1, 0, 365));
            pp.max_days_ahead = static_cast<int>(p.integer("max_days_ahead", 366, 0, 3660));
            if (pp.max_days_ahead > 0 && pp.max_days_ahead <= pp.withdraw_days_before)
                errors.push_back(p.at("max_days_ahead") + ": moet groter zijn dan withdraw_days_before (" +
                                 std::to_string(pp.withdraw_days_before) + "), anders past geen enkele leverdatum");
            std::string record = p.str("record", "leerling");
            if (record == "leerling") {
                pp.record = PurposePolicy::RecordKind::kPupil;
            } else if (record == "aggregaat") {
                pp.record = PurposePolicy::RecordKind::kAggregate;
            } else {
                errors.push_back(p.at("record") + ": verwacht \"leerling\" of \"aggregaat\"");
            }
            std::string catch_up = p.str("catch_up", "deliver_late");
            if (catch_up == "deliver_late") {
                pp.catch_up = PurposePolicy::CatchUp::kDeliverLate;
            } else if (catch_up == "skip") {
                pp.catch_up = PurposePolicy::CatchUp::kSkip;
            } else {
                errors.push_back(p.at("catch_up") + ": verwacht \"deliver_late\" of \"skip\"");
            }
            pp.catch_up_grace = p.duration("catch_up_grace", pp.catch_up_grace);
            if (const json* proc = p.get("procedure", false)) loadProcedure(*proc, p.at("procedure"), pp, errors);
            if (p.has("visible_to")) {
                pp.visible_to = p.strings("visible_to", {});
                for (const auto& role : *pp.visible_to)
                    if (std::find(kRoles.begin(), kRoles.end(), role) == kRoles.end())
                        errors.push_back(p.at("visible_to") + ": onbekende rol '" + role + "'");
            } else {
                // Default: who approves it and, when it rests on consent or inzage, who records
                // those (for a guided delivery also who walks through it). A purpose that names
                // no role at all stays visible to every role.
                std::vector<std::string> roles = pp.approvals.roles;
                auto add = [&](const std::vector<std::string>& more) {
                    for (const auto& role : more)
                        if (std::find(roles.begin(), roles.end(), role) == roles.end())
                            roles.push_back(role);
                };
                if (pp.basis != PurposePolicy::Basis::kNone) add(kConsentRecorderRoles);
                if (pp.procedure.enabled) add(kProcedureRoles);
                if (!roles.empty()) pp.visible_to = std::move(roles);
            }
            cfg->policies[name] = std::move(pp);
        }
    }
    {
        ObjReader rdoc(doc("routes.json"), "routes.json", errors);
        json routes = rdoc.array("routes");
        std::set<std::string> route_names, used_sources;
        for (size_t i = 0; i < routes.size(); ++i) {
            std::string path = "routes.json: routes[" + std::to_string(i) + "]";
            ObjReader r(routes[i], path, errors);
            RouteConfig rc;
            rc.name = r.str("name", "", true);
            rc.source = r.str("source", "", true);
            rc.decoder = r.str("decoder", "", true);
            rc.decoder_options = r.object("decoder_options");
            rc.purpose = r.str("purpose", "", true);
            rc.profile = r.str("profile", "");
            rc.opt_out = r.strings("opt_out", {});
            rc.encoder = r.str("encoder", "", true);
            rc.encoder_options = r.object("encoder_options");
            rc.sink = r.str("sink", "", true);
            rc.report_encoders = r.strings("report_encoders", {});
            if (std::string one = r.str("report_encoder", ""); !one.empty()) rc.report_encoders.insert(rc.report_encoders.begin(), one);
            rc.schedule = r.str("schedule", "");
            if (!rc.schedule.empty()) {
                auto rec = schedule::Recurrence::parse(rc.schedule);
                if (rec) {
                    rc.recurrence = std::move(*rec);
                } else {
                    errors.push_back(r.at("schedule") + ": " + rec.error().message);
                }
            }
            for (const auto& name : rc.report_encoders)
                if (!mappers.encoder(name)) errors.push_back(r.at("report_encoders") + ": onbekende encoder '" + name + "'");
            if (!rc.name.empty() && !route_names.insert(rc.name).second)
                errors.push_back(r.at("name") + ": route '" + rc.name + "' komt twee keer voor");
            if (!rc.source.empty() && !cfg->source(rc.source))
                errors.push_back(r.at("source") + ": onbekende bron '" + rc.source + "'");
            else if (!rc.source.empty() && !used_sources.insert(rc.source).second)
                errors.push_back(r.at("source") + ": bron '" + rc.source +
                                 "' wordt al door een andere route gebruikt");
            if (!rc.purpose.empty() && !cfg->policies.count(rc.purpose))
                errors.push_back(r.at("purpose") + ": doel '" + rc.purpose +
                                 "' staat niet in policies.json");
            if (!rc.sink.empty() && !cfg->sink(rc.sink))
                errors.push_back(r.at("sink") + ": onbekend doel '" + rc.sink + "'");
            if (!rc.decoder.empty() && !mappers.decoder(rc.decoder)) {
                std::string valid;
                for (auto& n : mappers.decoderNames()) valid += (valid.empty() ? "" : ", ") + n;
                errors.push_back(r.at("decoder") + ": onbekende decoder '" + rc.decoder +
                                 "'; bekende: " + valid);
            }
            if (!rc.encoder.empty() && !mappers.encoder(rc.encoder)) {
                std::string valid;
                for (auto& n : mappers.encoderNames()) valid += (valid.empty() ? "" : ", ") + n;
                errors.push_back(r.at("encoder") + ": onbekende encoder '" + rc.encoder +
                                 "'; bekende: " + valid);
            }
            checkRouteMappers(rc, r, cfg->data_dir, cfg->policy(rc.purpose), mappers, errors);
            cfg->routes.push_back(std::move(rc));
        }
    }
    if (!errors.empty()) {
        std::string msg = std::to_string(errors.size()) + " fout(en) in de configuratie " + dir + ":";
        for (const auto& e : errors) msg += "\n  " + e;
        return Error{ErrorCode::kInvalidConfig, msg};
    }
    return std::shared_ptr<const Config>(std::move(cfg));
}

Result<std::shared_ptr<const Config>> loadConfig(const std::string& dir, const Overrides& ov,
                                                 const connector::ConnectorRegistry& connectors,
                                                 const mapper::MapperRegistry& mappers) {
    if (!fs::is_directory(dir))
        return Error{ErrorCode::kInvalidConfig, "configuratiemap " + dir + " bestaat niet"};
    std::map<std::string, json> docs;
    std::vector<std::string> errors;
    for (const char* name :
         {"daemon.json", "store.json", "connectors.json", "routes.json", "policies.json"}) {
        fs::path p = fs::path(dir) / name;
        if (!fs::exists(p)) {
            if (std::string(name) == "daemon.json" || std::string(name) == "store.json") continue;
            errors.push_back(std::string(name) + ": bestand ontbreekt");
            continue;
        }
        auto text = util::readFile(p, 8u << 20);
        if (!text) {
            errors.push_back(std::string(name) + ": " + text.error().message);
            continue;
        }
        auto utf8 = util::checkUtf8(*text);
        if (!utf8) {
            errors.push_back(std::string(name) + ": " + utf8.message());
            continue;
        }
        try {
            docs[name] = util::parseJson(util::stripUtf8Bom(*text), name);
        } catch (const util::JsonTooDeep& e) {
            errors.push_back(e.what());
            continue;
        } catch (const json::parse_error& e) {
            // Position only; parse_error::what() may quote content.
            std::string_view body = util::stripUtf8Bom(*text);
            size_t upto = std::min<size_t>(e.byte, body.size());
            size_t line = 1, col = 1;
            for (size_t i = 0; i + 1 < upto; ++i) {
                if (body[i] == '\n') {
                    ++line;
                    col = 1;
                } else {
                    ++col;
                }
            }
            errors.push_back(std::string(name) + ": geen geldige JSON (regel " +
                             std::to_string(line) + ", kolom " + std::to_string(col) + ")");
        }
    }
    if (!errors.empty()) {
        std::string msg = std::to_string(errors.size()) + " fout(en) in de configuratie " + dir + ":";
        for (const auto& e : errors) msg += "\n  " + e;
        return Error{ErrorCode::kInvalidConfig, msg};
    }
    return buildConfig(docs, dir, ov, connectors, mappers);
}

}  // namespace sluis::config

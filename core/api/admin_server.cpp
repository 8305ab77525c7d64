#include "core/api/admin_server.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/URI.h>

#include <algorithm>

#include "core/crypto/payload_cipher.h"
#include "core/model/bsn.h"
#include "core/policy/disclosures.h"
#include "core/policy/gates.h"
#include "core/util/amsterdam_time.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::api {

using nlohmann::json;
using Poco::Net::HTTPRequestHandler;
using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

const std::vector<std::string>& knownRoles() {
    static const std::vector<std::string> r = {"beheerder", "mentor",        "zorgcoordinator",
                                               "directeur", "bevoegd-gezag", "fg"};
    return r;
}

std::string hashToken(const std::string& token) { return util::sha256Hex(token); }

std::pair<std::string, std::string> newApiToken() {
    std::string token = "sluis_" + util::toHex(crypto::randomBytes(20));
    return {token, hashToken(token)};
}

namespace {

json transferJson(const store::Transfer& t) {
    json j = {{"id", t.id},
              {"direction", t.direction},
              {"route", t.route},
              {"purpose", t.purpose},
              {"profile", t.profile},
              {"source", t.source},
              {"destination", t.destination},
              {"subject", t.subject},
              {"state", transfer::stateName(t.state)},
              {"attempts", t.attempts},
              {"created_at", formatIso(t.created_at)},
              {"updated_at", formatIso(t.updated_at)},
              {"content_type", t.content_type},
              {"payload_hash", t.payload_hash},
              {"receipt", t.receipt},
              {"last_error", t.last_error},
              {"payload_purged", t.payload_purged}};
    j["deliver_at"] = t.deliver_at ? json(formatIso(*t.deliver_at)) : json(nullptr);
    j["withdraw_deadline"] = t.withdraw_deadline ? json(formatIso(*t.withdraw_deadline)) : json(nullptr);
    j["consent_id"] = t.consent_id;
    j["next_attempt_at"] = t.next_attempt_at ? json(formatIso(*t.next_attempt_at)) : json(nullptr);
    return j;
}

struct Caller {
    std::string name;
    std::string role;
};

class Handler final : public HTTPRequestHandler {
public:
    Handler(std::shared_ptr<const config::Config> config, store::TransferStore& store,
            engine::Metrics& metrics, const Clock& clock)
        : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}

    void handleRequest(HTTPServerRequest& req, HTTPServerResponse& resp) override {
        try {
            route(req, resp);
        } catch (const std::exception& e) {
            log::error("api.exception", {{"path", Poco::URI(req.getURI()).getPath()}, {"what", e.what()}});
            if (!resp.sent()) sendError(resp, Error{ErrorCode::kInternal, "interne fout"});
        }
    }

private:
    void route(HTTPServerRequest& req, HTTPServerResponse& resp) {
        Poco::URI uri(req.getURI());
        const std::string path = uri.getPath();
        const std::string& method = req.getMethod();
        if (path == "/health" && method == "GET") return health(resp);
        if (path == "/metrics" && method == "GET") return metrics(resp);
        if (!path.starts_with("/api/v1/"))
            return sendError(resp, Error{ErrorCode::kNotFound, "onbekend pad"});

        auto caller = authenticate(req);
        if (!caller) {
            resp.set("WWW-Authenticate", "Bearer realm=\"sluis\"");
            return sendError(resp, caller.error());
        }
        log::info("api.request", {{"method", method}, {"path", path}, {"caller", caller->name},
                                  {"role", caller->role}});
        auto params = uri.getQueryParameters();
        auto param = [&](const std::string& k) {
            for (auto& [key, v] : params)
                if (key == k) return v;
            return std::string();
        };
        std::vector<std::string> parts;
        for (size_t i = 1, j; i <= path.size(); i = j + 1) {
            j = path.find('/', i);
            if (j == std::string::npos) j = path.size();
            parts.push_back(path.substr(i, j - i));
        }
        // parts: api, v1, transfers, {id}, {action}
        const size_t n = parts.size();
        const std::string& area = n >= 3 ? parts[2] : "";
        if (area == "transfers") {
            if (n == 3 && method == "GET") return listTransfers(resp, param);
            if (n == 4 && method == "GET")
                return getTransfer(resp, parts[3], param("include") == "payload", *caller);
            if (n == 5 && method == "GET" && parts[4] == "preview") return preview(resp, parts[3], *caller);
            if (n == 5 && method == "POST") {
                auto body = readBody(req);
                if (!body) return sendError(resp, body.error());
                const std::string& action = parts[4];
                if (action == "requeue") return requeue(resp, parts[3], *caller);
                if (action == "approve" || action == "reject")
                    return decide(resp, parts[3], *body, action == "approve", *caller);
                if (action == "withdraw") return withdraw(resp, parts[3], *body, *caller);
                if (action == "schedule") return schedule(resp, parts[3], *body, *caller);
            }
        }
        if (area == "approvals") {
            if (n == 3 && method == "GET") return approvalQueue(resp, *caller);
            if (n == 4 && parts[3] == "bulk" && method == "POST") {
                auto body = readBody(req);
                if (!body) return sendError(resp, body.error());
                return bulkApprove(resp, *body, *caller);
            }
        }
        if (area == "consents") {
            if (n == 3 && method == "POST") {
                auto body = readBody(req);
                if (!body) return sendError(resp, body.error());
                return addConsent(resp, *body, *caller);
            }
            if (n == 5 && parts[4] == "withdraw" && method == "POST") return withdrawConsent(resp, parts[3], *caller);
        }
        if (area == "inzage" && n == 3 && method == "POST") {
            auto body = readBody(req);
            if (!body) return sendError(resp, body.error());
            return addInzage(resp, *body, *caller);
        }
        if (area == "pupils" && n == 5 && method == "GET") {
            if (parts[4] == "disclosures") return disclosures(resp, parts[3], param("format"), *caller);
            if (parts[4] == "consents") return listConsents(resp, parts[3], *caller);
        }
        if (area == "audit" && method == "GET") {
            if (n == 3) return auditLog(resp, param, *caller);
            if (n == 4 && parts[3] == "verify") return auditVerify(resp, *caller);
        }
        sendError(resp, Error{ErrorCode::kNotFound, "onbekend pad of methode"});
    }

    Result<Caller> authenticate(HTTPServerRequest& req) {
        std::string auth = req.get("Authorization", "");
        if (!auth.starts_with("Bearer ") || auth.size() <= 7)
            return Error{ErrorCode::kUnauthenticated, "geen token; gebruik 'Authorization: Bearer <token>'"};
        auto found = store_.findToken(hashToken(util::trim(auth.substr(7))));
        if (!found) return found.error();
        if (!found->has_value()) return Error{ErrorCode::kUnauthenticated, "onbekend of ingetrokken token"};
        return Caller{(*found)->name, (*found)->role};
    }

    static bool hasRole(const Caller& c, const std::vector<std::string>& roles) {
        return std::find(roles.begin(), roles.end(), c.role) != roles.end();
    }

    void health(HTTPServerResponse& resp) {
        auto counts = store_.countByState();
        if (!counts) {
            return sendJson(resp, 503, {{"status", "degraded"}, {"store", errorCodeName(counts.error().code)}});
        }
        sendJson(resp, 200, {{"status", "ok"}, {"store", "ok"}, {"time", formatIso(clock_.now())}});
    }

    void metrics(HTTPServerResponse& resp) {
        auto counts = store_.countByState();
        std::map<transfer::State, long long> by_state;
        if (counts) by_state = *counts;
        std::string body = metrics_.render(by_state);
        resp.setStatus(HTTPServerResponse::HTTP_OK);
        resp.setContentType("text/plain; version=0.0.4");
        resp.setContentLength(static_cast<std::streamsize>(body.size()));
        resp.send() << body;
    }

    template <typename P>
    void listTransfers(HTTPServerResponse& resp, P param) {
        store::ListFilter f;
        if (!param("state").empty()) {
            f.state = transfer::parseState(param("state"));
            if (!f.state) return sendError(resp, Error{ErrorCode::kInvalidArgument, "onbekende status in 'state'"});
        }
        f.route = param("route");
        f.subject = param("subject");
        try {
            if (!param("limit").empty()) f.limit = std::clamp<size_t>(std::stoul(param("limit")), 1, 1000);
            if (!param("offset").empty()) f.offset = std::stoul(param("offset"));
        } catch (const std::exception&) {
            return sendError(resp, Error{ErrorCode::kInvalidArgument, "'limit' en 'offset' moeten getallen zijn"});
        }
        auto list = store_.list(f);
        if (!list) return sendError(resp, list.error());
        json items = json::array();
        for (const auto& t : *list) items.push_back(transferJson(t));
        sendJson(resp, 200, {{"transfers", items}, {"limit", f.limit}, {"offset", f.offset}});
    }

    void getTransfer(HTTPServerResponse& resp, const std::string& id, bool with_payload, const Caller& c) {
        if (with_payload && !hasRole(c, config_->admin.payload_roles))
            return sendError(resp, Error{ErrorCode::kPermissionDenied,
                                         "rol '" + c.role + "' mag de inhoud van overdrachten niet zien"});
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        auto hist = store_.history(id);
        if (!hist) return sendError(resp, hist.error());
        json body = transferJson(*t);
        json h = json::array();
        for (const auto& e : *hist)
            h.push_back({{"seq", e.seq},
                         {"from", e.from ? json(transfer::stateName(*e.from)) : json(nullptr)},
                         {"to", transfer::stateName(e.to)},
                         {"at", formatIso(e.at)},
                         {"actor", e.actor},
                         {"reason", e.reason}});
        body["history"] = h;
        {
            auto st = store_.audit({actor(c), "viewed", id, t->purpose, {{"payload", with_payload}}}, clock_.now());
            if (!st) return sendError(resp, st.error());
        }
        if (with_payload) {
            auto p = store_.payload(id);
            if (!p) return sendError(resp, p.error());
            auto st = store_.audit({c.name + " (" + c.role + ")", "payload_viewed", id, t->purpose,
                                    {{"via", "api"}}},
                                   clock_.now());
            if (!st) return sendError(resp, st.error());  // no audit record, no payload
            body["payload"] = *p;
        }
        sendJson(resp, 200, body);
    }

    void requeue(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        if (c.role != "beheerder")
            return sendError(resp, Error{ErrorCode::kPermissionDenied, "alleen een beheerder mag opnieuw aanbieden"});
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        store::TransitionUpdate u;
        u.attempts = 0;
        u.next_attempt_at = std::optional<Timestamp>();
        auto st = store_.transition(id, t->state, transfer::State::kScheduled, u,
                                    {c.name + " (" + c.role + ")", "requeued", id, t->purpose, json::object()},
                                    "opnieuw aangeboden door beheerder", clock_.now());
        if (!st) return sendError(resp, st.error());
        auto updated = store_.get(id);
        if (!updated) return sendError(resp, updated.error());
        sendJson(resp, 200, transferJson(*updated));
    }


    Status requireRole(const Caller& c, const std::vector<std::string>& roles, const std::string& what) {
        if (hasRole(c, roles)) return {};
        return {ErrorCode::kPermissionDenied, "rol '" + c.role + "' mag niet " + what};
    }

    static std::string actor(const Caller& c) { return c.name + " (" + c.role + ")"; }

    static Result<json> readBody(HTTPServerRequest& req) {
        const std::streamsize kMax = 1 << 20;
        if (req.getContentLength() > kMax) return Error{ErrorCode::kTooLarge, "verzoek groter dan 1 MiB"};
        std::string body;
        std::istream& in = req.stream();
        char buf[4096];
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            body.append(buf, static_cast<size_t>(in.gcount()));
            if (static_cast<std::streamsize>(body.size()) > kMax)
                return Error{ErrorCode::kTooLarge, "verzoek groter dan 1 MiB"};
        }
        if (util::isBlank(body)) return json::object();
        json j = json::parse(body, nullptr, false);
        if (j.is_discarded() || !j.is_object())
            return Error{ErrorCode::kInvalidInput, "verzoek is geen geldig JSON-object"};
        return j;
    }

    static std::string field(const json& body, const char* key) {
        return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : "";
    }

    const config::PurposePolicy* policyFor(const store::Transfer& t) { return config_->policy(t.purpose); }

    void preview(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        const auto* p = policyFor(*t);
        if (t->payload_hash.empty())
            return sendError(resp, Error{ErrorCode::kConflict, "overdracht is nog niet omgezet; probeer het zo opnieuw"});
        bool values = hasRole(c, config_->admin.payload_roles) || (p && hasRole(c, p->approvals.roles));
        auto st = store_.recordPreview(id, c.name, t->payload_hash, t->purpose, clock_.now());
        if (!st) return sendError(resp, st.error());
        json body = {{"transfer_id", t->id},
                     {"state", transfer::stateName(t->state)},
                     {"destination", t->destination},
                     {"purpose", t->purpose},
                     {"purpose_description", p ? p->description : ""},
                     {"legal_basis", p ? p->legal_basis : ""},
                     {"subject", t->subject},
                     {"deliver_at", t->deliver_at ? json(amsterdam::formatLocal(*t->deliver_at)) : json(nullptr)},
                     {"withdraw_deadline",
                      t->withdraw_deadline ? json(amsterdam::formatLocal(*t->withdraw_deadline)) : json(nullptr)},
                     {"payload_hash", t->payload_hash},
                     {"content_type", t->content_type},
                     {"included", t->disclosure.value("included", json::array())},
                     {"withheld", t->disclosure.value("withheld", json::array())},
                     {"categories", t->disclosure.value("categories", json::array())}};
        if (values) {
            auto payload = store_.payload(id);
            if (!payload) return sendError(resp, payload.error());
            body["payload"] = *payload;  // exactly the bytes that will be sent
        } else {
            body["payload"] = nullptr;
            body["note"] = "waarden alleen zichtbaar voor goedkeurders en rollen met inzagerecht";
        }
        sendJson(resp, 200, body);
    }

    Status approveOne(const std::string& id, const std::string& hash, bool approve, const std::string& reason,
                      const Caller& c) {
        auto t = store_.get(id);
        if (!t) return t.error();
        const auto* p = policyFor(*t);
        if (!p || p->approvals.required == 0)
            return {ErrorCode::kConflict, "voor doel '" + t->purpose + "' is geen goedkeuring nodig"};
        SLUIS_RETURN_IF_ERROR(requireRole(c, p->approvals.roles, "goedkeuren voor doel '" + t->purpose + "'"));
        if (t->state != transfer::State::kAwaitingApproval)
            return {ErrorCode::kConflict, std::string("overdracht wacht niet op goedkeuring (status ") +
                                              transfer::stateName(t->state) + ")"};
        if (hash.empty()) return {ErrorCode::kInvalidArgument, "payload_hash ontbreekt: keur goed wat u in de preview zag"};
        if (hash != t->payload_hash)
            return {ErrorCode::kConflict, "de gegevens zijn gewijzigd sinds deze preview; bekijk de nieuwe preview"};
        if (p->approvals.four_eyes && (c.name == t->created_by || c.name == t->changed_by))
            return {ErrorCode::kPermissionDenied, "vier-ogenprincipe: wie de overdracht maakte of wijzigde, keurt haar niet goed"};
        auto seen = store_.hasPreviewed(id, c.name, hash);
        if (!seen) return seen.error();
        if (!*seen) return {ErrorCode::kConflict, "bekijk eerst de preview van deze overdracht"};
        if (!approve && util::trim(reason).empty())
            return {ErrorCode::kInvalidArgument, "geef een reden voor de afwijzing"};
        SLUIS_RETURN_IF_ERROR(store_.addApproval(
            {0, id, c.name, c.role, hash, approve ? "approved" : "rejected", reason, clock_.now()}, t->purpose,
            clock_.now()));
        policy::Gates gates(config_, store_, clock_);
        auto moved = gates.advance(id, actor(c));
        if (!moved) return moved.error();
        return {};
    }

    void decide(HTTPServerResponse& resp, const std::string& id, const json& body, bool approve, const Caller& c) {
        auto st = approveOne(id, field(body, "payload_hash"), approve, field(body, "reason"), c);
        if (!st) return sendError(resp, st.error());
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        sendJson(resp, 200, transferJson(*t));
    }

    void bulkApprove(HTTPServerResponse& resp, const json& body, const Caller& c) {
        if (!body.contains("items") || !body["items"].is_array() || body["items"].empty())
            return sendError(resp, Error{ErrorCode::kInvalidArgument, "verwacht 'items': [{\"id\", \"payload_hash\"}, ...]"});
        json results = json::array();
        int ok = 0;
        for (const auto& item : body["items"]) {
            std::string id = field(item, "id");
            auto st = approveOne(id, field(item, "payload_hash"), true, "", c);
            json r = {{"id", id}, {"ok", st.isOk()}};
            if (!st) r["error"] = {{"code", errorCodeName(st.code())}, {"message", st.message()}};
            ok += st.isOk();
            results.push_back(r);
        }
        sendJson(resp, 200, {{"approved", ok}, {"total", results.size()}, {"results", results}});
    }

    void approvalQueue(HTTPServerResponse& resp, const Caller&) {
        store::ListFilter f;
        f.state = transfer::State::kAwaitingApproval;
        f.limit = 1000;
        auto list = store_.list(f);
        if (!list) return sendError(resp, list.error());
        json items = json::array();
        policy::Gates gates(config_, store_, clock_);
        for (const auto& t : *list) {
            json j = transferJson(t);
            const auto* p = policyFor(t);
            if (p) {
                auto count = gates.countApprovals(t, *p);
                if (count) {
                    j["approvals"] = count->valid;
                    j["approvals_required"] = p->approvals.required;
                    j["approver_roles"] = p->approvals.roles;
                }
            }
            items.push_back(j);
        }
        sendJson(resp, 200, {{"transfers", items}});
    }

    void withdraw(HTTPServerResponse& resp, const std::string& id, const json& body, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "directeur", "bevoegd-gezag", "zorgcoordinator"}, "intrekken");
        if (!allowed) return sendError(resp, allowed.error());
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        policy::Gates gates(config_, store_, clock_);
        auto ok = gates.checkWithdrawable(*t);
        if (!ok) return sendError(resp, ok.error());
        std::string reason = field(body, "reason");
        auto st = store_.transition(id, t->state, transfer::State::kWithdrawn, {},
                                    {actor(c), "withdrawn", id, t->purpose, json::object()},
                                    reason.empty() ? "ingetrokken" : "ingetrokken: " + reason, clock_.now());
        if (!st) return sendError(resp, st.error());
        sendJson(resp, 200, transferJson(*store_.get(id)));
    }

    void schedule(HTTPServerResponse& resp, const std::string& id, const json& body, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "directeur", "bevoegd-gezag"}, "een leverdatum kiezen");
        if (!allowed) return sendError(resp, allowed.error());
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        using S = transfer::State;
        if (t->state != S::kMapped && t->state != S::kAwaitingConsent && t->state != S::kAwaitingApproval &&
            t->state != S::kScheduled && t->state != S::kReceived)
            return sendError(resp, Error{ErrorCode::kConflict, std::string("leverdatum kan niet meer worden gewijzigd (status ") +
                                                                   transfer::stateName(t->state) + ")"});
        policy::Gates gates(config_, store_, clock_);
        if (t->withdraw_deadline) {
            auto ok = gates.checkWithdrawable(*t);
            if (!ok) return sendError(resp, ok.error());
        }
        auto date = amsterdam::parseDate(field(body, "deliver_on"));
        if (!date) return sendError(resp, Error{ErrorCode::kInvalidArgument, "deliver_on: " + date.error().message});
        const auto* p = policyFor(*t);
        int before = p ? p->withdraw_days_before : 1;
        Timestamp deliver_at = amsterdam::startOfDay(*date);
        Timestamp deadline = amsterdam::startOfDay(amsterdam::addDays(*date, -before));
        if (deadline <= clock_.now())
            return sendError(resp, Error{ErrorCode::kInvalidArgument,
                                         "kies een leverdatum na " +
                                             amsterdam::formatDate(amsterdam::addDays(amsterdam::localDate(clock_.now()), before)) +
                                             ": tot " + std::to_string(before) + " dag(en) ervoor moet intrekken mogelijk zijn"});
        store::TransitionUpdate u;
        u.deliver_at = std::optional<Timestamp>(deliver_at);
        u.withdraw_deadline = std::optional<Timestamp>(deadline);
        u.changed_by = c.name;
        auto st = store_.transition(id, t->state, t->state, u,
                                    {actor(c), "scheduled", id, t->purpose,
                                     {{"deliver_on", amsterdam::formatDate(*date)}}},
                                    "", clock_.now());
        if (!st) return sendError(resp, st.error());
        sendJson(resp, 200, transferJson(*store_.get(id)));
    }

    void addConsent(HTTPServerResponse& resp, const json& b, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "mentor", "zorgcoordinator", "directeur"}, "toestemming registreren");
        if (!allowed) return sendError(resp, allowed.error());
        store::Consent k;
        k.id = "ct_" + util::toHex(crypto::randomBytes(10));
        k.pupil = field(b, "pupil");
        k.purpose = field(b, "purpose");
        k.given_by = field(b, "given_by");
        k.relation = field(b, "relation");
        k.decision = field(b, "decision");
        k.decided_on = field(b, "decided_on");
        k.method = field(b, "method");
        k.evidence = field(b, "evidence");
        k.valid_from = field(b, "valid_from").empty() ? k.decided_on : field(b, "valid_from");
        k.valid_until = field(b, "valid_until");
        k.recorded_by = c.name;
        std::vector<std::string> errors;
        if (k.pupil.empty()) errors.push_back("pupil: verplicht");
        if (!config_->policy(k.purpose)) errors.push_back("purpose: onbekend doel");
        if (k.given_by != "ouder" && k.given_by != "leerling") errors.push_back("given_by: verwacht 'ouder' of 'leerling'");
        if (k.given_by == "ouder" && k.relation.empty()) errors.push_back("relation: verplicht voor een ouder/verzorger");
        if (k.decision != "gegeven" && k.decision != "geweigerd") errors.push_back("decision: verwacht 'gegeven' of 'geweigerd'");
        if (!model::isValidIsoDate(k.decided_on)) errors.push_back("decided_on: verwacht JJJJ-MM-DD");
        if (!model::isValidIsoDate(k.valid_from)) errors.push_back("valid_from: verwacht JJJJ-MM-DD");
        if (!k.valid_until.empty() && !model::isValidIsoDate(k.valid_until)) errors.push_back("valid_until: verwacht JJJJ-MM-DD");
        if (k.method.empty()) errors.push_back("method: verplicht (bijv. formulier, ouderportaal)");
        if (!errors.empty()) {
            std::string msg;
            for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e;
            return sendError(resp, Error{ErrorCode::kInvalidArgument, msg});
        }
        auto st = store_.addConsent(k, clock_.now());
        if (!st) return sendError(resp, st.error());
        // Transfers waiting for this consent may go on now.
        store::ListFilter f;
        f.subject = k.pupil;
        f.purpose = k.purpose;
        f.state = transfer::State::kAwaitingConsent;
        policy::Gates gates(config_, store_, clock_);
        int moved = 0;
        if (auto list = store_.list(f)) {
            for (const auto& t : *list) {
                auto m = gates.advance(t.id, actor(c));
                moved += m && *m;
            }
        }
        sendJson(resp, 201, {{"id", k.id}, {"transfers_released", moved}});
    }

    void listConsents(HTTPServerResponse& resp, const std::string& pupil, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "mentor", "zorgcoordinator", "directeur", "fg"}, "toestemmingen inzien");
        if (!allowed) return sendError(resp, allowed.error());
        auto list = store_.consents(pupil, "");
        if (!list) return sendError(resp, list.error());
        json items = json::array();
        for (const auto& k : *list)
            items.push_back({{"id", k.id}, {"purpose", k.purpose}, {"given_by", k.given_by}, {"relation", k.relation},
                             {"decision", k.decision}, {"decided_on", k.decided_on}, {"method", k.method},
                             {"valid_from", k.valid_from}, {"valid_until", k.valid_until},
                             {"recorded_by", k.recorded_by},
                             {"withdrawn_at", k.withdrawn_at ? json(formatIso(*k.withdrawn_at)) : json(nullptr)},
                             {"withdrawn_by", k.withdrawn_by}});
        sendJson(resp, 200, {{"pupil", pupil}, {"consents", items}});
    }

    void withdrawConsent(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "mentor", "zorgcoordinator", "directeur"}, "toestemming intrekken");
        if (!allowed) return sendError(resp, allowed.error());
        policy::Gates gates(config_, store_, clock_);
        auto stopped = gates.withdrawConsent(id, actor(c));
        if (!stopped) return sendError(resp, stopped.error());
        sendJson(resp, 200, {{"id", id}, {"withdrawn_transfers", *stopped}});
    }

    void addInzage(HTTPServerResponse& resp, const json& b, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "mentor", "zorgcoordinator", "directeur"}, "inzage registreren");
        if (!allowed) return sendError(resp, allowed.error());
        store::Inzage z;
        z.id = "iz_" + util::toHex(crypto::randomBytes(10));
        z.pupil = field(b, "pupil");
        z.purpose = field(b, "purpose");
        z.inzagedatum = field(b, "inzagedatum");
        z.akkoord = field(b, "akkoord");
        z.redennietakkoord = field(b, "redennietakkoord");
        z.recorded_by = c.name;
        std::vector<std::string> errors;
        if (z.pupil.empty()) errors.push_back("pupil: verplicht");
        if (!config_->policy(z.purpose)) errors.push_back("purpose: onbekend doel");
        if (!model::isValidIsoDate(z.inzagedatum)) errors.push_back("inzagedatum: verwacht JJJJ-MM-DD");
        if (z.akkoord != "Ja" && z.akkoord != "Nee" && z.akkoord != "Onbekend")
            errors.push_back("akkoord: verwacht Ja, Nee of Onbekend");
        if (!errors.empty()) {
            std::string msg;
            for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e;
            return sendError(resp, Error{ErrorCode::kInvalidArgument, msg});
        }
        auto st = store_.addInzage(z, clock_.now());
        if (!st) return sendError(resp, st.error());
        // Waiting dossiers are rendered again, now carrying the inzage and the parents' view.
        store::ListFilter f;
        f.subject = z.pupil;
        f.purpose = z.purpose;
        f.state = transfer::State::kAwaitingConsent;
        int requeued = 0;
        if (auto list = store_.list(f)) {
            for (const auto& t : *list) {
                auto moved = store_.transition(t.id, t.state, transfer::State::kReceived, {},
                                               {actor(c), "inzage_applied", t.id, t.purpose, {{"inzage_id", z.id}}},
                                               "inzage geregistreerd; opnieuw omzetten", clock_.now());
                requeued += moved.isOk();
            }
        }
        sendJson(resp, 201, {{"id", z.id}, {"transfers_requeued", requeued}});
    }

    void disclosures(HTTPServerResponse& resp, const std::string& pupil, const std::string& format, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "directeur", "zorgcoordinator", "mentor", "fg"}, "verstrekkingen inzien");
        if (!allowed) return sendError(resp, allowed.error());
        auto reg = policy::disclosureRegister(*config_, store_, pupil);
        if (!reg) return sendError(resp, reg.error());
        auto st = store_.audit({actor(c), "disclosures_viewed", "", "", {{"subject", pupil}, {"format", format}}},
                               clock_.now());
        if (!st) return sendError(resp, st.error());
        if (format == "html" || format == "text") {
            std::string body = policy::renderDisclosureReport(*reg, format);
            resp.setStatus(HTTPServerResponse::HTTP_OK);
            resp.setContentType(format == "html" ? "text/html; charset=utf-8" : "text/plain; charset=utf-8");
            resp.setContentLength(static_cast<std::streamsize>(body.size()));
            resp.send() << body;
            return;
        }
        sendJson(resp, 200, *reg);
    }

    template <typename P>
    void auditLog(HTTPServerResponse& resp, P param, const Caller& c) {
        auto allowed = requireRole(c, {"fg", "beheerder"}, "het auditlog lezen");
        if (!allowed) return sendError(resp, allowed.error());
        long long after = 0;
        size_t limit = 500;
        try {
            if (!param("after").empty()) after = std::stoll(param("after"));
            if (!param("limit").empty()) limit = std::clamp<size_t>(std::stoul(param("limit")), 1, 5000);
        } catch (const std::exception&) {
            return sendError(resp, Error{ErrorCode::kInvalidArgument, "'after' en 'limit' moeten getallen zijn"});
        }
        auto log = store_.auditLog(after, limit);
        if (!log) return sendError(resp, log.error());
        json items = json::array();
        for (const auto& r : *log)
            items.push_back({{"seq", r.seq}, {"at", formatIso(r.at)}, {"actor", r.event.actor},
                             {"event", r.event.event}, {"transfer_id", r.event.transfer_id},
                             {"purpose", r.event.purpose}, {"details", r.event.details}, {"hash", r.hash}});
        auto st = store_.audit({actor(c), "audit_viewed", "", "", {{"after", after}}}, clock_.now());
        if (!st) return sendError(resp, st.error());
        sendJson(resp, 200, {{"records", items}});
    }

    void auditVerify(HTTPServerResponse& resp, const Caller& c) {
        auto allowed = requireRole(c, {"fg", "beheerder"}, "het auditlog controleren");
        if (!allowed) return sendError(resp, allowed.error());
        auto v = store::verifyAudit(store_);
        if (!v) return sendError(resp, v.error());
        sendJson(resp, 200, {{"ok", v->ok}, {"records", v->records}, {"first_bad_seq", v->first_bad_seq},
                             {"problem", v->problem}});
    }

    static void sendJson(HTTPServerResponse& resp, int status, const json& body) {
        std::string text = body.dump(2) + "\n";
        resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        resp.setContentType("application/json; charset=utf-8");
        resp.setContentLength(static_cast<std::streamsize>(text.size()));
        resp.send() << text;
    }

    static void sendError(HTTPServerResponse& resp, const Error& e) {
        sendJson(resp, httpStatus(e.code), {{"error", {{"code", errorCodeName(e.code)}, {"message", e.message}}}});
    }

    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    engine::Metrics& metrics_;
    const Clock& clock_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
public:
    Factory(std::shared_ptr<const config::Config> config, store::TransferStore& store,
            engine::Metrics& metrics, const Clock& clock)
        : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}
    HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
        return new Handler(config_, store_, metrics_, clock_);
    }

private:
    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    engine::Metrics& metrics_;
    const Clock& clock_;
};

}  // namespace

AdminServer::AdminServer(std::shared_ptr<const config::Config> config, store::TransferStore& store,
                         engine::Metrics& metrics, const Clock& clock)
    : config_(std::move(config)), store_(store), metrics_(metrics), clock_(clock) {}

AdminServer::~AdminServer() { stop(); }

Status AdminServer::start() {
    try {
        Poco::Net::SocketAddress addr(config_->admin.listen, static_cast<Poco::UInt16>(config_->admin.port));
        Poco::Net::ServerSocket socket(addr, 64);
        port_ = socket.address().port();
        auto params = new Poco::Net::HTTPServerParams;
        params->setMaxThreads(8);
        params->setKeepAlive(true);
        server_ = std::make_unique<Poco::Net::HTTPServer>(
            new Factory(config_, store_, metrics_, clock_), socket, params);
        server_->start();
    } catch (const Poco::Exception& e) {
        return {ErrorCode::kIo, "beheer-API kan niet luisteren op " + config_->admin.listen + ":" +
                                    std::to_string(config_->admin.port) + ": " + e.displayText()};
    }
    return {};
}

void AdminServer::stop() {
    if (server_) {
        server_->stopAll(true);
        server_.reset();
    }
}

}  // namespace sluis::api

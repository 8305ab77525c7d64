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
    if (t.withdraw_deadline) j["withdraw_deadline_local"] = amsterdam::formatLocal(*t.withdraw_deadline);
    if (t.deliver_at) j["deliver_at_local"] = amsterdam::formatLocal(*t.deliver_at);
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
            if (n == 5 && method == "GET" && parts[4] == "report") return report(resp, parts[3], param("format"), *caller);
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
        if (area == "procedures") {
            if (n == 3 && method == "GET") return listProcedures(resp, param("purpose"), *caller);
            if (n == 4 && method == "GET") return showProcedure(resp, parts[3], *caller);
            if (n == 5 && method == "POST") {
                auto body = readBody(req);
                if (!body) return sendError(resp, body.error());
                if (parts[4] == "choices") return chooseProcedure(resp, parts[3], *body, *caller);
                if (parts[4] == "answers") return answerProcedure(resp, parts[3], *body, *caller);
                if (parts[4] == "save") return saveProcedure(resp, parts[3], *caller);
            }
        }
        if (area == "batches") {
            if (n == 3 && method == "GET") return listBatches(resp, *caller);
            if (n == 3 && method == "POST") {
                auto body = readBody(req);
                if (!body) return sendError(resp, body.error());
                return prepareBatch(resp, *body, *caller);
            }
            if (n == 4 && method == "GET") return showBatch(resp, parts[3], *caller);
            if (n == 5 && method == "POST" && (parts[4] == "approve" || parts[4] == "reject")) {
                auto body = readBody(req);
                if (!body) return sendError(resp, body.error());
                return decideBatch(resp, parts[3], *body, parts[4] == "approve", *caller);
            }
        }
        if (area == "consents") {
            if (n == 5 && parts[4] == "evidence" && method == "GET") return consentEvidence(resp, parts[3], *caller);
            if (n == 3 && method == "POST") {
                auto body = readBody(req, kMaxConsentBody);
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
        // A delivery date that passed (missed while down) no longer holds it back.
        if (t->deliver_at && *t->deliver_at <= clock_.now()) u.deliver_at = std::optional<Timestamp>();
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

    static constexpr std::streamsize kMaxBody = 1 << 20;
    /// A consent may carry an evidence file of up to kMaxEvidenceBytes, base64-encoded.
    static constexpr size_t kMaxEvidenceBytes = 5 << 20;
    static constexpr std::streamsize kMaxConsentBody = 8 << 20;

    static Result<json> readBody(HTTPServerRequest& req, std::streamsize kMax = kMaxBody) {
        const std::string limit = std::to_string(kMax >> 20) + " MiB";
        if (req.getContentLength() > kMax) return Error{ErrorCode::kTooLarge, "verzoek groter dan " + limit};
        std::string body;
        std::istream& in = req.stream();
        char buf[4096];
        while (in.read(buf, sizeof buf) || in.gcount() > 0) {
            body.append(buf, static_cast<size_t>(in.gcount()));
            if (static_cast<std::streamsize>(body.size()) > kMax)
                return Error{ErrorCode::kTooLarge, "verzoek groter dan " + limit};
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

    // --- Guided deliveries (e.g. Vensters): choices, questions, save; docs/vensters.md ---

    Result<std::pair<store::Transfer, const config::PurposePolicy*>> procedureTransfer(const std::string& id) {
        auto t = store_.get(id);
        if (!t) return t.error();
        const auto* p = policyFor(*t);
        if (!p || !p->procedure.enabled)
            return Error{ErrorCode::kNotFound, "overdracht " + id + " is geen begeleide levering"};
        return std::make_pair(*t, p);
    }

    json procedureJson(const store::Transfer& t, const config::PurposePolicy& p, bool detail) {
        policy::Gates gates(config_, store_, clock_);
        auto proc = store_.procedure(t.id);
        store::ProcedureRecord rec = proc ? *proc : store::ProcedureRecord{};
        auto count = gates.countApprovals(t, p);
        std::vector<std::string> approvers;
        for (const auto& a : currentApprovals(t)) approvers.push_back(a.approver + " (" + a.role + ")");
        bool akkoord = count && count->valid >= p.approvals.required && !t.payload_hash.empty();
        bool saved = policy::Gates::procedureSaved(p, t, rec);
        const json effective = p.procedure.effectiveChoices(t.choices);
        json choices = json::object();
        for (const auto& c : p.procedure.choices) choices[c.id] = effective.value(c.id, json());
        bool answered = true;
        for (const auto& q : p.procedure.questions) answered &= rec.answers.contains(q.id);
        const bool open = t.state == transfer::State::kMapped || t.state == transfer::State::kAwaitingApproval ||
                          t.state == transfer::State::kAwaitingConsent || t.state == transfer::State::kReceived;
        // The first thing still to do: the steps before saving, then the akkoord, then the save.
        std::string nextStep;
        if (open) {
            nextStep = policy::Gates::procedureMissing(p, t, rec, /*include_save=*/false);
            if (nextStep.empty()) nextStep = !akkoord ? "akkoord bevoegd gezag" : !saved ? "opslaan" : "";
        }
        json j = {{"transfer_id", t.id},
                  {"subject", t.subject},
                  {"purpose", t.purpose},
                  {"state", transfer::stateName(t.state)},
                  {"akkoord", akkoord},
                  {"akkoord_by", approvers},
                  {"choices", choices},
                  {"deliver_on", t.deliver_at ? json(amsterdam::formatDate(amsterdam::localDate(*t.deliver_at))) : json(nullptr)},
                  {"withdraw_deadline", t.withdraw_deadline ? json(amsterdam::formatLocal(*t.withdraw_deadline)) : json(nullptr)},
                  {"answered", answered},
                  {"saved", saved},
                  {"saved_by", saved ? json(rec.saved_by) : json(nullptr)},
                  {"payload_hash", t.payload_hash},
                  {"delivered", t.state == transfer::State::kDelivered},
                  {"receipt", t.receipt},
                  {"withdrawn", t.state == transfer::State::kWithdrawn},
                  {"next_step", nextStep}};
        if (detail) {
            json questions = json::array();
            for (const auto& q : p.procedure.questions)
                questions.push_back({{"id", q.id}, {"text", q.text}, {"type", q.type}, {"options", q.options},
                                     {"answer", rec.answers.contains(q.id) ? rec.answers[q.id] : json(nullptr)}});
            json choice_spec = json::array();
            for (const auto& c : p.procedure.choices)
                choice_spec.push_back({{"id", c.id}, {"label", c.label}, {"options", c.options}, {"value", choices[c.id]}});
            json notes = json::array();
            if (auto list = store_.notifications(t.id))
                for (const auto& n : *list)
                    notes.push_back({{"kind", n.kind}, {"recipients", n.to.size()},
                                     {"sent_at", n.sent_at ? json(formatIso(*n.sent_at)) : json(nullptr)},
                                     {"attempts", n.attempts}, {"last_error", n.last_error}});
            j["steps"] = json::array({
                {{"step", 1}, {"name", "akkoord bevoegd gezag"}, {"done", akkoord}},
                {{"step", 2}, {"name", "rapport controleren"}, {"done", !t.payload_hash.empty()},
                 {"href", "/api/v1/transfers/" + t.id + "/report"}},
                {{"step", 3}, {"name", "niveau"}, {"done", [&] {
                     for (auto& [k, v] : choices.items())
                         if (v.is_null()) return false;
                     return true;
                 }()}},
                {{"step", 4}, {"name", "leverdatum"}, {"done", !p.procedure.requires_date || t.deliver_at.has_value()}},
                {{"step", 5}, {"name", "vragen over afnamegroep en afnamecondities"}, {"done", answered}},
                {{"step", 6}, {"name", "opslaan (e-mail aan gebruikersbeheerder)"}, {"done", saved}}});
            j["questions"] = questions;
            j["choice_options"] = choice_spec;
            j["notifications"] = notes;
        }
        return j;
    }

    void listProcedures(HTTPServerResponse& resp, const std::string& purpose, const Caller& c) {
        auto allowed = requireRole(c, {"bevoegd-gezag", "directeur", "beheerder", "fg"}, "leveringen inzien");
        if (!allowed) return sendError(resp, allowed.error());
        json items = json::array();
        for (const auto& [name, p] : config_->policies) {
            if (!p.procedure.enabled || (!purpose.empty() && name != purpose)) continue;
            store::ListFilter f;
            f.purpose = name;
            f.limit = 1000;
            auto list = store_.list(f);
            if (!list) return sendError(resp, list.error());
            for (const auto& t : *list) items.push_back(procedureJson(t, p, false));
        }
        sendJson(resp, 200, {{"procedures", items}});
    }

    void showProcedure(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        auto allowed = requireRole(c, {"bevoegd-gezag", "directeur", "beheerder", "fg"}, "leveringen inzien");
        if (!allowed) return sendError(resp, allowed.error());
        auto tp = procedureTransfer(id);
        if (!tp) return sendError(resp, tp.error());
        sendJson(resp, 200, procedureJson(tp->first, *tp->second, true));
    }

    /// Steps 3-5 may change until the withdrawal deadline, in the states before delivery.
    Status procedureChangeable(const store::Transfer& t) {
        using S = transfer::State;
        if (t.state != S::kReceived && t.state != S::kMapped && t.state != S::kAwaitingConsent &&
            t.state != S::kAwaitingApproval && t.state != S::kScheduled)
            return {ErrorCode::kConflict, std::string("levering kan niet meer worden gewijzigd (status ") +
                                              transfer::stateName(t.state) + ")"};
        policy::Gates gates(config_, store_, clock_);
        return gates.checkWithdrawable(t);
    }

    void chooseProcedure(HTTPServerResponse& resp, const std::string& id, const json& body, const Caller& c) {
        auto allowed = requireRole(c, {"bevoegd-gezag", "directeur", "beheerder"}, "keuzes van een levering maken");
        if (!allowed) return sendError(resp, allowed.error());
        auto tp = procedureTransfer(id);
        if (!tp) return sendError(resp, tp.error());
        auto& [t, p] = *tp;
        if (auto ok = procedureChangeable(t); !ok) return sendError(resp, ok.error());
        json choices = t.choices;
        std::vector<std::string> errors;
        for (auto& [k, v] : body.items()) {
            auto spec = std::find_if(p->procedure.choices.begin(), p->procedure.choices.end(),
                                     [&](const config::ProcedureChoice& ch) { return ch.id == k; });
            if (spec == p->procedure.choices.end()) {
                errors.push_back(k + ": onbekende keuze");
                continue;
            }
            if (!v.is_string() || std::find(spec->options.begin(), spec->options.end(), v.get<std::string>()) == spec->options.end()) {
                errors.push_back(k + ": verwacht een van: " + join(spec->options, ", "));
                continue;
            }
            choices[k] = v;
        }
        if (body.empty()) errors.push_back("geen keuze opgegeven");
        if (!errors.empty()) return sendError(resp, Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
        if (choices == t.choices) return sendJson(resp, 200, procedureJson(t, *p, true));
        // The payload changes: render again; the akkoord and a save bound to the old report lapse.
        store::TransitionUpdate u;
        u.choices = choices;
        u.changed_by = c.name;
        auto st = store_.transition(id, t.state, transfer::State::kReceived, u,
                                    {actor(c), "procedure_choice", id, t.purpose, {{"choices", choices}}},
                                    "keuze gewijzigd; rapport wordt opnieuw opgemaakt", clock_.now());
        if (!st) return sendError(resp, st.error());
        sendJson(resp, 200, procedureJson(*store_.get(id), *p, true));
    }

    void answerProcedure(HTTPServerResponse& resp, const std::string& id, const json& body, const Caller& c) {
        auto allowed = requireRole(c, {"bevoegd-gezag", "directeur", "beheerder"}, "de vragen van een levering beantwoorden");
        if (!allowed) return sendError(resp, allowed.error());
        auto tp = procedureTransfer(id);
        if (!tp) return sendError(resp, tp.error());
        auto& [t, p] = *tp;
        if (auto ok = procedureChangeable(t); !ok) return sendError(resp, ok.error());
        const json answers = body.value("answers", json());
        if (!answers.is_object()) return sendError(resp, Error{ErrorCode::kInvalidArgument, "answers: verwacht een object"});
        std::vector<std::string> errors;
        json clean = json::object();
        for (auto& [k, v] : answers.items())
            if (std::none_of(p->procedure.questions.begin(), p->procedure.questions.end(),
                             [&](const config::ProcedureQuestion& q) { return q.id == k; }))
                errors.push_back("answers." + k + ": onbekende vraag");
        for (const auto& q : p->procedure.questions) {
            std::string where = "answers." + q.id;
            if (!answers.contains(q.id)) {
                errors.push_back(where + ": verplicht (" + q.text + ")");
                continue;
            }
            const json& v = answers[q.id];
            std::string text = v.is_string() ? util::trim(v.get<std::string>()) : "";
            if (text.empty()) {
                errors.push_back(where + ": verwacht een niet-lege tekst");
            } else if (q.type == "keuze" && std::find(q.options.begin(), q.options.end(), text) == q.options.end()) {
                errors.push_back(where + ": verwacht een van: " + join(q.options, ", "));
            } else if (text.size() > q.max_length || !util::checkUtf8(text).isOk()) {
                errors.push_back(where + ": hoogstens " + std::to_string(q.max_length) + " tekens UTF-8");
            } else {
                clean[q.id] = text;
            }
        }
        if (!errors.empty()) return sendError(resp, Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
        auto st = store_.saveProcedureAnswers(id, clean, actor(c), t.purpose, clock_.now());
        if (!st) return sendError(resp, st.error());
        // Other answers void the save: a delivery that was ready goes back through the gates.
        auto now_t = store_.get(id);
        if (now_t && now_t->state == transfer::State::kScheduled) {
            auto proc = store_.procedure(id);
            if (proc && !proc->saved_at) {
                auto moved = store_.transition(id, transfer::State::kScheduled, transfer::State::kMapped, {},
                                               {actor(c), "procedure_changed", id, t.purpose, json::object()},
                                               "antwoorden gewijzigd; opnieuw opslaan nodig", clock_.now());
                if (!moved) return sendError(resp, moved.error());
            }
        }
        sendJson(resp, 200, procedureJson(*store_.get(id), *p, true));
    }

    void saveProcedure(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        auto allowed = requireRole(c, {"bevoegd-gezag", "directeur"}, "een levering opslaan");
        if (!allowed) return sendError(resp, allowed.error());
        auto tp = procedureTransfer(id);
        if (!tp) return sendError(resp, tp.error());
        auto& [t, p] = *tp;
        if (auto ok = procedureChangeable(t); !ok) return sendError(resp, ok.error());
        if (t.state != transfer::State::kAwaitingApproval && t.state != transfer::State::kScheduled)
            return sendError(resp, Error{ErrorCode::kConflict, "het rapport is nog niet klaar (status " +
                                                                   std::string(transfer::stateName(t.state)) + ")"});
        policy::Gates gates(config_, store_, clock_);
        auto count = gates.countApprovals(t, *p);
        if (!count) return sendError(resp, count.error());
        if (count->valid < p->approvals.required)
            return sendError(resp, Error{ErrorCode::kConflict, "eerst akkoord van het bevoegd gezag (stap 1) op dit rapport"});
        auto proc = store_.procedure(id);
        if (!proc) return sendError(resp, proc.error());
        std::string missing = policy::Gates::procedureMissing(*p, t, *proc, /*include_save=*/false);
        if (!missing.empty()) return sendError(resp, Error{ErrorCode::kConflict, "nog niet compleet: " + missing});
        std::vector<std::string> approvers, choices;
        for (const auto& a : currentApprovals(t)) approvers.push_back(a.approver);
        const json effective = p->procedure.effectiveChoices(t.choices);
        for (auto& [k, v] : effective.items())
            choices.push_back(k + ": " + (v.is_string() ? v.get<std::string>() : v.dump()));
        const std::string level = join(choices, ", ");
        store::Notification note;
        note.kind = "procedure_saved";
        note.transfer_id = id;
        note.to = p->procedure.notify_to;
        note.subject = "Sluis: levering " + t.subject + " (" + t.purpose + ") opgeslagen";
        const std::string who = join(approvers, ", ");
        note.body = "De levering voor " + t.subject + " (doel " + t.purpose + ", " + (p->description.empty() ? p->name : p->description) +
                    ") is opgeslagen door " + c.name + " (" + c.role + ").\n\n" +
                    "Akkoord bevoegd gezag: " + who + "\n" +
                    "Niveau: " + (level.empty() ? "-" : level) + "\n" +
                    "Leverdatum: " + (t.deliver_at ? amsterdam::formatDate(amsterdam::localDate(*t.deliver_at)) : std::string("zo snel mogelijk")) + "\n" +
                    "Intrekken of wijzigen kan tot: " + (t.withdraw_deadline ? amsterdam::formatLocal(*t.withdraw_deadline) : std::string("-")) + "\n" +
                    "Rapport (SHA-256): " + t.payload_hash + "\n";
        auto st = store_.saveProcedure(id, actor(c), t.payload_hash, t.deliver_at, t.purpose,
                                       note.to.empty() ? std::nullopt : std::optional<store::Notification>(note),
                                       clock_.now());
        if (!st) return sendError(resp, st.error());
        auto moved = gates.advance(id, actor(c));
        if (!moved) return sendError(resp, moved.error());
        sendJson(resp, 200, procedureJson(*store_.get(id), *p, true));
    }

    void report(HTTPServerResponse& resp, const std::string& id, const std::string& format, const Caller& c) {
        auto t = store_.get(id);
        if (!t) return sendError(resp, t.error());
        const auto* p = policyFor(*t);
        bool allowed = hasRole(c, config_->admin.payload_roles) || (p && hasRole(c, p->approvals.roles)) ||
                       c.role == "beheerder" || c.role == "fg";
        if (!allowed) return sendError(resp, Error{ErrorCode::kPermissionDenied, "rol '" + c.role + "' mag dit rapport niet zien"});
        if (t->report_types.empty())
            return sendError(resp, Error{ErrorCode::kNotFound, "voor deze overdracht wordt geen rapport gemaakt"});
        // ?format=html|pdf picks a rendering; without it the first configured one.
        std::string type = t->report_types.front();
        if (!format.empty()) {
            auto it = std::find_if(t->report_types.begin(), t->report_types.end(), [&](const std::string& ct) {
                return ct.find("/" + format) != std::string::npos;
            });
            if (it == t->report_types.end())
                return sendError(resp, Error{ErrorCode::kNotFound, "geen rapport in formaat '" + format + "'"});
            type = *it;
        }
        auto body = store_.report(id, type);
        if (!body) return sendError(resp, body.error());
        auto st = store_.audit({actor(c), "report_viewed", id, t->purpose, {{"payload_hash", t->payload_hash}}}, clock_.now());
        if (!st) return sendError(resp, st.error());
        st = store_.recordPreview(id, c.name, t->payload_hash, t->purpose, clock_.now());
        if (!st) return sendError(resp, st.error());
        resp.setStatus(HTTPServerResponse::HTTP_OK);
        resp.setContentType(type);
        resp.set("X-Sluis-Payload-Sha256", t->payload_hash);
        resp.setContentLength(static_cast<std::streamsize>(body->size()));
        resp.send() << *body;
    }

    // --- Batches: a mentor prepares a class, an approver approves it after each preview ---

    json batchJson(const store::Batch& b, const Caller* viewer) {
        json items = json::array();
        bool waiting = false;
        for (const auto& i : b.items) {
            json j = {{"transfer_id", i.transfer_id}, {"payload_hash", i.payload_hash}};
            if (auto t = store_.get(i.transfer_id)) {
                waiting |= t->state == transfer::State::kAwaitingApproval;
                j["subject"] = t->subject;
                j["state"] = transfer::stateName(t->state);
                j["data_changed"] = t->payload_hash != i.payload_hash;
            }
            if (viewer) {
                auto seen = store_.hasPreviewed(i.transfer_id, viewer->name, i.payload_hash);
                j["previewed_by_you"] = seen && *seen;
            }
            items.push_back(j);
        }
        return {{"id", b.id},
                {"name", b.name},
                {"purpose", b.purpose},
                {"prepared_by", b.prepared_by},
                {"prepared_at", formatIso(b.prepared_at)},
                // An open batch none of whose transfers waits any more (approved one by one,
                // withdrawn, rejected) is reported as completed.
                {"status", b.status == "prepared" && !waiting ? "completed" : b.status},
                {"decided_by", b.decided_by},
                {"decided_at", b.decided_at ? json(formatIso(*b.decided_at)) : json(nullptr)},
                {"items", items}};
    }

    void prepareBatch(HTTPServerResponse& resp, const json& body, const Caller& c) {
        auto allowed = requireRole(c, {"mentor", "zorgcoordinator", "beheerder", "directeur"}, "een batch klaarzetten");
        if (!allowed) return sendError(resp, allowed.error());
        store::Batch b;
        b.id = "bt_" + util::toHex(crypto::randomBytes(10));
        b.name = util::trim(field(body, "name"));
        b.prepared_by = c.name;
        if (b.name.empty() || b.name.size() > 100)
            return sendError(resp, Error{ErrorCode::kInvalidArgument, "name: verplicht (bijv. 'groep 8b'), max. 100 tekens"});
        if (!body.contains("transfer_ids") || !body["transfer_ids"].is_array() || body["transfer_ids"].empty() ||
            body["transfer_ids"].size() > 500)
            return sendError(resp, Error{ErrorCode::kInvalidArgument, "transfer_ids: verwacht een lijst van 1 tot 500 ids"});
        std::vector<std::string> errors;
        for (size_t i = 0; i < body["transfer_ids"].size(); ++i) {
            const json& v = body["transfer_ids"][i];
            std::string where = "transfer_ids[" + std::to_string(i) + "]";
            if (!v.is_string()) {
                errors.push_back(where + ": verwacht een id");
                continue;
            }
            auto t = store_.get(v.get<std::string>());
            if (!t) {
                errors.push_back(where + ": " + t.error().message);
                continue;
            }
            if (t->state != transfer::State::kAwaitingApproval)
                errors.push_back(where + ": wacht niet op goedkeuring (status " + transfer::stateName(t->state) + ")");
            if (b.purpose.empty()) b.purpose = t->purpose;
            if (t->purpose != b.purpose) errors.push_back(where + ": ander doel dan de rest van de batch");
            for (const auto& item : b.items)
                if (item.transfer_id == t->id) errors.push_back(where + ": staat al in de batch");
            b.items.push_back({t->id, t->payload_hash});
        }
        if (!errors.empty()) return sendError(resp, Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
        auto st = store_.addBatch(b, clock_.now());
        if (!st) return sendError(resp, st.error());
        auto saved = store_.getBatch(b.id);
        if (!saved) return sendError(resp, saved.error());
        sendJson(resp, 201, batchJson(*saved, nullptr));
    }

    void listBatches(HTTPServerResponse& resp, const Caller& c) {
        auto allowed = requireRole(c, {"mentor", "zorgcoordinator", "beheerder", "directeur", "bevoegd-gezag", "fg"},
                                   "batches inzien");
        if (!allowed) return sendError(resp, allowed.error());
        auto list = store_.batches(200);
        if (!list) return sendError(resp, list.error());
        json items = json::array();
        for (const auto& b : *list)
            items.push_back({{"id", b.id}, {"name", b.name}, {"purpose", b.purpose}, {"status", b.status},
                             {"prepared_by", b.prepared_by}, {"transfers", b.items.size()}});
        sendJson(resp, 200, {{"batches", items}});
    }

    void showBatch(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        auto allowed = requireRole(c, {"mentor", "zorgcoordinator", "beheerder", "directeur", "bevoegd-gezag", "fg"},
                                   "batches inzien");
        if (!allowed) return sendError(resp, allowed.error());
        auto b = store_.getBatch(id);
        if (!b) return sendError(resp, b.error());
        sendJson(resp, 200, batchJson(*b, &c));
    }

    /// Approves every transfer of a prepared batch for the caller. Refused as a whole (nothing
    /// approved) when the caller prepared it or has not seen the preview of every transfer as it
    /// was prepared; a transfer whose data changed since is left out (its approval would bind to
    /// other data) and is reported, so it can be approved on its own after a new preview.
    void decideBatch(HTTPServerResponse& resp, const std::string& id, const json& body, bool approve, const Caller& c) {
        auto b = store_.getBatch(id);
        if (!b) return sendError(resp, b.error());
        if (b->status != "prepared")
            return sendError(resp, Error{ErrorCode::kConflict, "batch is al afgehandeld (" + b->status + ")"});
        const auto* p = config_->policy(b->purpose);
        if (!p || p->approvals.required == 0)
            return sendError(resp, Error{ErrorCode::kConflict, "voor doel '" + b->purpose + "' is geen goedkeuring nodig"});
        auto allowed = requireRole(c, p->approvals.roles, "batches goedkeuren voor doel '" + b->purpose + "'");
        if (!allowed) return sendError(resp, allowed.error());
        if (c.name == b->prepared_by)
            return sendError(resp, Error{ErrorCode::kPermissionDenied,
                                         "vier-ogenprincipe: wie de batch klaarzette, keurt haar niet goed"});
        if (!approve) {
            std::string reason = util::trim(field(body, "reason"));
            if (reason.empty()) return sendError(resp, Error{ErrorCode::kInvalidArgument, "geef een reden voor de afwijzing"});
            auto st = store_.closeBatch(id, "rejected", actor(c), {{"reason_given", true}}, clock_.now());
            if (!st) return sendError(resp, st.error());
            return sendJson(resp, 200, batchJson(*store_.getBatch(id), &c));
        }
        std::vector<std::string> unseen;
        for (const auto& i : b->items) {
            auto seen = store_.hasPreviewed(i.transfer_id, c.name, i.payload_hash);
            if (!seen) return sendError(resp, seen.error());
            auto t = store_.get(i.transfer_id);
            bool changed = t && t->payload_hash != i.payload_hash;
            if (!*seen && !changed) unseen.push_back(i.transfer_id);
        }
        if (!unseen.empty()) {
            return sendError(resp, Error{ErrorCode::kConflict,
                                         "bekijk eerst de preview van elke overdracht in de batch; nog niet bekeken: " +
                                             join(unseen, ", ")});
        }
        json results = json::array();
        int ok = 0;
        for (const auto& i : b->items) {
            json r = {{"transfer_id", i.transfer_id}};
            auto mine = store_.approvals(i.transfer_id);
            bool already = false;
            if (mine)
                for (const auto& a : *mine)
                    already |= a.approver == c.name && a.payload_hash == i.payload_hash && a.decision == "approved";
            Status st = already ? Status() : approveOne(i.transfer_id, i.payload_hash, true, "", c);
            r["ok"] = st.isOk();
            if (already) r["note"] = "al eerder door u goedgekeurd";
            if (!st) r["error"] = {{"code", errorCodeName(st.code())}, {"message", st.message()}};
            ok += st.isOk();
            results.push_back(r);
        }
        // The batch is done when no transfer in it waits for approval any more; with a policy that
        // needs several approvers it stays open for the next one.
        size_t waiting = 0;
        for (const auto& i : b->items) {
            auto t = store_.get(i.transfer_id);
            waiting += t && t->state == transfer::State::kAwaitingApproval;
        }
        json outcome = {{"approved", ok}, {"total", b->items.size()}, {"still_waiting", waiting}};
        auto st = waiting == 0 ? store_.closeBatch(id, "approved", actor(c), outcome, clock_.now())
                               : store_.audit({actor(c), "batch_approved", "", b->purpose,
                                               {{"batch_id", id}, {"outcome", outcome}}},
                                              clock_.now());
        if (!st) return sendError(resp, st.error());
        json out = batchJson(*store_.getBatch(id), &c);
        out["results"] = results;
        out["approved"] = ok;
        out["still_waiting"] = waiting;
        sendJson(resp, 200, out);
    }

    static std::string join(const std::vector<std::string>& parts, const char* separator) {
        std::string out;
        for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
        return out;
    }
    static std::string joinErrors(const std::vector<std::string>& errors) { return join(errors, "; "); }

    /// Approvals that count for `t` as it is now: given for its current payload hash.
    std::vector<store::Approval> currentApprovals(const store::Transfer& t) {
        std::vector<store::Approval> out;
        if (auto list = store_.approvals(t.id))
            for (const auto& a : *list)
                if (a.payload_hash == t.payload_hash && a.decision == "approved") out.push_back(a);
        return out;
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
        const auto* p = policyFor(*t);
        if (p && p->procedure.enabled && !p->procedure.notify_to.empty()) {
            store::Notification note;
            note.kind = "withdrawn";
            note.transfer_id = id;
            note.to = p->procedure.notify_to;
            note.subject = "Sluis: levering " + t->subject + " (" + t->purpose + ") ingetrokken";
            note.body = "De levering " + id + " voor " + t->subject + " (doel " + t->purpose + ") is ingetrokken door " +
                        c.name + " (" + c.role + ") op " + amsterdam::formatLocal(clock_.now()) +
                        ".\nEr wordt niets verzonden.\n";
            auto queued = store_.addNotification(note, clock_.now());
            if (!queued) log::error("api.notification_failed", {{"transfer_id", id}, {"message", queued.message()}});
        }
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
        // A guided delivery that was ready goes back through the gates: its save was for the old date.
        bool regate = p && p->procedure.enabled && t->state == S::kScheduled;
        auto st = store_.transition(id, t->state, regate ? S::kMapped : t->state, u,
                                    {actor(c), "scheduled", id, t->purpose,
                                     {{"deliver_on", amsterdam::formatDate(*date)}}},
                                    regate ? "leverdatum gewijzigd; opnieuw opslaan nodig" : "", clock_.now());
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
        if (b.contains("evidence_file")) {
            auto file = parseEvidenceFile(b["evidence_file"]);
            if (file) {
                k.evidence_file = std::move(*file);
            } else {
                errors.push_back(file.error().message);
            }
        }
        if (!errors.empty()) return sendError(resp, Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
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
        json out = {{"id", k.id}, {"transfers_released", moved}};
        if (k.evidence_file) out["evidence_file"] = evidenceJson(*k.evidence_file, k.id);
        sendJson(resp, 201, out);
    }

    static json evidenceJson(const store::EvidenceFile& f, const std::string& consent_id) {
        return {{"filename", f.filename},
                {"content_type", f.content_type},
                {"size", f.bytes.empty() ? f.size : static_cast<long long>(f.bytes.size())},
                {"sha256", f.sha256.empty() ? util::sha256Hex(f.bytes) : f.sha256},
                {"href", "/api/v1/consents/" + consent_id + "/evidence"}};
    }

    /// `{"filename", "content_type", "data_base64"}`: a scanned form (PDF, JPEG, PNG), an e-mail
    /// (message/rfc822) or a text note. The bytes must match the declared type.
    static Result<store::EvidenceFile> parseEvidenceFile(const json& j) {
        if (!j.is_object()) return Error{ErrorCode::kInvalidArgument, "evidence_file: verwacht een object"};
        store::EvidenceFile f;
        f.filename = field(j, "filename");
        f.content_type = field(j, "content_type");
        std::string data = field(j, "data_base64");
        if (f.filename.empty() || f.filename.size() > 200 || f.filename.find_first_of("/\\") != std::string::npos)
            return Error{ErrorCode::kInvalidArgument, "evidence_file.filename: verplicht, zonder mappen, max. 200 tekens"};
        static const std::vector<std::string> kTypes = {"application/pdf", "image/jpeg", "image/png",
                                                        "message/rfc822", "text/plain"};
        if (std::find(kTypes.begin(), kTypes.end(), f.content_type) == kTypes.end())
            return Error{ErrorCode::kInvalidArgument,
                         "evidence_file.content_type: verwacht application/pdf, image/jpeg, image/png, "
                         "message/rfc822 of text/plain"};
        auto bytes = util::decodeBase64(data);
        if (!bytes) return Error{ErrorCode::kInvalidArgument, "evidence_file.data_base64: geen geldige base64"};
        if (bytes->empty()) return Error{ErrorCode::kInvalidArgument, "evidence_file.data_base64: bestand is leeg"};
        if (bytes->size() > kMaxEvidenceBytes)
            return Error{ErrorCode::kTooLarge, "evidence_file: bestand groter dan 5 MiB"};
        auto starts = [&](std::string_view magic) { return std::string_view(*bytes).starts_with(magic); };
        bool matches = f.content_type == "application/pdf" ? starts("%PDF-")
                       : f.content_type == "image/jpeg"    ? starts("\xFF\xD8\xFF")
                       : f.content_type == "image/png"     ? starts("\x89PNG\r\n\x1A\n")
                                                           : util::checkUtf8(*bytes).isOk();
        if (!matches)
            return Error{ErrorCode::kInvalidArgument,
                         "evidence_file: de inhoud is geen " + f.content_type + " (bestand controleren)"};
        f.bytes = std::move(*bytes);
        f.size = static_cast<long long>(f.bytes.size());
        f.sha256 = util::sha256Hex(f.bytes);
        return f;
    }

    void consentEvidence(HTTPServerResponse& resp, const std::string& id, const Caller& c) {
        auto allowed = requireRole(c, {"beheerder", "directeur", "zorgcoordinator", "fg"}, "bewijsstukken inzien");
        if (!allowed) return sendError(resp, allowed.error());
        auto consent = store_.getConsent(id);
        if (!consent) return sendError(resp, consent.error());
        auto file = store_.consentEvidence(id);
        if (!file) return sendError(resp, file.error());
        auto st = store_.audit({actor(c), "consent_evidence_viewed", "", consent->purpose,
                                {{"consent_id", id}, {"subject", consent->pupil}, {"sha256", file->sha256}}},
                               clock_.now());
        if (!st) return sendError(resp, st.error());  // no audit record, no file
        resp.setStatus(HTTPServerResponse::HTTP_OK);
        resp.setContentType(file->content_type);
        resp.set("X-Content-Type-Options", "nosniff");
        resp.set("Content-Disposition", "attachment; filename=\"bewijsstuk-" + id + "\"");
        resp.set("X-Sluis-Sha256", file->sha256);
        resp.setContentLength(static_cast<std::streamsize>(file->bytes.size()));
        resp.send() << file->bytes;
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
                             {"withdrawn_by", k.withdrawn_by},
                             {"evidence_file", k.evidence_file ? evidenceJson(*k.evidence_file, k.id) : json(nullptr)}});
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
        if (!errors.empty()) return sendError(resp, Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
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

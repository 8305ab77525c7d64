// Transfers: list, detail (with the payload for payload roles), preview, report, requeue,
// withdraw and the delivery date. Approving them is in approvals_api.cpp.
#include <algorithm>

#include "core/api/beheer_decisions.h"
#include "core/api/request.h"
#include "core/notify/mail_templates.h"
#include "core/policy/gates.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"

namespace sluis::api::detail {

using nlohmann::json;

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
    j["withdraw_deadline"] =
        t.withdraw_deadline ? json(formatIso(*t.withdraw_deadline)) : json(nullptr);
    if (t.withdraw_deadline)
        j["withdraw_deadline_local"] = amsterdam::formatLocal(*t.withdraw_deadline);
    if (t.deliver_at) j["deliver_at_local"] = amsterdam::formatLocal(*t.deliver_at);
    j["consent_id"] = t.consent_id;
    j["next_attempt_at"] = t.next_attempt_at ? json(formatIso(*t.next_attempt_at)) : json(nullptr);
    return j;
}

void sendTransfer(Request& r, const std::string& id) {
    auto t = r.visibleTransfer(id);
    if (!t) return r.sendError(t.error());
    r.sendJson(200, transferJson(*t));
}

void listTransfers(Request& r) {
    store::ListFilter f;
    if (!r.param("state").empty()) {
        f.state = transfer::parseState(r.param("state"));
        if (!f.state)
            return r.sendError(Error{ErrorCode::kInvalidArgument, "onbekende status in 'state'"});
    }
    f.route = r.param("route");
    f.subject = r.param("subject");
    f.purposes = r.visiblePurposes();  // what the caller may not see is not listed, nor counted
    try {
        if (!r.param("limit").empty())
            f.limit = std::clamp<size_t>(std::stoul(r.param("limit")), 1, 1000);
        if (!r.param("offset").empty()) f.offset = std::stoul(r.param("offset"));
    } catch (const std::exception&) {
        return r.sendError(
            Error{ErrorCode::kInvalidArgument, "'limit' en 'offset' moeten getallen zijn"});
    }
    auto list = r.store.list(f);
    if (!list) return r.sendError(list.error());
    json items = json::array();
    for (const auto& t : *list) items.push_back(transferJson(t));
    r.sendJson(200, {{"transfers", items}, {"limit", f.limit}, {"offset", f.offset}});
}

/// With `?include=payload` (payload roles only) the rendered payload, audited first.
void getTransfer(Request& r) {
    const std::string& id = r.id();
    const bool with_payload = r.param("include") == "payload";
    if (with_payload && !r.hasRole(r.config->admin.payload_roles))
        return r.sendError(
            Error{ErrorCode::kPermissionDenied,
                  "rol '" + r.caller.role + "' mag de inhoud van overdrachten niet zien"});
    auto t = r.visibleTransfer(id);
    if (!t) return r.sendError(t.error());
    auto hist = r.store.history(id);
    if (!hist) return r.sendError(hist.error());
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
        auto st = r.store.audit({r.actor(), "viewed", id, t->purpose, {{"payload", with_payload}}},
                                r.clock.now());
        if (!st) return r.sendError(st.error());
    }
    if (with_payload) {
        auto p = r.store.payload(id);
        if (!p) return r.sendError(p.error());
        auto st = r.store.audit({r.actor(), "payload_viewed", id, t->purpose, {{"via", "api"}}},
                                r.clock.now());
        if (!st) return r.sendError(st.error());  // no audit record, no payload
        body["payload"] = *p;
    }
    r.sendJson(200, body);
}

/// "What leaves the building"; the values only for payload roles and the purpose's approvers.
/// Counts as the caller's preview of this payload hash (audited "previewed").
void previewTransfer(Request& r) {
    auto pv = api::preview(r.decision(), r.id());
    if (!pv) return r.sendError(pv.error());
    const store::Transfer& t = pv->transfer;
    json body = {{"transfer_id", t.id},
                 {"state", transfer::stateName(t.state)},
                 {"destination", t.destination},
                 {"purpose", t.purpose},
                 {"purpose_description", pv->purpose_description},
                 {"legal_basis", pv->legal_basis},
                 {"subject", t.subject},
                 {"deliver_at",
                  t.deliver_at ? json(amsterdam::formatLocal(*t.deliver_at)) : json(nullptr)},
                 {"withdraw_deadline", t.withdraw_deadline
                                           ? json(amsterdam::formatLocal(*t.withdraw_deadline))
                                           : json(nullptr)},
                 {"payload_hash", t.payload_hash},
                 {"content_type", t.content_type},
                 {"included", pv->included},
                 {"withheld", pv->withheld},
                 {"categories", pv->categories}};
    if (pv->payload) {
        body["payload"] = *pv->payload;  // exactly the bytes that will be sent
    } else {
        body["payload"] = nullptr;
        body["note"] = "waarden alleen zichtbaar voor goedkeurders en rollen met inzagerecht";
    }
    r.sendJson(200, body);
}

/// The stored human-readable report (e.g. the Vensters HTML). Counts as the caller's preview,
/// audited once as "report_viewed".
void transferReport(Request& r) {
    const std::string& id = r.id();
    const std::string format = r.param("format");
    auto t = r.visibleTransfer(id);
    if (!t) return r.sendError(t.error());
    const auto* p = r.policyFor(*t);
    bool allowed = r.hasRole(r.config->admin.payload_roles) ||
                   (p && r.hasRole(p->approvals.roles)) || r.caller.role == "beheerder" ||
                   r.caller.role == "fg";
    if (!allowed)
        return r.sendError(Error{ErrorCode::kPermissionDenied,
                                 "rol '" + r.caller.role + "' mag dit rapport niet zien"});
    if (t->report_types.empty())
        return r.sendError(
            Error{ErrorCode::kNotFound, "voor deze overdracht wordt geen rapport gemaakt"});
    // ?format=html|pdf picks a rendering; without it the first configured one.
    std::string type = t->report_types.front();
    if (!format.empty()) {
        auto it = std::find_if(
            t->report_types.begin(), t->report_types.end(),
            [&](const std::string& ct) { return ct.find("/" + format) != std::string::npos; });
        if (it == t->report_types.end())
            return r.sendError(
                Error{ErrorCode::kNotFound, "geen rapport in formaat '" + format + "'"});
        type = *it;
    }
    auto body = r.store.report(id, type);
    if (!body) return r.sendError(body.error());
    // One record for one view: the report counts as the caller's preview of this payload.
    auto st = r.store.recordPreview(
        id, r.caller.name, t->payload_hash,
        {r.actor(), "report_viewed", id, t->purpose, {{"payload_hash", t->payload_hash}}},
        r.clock.now());
    if (!st) return r.sendError(st.error());
    r.resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    r.resp.setContentType(type);
    r.resp.set("X-Sluis-Payload-Sha256", t->payload_hash);
    r.resp.setContentLength(static_cast<std::streamsize>(body->size()));
    r.resp.send() << *body;
}

void requeueTransfer(Request& r) {
    // The shared decision (beheer_decisions.h), also behind the web's Beheer page.
    auto t = requeue(r.decision(), r.id());
    if (!t) return r.sendError(t.error());
    sendTransfer(r, t->id);
}

void withdrawTransfer(Request& r) {
    const std::string& id = r.id();
    const json& body = r.body;
    auto allowed =
        r.requireRole({"beheerder", "directeur", "bevoegd-gezag", "zorgcoordinator"}, "intrekken");
    if (!allowed) return r.sendError(allowed.error());
    auto t = r.visibleTransfer(id);
    if (!t) return r.sendError(t.error());
    policy::Gates gates(r.config, r.store, r.clock);
    auto ok = gates.checkWithdrawable(*t);
    if (!ok) return r.sendError(ok.error());
    std::string reason = field(body, "reason");
    auto st = r.store.transition(id, t->state, transfer::State::kWithdrawn, {},
                                 {r.actor(), "withdrawn", id, t->purpose, json::object()},
                                 reason.empty() ? "ingetrokken" : "ingetrokken: " + reason,
                                 r.clock.now());
    if (!st) return r.sendError(st.error());
    const auto* p = r.policyFor(*t);
    if (p && p->procedure.enabled && !p->procedure.notify_to.empty()) {
        store::Notification note;
        note.kind = "withdrawn";
        note.transfer_id = id;
        note.to = p->procedure.notify_to;
        auto mail = notify::renderMail("withdrawn", {{"overdracht", id},
                                                     {"leerling", t->subject},
                                                     {"doel", t->purpose},
                                                     {"door", r.caller.name + " (" + r.caller.role + ")"},
                                                     {"tijdstip", amsterdam::formatLocal(r.clock.now())}});
        note.subject = std::move(mail.subject);
        note.body = std::move(mail.body);
        auto queued = r.store.addNotification(note, r.clock.now());
        if (!queued)
            log::error("api.notification_failed",
                       {{"transfer_id", id}, {"message", queued.message()}});
    }
    sendTransfer(r, id);
}

void scheduleTransfer(Request& r) {
    const std::string& id = r.id();
    const json& body = r.body;
    auto allowed =
        r.requireRole({"beheerder", "directeur", "bevoegd-gezag"}, "een leverdatum kiezen");
    if (!allowed) return r.sendError(allowed.error());
    auto t = r.visibleTransfer(id);
    if (!t) return r.sendError(t.error());
    using S = transfer::State;
    if (t->state != S::kMapped && t->state != S::kAwaitingConsent &&
        t->state != S::kAwaitingApproval && t->state != S::kScheduled && t->state != S::kReceived)
        return r.sendError(Error{ErrorCode::kConflict,
                                 std::string("leverdatum kan niet meer worden gewijzigd (status ") +
                                     transfer::stateName(t->state) + ")"});
    policy::Gates gates(r.config, r.store, r.clock);
    if (t->withdraw_deadline) {
        auto ok = gates.checkWithdrawable(*t);
        if (!ok) return r.sendError(ok.error());
    }
    auto date = amsterdam::parseDate(field(body, "deliver_on"));
    if (!date)
        return r.sendError(
            Error{ErrorCode::kInvalidArgument, "deliver_on: " + date.error().message});
    const auto* p = r.policyFor(*t);
    int before = p ? p->withdraw_days_before : 1;
    Timestamp deliver_at = amsterdam::startOfDay(*date);
    Timestamp deadline = amsterdam::startOfDay(amsterdam::addDays(*date, -before));
    if (deadline <= r.clock.now())
        return r.sendError(Error{ErrorCode::kInvalidArgument,
                                 "kies een leverdatum na " +
                                     amsterdam::formatDate(amsterdam::addDays(
                                         amsterdam::localDate(r.clock.now()), before)) +
                                     ": tot " + std::to_string(before) +
                                     " dag(en) ervoor moet intrekken mogelijk zijn"});
    store::TransitionUpdate u;
    u.deliver_at = std::optional<Timestamp>(deliver_at);
    u.withdraw_deadline = std::optional<Timestamp>(deadline);
    u.changed_by = r.caller.name;
    // A guided delivery that was ready goes back through the gates: its save was for the old date.
    bool regate = p && p->procedure.enabled && t->state == S::kScheduled;
    auto st = r.store.transition(
        id, t->state, regate ? S::kMapped : t->state, u,
        {r.actor(), "scheduled", id, t->purpose, {{"deliver_on", amsterdam::formatDate(*date)}}},
        regate ? "leverdatum gewijzigd; opnieuw opslaan nodig" : "", r.clock.now());
    if (!st) return r.sendError(st.error());
    sendTransfer(r, id);
}

}  // namespace sluis::api::detail

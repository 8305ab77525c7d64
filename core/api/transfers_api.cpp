// Transfers: list, detail (with the payload for payload roles), preview, report, requeue,
// withdraw and the delivery date. Approving them is in approvals_api.cpp.
#include <algorithm>

#include "core/api/procedure_decisions.h"
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
/// audited once as "report_viewed" (api::viewReport).
void transferReport(Request& r) {
    auto rep = api::viewReport(r.decision(), r.id(), r.param("format"));
    if (!rep) return r.sendError(rep.error());
    r.resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    r.resp.setContentType(rep->content_type);
    r.resp.set("X-Sluis-Payload-Sha256", rep->payload_hash);
    r.resp.setContentLength(static_cast<std::streamsize>(rep->body.size()));
    r.resp.send() << rep->body;
}

void requeueTransfer(Request& r) {
    // The shared decision (beheer_decisions.h), also behind the web's Beheer page.
    auto t = requeue(r.decision(), r.id());
    if (!t) return r.sendError(t.error());
    sendTransfer(r, t->id);
}

void withdrawTransfer(Request& r) {
    auto st = api::withdrawTransfer(r.decision(), r.id(), field(r.body, "reason"));
    if (!st) return r.sendError(st.error());
    sendTransfer(r, r.id());
}

void scheduleTransfer(Request& r) {
    auto st = api::scheduleDelivery(r.decision(), r.id(), field(r.body, "deliver_on"));
    if (!st) return r.sendError(st.error());
    sendTransfer(r, r.id());
}

}  // namespace sluis::api::detail

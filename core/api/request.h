#pragma once
/// Internal to core/api: what every endpoint of the admin API shares. The routing table in
/// admin_server.cpp reads the body and authenticates the caller, then calls one of the handlers
/// declared at the end of this file with a Request; each handler checks the caller's role, does
/// its work and sends exactly one response. Not part of the public interface (admin_server.h).
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <memory>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/api/consent_decisions.h"
#include "core/api/decisions.h"
#include "core/config/config.h"
#include "core/engine/metrics.h"
#include "core/error.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"

namespace sluis::api::detail {

/// Who is calling: the name and role of a valid token (empty for /health and /metrics).
using Caller = api::Actor;

/// The body limit of every route that reads one, except POST /api/v1/consents.
inline constexpr std::streamsize kMaxBody = 1 << 20;
/// A consent may carry an evidence file of up to kMaxEvidenceBytes (consent_decisions.h),
/// base64-encoded.
using api::kMaxEvidenceBytes;
inline constexpr std::streamsize kMaxConsentBody = 8 << 20;

/// One API request as a handler sees it: the daemon's services, the caller, the path's `{id}`
/// segments, the query and the JSON body (an empty object when the route reads none). Lives for
/// one request on one server thread; the store and the metrics are thread-safe.
struct Request {
    const std::shared_ptr<const config::Config>& config;
    store::TransferStore& store;
    engine::Metrics& metrics;
    const Clock& clock;
    Poco::Net::HTTPServerResponse& resp;
    const Caller& caller;
    std::vector<std::string> ids;  ///< the path segments matched by `{id}`, in order
    Poco::URI::QueryParameters query;
    nlohmann::json body = nlohmann::json::object();

    /// The path's first `{id}` segment.
    const std::string& id() const { return ids.at(0); }
    /// The first value of query parameter `key`; empty when absent.
    std::string param(const std::string& key) const;

    /// The caller as audit records name it: "name (role)".
    std::string actor() const { return caller.name + " (" + caller.role + ")"; }
    bool hasRole(const std::vector<std::string>& roles) const;
    /// kPermissionDenied ("rol 'X' mag niet <what>") unless the caller has one of `roles`.
    Status requireRole(const std::vector<std::string>& roles, const std::string& what) const;
    /// Whether the caller's role sees `purpose` (policies.json `visible_to`; beheerder and fg
    /// see every purpose).
    bool seesPurpose(const std::string& purpose) const { return api::seesPurpose(decision(), purpose); }
    /// The purposes the caller sees, for a store::ListFilter; nullopt: every purpose.
    std::optional<std::set<std::string>> visiblePurposes() const;
    /// Transfer `id` when it exists and the caller sees its purpose; otherwise kNotFound with
    /// exactly the answer an unknown id gets, so an invisible transfer cannot be told apart.
    Result<store::Transfer> visibleTransfer(const std::string& id) const;
    /// The context of a shared decision (decisions.h) made by this caller.
    DecisionContext decision() const { return {config, store, clock, caller}; }
    /// The policy of the transfer's purpose; nullptr when none is configured.
    const config::PurposePolicy* policyFor(const store::Transfer& t) const {
        return config->policy(t.purpose);
    }

    /// Sends `body` as JSON with `status`.
    void sendJson(int status, const nlohmann::json& body);
    /// Sends `{"error": {"code", "message"}}` with the HTTP status of the error code (httpStatus).
    void sendError(const Error& e);
};

/// Sends `body` as JSON with `status`.
void sendJson(Poco::Net::HTTPServerResponse& resp, int status, const nlohmann::json& body);
/// The one place where an error becomes an HTTP answer (status from httpStatus(code)).
void sendError(Poco::Net::HTTPServerResponse& resp, const Error& e);

/// The string value of `body[key]`; empty when absent or not a string.
std::string field(const nlohmann::json& body, const char* key);
std::string join(const std::vector<std::string>& parts, const char* separator);
inline std::string joinErrors(const std::vector<std::string>& errors) { return join(errors, "; "); }

// --- Shared between areas ---

/// A transfer's metadata as the API shows it (never the payload). transfers_api.cpp
nlohmann::json transferJson(const store::Transfer& t);
/// Answers 200 with transfer `id` as it is stored now (after a change); a failing read is
/// answered with its error. transfers_api.cpp
void sendTransfer(Request& r, const std::string& id);


// --- Handlers, one per route (the table in admin_server.cpp says which) ---

// health_api.cpp: unauthenticated
void health(Request& r);
void metrics(Request& r);

// transfers_api.cpp
void listTransfers(Request& r);
void getTransfer(Request& r);
void previewTransfer(Request& r);
void transferReport(Request& r);
void requeueTransfer(Request& r);
void withdrawTransfer(Request& r);
void scheduleTransfer(Request& r);

// approvals_api.cpp
void approvalQueue(Request& r);
void approveTransfer(Request& r);
void rejectTransfer(Request& r);
void bulkApprove(Request& r);

// batches_api.cpp
void listBatches(Request& r);
void prepareBatch(Request& r);
void showBatch(Request& r);
void approveBatch(Request& r);
void rejectBatch(Request& r);

// procedures_api.cpp: guided deliveries (e.g. Vensters)
void listProcedures(Request& r);
void showProcedure(Request& r);
void chooseProcedure(Request& r);
void answerProcedure(Request& r);
void saveProcedure(Request& r);

// consents_api.cpp: the consent register with evidence files, and inzage
void addConsent(Request& r);
void consentEvidence(Request& r);
void withdrawConsent(Request& r);
void listConsents(Request& r);
void addInzage(Request& r);

// disclosures_api.cpp
void disclosures(Request& r);

// audit_api.cpp
void auditLog(Request& r);
void auditVerify(Request& r);

}  // namespace sluis::api::detail

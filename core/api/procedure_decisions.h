#pragma once
/// The decisions of a guided delivery (e.g. Vensters, docs/vensters.md), shared by the JSON API
/// (procedures_api.cpp, transfers_api.cpp) and the web interface (core/web/vensters_pages.cpp):
/// reading the procedure's state, the report, the choices (level), the answers, the delivery
/// date, the save, and withdrawing a delivery. Both front ends call exactly these functions, so
/// the role checks, the gates and the audit records are the same. The akkoord itself is
/// api::approveOne (decisions.h).
#include <nlohmann/json.hpp>
#include <string>

#include "core/api/decisions.h"

namespace sluis::api {

/// The roles that may look at guided deliveries (their list, state and steps).
extern const std::vector<std::string> kProcedureViewRoles;
/// The roles that may make choices and answer the questions (and pick the delivery date).
extern const std::vector<std::string> kProcedureChangeRoles;
/// The roles that may save a guided delivery.
extern const std::vector<std::string> kProcedureSaveRoles;
/// The roles that may withdraw a transfer.
extern const std::vector<std::string> kWithdrawRoles;
/// The roles that may choose a delivery date.
extern const std::vector<std::string> kScheduleRoles;

/// A transfer of a guided delivery with its policy.
struct ProcedureTransfer {
    store::Transfer transfer;
    const config::PurposePolicy* policy = nullptr;
};

/// Transfer `id` when the actor sees it and its purpose has a procedure; else kNotFound.
Result<ProcedureTransfer> procedureTransfer(const DecisionContext& c, const std::string& id);

/// The state of a guided delivery as the API shows it (GET /procedures[/{id}]): akkoord, choices,
/// date, deadline, answered, saved, next step; with `detail` also the steps, questions, choice
/// options and notifications. No role check (callers check kProcedureViewRoles).
Result<nlohmann::json> procedureState(const DecisionContext& c, const store::Transfer& t,
                                      const config::PurposePolicy& p, bool detail);

/// Every guided delivery the actor sees (of `purpose` when not empty), as procedureState without
/// detail. Refused for roles outside kProcedureViewRoles.
Result<nlohmann::json> listProcedures(const DecisionContext& c, const std::string& purpose);

/// One guided delivery with detail. Refused for roles outside kProcedureViewRoles.
Result<nlohmann::json> showProcedure(const DecisionContext& c, const std::string& id);

/// Whether steps 3-5 (level, date, answers) may still change: before delivery and before the
/// withdrawal deadline.
Status procedureChangeable(const DecisionContext& c, const store::Transfer& t);

/// Sets choices (`choices`: {"niveau": "onderwijssoort"}); a changed choice renders the report
/// again, which voids an akkoord and a save bound to the old one.
Status chooseProcedure(const DecisionContext& c, const std::string& id,
                       const nlohmann::json& choices);

/// Records the answers (`answers`: {"afnamegroep": "..."}, every question); voids a save.
Status answerProcedure(const DecisionContext& c, const std::string& id,
                       const nlohmann::json& answers);

/// Saves the delivery (steps complete, akkoord on the current report), queues the mail to the
/// policy's notify_to and lets the gates move it on.
Status saveProcedure(const DecisionContext& c, const std::string& id);

/// Chooses the delivery date `deliver_on` (YYYY-MM-DD, Europe/Amsterdam); the withdrawal
/// deadline becomes local midnight withdraw_days_before days earlier and must lie in the future.
Status scheduleDelivery(const DecisionContext& c, const std::string& id,
                        const std::string& deliver_on);

/// Withdraws transfer `id` (until its deadline), with an optional reason; mails notify_to of a
/// guided delivery.
Status withdrawTransfer(const DecisionContext& c, const std::string& id,
                        const std::string& reason);

/// Whether the actor may withdraw `t` now: a role of kWithdrawRoles, not delivered or ended, and
/// before its withdrawal deadline (the same checks withdrawTransfer makes).
Status mayWithdraw(const DecisionContext& c, const store::Transfer& t);

/// The stored human-readable report of a transfer.
struct Report {
    std::string content_type;
    std::string body;
    std::string payload_hash;  ///< SHA-256 of the payload the report shows
};

/// The report in `format` ("html", "pdf"; empty: the first configured), for payload roles, the
/// purpose's approvers, beheerder and fg. Counts as the actor's preview of this payload hash
/// (audited "report_viewed").
Result<Report> viewReport(const DecisionContext& c, const std::string& id,
                          const std::string& format);

}  // namespace sluis::api

#include "core/policy/gates.h"

#include <set>

#include "core/util/amsterdam_time.h"

namespace sluis::policy {

using nlohmann::json;
using store::State;

Result<std::optional<store::Consent>> Gates::validConsent(const std::string& pupil,
                                                          const std::string& purpose,
                                                          const std::string& birth_date) {
    auto list = store_.consents(pupil, purpose);
    if (!list) return list.error();
    std::string today = amsterdam::formatDate(amsterdam::localDate(clock_.now()));
    auto birth = amsterdam::parseDate(birth_date);
    // Newest first: the most recent decision that is in force counts.
    for (const auto& c : *list) {
        if (c.withdrawn_at) continue;
        if (!c.valid_from.empty() && today < c.valid_from) continue;
        if (!c.valid_until.empty() && today > c.valid_until) continue;
        auto decided = amsterdam::parseDate(c.decided_on);
        if (birth && decided) {
            bool adult = amsterdam::ageOn(*birth, *decided) >= 16;
            if (adult != (c.given_by == "leerling")) continue;  // not the right person to decide
        }
        if (c.decision != "gegeven") return std::optional<store::Consent>();
        return std::optional<store::Consent>(c);
    }
    return std::optional<store::Consent>();
}

Result<std::optional<Gates::Basis>> Gates::reliedOn(const store::Transfer& t,
                                                    const config::PurposePolicy& p) {
    if (p.basis == config::PurposePolicy::Basis::kInzage) {
        auto inzage = store_.latestInzage(t.subject, t.purpose);
        if (!inzage) return inzage.error();
        if (!inzage->has_value()) return std::optional<Basis>();
        return std::optional<Basis>(Basis{(*inzage)->id, (*inzage)->recorded_by});
    }
    if (p.basis == config::PurposePolicy::Basis::kConsent) {
        auto canonical = store_.canonical(t.id);
        if (!canonical) return canonical.error();
        json rec = json::parse(*canonical, nullptr, false);
        std::string birth = rec.is_object() && rec.contains("leerling") && rec["leerling"].is_object()
                                ? rec["leerling"].value("geboortedatum", "")
                                : "";
        auto consent = validConsent(t.subject, t.purpose, birth);
        if (!consent) return consent.error();
        if (!consent->has_value()) return std::optional<Basis>();
        return std::optional<Basis>(Basis{(*consent)->id, (*consent)->recorded_by});
    }
    return std::optional<Basis>();
}

Result<ApprovalCount> Gates::countApprovals(const store::Transfer& t, const config::PurposePolicy& p) {
    std::optional<Basis> basis;
    if (p.approvals.four_eyes) {
        auto relied = reliedOn(t, p);
        if (!relied) return relied.error();
        basis = std::move(*relied);
    }
    return countApprovals(store_, t, &p, basis);
}

Result<ApprovalCount> Gates::countApprovals(store::TransferStore& store, const store::Transfer& t,
                                            const config::PurposePolicy* p, const std::optional<Basis>& basis) {
    auto list = store.approvals(t.id);
    if (!list) return list.error();
    ApprovalCount out;
    std::set<std::string> approvers;
    for (const auto& a : *list) {
        if (a.payload_hash != t.payload_hash) continue;  // bound to other data: lapsed
        if (a.decision == "rejected") {
            out.rejected = true;
            out.rejected_reason = a.reason;
            continue;
        }
        if (p && std::find(p->approvals.roles.begin(), p->approvals.roles.end(), a.role) == p->approvals.roles.end())
            continue;
        if (p && p->approvals.four_eyes) {
            // Who made or changed the transfer, or recorded the consent or inzage it relies on,
            // is a changer: their approval is not the second pair of eyes.
            if (a.approver == t.created_by || a.approver == t.changed_by) continue;
            if (basis && !basis->recorded_by.empty() && a.approver == basis->recorded_by) continue;
        }
        if (approvers.insert(a.approver).second) out.counted.push_back(a);
    }
    out.valid = static_cast<int>(approvers.size());
    return out;
}

Result<GateDecision> Gates::evaluate(const store::Transfer& t) {
    const auto* p = config_->policy(t.purpose);
    if (!p) return Error{ErrorCode::kInvalidConfig, "geen beleid voor doel '" + t.purpose + "'"};
    GateDecision d;
    std::optional<Basis> basis;
    if (p->basis != config::PurposePolicy::Basis::kNone) {
        auto relied = reliedOn(t, *p);
        if (!relied) return relied.error();
        if (!relied->has_value()) {
            d.next = State::kAwaitingConsent;
            d.reason = p->basis == config::PurposePolicy::Basis::kInzage
                           ? "wacht op inzage door ouders/verzorgers"
                           : "wacht op toestemming";
            return d;
        }
        basis = std::move(*relied);
        d.consent_id = basis->id;
    }
    if (p->approvals.required > 0) {
        auto count = countApprovals(store_, t, p, basis);
        if (!count) return count.error();
        if (count->rejected) {
            d.next = State::kRejected;
            d.reason = "afgewezen";
            return d;
        }
        if (count->valid < p->approvals.required) {
            d.next = State::kAwaitingApproval;
            d.reason = "wacht op goedkeuring (" + std::to_string(count->valid) + " van " +
                       std::to_string(p->approvals.required) + ")";
            return d;
        }
    }
    if (p->procedure.enabled) {
        // A guided delivery leaves only after it was saved (step 6) for exactly this payload and
        // delivery date; a change to either voids the save like it voids the akkoord.
        auto proc = store_.procedure(t.id);
        if (!proc) return proc.error();
        std::string missing = procedureMissing(*p, t, *proc);
        if (!missing.empty()) {
            d.next = State::kAwaitingApproval;
            d.reason = "begeleide levering: " + missing;
            return d;
        }
    }
    d.next = State::kScheduled;
    d.reason = "alle poorten open";
    return d;
}

std::string Gates::procedureMissing(const config::PurposePolicy& p, const store::Transfer& t,
                                   const store::ProcedureRecord& proc, bool include_save) {
    for (const auto& c : p.procedure.choices)
        if (c.default_value.empty() && !t.choices.contains(c.id)) return "kies " + c.label;
    if (p.procedure.requires_date && !t.deliver_at) return "kies een leverdatum";
    for (const auto& q : p.procedure.questions)
        if (!proc.answers.contains(q.id)) return "beantwoord de vragen";
    if (!include_save) return "";
    if (!proc.saved_at) return "nog niet opgeslagen";
    if (!procedureSaved(p, t, proc))
        return proc.saved_hash != t.payload_hash ? "gegevens gewijzigd na opslaan; opnieuw opslaan"
                                                 : "leverdatum gewijzigd na opslaan; opnieuw opslaan";
    return "";
}

bool Gates::procedureSaved(const config::PurposePolicy& p, const store::Transfer& t,
                           const store::ProcedureRecord& proc) {
    return proc.saved_at && proc.saved_hash == t.payload_hash &&
           (!p.procedure.requires_date || proc.saved_deliver_at == t.deliver_at);
}

Result<bool> Gates::advance(const std::string& transfer_id, const std::string& actor) {
    auto t = store_.get(transfer_id);
    if (!t) return t.error();
    if (t->state != State::kMapped && t->state != State::kAwaitingConsent &&
        t->state != State::kAwaitingApproval)
        return false;
    auto d = evaluate(*t);
    if (!d) return d.error();
    if (d->next == t->state) return false;
    if (!transfer::canTransition(t->state, d->next)) return false;
    store::TransitionUpdate u;
    if (!d->consent_id.empty()) u.consent_id = d->consent_id;
    auto st = store_.transition(t->id, t->state, d->next, u,
                                {actor, "gated", t->id, t->purpose, {{"consent_id", d->consent_id}}},
                                d->reason, clock_.now());
    if (!st) return st.error();
    return true;
}

Result<std::vector<store::Transfer>> Gates::consentWithdrawalPlan(const store::Consent& k) {
    store::ListFilter f;
    f.subject = k.pupil;
    f.purpose = k.purpose;
    f.states = {State::kReceived, State::kMapped, State::kAwaitingConsent, State::kAwaitingApproval,
                State::kScheduled, State::kFailed, State::kDeadLettered};
    f.limit = 10000;
    auto list = store_.list(f);
    if (!list) return list.error();
    for (const auto& t : *list) {
        auto ok = checkWithdrawable(t);
        if (!ok) return Error{ErrorCode::kConflict, "overdracht " + t.id + ": " + ok.message()};
    }
    return std::move(*list);
}

Result<std::vector<std::string>> Gates::withdrawConsent(const std::string& consent_id,
                                                        const std::string& actor) {
    auto k = store_.getConsent(consent_id);
    if (!k) return k.error();
    auto plan = consentWithdrawalPlan(*k);
    if (!plan) return plan.error();
    std::vector<store::PlannedTransition> stop;
    std::vector<std::string> ids;
    for (const auto& t : *plan) {
        stop.push_back({t.id, t.state, State::kWithdrawn});
        ids.push_back(t.id);
    }
    SLUIS_RETURN_IF_ERROR(store_.withdrawConsent(consent_id, actor, stop, clock_.now()));
    return ids;
}

Status Gates::checkWithdrawable(const store::Transfer& t) const {
    if (transfer::isTerminal(t.state) || t.state == State::kDelivering)
        return {ErrorCode::kConflict, std::string("overdracht is al ") + transfer::stateName(t.state) +
                                          " en kan niet meer worden ingetrokken"};
    if (t.withdraw_deadline && clock_.now() >= *t.withdraw_deadline)
        return {ErrorCode::kConflict,
                "intrekken kon tot " + amsterdam::formatLocal(*t.withdraw_deadline) +
                    "; de levering op " +
                    (t.deliver_at ? amsterdam::formatLocal(*t.deliver_at) : std::string("de gekozen datum")) +
                    " ligt vast. Neem contact op met de ontvanger."};
    return {};
}

}  // namespace sluis::policy

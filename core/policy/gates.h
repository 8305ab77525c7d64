#pragma once
/// The gates every transfer passes before it may leave: consent or inzage (per purpose policy),
/// approvals bound to the exact payload hash (roles, number of distinct approvers, four eyes),
/// and the withdrawal deadline. Used by the engine and by the admin API; no connector can reach
/// a sink without going through `evaluate` (the engine only delivers `scheduled` transfers, and
/// only `evaluate` puts them there).
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/config/config.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"

namespace sluis::policy {

struct GateDecision {
    store::State next = store::State::kScheduled;
    std::string reason;      ///< Dutch, for history and the API.
    std::string consent_id;  ///< The consent/inzage record relied on.
};

struct ApprovalCount {
    int valid = 0;       ///< Distinct eligible approvers of the current payload hash.
    bool rejected = false;
    std::string rejected_reason;
    /// The approvals that count (one per approver, in the order given): what the API and the
    /// disclosure register show as "approved by".
    std::vector<store::Approval> counted;
};

class Gates {
public:
    Gates(std::shared_ptr<const config::Config> config, store::TransferStore& store, const Clock& clock)
        : config_(std::move(config)), store_(store), clock_(clock) {}

    /// Where `t` (in mapped / awaiting_consent / awaiting_approval) should go now.
    Result<GateDecision> evaluate(const store::Transfer& t);

    /// Re-evaluates `t` and performs the transition if its gate state changed. Returns whether it moved.
    Result<bool> advance(const std::string& transfer_id, const std::string& actor);

    /// The valid consent for `pupil`/`purpose` on `today`, if any. Applies the 16+ rule: a pupil
    /// of 16 or older on the decision date decides personally; a younger pupil through a parent.
    Result<std::optional<store::Consent>> validConsent(const std::string& pupil, const std::string& purpose,
                                                       const std::string& birth_date);

    /// The one definition of which approvals count for `t` as it is now: given for its current
    /// payload hash, by one of the purpose's roles, and (with four eyes) not by who created or
    /// last changed it, nor by who recorded the consent or inzage it relies on (`reliedOn`); each
    /// approver counts once. A rejection of the current payload is reported.
    Result<ApprovalCount> countApprovals(const store::Transfer& t, const config::PurposePolicy& p);

    /// The consent or inzage record `t` relies on now, as `evaluate` finds it (none when the
    /// purpose rests on neither, or nothing valid is registered).
    struct Basis {
        std::string id;
        std::string recorded_by;  ///< The token name of whoever registered it.
    };
    Result<std::optional<Basis>> reliedOn(const store::Transfer& t, const config::PurposePolicy& p);

    /// The same count without a Gates, for `basis` given by the caller (the member above finds it
    /// with `reliedOn`). `p` null (a purpose no longer configured): its role and four-eyes rules
    /// are unknown, so every approver of the current payload counts.
    static Result<ApprovalCount> countApprovals(store::TransferStore& store, const store::Transfer& t,
                                                const config::PurposePolicy* p,
                                                const std::optional<Basis>& basis = std::nullopt);

    /// What withdrawing a consent stops: every undelivered transfer that relied on it (same
    /// pupil and purpose). Refused (kConflict) when one of them is past its deadline. The one
    /// computation behind both the confirmation a person sees first and `withdrawConsent`.
    Result<std::vector<store::Transfer>> consentWithdrawalPlan(const store::Consent& consent);

    /// Withdraws a consent and, in the same transaction, the transfers of its
    /// `consentWithdrawalPlan`. Refused as a whole when one of them is past its deadline.
    /// Returns the ids of the stopped transfers.
    Result<std::vector<std::string>> withdrawConsent(const std::string& consent_id, const std::string& actor);

    /// Whether a guided delivery's save holds for `t` as it is now: made for this payload hash
    /// and (when the procedure needs a date) this delivery date.
    static bool procedureSaved(const config::PurposePolicy& p, const store::Transfer& t,
                               const store::ProcedureRecord& proc);

    /// For a guided delivery: the first step still missing before it may leave (Dutch), or "".
    /// Does not check the akkoord (the approvals gate does). With `include_save` false, only the
    /// steps before saving (choices, date, answers) are checked.
    static std::string procedureMissing(const config::PurposePolicy& p, const store::Transfer& t,
                                        const store::ProcedureRecord& proc, bool include_save = true);

    /// Refuses (kConflict, Dutch message with the deadline) when `t` may no longer be withdrawn.
    Status checkWithdrawable(const store::Transfer& t) const;

private:
    std::shared_ptr<const config::Config> config_;
    store::TransferStore& store_;
    const Clock& clock_;
};

}  // namespace sluis::policy

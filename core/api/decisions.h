#pragma once
/// The decisions people make, shared by the JSON API (core/api/*_api.cpp) and the web interface
/// (core/web/): approving or rejecting a transfer, looking at what leaves the building, and
/// registering an inzage. Both front ends call exactly these functions, so the gates, the role
/// checks and the audit records are the same whichever way a person works.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/error.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"

namespace sluis::api {

/// Who decides: an API token's or a web account's name and role.
struct Actor {
    std::string name;
    std::string role;
    /// "name (role)", as audit records name people.
    std::string label() const { return name + " (" + role + ")"; }
    bool hasRole(const std::vector<std::string>& roles) const;
    /// kPermissionDenied ("rol 'X' mag niet <what>") unless the actor has one of `roles`.
    Status requireRole(const std::vector<std::string>& roles, const std::string& what) const;
};

/// The daemon's services a decision needs, and who makes it.
struct DecisionContext {
    const std::shared_ptr<const config::Config>& config;
    store::TransferStore& store;
    const Clock& clock;
    const Actor& actor;
};

/// Whether the actor's role sees `purpose` (policies.json `visible_to`; beheerder and fg see
/// every purpose).
bool seesPurpose(const DecisionContext& c, const std::string& purpose);
/// The purposes the actor sees, for a store::ListFilter; nullopt: every purpose.
std::optional<std::set<std::string>> visiblePurposes(const DecisionContext& c);
/// Transfer `id` when it exists and the actor sees its purpose; otherwise kNotFound with exactly
/// the answer an unknown id gets, so an invisible transfer cannot be told apart.
Result<store::Transfer> visibleTransfer(const DecisionContext& c, const std::string& id);

/// Approves (or rejects, with a reason) transfer `id`, bound to payload `hash` the actor saw in
/// the preview; then lets the gates move it on. Refused: wrong role (kPermissionDenied), not
/// awaiting approval, a stale hash, no preview of this hash by this actor (kConflict), four eyes
/// (who made or changed the transfer, or recorded the consent or inzage it relies on). A transfer
/// the actor does not see is not found.
Status approveOne(const DecisionContext& c, const std::string& id, const std::string& hash,
                  bool approve, const std::string& reason);

/// May `actor` approve transfers of `purpose` (it needs approvals and the actor has a role)?
bool mayApprove(const DecisionContext& c, const std::string& purpose);

/// "What leaves the building" for one transfer.
struct Preview {
    store::Transfer transfer;
    std::string purpose_description;
    std::string legal_basis;
    nlohmann::json included = nlohmann::json::array();    ///< field paths that leave
    nlohmann::json withheld = nlohmann::json::array();    ///< {path, reason} kept back
    nlohmann::json categories = nlohmann::json::array();
    /// The exact payload, for payload roles and the purpose's approvers; otherwise empty.
    std::optional<std::string> payload;
};

/// Builds the preview and records it as the actor's preview of this payload hash (audited
/// "previewed" in the same transaction), which approving requires.
Result<Preview> preview(const DecisionContext& c, const std::string& id);

/// What a person registers about the parents' inzage (OSO).
struct InzageInput {
    std::string pupil;
    std::string purpose;
    std::string inzagedatum;       ///< YYYY-MM-DD
    std::string akkoord;           ///< Ja, Nee or Onbekend
    std::string redennietakkoord;  ///< the parents' view (sealed in the store)
};

struct InzageResult {
    std::string id;
    int transfers_requeued = 0;
};

/// Registers an inzage (config::kConsentRecorderRoles, for a purpose the actor sees) and sends
/// the pupil's dossiers waiting for it back to be rendered again, now with the inzage.
Result<InzageResult> registerInzage(const DecisionContext& c, const InzageInput& in);

}  // namespace sluis::api

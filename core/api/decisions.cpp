// The shared decisions (decisions.h): the JSON API and the web interface both call these.
#include "core/api/decisions.h"

#include <algorithm>

#include "core/crypto/payload_cipher.h"
#include "core/model/bsn.h"
#include "core/policy/gates.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::api {

using nlohmann::json;

bool Actor::hasRole(const std::vector<std::string>& roles) const {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Status Actor::requireRole(const std::vector<std::string>& roles, const std::string& what) const {
    if (hasRole(roles)) return {};
    return {ErrorCode::kPermissionDenied, "rol '" + role + "' mag niet " + what};
}

bool seesPurpose(const DecisionContext& c, const std::string& purpose) {
    return c.config->visibleTo(purpose, c.actor.role);
}

std::optional<std::set<std::string>> visiblePurposes(const DecisionContext& c) {
    if (std::find(config::kSeeAllRoles.begin(), config::kSeeAllRoles.end(), c.actor.role) !=
        config::kSeeAllRoles.end())
        return std::nullopt;
    std::set<std::string> out;
    for (const auto& [name, p] : c.config->policies)
        if (p.visibleTo(c.actor.role)) out.insert(name);
    return out;
}

Result<store::Transfer> visibleTransfer(const DecisionContext& c, const std::string& id) {
    auto t = c.store.get(id);
    if (!t) return t.error();
    if (!seesPurpose(c, t->purpose)) return Error{ErrorCode::kNotFound, "overdracht " + id + " bestaat niet"};
    return t;
}

bool mayApprove(const DecisionContext& c, const std::string& purpose) {
    const auto* p = c.config->policy(purpose);
    return p && p->approvals.required > 0 && c.actor.hasRole(p->approvals.roles);
}

Status approveOne(const DecisionContext& c, const std::string& id, const std::string& hash,
                  bool approve, const std::string& reason) {
    auto t = visibleTransfer(c, id);
    if (!t) return t.error();
    const auto* p = c.config->policy(t->purpose);
    if (!p || p->approvals.required == 0)
        return {ErrorCode::kConflict, "voor doel '" + t->purpose + "' is geen goedkeuring nodig"};
    SLUIS_RETURN_IF_ERROR(
        c.actor.requireRole(p->approvals.roles, "goedkeuren voor doel '" + t->purpose + "'"));
    if (t->state != transfer::State::kAwaitingApproval)
        return {ErrorCode::kConflict, std::string("overdracht wacht niet op goedkeuring (status ") +
                                          transfer::stateName(t->state) + ")"};
    if (hash.empty())
        return {ErrorCode::kInvalidArgument,
                "payload_hash ontbreekt: keur goed wat u in de preview zag"};
    if (hash != t->payload_hash)
        return {ErrorCode::kConflict,
                "de gegevens zijn gewijzigd sinds deze preview; bekijk de nieuwe preview"};
    if (p->approvals.four_eyes &&
        (c.actor.name == t->created_by || c.actor.name == t->changed_by))
        return {ErrorCode::kPermissionDenied,
                "vier-ogenprincipe: wie de overdracht maakte of wijzigde, keurt haar niet goed"};
    policy::Gates gates(c.config, c.store, c.clock);
    if (p->approvals.four_eyes) {
        // Whoever recorded the consent or inzage this transfer relies on is a changer too.
        auto basis = gates.reliedOn(*t, *p);
        if (!basis) return basis.error();
        if (*basis && (*basis)->recorded_by == c.actor.name)
            return {ErrorCode::kPermissionDenied,
                    "vier-ogenprincipe: wie de toestemming of inzage registreerde waarop de "
                    "overdracht steunt, keurt haar niet goed"};
    }
    auto seen = c.store.hasPreviewed(id, c.actor.name, hash);
    if (!seen) return seen.error();
    if (!*seen) return {ErrorCode::kConflict, "bekijk eerst de preview van deze overdracht"};
    if (!approve && util::trim(reason).empty())
        return {ErrorCode::kInvalidArgument, "geef een reden voor de afwijzing"};
    SLUIS_RETURN_IF_ERROR(
        c.store.addApproval({0, id, c.actor.name, c.actor.role, hash,
                             approve ? "approved" : "rejected", reason, c.clock.now()},
                            t->purpose, c.clock.now()));
    auto moved = gates.advance(id, c.actor.label());
    if (!moved) return moved.error();
    return {};
}

Result<Preview> preview(const DecisionContext& c, const std::string& id) {
    auto t = visibleTransfer(c, id);
    if (!t) return t.error();
    const auto* p = c.config->policy(t->purpose);
    if (t->payload_hash.empty() && !t->last_error.empty() &&
        (t->state == transfer::State::kRejected || t->state == transfer::State::kDeadLettered))
        return Error{ErrorCode::kConflict,
                     "er is niets om te bekijken: de overdracht is niet omgezet (" +
                         std::string(transfer::stateName(t->state)) + "): " + t->last_error};
    if (t->payload_hash.empty())
        return Error{ErrorCode::kConflict, "overdracht is nog niet omgezet; probeer het zo opnieuw"};
    const bool values =
        c.actor.hasRole(c.config->admin.payload_roles) || (p && c.actor.hasRole(p->approvals.roles));
    auto st = c.store.recordPreview(
        id, c.actor.name, t->payload_hash,
        {c.actor.name, "previewed", id, t->purpose, {{"payload_hash", t->payload_hash}}},
        c.clock.now());
    if (!st) return st.error();
    Preview out;
    out.purpose_description = p ? p->description : "";
    out.legal_basis = p ? p->legal_basis : "";
    out.included = t->disclosure.value("included", json::array());
    out.withheld = t->disclosure.value("withheld", json::array());
    out.categories = t->disclosure.value("categories", json::array());
    if (values) {
        auto payload = c.store.payload(id);
        if (!payload) return payload.error();
        out.payload = std::move(*payload);  // exactly the bytes that will be sent
    }
    out.transfer = std::move(*t);
    return out;
}

Result<InzageResult> registerInzage(const DecisionContext& c, const InzageInput& in) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(config::kConsentRecorderRoles, "inzage registreren"));
    store::Inzage z;
    z.id = "iz_" + util::toHex(crypto::randomBytes(10));
    z.pupil = in.pupil;
    z.purpose = in.purpose;
    z.inzagedatum = in.inzagedatum;
    z.akkoord = in.akkoord;
    z.redennietakkoord = in.redennietakkoord;
    z.recorded_by = c.actor.name;
    std::vector<std::string> errors;
    if (z.pupil.empty()) errors.push_back("pupil: verplicht");
    if (!c.config->policy(z.purpose)) errors.push_back("purpose: onbekend doel");
    if (!model::isValidIsoDate(z.inzagedatum)) errors.push_back("inzagedatum: verwacht JJJJ-MM-DD");
    if (z.akkoord != "Ja" && z.akkoord != "Nee" && z.akkoord != "Onbekend")
        errors.push_back("akkoord: verwacht Ja, Nee of Onbekend");
    if (!errors.empty()) {
        std::string msg;
        for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e;
        return Error{ErrorCode::kInvalidArgument, msg};
    }
    if (!seesPurpose(c, z.purpose))
        return Error{ErrorCode::kPermissionDenied, "rol '" + c.actor.role +
                                                       "' mag geen inzage registreren voor doel '" +
                                                       z.purpose + "'"};
    SLUIS_RETURN_IF_ERROR(c.store.addInzage(z, c.clock.now()));
    // Waiting dossiers are rendered again, now carrying the inzage and the parents' view.
    store::ListFilter f;
    f.subject = z.pupil;
    f.purpose = z.purpose;
    f.state = transfer::State::kAwaitingConsent;
    InzageResult out{z.id, 0};
    if (auto list = c.store.list(f)) {
        for (const auto& t : *list) {
            auto moved = c.store.transition(
                t.id, t.state, transfer::State::kReceived, {},
                {c.actor.label(), "inzage_applied", t.id, t.purpose, {{"inzage_id", z.id}}},
                "inzage geregistreerd; opnieuw omzetten", c.clock.now());
            out.transfers_requeued += moved.isOk();
        }
    } else {
        // The inzage is stored; the waiting dossiers could not be read (the count says 0).
        log::error("api.inzage_requeue_failed",
                   {{"inzage_id", z.id}, {"message", list.error().message}});
    }
    return out;
}

}  // namespace sluis::api

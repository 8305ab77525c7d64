// The consent register's decisions and a pupil's registers (consent_decisions.h): the JSON API
// and the web interface both call these.
#include "core/api/consent_decisions.h"

#include <algorithm>

#include "core/crypto/payload_cipher.h"
#include "core/model/bsn.h"
#include "core/policy/disclosures.h"
#include "core/policy/gates.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::api {

const std::vector<std::string>& consentWithdrawRoles() {
    static const std::vector<std::string> roles = {"beheerder", "mentor", "zorgcoordinator",
                                                   "directeur"};
    return roles;
}

const std::vector<std::string>& evidenceRoles() {
    static const std::vector<std::string> roles = {"beheerder", "directeur", "zorgcoordinator",
                                                   "fg"};
    return roles;
}

const std::vector<std::string>& consentViewRoles() {
    static const std::vector<std::string> roles = {"beheerder", "mentor", "zorgcoordinator",
                                                   "directeur", "fg"};
    return roles;
}

const std::vector<std::string>& disclosureViewRoles() {
    static const std::vector<std::string> roles = {"beheerder", "directeur", "zorgcoordinator",
                                                   "mentor", "fg"};
    return roles;
}

Status checkEvidenceMeta(const std::string& filename, const std::string& content_type) {
    store::EvidenceFile f{filename, content_type, 0, "", ""};
    if (f.filename.empty() || f.filename.size() > 200 ||
        f.filename.find_first_of("/\\") != std::string::npos)
        return {ErrorCode::kInvalidArgument,
                "evidence_file.filename: verplicht, zonder mappen, max. 200 tekens"};
    static const std::vector<std::string> kTypes = {"application/pdf", "image/jpeg", "image/png",
                                                    "message/rfc822", "text/plain"};
    if (std::find(kTypes.begin(), kTypes.end(), f.content_type) == kTypes.end())
        return {ErrorCode::kInvalidArgument,
                "evidence_file.content_type: verwacht application/pdf, image/jpeg, image/png, "
                "message/rfc822 of text/plain"};
    return {};
}

Result<store::EvidenceFile> evidenceFile(const std::string& filename,
                                         const std::string& content_type, std::string bytes) {
    SLUIS_RETURN_IF_ERROR(checkEvidenceMeta(filename, content_type));
    store::EvidenceFile f;
    f.filename = filename;
    f.content_type = content_type;
    if (bytes.empty())
        return Error{ErrorCode::kInvalidArgument, "evidence_file.data_base64: bestand is leeg"};
    if (bytes.size() > kMaxEvidenceBytes)
        return Error{ErrorCode::kTooLarge, "evidence_file: bestand groter dan 5 MiB"};
    auto starts = [&](std::string_view magic) { return std::string_view(bytes).starts_with(magic); };
    bool matches = f.content_type == "application/pdf" ? starts("%PDF-")
                   : f.content_type == "image/jpeg"    ? starts("\xFF\xD8\xFF")
                   : f.content_type == "image/png"     ? starts("\x89PNG\r\n\x1A\n")
                                                       : util::checkUtf8(bytes).isOk();
    if (!matches)
        return Error{ErrorCode::kInvalidArgument, "evidence_file: de inhoud is geen " +
                                                      f.content_type + " (bestand controleren)"};
    f.bytes = std::move(bytes);
    f.size = static_cast<long long>(f.bytes.size());
    f.sha256 = util::sha256Hex(f.bytes);
    return f;
}

Result<ConsentResult> registerConsent(const DecisionContext& c, const ConsentInput& in) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(config::kConsentRecorderRoles, "toestemming registreren"));
    store::Consent k;
    k.id = "ct_" + util::toHex(crypto::randomBytes(10));
    k.pupil = in.pupil;
    k.purpose = in.purpose;
    k.given_by = in.given_by;
    k.relation = in.relation;
    k.decision = in.decision;
    k.decided_on = in.decided_on;
    k.method = in.method;
    k.evidence = in.evidence;
    k.valid_from = in.valid_from.empty() ? k.decided_on : in.valid_from;
    k.valid_until = in.valid_until;
    k.recorded_by = c.actor.name;
    std::vector<std::string> errors;
    if (k.pupil.empty()) errors.push_back("pupil: verplicht");
    if (!c.config->policy(k.purpose)) errors.push_back("purpose: onbekend doel");
    if (k.given_by != "ouder" && k.given_by != "leerling")
        errors.push_back("given_by: verwacht 'ouder' of 'leerling'");
    if (k.given_by == "ouder" && k.relation.empty())
        errors.push_back("relation: verplicht voor een ouder/verzorger");
    if (k.decision != "gegeven" && k.decision != "geweigerd")
        errors.push_back("decision: verwacht 'gegeven' of 'geweigerd'");
    if (!model::isValidIsoDate(k.decided_on)) errors.push_back("decided_on: verwacht JJJJ-MM-DD");
    if (!model::isValidIsoDate(k.valid_from)) errors.push_back("valid_from: verwacht JJJJ-MM-DD");
    if (!k.valid_until.empty() && !model::isValidIsoDate(k.valid_until))
        errors.push_back("valid_until: verwacht JJJJ-MM-DD");
    if (k.method.empty()) errors.push_back("method: verplicht (bijv. formulier, ouderportaal)");
    if (!in.evidence_file_error.empty()) errors.push_back(in.evidence_file_error);
    else if (in.evidence_file) k.evidence_file = in.evidence_file;
    if (!errors.empty()) {
        std::string msg;
        for (const auto& e : errors) msg += (msg.empty() ? "" : "; ") + e;
        return Error{ErrorCode::kInvalidArgument, msg};
    }
    if (!seesPurpose(c, k.purpose))
        return Error{ErrorCode::kPermissionDenied, "rol '" + c.actor.role +
                                                       "' mag geen toestemming registreren voor doel '" +
                                                       k.purpose + "'"};
    SLUIS_RETURN_IF_ERROR(c.store.addConsent(k, c.clock.now()));
    // Transfers waiting for this consent may go on now.
    store::ListFilter f;
    f.subject = k.pupil;
    f.purpose = k.purpose;
    f.state = transfer::State::kAwaitingConsent;
    policy::Gates gates(c.config, c.store, c.clock);
    ConsentResult out{k.id, 0, k.evidence_file};
    if (auto list = c.store.list(f)) {
        for (const auto& t : *list) {
            auto m = gates.advance(t.id, c.actor.label());
            out.transfers_released += m && *m;
        }
    } else {
        // The consent is stored; the waiting transfers could not be read (the count says 0).
        log::error("api.consent_release_failed",
                   {{"consent_id", k.id}, {"message", list.error().message}});
    }
    return out;
}

Result<store::Consent> visibleConsent(const DecisionContext& c, const std::string& id) {
    auto k = c.store.getConsent(id);
    if (!k) return k.error();
    if (!seesPurpose(c, k->purpose))
        return Error{ErrorCode::kNotFound, "toestemming " + id + " bestaat niet"};
    return k;
}

Result<WithdrawalPlan> consentWithdrawalPlan(const DecisionContext& c, const std::string& id) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(consentWithdrawRoles(), "toestemming intrekken"));
    auto k = visibleConsent(c, id);
    if (!k) return k.error();
    WithdrawalPlan plan;
    plan.consent = *k;
    if (k->withdrawn_at) {
        plan.blocked = Error{ErrorCode::kConflict, "toestemming " + id + " is al ingetrokken"};
        return plan;
    }
    policy::Gates gates(c.config, c.store, c.clock);
    auto stops = gates.consentWithdrawalPlan(*k);
    if (stops) plan.stops = std::move(*stops);
    else plan.blocked = stops.error();
    return plan;
}

Result<std::vector<std::string>> withdrawConsent(const DecisionContext& c, const std::string& id) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(consentWithdrawRoles(), "toestemming intrekken"));
    if (auto seen = visibleConsent(c, id); !seen) return seen.error();
    policy::Gates gates(c.config, c.store, c.clock);
    return gates.withdrawConsent(id, c.actor.label());
}

Result<store::EvidenceFile> consentEvidence(const DecisionContext& c, const std::string& id) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(evidenceRoles(), "bewijsstukken inzien"));
    auto consent = visibleConsent(c, id);
    if (!consent) return consent.error();
    auto file = c.store.consentEvidence(id);
    if (!file) return file.error();
    SLUIS_RETURN_IF_ERROR(c.store.audit(
        {c.actor.label(),
         "consent_evidence_viewed",
         "",
         consent->purpose,
         {{"consent_id", id}, {"subject", consent->pupil}, {"sha256", file->sha256}}},
        c.clock.now()));
    return file;
}

Result<std::vector<store::Consent>> pupilConsents(const DecisionContext& c,
                                                  const std::string& pupil) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(consentViewRoles(), "toestemmingen inzien"));
    auto list = c.store.consents(pupil, "");
    if (!list) return list.error();
    std::vector<store::Consent> out;
    for (auto& k : *list)
        if (seesPurpose(c, k.purpose)) out.push_back(std::move(k));
    return out;
}

Result<std::vector<store::Inzage>> pupilInzageHistory(const DecisionContext& c,
                                                      const std::string& pupil) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(consentViewRoles(), "inzage inzien"));
    auto list = c.store.inzages(pupil, "");
    if (!list) return list.error();
    std::vector<store::Inzage> out;
    for (auto& z : *list) {
        if (!seesPurpose(c, z.purpose)) continue;
        if (!z.authentic)
            log::warn("api.inzage_unauthentic", {{"inzage_id", z.id}, {"subject", pupil}});
        out.push_back(std::move(z));
    }
    return out;
}

Result<nlohmann::json> pupilDisclosures(const DecisionContext& c, const std::string& pupil,
                                        const std::string& format) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(disclosureViewRoles(), "verstrekkingen inzien"));
    auto reg = policy::disclosureRegister(*c.config, c.store, pupil, visiblePurposes(c));
    if (!reg) return reg.error();
    SLUIS_RETURN_IF_ERROR(c.store.audit(
        {c.actor.label(), "disclosures_viewed", "", "", {{"subject", pupil}, {"format", format}}},
        c.clock.now()));
    return reg;
}

}  // namespace sluis::api

#pragma once
/// The consent register's decisions and a pupil's registers, shared by the JSON API
/// (consents_api.cpp, disclosures_api.cpp) and the web interface (core/web/consent_pages.cpp):
/// registering a consent with its evidence file, the consequences of withdrawing it (computed
/// once, shown before the person confirms, and carried out by the same plan), the withdrawal,
/// reading the evidence, and what a pupil's registers hold (consents, inzage, disclosures).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api/decisions.h"
#include "core/store/transfer_store.h"

namespace sluis::api {

/// The largest evidence file (the API's JSON carries it base64-encoded; the web as multipart).
inline constexpr size_t kMaxEvidenceBytes = 5 << 20;

/// Who may register or withdraw a consent, read the evidence, read the registers.
const std::vector<std::string>& consentWithdrawRoles();
const std::vector<std::string>& evidenceRoles();
const std::vector<std::string>& consentViewRoles();
const std::vector<std::string>& disclosureViewRoles();

/// The filename and type checks of evidenceFile alone (before the bytes are decoded).
Status checkEvidenceMeta(const std::string& filename, const std::string& content_type);
/// Checks an uploaded evidence file: a filename without folders (max. 200 characters), one of
/// the accepted types (PDF, JPEG, PNG, e-mail, text) whose bytes match it, not empty, at most
/// kMaxEvidenceBytes. Errors start with `evidence_file`.
Result<store::EvidenceFile> evidenceFile(const std::string& filename,
                                         const std::string& content_type, std::string bytes);

/// What a person registers about a consent.
struct ConsentInput {
    std::string pupil, purpose, given_by, relation, decision, decided_on, method, evidence,
        valid_from, valid_until;
    std::optional<store::EvidenceFile> evidence_file;  ///< checked with evidenceFile
    std::string evidence_file_error;  ///< a file that did not pass evidenceFile (reported too)
};

struct ConsentResult {
    std::string id;
    int transfers_released = 0;
    std::optional<store::EvidenceFile> evidence_file;  ///< metadata of the stored file
};

/// Registers a consent (config::kConsentRecorderRoles, for a purpose the actor sees); every
/// field error at once, nothing stored on any error. Then lets the pupil's transfers waiting for
/// this consent through the gates.
Result<ConsentResult> registerConsent(const DecisionContext& c, const ConsentInput& in);

/// Consent `id` when it exists and the actor sees its purpose; else kNotFound, as an unknown id.
Result<store::Consent> visibleConsent(const DecisionContext& c, const std::string& id);

/// What withdrawing consent `id` would do now: the transfers it stops (policy::Gates::
/// consentWithdrawalPlan). `blocked` is set when the withdrawal would be refused (a transfer
/// past its withdrawal deadline, the consent already withdrawn), with the reason.
struct WithdrawalPlan {
    store::Consent consent;
    std::vector<store::Transfer> stops;
    std::optional<Error> blocked;
};
Result<WithdrawalPlan> consentWithdrawalPlan(const DecisionContext& c, const std::string& id);

/// Withdraws consent `id` and, in the same transaction, the transfers of the plan. Returns the
/// ids of the stopped transfers.
Result<std::vector<std::string>> withdrawConsent(const DecisionContext& c, const std::string& id);

/// The evidence file of consent `id` (evidenceRoles), audited `consent_evidence_viewed` before
/// it is returned: no audit record, no file.
Result<store::EvidenceFile> consentEvidence(const DecisionContext& c, const std::string& id);

/// The consents of `pupil` for the purposes the actor sees (consentViewRoles).
Result<std::vector<store::Consent>> pupilConsents(const DecisionContext& c,
                                                  const std::string& pupil);

/// Every inzage registered for `pupil`, for the purposes the actor sees, newest first
/// (consentViewRoles). A row written outside Sluis is included with `authentic` false (and
/// logged), so the page can report it rather than show it as valid.
Result<std::vector<store::Inzage>> pupilInzageHistory(const DecisionContext& c,
                                                      const std::string& pupil);

/// The disclosure register of `pupil` (policy::disclosureRegister, for the purposes the actor
/// sees; disclosureViewRoles), audited `disclosures_viewed` with `format`.
Result<nlohmann::json> pupilDisclosures(const DecisionContext& c, const std::string& pupil,
                                        const std::string& format);

}  // namespace sluis::api

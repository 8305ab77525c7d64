#pragma once
/// The consent register (`consents`, `consent_evidence`) and the inzage register (`inzage`):
/// rows sealed and MAC'd; a withdrawal stops the transfers that relied on the consent in the
/// same unit of work.
#include <optional>
#include <string>
#include <vector>

#include "core/store/sql/unit_of_work.h"
#include "core/store/transfer_store.h"

namespace sluis::store::sql {

class ConsentRepository {
public:
    explicit ConsentRepository(UnitOfWork& w) : w_(w) {}

    Status addConsent(const Consent& c, Timestamp now_ts);
    Result<Consent> getConsent(const std::string& id);
    Result<std::vector<Consent>> consents(const std::string& pupil, const std::string& purpose);
    Status withdrawConsent(const std::string& id, const std::string& actor, const std::vector<PlannedTransition>& stop, Timestamp now_ts);
    Status addInzage(const Inzage& i, Timestamp now_ts);
    Result<std::optional<Inzage>> latestInzage(const std::string& pupil, const std::string& purpose);
    /// Every inzage row of a pupil (all purposes when `purpose` is empty), newest first; rows
    /// whose MAC does not match are listed with `authentic` false and their view unopened.
    Result<std::vector<Inzage>> inzages(const std::string& pupil, const std::string& purpose);
    Result<EvidenceFile> consentEvidence(const std::string& consent_id);
    Result<std::vector<Consent>> queryConsents(const std::string& where, const std::string& a, const std::string& b);

private:
    UnitOfWork& w_;
};

}  // namespace sluis::store::sql

#pragma once
/// Field minimisation: reduces a canonical record to what a purpose may disclose.
///
/// Driven only by the model's classification table (OSO category and sensitivity of every field)
/// and the purpose policy: nothing here names a connector or a format.
/// - fields of a category the purpose does not need are withheld;
/// - identifiers (BSN, onderwijsnummer) are withheld unless the purpose allows them;
/// - special categories (health) are withheld unless the purpose explicitly allows them;
/// - medical absence reasons are generalised to "geoorloofd" for any purpose that is not a care
///   profile.
/// For purposes whose records are aggregated reports (policy `record: aggregaat`) the record
/// leaves whole (its top-level keys are listed as included) unless it contains a pupil record.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/model/model.h"

namespace sluis::policy {

struct Withheld {
    std::string path;    ///< Instance path, e.g. `verzuim.meldingen[2].reden`.
    std::string reason;  ///< Dutch, for previews and the disclosure register.
};

struct Minimised {
    nlohmann::json record;              ///< The reduced record.
    std::vector<std::string> included;  ///< Leaf paths that leave (instance paths).
    std::vector<Withheld> withheld;
    std::vector<std::string> categories;  ///< OSO categories present in `record`.
};

Minimised minimise(const nlohmann::json& record, const config::PurposePolicy& policy,
                   const model::ModelDefinition& model);

}  // namespace sluis::policy

#pragma once
/// Writes one canonical leerlingdossier as an OSO dossier for a profile.
///
/// The profile decides categorie_uitlevering; OPTIONEEL categories in `opt_out` become OPT-UIT.
/// Data of VERBODEN and OPT-UIT categories is never written (also nested ones, e.g.
/// handelingsplannen inside onderwijsondersteuning). Identity rules are applied: secret contacts
/// are masked, no address under adresgeheim, no BSN/onderwijsnummer in an SWV dossier, forbidden
/// elements never written. Element order and names come from the standard's data.
/// Thread-safe (no shared state). The writer does not validate; see OsoEncoder / Validator.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/util/clock.h"
#include "mapping/oso/oso_standard.h"

namespace sluis::oso {

struct WriteOptions {
    std::string profile;               ///< POPO, POVO, VOVO, BB, POSWV, VOSWV
    std::vector<std::string> opt_out;  ///< OPTIONEEL categories switched off.
    /// Metadata parameters; empty: taken from the record's `metadata`, else defaults
    /// (pakketnaam "Sluis", deeldossier "LAS", datum: the date of `now` in Europe/Amsterdam).
    std::string pakketnaam, pakketversie, datum, deeldossier;
    /// The instant of writing (the caller's injected clock; the writer never reads the system
    /// clock). Needed only when neither `datum` nor the record's metadata gives the datum;
    /// without it such a dossier is refused (kInvalidArgument).
    std::optional<Timestamp> now;
};

struct WriteResult {
    std::string xml;
    std::vector<std::string> notes;  ///< What the rules removed or masked (paths only).
};

/// Errors: kInvalidArgument (unknown profile or category, opting out a VERPLICHT category);
/// kValidationFailed (data the standard cannot express, e.g. more than one overstapadvies.advies:
/// a double advice must be one combined code of OSO code list 2), naming the field path.
Result<WriteResult> writeDossier(const nlohmann::json& record, const Standard& standard,
                                 const WriteOptions& options);

/// Effective delivery per category (index as Standard::categories) for a profile and opt-outs.
Result<std::vector<Delivery>> deliveries(const Standard& standard, const std::string& profile,
                                         const std::vector<std::string>& opt_out);

}  // namespace sluis::oso

#pragma once
/// Writes a realistic, entirely fictional Magister-style export of a primary school's group 8:
/// Dutch names with tussenvoegsels, BSNs that pass the elfproef, addresses, guardians, grades,
/// absences and a few handelingsplannen. Deterministic for a given seed. Used by the README demo,
/// the tests and the import benchmark.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace sluis::mapping {

struct DemoOptions {
    size_t pupils = 30;
    uint64_t seed = 1;
    size_t grades_per_pupil = 12;  ///< Rows in cijfers.csv per pupil.
    bool absences = true;          ///< Write absenties.csv.
    bool plans = true;             ///< Write handelingsplannen.csv.
    bool overstap = true;          ///< Write overstap.csv and schoolloopbaan.csv (PO->VO).
    std::string brin = "12AB";     ///< BRIN of the school (schoolloopbaan).
    std::string vestiging = "00";  ///< Vestigingscode of the school (schoolloopbaan).
    bool bundle = false;           ///< Also write export.bundle (all files in one input).
    std::string schooljaar = "2025-2026";
};

struct DemoSummary {
    std::vector<std::filesystem::path> files;
    size_t pupils = 0, guardians = 0, grades = 0, absences = 0, plan_goals = 0, adviezen = 0;
};

/// Writes leerlingen.csv, ouders.csv, cijfers.csv and (optionally) overstap.csv,
/// schoolloopbaan.csv, absenties.csv, handelingsplannen.csv and export.bundle into `dir` (created
/// when missing). UTF-8 with BOM,
/// `;`-separated, CRLF line ends, dates dd-mm-jjjj: the shape of a Magister "lijst" export.
Status generateMagisterExport(const std::filesystem::path& dir, const DemoOptions& options,
                              DemoSummary* summary = nullptr);

/// A BSN (9 digits) that passes the elfproef, drawn from `state` (a 64-bit generator state).
std::string demoBsn(uint64_t& state);

}  // namespace sluis::mapping

#pragma once
/// Import of a Magister-style export (docs/connectors/magister.md): several CSV files (leerlingen,
/// ouders, cijfers, absenties, handelingsplannen) joined on the stamnummer into one canonical
/// leerlingdossier per pupil, through a declarative mapping (config/mappings/magister.json).
///
/// Memory: the main file (leerlingen) is streamed row by row; of the other files only the mapped
/// columns are kept, packed, until their pupil is emitted. Orphan rows (a stamnummer that is not in
/// the main file) are reported, never dropped silently.
///
/// Thread-safety: the functions are pure apart from reading the given files; run several imports
/// in parallel freely.
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/mapper/mapper.h"
#include "mapping/csv/csv_reader.h"
#include "mapping/declarative/mapping.h"

namespace sluis::mapping {

/// One file of an export.
struct ExportFile {
    std::string name;  ///< For messages: the file name (never its content).
    std::string part;  ///< Part of the mapping (e.g. "ouders"); empty: recognised by its header.
    std::function<Result<std::unique_ptr<csv::ByteSource>>()> open;

    /// A file on disk. `part` may be empty.
    static ExportFile fromPath(const std::string& path, const std::string& part = "");
    /// Bytes in memory; the caller keeps them alive during the import.
    static ExportFile fromBytes(const std::string& name, std::string_view bytes,
                                const std::string& part = "");
};

struct ImportOptions {
    /// Canonical `school` object put into every record (naam, brincode, ...). Required unless the
    /// mapping fills school fields itself.
    nlohmann::json school;
    csv::Encoding encoding = csv::Encoding::kAuto;  ///< kAuto: as the mapping says.
    char separator = 0;                             ///< 0: as the mapping says.
    bool orphans_are_errors = false;  ///< Orphan rows fail the import instead of a warning.
    size_t max_problems = 50;         ///< Problems listed in the error (all are counted).
};

/// What an import saw, for `sluis mapping try` and logs. No personal values.
struct ImportReport {
    struct File {
        std::string name;
        std::string part;
        std::string encoding;
        char separator = ';';
        size_t rows = 0;
        std::vector<std::string> unused_columns;
    };
    std::vector<File> files;
    size_t pupils = 0;
    std::vector<std::string> warnings;
};

/// Streams the canonical records to `on_record` in the order of the main file. Returns the first
/// error of `on_record`, or after the whole export an error listing every problem found (file,
/// line, column, field path). Because problems can surface late, a caller that must be
/// all-or-nothing collects the records and discards them on error (importMagisterExport does).
Status importMagisterStream(const std::vector<ExportFile>& files, const Mapping& mapping,
                            const ImportOptions& options,
                            const std::function<Status(nlohmann::json&&)>& on_record,
                            ImportReport* report = nullptr);

/// All-or-nothing import: every record, or an error and nothing.
Result<mapper::DecodedBatch> importMagisterExport(const std::vector<ExportFile>& files,
                                                  const Mapping& mapping,
                                                  const ImportOptions& options = {},
                                                  ImportReport* report = nullptr);

/// The shipped default mapping (config/mappings/magister.json, compiled in).
std::shared_ptr<const Mapping> builtinMagisterMapping();
/// The shipped default mapping's text.
std::string_view builtinMagisterMappingText();

/// A "Sluis bundle": several export files in one input, for sources that deliver one file at a
/// time (see docs/connectors/magister.md):
///   sluis-bundle 1\n
///   part <deel|auto> <length> <file name>\n  <length raw bytes>\n   (repeated)
struct BundlePart {
    std::string part;  ///< Empty when written as "auto".
    std::string name;
    std::string_view bytes;  ///< Points into the bundle.
};
/// True when `bytes` starts with the bundle magic line.
bool isBundle(std::string_view bytes);
/// Splits a bundle; errors (kInvalidInput) name the bundle line.
Result<std::vector<BundlePart>> parseBundle(std::string_view bytes, const std::string& source_name);
/// Writes a bundle. `files`: (part or "", file name, bytes).
std::string writeBundle(const std::vector<BundlePart>& files);

}  // namespace sluis::mapping

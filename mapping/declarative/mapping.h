#pragma once
/// Declarative mappings: a JSON file that says, per part of a source export (e.g. leerlingen,
/// ouders, cijfers), which column fills which canonical field and through which transforms.
/// The format is documented in docs/mapping.md.
///
/// A Mapping is loaded and validated once (loadMapping: every problem with its JSON path) and is
/// immutable afterwards; share it as `shared_ptr<const Mapping>` between threads. Binding a part
/// to a file's header (BoundPart) and mapping rows are pure functions of their inputs.
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/model/model.h"
#include "mapping/csv/encoding.h"
#include "mapping/declarative/transform.h"

namespace sluis::mapping {

/// A canonical field path such as `leerling.adressen[0].straat` or `cijfers[].vak`, resolved
/// against the canonical model.
struct TargetPath {
    static constexpr int kNoIndex = -1;
    static constexpr int kAppend = -2;  ///< `[]`: the element this row adds.
    struct Segment {
        std::string name;
        int index = kNoIndex;
    };
    std::string text;
    std::vector<Segment> segments;
    model::Kind kind = model::Kind::kString;  ///< Kind of the leaf value.
    const model::FieldDef* field = nullptr;    ///< Model definition of the leaf.
    bool has_append = false;                   ///< Contains `[]`.
    bool through_array = false;                ///< Passes through an array element.
};

/// Parses `text` relative to record type `type` of `def`. Errors (Dutch) name the bad segment.
Result<TargetPath> resolveTarget(const model::ModelDefinition& def, const std::string& type,
                                 const std::string& text, bool leaf_required);

struct FieldMapping {
    std::string where;                 ///< JSON path in the mapping file, e.g. parts[1].fields[3]
    TargetPath target;
    std::vector<std::string> columns;  ///< Header names (alternatives); empty for a fixed value.
    std::optional<std::string> value;  ///< Fixed value (instead of a column).
    bool required = false;
    bool trim = true;
    bool shares_target = false;  ///< An earlier field fills the same target (first non-empty wins).
    std::vector<Transform> transforms;
    std::optional<std::string> default_value;  ///< Canonical value when the cell is empty.
    std::shared_ptr<const model::Pattern> pattern;  ///< The model's pattern for the leaf, if any.
    const std::vector<std::string>* codes = nullptr;  ///< Code list of a code leaf.

    /// Converts transformed text to the JSON value of the target kind; false + error otherwise.
    bool convert(std::string text, nlohmann::json& out, std::string& error) const;
};

struct Part {
    std::string name;
    std::string description;
    std::vector<std::string> key_columns;  ///< Header names of the join key (alternatives).
    std::string into;                      ///< Empty: the row fills the record itself.
    TargetPath into_path;
    std::string element_type;              ///< Record type of one element of `into`.
    std::vector<std::string> group_by;     ///< Element fields that identify an element.
    std::vector<FieldMapping> fields;
};

struct Mapping {
    std::string name;
    std::string description;
    std::string source_name;  ///< File the mapping came from (for messages).
    csv::Encoding encoding = csv::Encoding::kAuto;
    char separator = 0;  ///< 0: sniff
    std::vector<Part> parts;  ///< parts[0] is the main part (one row per pupil).

    const Part* part(const std::string& name) const;
};

/// Loads and validates a mapping. On failure the error (kInvalidConfig) lists every problem, one
/// per line, each with its JSON path (`parts[1].fields[2].target: ...`).
Result<std::shared_ptr<const Mapping>> loadMapping(std::string_view json_text,
                                                    const std::string& source_name);
/// Reads and loads a mapping file.
Result<std::shared_ptr<const Mapping>> loadMappingFile(const std::string& path);

/// Normalised header name: trimmed, lower case, inner runs of spaces collapsed.
std::string normaliseHeader(std::string_view header);

/// A part bound to the header of one file: which column feeds which field. Immutable.
class BoundPart {
public:
    /// Binds `part` to `header`. Fails (kInvalidInput) naming the file and every missing required
    /// column. Columns no field uses are returned in `unused`.
    static Result<BoundPart> bind(const Part& part, const std::vector<std::string>& header,
                                  const std::string& file, std::vector<std::string>* unused);

    const Part& part() const { return *part_; }
    /// CSV column index of each slot; slot 0 is the key column.
    const std::vector<size_t>& slotColumns() const { return slot_columns_; }
    /// Header name of a slot (as written in the file).
    const std::string& slotHeader(size_t slot) const { return slot_headers_[slot]; }

    /// Maps one row (values per slot) to a JSON object relative to the part's element (or to the
    /// record for the main part). Cell problems go to `problems` as "<file>:<line>: kolom
    /// '<header>' (<target>): <message>"; returns false if there was any.
    bool mapRow(const std::vector<std::string_view>& slots, size_t line, nlohmann::json& out,
                std::vector<std::string>& problems) const;

    /// mapRow followed by addRow into `record`, with `scratch` as the row's storage (left empty).
    /// Same result and problems as those two; faster for grouped parts (no group fields built
    /// just to be dropped by the merge). Returns false when the row had a problem (not added).
    bool mapRowInto(const std::vector<std::string_view>& slots, size_t line, nlohmann::json& record,
                    nlohmann::json& scratch, std::vector<std::string>& problems) const;

  private:
    bool mapRowImpl(const std::vector<std::string_view>& slots, size_t line, nlohmann::json& out,
                    std::vector<std::string>& problems, bool skip_group) const;

    const Part* part_ = nullptr;
    std::string file_;
    std::vector<size_t> slot_columns_;
    std::vector<std::string> slot_headers_;
    std::vector<int> field_slot_;  // per field: slot index, or -1 (fixed value / column absent)
    std::vector<int> parent_id_;   // per field: equal for targets with the same parent path
    size_t parent_count_ = 0;      // distinct parent paths
    // Fields in evaluation order: by parent path, then leaf name (stable, so fields sharing a
    // target keep their order). Objects are then filled in key order, and each insertion lands
    // at the end of its std::map instead of searching it.
    std::vector<size_t> order_;
    // Per group_by name: its field (empty: no fast path, also when there are more than
    // kMaxGroupFields, so that the fast path keeps the row's group values on the stack).
    static constexpr size_t kMaxGroupFields = 4;
    std::vector<size_t> group_fields_;
    std::vector<char> is_group_field_;  // per field
    bool compact_ = false;         // some target has a fixed index > 0, so gaps are possible
    // Lists written at fixed indices (target segments [0, n)), deepest first: compacted per row.
    std::vector<std::pair<const std::vector<TargetPath::Segment>*, size_t>> compact_at_;
};

/// Merges a row object into an element: objects merge, arrays concatenate, present scalars win.
void mergeInto(nlohmann::json& target, nlohmann::json&& row);
/// Adds a mapped row of `part` to `record`: the main part merges into the record; other parts
/// append to (or, with group_by, merge into a matching element of) the `into` array.
void addRow(const Part& part, nlohmann::json& record, nlohmann::json&& row);
/// Removes nulls that fixed array indices left in arrays (e.g. communicatie[1] without [0]).
void compactArrays(nlohmann::json& v);
/// Empties `v` (leaves it null), releasing the tree bottom-up. Same effect as destroying it, but
/// much cheaper for nested records: nlohmann::json's destructor first moves every child of a
/// non-empty container onto a heap-allocated stack, at every level.
void releaseJson(nlohmann::json& v);

/// Reverse: the rows of `part` for one canonical record, as header + rows of text. Fails
/// (kInvalidConfig) naming the field when a transform is not reversible, and (kValidationFailed)
/// when a value cannot be mapped back.
struct ReverseTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
};
Result<ReverseTable> reversePart(const Part& part, const nlohmann::json& record,
                                 const std::string& key);
/// Writes a table as CSV text (`;`, CRLF, quoting where needed, UTF-8 without BOM).
std::string writeCsv(const ReverseTable& table, char separator = ';');

}  // namespace sluis::mapping

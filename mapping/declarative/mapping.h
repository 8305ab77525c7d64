#pragma once
/// Declarative mappings: a JSON file that says, per part of a source export (e.g. leerlingen,
/// ouders, cijfers), which column fills which canonical field and through which transforms.
/// The format is documented in docs/mapping.md.
///
/// A Mapping is loaded and validated once (loadMapping: every problem with its JSON path) and is
/// immutable afterwards; share it as `shared_ptr<const Mapping>` between threads. Binding a part
/// to a file's header (BoundPart) and mapping rows are pure functions of their inputs.
#include <cstdint>
#include <map>
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
    nlohmann::json fixed;              ///< `value` converted to the target's kind (loadMapping).
    bool required = false;
    bool trim = true;
    std::vector<Transform> transforms;
    std::optional<std::string> default_value;  ///< Canonical value when the cell is empty.
    std::shared_ptr<const model::Pattern> pattern;  ///< The model's pattern for the leaf, if any.
    const std::vector<std::string>* codes = nullptr;  ///< Code list of a code leaf.

    /// Converts transformed text to the JSON value of the target kind; false + error otherwise.
    /// Takes the text: on success it may have been moved into `out`.
    bool convert(std::string&& text, nlohmann::json& out, std::string& error) const;
};

/// Values of one list field that the standard knows only as one combined code (e.g. a double
/// schooladvies, OSO code list 2): after a row is mapped, a list with more than one value becomes
/// the single combined code, or the row is refused naming file, line and column.
struct Combine {
    std::string where;   ///< JSON path in the mapping file, e.g. parts[3].combine
    std::string target;  ///< Field of the part's element: a list of codes, e.g. "advies".
    std::map<std::string, std::string> codes;  ///< "a+b" (row order, either way round) -> code
    std::string description;
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
    std::optional<Combine> combine;
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

    /// mapRow followed by addRow into `record`, with `scratch` as storage when a row cannot be
    /// built in place (left empty). Same result and problems as those two, but the row is built
    /// straight into the record. Returns false when the row had a problem (then nothing is added).
    bool mapRowInto(const std::vector<std::string_view>& slots, size_t line, nlohmann::json& record,
                    nlohmann::json& scratch, std::vector<std::string>& problems) const;

    /// Checks that the targets of `part`'s fields fit one row shape: a list is filled either with
    /// [] or at fixed positions, a word list is not also filled per element, and no target is
    /// both a value and a record. Problems (Dutch, with the field's JSON path) go to `errors`.
    static void checkShape(const Part& part, std::vector<std::string>& errors);

  private:
    /// The shape of the rows of a part, built once at bind: the objects, lists and leaves that
    /// the fields' targets make, keys sorted. Rows are built from it in one pass, straight into
    /// their destination; no paths are looked up per cell.
    struct Node {
        enum class Type : unsigned char {
            kObject,  ///< children: keyed nodes, sorted by key
            kList,    ///< children: elements at fixed positions, sorted by index ([] is [0])
            kLeaf,    ///< one value: the first filled column, or the fixed value
            kAppend,  ///< name[]: every filled column and every fixed value, in mapping order
        };
        Type type = Type::kObject;
        std::string key;                 ///< key in the parent object
        int index = 0;                   ///< position in the parent list
        std::vector<uint32_t> children;  ///< node ids (kObject, kList)
        std::vector<uint32_t> columns;   ///< column fields, mapping order (kLeaf, kAppend)
        std::vector<uint32_t> fixed;     ///< fixed-value fields, mapping order (kLeaf, kAppend)
        // kObject, kList: whether a row makes this node. Only columns with a value and fixed
        // values outside lists make objects; a fixed value inside a list element only completes
        // an element that columns made.
        std::vector<uint32_t> makers;  ///< column fields anywhere below
        bool always = false;           ///< a fixed value outside any list below
    };
    /// Per row: the converted value of each column field (null: empty, skipped or wrong).
    struct RowValues;
    static void buildShape(const Part& part, std::vector<Node>& nodes,
                           std::vector<uint32_t>& field_node, std::vector<std::string>* errors);

    bool evaluate(const std::vector<std::string_view>& slots, size_t line, RowValues& row,
                  std::vector<std::string>& problems, bool defer) const;
    std::string problemText(size_t field, int slot, size_t line, const std::string& msg) const;
    bool convertDeferred(size_t line, RowValues& row, std::vector<std::string>& problems) const;
    bool makes(const Node& n, const RowValues& row) const;
    nlohmann::json leafValue(const Node& n, RowValues& row) const;
    const nlohmann::json* leafPeek(const Node& n, const RowValues& row) const;
    void fillObject(const Node& n, nlohmann::json& obj, bool fresh, RowValues& row) const;
    void fill(const Node& n, nlohmann::json& slot, RowValues& row) const;
    void emitRoot(nlohmann::json& dest, RowValues& row) const;

    const Part* part_ = nullptr;
    std::string file_;
    std::vector<size_t> slot_columns_;
    std::vector<std::string> slot_headers_;
    std::vector<int> field_slot_;         // per field: slot index, or -1 (fixed value / column absent)
    std::vector<Node> nodes_;             // nodes_[0] is the row itself
    std::vector<uint32_t> field_node_;    // per field: its kLeaf or kAppend node
    std::vector<char> field_shared_;      // per field: an earlier column field fills the same leaf
    std::vector<int> group_node_;         // per group_by name: its kLeaf node under the root, or -1
    std::vector<int> group_of_;           // per field: the group_by name whose text it is, or -1
    static constexpr size_t kMaxGroupFields = 4;  // group values compared before conversion
};

/// Applies `part.combine` to the element the last row of `part` filled in `record`. Returns false
/// and adds "<file>:<line>: kolom '<header>' (kolom N): ..." to `problems` when the values have no
/// combined code. `header` is the file's header (to name the column of the second value).
bool applyCombine(const Part& part, nlohmann::json& record, const std::string& file, size_t line,
                  const std::vector<std::string>& header, std::vector<std::string>& problems);

/// Merges a row object into an element: objects merge, arrays concatenate, present scalars win.
void mergeInto(nlohmann::json& target, nlohmann::json&& row);
/// Adds a mapped row of `part` to `record`: the main part merges into the record; other parts
/// append to (or, with group_by, merge into a matching element of) the `into` array.
void addRow(const Part& part, nlohmann::json& record, nlohmann::json&& row);
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

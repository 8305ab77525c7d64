#pragma once
/// The canonical pupil record ("leerlingdossier") and its definition table.
///
/// The record itself is a JSON document (nlohmann::json). Its shape, the type of every field, the
/// OSO category and the sensitivity are declared once, as data, in canonical_model.json (compiled
/// into the binary). Validation, the JSON Schema, the classification used for minimisation and the
/// documentation are all derived from that one table; nothing is hand-written per connector.
///
/// Thread-safety: ModelDefinition is immutable after construction; share it freely.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/model/pattern.h"

namespace sluis::model {

enum class Kind { kString, kText, kDate, kBool, kInt, kDecimal, kCode, kBsn, kBase64, kObject, kArray };

enum class Sensitivity : int { kOrdinary = 0, kContact = 1, kIdentifier = 2, kSpecial = 3 };

const char* sensitivityName(Sensitivity s);

struct TypeDef;

/// One field of a record type, as declared in the table.
struct FieldDef {
    std::string name;
    Kind kind = Kind::kString;
    std::string type;      ///< For kObject/kArray of records: the record type name.
    Kind item = Kind::kString;  ///< For kArray of scalars (type empty): the scalar kind.
    std::string codelist;  ///< For kCode (or arrays of codes).
    std::string category;  ///< Empty: inherited from the parent.
    std::optional<Sensitivity> sensitivity;  ///< Empty: inherited from the parent.
    bool required = false;
    std::string pattern;
    std::optional<double> min;
    std::optional<double> max;
    std::string description;

    // Derived by ModelDefinition::parse (not part of the table); they point into the definition
    // that owns this field, which is why a ModelDefinition cannot be copied.
    const TypeDef* type_def = nullptr;                ///< Resolved `type`.
    const std::vector<std::string>* codes = nullptr;  ///< Resolved `codelist`.
    std::shared_ptr<const Pattern> matcher;           ///< Compiled `pattern` (null: none/invalid).
};

struct TypeDef {
    std::string name;
    std::string description;
    std::vector<FieldDef> fields;
    /// Fields of an older model version that are gone, each with the field of this type that
    /// replaces it (`retired` in the table); validation names the replacement.
    std::map<std::string, std::string, std::less<>> retired;
    /// The field called `field`, or null: through the index built by buildIndex(), else by a
    /// linear search.
    const FieldDef* find(std::string_view field) const;
    /// Builds the name index used by find(); call again after changing `fields`.
    void buildIndex();
    /// How many fields are required (counted by buildIndex(), else counted now).
    size_t requiredCount() const;

private:
    // A name's bytes in two words (see keyOf in model.cpp).
    struct NameKey {
        uint64_t head = 0;
        uint64_t tail = 0;
        size_t size = 0;
    };
    static NameKey keyOf(std::string_view name);
    [[gnu::cold]] const FieldDef* findLinear(std::string_view field) const;  // without an index
    // A perfect hash of the field names: slots_[slot(key)] is the index + 1 of the only field
    // that can have that name (0: none), and keys_[index] its key, so a lookup compares words
    // instead of strings.
    size_t slot(const NameKey& key) const;
    std::vector<uint16_t> slots_;
    std::vector<NameKey> keys_;
    uint64_t seed_ = 0;
    unsigned shift_ = 64;
    size_t required_ = 0;
    size_t indexed_ = 0;  // fields.size() when the index was built
};

/// Classification of one leaf field path (array indices written as `[]`).
struct FieldClass {
    std::string path;      ///< e.g. `leerling.adressen[].postcode`
    Kind kind;
    std::string category;  ///< OSO category (or `intern`)
    Sensitivity sensitivity;
};

/// One validation problem: the field path (with indices) and a message. Never the value.
struct Issue {
    std::string path;
    std::string message;
    bool retired = false;  ///< A field of an older model version (see TypeDef::retired).
};

class ModelDefinition {
public:
    ModelDefinition() = default;
    ModelDefinition(const ModelDefinition&) = delete;
    ModelDefinition& operator=(const ModelDefinition&) = delete;

    /// Parses a definition table. Errors name the JSON pointer of the bad entry.
    static Result<std::shared_ptr<const ModelDefinition>> parse(const std::string& json_text);
    /// The definition compiled into Sluis (canonical_model.json).
    static std::shared_ptr<const ModelDefinition> builtin();

    int version() const { return version_; }
    /// Why a retired field is refused, naming the path of its replacement (Dutch; used by
    /// validation and by minimisation, so that both say the same).
    std::string retiredReason(const std::string& replacement_path) const;
    const std::string& rootType() const { return root_; }
    const TypeDef* type(const std::string& name) const;
    const std::vector<std::string>* codelist(const std::string& name) const;
    const std::map<std::string, std::vector<std::string>>& codelists() const { return codelists_; }

    /// Every leaf path with its classification, in declaration order.
    const std::vector<FieldClass>& classification() const { return classes_; }
    /// Classification of a path; indices (`[3]`) are normalised to `[]`. Works for containers too.
    std::optional<FieldClass> classify(const std::string& path) const;

    /// Validates a record: unknown fields, types, required fields, dates, codes, BSN elfproef,
    /// patterns and ranges. Returns every problem found (empty: valid).
    std::vector<Issue> validate(const nlohmann::json& record) const;

    /// JSON Schema (draft 2020-12) for the record.
    nlohmann::json jsonSchema() const;

private:
    void buildClasses(const TypeDef& t, const std::string& prefix, const std::string& category,
                      Sensitivity sens, int depth);
    struct PathRef;  // the path of the value being validated, rendered only for an issue
    void validateObject(const TypeDef& t, const nlohmann::json& obj, const PathRef* path,
                        std::vector<Issue>& out) const;
    void validateValue(const FieldDef& f, Kind kind, const nlohmann::json& v, const PathRef& path,
                       std::vector<Issue>& out) const;

    int version_ = 0;
    std::string root_;
    std::map<std::string, TypeDef> types_;
    std::map<std::string, std::vector<std::string>> codelists_;
    std::vector<FieldClass> classes_;
    std::map<std::string, FieldClass> class_index_;
};

/// Normalises `a.b[3].c` to `a.b[].c`.
std::string normalisePath(const std::string& path);

}  // namespace sluis::model

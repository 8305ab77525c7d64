#pragma once
/// A streaming CSV reader for LAS exports: yields one record at a time from a byte source, so a
/// file of any size is read in bounded memory (one 64 KiB block plus the current record).
///
/// Handles `;`, `,` or tab separators (sniffed from the header line unless set), fields quoted
/// with `"` (doubled quotes inside, embedded separators and line breaks), CRLF/LF/CR line ends,
/// and every encoding of encoding.h (converted to UTF-8 on the fly). Blank lines are skipped.
/// Errors are kInvalidInput (or kTooLarge for a runaway field) and name the source and line.
///
/// Not thread-safe; one reader per input.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "mapping/csv/encoding.h"

namespace sluis::csv {

/// Where the reader's bytes come from.
class ByteSource {
public:
    virtual ~ByteSource() = default;
    /// Reads up to `n` bytes into `buf`; 0 means end of input.
    virtual Result<size_t> read(char* buf, size_t n) = 0;
};

/// Bytes already in memory; the caller keeps them alive while the reader runs.
class StringByteSource final : public ByteSource {
public:
    explicit StringByteSource(std::string_view bytes) : bytes_(bytes) {}
    Result<size_t> read(char* buf, size_t n) override;

private:
    std::string_view bytes_;
    size_t pos_ = 0;
};

/// A file read block by block.
class FileByteSource final : public ByteSource {
public:
    /// Fails (kIo / kNotFound) when the file cannot be opened.
    static Result<std::unique_ptr<FileByteSource>> open(const std::filesystem::path& path);
    Result<size_t> read(char* buf, size_t n) override;

private:
    std::ifstream in_;
};

struct CsvOptions {
    char separator = 0;                ///< 0: sniff `;`, `,` or tab from the first line.
    Encoding encoding = Encoding::kAuto;
    std::string source_name = "invoer";  ///< Used in error messages (file name, never content).
    size_t max_field_bytes = 1u << 20;   ///< A longer field is refused (kTooLarge).
    size_t max_fields = 2000;            ///< More fields in one record is refused (kTooLarge).
};

class CsvReader {
public:
    CsvReader(std::unique_ptr<ByteSource> source, CsvOptions options);

    /// Reads the next record. Returns false at end of input. After an error the reader is spent.
    Result<bool> next();

    size_t fieldCount() const { return count_; }
    /// Field `i` of the current record (valid until the next call to next()).
    std::string_view field(size_t i) const { return views_[i]; }
    /// The fields of the current record (valid until the next call to next()).
    std::vector<std::string_view> fields() const;
    /// 1-based line where the current record starts.
    size_t line() const { return record_line_; }
    /// Separator in use (known after the first call to next()).
    char separator() const { return options_.separator; }
    /// Encoding in use (known after the first call to next()).
    Encoding encoding() const { return options_.encoding; }
    const std::string& sourceName() const { return options_.source_name; }

private:
    Status start();
    Status fill();  // reads one more block; sets eof_ when the source is done
    bool atEnd() const { return pos_ >= buf_.size() && eof_; }
    Status fieldError(const std::string& what) const;
    std::string& nextField();
    bool splitSimpleRecord();

    std::unique_ptr<ByteSource> source_;
    CsvOptions options_;
    std::unique_ptr<Utf8Transcoder> transcoder_;
    std::string raw_;
    std::string buf_;  // UTF-8 text not yet consumed starts at pos_
    size_t pos_ = 0;
    bool eof_ = false;
    bool started_ = false;
    bool failed_ = false;
    size_t line_ = 1;
    size_t record_line_ = 0;
    std::vector<std::string> fields_;       // fields the general loop unquoted or joined
    std::vector<std::string_view> views_;   // the current record: into buf_ or fields_
    size_t count_ = 0;
};

/// Separator sniffing on one header line: the most frequent of `;`, `,` and tab outside quotes
/// (`;` on a tie or when none occurs).
char sniffSeparator(std::string_view first_line);

}  // namespace sluis::csv

#pragma once
/// Character encodings of school exports and an incremental transcoder to UTF-8.
///
/// LAS exports arrive as UTF-8 (with or without BOM), UTF-16 (LE/BE with BOM, as Excel writes
/// "Unicode text") or Windows-1252 (Excel's "CSV (gescheiden door lijstscheidingsteken)").
/// Detection looks at the byte order mark and, without one, at the first block of bytes.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluis::csv {

enum class Encoding { kAuto, kUtf8, kUtf16Le, kUtf16Be, kWindows1252 };

/// Stable lower-case name: auto, utf-8, utf-16le, utf-16be, windows-1252.
const char* encodingName(Encoding e);
/// Parses a name as written in a mapping or config (case-insensitive; accepts aliases such as
/// "utf8", "cp1252", "latin1", "ansi", "utf-16"). Empty optional when unknown.
std::optional<Encoding> parseEncodingName(std::string_view name);

/// Result of looking at the start of an input.
struct Detected {
    Encoding encoding = Encoding::kUtf8;
    size_t bom_length = 0;  ///< Bytes of byte order mark to skip.
};

/// Detects the encoding from the first bytes of an input (pass as many as available, at least
/// 4 KiB when the input is larger). `forced` other than kAuto is honoured (a matching BOM is still
/// skipped). Fails with kInvalidInput when the bytes look binary (NUL bytes outside UTF-16).
Result<Detected> detectEncoding(std::string_view head, Encoding forced = Encoding::kAuto);

/// Converts a stream of bytes in one encoding to UTF-8, chunk by chunk. Incomplete characters at
/// the end of a chunk are kept for the next one. Not thread-safe; one per input.
class Utf8Transcoder {
public:
    explicit Utf8Transcoder(Encoding e) : encoding_(e) {}

    /// Appends the UTF-8 form of `chunk` to `out`. Errors (invalid UTF-8, NUL byte, unpaired
    /// surrogate) name the line (counted in the output) where they occur.
    Status feed(std::string_view chunk, std::string& out);
    /// Call once at end of input: fails when a character was cut off.
    Status finish();

private:
    Status feedUtf8(std::string_view chunk, std::string& out);
    Status feedUtf16(std::string_view chunk, std::string& out, bool big_endian);
    Status feedWindows1252(std::string_view chunk, std::string& out);
    void countLines(std::string_view s);

    Encoding encoding_;
    std::string carry_;  ///< Bytes of an incomplete character from the previous chunk.
    unsigned high_surrogate_ = 0;
    size_t line_ = 1;
};

/// Appends code point `cp` as UTF-8.
void appendUtf8(std::string& out, unsigned cp);

}  // namespace sluis::csv

#include "mapping/csv/csv_reader.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>

namespace sluis::csv {

namespace {
constexpr size_t kBlock = 64 * 1024;

// The high bit of each byte of `w` that is `c`, and possibly of bytes after such a byte (a borrow
// runs upwards): the lowest bit set is always the first match.
inline uint64_t byteMask(uint64_t w, char c) {
    constexpr uint64_t kLow = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
    uint64_t v = w ^ (kLow * static_cast<unsigned char>(c));
    return (v - kLow) & ~v & kHigh;
}

// True when one of the eight bytes of `w` is `c`.
inline bool hasByte(uint64_t w, char c) { return byteMask(w, c) != 0; }
}  // namespace

Result<size_t> StringByteSource::read(char* buf, size_t n) {
    size_t k = std::min(n, bytes_.size() - pos_);
    std::memcpy(buf, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
}

Result<std::unique_ptr<FileByteSource>> FileByteSource::open(const std::filesystem::path& path) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        return Error{ErrorCode::kNotFound, path.filename().string() + ": bestand niet gevonden"};
    if (std::filesystem::is_directory(path, ec))
        return Error{ErrorCode::kInvalidArgument, path.filename().string() + ": is een map"};
    auto src = std::unique_ptr<FileByteSource>(new FileByteSource());
    src->in_.open(path, std::ios::binary);
    if (!src->in_)
        return Error{ErrorCode::kIo, path.filename().string() + ": kan bestand niet openen"};
    return src;
}

Result<size_t> FileByteSource::read(char* buf, size_t n) {
    in_.read(buf, static_cast<std::streamsize>(n));
    if (in_.bad()) return Error{ErrorCode::kIo, "leesfout"};
    return static_cast<size_t>(in_.gcount());
}

char sniffSeparator(std::string_view line) {
    size_t semi = 0, comma = 0, tab = 0;
    bool quoted = false;
    for (char c : line) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == ';') ++semi;
        if (c == ',') ++comma;
        if (c == '\t') ++tab;
    }
    if (tab > semi && tab > comma) return '\t';
    if (comma > semi) return ',';
    return ';';
}

CsvReader::CsvReader(std::unique_ptr<ByteSource> source, CsvOptions options)
    : source_(std::move(source)), options_(std::move(options)) {}

std::vector<std::string_view> CsvReader::fields() const {
    return {views_.begin(), views_.begin() + static_cast<std::ptrdiff_t>(count_)};
}

Status CsvReader::fill() {
    if (eof_) return {};
    if (pos_ > 0) {
        buf_.erase(0, pos_);
        pos_ = 0;
    }
    raw_.resize(kBlock);
    auto n = source_->read(raw_.data(), raw_.size());
    if (!n.isOk()) return Status{n.error().code, options_.source_name + ": " + n.error().message};
    if (*n == 0) {
        eof_ = true;
        auto st = transcoder_->finish();
        if (!st.isOk()) return Status{st.code(), options_.source_name + ": " + st.message()};
        return {};
    }
    auto st = transcoder_->feed(std::string_view(raw_.data(), *n), buf_);
    if (!st.isOk()) return Status{st.code(), options_.source_name + ": " + st.message()};
    return {};
}

Status CsvReader::start() {
    started_ = true;
    // Read a first block (up to 64 KiB) to detect the encoding.
    std::string head;
    head.resize(kBlock);
    size_t have = 0;
    while (have < head.size()) {
        auto n = source_->read(head.data() + have, head.size() - have);
        if (!n.isOk()) return Status{n.error().code, options_.source_name + ": " + n.error().message};
        if (*n == 0) {
            eof_ = true;
            break;
        }
        have += *n;
    }
    head.resize(have);
    auto det = detectEncoding(head, options_.encoding);
    if (!det.isOk()) return Status{det.error().code, options_.source_name + ": " + det.error().message};
    options_.encoding = det->encoding;
    transcoder_ = std::make_unique<Utf8Transcoder>(det->encoding);
    auto st = transcoder_->feed(std::string_view(head).substr(det->bom_length), buf_);
    if (!st.isOk()) return Status{st.code(), options_.source_name + ": " + st.message()};
    if (eof_) {
        st = transcoder_->finish();
        if (!st.isOk()) return Status{st.code(), options_.source_name + ": " + st.message()};
    }
    // A UTF-8 BOM inside a file declared as something else would end up in the first header.
    if (buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) buf_.erase(0, 3);
    if (options_.separator == 0) {
        // Make sure the first line is complete before sniffing.
        while (!eof_ && buf_.find('\n') == std::string::npos && buf_.size() < (4u << 20)) {
            SLUIS_RETURN_IF_ERROR(fill());
        }
        size_t nl = buf_.find_first_of("\r\n");
        options_.separator = sniffSeparator(std::string_view(buf_).substr(0, nl));
    }
    return {};
}

Status CsvReader::fieldError(const std::string& what) const {
    return Status{ErrorCode::kInvalidInput,
                  options_.source_name + ":" + std::to_string(line_) + ": " + what};
}

// The common record in one pass: complete in the buffer, without quotes, ended by LF, CRLF or a
// lone CR. Sets the fields and consumes it; false (nothing consumed) leaves the record to the
// general loop in next(), which also reports every error and limit.
bool CsvReader::splitSimpleRecord() {
    const char* d = buf_.data();
    const size_t n = buf_.size();
    const char sep = options_.separator;
    size_t i = pos_;
    size_t start = i;
    size_t count = 0;
    for (;;) {
        // To the next separator, quote, CR or LF: eight bytes at a time, the last few one by one.
        for (;;) {
            if (i + 8 > n) {
                while (i < n && d[i] != sep && d[i] != '"' && d[i] != '\r' && d[i] != '\n') ++i;
                break;
            }
            uint64_t w;
            std::memcpy(&w, d + i, 8);
            uint64_t m =
                byteMask(w, sep) | byteMask(w, '"') | byteMask(w, '\r') | byteMask(w, '\n');
            if (m != 0) {
                i += static_cast<size_t>(std::countr_zero(m)) / 8;
                break;
            }
            i += 8;
        }
        if (i >= n || d[i] == '"') return false;  // incomplete, or quoting to be handled
        if (count >= options_.max_fields || i - start > options_.max_field_bytes) return false;
        // A view into the buffer: the record is complete in it and needs no unquoting.
        if (count == views_.size()) views_.emplace_back();
        views_[count++] = std::string_view(d + start, i - start);
        if (d[i] == sep) {
            start = ++i;
            continue;
        }
        if (d[i] == '\r') {
            if (i + 1 >= n) return false;  // an LF may follow in the next block
            if (d[i + 1] == '\n') ++i;
        }
        ++i;
        break;
    }
    pos_ = i;
    count_ = count;
    ++line_;
    return true;
}

std::string& CsvReader::nextField() {
    if (count_ == fields_.size()) fields_.emplace_back();
    std::string& f = fields_[count_++];
    f.clear();
    return f;
}

Result<bool> CsvReader::next() {
    if (failed_) return Error{ErrorCode::kInvalidInput, options_.source_name + ": lezen afgebroken"};
    auto fail = [&](Status st) -> Result<bool> {
        failed_ = true;
        return st.error();
    };
    if (!started_) {
        auto st = start();
        if (!st.isOk()) return fail(st);
    }
    const char sep = options_.separator;
    for (;;) {
        count_ = 0;
        if (pos_ >= buf_.size()) {
            if (eof_) return false;
            auto st = fill();
            if (!st.isOk()) return fail(st);
            if (pos_ >= buf_.size()) return false;
        }
        record_line_ = line_;
        if (splitSimpleRecord()) {
            if (count_ == 1 && views_[0].empty()) continue;  // a blank line
            return true;
        }
        bool end_of_record = false;
        while (!end_of_record) {
            if (count_ >= options_.max_fields)
                return fail(Status{ErrorCode::kTooLarge,
                                   options_.source_name + ":" + std::to_string(record_line_) +
                                       ": meer dan " + std::to_string(options_.max_fields) +
                                       " kolommen"});
            std::string& f = nextField();
            if (pos_ >= buf_.size() && !eof_) {
                auto st = fill();
                if (!st.isOk()) return fail(st);
            }
            if (pos_ < buf_.size() && buf_[pos_] == '"') {
                size_t quote_line = line_;
                ++pos_;
                for (;;) {
                    size_t q = buf_.find('"', pos_);
                    size_t stop = q == std::string::npos ? buf_.size() : q;
                    std::string_view part(buf_.data() + pos_, stop - pos_);
                    line_ += static_cast<size_t>(std::count(part.begin(), part.end(), '\n'));
                    f.append(part);
                    pos_ = stop;
                    if (f.size() > options_.max_field_bytes)
                        return fail(Status{ErrorCode::kTooLarge,
                                           options_.source_name + ":" + std::to_string(quote_line) +
                                               ": veld langer dan " +
                                               std::to_string(options_.max_field_bytes) +
                                               " bytes (aanhalingsteken niet gesloten?)"});
                    if (q == std::string::npos) {
                        if (eof_)
                            return fail(Status{
                                ErrorCode::kInvalidInput,
                                options_.source_name + ":" + std::to_string(quote_line) +
                                    ": aanhalingsteken (\") wordt niet gesloten"});
                        auto st = fill();
                        if (!st.isOk()) return fail(st);
                        continue;
                    }
                    // At a quote: doubled quote or the closing one?
                    if (pos_ + 1 >= buf_.size() && !eof_) {
                        auto st = fill();
                        if (!st.isOk()) return fail(st);
                    }
                    if (pos_ + 1 < buf_.size() && buf_[pos_ + 1] == '"') {
                        f += '"';
                        pos_ += 2;
                        continue;
                    }
                    ++pos_;
                    break;
                }
                // Only spaces may follow a closing quote before the separator.
                for (;;) {
                    if (pos_ >= buf_.size() && !eof_) {
                        auto st = fill();
                        if (!st.isOk()) return fail(st);
                    }
                    if (pos_ < buf_.size() && (buf_[pos_] == ' ' || buf_[pos_] == '\t') &&
                        sep != buf_[pos_]) {
                        ++pos_;
                        continue;
                    }
                    break;
                }
                if (pos_ < buf_.size() && buf_[pos_] != sep && buf_[pos_] != '\n' &&
                    buf_[pos_] != '\r')
                    return fail(fieldError("tekst na een afsluitend aanhalingsteken in kolom " +
                                           std::to_string(count_) +
                                           " (gebruik \"\" voor een aanhalingsteken in een veld)"));
            } else {
                for (;;) {
                    size_t i = pos_;
                    const size_t n = buf_.size();
                    const char* d = buf_.data();
                    // Eight bytes at a time while none of them ends the field.
                    while (i + 8 <= n) {
                        uint64_t w;
                        std::memcpy(&w, d + i, 8);
                        if (hasByte(w, sep) || hasByte(w, '\n') || hasByte(w, '\r')) break;
                        i += 8;
                    }
                    while (i < n && d[i] != sep && d[i] != '\n' && d[i] != '\r') ++i;
                    f.append(d + pos_, i - pos_);
                    pos_ = i;
                    if (f.size() > options_.max_field_bytes)
                        return fail(Status{ErrorCode::kTooLarge,
                                           options_.source_name + ":" + std::to_string(line_) +
                                               ": veld langer dan " +
                                               std::to_string(options_.max_field_bytes) + " bytes"});
                    if (i < n || eof_) break;
                    auto st = fill();
                    if (!st.isOk()) return fail(st);
                }
            }
            // Delimiter after the field.
            if (pos_ >= buf_.size()) {
                end_of_record = true;  // end of input
            } else if (buf_[pos_] == sep) {
                ++pos_;
                // A separator at the very end of input still opens an (empty) last field.
                if (pos_ >= buf_.size() && !eof_) {
                    auto st = fill();
                    if (!st.isOk()) return fail(st);
                }
                if (pos_ >= buf_.size()) {
                    nextField();
                    end_of_record = true;
                }
            } else {
                if (buf_[pos_] == '\r') {
                    ++pos_;
                    if (pos_ >= buf_.size() && !eof_) {
                        auto st = fill();
                        if (!st.isOk()) return fail(st);
                    }
                    if (pos_ < buf_.size() && buf_[pos_] == '\n') ++pos_;
                } else {
                    ++pos_;
                }
                ++line_;
                end_of_record = true;
            }
        }
        // Skip blank lines (a single empty unquoted field).
        if (count_ == 1 && fields_[0].empty()) continue;
        if (views_.size() < count_) views_.resize(count_);
        for (size_t k = 0; k < count_; ++k) views_[k] = fields_[k];
        return true;
    }
}

}  // namespace sluis::csv

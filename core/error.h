#pragma once
/// Central error codes and the result type used for every expected failure in Sluis.
///
/// Expected failures (bad input, unreachable peer, missing consent) are values, never exceptions.
/// This list is the only thing mapped to HTTP status codes and process exit codes. Messages are
/// written for a school's IT staff (Dutch) and never contain personal values: they name files,
/// lines, field paths and ids.
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace sluis {

enum class ErrorCode : int {
    kOk = 0,
    kInvalidArgument = 1,   ///< Caller passed something malformed (CLI, API body).
    kInvalidConfig = 2,     ///< Configuration failed validation.
    kInvalidInput = 3,      ///< A data file or payload is malformed (CSV, XML, JSON, encoding).
    kValidationFailed = 4,  ///< Well-formed data that breaks the model or a standard's rules.
    kNotFound = 5,
    kAlreadyExists = 6,
    kConflict = 7,           ///< State does not allow the operation (e.g. illegal transition).
    kUnauthenticated = 8,    ///< No or unknown credentials.
    kPermissionDenied = 9,   ///< Known caller, wrong role.
    kUnavailable = 10,       ///< Peer or resource temporarily unavailable: retry later.
    kStorage = 11,           ///< The store failed (I/O, corruption, not a database).
    kCrypto = 12,            ///< Key missing or wrong, payload cannot be decrypted.
    kIo = 13,                ///< Filesystem error.
    kRejected = 14,          ///< Peer refused permanently: do not retry.
    kTooLarge = 15,          ///< Input exceeds a configured limit.
    kInternal = 16,          ///< Invariant broken: a bug.
};

/// Stable, machine-readable name of a code (used in logs and API error bodies).
const char* errorCodeName(ErrorCode code);
/// HTTP status for a code (the only place this mapping lives).
int httpStatus(ErrorCode code);
/// Process exit code for a code (0 ok, 1 validation/input problems, 2 unreadable input/usage,
/// 3 environment: storage, crypto, io, config).
int exitCode(ErrorCode code);

/// An error: a code plus a message for humans. The message must not contain personal values.
struct Error {
    ErrorCode code = ErrorCode::kInternal;
    std::string message;

    std::string toString() const;
};

/// Either success or an Error. Cheap to return; `[[nodiscard]]` so failures are not dropped.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error e) : error_(std::move(e)) {}  // NOLINT: implicit by design
    Status(ErrorCode code, std::string message) : error_(Error{code, std::move(message)}) {}

    static Status ok() { return Status(); }
    bool isOk() const { return !error_.has_value(); }
    explicit operator bool() const { return isOk(); }
    const Error& error() const { return *error_; }
    ErrorCode code() const { return error_ ? error_->code : ErrorCode::kOk; }
    std::string message() const { return error_ ? error_->message : std::string(); }

private:
    std::optional<Error> error_;
};

/// A value or an Error.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
    Result(Error e) : v_(std::move(e)) {}      // NOLINT
    Result(ErrorCode code, std::string message) : v_(Error{code, std::move(message)}) {}
    Result(Status s) : v_(s.isOk() ? Error{ErrorCode::kInternal, "leeg resultaat"} : s.error()) {}

    bool isOk() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return isOk(); }
    T& value() & { return std::get<T>(v_); }
    const T& value() const& { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    T* operator->() { return &std::get<T>(v_); }
    const T* operator->() const { return &std::get<T>(v_); }
    T& operator*() & { return std::get<T>(v_); }
    const T& operator*() const& { return std::get<T>(v_); }
    T&& operator*() && { return std::get<T>(std::move(v_)); }
    const Error& error() const { return std::get<Error>(v_); }
    Status status() const { return isOk() ? Status() : Status(error()); }

private:
    std::variant<T, Error> v_;
};

#define SLUIS_RETURN_IF_ERROR(expr)          \
    do {                                     \
        ::sluis::Status _st = (expr);        \
        if (!_st.isOk()) return _st.error(); \
    } while (0)

}  // namespace sluis

#include "core/error.h"

namespace sluis {

const char* errorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kOk: return "ok";
        case ErrorCode::kInvalidArgument: return "invalid_argument";
        case ErrorCode::kInvalidConfig: return "invalid_config";
        case ErrorCode::kInvalidInput: return "invalid_input";
        case ErrorCode::kValidationFailed: return "validation_failed";
        case ErrorCode::kNotFound: return "not_found";
        case ErrorCode::kAlreadyExists: return "already_exists";
        case ErrorCode::kConflict: return "conflict";
        case ErrorCode::kUnauthenticated: return "unauthenticated";
        case ErrorCode::kPermissionDenied: return "permission_denied";
        case ErrorCode::kUnavailable: return "unavailable";
        case ErrorCode::kStorage: return "storage";
        case ErrorCode::kCrypto: return "crypto";
        case ErrorCode::kIo: return "io";
        case ErrorCode::kRejected: return "rejected";
        case ErrorCode::kTooLarge: return "too_large";
        case ErrorCode::kInternal: return "internal";
    }
    return "internal";
}

int httpStatus(ErrorCode code) {
    switch (code) {
        case ErrorCode::kOk: return 200;
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kInvalidInput: return 400;
        case ErrorCode::kValidationFailed: return 422;
        case ErrorCode::kNotFound: return 404;
        case ErrorCode::kAlreadyExists:
        case ErrorCode::kConflict: return 409;
        case ErrorCode::kUnauthenticated: return 401;
        case ErrorCode::kPermissionDenied: return 403;
        case ErrorCode::kTooLarge: return 413;
        case ErrorCode::kUnavailable: return 503;
        case ErrorCode::kRejected: return 422;
        case ErrorCode::kInvalidConfig:
        case ErrorCode::kStorage:
        case ErrorCode::kCrypto:
        case ErrorCode::kIo:
        case ErrorCode::kInternal: return 500;
    }
    return 500;
}

int exitCode(ErrorCode code) {
    switch (code) {
        case ErrorCode::kOk: return 0;
        case ErrorCode::kValidationFailed:
        case ErrorCode::kInvalidConfig:
        case ErrorCode::kConflict:
        case ErrorCode::kRejected:
        case ErrorCode::kAlreadyExists:
        case ErrorCode::kPermissionDenied:
        case ErrorCode::kUnauthenticated: return 1;
        case ErrorCode::kInvalidArgument:
        case ErrorCode::kInvalidInput:
        case ErrorCode::kNotFound:
        case ErrorCode::kTooLarge: return 2;
        case ErrorCode::kUnavailable:
        case ErrorCode::kStorage:
        case ErrorCode::kCrypto:
        case ErrorCode::kIo:
        case ErrorCode::kInternal: return 3;
    }
    return 3;
}

std::string Error::toString() const {
    return std::string(errorCodeName(code)) + ": " + message;
}

}  // namespace sluis

#pragma once
/// Small text helpers shared by parsers: encoding checks and trimming.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace sluis::util {

/// Ok when `bytes` is valid UTF-8; otherwise an error naming the byte offset (and line).
Status checkUtf8(std::string_view bytes);
/// `bytes` without a leading UTF-8 byte order mark.
std::string_view stripUtf8Bom(std::string_view bytes);
bool isBlank(std::string_view s);
std::string trim(std::string_view s);
/// The words of `s`, split on spaces, tabs and line breaks (empty words dropped): how a one-string
/// list such as LAS "Voornamen" becomes a canonical list (`voornamenlijst`).
std::vector<std::string> splitWords(std::string_view s);
/// Lower-case hex of `data`.
std::string toHex(std::string_view data);
/// The bytes of a hex text (either case); nullopt when it is not an even-length hex text.
std::optional<std::string> fromHex(std::string_view hex);
/// Standard base64 (RFC 4648, with padding, no line breaks).
std::string encodeBase64(std::string_view data);
/// Strict decoding of standard base64; whitespace is ignored, anything else that is not base64
/// (wrong padding, non-zero unused bits) is an error, so every accepted text is canonical.
Result<std::string> decodeBase64(std::string_view text);

}  // namespace sluis::util

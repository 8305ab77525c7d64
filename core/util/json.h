#pragma once
/// Parsing JSON from untrusted input with a nesting limit. nlohmann's parser and its value copies
/// recurse once per nesting level, so a deeply nested text (100,000 `[`) overflows the stack.
/// Every parse of input Sluis does not control goes through here: a linear pre-scan (strings and
/// escapes respected) refuses too deep a text before nlohmann sees it.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace sluis::util {

inline constexpr int kMaxJsonDepth = 64;

/// Empty when `text` nests at most `max_depth` arrays/objects deep; otherwise a Dutch message that
/// names `origin` (a file, "verzoek", ...), the line of the first too-deep bracket and the limit.
/// Never quotes content.
std::string jsonDepthError(std::string_view text, std::string_view origin,
                           int max_depth = kMaxJsonDepth);

/// As `json::parse(text, nullptr, false)`: a discarded value on a syntax error, and also when the
/// text nests deeper than `max_depth`.
nlohmann::json parseJsonOrDiscarded(std::string_view text, int max_depth = kMaxJsonDepth);

/// Thrown by `parseJson` when the text nests too deep (what(): the Dutch message).
class JsonTooDeep : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// As `json::parse(text)` (throws json::parse_error on a syntax error), but throws `JsonTooDeep`
/// first when the text nests deeper than `max_depth`.
nlohmann::json parseJson(std::string_view text, std::string_view origin,
                         int max_depth = kMaxJsonDepth);

}  // namespace sluis::util

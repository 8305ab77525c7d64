#include "core/util/json.h"

namespace sluis::util {

std::string jsonDepthError(std::string_view text, std::string_view origin, int max_depth) {
    int depth = 0;
    size_t line = 1;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\n') ++line;
        if (in_string) {
            if (c == '\\')
                ++i;  // the escaped character never ends the string (an escaped newline is invalid JSON anyway)
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > max_depth) {
                // A text of one line (an API body, a JSONL record) is named by its origin alone:
                // "regel 1" would only suggest there are more.
                bool one_line = text.find('\n') == std::string_view::npos;
                std::string where(origin);
                if (!one_line) where += (where.empty() ? "regel " : ", regel ") + std::to_string(line);
                if (!where.empty()) where += ": ";
                return where + "JSON te diep genest (meer dan " + std::to_string(max_depth) + " niveaus)";
            }
        } else if (c == ']' || c == '}') {
            if (depth > 0) --depth;
        }
    }
    return {};
}

nlohmann::json parseJsonOrDiscarded(std::string_view text, int max_depth) {
    if (!jsonDepthError(text, "", max_depth).empty()) return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(text, nullptr, false);
}

nlohmann::json parseJson(std::string_view text, std::string_view origin, int max_depth) {
    if (auto e = jsonDepthError(text, origin, max_depth); !e.empty()) throw JsonTooDeep(e);
    return nlohmann::json::parse(text);
}

}  // namespace sluis::util

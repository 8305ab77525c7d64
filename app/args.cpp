#include "app/args.h"

#include <algorithm>

namespace sluis::app {

Result<ParsedArgs> parseArgs(const Args& args, const std::vector<std::string>& keys,
                             const std::vector<std::string>& flags, bool allow_positional) {
    ParsedArgs out;
    auto listed = [](const std::vector<std::string>& v, const std::string& k) {
        return std::find(v.begin(), v.end(), k) != v.end();
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (!a.starts_with("--") || a == "--") {
            if (!allow_positional)
                return Error{ErrorCode::kInvalidArgument, "onverwacht argument " + a};
            out.positional.push_back(a);
            continue;
        }
        std::string k = a.substr(2);
        if (listed(flags, k)) {
            out.flags.insert(k);
        } else if (listed(keys, k)) {
            if (i + 1 >= args.size())
                return Error{ErrorCode::kInvalidArgument, a + " verwacht een waarde"};
            out.values[k] = args[++i];
        } else {
            return Error{ErrorCode::kInvalidArgument, "onbekende optie " + a};
        }
    }
    return out;
}

}  // namespace sluis::app

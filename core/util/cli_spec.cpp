#include "core/util/cli_spec.h"

#include <algorithm>

namespace sluis::cli {

namespace {

const Option* findOption(const Spec& spec, const std::string& name) {
    for (const auto& o : spec.options)
        if (o.name == name) return &o;
    return nullptr;
}

std::string helpHint(const Spec& spec) { return "zie 'sluis " + spec.path + " --help'"; }

std::string optionSynopsis(const Option& o) {
    return "--" + o.name + (o.value.empty() ? "" : " " + o.value);
}

}  // namespace

Result<Parsed> parse(const Spec& spec, const std::vector<std::string>& args) {
    Parsed out;
    bool options_done = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (options_done || !a.starts_with("--") || a == "--") {
            if (a == "--" && !options_done) {
                options_done = true;
                continue;
            }
            if (spec.operands.empty())
                return Error{ErrorCode::kInvalidArgument,
                             "onverwacht argument '" + a + "' bij 'sluis " + spec.path + "'; " + helpHint(spec)};
            out.positional.push_back(a);
            continue;
        }
        std::string name = a.substr(2), value;
        bool inline_value = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        const Option* o = findOption(spec, name);
        if (!o)
            return Error{ErrorCode::kInvalidArgument,
                         "onbekende optie --" + name + " bij 'sluis " + spec.path + "'; " + helpHint(spec)};
        if (o->value.empty()) {
            if (inline_value)
                return Error{ErrorCode::kInvalidArgument, "--" + name + " heeft geen waarde; " + helpHint(spec)};
            out.flags.insert(name);
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= args.size())
                return Error{ErrorCode::kInvalidArgument,
                             "--" + name + " verwacht een waarde (" + o->value + "); " + helpHint(spec)};
            value = args[++i];
        }
        if (!o->repeats && out.values.count(name))
            return Error{ErrorCode::kInvalidArgument, "--" + name + " staat er twee keer; " + helpHint(spec)};
        out.values[name] = value;
        out.lists[name].push_back(value);
    }
    return out;
}

std::string usage(const Spec& spec) {
    std::string s = "gebruik: sluis " + spec.path;
    if (!spec.subs.empty()) {
        s += " <opdracht> [opties]\n\n" + spec.summary + "\n\nopdrachten:\n";
        size_t width = 0;
        for (const auto& sub : spec.subs) width = std::max(width, sub.path.size());
        for (const auto& sub : spec.subs)
            s += "  sluis " + sub.path + std::string(width - sub.path.size() + 2, ' ') + sub.summary + "\n";
        s += "\nde opties van een opdracht: sluis " + spec.path + " <opdracht> --help\n";
    } else {
        if (!spec.options.empty()) s += " [opties]";
        if (!spec.operands.empty()) s += " " + spec.operands;
        s += "\n\n" + spec.summary + "\n\nopties:\n";
        std::vector<std::pair<std::string, std::string>> rows;
        for (const auto& o : spec.options)
            rows.emplace_back(optionSynopsis(o), o.help + (o.repeats ? " (mag vaker)" : ""));
        rows.emplace_back("-h, --help", "toont deze uitleg");
        size_t width = 0;
        for (const auto& r : rows) width = std::max(width, r.first.size());
        for (const auto& r : rows) s += "  " + r.first + std::string(width - r.first.size() + 2, ' ') + r.second + "\n";
    }
    if (!spec.notes.empty()) s += "\n" + spec.notes + (spec.notes.ends_with("\n") ? "" : "\n");
    return s;
}

const Spec* findSub(const Spec& spec, const std::string& name) {
    for (const auto& s : spec.subs)
        if (s.path == spec.path + " " + name) return &s;
    return nullptr;
}

bool wantsHelp(const std::vector<std::string>& args) {
    for (const auto& a : args) {
        if (a == "--") return false;
        if (a == "--help" || a == "-h") return true;
    }
    return false;
}

Error unknownSub(const Spec& spec, const std::string& name) {
    if (name.empty())
        return Error{ErrorCode::kInvalidArgument, "sluis " + spec.path + " verwacht een opdracht; " + helpHint(spec)};
    return Error{ErrorCode::kInvalidArgument,
                 "onbekende opdracht 'sluis " + spec.path + " " + name + "'; " + helpHint(spec)};
}

std::vector<Option> join(std::vector<Option> options, const std::vector<Option>& more) {
    options.insert(options.end(), more.begin(), more.end());
    return options;
}

}  // namespace sluis::cli

#pragma once
/// The web interface's own small template substitution (docs/web.md). In a template,
/// `{{name}}` is replaced by the HTML-escaped value of `name`, `{{{name}}}` by the value as is
/// (only for fragments the code built with `escape`); an unknown name renders as nothing.
/// Templates and the stylesheet come from web/templates and web/static, embedded in the binary.
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace sluis::web {

using Vars = std::map<std::string, std::string>;

/// &, <, >, " and ' as character references.
std::string escape(std::string_view text);
/// Renders `tmpl` with `vars`.
std::string render(std::string_view tmpl, const Vars& vars);
/// The embedded template `name` (e.g. "login.html"), or nullopt.
std::optional<std::string_view> templateText(const std::string& name);
/// The embedded static file `name` (e.g. "style.css"), or nullopt.
std::optional<std::string_view> staticFile(const std::string& name);

}  // namespace sluis::web

#pragma once
/// The texts of the notification mails. They live as templates in config/mail/<kind>.txt (Dutch;
/// the first line is "Onderwerp: ...", then an empty line, then the body) and are embedded in
/// the binary at build time; the code only fills in the placeholders ({leerling}, {doel}, ...).
/// docs/notify.md ("Mail texts") lists the templates and their placeholders.
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluis::notify {

struct MailText {
    std::string subject;
    std::string body;
};

/// The kinds with a template: delivery_missed, withdrawn, procedure_saved.
std::vector<std::string> mailKinds();

/// The template of `kind` with every `{name}` replaced by `vars[name]`. A placeholder without a
/// value stays as it is (the template tests catch that). Throws std::invalid_argument for an
/// unknown kind (a programming error: the kinds are fixed).
MailText renderMail(std::string_view kind, const std::map<std::string, std::string>& vars);

}  // namespace sluis::notify

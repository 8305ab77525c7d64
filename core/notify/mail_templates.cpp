#include "core/notify/mail_templates.h"

#include <stdexcept>

namespace sluis::embedded {
extern const std::string_view kMailDeliveryMissed;
extern const std::string_view kMailWithdrawn;
extern const std::string_view kMailProcedureSaved;
}  // namespace sluis::embedded

namespace sluis::notify {

namespace {
std::string_view templateOf(std::string_view kind) {
    if (kind == "delivery_missed") return embedded::kMailDeliveryMissed;
    if (kind == "withdrawn") return embedded::kMailWithdrawn;
    if (kind == "procedure_saved") return embedded::kMailProcedureSaved;
    throw std::invalid_argument("geen mailsjabloon voor '" + std::string(kind) + "'");
}

std::string fill(std::string_view text, const std::map<std::string, std::string>& vars) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (text[i] == '{') {
            auto close = text.find('}', i);
            if (close != std::string_view::npos) {
                auto it = vars.find(std::string(text.substr(i + 1, close - i - 1)));
                if (it != vars.end()) {
                    out += it->second;
                    i = close + 1;
                    continue;
                }
            }
        }
        out += text[i++];
    }
    return out;
}
}  // namespace

std::vector<std::string> mailKinds() { return {"delivery_missed", "withdrawn", "procedure_saved"}; }

MailText renderMail(std::string_view kind, const std::map<std::string, std::string>& vars) {
    std::string_view t = templateOf(kind);
    constexpr std::string_view kSubject = "Onderwerp: ";
    MailText m;
    if (t.starts_with(kSubject)) {
        auto eol = t.find('\n');
        m.subject = fill(t.substr(kSubject.size(), eol - kSubject.size()), vars);
        t = eol == std::string_view::npos ? std::string_view() : t.substr(eol + 1);
        if (t.starts_with("\n")) t.remove_prefix(1);
    }
    m.body = fill(t, vars);
    return m;
}

}  // namespace sluis::notify

// The disclosure register of a pupil: what was disclosed to whom (JSON, or a Dutch report).
#include "core/api/consent_decisions.h"
#include "core/api/request.h"
#include "core/policy/disclosures.h"

namespace sluis::api::detail {

void disclosures(Request& r) {
    const std::string& pupil = r.id();
    const std::string format = r.param("format");
    auto reg = pupilDisclosures(r.decision(), pupil, format);  // role, visibility, audit
    if (!reg) return r.sendError(reg.error());
    if (format == "html" || format == "text") {
        std::string body = policy::renderDisclosureReport(*reg, format);
        r.resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        r.resp.setContentType(format == "html" ? "text/html; charset=utf-8"
                                               : "text/plain; charset=utf-8");
        r.resp.setContentLength(static_cast<std::streamsize>(body.size()));
        r.resp.send() << body;
        return;
    }
    r.sendJson(200, *reg);
}

}  // namespace sluis::api::detail

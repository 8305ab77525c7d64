#include "core/api/request.h"

#include <algorithm>

namespace sluis::api::detail {

using nlohmann::json;

std::string Request::param(const std::string& key) const {
    for (const auto& [k, v] : query)
        if (k == key) return v;
    return std::string();
}

bool Request::hasRole(const std::vector<std::string>& roles) const {
    return std::find(roles.begin(), roles.end(), caller.role) != roles.end();
}

Status Request::requireRole(const std::vector<std::string>& roles, const std::string& what) const {
    if (hasRole(roles)) return {};
    return {ErrorCode::kPermissionDenied, "rol '" + caller.role + "' mag niet " + what};
}

std::optional<std::set<std::string>> Request::visiblePurposes() const {
    return api::visiblePurposes(decision());
}

Result<store::Transfer> Request::visibleTransfer(const std::string& id) const {
    return api::visibleTransfer(decision(), id);
}

void Request::sendJson(int status, const json& body) { detail::sendJson(resp, status, body); }

void Request::sendError(const Error& e) { detail::sendError(resp, e); }

void sendJson(Poco::Net::HTTPServerResponse& resp, int status, const json& body) {
    std::string text = body.dump(2) + "\n";
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    resp.setContentType("application/json; charset=utf-8");
    resp.setContentLength(static_cast<std::streamsize>(text.size()));
    resp.send() << text;
}

void sendError(Poco::Net::HTTPServerResponse& resp, const Error& e) {
    sendJson(resp, httpStatus(e.code),
             {{"error", {{"code", errorCodeName(e.code)}, {"message", e.message}}}});
}

std::string field(const json& body, const char* key) {
    return body.contains(key) && body[key].is_string() ? body[key].get<std::string>() : "";
}

std::string join(const std::vector<std::string>& parts, const char* separator) {
    std::string out;
    for (const auto& part : parts) out += (out.empty() ? "" : separator) + part;
    return out;
}

}  // namespace sluis::api::detail

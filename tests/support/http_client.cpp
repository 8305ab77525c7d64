#include "tests/support/http_client.h"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <iterator>

namespace sluis::test {

HttpReply httpCall(int port, const std::string& method, const std::string& path,
                   const std::string& token, const nlohmann::json& body) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!token.empty()) req.set("Authorization", "Bearer " + token);
    std::string text = body.is_null() ? "" : body.dump();
    req.setContentLength(static_cast<std::streamsize>(text.size()));
    if (!text.empty()) req.setContentType("application/json");
    session.sendRequest(req) << text;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return {static_cast<int>(resp.getStatus()), nlohmann::json::parse(raw, nullptr, false), raw};
}

}  // namespace sluis::test

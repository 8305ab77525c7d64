// GET /health and GET /metrics: no token needed, no personal data.
#include "core/api/request.h"

namespace sluis::api::detail {

void health(Request& r) {
    auto counts = r.store.countByState();
    if (!counts) {
        return r.sendJson(503,
                          {{"status", "degraded"}, {"store", errorCodeName(counts.error().code)}});
    }
    r.sendJson(200, {{"status", "ok"}, {"store", "ok"}, {"time", formatIso(r.clock.now())}});
}

void metrics(Request& r) {
    auto counts = r.store.countByState();
    std::map<transfer::State, long long> by_state;
    if (counts) by_state = *counts;
    std::string body = r.metrics.render(by_state);
    r.resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    r.resp.setContentType("text/plain; version=0.0.4");
    r.resp.setContentLength(static_cast<std::streamsize>(body.size()));
    r.resp.send() << body;
}

}  // namespace sluis::api::detail

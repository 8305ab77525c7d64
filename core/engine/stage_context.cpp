#include "core/engine/stage_context.h"

#include "core/util/log.h"

namespace sluis::engine {

StageContext::StageContext(std::shared_ptr<const config::Config> cfg,
                           const connector::ConnectorRegistry& connectors_,
                           const mapper::MapperRegistry& mappers_, store::TransferStore& store_,
                           const Clock& clock_, Metrics& metrics_, std::string instance_id_)
    : config(std::move(cfg)),
      connectors(connectors_),
      mappers(mappers_),
      store(store_),
      clock(clock_),
      metrics(metrics_),
      gates(config, store_, clock_),
      instance_id(std::move(instance_id_)) {}

const config::RouteConfig* StageContext::route(const std::string& name) const {
    for (const auto& r : config->routes)
        if (r.name == name) return &r;
    return nullptr;
}

store::TransitionUpdate StageContext::claimed() const {
    store::TransitionUpdate u;
    u.claim = claim;
    return u;
}

void StageContext::transitionFailed(const std::string& id, const Status& st) const {
    if (st.code() == ErrorCode::kConflict) {
        // Another daemon or a person changed the transfer first (or took over a claim whose
        // lease ran out): nothing to do here, the transfer is where they put it.
        log::info("engine.claim_lost", {{"transfer_id", id}, {"instance", instance_id}});
        return;
    }
    log::error("engine.transition_failed", {{"transfer_id", id}, {"message", st.message()}});
}

store::AuditEvent engineEvent(const std::string& name, const store::Transfer& t,
                              nlohmann::json details) {
    return store::AuditEvent{kActor, name, t.id, t.purpose, std::move(details)};
}

}  // namespace sluis::engine

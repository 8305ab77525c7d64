#pragma once
/// What the engine's stages share: the configuration, the store, the clock, the connector
/// instances, the gates, this daemon's instance id and the claim of the current pass.
///
/// One context per engine; the stages (ingest, schedule, render, deliver, notify,
/// housekeeping) hold a reference to it and keep only their own state. See
/// docs/architecture.md, "The engine's stages".
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "core/config/config.h"
#include "core/engine/metrics.h"
#include "core/policy/gates.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"

namespace sluis::engine {

/// The actor of everything the engine does in the audit log.
inline constexpr const char* kActor = "sluis";

struct StageContext {
    StageContext(std::shared_ptr<const config::Config> config,
                 const connector::ConnectorRegistry& connectors,
                 const mapper::MapperRegistry& mappers, store::TransferStore& store,
                 const Clock& clock, Metrics& metrics, std::string instance_id);

    std::shared_ptr<const config::Config> config;
    const connector::ConnectorRegistry& connectors;
    const mapper::MapperRegistry& mappers;
    store::TransferStore& store;
    const Clock& clock;
    Metrics& metrics;
    policy::Gates gates;
    /// This daemon instance's id (random per start): the owner of every claim it makes.
    const std::string instance_id;
    std::map<std::string, std::unique_ptr<connector::Source>> sources;
    std::map<std::string, std::unique_ptr<connector::Sink>> sinks;
    /// What the current pass claimed, and until when.
    store::Claim claim;

    const config::RouteConfig* route(const std::string& name) const;
    /// An update made under this pass's claim (refused when the claim was lost).
    store::TransitionUpdate claimed() const;
    /// Logs a refused transition: quietly when another daemon or a person got there first.
    void transitionFailed(const std::string& id, const Status& st) const;
};

/// An audit event of the engine about one transfer.
store::AuditEvent engineEvent(const std::string& name, const store::Transfer& t,
                              nlohmann::json details = nlohmann::json::object());

}  // namespace sluis::engine

#pragma once
/// The engine moves transfers through their states: it polls sources and stores what they offer
/// (then acknowledges upstream), renders stored records for their destination, applies the gates
/// (consent, approvals), and delivers through sinks with retries, back-off and dead-lettering.
///
/// One worker thread drives it (`run`); `runOnce` does a single pass and is what tests call.
/// Connectors are created from the config through the registries; the engine never names one.
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>

#include "core/config/config.h"
#include "core/notify/smtp.h"
#include "core/engine/metrics.h"
#include "core/policy/gates.h"
#include "core/store/transfer_store.h"
#include "core/util/clock.h"

namespace sluis::engine {

class Engine {
public:
    Engine(std::shared_ptr<const config::Config> config,
           const connector::ConnectorRegistry& connectors, const mapper::MapperRegistry& mappers,
           store::TransferStore& store, const Clock& clock, Metrics& metrics);

    /// Creates every configured connector instance. Fails fast with the instance name.
    Status start();

    /// One pass: every source once, then up to batch_size due transfers. Returns the number of
    /// things done (0 = idle). Never throws: a failure is logged with ids, counted, and the
    /// pass continues with the next item.
    size_t runOnce();

    /// Loops until `stop()`; sleeps poll_interval when idle.
    void run();
    void stop();

    /// This daemon instance's id (random per start): the owner of every claim it makes.
    const std::string& instanceId() const { return instance_id_; }

private:
    size_t pollSource(const config::RouteConfig& route);
    bool process(const store::Transfer& t);
    bool render(const store::Transfer& t, const config::RouteConfig& route);
    bool gate(const store::Transfer& t);
    void purge();
    /// Signs a checkpoint of the audit chain's head every `audit.checkpoint_interval`.
    void checkpoint();
    /// Sends due notification mails from the outbox (with back-off); without SMTP settings they wait.
    size_t sendNotifications();
    /// For routes with a schedule: whether the source should be read in this pass (claims the
    /// due time exactly once; applies the purpose's catch-up policy to missed due times).
    bool scheduleFires(const config::RouteConfig& route);
    /// The purpose's catch-up policy for a scheduled transfer whose delivery date passed while
    /// the daemon was down. Returns true when it handled (skipped) the transfer.
    bool missedDelivery(const store::Transfer& t);
    bool deliver(store::Transfer t, const config::RouteConfig& route);
    const config::RouteConfig* route(const std::string& name) const;
    std::chrono::milliseconds backoff(int attempts) const;
    /// An update made under this pass's claim (refused when the claim was lost).
    store::TransitionUpdate claimed() const;
    /// Logs a refused transition: quietly when another daemon or a person got there first.
    void transitionFailed(const std::string& id, const Status& st);
    /// Logs a failed record of a mail attempt: quietly when the claim was lost.
    void notificationRecorded(long long id, const Status& st);

    std::shared_ptr<const config::Config> config_;
    const connector::ConnectorRegistry& connectors_;
    const mapper::MapperRegistry& mappers_;
    store::TransferStore& store_;
    const Clock& clock_;
    Metrics& metrics_;
    std::map<std::string, std::unique_ptr<connector::Source>> sources_;
    std::map<std::string, std::unique_ptr<connector::Sink>> sinks_;

    policy::Gates gates_;
    Timestamp last_purge_{};
    Timestamp last_checkpoint_{};
    std::unique_ptr<notify::SmtpClient> smtp_;

    std::string instance_id_;
    store::Claim claim_;  ///< What this pass claimed, and until when.

    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
};

}  // namespace sluis::engine

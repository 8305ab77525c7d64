#include "core/engine/housekeeping_stage.h"

#include <filesystem>

#include "core/policy/retention.h"
#include "core/store/audit_checkpoints.h"
#include "core/store/audit_verifier.h"
#include "core/util/log.h"

namespace sluis::engine {

using nlohmann::json;
using store::State;
using store::Transfer;
using store::TransitionUpdate;

void HousekeepingStage::run() {
    purge();
    checkpoint();
    verifyChain();
}

void HousekeepingStage::verifyChain() {
    const auto interval = ctx_.config->audit.full_check_interval;
    if (interval.count() <= 0) return;
    Timestamp now = ctx_.clock.now();
    if (started_ == Timestamp{}) started_ = now;
    auto& verifier = ctx_.store.auditVerifier();
    const Timestamp since = verifier.lastFullAt().value_or(started_);
    if (now - since < interval) return;
    store::AuditAnchors anchors;
    auto cps = store::readCheckpointFile(std::filesystem::path(ctx_.config->data_dir) /
                                         store::kCheckpointFile);
    if (!cps) {
        log::error("engine.audit_check_failed", {{"message", cps.error().message}});
        return;
    }
    anchors.checkpoints = std::move(*cps);
    auto check = verifier.full(ctx_.store, anchors, now);
    if (!check) {
        log::error("engine.audit_check_failed", {{"message", check.error().message}});
        return;
    }
    const auto& v = check->verification;
    if (v.ok) {
        log::info("engine.audit_verified", {{"records", v.records}, {"checkpoints", v.checkpoints_checked}});
    } else {
        // Numbers and kinds only: the problem text may name an actor.
        log::error("engine.audit_chain_broken", {{"seq", v.first_bad_seq}, {"kind", v.kind}});
    }
}

void HousekeepingStage::checkpoint() {
    const auto interval = ctx_.config->audit.checkpoint_interval;
    if (interval.count() <= 0) return;
    Timestamp now = ctx_.clock.now();
    if (last_checkpoint_ != Timestamp{} && now - last_checkpoint_ < interval) return;
    last_checkpoint_ = now;
    auto cp = store::writeCheckpoint(
        ctx_.store, std::filesystem::path(ctx_.config->data_dir) / store::kCheckpointFile, now,
        /*force=*/false);
    if (!cp) {
        log::error("engine.checkpoint_failed", {{"message", cp.error().message}});
    } else if (cp->has_value()) {
        log::info("engine.audit_checkpoint", {{"seq", (*cp)->seq}});
    }
}

void HousekeepingStage::purge() {
    Timestamp now = ctx_.clock.now();
    if (now - last_purge_ < ctx_.config->worker.purge_interval) return;
    last_purge_ = now;
    // One daemon purges per interval: the lease is held for the interval, not given back.
    auto held = ctx_.store.claimLease("purge", ctx_.instance_id, now,
                                      now + ctx_.config->worker.purge_interval);
    if (!held) {
        log::error("engine.purge_failed", {{"message", held.error().message}});
        return;
    }
    if (!*held) return;
    auto n = policy::purgeDue(*ctx_.config, ctx_.store, now, kActor);
    if (!n) {
        log::error("engine.purge_failed", {{"message", n.error().message}});
    } else if (*n > 0) {
        log::info("engine.purged", {{"transfers", *n}});
    }
    // Expired web sessions (docs/web.md): one statement, one count in the log, never a line per
    // session.
    if (ctx_.config->admin.web.enabled) {
        const auto& web = ctx_.config->admin.web;
        auto sessions = ctx_.store.purgeSessions({now - web.idle_timeout, now - web.absolute_timeout});
        if (!sessions) {
            log::error("engine.purge_failed", {{"message", sessions.error().message}});
        } else if (*sessions > 0) {
            log::info("engine.sessions_purged", {{"sessions", *sessions}});
        }
    }
    // Files the sources kept (processed exports, refused files) past their retention.
    auto files = policy::expiredFiles(ctx_.sources, now);
    if (!files) {
        log::error("engine.purge_failed", {{"message", files.error().message}});
        return;
    }
    size_t removed = 0;
    for (const auto& f : *files) {
        auto st = ctx_.sources.at(f.source)->removeRetained(f.file);
        if (!st) {
            log::error("engine.purge_failed", {{"source", f.source}, {"message", st.message()}});
            continue;
        }
        auto audited =
            ctx_.store.audit({kActor,
                              "file_purged",
                              "",
                              "",
                              {{"source", f.source},
                               {"kind", f.file.kind},
                               {"file", std::filesystem::path(f.file.path).filename().string()}}},
                             now);
        if (!audited) log::error("engine.purge_failed", {{"message", audited.message()}});
        ++removed;
    }
    if (removed > 0) log::info("engine.files_purged", {{"files", removed}});
}

}  // namespace sluis::engine

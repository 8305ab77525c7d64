#include "core/policy/retention.h"

#include <algorithm>

namespace sluis::policy {

using store::State;

namespace {

Status collect(store::TransferStore& store, store::ListFilter f, std::chrono::milliseconds retention,
               bool from_creation, std::vector<PurgeItem>& out) {
    f.unpurged_only = true;
    f.limit = 1000;
    while (true) {
        auto page = store.list(f);
        if (!page) return page.error();
        for (auto& t : *page)
            out.push_back({t, (from_creation ? t.created_at : t.updated_at) + retention, from_creation});
        if (page->size() < f.limit) break;
        f.offset += f.limit;
    }
    return {};
}

}  // namespace

Result<std::vector<PurgeItem>> purgeCandidates(const config::Config& config, store::TransferStore& store,
                                               Timestamp now) {
    std::vector<PurgeItem> out;
    for (const auto& [purpose, p] : config.policies) {
        // Delivered: counted from delivery.
        store::ListFilter delivered;
        delivered.purpose = purpose;
        delivered.state = State::kDelivered;
        delivered.updated_before = now - p.retention;
        SLUIS_RETURN_IF_ERROR(collect(store, delivered, p.retention, false, out));
        // Never delivered: counted from creation, whatever state it is in (except in the hands of a sink).
        store::ListFilter never;
        never.purpose = purpose;
        for (State s : transfer::allStates())
            if (s != State::kDelivered && s != State::kDelivering) never.states.push_back(s);
        never.created_before = now - p.retention;
        SLUIS_RETURN_IF_ERROR(collect(store, never, p.retention, true, out));
    }
    // Transfers of a purpose no longer in policies.json: the default retention, the same rules.
    const auto fallback = config::PurposePolicy{}.retention;
    std::vector<PurgeItem> orphans;
    store::ListFilter delivered;
    delivered.state = State::kDelivered;
    delivered.updated_before = now - fallback;
    SLUIS_RETURN_IF_ERROR(collect(store, delivered, fallback, false, orphans));
    store::ListFilter never;
    for (State s : transfer::allStates())
        if (s != State::kDelivered && s != State::kDelivering) never.states.push_back(s);
    never.created_before = now - fallback;
    SLUIS_RETURN_IF_ERROR(collect(store, never, fallback, true, orphans));
    for (auto& i : orphans)
        if (!config.policies.count(i.transfer.purpose)) out.push_back(std::move(i));
    return out;
}

Status purgeOne(store::TransferStore& store, const PurgeItem& item, const std::string& actor, Timestamp now) {
    const store::Transfer& t = item.transfer;
    if (t.state != State::kDelivered && t.state != State::kRejected && t.state != State::kWithdrawn) {
        // Still able to move on (or be requeued): end it first, so nothing tries to use the data.
        store::TransitionUpdate u;
        u.last_error = "bewaartermijn verstreken zonder aflevering; gegevens verwijderd";
        SLUIS_RETURN_IF_ERROR(store.transition(
            t.id, t.state, State::kWithdrawn, u,
            {actor, "retention_expired", t.id, t.purpose,
             {{"state", transfer::stateName(t.state)}, {"created_at", formatIso(t.created_at)}}},
            "bewaartermijn verstreken (geteld vanaf aanmaak); nooit afgeleverd", now));
    }
    return store.purgePayload(t.id, actor, now);
}

Result<size_t> purgeDue(const config::Config& config, store::TransferStore& store, Timestamp now,
                        const std::string& actor) {
    auto items = purgeCandidates(config, store, now);
    if (!items) return items.error();
    size_t n = 0;
    for (const auto& item : *items) {
        auto st = purgeOne(store, item, actor, now);
        if (!st) {
            // Changed meanwhile (e.g. approved, delivered or already purged by another run): next time.
            if (st.code() == ErrorCode::kConflict || st.code() == ErrorCode::kNotFound) continue;
            return st.error();
        }
        ++n;
    }
    return n;
}

Result<std::vector<FilePurgeItem>> expiredFiles(
    const std::map<std::string, std::unique_ptr<connector::Source>>& sources, Timestamp now) {
    std::vector<FilePurgeItem> out;
    for (const auto& [name, src] : sources) {
        auto files = src->expiredFiles(now);
        if (!files) return Error{files.error().code, "bron " + name + ": " + files.error().message};
        for (auto& f : *files) out.push_back({name, std::move(f)});
    }
    return out;
}

}  // namespace sluis::policy

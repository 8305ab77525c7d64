#include "core/policy/retention.h"

namespace sluis::policy {

using store::State;

Result<std::vector<PurgeItem>> purgeCandidates(const config::Config& config, store::TransferStore& store,
                                               Timestamp now) {
    std::vector<PurgeItem> out;
    for (const auto& [purpose, p] : config.policies) {
        store::ListFilter f;
        f.purpose = purpose;
        f.states = {State::kDelivered, State::kRejected, State::kWithdrawn};
        f.updated_before = now - p.retention;
        f.unpurged_only = true;
        f.limit = 1000;
        while (true) {
            auto page = store.list(f);
            if (!page) return page.error();
            for (auto& t : *page) out.push_back({t, t.updated_at + p.retention});
            if (page->size() < f.limit) break;
            f.offset += f.limit;
        }
    }
    return out;
}

Result<size_t> purgeDue(const config::Config& config, store::TransferStore& store, Timestamp now,
                        const std::string& actor) {
    auto items = purgeCandidates(config, store, now);
    if (!items) return items.error();
    size_t n = 0;
    for (const auto& item : *items) {
        auto st = store.purgePayload(item.transfer.id, actor, now);
        if (!st) return st.error();
        ++n;
    }
    return n;
}

}  // namespace sluis::policy

// Verifying the audit chain (audit_verifier.h).
#include "core/store/audit_verifier.h"

#include <algorithm>
#include <map>

#include "core/crypto/signing.h"
#include "core/util/text.h"

namespace sluis::store {

namespace {

/// Where a walk starts: after record `after`, whose hash is `prev` (0 and "": the beginning).
struct Start {
    long long after = 0;
    std::string prev;
};

struct Walked {
    AuditVerification verification;
    std::map<long long, std::string> checkpoint_hashes;  ///< see AuditCheck
    long long walked = 0;   ///< records read in the walk
    std::string last_hash;  ///< hash of the log's last record ("" when empty)
};

/// Checks the records after `start` (sequence, links, keyed hashes); with `registers`, every
/// register row's MAC; then every checkpoint of `anchors` (signature, and the hash of the record
/// it names: read in the walk, or on its own when it lies before `start`).
Result<Walked> walk(TransferStore& store, const AuditAnchors& anchors, const Start& start,
                    bool registers) {
    Walked w;
    AuditVerification& v = w.verification;
    long long after = start.after;
    std::string prev = start.prev;
    long long expected_seq = start.after + 1;
    v.records = start.after;
    // The checkpoints by the record they name; the hash found there is compared after the walk.
    std::map<long long, std::string>& wanted = w.checkpoint_hashes;
    for (const auto& cp : anchors.checkpoints) {
        if (cp.seq <= 0) continue;
        if (cp.seq > start.after) {
            wanted[cp.seq];
            continue;
        }
        auto rec = store.auditLog(cp.seq - 1, 1);
        if (!rec) return rec.error();
        wanted[cp.seq] = !rec->empty() && rec->front().seq == cp.seq ? rec->front().hash : "";
    }
    auto fail = [&](long long seq, const std::string& kind, const std::string& why) {
        v.ok = false;
        v.first_bad_seq = seq;
        v.kind = kind;
        v.problem = why;
        return w;
    };
    while (true) {
        auto page = store.auditLog(after, 1000);
        if (!page) return page.error();
        if (page->empty()) break;
        for (const auto& rec : *page) {
            ++v.records;
            ++w.walked;
            if (rec.seq != expected_seq) {
                // Name the whole missing range, not just its first record.
                if (rec.seq == expected_seq + 1)
                    return fail(expected_seq, "missing",
                                "record " + std::to_string(expected_seq) + " ontbreekt (verwijderd?)");
                if (rec.seq < expected_seq)
                    return fail(rec.seq, "reordered",
                                "record " + std::to_string(rec.seq) + " staat niet op zijn plaats");
                return fail(expected_seq, "missing",
                            "records " + std::to_string(expected_seq) + ".." + std::to_string(rec.seq - 1) +
                                " ontbreken (verwijderd?)");
            }
            if (rec.prev_hash != prev)
                return fail(rec.seq, "reordered",
                            "record " + std::to_string(rec.seq) +
                                " verwijst niet naar het vorige record (volgorde gewijzigd of record vervangen)");
            if (rec.hash != store.auditChainHash(prev, rec.seq, rec.at, rec.event))
                return fail(rec.seq, "rewritten",
                            "record " + std::to_string(rec.seq) +
                                " is gewijzigd: de sleutelhash klopt niet (herschreven buiten Sluis?)");
            if (auto it = wanted.find(rec.seq); it != wanted.end()) it->second = rec.hash;
            prev = rec.hash;
            ++expected_seq;
            after = rec.seq;
        }
    }
    const long long last = expected_seq - 1;
    w.last_hash = prev;
    auto forged = registers ? store.unauthenticRows() : Result<std::vector<std::string>>(std::vector<std::string>{});
    if (!forged) return forged.error();
    if (!forged->empty())
        return fail(0, "register",
                    forged->front() + " is buiten Sluis toegevoegd of gewijzigd (sleutelhash klopt niet)" +
                        (forged->size() > 1 ? "; " + std::to_string(forged->size()) + " rijen in totaal" : ""));
    const std::string trusted = anchors.trusted_public_key.empty() ? store.auditPublicKey()
                                                                   : anchors.trusted_public_key;
    auto trusted_raw = util::fromHex(trusted);
    for (const auto& cp : anchors.checkpoints) {
        const std::string when = formatIso(cp.at);
        auto sig = util::fromHex(cp.signature);
        if (cp.public_key != trusted || !trusted_raw || !sig ||
            !crypto::ed25519Verify(*trusted_raw, checkpointMessage(cp), *sig))
            return fail(cp.seq, "checkpoint",
                        "checkpoint van " + when + " (record " + std::to_string(cp.seq) +
                            ") is niet geldig ondertekend met de vertrouwde sleutel");
        ++v.checkpoints_checked;
        if (cp.seq > last)
            return fail(last + 1, "truncated",
                        "records " + std::to_string(last + 1) + ".." + std::to_string(cp.seq) +
                            " ontbreken: het log eindigt bij record " + std::to_string(last) +
                            ", maar het checkpoint van " + when + " telde er " + std::to_string(cp.seq) +
                            " (ingekort?)");
        if (cp.seq > 0 && wanted[cp.seq] != cp.hash)
            return fail(cp.seq, "rewritten",
                        "record " + std::to_string(cp.seq) + " wijkt af van het checkpoint van " + when +
                            " (log herschreven)");
        v.last_checkpoint_seq = std::max(v.last_checkpoint_seq, cp.seq);
    }
    return w;
}

}  // namespace

Result<AuditVerification> verifyAudit(TransferStore& store, const AuditAnchors& anchors) {
    auto w = walk(store, anchors, {}, /*registers=*/true);
    if (!w) return w.error();
    return w->verification;
}

Result<AuditCheck> AuditVerifier::full(TransferStore& store, const AuditAnchors& anchors,
                                       Timestamp now) {
    auto w = walk(store, anchors, {}, /*registers=*/true);
    if (!w) return w.error();
    std::lock_guard lock(mu_);
    if (w->verification.ok) {
        // A quick check may already have gone further; keep the newer head.
        if (!head_ || head_->seq <= w->verification.records)
            head_ = Head{w->verification.records, w->last_hash};
    } else {
        head_.reset();
    }
    last_full_at_ = now;
    last_full_records_ = w->walked;
    return AuditCheck{w->verification, true, w->walked, last_full_at_, last_full_records_,
                      std::move(w->checkpoint_hashes)};
}

Result<AuditCheck> AuditVerifier::sinceLast(TransferStore& store, const AuditAnchors& anchors,
                                            Timestamp now) {
    std::optional<Head> head;
    {
        std::lock_guard lock(mu_);
        head = head_;
    }
    if (!head) return full(store, anchors, now);
    // The head record must still be there, with the same hash: a log cut back or rewritten at its
    // end is a problem for a full check to describe.
    if (head->seq > 0) {
        auto rec = store.auditLog(head->seq - 1, 1);
        if (!rec) return rec.error();
        if (rec->empty() || rec->front().seq != head->seq || rec->front().hash != head->hash)
            return full(store, anchors, now);
    }
    auto w = walk(store, anchors, Start{head->seq, head->hash}, /*registers=*/false);
    if (!w) return w.error();
    if (!w->verification.ok) return full(store, anchors, now);
    remember(Head{w->verification.records, w->last_hash});
    std::lock_guard lock(mu_);
    return AuditCheck{w->verification, false, w->walked, last_full_at_, last_full_records_,
                      std::move(w->checkpoint_hashes)};
}

std::optional<Timestamp> AuditVerifier::lastFullAt() const {
    std::lock_guard lock(mu_);
    return last_full_at_;
}

void AuditVerifier::remember(const Head& head) {
    std::lock_guard lock(mu_);
    // Only forward, and only while no full check has found a problem meanwhile.
    if (head_ && head_->seq <= head.seq) head_ = head;
}

}  // namespace sluis::store

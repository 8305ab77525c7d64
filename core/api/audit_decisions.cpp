// Reading and checking the audit log (audit_decisions.h), for the API and the web.
#include "core/api/audit_decisions.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/crypto/signing.h"
#include "core/store/audit_checkpoints.h"
#include "core/store/audit_verifier.h"
#include "core/util/text.h"

namespace sluis::api {

using nlohmann::json;

const std::vector<std::string>& auditRoles() {
    static const std::vector<std::string> roles = {"fg", "beheerder"};
    return roles;
}

namespace {

constexpr size_t kReadChunk = 1000;

/// Whether `details` names `id` as the pupil (the keys the audit records use for it).
bool namesPupil(const json& details, const std::string& id) {
    if (!details.is_object()) return false;
    for (const char* k : {"subject", "pupil", "leerling"}) {
        auto it = details.find(k);
        if (it != details.end() && it->is_string() && it->get<std::string>() == id) return true;
    }
    return false;
}

struct Matcher {
    const AuditFilter& f;
    std::set<std::string> pupil_transfers;  ///< the transfers of f.subject

    bool operator()(const store::AuditRecord& r) const {
        if (!f.transfer_id.empty() && r.event.transfer_id != f.transfer_id) return false;
        if (!f.event.empty() && r.event.event != f.event) return false;
        if (!f.actor.empty() && r.event.actor.find(f.actor) == std::string::npos) return false;
        if (f.from && r.at < *f.from) return false;
        if (f.until && r.at >= *f.until) return false;
        if (!f.subject.empty() && !pupil_transfers.count(r.event.transfer_id) &&
            !namesPupil(r.event.details, f.subject))
            return false;
        return true;
    }
};

json filterDetails(const AuditQuery& q) {
    json d = json::object();
    const AuditFilter& f = q.filter;
    if (!f.subject.empty()) d["subject"] = f.subject;
    if (!f.transfer_id.empty()) d["transfer_id"] = f.transfer_id;
    if (!f.event.empty()) d["event"] = f.event;
    if (!f.actor.empty()) d["actor"] = f.actor;
    if (f.from) d["from"] = formatIso(*f.from);
    if (f.until) d["until"] = formatIso(*f.until);
    if (q.newest_first) {
        d["offset"] = q.offset;
        if (q.upto > 0) d["upto"] = q.upto;
    }
    else
        d["after"] = q.after;
    return d;
}

}  // namespace

Result<AuditPage> readAudit(const DecisionContext& c, const AuditQuery& q) {
    auto allowed = c.actor.requireRole(auditRoles(), "het auditlog lezen");
    if (!allowed) return allowed.error();
    Matcher match{q.filter, {}};
    if (!q.filter.subject.empty()) {
        store::ListFilter lf;
        lf.subject = q.filter.subject;
        lf.limit = 100000;
        auto ts = c.store.list(lf);
        if (!ts) return ts.error();
        for (const auto& t : *ts) match.pupil_transfers.insert(t.id);
    }
    const size_t limit = std::max<size_t>(q.limit, 1);
    AuditPage out;
    // The store filters and pages in SQL (store::AuditSearch). Its actor and pupil conditions may
    // match a little more than the filter means (see AuditSearch), so every record is checked
    // here again; with either of those set, the offset is counted here, over checked records.
    store::AuditSearch s;
    s.transfer_id = q.filter.transfer_id;
    s.event = q.filter.event;
    s.actor = q.filter.actor;
    s.subject = q.filter.subject;
    s.from = q.filter.from;
    s.until = q.filter.until;
    s.newest_first = q.newest_first;
    const bool exact = q.filter.actor.empty() && q.filter.subject.empty();
    size_t skip = q.newest_first ? q.offset : 0;
    if (q.newest_first) {
        s.before = q.upto > 0 ? q.upto + 1 : 0;
        if (exact) {
            s.offset = skip;
            skip = 0;
        }
    } else {
        s.after = q.after;
    }
    while (out.records.size() <= limit) {
        s.limit = exact ? limit + 1 - out.records.size() : kReadChunk;
        auto chunk = c.store.searchAudit(s);
        if (!chunk) return chunk.error();
        for (auto& r : *chunk) {
            if (q.newest_first) s.before = r.seq;
            else s.after = r.seq;
            if (!match(r)) continue;
            if (skip > 0) {
                --skip;
                continue;
            }
            out.records.push_back(std::move(r));
            if (out.records.size() > limit) break;
        }
        if (chunk->size() < s.limit) break;  // the log ends here
        s.offset = 0;  // the next chunk starts after the last record read
    }
    if (out.records.size() > limit) {
        out.records.resize(limit);
        out.more = true;
    }
    auto st = c.store.audit({c.actor.label(), "audit_viewed", "", "", filterDetails(q)},
                            c.clock.now());
    if (!st) return st.error();
    return out;
}

Result<ChainStatus> chainStatus(const DecisionContext& c, ChainCheck how) {
    auto allowed = c.actor.requireRole(auditRoles(), "het auditlog controleren");
    if (!allowed) return allowed.error();
    ChainStatus out;
    const auto file = std::filesystem::path(c.config->data_dir) / store::kCheckpointFile;
    out.checkpoint_file = file.string();
    auto checkpoints = store::readCheckpointFile(file);
    if (!checkpoints) return checkpoints.error();
    store::AuditAnchors anchors;
    anchors.checkpoints = *checkpoints;
    auto& verifier = c.store.auditVerifier();
    auto v = how == ChainCheck::kFull ? verifier.full(c.store, anchors, c.clock.now())
                                      : verifier.sinceLast(c.store, anchors, c.clock.now());
    if (!v) return v.error();
    out.verification = v->verification;
    out.full = v->full;
    out.walked = v->walked;
    out.last_full_at = v->last_full_at;
    out.last_full_records = v->last_full_records;
    out.public_key = c.store.auditPublicKey();
    // Each checkpoint on its own: is it ours, and does the log still hold its record and hash?
    auto key = util::fromHex(out.public_key);
    for (auto it = checkpoints->rbegin(); it != checkpoints->rend(); ++it) {
        CheckpointStatus cs{*it, false, false};
        auto sig = util::fromHex(it->signature);
        cs.signature_ok = key && sig && it->public_key == out.public_key &&
                          crypto::ed25519Verify(*key, store::checkpointMessage(*it), *sig);
        const auto found = v->checkpoint_hashes.find(it->seq);
        if (it->seq == 0) {
            cs.matches = true;
        } else if (found != v->checkpoint_hashes.end() && !found->second.empty()) {
            cs.matches = found->second == it->hash;  // read by the check above, not again
        } else {
            auto rec = c.store.auditLog(it->seq - 1, 1);
            if (!rec) return rec.error();
            cs.matches = !rec->empty() && rec->front().seq == it->seq &&
                         rec->front().hash == it->hash;
        }
        out.checkpoints.push_back(std::move(cs));
    }
    return out;
}

std::string chainProblemText(const store::AuditVerification& v) {
    if (v.ok) return "";
    std::string what;
    if (v.kind == "missing")
        what = "Er ontbreken records in het auditlog: iemand heeft records verwijderd.";
    else if (v.kind == "reordered")
        what = "Een record staat niet meer op zijn plaats of is vervangen.";
    else if (v.kind == "rewritten")
        what = "Een record is achteraf gewijzigd: de inhoud klopt niet meer met het zegel dat "
               "Sluis bij het schrijven zette.";
    else if (v.kind == "truncated")
        what = "Het auditlog is ingekort: het is korter dan een eerder getekend checkpoint.";
    else if (v.kind == "checkpoint")
        what = "Een checkpoint is niet geldig ondertekend met de sleutel van deze installatie.";
    else if (v.kind == "register")
        what = "Een rij in een register (goedkeuringen, toestemmingen, inzage of geschiedenis) is "
               "buiten Sluis toegevoegd of gewijzigd.";
    else
        what = "Het auditlog klopt niet.";
    return what + " Technisch: " + v.problem + ".";
}

}  // namespace sluis::api

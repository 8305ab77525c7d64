#include "core/engine/engine.h"

#include <filesystem>

#include "core/crypto/payload_cipher.h"
#include "core/policy/minimise.h"
#include "core/policy/retention.h"
#include "core/store/audit_checkpoints.h"
#include "core/schedule/recurrence.h"
#include "core/util/amsterdam_time.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::engine {

using nlohmann::json;
using store::State;
using store::Transfer;
using store::TransitionUpdate;

namespace {
constexpr const char* kActor = "sluis";

store::AuditEvent event(const std::string& name, const Transfer& t, json details = json::object()) {
    return store::AuditEvent{kActor, name, t.id, t.purpose, std::move(details)};
}
}  // namespace

Engine::Engine(std::shared_ptr<const config::Config> config,
               const connector::ConnectorRegistry& connectors, const mapper::MapperRegistry& mappers,
               store::TransferStore& store, const Clock& clock, Metrics& metrics)
    : config_(std::move(config)),
      connectors_(connectors),
      mappers_(mappers),
      store_(store),
      clock_(clock),
      metrics_(metrics),
      gates_(config_, store, clock),
      instance_id_("d_" + util::toHex(crypto::randomBytes(6))) {}

Status Engine::start() {
    for (const auto& route : config_->routes) {
        const auto* src = config_->source(route.source);
        const auto* snk = config_->sink(route.sink);
        if (!sources_.count(src->name)) {
            auto s = connectors_.source(src->type)->create(src->name, src->options);
            if (!s) return Error{s.error().code, "bron " + src->name + ": " + s.error().message};
            sources_[src->name] = std::move(s.value());
        }
        if (!sinks_.count(snk->name)) {
            auto s = connectors_.sink(snk->type)->create(snk->name, snk->options);
            if (!s) return Error{s.error().code, "doel " + snk->name + ": " + s.error().message};
            sinks_[snk->name] = std::move(s.value());
        }
    }
    if (config_->notify.smtp) smtp_ = std::make_unique<notify::SmtpClient>(*config_->notify.smtp, clock_);
    // Every claim this daemon makes carries this id (random per start), so the logs of several
    // daemons on one store say who did what.
    log::info("engine.instance", {{"instance", instance_id_},
                                  {"lease_ms", static_cast<long long>(config_->worker.lease.count())}});
    return {};
}

const config::RouteConfig* Engine::route(const std::string& name) const {
    for (const auto& r : config_->routes)
        if (r.name == name) return &r;
    return nullptr;
}

TransitionUpdate Engine::claimed() const {
    TransitionUpdate u;
    u.claim = claim_;
    return u;
}

void Engine::transitionFailed(const std::string& id, const Status& st) {
    if (st.code() == ErrorCode::kConflict) {
        // Another daemon or a person changed the transfer first (or took over a claim whose
        // lease ran out): nothing to do here, the transfer is where they put it.
        log::info("engine.claim_lost", {{"transfer_id", id}, {"instance", instance_id_}});
        return;
    }
    log::error("engine.transition_failed", {{"transfer_id", id}, {"message", st.message()}});
}

void Engine::notificationRecorded(long long id, const Status& st) {
    if (st) return;
    if (st.code() == ErrorCode::kConflict) {
        // Our lease ran out during the send and another daemon took the mail over.
        log::info("notify.claim_lost", {{"notification_id", id}, {"instance", instance_id_}});
        return;
    }
    log::error("notify.store_error", {{"message", st.message()}});
}

std::chrono::milliseconds Engine::backoff(int attempts) const {
    auto d = config_->worker.backoff_initial;
    for (int i = 1; i < attempts && d < config_->worker.backoff_max; ++i) d *= 2;
    return std::min(d, config_->worker.backoff_max);
}

size_t Engine::runOnce() {
    size_t work = 0;
    for (const auto& r : config_->routes) {
        // One daemon reads a source at a time (the lease is given back after the read).
        const std::string lease = "source:" + r.source;
        try {
            Timestamp now = clock_.now();
            auto held = store_.claimLease(lease, instance_id_, now, now + config_->worker.lease);
            if (!held) {
                log::error("engine.store_error", {{"route", r.name}, {"message", held.error().message}});
                continue;
            }
            if (!*held) continue;
            if (!r.recurrence || scheduleFires(r)) work += pollSource(r);
        } catch (const std::exception& e) {
            log::error("engine.source_exception", {{"route", r.name}, {"what", e.what()}});
        }
        auto released = store_.releaseLease(lease, instance_id_);
        if (!released) log::error("engine.store_error", {{"route", r.name}, {"message", released.message()}});
    }
    purge();
    checkpoint();
    work += sendNotifications();
    Timestamp now = clock_.now();
    claim_ = store::Claim{instance_id_, now + config_->worker.lease};
    auto due = store_.claimDue(claim_, now, config_->worker.batch_size);
    if (!due) {
        log::error("engine.store_error", {{"code", errorCodeName(due.error().code)},
                                          {"message", due.error().message}});
        return work;
    }
    for (const auto& d : due->damaged) {
        // Left in the store as it is (nothing is lost); said on every pass until it is repaired.
        log::error("engine.transfer_damaged", {{"transfer_id", d.transfer_id},
                                               {"code", errorCodeName(d.error.code)},
                                               {"message", d.error.message}});
    }
    std::vector<std::string> claimed_ids;
    for (const auto& t : due->transfers) claimed_ids.push_back(t.id);
    for (const auto& d : due->damaged) claimed_ids.push_back(d.transfer_id);
    for (size_t i = 0; i < due->transfers.size(); ++i) {
        const auto& t = due->transfers[i];
        // The claims on what is left of this pass are extended while it works through them.
        Timestamp at = clock_.now();
        if (claim_.until - at < config_->worker.lease / 2) {
            claim_.until = at + config_->worker.lease;
            std::vector<std::string> rest;
            for (size_t j = i; j < due->transfers.size(); ++j) rest.push_back(due->transfers[j].id);
            auto st = store_.extendClaims(claim_, rest);
            if (!st) log::error("engine.store_error", {{"message", st.message()}});
        }
        try {
            if (process(t)) ++work;
        } catch (const std::exception& e) {
            // Last line of defence: the transfer stays where it is and is retried next pass.
            log::error("engine.transfer_exception", {{"transfer_id", t.id}, {"what", e.what()}});
        }
    }
    // What this pass did not move on is free for any daemon again (a delivery left in
    // delivering keeps its lease: it is taken over only after that ran out).
    auto released = store_.releaseClaims(instance_id_, claimed_ids);
    if (!released) log::error("engine.store_error", {{"message", released.message()}});
    return work;
}

size_t Engine::pollSource(const config::RouteConfig& route) {
    auto& source = sources_.at(route.source);
    auto items = source->poll(config_->worker.batch_size);
    if (!items) {
        log::warn("source.poll_failed", {{"source", route.source}, {"message", items.error().message}});
        return 0;
    }
    const auto* decoder = mappers_.decoder(route.decoder);
    size_t done = 0;
    for (const auto& item : *items) {
        // Still ours? (extends the lease; a daemon that lost it stops reading)
        Timestamp at = clock_.now();
        auto held = store_.claimLease("source:" + route.source, instance_id_, at, at + config_->worker.lease);
        if (!held || !*held) break;
        ++done;
        mapper::DecodeContext ctx{item.name, route.decoder_options};
        auto batch = decoder->decode(item.bytes, ctx);
        if (!batch) {
            log::warn("source.item_rejected", {{"source", route.source}, {"item", item.name},
                                               {"code", errorCodeName(batch.error().code)}});
            metrics_.fileIngested(false);
            auto st = source->acknowledge(item, {false, batch.error().message});
            if (!st) log::error("source.ack_failed", {{"source", route.source}, {"item", item.name}});
            continue;
        }
        store::IngestBatch ib;
        ib.ingest_key = item.idempotency_key;
        ib.source = route.source;
        ib.item_name = item.name;
        ib.actor = "bron:" + route.source;
        for (size_t i = 0; i < batch->records.size(); ++i) {
            const json& rec = batch->records[i];
            store::NewTransfer nt;
            nt.meta.id = store::newTransferId();
            nt.meta.idempotency_key = item.idempotency_key + "#" + std::to_string(i) + ":" + route.name;
            nt.meta.direction = "outbound";
            nt.meta.route = route.name;
            nt.meta.purpose = route.purpose;
            nt.meta.profile = route.profile;
            nt.meta.source = route.source;
            nt.meta.destination = route.sink;
            if (batch->subjects.size() == batch->records.size()) {
                nt.meta.subject = batch->subjects[i];
            } else {
                nt.meta.subject = rec.contains("leerling") && rec["leerling"].is_object()
                                      ? rec["leerling"].value("leerlingid", "")
                                      : "";
            }
            nt.canonical = rec.dump();
            ib.transfers.push_back(std::move(nt));
        }
        auto stored = store_.ingest(ib, clock_.now());
        if (!stored) {
            // Not stored: leave the item upstream; it is offered again next pass.
            log::error("source.store_failed", {{"source", route.source}, {"item", item.name},
                                               {"message", stored.error().message}});
            continue;
        }
        if (*stored == store::IngestResult::kStored) {
            metrics_.fileIngested(true);
            metrics_.transfersCreated(static_cast<long long>(ib.transfers.size()));
            log::info("source.item_stored", {{"source", route.source}, {"item", item.name},
                                             {"transfers", ib.transfers.size()}});
        } else {
            log::info("source.item_already_stored", {{"source", route.source}, {"item", item.name}});
        }
        for (const auto& w : batch->warnings)
            log::warn("source.item_warning", {{"source", route.source}, {"item", item.name}, {"warning", w}});
        auto st = source->acknowledge(item, {true, ""});
        if (!st) log::error("source.ack_failed", {{"source", route.source}, {"item", item.name},
                                                  {"message", st.message()}});
    }
    return done;
}

bool Engine::process(const Transfer& t) {
    const auto* r = route(t.route);
    if (!r) {
        log::warn("engine.unknown_route", {{"transfer_id", t.id}, {"route", t.route}});
        return false;
    }
    switch (t.state) {
        case State::kReceived: return render(t, *r);
        case State::kMapped: return gate(t);
        case State::kScheduled:
        case State::kFailed:
        case State::kDelivering: return deliver(t, *r);
        default: return false;
    }
}

bool Engine::render(const Transfer& t, const config::RouteConfig& r) {
    auto fail = [&](const std::string& event_name, const std::string& message, bool alert = false) {
        TransitionUpdate u = claimed();
        u.last_error = message;
        json details = {{"encoder", r.encoder}};
        if (alert) details["alert"] = true;
        auto st = store_.transition(t.id, State::kReceived, State::kDeadLettered, u,
                                    event(event_name, t, details), "kan niet worden omgezet",
                                    clock_.now());
        if (alert) {
            log::error("engine." + event_name, {{"transfer_id", t.id}, {"alert", true}});
        } else {
            log::warn("engine." + event_name, {{"transfer_id", t.id}, {"encoder", r.encoder}});
        }
        return st.isOk();
    };
    auto canonical = store_.canonical(t.id);
    if (!canonical && canonical.error().code == ErrorCode::kCrypto)
        return fail("canonical_unauthentic",
                    "opgeslagen record is niet te ontsleutelen met de sleutel van deze overdracht "
                    "(verplaatst of gewijzigd in de opslag buiten Sluis?)",
                    /*alert=*/true);
    if (!canonical) {
        log::error("engine.read_failed", {{"transfer_id", t.id}, {"message", canonical.error().message}});
        return false;
    }
    const auto* p = config_->policy(t.purpose);
    json record = json::parse(*canonical, nullptr, false);
    if (record.is_discarded() || !p) return fail("render_failed", "opgeslagen record onleesbaar of doel zonder beleid");

    // The parents' inzage (with their view) travels with the dossier.
    if (p->basis == config::PurposePolicy::Basis::kInzage) {
        auto inzage = store_.latestInzage(t.subject, t.purpose);
        if (!inzage) return false;
        if (!inzage->has_value()) {
            // The dossier must carry the parents' inzage: wait for it before rendering.
            auto st = store_.transition(t.id, State::kReceived, State::kAwaitingConsent, claimed(),
                                        event("gated", t), "wacht op inzage door ouders/verzorgers",
                                        clock_.now());
            return st.isOk();
        }
        {
            const auto& i = **inzage;
            json z = {{"voorlopigdossier", false}, {"inzage", true}, {"inzagedatum", i.inzagedatum},
                      {"akkoord", i.akkoord}};
            if (!i.redennietakkoord.empty()) z["redennietakkoord"] = i.redennietakkoord;
            if (record.contains("inzage") && record["inzage"].is_object()) {
                for (auto& [k, v] : z.items()) record["inzage"][k] = v;
            } else {
                record["inzage"] = z;
            }
        }
    }
    if (p->record == config::PurposePolicy::RecordKind::kPupil) {
        // A record stored by an older Sluis may still have a field of the other shape of a fact
        // (docs/oso.md, "One shape per fact"): refuse it by path instead of rendering without it.
        for (const auto& issue : model::ModelDefinition::builtin()->validate(record))
            if (issue.retired)
                return fail("render_failed",
                            "opgeslagen record uit een oudere Sluis-versie: " + issue.path + ": " +
                                issue.message + "; importeer de bron opnieuw");
    }
    auto reduced = policy::minimise(record, *p, *model::ModelDefinition::builtin());
    const auto* encoder = mappers_.encoder(r.encoder);
    // Choices made in a guided delivery (e.g. niveau) shape the payload: they reach the encoder
    // as options, over the route's own encoder options; unset choices take their default.
    json options = r.encoder_options.is_object() ? r.encoder_options : json::object();
    const json chosen = p->procedure.effectiveChoices(t.choices);
    for (auto& [k, v] : chosen.items()) options[k] = v;
    mapper::EncodeContext ctx{r.purpose, r.profile, r.opt_out, options};
    auto encoded = encoder->encode(reduced.record, ctx);
    if (!encoded && encoded.error().code == ErrorCode::kValidationFailed) {
        // The data breaks the destination's standard (e.g. an OSO dossier the official rules
        // would refuse): never sent, never retried. The meldingen name rules and field paths,
        // never values; a corrected export makes a new transfer.
        TransitionUpdate u = claimed();
        u.last_error = "geweigerd bij het omzetten: " + encoded.error().message;
        auto st = store_.transition(t.id, State::kReceived, State::kRejected, u,
                                    event("render_refused", t, {{"encoder", r.encoder}}),
                                    "geweigerd: de gegevens voldoen niet aan de standaard van de "
                                    "ontvanger; verbeter de bron en lever opnieuw aan",
                                    clock_.now());
        log::warn("engine.render_refused", {{"transfer_id", t.id}, {"encoder", r.encoder}});
        return st.isOk();
    }
    if (!encoded) return fail("render_failed", encoded.error().message);
    std::vector<std::pair<std::string, std::string>> reports;
    for (const auto& name : r.report_encoders) {
        auto rendered = mappers_.encoder(name)->encode(reduced.record, ctx);
        if (!rendered) return fail("render_failed", "rapport (" + name + "): " + rendered.error().message);
        reports.emplace_back(rendered->content_type, std::move(rendered->bytes));
    }

    json withheld = json::array();
    for (const auto& w : reduced.withheld) withheld.push_back({{"path", w.path}, {"reason", w.reason}});
    TransitionUpdate u = claimed();
    u.payload = encoded->bytes;
    u.content_type = encoded->content_type;
    u.file_extension = encoded->file_extension;
    u.disclosure = json{{"included", reduced.included}, {"withheld", withheld},
                        {"categories", reduced.categories}, {"encoder", r.encoder}, {"profile", r.profile}};
    if (!reports.empty()) u.reports = std::move(reports);
    auto st = store_.transition(
        t.id, State::kReceived, State::kMapped, u,
        event("mapped", t,
              {{"encoder", r.encoder}, {"profile", r.profile}, {"withheld_paths", [&] {
                   json paths = json::array();
                   for (const auto& w : reduced.withheld) paths.push_back(w.path);
                   return paths;
               }()}}),
        "omgezet met " + r.encoder + "; " + std::to_string(reduced.withheld.size()) +
            " veld(en) achtergehouden",
        clock_.now());
    if (!st) transitionFailed(t.id, st);
    return st.isOk();
}

bool Engine::gate(const Transfer& t) {
    auto moved = gates_.advance(t.id, kActor);
    if (!moved) {
        log::error("engine.gate_failed", {{"transfer_id", t.id}, {"message", moved.error().message}});
        return false;
    }
    return *moved;
}

void Engine::checkpoint() {
    const auto interval = config_->audit.checkpoint_interval;
    if (interval.count() <= 0) return;
    Timestamp now = clock_.now();
    if (last_checkpoint_ != Timestamp{} && now - last_checkpoint_ < interval) return;
    last_checkpoint_ = now;
    auto cp = store::writeCheckpoint(store_, std::filesystem::path(config_->data_dir) / store::kCheckpointFile,
                                     now, /*force=*/false);
    if (!cp) {
        log::error("engine.checkpoint_failed", {{"message", cp.error().message}});
    } else if (cp->has_value()) {
        log::info("engine.audit_checkpoint", {{"seq", (*cp)->seq}});
    }
}

void Engine::purge() {
    Timestamp now = clock_.now();
    if (now - last_purge_ < std::chrono::minutes(10)) return;
    last_purge_ = now;
    // One daemon purges per interval: the lease is held for the interval, not given back.
    auto held = store_.claimLease("purge", instance_id_, now, now + std::chrono::minutes(10));
    if (!held) {
        log::error("engine.purge_failed", {{"message", held.error().message}});
        return;
    }
    if (!*held) return;
    auto n = policy::purgeDue(*config_, store_, now, kActor);
    if (!n) {
        log::error("engine.purge_failed", {{"message", n.error().message}});
    } else if (*n > 0) {
        log::info("engine.purged", {{"transfers", *n}});
    }
    // Files the sources kept (processed exports, refused files) past their retention.
    auto files = policy::expiredFiles(sources_, now);
    if (!files) {
        log::error("engine.purge_failed", {{"message", files.error().message}});
        return;
    }
    size_t removed = 0;
    for (const auto& f : *files) {
        auto st = sources_.at(f.source)->removeRetained(f.file);
        if (!st) {
            log::error("engine.purge_failed", {{"source", f.source}, {"message", st.message()}});
            continue;
        }
        auto audited = store_.audit({kActor, "file_purged", "", "",
                                     {{"source", f.source}, {"kind", f.file.kind},
                                      {"file", std::filesystem::path(f.file.path).filename().string()}}},
                                    now);
        if (!audited) log::error("engine.purge_failed", {{"message", audited.message()}});
        ++removed;
    }
    if (removed > 0) log::info("engine.files_purged", {{"files", removed}});
}

size_t Engine::sendNotifications() {
    if (!smtp_) return 0;
    // One mail at a time is claimed (with a lease), sent and recorded, so that no other daemon
    // sends it meanwhile and a lease never runs out over a queue of slow sends.
    size_t done = 0;
    for (; done < 20; ++done) {
        Timestamp claimed_at = clock_.now();
        auto due = store_.claimNotifications({instance_id_, claimed_at + config_->worker.lease}, claimed_at, 1);
        if (!due) {
            log::error("notify.store_error", {{"message", due.error().message}});
            break;
        }
        if (due->empty()) break;
        const auto& n = due->front();
        auto sent = smtp_->send({n.to, n.subject, n.body});
        Timestamp now = clock_.now();
        if (sent) {
            auto st = store_.notificationAttempt(n.id, true, "", std::nullopt, now, instance_id_);
            log::info("notify.sent", {{"notification_id", n.id}, {"kind", n.kind}, {"transfer_id", n.transfer_id}});
            notificationRecorded(n.id, st);
            continue;
        }
        // Temporary problems are retried with back-off for about a day; a permanent refusal is
        // kept with its reason for the beheerder (GET /api/v1/procedures/{id} shows it).
        bool retry = sent.error().code == ErrorCode::kUnavailable && n.attempts + 1 < 20;
        std::optional<Timestamp> next;
        if (retry) next = now + std::min<std::chrono::milliseconds>(std::chrono::minutes(1) * (1 << std::min(n.attempts, 10)),
                                                                  std::chrono::hours(2));
        auto st = store_.notificationAttempt(n.id, false, sent.error().message, next, now, instance_id_);
        log::warn("notify.failed", {{"notification_id", n.id}, {"kind", n.kind}, {"retry", retry},
                                    {"message", sent.error().message}});
        notificationRecorded(n.id, st);
    }
    return done;
}

bool Engine::scheduleFires(const config::RouteConfig& r) {
    const schedule::Recurrence& rec = *r.recurrence;
    Timestamp now = clock_.now();
    auto last = store_.lastScheduleRun(r.name);
    if (!last) {
        log::error("schedule.store_error", {{"route", r.name}, {"message", last.error().message}});
        return false;
    }
    if (!*last) {
        // First start with this schedule: due times before now never existed for it.
        auto st = store_.claimScheduleRun(r.name, now, "started", now);
        if (!st) log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
        return false;
    }
    const auto* p = config_->policy(r.purpose);
    bool skip = p && p->catch_up == config::PurposePolicy::CatchUp::kSkip;
    // One read of the source takes everything it holds, so at most one firing per pass: under
    // deliver_late the most recent missed due time fires (the older ones are recorded as
    // skipped, since firing them would read nothing more); under skip only one within grace.
    auto due = schedule::dueFirings(rec, **last, now, skip ? schedule::CatchUp::kSkip : schedule::CatchUp::kDeliverLate,
                                    1, p ? p->catch_up_grace : schedule::kDefaultGrace);
    for (Timestamp t : due.skipped) {
        auto st = store_.claimScheduleRun(r.name, t, "skipped", now);
        if (!st && st.code() != ErrorCode::kAlreadyExists)
            log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
    }
    if (due.skipped_count > 0 && skip)
        log::warn("schedule.missed", {{"route", r.name}, {"skipped", due.skipped_count}, {"alert", true}});
    if (due.fire.empty()) {
        if (due.advance_to && due.skipped.empty()) {
            auto st = store_.claimScheduleRun(r.name, *due.advance_to, "skipped", now);
            if (!st && st.code() != ErrorCode::kAlreadyExists)
                log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
        }
        return false;
    }
    auto st = store_.claimScheduleRun(r.name, due.fire.back(), "fired", now);
    if (!st) {
        if (st.code() != ErrorCode::kAlreadyExists)
            log::error("schedule.store_error", {{"route", r.name}, {"message", st.message()}});
        return false;
    }
    log::info("schedule.fired", {{"route", r.name}, {"due_at", formatIso(due.fire.back())}});
    return true;
}

bool Engine::missedDelivery(const Transfer& t) {
    const auto* p = config_->policy(t.purpose);
    if (!p || p->catch_up != config::PurposePolicy::CatchUp::kSkip || t.state != State::kScheduled ||
        !t.deliver_at)
        return false;
    Timestamp now = clock_.now();
    if (now - *t.deliver_at <= p->catch_up_grace) return false;
    std::string due = amsterdam::formatLocal(*t.deliver_at);
    TransitionUpdate u = claimed();
    u.last_error = "leverdatum " + due + " gemist (Sluis draaide niet); volgens het beleid niet te laat geleverd";
    auto st = store_.transition(t.id, State::kScheduled, State::kDeadLettered, u,
                                event("delivery_missed", t, {{"deliver_at", formatIso(*t.deliver_at)}}),
                                "leverdatum gemist; overgeslagen (catch_up: skip)", now);
    if (!st) {
        transitionFailed(t.id, st);
        return false;
    }
    log::warn("engine.delivery_missed", {{"transfer_id", t.id}, {"deliver_at", formatIso(*t.deliver_at)}, {"alert", true}});
    if (!p->procedure.notify_to.empty()) {
        store::Notification n;
        n.kind = "delivery_missed";
        n.transfer_id = t.id;
        n.to = p->procedure.notify_to;
        n.subject = "Sluis: levering " + t.subject + " niet verzonden (leverdatum gemist)";
        n.body = "De levering " + t.id + " (" + t.purpose + ", " + t.subject + ") had op " + due +
                 " verzonden moeten worden, maar Sluis draaide toen niet.\n"
                 "Volgens het beleid van dit doel wordt een gemiste levering niet alsnog verzonden.\n"
                 "Een beheerder kan haar opnieuw aanbieden: sluis transfer requeue " + t.id + "\n";
        auto added = store_.addNotification(n, now);
        if (!added) log::error("notify.store_error", {{"message", added.message()}});
    }
    return true;
}

bool Engine::deliver(Transfer t, const config::RouteConfig& r) {
    if (missedDelivery(t)) return true;
    // The payload and the gates are checked immediately before every delivery, whatever put the
    // transfer here (a requeue, a row changed in the database, a consent that lapsed meanwhile).
    auto payload = store_.payload(t.id);
    // A blob that fails authentication (moved from another column or row, or altered) is
    // tampering, not a passing read error: it is handled like a hash mismatch below.
    const bool unauthentic = !payload && payload.error().code == ErrorCode::kCrypto;
    if (!payload && !unauthentic) {
        log::error("engine.read_failed", {{"transfer_id", t.id}, {"message", payload.error().message}});
        return false;
    }
    if (unauthentic || util::sha256Hex(*payload) != t.payload_hash) {
        // What would leave is not what was rendered and approved: never deliver it.
        TransitionUpdate u = claimed();
        u.last_error = unauthentic
                           ? "te leveren gegevens zijn niet te ontsleutelen met de sleutel van deze "
                             "overdracht (verplaatst of gewijzigd in de opslag buiten Sluis?); niet geleverd"
                           : "te leveren gegevens komen niet overeen met de goedgekeurde hash; "
                             "niet geleverd (opslag gewijzigd buiten Sluis?)";
        auto st = store_.transition(t.id, t.state, State::kDeadLettered, u,
                                    event("payload_mismatch", t, {{"alert", true}}),
                                    "gegevens wijken af van de goedgekeurde hash", clock_.now());
        log::error("engine.payload_mismatch", {{"transfer_id", t.id}, {"alert", true}});
        if (!st) transitionFailed(t.id, st);
        return st.isOk();
    }
    auto decision = gates_.evaluate(t);
    if (!decision) {
        log::error("engine.gate_failed", {{"transfer_id", t.id}, {"message", decision.error().message}});
        return false;
    }
    if (decision->next != State::kScheduled) {
        auto st = store_.transition(
            t.id, t.state, State::kMapped, claimed(),
            event("gates_closed_before_delivery", t, {{"gate", transfer::stateName(decision->next)}}),
            "poorten vlak voor levering opnieuw beoordeeld: " + decision->reason, clock_.now());
        log::warn("engine.gates_closed_before_delivery",
                  {{"transfer_id", t.id}, {"gate", transfer::stateName(decision->next)}, {"alert", true}});
        if (!st) transitionFailed(t.id, st);
        return st.isOk();
    }
    Timestamp now = clock_.now();
    // The sink is called under a fresh lease: no other daemon takes this delivery over before
    // it ran out (worker.lease is longer than any sink's timeout).
    claim_.until = now + config_->worker.lease;
    if (t.state == State::kDelivering) {
        // Left in delivering by a daemon that died (its lease ran out), or by this one after a
        // failed write: redone, the sink being idempotent on the transfer id. Only while the
        // claim is still ours.
        auto st = store_.renewClaim(t.id, State::kDelivering, claim_);
        if (!st) {
            transitionFailed(t.id, st);
            return false;
        }
        log::info("engine.delivery_resumed", {{"transfer_id", t.id}, {"instance", instance_id_}});
    } else {
        TransitionUpdate u = claimed();
        u.attempts = t.attempts + 1;
        auto st = store_.transition(t.id, t.state, State::kDelivering, u,
                                    event("delivery_started", t, {{"attempt", t.attempts + 1}}),
                                    "poging " + std::to_string(t.attempts + 1), now);
        if (!st) {
            transitionFailed(t.id, st);
            return false;
        }
        t.attempts += 1;
        t.state = State::kDelivering;
    }
    connector::Delivery d{t.id, t.idempotency_key, t.content_type, t.file_extension, *payload};
    auto result = sinks_.at(r.sink)->deliver(d);
    now = clock_.now();
    TransitionUpdate u = claimed();
    Status st;
    switch (result.outcome) {
        case connector::DeliveryOutcome::kDelivered: {
            metrics_.deliveryAttempt("delivered");
            metrics_.deliveryLatency(
                std::chrono::duration<double>(now - t.created_at).count());
            u.receipt = result.receipt;
            u.last_error = "";
            u.next_attempt_at = std::optional<Timestamp>();
            st = store_.transition(t.id, State::kDelivering, State::kDelivered, u,
                                   event("delivered", t,
                                         {{"destination", r.sink}, {"payload_hash", t.payload_hash},
                                          {"receipt", result.receipt}}),
                                   "afgeleverd", now);
            log::info("engine.delivered", {{"transfer_id", t.id}, {"sink", r.sink}});
            break;
        }
        case connector::DeliveryOutcome::kRetryLater: {
            metrics_.deliveryAttempt("retry");
            u.last_error = result.message;
            if (t.attempts >= config_->worker.max_attempts) {
                st = store_.transition(t.id, State::kDelivering, State::kDeadLettered, u,
                                       event("dead_lettered", t, {{"attempts", t.attempts}}),
                                       "opgegeven na " + std::to_string(t.attempts) + " pogingen", now);
                log::warn("engine.dead_lettered", {{"transfer_id", t.id}, {"attempts", t.attempts}});
            } else {
                u.next_attempt_at = std::optional<Timestamp>(now + backoff(t.attempts));
                st = store_.transition(t.id, State::kDelivering, State::kFailed, u,
                                       event("delivery_failed", t, {{"attempt", t.attempts}}),
                                       "mislukt, nieuwe poging later", now);
                log::warn("engine.delivery_failed", {{"transfer_id", t.id}, {"attempt", t.attempts}});
            }
            break;
        }
        case connector::DeliveryOutcome::kRejected: {
            metrics_.deliveryAttempt("rejected");
            u.last_error = result.message;
            st = store_.transition(t.id, State::kDelivering, State::kDeadLettered, u,
                                   event("dead_lettered", t, {{"rejected_by", r.sink}}),
                                   "geweigerd door ontvanger", now);
            log::warn("engine.delivery_rejected", {{"transfer_id", t.id}, {"sink", r.sink}});
            break;
        }
    }
    if (!st) transitionFailed(t.id, st);
    return true;
}

void Engine::run() {
    while (true) {
        size_t work = runOnce();
        std::unique_lock<std::mutex> lock(mu_);
        if (stopping_) return;
        if (work == 0) cv_.wait_for(lock, config_->worker.poll_interval, [&] { return stopping_; });
        if (stopping_) return;
    }
}

void Engine::stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
}

}  // namespace sluis::engine

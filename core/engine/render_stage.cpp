#include "core/engine/render_stage.h"

#include "core/model/model.h"
#include "core/policy/minimise.h"
#include "core/util/log.h"

namespace sluis::engine {

using nlohmann::json;
using store::State;
using store::Transfer;
using store::TransitionUpdate;

bool RenderStage::render(const Transfer& t, const config::RouteConfig& r) {
    auto fail = [&](const std::string& event_name, const std::string& message, bool alert = false) {
        TransitionUpdate u = ctx_.claimed();
        u.last_error = message;
        json details = {{"encoder", r.encoder}};
        if (alert) details["alert"] = true;
        auto st = ctx_.store.transition(t.id, State::kReceived, State::kDeadLettered, u,
                                        engineEvent(event_name, t, details),
                                        "kan niet worden omgezet", ctx_.clock.now());
        if (alert) {
            log::error("engine." + event_name, {{"transfer_id", t.id}, {"alert", true}});
        } else {
            log::warn("engine." + event_name, {{"transfer_id", t.id}, {"encoder", r.encoder}});
        }
        return st.isOk();
    };
    auto canonical = ctx_.store.canonical(t.id);
    if (!canonical && canonical.error().code == ErrorCode::kCrypto)
        return fail("canonical_unauthentic",
                    "opgeslagen record is niet te ontsleutelen met de sleutel van deze overdracht "
                    "(verplaatst of gewijzigd in de opslag buiten Sluis?)",
                    /*alert=*/true);
    if (!canonical) {
        log::error("engine.read_failed",
                   {{"transfer_id", t.id}, {"message", canonical.error().message}});
        return false;
    }
    const auto* p = ctx_.config->policy(t.purpose);
    json record = json::parse(*canonical, nullptr, false);
    if (record.is_discarded() || !p)
        return fail("render_failed", "opgeslagen record onleesbaar of doel zonder beleid");

    // The parents' inzage (with their view) travels with the dossier.
    if (p->basis == config::PurposePolicy::Basis::kInzage) {
        auto inzage = ctx_.store.latestInzage(t.subject, t.purpose);
        if (!inzage) return false;
        if (!inzage->has_value()) {
            // The dossier must carry the parents' inzage: wait for it before rendering.
            auto st =
                ctx_.store.transition(t.id, State::kReceived, State::kAwaitingConsent,
                                      ctx_.claimed(), engineEvent("gated", t),
                                      "wacht op inzage door ouders/verzorgers", ctx_.clock.now());
            return st.isOk();
        }
        {
            const auto& i = **inzage;
            json z = {{"voorlopigdossier", false},
                      {"inzage", true},
                      {"inzagedatum", i.inzagedatum},
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
    const auto* encoder = ctx_.mappers.encoder(r.encoder);
    // Choices made in a guided delivery (e.g. niveau) shape the payload: they reach the encoder
    // as options, over the route's own encoder options; unset choices take their default.
    json options = r.encoder_options.is_object() ? r.encoder_options : json::object();
    const json chosen = p->procedure.effectiveChoices(t.choices);
    for (auto& [k, v] : chosen.items()) options[k] = v;
    mapper::EncodeContext ctx{r.purpose, r.profile, r.opt_out, options, ctx_.clock.now()};
    auto encoded = encoder->encode(reduced.record, ctx);
    if (!encoded && encoded.error().code == ErrorCode::kValidationFailed) {
        // The data breaks the destination's standard (e.g. an OSO dossier the official rules
        // would refuse): never sent, never retried. The meldingen name rules and field paths,
        // never values; a corrected export makes a new transfer.
        TransitionUpdate u = ctx_.claimed();
        u.last_error = "geweigerd bij het omzetten: " + encoded.error().message;
        auto st =
            ctx_.store.transition(t.id, State::kReceived, State::kRejected, u,
                                  engineEvent("render_refused", t, {{"encoder", r.encoder}}),
                                  "geweigerd: de gegevens voldoen niet aan de standaard van de "
                                  "ontvanger; verbeter de bron en lever opnieuw aan",
                                  ctx_.clock.now());
        log::warn("engine.render_refused", {{"transfer_id", t.id}, {"encoder", r.encoder}});
        return st.isOk();
    }
    if (!encoded) return fail("render_failed", encoded.error().message);
    std::vector<std::pair<std::string, std::string>> reports;
    for (const auto& name : r.report_encoders) {
        auto rendered = ctx_.mappers.encoder(name)->encode(reduced.record, ctx);
        if (!rendered)
            return fail("render_failed", "rapport (" + name + "): " + rendered.error().message);
        reports.emplace_back(rendered->content_type, std::move(rendered->bytes));
    }

    json withheld = json::array();
    for (const auto& w : reduced.withheld)
        withheld.push_back({{"path", w.path}, {"reason", w.reason}});
    TransitionUpdate u = ctx_.claimed();
    u.payload = encoded->bytes;
    u.content_type = encoded->content_type;
    u.file_extension = encoded->file_extension;
    u.disclosure = json{{"included", reduced.included},
                        {"withheld", withheld},
                        {"categories", reduced.categories},
                        {"encoder", r.encoder},
                        {"profile", r.profile}};
    if (!reports.empty()) u.reports = std::move(reports);
    auto st = ctx_.store.transition(t.id, State::kReceived, State::kMapped, u,
                                    engineEvent("mapped", t,
                                                {{"encoder", r.encoder},
                                                 {"profile", r.profile},
                                                 {"withheld_paths",
                                                  [&] {
                                                      json paths = json::array();
                                                      for (const auto& w : reduced.withheld)
                                                          paths.push_back(w.path);
                                                      return paths;
                                                  }()}}),
                                    "omgezet met " + r.encoder + "; " +
                                        std::to_string(reduced.withheld.size()) +
                                        " veld(en) achtergehouden",
                                    ctx_.clock.now());
    if (!st) ctx_.transitionFailed(t.id, st);
    return st.isOk();
}

bool RenderStage::gate(const Transfer& t) {
    auto moved = ctx_.gates.advance(t.id, kActor);
    if (!moved) {
        log::error("engine.gate_failed",
                   {{"transfer_id", t.id}, {"message", moved.error().message}});
        return false;
    }
    return *moved;
}

}  // namespace sluis::engine

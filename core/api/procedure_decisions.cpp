// The decisions of a guided delivery (procedure_decisions.h): the JSON API and the web interface
// both call these. Moved here from procedures_api.cpp and transfers_api.cpp unchanged.
#include "core/api/procedure_decisions.h"

#include <algorithm>

#include "core/notify/mail_templates.h"
#include "core/policy/gates.h"
#include "core/util/amsterdam_time.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::api {

using nlohmann::json;

const std::vector<std::string> kProcedureViewRoles = {"bevoegd-gezag", "directeur", "beheerder",
                                                      "fg"};
const std::vector<std::string> kProcedureChangeRoles = {"bevoegd-gezag", "directeur",
                                                        "beheerder"};
const std::vector<std::string> kProcedureSaveRoles = {"bevoegd-gezag", "directeur"};
const std::vector<std::string> kWithdrawRoles = {"beheerder", "directeur", "bevoegd-gezag",
                                                 "zorgcoordinator"};
const std::vector<std::string> kScheduleRoles = {"beheerder", "directeur", "bevoegd-gezag"};

namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
    return out;
}

}  // namespace

Result<ProcedureTransfer> procedureTransfer(const DecisionContext& c, const std::string& id) {
    auto t = visibleTransfer(c, id);
    if (!t) return t.error();
    const auto* p = c.config->policy(t->purpose);
    if (!p || !p->procedure.enabled)
        return Error{ErrorCode::kNotFound, "overdracht " + id + " is geen begeleide levering"};
    return ProcedureTransfer{std::move(*t), p};
}

Result<json> procedureState(const DecisionContext& c, const store::Transfer& t,
                            const config::PurposePolicy& p, bool detail) {
    policy::Gates gates(c.config, c.store, c.clock);
    auto proc = c.store.procedure(t.id);
    if (!proc) return proc.error();  // never shown as "not answered" when it cannot be read
    const store::ProcedureRecord& rec = *proc;
    auto count = gates.countApprovals(t, p);
    std::vector<std::string> approvers;
    if (count)
        for (const auto& a : count->counted) approvers.push_back(a.approver + " (" + a.role + ")");
    bool akkoord = count && count->valid >= p.approvals.required && !t.payload_hash.empty();
    bool saved = policy::Gates::procedureSaved(p, t, rec);
    const json effective = p.procedure.effectiveChoices(t.choices);
    json choices = json::object();
    for (const auto& ch : p.procedure.choices) choices[ch.id] = effective.value(ch.id, json());
    bool answered = true;
    for (const auto& q : p.procedure.questions) answered &= rec.answers.contains(q.id);
    const bool open =
        t.state == transfer::State::kMapped || t.state == transfer::State::kAwaitingApproval ||
        t.state == transfer::State::kAwaitingConsent || t.state == transfer::State::kReceived;
    // The first thing still to do: the steps before saving, then the akkoord, then the save.
    std::string nextStep;
    if (open) {
        nextStep = policy::Gates::procedureMissing(p, t, rec, /*include_save=*/false);
        if (nextStep.empty())
            nextStep = !akkoord ? "akkoord bevoegd gezag" : !saved ? "opslaan" : "";
    }
    json j = {
        {"transfer_id", t.id},
        {"subject", t.subject},
        {"purpose", t.purpose},
        {"state", transfer::stateName(t.state)},
        {"akkoord", akkoord},
        {"akkoord_by", approvers},
        {"choices", choices},
        {"deliver_on", t.deliver_at
                           ? json(amsterdam::formatDate(amsterdam::localDate(*t.deliver_at)))
                           : json(nullptr)},
        {"withdraw_deadline",
         t.withdraw_deadline ? json(amsterdam::formatLocal(*t.withdraw_deadline)) : json(nullptr)},
        {"answered", answered},
        {"saved", saved},
        {"saved_by", saved ? json(rec.saved_by) : json(nullptr)},
        {"payload_hash", t.payload_hash},
        {"delivered", t.state == transfer::State::kDelivered},
        {"receipt", t.receipt},
        {"withdrawn", t.state == transfer::State::kWithdrawn},
        {"next_step", nextStep}};
    // A refusal of the current report (an approval with decision "rejected"), for the board view.
    json refusal = nullptr;
    if (auto list = c.store.approvals(t.id))
        for (const auto& a : *list)
            if (a.decision == "rejected" && a.payload_hash == t.payload_hash)
                refusal = {{"by", a.approver + " (" + a.role + ")"},
                           {"reason", a.reason},
                           {"at", formatIso(a.at)}};
    j["refusal"] = refusal;
    if (detail) {
        json questions = json::array();
        for (const auto& q : p.procedure.questions)
            questions.push_back(
                {{"id", q.id},
                 {"text", q.text},
                 {"type", q.type},
                 {"options", q.options},
                 {"answer", rec.answers.contains(q.id) ? rec.answers[q.id] : json(nullptr)}});
        json choice_spec = json::array();
        for (const auto& ch : p.procedure.choices)
            choice_spec.push_back({{"id", ch.id},
                                   {"label", ch.label},
                                   {"options", ch.options},
                                   {"value", choices[ch.id]}});
        json notes = json::array();
        if (auto list = c.store.notifications(t.id))
            for (const auto& n : *list)
                notes.push_back(
                    {{"kind", n.kind},
                     {"recipients", n.to.size()},
                     {"sent_at", n.sent_at ? json(formatIso(*n.sent_at)) : json(nullptr)},
                     {"attempts", n.attempts},
                     {"last_error", n.last_error}});
        j["steps"] = json::array(
            {{{"step", 1}, {"name", "akkoord bevoegd gezag"}, {"done", akkoord}},
             {{"step", 2},
              {"name", "rapport controleren"},
              {"done", !t.payload_hash.empty()},
              {"href", "/api/v1/transfers/" + t.id + "/report"}},
             {{"step", 3},
              {"name", "niveau"},
              {"done",
               [&] {
                   for (auto& [k, v] : choices.items())
                       if (v.is_null()) return false;
                   return true;
               }()}},
             {{"step", 4},
              {"name", "leverdatum"},
              {"done", !p.procedure.requires_date || t.deliver_at.has_value()}},
             {{"step", 5},
              {"name", "vragen over afnamegroep en afnamecondities"},
              {"done", answered}},
             {{"step", 6}, {"name", "opslaan (e-mail aan gebruikersbeheerder)"}, {"done", saved}}});
        j["questions"] = questions;
        j["choice_options"] = choice_spec;
        j["notifications"] = notes;
    }
    return j;
}

Result<json> listProcedures(const DecisionContext& c, const std::string& purpose) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(kProcedureViewRoles, "leveringen inzien"));
    json items = json::array();
    for (const auto& [name, p] : c.config->policies) {
        if (!p.procedure.enabled || (!purpose.empty() && name != purpose)) continue;
        if (!seesPurpose(c, name)) continue;
        store::ListFilter f;
        f.purpose = name;
        f.limit = 1000;
        auto list = c.store.list(f);
        if (!list) return list.error();
        for (const auto& t : *list) {
            auto j = procedureState(c, t, p, false);
            if (!j) return j.error();
            items.push_back(std::move(*j));
        }
    }
    return items;
}

Result<json> showProcedure(const DecisionContext& c, const std::string& id) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(kProcedureViewRoles, "leveringen inzien"));
    auto tp = procedureTransfer(c, id);
    if (!tp) return tp.error();
    return procedureState(c, tp->transfer, *tp->policy, true);
}

Status procedureChangeable(const DecisionContext& c, const store::Transfer& t) {
    using S = transfer::State;
    if (t.state != S::kReceived && t.state != S::kMapped && t.state != S::kAwaitingConsent &&
        t.state != S::kAwaitingApproval && t.state != S::kScheduled)
        return {ErrorCode::kConflict,
                std::string("levering kan niet meer worden gewijzigd (status ") +
                    transfer::stateName(t.state) + ")"};
    policy::Gates gates(c.config, c.store, c.clock);
    return gates.checkWithdrawable(t);
}

Status chooseProcedure(const DecisionContext& c, const std::string& id, const json& body) {
    SLUIS_RETURN_IF_ERROR(
        c.actor.requireRole(kProcedureChangeRoles, "keuzes van een levering maken"));
    auto tp = procedureTransfer(c, id);
    if (!tp) return tp.error();
    const store::Transfer& t = tp->transfer;
    const config::PurposePolicy* p = tp->policy;
    SLUIS_RETURN_IF_ERROR(procedureChangeable(c, t));
    json choices = t.choices;
    std::vector<std::string> errors;
    for (auto& [k, v] : body.items()) {
        auto spec = std::find_if(p->procedure.choices.begin(), p->procedure.choices.end(),
                                 [&](const config::ProcedureChoice& ch) { return ch.id == k; });
        if (spec == p->procedure.choices.end()) {
            errors.push_back(k + ": onbekende keuze");
            continue;
        }
        if (!v.is_string() || std::find(spec->options.begin(), spec->options.end(),
                                        v.get<std::string>()) == spec->options.end()) {
            errors.push_back(k + ": verwacht een van: " + join(spec->options, ", "));
            continue;
        }
        choices[k] = v;
    }
    if (body.empty()) errors.push_back("geen keuze opgegeven");
    if (!errors.empty()) return {ErrorCode::kInvalidArgument, join(errors, "; ")};
    if (choices == t.choices) return {};
    // The payload changes: render again; the akkoord and a save bound to the old report lapse.
    store::TransitionUpdate u;
    u.choices = choices;
    u.changed_by = c.actor.name;
    return c.store.transition(
        id, t.state, transfer::State::kReceived, u,
        {c.actor.label(), "procedure_choice", id, t.purpose, {{"choices", choices}}},
        "keuze gewijzigd; rapport wordt opnieuw opgemaakt", c.clock.now());
}

Status answerProcedure(const DecisionContext& c, const std::string& id, const json& answers) {
    SLUIS_RETURN_IF_ERROR(
        c.actor.requireRole(kProcedureChangeRoles, "de vragen van een levering beantwoorden"));
    auto tp = procedureTransfer(c, id);
    if (!tp) return tp.error();
    const store::Transfer& t = tp->transfer;
    const config::PurposePolicy* p = tp->policy;
    SLUIS_RETURN_IF_ERROR(procedureChangeable(c, t));
    if (!answers.is_object()) return {ErrorCode::kInvalidArgument, "answers: verwacht een object"};
    std::vector<std::string> errors;
    json clean = json::object();
    for (auto& [k, v] : answers.items())
        if (std::none_of(p->procedure.questions.begin(), p->procedure.questions.end(),
                         [&](const config::ProcedureQuestion& q) { return q.id == k; }))
            errors.push_back("answers." + k + ": onbekende vraag");
    for (const auto& q : p->procedure.questions) {
        std::string where = "answers." + q.id;
        if (!answers.contains(q.id)) {
            errors.push_back(where + ": verplicht (" + q.text + ")");
            continue;
        }
        const json& v = answers[q.id];
        std::string text = v.is_string() ? util::trim(v.get<std::string>()) : "";
        if (text.empty()) {
            errors.push_back(where + ": verwacht een niet-lege tekst");
        } else if (q.type == "keuze" &&
                   std::find(q.options.begin(), q.options.end(), text) == q.options.end()) {
            errors.push_back(where + ": verwacht een van: " + join(q.options, ", "));
        } else if (text.size() > q.max_length || !util::checkUtf8(text).isOk()) {
            errors.push_back(where + ": hoogstens " + std::to_string(q.max_length) +
                             " tekens UTF-8");
        } else {
            clean[q.id] = text;
        }
    }
    if (!errors.empty()) return {ErrorCode::kInvalidArgument, join(errors, "; ")};
    SLUIS_RETURN_IF_ERROR(
        c.store.saveProcedureAnswers(id, clean, c.actor.label(), t.purpose, c.clock.now()));
    // Other answers void the save: a delivery that was ready goes back through the gates.
    auto now_t = c.store.get(id);
    if (now_t && now_t->state == transfer::State::kScheduled) {
        auto proc = c.store.procedure(id);
        if (proc && !proc->saved_at)
            return c.store.transition(
                id, transfer::State::kScheduled, transfer::State::kMapped, {},
                {c.actor.label(), "procedure_changed", id, t.purpose, json::object()},
                "antwoorden gewijzigd; opnieuw opslaan nodig", c.clock.now());
    }
    return {};
}

Status saveProcedure(const DecisionContext& c, const std::string& id) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(kProcedureSaveRoles, "een levering opslaan"));
    auto tp = procedureTransfer(c, id);
    if (!tp) return tp.error();
    const store::Transfer& t = tp->transfer;
    const config::PurposePolicy* p = tp->policy;
    SLUIS_RETURN_IF_ERROR(procedureChangeable(c, t));
    if (t.state != transfer::State::kAwaitingApproval && t.state != transfer::State::kScheduled)
        return {ErrorCode::kConflict, "het rapport is nog niet klaar (status " +
                                          std::string(transfer::stateName(t.state)) + ")"};
    policy::Gates gates(c.config, c.store, c.clock);
    auto count = gates.countApprovals(t, *p);
    if (!count) return count.error();
    if (count->valid < p->approvals.required)
        return {ErrorCode::kConflict, "eerst akkoord van het bevoegd gezag (stap 1) op dit rapport"};
    auto proc = c.store.procedure(id);
    if (!proc) return proc.error();
    std::string missing = policy::Gates::procedureMissing(*p, t, *proc, /*include_save=*/false);
    if (!missing.empty()) return {ErrorCode::kConflict, "nog niet compleet: " + missing};
    std::vector<std::string> approvers, choices;
    for (const auto& a : count->counted) approvers.push_back(a.approver);
    const json effective = p->procedure.effectiveChoices(t.choices);
    for (auto& [k, v] : effective.items())
        choices.push_back(k + ": " + (v.is_string() ? v.get<std::string>() : v.dump()));
    const std::string level = join(choices, ", ");
    store::Notification note;
    note.kind = "procedure_saved";
    note.transfer_id = id;
    note.to = p->procedure.notify_to;
    auto mail = notify::renderMail(
        "procedure_saved",
        {{"leerling", t.subject},
         {"doel", t.purpose},
         {"omschrijving", p->description.empty() ? p->name : p->description},
         {"door", c.actor.label()},
         {"akkoord", join(approvers, ", ")},
         {"niveau", level.empty() ? "-" : level},
         {"leverdatum", t.deliver_at ? amsterdam::formatDate(amsterdam::localDate(*t.deliver_at))
                                     : std::string("zo snel mogelijk")},
         {"intrekken_tot",
          t.withdraw_deadline ? amsterdam::formatLocal(*t.withdraw_deadline) : std::string("-")},
         {"hash", t.payload_hash}});
    note.subject = std::move(mail.subject);
    note.body = std::move(mail.body);
    SLUIS_RETURN_IF_ERROR(c.store.saveProcedure(
        id, c.actor.label(), t.payload_hash, t.deliver_at, t.purpose,
        note.to.empty() ? std::nullopt : std::optional<store::Notification>(note), c.clock.now()));
    auto moved = gates.advance(id, c.actor.label());
    if (!moved) return moved.error();
    return {};
}

Status scheduleDelivery(const DecisionContext& c, const std::string& id,
                        const std::string& deliver_on) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(kScheduleRoles, "een leverdatum kiezen"));
    auto t = visibleTransfer(c, id);
    if (!t) return t.error();
    using S = transfer::State;
    if (t->state != S::kMapped && t->state != S::kAwaitingConsent &&
        t->state != S::kAwaitingApproval && t->state != S::kScheduled && t->state != S::kReceived)
        return {ErrorCode::kConflict,
                std::string("leverdatum kan niet meer worden gewijzigd (status ") +
                    transfer::stateName(t->state) + ")"};
    policy::Gates gates(c.config, c.store, c.clock);
    if (t->withdraw_deadline) SLUIS_RETURN_IF_ERROR(gates.checkWithdrawable(*t));
    auto date = amsterdam::parseDate(deliver_on);
    if (!date) return {ErrorCode::kInvalidArgument, "deliver_on: " + date.error().message};
    const auto* p = c.config->policy(t->purpose);
    int before = p ? p->withdraw_days_before : 1;
    Timestamp deliver_at = amsterdam::startOfDay(*date);
    Timestamp deadline = amsterdam::startOfDay(amsterdam::addDays(*date, -before));
    if (deadline <= c.clock.now())
        return {ErrorCode::kInvalidArgument,
                "kies een leverdatum na " +
                    amsterdam::formatDate(
                        amsterdam::addDays(amsterdam::localDate(c.clock.now()), before)) +
                    ": tot " + std::to_string(before) +
                    " dag(en) ervoor moet intrekken mogelijk zijn"};
    const int ahead = p ? p->max_days_ahead : 366;
    if (ahead > 0) {
        const auto last = amsterdam::addDays(amsterdam::localDate(c.clock.now()), ahead);
        if (deliver_at > amsterdam::startOfDay(last))
            return {ErrorCode::kInvalidArgument,
                    "kies een leverdatum uiterlijk " + amsterdam::formatDate(last) + " (hoogstens " +
                        std::to_string(ahead) + " dagen vooruit); " + amsterdam::formatDate(*date) +
                        " is waarschijnlijk een tikfout"};
    }
    store::TransitionUpdate u;
    u.deliver_at = std::optional<Timestamp>(deliver_at);
    u.withdraw_deadline = std::optional<Timestamp>(deadline);
    u.changed_by = c.actor.name;
    // A guided delivery that was ready goes back through the gates: its save was for the old date.
    bool regate = p && p->procedure.enabled && t->state == S::kScheduled;
    return c.store.transition(
        id, t->state, regate ? S::kMapped : t->state, u,
        {c.actor.label(), "scheduled", id, t->purpose, {{"deliver_on", amsterdam::formatDate(*date)}}},
        regate ? "leverdatum gewijzigd; opnieuw opslaan nodig" : "", c.clock.now());
}

Status mayWithdraw(const DecisionContext& c, const store::Transfer& t) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(kWithdrawRoles, "intrekken"));
    policy::Gates gates(c.config, c.store, c.clock);
    return gates.checkWithdrawable(t);
}

Status withdrawTransfer(const DecisionContext& c, const std::string& id,
                        const std::string& reason) {
    SLUIS_RETURN_IF_ERROR(c.actor.requireRole(kWithdrawRoles, "intrekken"));
    auto t = visibleTransfer(c, id);
    if (!t) return t.error();
    SLUIS_RETURN_IF_ERROR(mayWithdraw(c, *t));
    SLUIS_RETURN_IF_ERROR(c.store.transition(
        id, t->state, transfer::State::kWithdrawn, {},
        {c.actor.label(), "withdrawn", id, t->purpose, json::object()},
        reason.empty() ? "ingetrokken" : "ingetrokken: " + reason, c.clock.now()));
    const auto* p = c.config->policy(t->purpose);
    if (p && p->procedure.enabled && !p->procedure.notify_to.empty()) {
        store::Notification note;
        note.kind = "withdrawn";
        note.transfer_id = id;
        note.to = p->procedure.notify_to;
        auto mail = notify::renderMail("withdrawn",
                                       {{"overdracht", id},
                                        {"leerling", t->subject},
                                        {"doel", t->purpose},
                                        {"door", c.actor.label()},
                                        {"tijdstip", amsterdam::formatLocal(c.clock.now())}});
        note.subject = std::move(mail.subject);
        note.body = std::move(mail.body);
        auto queued = c.store.addNotification(note, c.clock.now());
        if (!queued)
            log::error("api.notification_failed",
                       {{"transfer_id", id}, {"message", queued.message()}});
    }
    return {};
}

Result<Report> viewReport(const DecisionContext& c, const std::string& id,
                          const std::string& format) {
    auto t = visibleTransfer(c, id);
    if (!t) return t.error();
    const auto* p = c.config->policy(t->purpose);
    bool allowed = c.actor.hasRole(c.config->admin.payload_roles) ||
                   (p && c.actor.hasRole(p->approvals.roles)) || c.actor.role == "beheerder" ||
                   c.actor.role == "fg";
    if (!allowed)
        return Error{ErrorCode::kPermissionDenied,
                     "rol '" + c.actor.role + "' mag dit rapport niet zien"};
    if (t->report_types.empty())
        return Error{ErrorCode::kNotFound, "voor deze overdracht wordt geen rapport gemaakt"};
    // format html|pdf picks a rendering; without it the first configured one.
    std::string type = t->report_types.front();
    if (!format.empty()) {
        auto it = std::find_if(
            t->report_types.begin(), t->report_types.end(),
            [&](const std::string& ct) { return ct.find("/" + format) != std::string::npos; });
        if (it == t->report_types.end())
            return Error{ErrorCode::kNotFound, "geen rapport in formaat '" + format + "'"};
        type = *it;
    }
    auto body = c.store.report(id, type);
    if (!body) return body.error();
    // One record for one view: the report counts as the actor's preview of this payload.
    SLUIS_RETURN_IF_ERROR(c.store.recordPreview(
        id, c.actor.name, t->payload_hash,
        {c.actor.label(), "report_viewed", id, t->purpose, {{"payload_hash", t->payload_hash}}},
        c.clock.now()));
    return Report{type, std::move(*body), t->payload_hash};
}

}  // namespace sluis::api

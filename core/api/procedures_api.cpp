// Guided deliveries (e.g. Vensters): choices, questions, save; docs/vensters.md. The report a
// board checks is GET /transfers/{id}/report (transfers_api.cpp).
#include <algorithm>

#include "core/api/request.h"
#include "core/notify/mail_templates.h"
#include "core/policy/gates.h"
#include "core/util/amsterdam_time.h"
#include "core/util/text.h"

namespace sluis::api::detail {

using nlohmann::json;

namespace {

Result<std::pair<store::Transfer, const config::PurposePolicy*>> procedureTransfer(
    Request& r, const std::string& id) {
    auto t = r.visibleTransfer(id);
    if (!t) return t.error();
    const auto* p = r.policyFor(*t);
    if (!p || !p->procedure.enabled)
        return Error{ErrorCode::kNotFound, "overdracht " + id + " is geen begeleide levering"};
    return std::make_pair(*t, p);
}

Result<json> procedureJson(Request& r, const store::Transfer& t, const config::PurposePolicy& p,
                           bool detail) {
    policy::Gates gates(r.config, r.store, r.clock);
    auto proc = r.store.procedure(t.id);
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
    for (const auto& c : p.procedure.choices) choices[c.id] = effective.value(c.id, json());
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
        for (const auto& c : p.procedure.choices)
            choice_spec.push_back({{"id", c.id},
                                   {"label", c.label},
                                   {"options", c.options},
                                   {"value", choices[c.id]}});
        json notes = json::array();
        if (auto list = r.store.notifications(t.id))
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

/// Answers with the delivery `id` as it is now (after a change to it), or with the error that
/// prevents reading it.
void sendCurrentProcedure(Request& r, const std::string& id, const config::PurposePolicy& p) {
    auto t = r.store.get(id);
    if (!t) return r.sendError(t.error());
    auto j = procedureJson(r, *t, p, true);
    if (!j) return r.sendError(j.error());
    r.sendJson(200, *j);
}

/// Steps 3-5 may change until the withdrawal deadline, in the states before delivery.
Status procedureChangeable(Request& r, const store::Transfer& t) {
    using S = transfer::State;
    if (t.state != S::kReceived && t.state != S::kMapped && t.state != S::kAwaitingConsent &&
        t.state != S::kAwaitingApproval && t.state != S::kScheduled)
        return {ErrorCode::kConflict,
                std::string("levering kan niet meer worden gewijzigd (status ") +
                    transfer::stateName(t.state) + ")"};
    policy::Gates gates(r.config, r.store, r.clock);
    return gates.checkWithdrawable(t);
}

}  // namespace

void listProcedures(Request& r) {
    const std::string purpose = r.param("purpose");
    auto allowed =
        r.requireRole({"bevoegd-gezag", "directeur", "beheerder", "fg"}, "leveringen inzien");
    if (!allowed) return r.sendError(allowed.error());
    json items = json::array();
    for (const auto& [name, p] : r.config->policies) {
        if (!p.procedure.enabled || (!purpose.empty() && name != purpose)) continue;
        if (!r.seesPurpose(name)) continue;
        store::ListFilter f;
        f.purpose = name;
        f.limit = 1000;
        auto list = r.store.list(f);
        if (!list) return r.sendError(list.error());
        for (const auto& t : *list) {
            auto j = procedureJson(r, t, p, false);
            if (!j) return r.sendError(j.error());
            items.push_back(std::move(*j));
        }
    }
    r.sendJson(200, {{"procedures", items}});
}

void showProcedure(Request& r) {
    const std::string& id = r.id();
    auto allowed =
        r.requireRole({"bevoegd-gezag", "directeur", "beheerder", "fg"}, "leveringen inzien");
    if (!allowed) return r.sendError(allowed.error());
    auto tp = procedureTransfer(r, id);
    if (!tp) return r.sendError(tp.error());
    auto j = procedureJson(r, tp->first, *tp->second, true);
    if (!j) return r.sendError(j.error());
    r.sendJson(200, *j);
}

void chooseProcedure(Request& r) {
    const std::string& id = r.id();
    const json& body = r.body;
    auto allowed =
        r.requireRole({"bevoegd-gezag", "directeur", "beheerder"}, "keuzes van een levering maken");
    if (!allowed) return r.sendError(allowed.error());
    auto tp = procedureTransfer(r, id);
    if (!tp) return r.sendError(tp.error());
    auto& [t, p] = *tp;
    if (auto ok = procedureChangeable(r, t); !ok) return r.sendError(ok.error());
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
    if (!errors.empty()) return r.sendError(Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
    if (choices == t.choices) return sendCurrentProcedure(r, id, *p);
    // The payload changes: render again; the akkoord and a save bound to the old report lapse.
    store::TransitionUpdate u;
    u.choices = choices;
    u.changed_by = r.caller.name;
    auto st =
        r.store.transition(id, t.state, transfer::State::kReceived, u,
                           {r.actor(), "procedure_choice", id, t.purpose, {{"choices", choices}}},
                           "keuze gewijzigd; rapport wordt opnieuw opgemaakt", r.clock.now());
    if (!st) return r.sendError(st.error());
    sendCurrentProcedure(r, id, *p);
}

void answerProcedure(Request& r) {
    const std::string& id = r.id();
    const json& body = r.body;
    auto allowed = r.requireRole({"bevoegd-gezag", "directeur", "beheerder"},
                                 "de vragen van een levering beantwoorden");
    if (!allowed) return r.sendError(allowed.error());
    auto tp = procedureTransfer(r, id);
    if (!tp) return r.sendError(tp.error());
    auto& [t, p] = *tp;
    if (auto ok = procedureChangeable(r, t); !ok) return r.sendError(ok.error());
    const json answers = body.value("answers", json());
    if (!answers.is_object())
        return r.sendError(Error{ErrorCode::kInvalidArgument, "answers: verwacht een object"});
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
    if (!errors.empty()) return r.sendError(Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
    auto st = r.store.saveProcedureAnswers(id, clean, r.actor(), t.purpose, r.clock.now());
    if (!st) return r.sendError(st.error());
    // Other answers void the save: a delivery that was ready goes back through the gates.
    auto now_t = r.store.get(id);
    if (now_t && now_t->state == transfer::State::kScheduled) {
        auto proc = r.store.procedure(id);
        if (proc && !proc->saved_at) {
            auto moved =
                r.store.transition(id, transfer::State::kScheduled, transfer::State::kMapped, {},
                                   {r.actor(), "procedure_changed", id, t.purpose, json::object()},
                                   "antwoorden gewijzigd; opnieuw opslaan nodig", r.clock.now());
            if (!moved) return r.sendError(moved.error());
        }
    }
    sendCurrentProcedure(r, id, *p);
}

void saveProcedure(Request& r) {
    const std::string& id = r.id();
    auto allowed = r.requireRole({"bevoegd-gezag", "directeur"}, "een levering opslaan");
    if (!allowed) return r.sendError(allowed.error());
    auto tp = procedureTransfer(r, id);
    if (!tp) return r.sendError(tp.error());
    auto& [t, p] = *tp;
    if (auto ok = procedureChangeable(r, t); !ok) return r.sendError(ok.error());
    if (t.state != transfer::State::kAwaitingApproval && t.state != transfer::State::kScheduled)
        return r.sendError(
            Error{ErrorCode::kConflict, "het rapport is nog niet klaar (status " +
                                            std::string(transfer::stateName(t.state)) + ")"});
    policy::Gates gates(r.config, r.store, r.clock);
    auto count = gates.countApprovals(t, *p);
    if (!count) return r.sendError(count.error());
    if (count->valid < p->approvals.required)
        return r.sendError(Error{ErrorCode::kConflict,
                                 "eerst akkoord van het bevoegd gezag (stap 1) op dit rapport"});
    auto proc = r.store.procedure(id);
    if (!proc) return r.sendError(proc.error());
    std::string missing = policy::Gates::procedureMissing(*p, t, *proc, /*include_save=*/false);
    if (!missing.empty())
        return r.sendError(Error{ErrorCode::kConflict, "nog niet compleet: " + missing});
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
         {"door", r.caller.name + " (" + r.caller.role + ")"},
         {"akkoord", join(approvers, ", ")},
         {"niveau", level.empty() ? "-" : level},
         {"leverdatum", t.deliver_at ? amsterdam::formatDate(amsterdam::localDate(*t.deliver_at))
                                     : std::string("zo snel mogelijk")},
         {"intrekken_tot", t.withdraw_deadline ? amsterdam::formatLocal(*t.withdraw_deadline) : std::string("-")},
         {"hash", t.payload_hash}});
    note.subject = std::move(mail.subject);
    note.body = std::move(mail.body);
    auto st = r.store.saveProcedure(
        id, r.actor(), t.payload_hash, t.deliver_at, t.purpose,
        note.to.empty() ? std::nullopt : std::optional<store::Notification>(note), r.clock.now());
    if (!st) return r.sendError(st.error());
    auto moved = gates.advance(id, r.actor());
    if (!moved) return r.sendError(moved.error());
    sendCurrentProcedure(r, id, *p);
}

}  // namespace sluis::api::detail

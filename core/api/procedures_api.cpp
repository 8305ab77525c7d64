// Guided deliveries (e.g. Vensters): choices, questions, save; docs/vensters.md. The report a
// board checks is GET /transfers/{id}/report (transfers_api.cpp). The decisions themselves are
// in procedure_decisions.cpp, shared with the web interface.
#include "core/api/procedure_decisions.h"
#include "core/api/request.h"

namespace sluis::api::detail {

using nlohmann::json;

namespace {

/// Answers with the delivery `id` as it is now (after a change to it), or with the error that
/// prevents reading it.
void sendCurrentProcedure(Request& r, const std::string& id) {
    const DecisionContext c = r.decision();
    auto t = r.store.get(id);
    if (!t) return r.sendError(t.error());
    const auto* p = r.policyFor(*t);
    if (!p) return r.sendError(Error{ErrorCode::kNotFound, "overdracht " + id + " is geen begeleide levering"});
    auto j = api::procedureState(c, *t, *p, true);
    if (!j) return r.sendError(j.error());
    r.sendJson(200, *j);
}

}  // namespace

void listProcedures(Request& r) {
    auto items = api::listProcedures(r.decision(), r.param("purpose"));
    if (!items) return r.sendError(items.error());
    r.sendJson(200, {{"procedures", *items}});
}

void showProcedure(Request& r) {
    auto j = api::showProcedure(r.decision(), r.id());
    if (!j) return r.sendError(j.error());
    r.sendJson(200, *j);
}

void chooseProcedure(Request& r) {
    auto st = api::chooseProcedure(r.decision(), r.id(), r.body);
    if (!st) return r.sendError(st.error());
    sendCurrentProcedure(r, r.id());
}

void answerProcedure(Request& r) {
    auto st = api::answerProcedure(r.decision(), r.id(), r.body.value("answers", json()));
    if (!st) return r.sendError(st.error());
    sendCurrentProcedure(r, r.id());
}

void saveProcedure(Request& r) {
    auto st = api::saveProcedure(r.decision(), r.id());
    if (!st) return r.sendError(st.error());
    sendCurrentProcedure(r, r.id());
}

}  // namespace sluis::api::detail

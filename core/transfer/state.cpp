#include "core/transfer/state.h"

#include <set>
#include <utility>

namespace sluis::transfer {

namespace {
using S = State;
const std::set<std::pair<State, State>>& table() {
    static const std::set<std::pair<State, State>> t = {
        {S::kReceived, S::kMapped},
        {S::kReceived, S::kDeadLettered},  // cannot be rendered for its destination
        {S::kReceived, S::kRejected},  // refused at render: breaks the destination's standard
        {S::kReceived, S::kWithdrawn},
        {S::kReceived, S::kAwaitingConsent},  // inzage first: the dossier carries it
        {S::kMapped, S::kAwaitingConsent},
        {S::kMapped, S::kAwaitingApproval},
        {S::kMapped, S::kScheduled},
        {S::kMapped, S::kWithdrawn},
        {S::kAwaitingConsent, S::kAwaitingApproval},
        {S::kAwaitingConsent, S::kScheduled},
        {S::kAwaitingConsent, S::kRejected},
        {S::kAwaitingConsent, S::kWithdrawn},
        {S::kAwaitingApproval, S::kScheduled},
        {S::kAwaitingApproval, S::kRejected},
        {S::kAwaitingApproval, S::kWithdrawn},
        {S::kAwaitingApproval, S::kMapped},  // data changed: approvals lapse, re-evaluate
        {S::kScheduled, S::kDelivering},
        {S::kScheduled, S::kWithdrawn},
        {S::kScheduled, S::kMapped},  // data changed after approval
        {S::kScheduled, S::kDeadLettered},  // delivery date missed while down (catch-up: skip)
        {S::kDelivering, S::kDelivered},
        {S::kDelivering, S::kFailed},
        {S::kDelivering, S::kDeadLettered},
        {S::kFailed, S::kDelivering},
        {S::kFailed, S::kDeadLettered},
        {S::kFailed, S::kWithdrawn},
        // A beheerder requeues after fixing the cause: back through every gate, never straight
        // to scheduled. Without a rendered payload (refused at render) it is rendered again.
        {S::kDeadLettered, S::kMapped},
        {S::kDeadLettered, S::kReceived},
        {S::kFailed, S::kMapped},
        // The engine re-evaluates the gates immediately before every delivery; a transfer whose
        // gates closed meanwhile (consent lapsed, approvals no longer valid) goes back to mapped.
        {S::kDelivering, S::kMapped},
        {S::kDeadLettered, S::kWithdrawn},
        // The data changed before delivery (a corrected export): render again; approvals lapse
        // because they are bound to the old payload hash.
        {S::kMapped, S::kReceived},
        {S::kAwaitingConsent, S::kReceived},
        {S::kAwaitingApproval, S::kReceived},
        {S::kScheduled, S::kReceived},
    };
    return t;
}
}  // namespace

const char* stateName(State s) {
    switch (s) {
        case S::kReceived: return "received";
        case S::kMapped: return "mapped";
        case S::kAwaitingConsent: return "awaiting_consent";
        case S::kAwaitingApproval: return "awaiting_approval";
        case S::kScheduled: return "scheduled";
        case S::kDelivering: return "delivering";
        case S::kDelivered: return "delivered";
        case S::kRejected: return "rejected";
        case S::kWithdrawn: return "withdrawn";
        case S::kFailed: return "failed";
        case S::kDeadLettered: return "dead_lettered";
    }
    return "unknown";
}

const std::vector<State>& allStates() {
    static const std::vector<State> v = {S::kReceived,         S::kMapped,    S::kAwaitingConsent,
                                         S::kAwaitingApproval, S::kScheduled, S::kDelivering,
                                         S::kDelivered,        S::kRejected,  S::kWithdrawn,
                                         S::kFailed,           S::kDeadLettered};
    return v;
}

std::optional<State> parseState(const std::string& name) {
    for (State s : allStates())
        if (name == stateName(s)) return s;
    return std::nullopt;
}

const std::vector<State>& replaceableStates() {
    static const std::vector<State> v = {S::kReceived, S::kMapped, S::kAwaitingConsent,
                                         S::kAwaitingApproval, S::kScheduled};
    return v;
}

const std::vector<State>& workStates() {
    static const std::vector<State> v = {S::kReceived, S::kMapped, S::kDelivering};
    return v;
}

bool isTerminal(State s) {
    return s == S::kDelivered || s == S::kRejected || s == S::kWithdrawn;
}

bool canTransition(State from, State to) { return table().count({from, to}) > 0; }

}  // namespace sluis::transfer

#pragma once
/// Transfer states and the one table of allowed transitions.
///
/// Values are persisted: never renumber, only add.
#include <optional>
#include <string>
#include <vector>

namespace sluis::transfer {

enum class State : int {
    kReceived = 1,          ///< Stored as it came in (canonical record), nothing rendered yet.
    kMapped = 2,            ///< Rendered for its destination; gates not yet evaluated.
    kAwaitingConsent = 3,   ///< Waits for consent / inzage required by the purpose policy.
    kAwaitingApproval = 4,  ///< Waits for the approvals the purpose policy requires.
    kScheduled = 5,         ///< All gates open; goes out at deliver_at.
    kDelivering = 6,        ///< Handed to the sink; if the daemon dies here, it is retried (idempotently).
    kDelivered = 7,         ///< Terminal: the receiver has it.
    kRejected = 8,          ///< Terminal: an approver said no, or refused at render (invalid for
                            ///< the destination's standard, e.g. an OSO dossier; see last_error).
    kWithdrawn = 9,         ///< Terminal: consent/approval withdrawn before delivery.
    kFailed = 10,           ///< Delivery failed; retried at next_attempt_at (back-off).
    kDeadLettered = 11,     ///< Gave up (permanent error or attempts exhausted); needs a person.
};

const char* stateName(State s);
std::optional<State> parseState(const std::string& name);
const std::vector<State>& allStates();
bool isTerminal(State s);

/// Named sets of states (one definition each; the store builds its queries from them).
/// Not yet handed to a sink: newer data from the source replaces the transfer's record.
const std::vector<State>& replaceableStates();
/// The worker claims these whenever they are due (received: render; mapped: gates; delivering:
/// a delivery to finish or take over). Scheduled and failed are due from a moment on.
const std::vector<State>& workStates();

/// The transition table. Everything not listed is refused.
bool canTransition(State from, State to);

}  // namespace sluis::transfer

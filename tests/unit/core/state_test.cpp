#include "core/transfer/state.h"

#include <gtest/gtest.h>

namespace sluis::transfer {
namespace {

TEST(StateTable, NamesRoundTripAndValuesAreStable) {
    for (State s : allStates()) EXPECT_EQ(parseState(stateName(s)), s);
    EXPECT_FALSE(parseState("bogus"));
    // Persisted values: renumbering would corrupt existing stores.
    EXPECT_EQ(static_cast<int>(State::kReceived), 1);
    EXPECT_EQ(static_cast<int>(State::kDelivered), 7);
    EXPECT_EQ(static_cast<int>(State::kDeadLettered), 11);
}

TEST(StateTable, HappyPathIsAllowed) {
    const State path[] = {State::kReceived, State::kMapped, State::kAwaitingConsent,
                          State::kAwaitingApproval, State::kScheduled, State::kDelivering,
                          State::kDelivered};
    for (size_t i = 0; i + 1 < std::size(path); ++i)
        EXPECT_TRUE(canTransition(path[i], path[i + 1]))
            << stateName(path[i]) << " -> " << stateName(path[i + 1]);
}

TEST(StateTable, TerminalStatesHaveNoExits) {
    for (State from : allStates()) {
        if (!isTerminal(from)) continue;
        for (State to : allStates()) EXPECT_FALSE(canTransition(from, to)) << stateName(from);
    }
}

TEST(StateTable, GatesCannotBeSkippedBackwardsOrIntoDelivery) {
    EXPECT_FALSE(canTransition(State::kReceived, State::kDelivering));
    EXPECT_FALSE(canTransition(State::kAwaitingApproval, State::kDelivering));
    EXPECT_FALSE(canTransition(State::kAwaitingConsent, State::kDelivered));
    EXPECT_FALSE(canTransition(State::kMapped, State::kDelivered));
    EXPECT_FALSE(canTransition(State::kDelivered, State::kScheduled));
    EXPECT_FALSE(canTransition(State::kWithdrawn, State::kScheduled));
    EXPECT_TRUE(canTransition(State::kFailed, State::kDelivering));
    // A requeue goes back through the gates (mapped, or received to render again), never
    // straight to scheduled.
    EXPECT_FALSE(canTransition(State::kDeadLettered, State::kScheduled));
    EXPECT_FALSE(canTransition(State::kFailed, State::kScheduled));
    EXPECT_TRUE(canTransition(State::kDeadLettered, State::kMapped));
    EXPECT_TRUE(canTransition(State::kDeadLettered, State::kReceived));
    EXPECT_TRUE(canTransition(State::kFailed, State::kMapped));
    // Gates closed just before delivery: back to mapped for re-evaluation.
    EXPECT_TRUE(canTransition(State::kDelivering, State::kMapped));
    EXPECT_TRUE(canTransition(State::kScheduled, State::kMapped));  // data changed after approval
}

}  // namespace
}  // namespace sluis::transfer

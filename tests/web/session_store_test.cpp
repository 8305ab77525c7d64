// Web sessions in the store (issue 16; core/store/transfer_store.h "sessions", core/web/session.h):
// the store's session methods and the SessionStore layer over them, on both backends (SQLite and
// the real PostgreSQL test server).
#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include "core/store/transfer_store.h"
#include "core/util/clock.h"
#include "core/util/fs.h"
#include "core/util/text.h"
#include "core/web/session.h"
#include "tests/support/pg_database.h"
#include "tests/support/test_util.h"

namespace sluis::store {
namespace {

using namespace std::chrono_literals;
using web::Session;
using web::SessionStore;

class SessionStoreTest : public ::testing::TestWithParam<std::string> {
  protected:
    void SetUp() override {
        if (GetParam() == "postgresql") {
            pg_ = std::make_unique<test::PgDatabase>();
            ASSERT_EQ(pg_->error(), "");
        }
        store_ = open();
        ASSERT_TRUE(store_);
    }
    std::unique_ptr<TransferStore> open() {
        auto s = pg_ ? openPostgresStore({pg_->dsn(), "", (dir_ / "sluis.key").string()})
                     : openSqliteStore({(dir_ / "sluis.db").string(), (dir_ / "sluis.key").string()});
        EXPECT_TRUE(s) << s.error().message;
        return s ? std::move(s.value()) : nullptr;
    }
    /// Every stored session row as text (what is at rest).
    std::string rawSessions() {
        const std::string q =
            "SELECT id_hash || '|' || name || '|' || role || '|' || display || '|' ||"
            " COALESCE(pending, '') FROM web_sessions";
        if (pg_) {
            std::string out;
            for (const auto& r : pg_->query(q)) out += r + "\n";
            return out;
        }
        Poco::Data::Session raw("SQLite", (dir_ / "sluis.db").string());
        std::vector<std::string> rows;
        raw << q, Poco::Data::Keywords::into(rows), Poco::Data::Keywords::now;
        std::string out;
        for (const auto& r : rows) out += r + "\n";
        return out;
    }
    void addAccount(const std::string& name) {
        Account a;
        a.name = name;
        a.role = "directeur";
        a.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
        a.totp_secret = "geheim-0123456789";
        a.created_at = t0_;
        ASSERT_TRUE(store_->addAccount(a, "cli", t0_));
    }

    test::TempDir dir_;
    std::unique_ptr<test::PgDatabase> pg_;
    std::unique_ptr<TransferStore> store_;
    Timestamp t0_ = fromMillis(1'700'000'000'000);
};

WebSession session(const std::string& id_hash, int stage, const std::string& name, Timestamp at) {
    WebSession s;
    s.id_hash = id_hash;
    s.stage = stage;
    s.name = name;
    s.role = name.empty() ? "" : "directeur";
    s.created = s.last_seen = at;
    return s;
}

TEST_P(SessionStoreTest, CreateFindTouchRemoveAndPendingValuesSealed) {
    WebSession s = session(std::string(64, 'a'), 0, "", t0_);
    s.display = "";
    s.pending = {{"oidc_state", "STATE-geheim-1"}, {"oidc_verifier", "VERIFIER-geheim-2"}};
    ASSERT_TRUE(store_->addSession(s, {}, {}));
    auto found = store_->findSession(s.id_hash);
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->stage, 0);
    EXPECT_EQ((*found)->pending, s.pending);
    EXPECT_EQ((*found)->created, t0_);
    EXPECT_EQ((*found)->last_seen, t0_);
    const std::string raw = rawSessions();
    EXPECT_NE(raw.find(s.id_hash), std::string::npos);
    EXPECT_EQ(raw.find("STATE-geheim-1"), std::string::npos) << "pending values are sealed";
    EXPECT_EQ(raw.find("VERIFIER-geheim-2"), std::string::npos);

    ASSERT_TRUE(store_->touchSession(s.id_hash, t0_ + 5min));
    found = store_->findSession(s.id_hash);
    ASSERT_TRUE(found && found->has_value());
    EXPECT_EQ((*found)->last_seen, t0_ + 5min);
    EXPECT_EQ((*found)->created, t0_);

    ASSERT_TRUE(store_->removeSession(s.id_hash));
    found = store_->findSession(s.id_hash);
    ASSERT_TRUE(found);
    EXPECT_FALSE(found->has_value());
    EXPECT_TRUE(store_->touchSession(s.id_hash, t0_ + 6min)) << "touching a gone session is no error";
    auto n = store_->countSessions();
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 0);
}

TEST_P(SessionStoreTest, TheLayerChecksIdleAndAbsoluteTimeoutsOnTheInjectedClock) {
    ManualClock clock(t0_);
    SessionStore sessions(*store_, clock, 15min, 1h);
    auto id = sessions.create(Session::Stage::kFull, "juf", "mentor");
    ASSERT_TRUE(id);
    EXPECT_EQ(id->size(), 64u);
    EXPECT_EQ(rawSessions().find(*id), std::string::npos) << "the cookie value is never stored";
    auto s = sessions.touch(*id);
    ASSERT_TRUE(s);
    EXPECT_EQ(s->name, "juf");
    EXPECT_EQ(s->role, "mentor");
    EXPECT_EQ(s->csrf, SessionStore::csrfFor(*id));
    EXPECT_EQ(rawSessions().find(s->csrf), std::string::npos) << "nor the CSRF token";
    for (int i = 0; i < 5; ++i) {
        clock.advance(10min);
        ASSERT_TRUE(sessions.touch(*id)) << i;
    }
    clock.advance(10min);  // 60 minutes after it began
    EXPECT_FALSE(sessions.touch(*id));
    EXPECT_EQ(sessions.size(), 0u) << "an expired session is deleted when it is touched";

    auto idle = sessions.create(Session::Stage::kFull, "juf", "mentor");
    ASSERT_TRUE(idle);
    clock.advance(14min);
    ASSERT_TRUE(sessions.touch(*idle));
    clock.advance(15min);
    EXPECT_FALSE(sessions.touch(*idle)) << "15 minutes without a request";

    // A second layer (another daemon) on the same store knows the session, and a store opened
    // again (a restart) still has it.
    auto shared = sessions.create(Session::Stage::kFull, "juf", "mentor");
    ASSERT_TRUE(shared);
    SessionStore other(*store_, clock, 15min, 1h);
    ASSERT_TRUE(other.touch(*shared));
    other.remove(*shared);
    EXPECT_FALSE(sessions.touch(*shared)) << "logout on one daemon ends it on the other";
    auto kept = sessions.create(Session::Stage::kFull, "juf", "mentor");
    ASSERT_TRUE(kept);
    store_.reset();
    store_ = open();
    ASSERT_TRUE(store_);
    SessionStore restarted(*store_, clock, 15min, 1h);
    EXPECT_TRUE(restarted.touch(*kept)) << "a restart keeps the session";
}

TEST_P(SessionStoreTest, LastSeenIsWrittenAtMostEveryThirtySeconds) {
    ManualClock clock(t0_);
    SessionStore sessions(*store_, clock, 15min, 1h);
    auto id = sessions.create(Session::Stage::kFull, "juf", "mentor");
    ASSERT_TRUE(id);
    const std::string hash = util::sha256Hex(*id);
    clock.advance(10s);
    ASSERT_TRUE(sessions.touch(*id));
    EXPECT_EQ((*store_->findSession(hash))->last_seen, t0_) << "10 s later: no write";
    clock.advance(SessionStore::kTouchEvery);
    ASSERT_TRUE(sessions.touch(*id));
    EXPECT_EQ((*store_->findSession(hash))->last_seen, t0_ + 10s + SessionStore::kTouchEvery);
}

TEST_P(SessionStoreTest, RemovingAnAccountOrResettingItsTotpEndsItsSessionsAtOnce) {
    addAccount("dir.bos");
    addAccount("juf.ans");
    ASSERT_TRUE(store_->addSession(session(std::string(64, '1'), 2, "dir.bos", t0_), {}, {}));
    ASSERT_TRUE(store_->addSession(session(std::string(64, '2'), 1, "dir.bos", t0_), {}, {}));
    ASSERT_TRUE(store_->addSession(session(std::string(64, '3'), 2, "juf.ans", t0_), {}, {}));
    ASSERT_TRUE(store_->addSession(session(std::string(64, '4'), 2, "juf.ans", t0_), {}, {}));
    ASSERT_TRUE(store_->addSession(session(std::string(64, '5'), 0, "", t0_), {}, {}));

    ASSERT_TRUE(store_->removeAccount("dir.bos", "beheerder", t0_));
    EXPECT_FALSE(store_->findSession(std::string(64, '1'))->has_value());
    EXPECT_FALSE(store_->findSession(std::string(64, '2'))->has_value()) << "also halfway the login";
    EXPECT_TRUE(store_->findSession(std::string(64, '3'))->has_value());

    ASSERT_TRUE(store_->resetTotp("juf.ans", "nieuw-geheim-0123", "beheerder", t0_));
    EXPECT_FALSE(store_->findSession(std::string(64, '3'))->has_value());
    EXPECT_FALSE(store_->findSession(std::string(64, '4'))->has_value());
    EXPECT_TRUE(store_->findSession(std::string(64, '5'))->has_value()) << "others stay";

    ASSERT_TRUE(store_->addSession(session(std::string(64, '6'), 2, "oidc:abc", t0_), {}, {}));
    ASSERT_TRUE(store_->addSession(session(std::string(64, '7'), 2, "oidc:abc", t0_), {}, {}));
    auto n = store_->removeAccountSessions("oidc:abc");
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 2);
    EXPECT_EQ(*store_->countSessions(), 1);

    // A failed removal (no such account) changes nothing.
    ASSERT_TRUE(store_->addSession(session(std::string(64, '8'), 2, "niemand", t0_), {}, {}));
    EXPECT_FALSE(store_->removeAccount("niemand", "beheerder", t0_));
    EXPECT_TRUE(store_->findSession(std::string(64, '8'))->has_value());
}

TEST_P(SessionStoreTest, ChangingAnAccountsRoleEndsItsSessionsAndIsAudited) {
    addAccount("dir.bos");
    addAccount("juf.ans");
    ASSERT_TRUE(store_->addSession(session(std::string(64, '1'), 2, "dir.bos", t0_), {}, {}));
    ASSERT_TRUE(store_->addSession(session(std::string(64, '3'), 2, "juf.ans", t0_), {}, {}));
    ASSERT_TRUE(store_->changeAccountRole("dir.bos", "zorgcoordinator", "beheer1 (beheerder)", t0_));
    auto a = store_->findAccount("dir.bos");
    ASSERT_TRUE(a && a->has_value());
    EXPECT_EQ((*a)->role, "zorgcoordinator");
    EXPECT_FALSE(store_->findSession(std::string(64, '1'))->has_value()) << "it carried the old role";
    EXPECT_TRUE(store_->findSession(std::string(64, '3'))->has_value()) << "others stay";
    auto head = store_->auditLog(0, 1000);
    ASSERT_TRUE(head);
    ASSERT_FALSE(head->empty());
    const auto& rec = head->back();
    EXPECT_EQ(rec.event.event, "account_role_changed");
    EXPECT_EQ(rec.event.actor, "beheer1 (beheerder)");
    EXPECT_EQ(rec.event.details["account"], "dir.bos");
    EXPECT_EQ(rec.event.details["from"], "directeur");
    EXPECT_EQ(rec.event.details["to"], "zorgcoordinator");

    // The same role again, or an account that does not exist: refused, nothing written.
    auto same = store_->changeAccountRole("dir.bos", "zorgcoordinator", "beheerder", t0_);
    EXPECT_EQ(same.code(), ErrorCode::kConflict);
    auto none = store_->changeAccountRole("niemand", "fg", "beheerder", t0_);
    EXPECT_EQ(none.code(), ErrorCode::kNotFound);
    EXPECT_EQ(store_->auditLog(0, 1000)->size(), head->size());
    EXPECT_TRUE(store_->findSession(std::string(64, '3'))->has_value());
}

// A login in progress (OpenID Connect) is single use: read and deleted in one transaction.
TEST_P(SessionStoreTest, ASessionIsTakenOnceAlsoByTwoStoresRacing) {
    WebSession s = session(std::string(64, 'a'), 0, "", t0_);
    s.pending = {{"oidc_state", "STATE-1"}};
    ASSERT_TRUE(store_->addSession(s, {}, {}));
    auto taken = store_->takeSession(s.id_hash);
    ASSERT_TRUE(taken) << taken.error().message;
    ASSERT_TRUE(taken->has_value());
    EXPECT_EQ((*taken)->pending, s.pending);
    auto again = store_->takeSession(s.id_hash);
    ASSERT_TRUE(again);
    EXPECT_FALSE(again->has_value());
    EXPECT_EQ(*store_->countSessions(), 0);

    // Two store objects (two daemons) take the same sessions at the same moment: each session
    // goes to exactly one of them.
    constexpr int kSessions = 200;
    for (int i = 0; i < kSessions; ++i) {
        char id[65];
        std::snprintf(id, sizeof id, "%064d", i);
        ASSERT_TRUE(store_->addSession(session(id, 0, "", t0_), {}, {}));
    }
    auto other = open();
    ASSERT_TRUE(other);
    std::atomic<int> got_a{0}, got_b{0}, errors{0};
    auto takeAll = [&](TransferStore& st, std::atomic<int>& got) {
        for (int i = 0; i < kSessions; ++i) {
            char id[65];
            std::snprintf(id, sizeof id, "%064d", i);
            auto r = st.takeSession(id);
            if (!r) ++errors;
            else if (r->has_value()) ++got;
        }
    };
    std::thread ta([&] { takeAll(*store_, got_a); });
    std::thread tb([&] { takeAll(*other, got_b); });
    ta.join();
    tb.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(got_a.load() + got_b.load(), kSessions);
    EXPECT_EQ(*store_->countSessions(), 0);
}

TEST_P(SessionStoreTest, PurgeDeletesOnlyExpiredSessions) {
    ASSERT_TRUE(store_->addSession(session(std::string(64, 'a'), 2, "a", t0_), {}, {}));
    WebSession old = session(std::string(64, 'b'), 2, "b", t0_ - 2h);
    old.last_seen = t0_;  // active, but past the absolute time-out
    ASSERT_TRUE(store_->addSession(old, {}, {}));
    WebSession idle = session(std::string(64, 'c'), 2, "c", t0_ - 20min);
    ASSERT_TRUE(store_->addSession(idle, {}, {}));
    auto n = store_->purgeSessions({t0_ - 15min, t0_ - 1h});
    ASSERT_TRUE(n);
    EXPECT_EQ(*n, 2);
    EXPECT_TRUE(store_->findSession(std::string(64, 'a'))->has_value());
    EXPECT_FALSE(store_->findSession(std::string(64, 'b'))->has_value());
    EXPECT_FALSE(store_->findSession(std::string(64, 'c'))->has_value());

    ManualClock clock(t0_ + 16min);
    SessionStore sessions(*store_, clock, 15min, 1h);
    auto purged = sessions.purgeExpired();
    ASSERT_TRUE(purged);
    EXPECT_EQ(*purged, 1);
    EXPECT_EQ(*store_->countSessions(), 0);
}

TEST_P(SessionStoreTest, LimitsDropAnonymousFirstThenRefuseAndKeepAnAccountsNewest) {
    ManualClock clock(t0_);
    SessionStore sessions(*store_, clock, 15min, 1h, SessionLimits{3, 2});
    auto person = sessions.create(Session::Stage::kFull, "a", "mentor");
    ASSERT_TRUE(person);
    for (int i = 0; i < 10; ++i) {
        clock.advance(1s);
        ASSERT_TRUE(sessions.create(Session::Stage::kAnonymous, "", ""));
    }
    EXPECT_LE(sessions.size(), 3u);
    EXPECT_TRUE(sessions.touch(*person)) << "a flood of login pages logs nobody out";

    ASSERT_TRUE(sessions.create(Session::Stage::kFull, "b", "mentor"));
    clock.advance(1s);
    ASSERT_TRUE(sessions.create(Session::Stage::kFull, "c", "mentor"));
    auto full = sessions.create(Session::Stage::kFull, "d", "mentor");
    ASSERT_FALSE(full) << "three people logged in: the fourth waits";
    EXPECT_EQ(full.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(web::sessionRefusedText(full.error()).find("te veel mensen tegelijk"), std::string::npos);
    EXPECT_TRUE(sessions.touch(*person));

    // Per account: a third login of "c" ends its oldest.
    ASSERT_TRUE(sessions.purgeExpired());
    SessionStore roomy(*store_, clock, 15min, 1h, SessionLimits{100, 2});
    clock.advance(1s);
    auto c2 = roomy.create(Session::Stage::kFull, "c", "mentor");
    ASSERT_TRUE(c2);
    clock.advance(1s);
    auto c3 = roomy.create(Session::Stage::kFull, "c", "mentor");
    ASSERT_TRUE(c3);
    EXPECT_TRUE(roomy.touch(*c2));
    EXPECT_TRUE(roomy.touch(*c3));
    EXPECT_TRUE(roomy.touch(*person));
    EXPECT_EQ(*store_->countSessions(), 4) << "a, b and c's two newest";
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionStoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sluis::store

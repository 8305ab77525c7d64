#pragma once
/// The durable transfer store: transfers, their state history, the audit log, API tokens.
///
/// Every state change and its history + audit records are written in one transaction. Payloads
/// (the canonical record and the rendered payload) are encrypted at rest with a per-transfer
/// data key (see crypto/payload_cipher.h); metadata is not, so that lists and the disclosure
/// register work without decrypting anything.
///
/// Backends: SQLite (embedded default) and PostgreSQL (scale-out), one implementation in
/// sql_store.cpp with a small dialect per backend. Callers see only this interface.
/// Implementations are thread-safe.
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/crypto/payload_cipher.h"
#include "core/error.h"
#include "core/transfer/state.h"
#include "core/util/clock.h"

namespace sluis::store {

class AuditVerifier;  // core/store/audit_verifier.h

using transfer::State;

struct Transfer {
    std::string id;
    std::string idempotency_key;
    std::string direction;  ///< "outbound" | "inbound"
    std::string route;
    std::string purpose;
    std::string profile;
    std::string source;       ///< Source connector instance.
    std::string destination;  ///< Sink connector instance.
    std::string subject;      ///< Pupil id (leerlingid) the transfer is about.
    State state = State::kReceived;
    int attempts = 0;
    std::optional<Timestamp> next_attempt_at;
    std::optional<Timestamp> deliver_at;
    Timestamp created_at{};
    Timestamp updated_at{};
    std::string content_type;
    std::string file_extension;
    std::string payload_hash;  ///< SHA-256 of the rendered payload (what approvals bind to).
    std::string receipt;
    std::string last_error;
    bool payload_purged = false;
    std::string created_by;  ///< Actor that created the transfer.
    std::string changed_by;  ///< Actor that last changed its data or schedule (four-eyes).
    std::optional<Timestamp> withdraw_deadline;  ///< Withdrawal refused from this instant on.
    nlohmann::json disclosure = nlohmann::json::object();  ///< Included/withheld field paths, categories (no values).
    std::string consent_id;  ///< Consent or inzage record the transfer relies on.
    nlohmann::json choices = nlohmann::json::object();  ///< Guided-delivery choices (e.g. niveau); shape the payload.
    std::vector<std::string> report_types;  ///< Content types of the stored human-readable reports.
};

/// The questionnaire answers and the "save" of a guided delivery (config::ProcedureSpec). A save
/// binds to the payload hash and delivery date it was made for: when either changes, the save
/// lapses like an approval does.
struct ProcedureRecord {
    std::string transfer_id;
    nlohmann::json answers = nlohmann::json::object();
    std::string answered_by;
    std::optional<Timestamp> answered_at;
    std::string saved_by;
    std::optional<Timestamp> saved_at;
    std::string saved_hash;
    std::optional<Timestamp> saved_deliver_at;
};

/// A notification mail waiting in (or sent from) the outbox. Holds no pupil data.
struct Notification {
    long long id = 0;
    std::string kind;  ///< e.g. "procedure_saved", "withdrawn", "delivery_missed"
    std::string transfer_id;
    std::vector<std::string> to;
    std::string subject;
    std::string body;
    Timestamp created_at{};
    int attempts = 0;
    std::optional<Timestamp> next_attempt_at;
    std::optional<Timestamp> sent_at;
    std::string last_error;
};

/// A scanned form, letter or e-mail kept as evidence of a consent. The bytes are encrypted at
/// rest; lists carry only the metadata (bytes empty).
struct EvidenceFile {
    std::string filename;      ///< As uploaded, for the download; never logged.
    std::string content_type;  ///< e.g. application/pdf, image/jpeg
    long long size = 0;
    std::string sha256;  ///< Of the bytes, so a school can show the file was not changed.
    std::string bytes;   ///< Empty in lists; filled by consentEvidence().
};

/// A consent (toestemming) in the register.
struct Consent {
    std::string id;
    std::string pupil;       ///< leerlingid
    std::string purpose;
    std::string given_by;    ///< "ouder" (parent/guardian) or "leerling" (pupil of 16+)
    std::string relation;    ///< e.g. "moeder", "voogd"; empty for the pupil
    std::string decision;    ///< "gegeven" | "geweigerd"
    std::string decided_on;  ///< YYYY-MM-DD
    std::string method;      ///< e.g. "formulier", "ouderportaal", "e-mail"
    std::string evidence;    ///< Note or reference (encrypted at rest)
    std::string valid_from;  ///< YYYY-MM-DD
    std::string valid_until; ///< YYYY-MM-DD or empty
    std::string recorded_by;
    Timestamp recorded_at{};
    std::optional<Timestamp> withdrawn_at;
    std::string withdrawn_by;
    std::optional<EvidenceFile> evidence_file;  ///< Attachment (metadata in lists).
};

/// An inzage record: parents have seen the dossier.
struct Inzage {
    std::string id;
    std::string pupil;
    std::string purpose;
    std::string inzagedatum;       ///< YYYY-MM-DD
    std::string akkoord;           ///< Ja | Nee | Onbekend
    std::string redennietakkoord;  ///< The parents' view (encrypted at rest)
    std::string recorded_by;
    Timestamp recorded_at{};
    /// False for a row whose keyed MAC does not match (added or changed outside Sluis): listed
    /// by inzages() so it can be reported, never counted; its view is then not opened (empty).
    bool authentic = true;
};

struct Approval {
    long long seq = 0;
    std::string transfer_id;
    std::string approver;
    std::string role;
    std::string payload_hash;
    std::string decision;  ///< "approved" | "rejected"
    std::string reason;
    Timestamp at{};
};

/// A batch of transfers prepared for approval together (the spring PO->VO run: a mentor prepares
/// a class, the directeur approves it after seeing the preview of each). Each item is bound to the
/// payload hash it had when the batch was prepared.
struct BatchItem {
    std::string transfer_id;
    std::string payload_hash;
};

struct Batch {
    std::string id;
    std::string name;
    std::string purpose;
    std::string prepared_by;
    Timestamp prepared_at{};
    std::vector<BatchItem> items;
    std::string status = "prepared";  ///< prepared (open for approvers) | approved | rejected
    std::string decided_by;
    std::optional<Timestamp> decided_at;
};

struct HistoryEntry {
    long long seq = 0;
    std::optional<State> from;
    State to = State::kReceived;
    Timestamp at{};
    std::string actor;
    std::string reason;
};

/// An audit event. `details` carries ids and field paths only, never values.
struct AuditEvent {
    std::string actor;
    std::string event;
    std::string transfer_id;
    std::string purpose;
    nlohmann::json details = nlohmann::json::object();
};

struct AuditRecord {
    long long seq = 0;
    Timestamp at{};
    AuditEvent event;
    std::string prev_hash;
    std::string hash;
};

/// A search of the audit log in the store (api::readAudit: the FG's Audit page and GET
/// /api/v1/audit). Empty fields match everything; every field is an id, never a value.
struct AuditSearch {
    std::string transfer_id;
    std::string event;
    /// Part of the actor's label. A superset on SQLite, which compares ASCII letters without
    /// regard to case: the caller checks the exact match.
    std::string actor;
    /// A pupil: records of the pupil's transfers, or whose details hold the pupil's id as a string
    /// value anywhere (a superset: the caller checks which key names the pupil).
    std::string subject;
    std::optional<Timestamp> from;   ///< at >= from
    std::optional<Timestamp> until;  ///< at < until
    bool newest_first = false;
    long long after = 0;   ///< oldest first: only seq > after
    long long before = 0;  ///< newest first: only seq < before (0: no bound)
    size_t offset = 0;
    size_t limit = 500;
};

struct NewTransfer {
    Transfer meta;          ///< id, idempotency_key, direction, route, purpose, profile, source, destination, subject, deliver_at
    std::string canonical;  ///< Plaintext canonical JSON; encrypted before it is written.
};

/// Everything that came from one source item; stored all-or-nothing.
struct IngestBatch {
    std::string ingest_key;  ///< The source item's idempotency key.
    std::string source;
    std::string item_name;
    std::string actor;
    std::vector<NewTransfer> transfers;
};

enum class IngestResult { kStored, kAlreadyStored };

/// A transition that is part of a larger change (e.g. withdrawing a consent).
struct PlannedTransition {
    std::string id;
    State from;
    State to;
};

/// A claim on work: which daemon instance holds it, and until when (the lease). Several daemons
/// on one PostgreSQL store each claim what they work on; a claim whose lease ran out may be taken
/// by another daemon (docs/operations.md, "Several daemons on one PostgreSQL store").
struct Claim {
    std::string owner;  ///< Daemon instance id (random per start).
    Timestamp until{};  ///< End of the lease.
};

/// Fields to change together with a transition. Unset fields are left alone.
struct TransitionUpdate {
    std::optional<std::string> payload;  ///< Rendered payload (plaintext); sets payload_hash.
    std::optional<std::string> content_type;
    std::optional<std::string> file_extension;
    std::optional<int> attempts;
    std::optional<std::optional<Timestamp>> next_attempt_at;
    std::optional<std::optional<Timestamp>> deliver_at;
    std::optional<std::string> receipt;
    std::optional<std::string> last_error;
    std::optional<std::string> changed_by;
    std::optional<std::optional<Timestamp>> withdraw_deadline;
    std::optional<nlohmann::json> disclosure;
    std::optional<std::string> consent_id;
    std::optional<nlohmann::json> choices;
    /// Human-readable renderings (content type, bytes; plaintext here, encrypted like the
    /// payload). Replaces all earlier ones.
    std::optional<std::vector<std::pair<std::string, std::string>>> reports;
    /// Made under this claim (the engine): refused (kConflict) unless the transfer is still
    /// claimed by `claim->owner`. A transition to delivering keeps the claim with its lease
    /// extended to `claim->until`. Every transition to another state releases the claim, with or
    /// without this (a change made by someone else thus fences off a daemon working on a stale
    /// copy).
    std::optional<Claim> claim;
};

struct ListFilter {
    std::optional<State> state;
    std::vector<State> states;  ///< Any of these (in addition to `state`).
    std::string route;
    std::string subject;
    std::string purpose;
    /// Only transfers of these purposes (what the caller may see); nullopt: any purpose. An
    /// empty set matches nothing.
    std::optional<std::set<std::string>> purposes;
    std::optional<Timestamp> updated_before;
    std::optional<Timestamp> created_before;  ///< The retention purge of never-delivered transfers.
    bool unpurged_only = false;
    size_t limit = 100;
    size_t offset = 0;
};

struct ApiToken {
    std::string id;
    std::string name;
    std::string role;
    std::string token_hash;  ///< SHA-256 hex of the token; the token itself is never stored.
    Timestamp created_at{};
    bool revoked = false;
    std::optional<Timestamp> expires_at;  ///< none: never expires
    std::optional<Timestamp> revoked_at;
};

/// A local account of the web interface (docs/web.md). The password is kept only as an argon2id
/// hash; the TOTP secret is sealed under the master key in the store.
struct Account {
    std::string name;
    std::string role;
    std::string password_hash;  ///< argon2id encoded string ($argon2id$v=19$...)
    std::string totp_secret;    ///< raw secret bytes (sealed at rest)
    int failed_logins = 0;      ///< consecutive failed logins
    std::optional<Timestamp> locked_until;
    long long last_totp_step = 0;  ///< the last accepted TOTP time step (no replay)
    Timestamp created_at{};
    std::optional<Timestamp> last_login;
};

/// The outcome of one login attempt, as the web interface decided it.
struct LoginUpdate {
    int failed_logins = 0;
    std::optional<Timestamp> locked_until;
    long long last_totp_step = 0;
    bool success = false;
    bool locked_now = false;  ///< this attempt locked the account (audited)
};

// --- sessions: web sessions
/// A session of the web interface as the store keeps it (core/web/session.h). The cookie value
/// itself is never stored: only its SHA-256. The CSRF token is derived from the cookie value
/// (session.cpp), so the store holds nothing to check it with. `pending` (an OpenID Connect login
/// in progress: state, nonce, PKCE verifier) is sealed under the master key.
struct WebSession {
    std::string id_hash;  ///< SHA-256 hex of the cookie value
    int stage = 0;        ///< web::Session::Stage: 0 anonymous, 1 waiting for TOTP, 2 logged in
    std::string name;     ///< account name ("oidc:<sub>" for OpenID Connect); empty when anonymous
    std::string role;
    std::string display;
    std::map<std::string, std::string> pending;
    Timestamp created{};
    Timestamp last_seen{};
};
/// A session is expired when last seen at or before `seen_before`, or created at or before
/// `created_before` (now - idle timeout, now - absolute timeout).
struct SessionCutoffs {
    Timestamp seen_before{};
    Timestamp created_before{};
};
struct SessionLimits {
    size_t total = 10000;
    size_t per_account = 20;
};

/// A signed statement "the audit log's record `seq` has chain hash `hash`", made at `at`.
/// Written to the data directory's checkpoint file and handed to the FG, who keeps copies outside
/// the server: a later log that lacks record `seq`, or holds another hash there, was cut short or
/// rewritten. The signature (Ed25519 over `checkpointMessage`) shows which installation made it.
struct AuditCheckpoint {
    long long seq = 0;       ///< 0: the log was empty
    std::string hash;        ///< chain hash of record `seq` ("" when seq is 0)
    Timestamp at{};
    std::string public_key;  ///< hex, 32 bytes
    std::string signature;   ///< hex, 64 bytes
};

/// What TransferStore::due found.
struct DueTransfers {
    std::vector<Transfer> transfers;
    struct Damaged {
        std::string transfer_id;
        Error error;  ///< kStorage, naming table, column and row (never the stored text)
    };
    std::vector<Damaged> damaged;
};

struct KeyStatus {
    std::string fingerprint;  ///< current master key (16 hex)
    long long older = 0;      ///< values not yet sealed under it
};

class TransferStore {
public:
    virtual ~TransferStore() = default;

    /// Stores a batch unless its ingest_key was stored before. One transaction.
    virtual Result<IngestResult> ingest(const IngestBatch& batch, Timestamp now) = 0;

    /// Moves `id` from `from` to `to` (refused unless the table allows it and the row is still
    /// in `from`), applies `update`, appends a history record and an audit record (`event`, or a
    /// default "state_changed" event). One transaction. With `from == to` only the fields change
    /// (still audited, no history entry).
    virtual Status transition(const std::string& id, State from, State to,
                              const TransitionUpdate& update, const AuditEvent& event,
                              const std::string& reason, Timestamp now) = 0;

    /// Transfers the worker should look at now: received, mapped, delivering, scheduled with
    /// deliver_at <= now, failed with next_attempt_at <= now. Oldest first. A row among them that
    /// cannot be read (damaged outside Sluis) does not stop the others: it is left as it is and
    /// reported in `damaged`. Claims nothing: the engine uses `claimDue`.
    virtual Result<DueTransfers> due(Timestamp now, size_t max) = 0;

    /// As `due`, but claims what it returns for `claim.owner` until `claim.until`, in one
    /// transaction: rows claimed by another daemon whose lease has not run out are left alone,
    /// and so are rows another transaction is changing right now (PostgreSQL: FOR UPDATE SKIP
    /// LOCKED). A delivering transfer is thus taken over only after its lease expired.
    virtual Result<DueTransfers> claimDue(const Claim& claim, Timestamp now, size_t max) = 0;
    /// Extends the lease of those of `ids` still claimed by `claim.owner` to `claim.until`.
    virtual Status extendClaims(const Claim& claim, const std::vector<std::string>& ids) = 0;
    /// Confirms that `claim.owner` still holds the claim on `id` in `state` and extends its lease
    /// (the last check before a sink is called again for a delivering transfer). kConflict when
    /// the claim was lost.
    virtual Status renewClaim(const std::string& id, State state, const Claim& claim) = 0;
    /// Releases the claims of `owner` on `ids`, except on delivering transfers (their lease marks
    /// a delivery that may be under way).
    virtual Status releaseClaims(const std::string& owner, const std::vector<std::string>& ids) = 0;
    /// A named lease on shared work (a source poll, the purge): true when `owner` holds it now
    /// (it was free, expired at `now`, or already `owner`'s), until `until`.
    virtual Result<bool> claimLease(const std::string& name, const std::string& owner, Timestamp now,
                                    Timestamp until) = 0;
    /// Gives a named lease back (when `owner` holds it).
    virtual Status releaseLease(const std::string& name, const std::string& owner) = 0;

    virtual Result<Transfer> get(const std::string& id) = 0;
    virtual Result<std::vector<Transfer>> list(const ListFilter& filter) = 0;
    /// How many transfers `list(filter)` would return without its limit and offset (the web
    /// pages' counts and paging, without reading the rows).
    virtual Result<long long> count(const ListFilter& filter) = 0;
    virtual Result<std::vector<HistoryEntry>> history(const std::string& id) = 0;
    virtual Result<std::map<State, long long>> countByState() = 0;
    /// Transfers per route and state (the web interface's overview).
    virtual Result<std::map<std::pair<std::string, State>, long long>> countByRouteState() = 0;

    /// Decrypted rendered payload / canonical record. kNotFound when absent or purged.
    virtual Result<std::string> payload(const std::string& id) = 0;
    virtual Result<std::string> canonical(const std::string& id) = 0;

    /// Appends an audit record outside a transition (e.g. "payload_viewed").
    virtual Status audit(const AuditEvent& event, Timestamp now) = 0;
    virtual Result<std::vector<AuditRecord>> auditLog(long long after_seq, size_t limit) = 0;
    /// The records matching `q` in sequence order (newest first when `q.newest_first`), paged in
    /// SQL (`offset`, `limit`), without reading the rest of the log.
    virtual Result<std::vector<AuditRecord>> searchAudit(const AuditSearch& q) = 0;

    // --- The consent and inzage register, approvals, previews (docs/privacy.md) ---
    virtual Status addConsent(const Consent& c, Timestamp now) = 0;
    virtual Result<Consent> getConsent(const std::string& id) = 0;
    /// Consents for a pupil (all purposes when `purpose` is empty), newest first.
    virtual Result<std::vector<Consent>> consents(const std::string& pupil, const std::string& purpose) = 0;
    /// Marks the consent withdrawn and applies `stop` (each to kWithdrawn), in one transaction.
    virtual Status withdrawConsent(const std::string& id, const std::string& actor,
                                   const std::vector<PlannedTransition>& stop, Timestamp now) = 0;
    virtual Status addInzage(const Inzage& i, Timestamp now) = 0;
    virtual Result<std::optional<Inzage>> latestInzage(const std::string& pupil, const std::string& purpose) = 0;
    /// Every inzage row of a pupil (all purposes when `purpose` is empty), newest first; rows
    /// whose MAC does not match are included with `authentic` false.
    virtual Result<std::vector<Inzage>> inzages(const std::string& pupil, const std::string& purpose) = 0;
    /// Records that `viewer` saw `payload_hash` of the transfer (an approval must be bound to a
    /// hash its approver saw) and appends `event` as its one audit record (e.g. "previewed",
    /// "report_viewed"), in one transaction. Seeing the same hash again is audited again.
    virtual Status recordPreview(const std::string& transfer_id, const std::string& viewer,
                                 const std::string& payload_hash, const AuditEvent& event, Timestamp now) = 0;
    virtual Result<bool> hasPreviewed(const std::string& transfer_id, const std::string& viewer,
                                      const std::string& payload_hash) = 0;
    /// Records an approval or rejection (with its audit record).
    virtual Status addApproval(const Approval& a, const std::string& purpose, Timestamp now) = 0;
    virtual Result<std::vector<Approval>> approvals(const std::string& transfer_id) = 0;
    /// The consent's evidence file with its bytes. kNotFound when the consent has none.
    virtual Result<EvidenceFile> consentEvidence(const std::string& consent_id) = 0;

    /// Batches of transfers prepared for approval (audited as batch_prepared / batch_decided).
    virtual Status addBatch(const Batch& b, Timestamp now) = 0;
    virtual Result<Batch> getBatch(const std::string& id) = 0;
    /// Newest first.
    virtual Result<std::vector<Batch>> batches(size_t limit) = 0;
    /// Records the outcome of a batch decision; refused (kConflict) unless still "prepared".
    virtual Status closeBatch(const std::string& id, const std::string& status, const std::string& actor,
                              const nlohmann::json& outcome, Timestamp now) = 0;

    /// Removes payload, canonical record and data key (crypto-shredding); keeps metadata. Audited.
    virtual Status purgePayload(const std::string& id, const std::string& actor, Timestamp now) = 0;

    /// A stored human-readable report of a transfer (decrypted). kNotFound when none or purged.
    virtual Result<std::string> report(const std::string& id, const std::string& content_type) = 0;

    // --- Guided deliveries, the notification outbox, recurring schedules ---
    /// The procedure record of a transfer (an empty one when nothing was recorded yet).
    virtual Result<ProcedureRecord> procedure(const std::string& transfer_id) = 0;
    /// Stores the questionnaire answers (audited "procedure_answered"; no answer values in the audit).
    virtual Status saveProcedureAnswers(const std::string& transfer_id, const nlohmann::json& answers,
                                        const std::string& actor, const std::string& purpose, Timestamp now) = 0;
    /// Marks the procedure saved for `payload_hash` and `deliver_at`, and queues `notice` (if any), in one
    /// transaction (audited "procedure_saved").
    virtual Status saveProcedure(const std::string& transfer_id, const std::string& actor,
                                 const std::string& payload_hash, std::optional<Timestamp> deliver_at,
                                 const std::string& purpose, const std::optional<Notification>& notice,
                                 Timestamp now) = 0;
    virtual Status addNotification(const Notification& n, Timestamp now) = 0;
    /// Unsent notifications whose next attempt is due, oldest first.
    virtual Result<std::vector<Notification>> dueNotifications(Timestamp now, size_t max) = 0;
    virtual Result<std::vector<Notification>> notifications(const std::string& transfer_id) = 0;
    /// As `dueNotifications`, claiming what it returns for `claim.owner` until `claim.until` (see
    /// `claimDue`): a notification claimed by another daemon is left alone until its lease expired.
    virtual Result<std::vector<Notification>> claimNotifications(const Claim& claim, Timestamp now,
                                                                 size_t max) = 0;
    /// Records a send attempt: sent, or failed with the next attempt time (none: given up). With
    /// an `owner`, only while that owner still holds the claim (kConflict otherwise); the claim is
    /// released.
    virtual Status notificationAttempt(long long id, bool sent, const std::string& error,
                                       std::optional<Timestamp> next_attempt, Timestamp now,
                                       const std::string& owner = {}) = 0;
    /// The latest due time a route's schedule fired for (none: never).
    virtual Result<std::optional<Timestamp>> lastScheduleRun(const std::string& route) = 0;
    /// Claims one due time of a route's schedule, exactly once: kAlreadyExists when it was
    /// claimed before. `outcome`: "started" (the schedule's first start: counting begins),
    /// "fired" or "skipped" (audited as schedule_<outcome>).
    virtual Status claimScheduleRun(const std::string& route, Timestamp due, const std::string& outcome,
                                    Timestamp now) = 0;

    virtual Status addToken(const ApiToken& token) = 0;
    /// The token with this hash, unless revoked (an expired token is returned: the caller
    /// compares `expires_at` with its clock, so it can say why it refuses).
    virtual Result<std::optional<ApiToken>> findToken(const std::string& token_hash) = 0;
    /// Every token, newest first, revoked ones included (hashes included: callers never show them).
    virtual Result<std::vector<ApiToken>> listTokens() = 0;
    /// Revokes a token for good and audits `token_revoked` in the same transaction.
    /// kNotFound: no such token; kConflict: already revoked.
    virtual Status revokeToken(const std::string& id, const std::string& actor, Timestamp now) = 0;

    // --- Local web accounts (docs/web.md) ---
    /// Adds an account; kConflict when the name exists. Audited "account_added".
    virtual Status addAccount(const Account& a, const std::string& actor, Timestamp now) = 0;
    virtual Result<std::optional<Account>> findAccount(const std::string& name) = 0;
    virtual Result<std::vector<Account>> listAccounts() = 0;
    /// kNotFound when there is none. Audited "account_removed"; its sessions end in the same txn.
    virtual Status removeAccount(const std::string& name, const std::string& actor, Timestamp now) = 0;
    /// Gives account `name` another role; kNotFound when there is none, kConflict when it has
    /// that role already. Its sessions end in the same transaction (they carry the old role).
    /// Audited "account_role_changed" with the old and the new role.
    virtual Status changeAccountRole(const std::string& name, const std::string& role,
                                     const std::string& actor, Timestamp now) = 0;
    /// New TOTP secret; clears lockout, replay state and its sessions. Audited "account_totp_reset".
    virtual Status resetTotp(const std::string& name, const std::string& secret,
                             const std::string& actor, Timestamp now) = 0;
    /// Stores the counters of a login attempt; a success is audited "web_login", a lock
    /// "account_locked".
    virtual Status recordLogin(const std::string& name, const LoginUpdate& u, Timestamp now) = 0;

    // --- sessions: web sessions (docs/web.md; core/web/session.h is the layer the pages use)
    /// Stores a new session. Room is made first: sessions expired by the cut-offs are deleted;
    /// when `limits.total` sessions remain, sessions not (yet) logged in go first, oldest first;
    /// still full: kUnavailable. A logged-in session of an account that already has
    /// `limits.per_account` sessions ends that account's oldest session. Not audited (the login
    /// itself is).
    virtual Status addSession(const WebSession& s, const SessionLimits& limits,
                              const SessionCutoffs& expired) = 0;
    /// The session whose cookie value has SHA-256 `id_hash`, expired or not (the caller checks
    /// the time-outs with its clock). Pending values that no longer open (a rotated-away master
    /// key) are left out.
    virtual Result<std::optional<WebSession>> findSession(const std::string& id_hash) = 0;
    /// Sets `last_seen`; nothing when the session is gone.
    virtual Status touchSession(const std::string& id_hash, Timestamp now) = 0;
    virtual Status removeSession(const std::string& id_hash) = 0;
    /// Reads and deletes the session in one transaction: of two callers at once (two daemons
    /// handling the same OpenID Connect callback), only the one whose delete removed it gets it.
    virtual Result<std::optional<WebSession>> takeSession(const std::string& id_hash) = 0;
    /// Ends every session of account `name`; returns how many. (removeAccount and resetTotp do
    /// this themselves, in their own transaction.)
    virtual Result<long long> removeAccountSessions(const std::string& name) = 0;
    /// Deletes the expired sessions in one statement; returns how many (never logged per session).
    virtual Result<long long> purgeSessions(const SessionCutoffs& expired) = 0;
    virtual Result<long long> countSessions() = 0;

    /// The keyed link of the audit chain: HMAC-SHA-256, under this store's audit key, of the
    /// record and its predecessor's hash. Only someone with the key file can compute it.
    virtual std::string auditChainHash(const std::string& prev_hash, long long seq, Timestamp at,
                                       const AuditEvent& e) const = 0;
    /// A signed checkpoint of the chain's current head.
    virtual Result<AuditCheckpoint> auditCheckpoint(Timestamp now) = 0;
    /// This store's checkpoint public key (hex), for the FG to keep.
    virtual std::string auditPublicKey() const = 0;
    /// Register rows (approvals, consents, inzage, transfer history) whose keyed MAC does not
    /// match: added or changed outside Sluis. Each as "<table> <key column> <key>". Such rows are
    /// already ignored when approvals, consents and inzage are read.
    virtual Result<std::vector<std::string>> unauthenticRows() = 0;
    /// How far this process has verified the audit chain (core/store/audit_verifier.h): one per
    /// store object, shared by the engine's housekeeping, the API and the web page.
    virtual AuditVerifier& auditVerifier() = 0;

    // --- Master key rotation (core/store/key_rotation.h, `sluis key rotate`) ---
    /// The store's current master key (`meta.key_fingerprint`) and how many master-sealed values
    /// (wrapped data keys, register fields, evidence files, the audit keys) are not yet sealed
    /// under it (under an older key, or untagged from before key rotation existed).
    virtual Result<KeyStatus> keyStatus() = 0;
    /// Makes the loaded key with `fingerprint` the store's current master key: from this
    /// transaction on every writer (each write transaction reads `meta.key_fingerprint` first)
    /// seals under it; the audit keys in `meta` are re-wrapped in the same transaction, with an
    /// audit record `key_rotation_started`. Nothing happens when it is already current.
    virtual Status switchMasterKey(const std::string& fingerprint, const std::string& actor, Timestamp now) = 0;
    /// Re-wraps up to `max_rows` values that are not under the current key, in one transaction;
    /// returns how many it re-wrapped (0: nothing left).
    virtual Result<long long> rewrapBatch(size_t max_rows) = 0;
    /// PostgreSQL: takes the session-level rotation lock (false: another rotation holds it).
    /// SQLite: true (the rotation lock is a file beside the key, see key_rotation.h).
    virtual Result<bool> tryRotationLock() = 0;
};

struct SqliteOptions {
    std::string path;      ///< Database file.
    std::string key_file;  ///< Master key file (created with 0600 on first start).
    /// For the daemon: hold an exclusive lock on `path` + ".lock" for the life of the store, and
    /// refuse (kConflict) when another daemon holds it. A SQLite file has one daemon.
    bool exclusive = false;
};

/// Opens (creating if needed) a SQLite store: WAL mode, schema migrations, key check.
/// With `exclusive`, claims left by an earlier daemon on this file are released (it is gone).
/// Errors: kStorage when the file is not a SQLite database or migrations fail; kCrypto when the
/// key file is missing for an existing store or belongs to another store.
Result<std::unique_ptr<TransferStore>> openSqliteStore(const SqliteOptions& options);

struct PostgresOptions {
    std::string dsn;       ///< libpq connection string ("host=... port=... dbname=... user=...").
    std::string password;  ///< Appended to the connection; never logged or put in messages.
    std::string key_file;  ///< Master key file, as for SQLite.
};

/// Connects to a PostgreSQL store: schema migrations (one transaction, under an advisory lock so
/// two daemons starting at once are safe), key check. Errors: kStorage when the server cannot be
/// reached or migrations fail; kCrypto as for SQLite.
Result<std::unique_ptr<TransferStore>> openPostgresStore(const PostgresOptions& options);

/// A new random transfer id ("tr_" + 24 hex characters).
std::string newTransferId();

/// The exact bytes a checkpoint signature covers.
std::string checkpointMessage(const AuditCheckpoint& cp);

/// What `verifyAudit` compares the log with, besides itself.
struct AuditAnchors {
    std::vector<AuditCheckpoint> checkpoints;
    /// Hex public key the checkpoints must be signed with (e.g. the FG's own copy). Empty: the
    /// store's own key.
    std::string trusted_public_key;
};

/// Result of checking the audit log: ok, or the first problem and where.
struct AuditVerification {
    bool ok = true;
    long long records = 0;
    long long first_bad_seq = 0;
    /// "missing" (a gap), "reordered" (a record does not follow its predecessor), "rewritten"
    /// (content or hash changed), "truncated" (shorter than a checkpoint), "checkpoint"
    /// (a checkpoint that is not validly signed), "" when ok.
    std::string kind;
    std::string problem;
    long long checkpoints_checked = 0;
    long long last_checkpoint_seq = 0;  ///< the newest checkpoint that matched
};

/// Walks the whole audit log and checks sequence, links and keyed hashes, then every checkpoint
/// in `anchors`: signature, and that the log still holds the record it names, with that hash.
Result<AuditVerification> verifyAudit(TransferStore& store, const AuditAnchors& anchors = {});

/// The keyless SHA-256 link used before the chain was keyed (store schema before the audit key);
/// read only by the one-time re-keying at store open.
std::string legacyAuditHash(const std::string& prev_hash, long long seq, Timestamp at,
                            const AuditEvent& e);

}  // namespace sluis::store

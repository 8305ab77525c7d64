#pragma once
/// Sluis configuration: JSON files in one directory, validated in one pass into immutable typed
/// structs. Files: daemon.json, store.json, connectors.json, routes.json (see docs/config.md).
///
/// Every problem is reported with its path (`routes.json: routes[2].sink: unknown connector`).
/// Unknown keys are errors that list the valid keys. Secret values are never echoed.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/connector/registry.h"
#include "core/notify/smtp.h"
#include "core/schedule/recurrence.h"
#include "core/error.h"
#include "core/mapper/mapper.h"

namespace sluis::config {

/// HTTPS for the admin API (daemon.json `admin.tls`); paths are absolute after loading.
struct AdminTlsConfig {
    std::string certificate;  ///< PEM server certificate (chain), leaf first
    std::string key;          ///< PEM private key of that certificate
    std::string client_ca;    ///< empty: no client certificates; else required and checked against it
};

/// Login with OpenID Connect (daemon.json `admin.web.oidc`, docs/web.md "Inloggen met de
/// identiteitsprovider van de school"): authorization code flow with PKCE.
struct OidcConfig {
    std::string issuer;        ///< exactly as the provider's ID tokens say (`iss`); https, or http on loopback
    std::string name;          ///< shown on the button: "Aanmelden met <name>"
    std::string client_id;
    std::string client_secret;       ///< read from `client_secret_file`; never logged or echoed
    std::string client_secret_file;  ///< absolute after loading
    std::string token_auth = "client_secret_post";  ///< or "client_secret_basic"
    std::string redirect_uri;  ///< .../web/login/oidc/callback as registered at the provider
    std::vector<std::string> scopes = {"openid", "profile", "email"};
    std::string role_claim = "roles";  ///< a text or a list of texts (e.g. "roles", "groups")
    std::map<std::string, std::string> role_map;  ///< claim value -> Sluis role
    std::string name_claim = "name";  ///< the name shown in the menu (never logged)
    std::vector<std::string> allowed_domains;  ///< lower case; empty: any e-mail domain
};

/// The web interface for people (daemon.json `admin.web`, docs/web.md), served by the admin
/// server on the same address and port under `/web/`. Off unless enabled.
struct WebConfig {
    bool enabled = false;
    /// A session ends after this long without a request ...
    std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
    /// ... and this long after logging in, whatever happens.
    std::chrono::milliseconds absolute_timeout{std::chrono::hours(8)};
    /// Failed logins of one account before it is locked; each further failure doubles the lock.
    int max_failed_logins = 5;
    std::chrono::milliseconds lockout{std::chrono::minutes(1)};
    std::optional<OidcConfig> oidc;  ///< unset: only local accounts
};

struct AdminConfig {
    bool enabled = true;
    std::string listen = "127.0.0.1";
    int port = 8480;  ///< 0: pick a free port (tests); the chosen port is logged and written to data_dir/admin.port.
    /// Set: the API speaks only HTTPS. Required when `listen` is not a loopback address.
    std::optional<AdminTlsConfig> tls;
    /// Deadline for a whole request (TLS handshake, headers and body), from accepting the
    /// connection; a connection that has not delivered its request by then is closed.
    std::chrono::milliseconds request_timeout{10000};
    /// Connections served at once (one worker thread each); up to 64 more wait to be served.
    int max_connections = 128;
    /// Roles that may see payloads through the API (each view is audited).
    std::vector<std::string> payload_roles = {"directeur", "zorgcoordinator"};
    WebConfig web;
};

struct WorkerConfig {
    std::chrono::milliseconds poll_interval{500};
    size_t batch_size = 100;
    int max_attempts = 8;
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{600000};
    /// How long a claim on work (a transfer, a notification, a source poll) holds without being
    /// extended; after that another daemon may take it over. Longer than any sink's timeout.
    std::chrono::milliseconds lease{60000};
    /// How often the daemon purges what is past its retention (transfers, kept source files).
    std::chrono::milliseconds purge_interval{std::chrono::minutes(10)};
    /// Notification mails sent per pass, at most.
    int notify_batch = 20;
    /// Send attempts of one mail (temporary failures only) before it is given up.
    int notify_max_attempts = 20;
    /// Back-off between attempts of a mail: doubles per attempt from initial up to max.
    std::chrono::milliseconds notify_backoff_initial{std::chrono::minutes(1)};
    std::chrono::milliseconds notify_backoff_max{std::chrono::hours(2)};
};

struct AuditConfig {
    /// How often the daemon signs a checkpoint of the audit chain's head (when it moved) into
    /// `<data_dir>/audit-checkpoints.jsonl`. 0: never (only `sluis audit checkpoint`).
    std::chrono::milliseconds checkpoint_interval{std::chrono::hours(1)};
    /// How often housekeeping verifies the whole chain, every register row and every checkpoint
    /// (core/store/audit_verifier.h); in between, the FG's page checks only the records added
    /// since. The first full check comes one interval after the start (or at the first page
    /// view). 0: only on request (the page's button, the API, `sluis audit verify`).
    std::chrono::milliseconds full_check_interval{std::chrono::hours(1)};
};

struct StoreConfig {
    std::string backend = "sqlite";  ///< "sqlite" | "postgresql"
    std::string sqlite_path;         ///< Absolute after loading.
    std::string postgresql_dsn;      ///< libpq connection string, without a password.
    /// From `postgresql.password_file` or `postgresql.password_env`; never logged or echoed.
    std::string postgresql_password;
};

struct ConnectorInstance {
    std::string name;
    std::string type;
    connector::Options options{nlohmann::json::object()};
};

/// The roles that may record a consent or inzage (POST /api/v1/consents, /api/v1/inzage).
inline const std::vector<std::string> kConsentRecorderRoles = {"beheerder", "mentor",
                                                               "zorgcoordinator", "directeur"};
/// The roles that walk through a guided delivery (choices, answers, save) besides beheerder.
inline const std::vector<std::string> kProcedureRoles = {"bevoegd-gezag", "directeur"};
/// The roles that see every purpose, whatever its `visible_to` says (oversight).
inline const std::vector<std::string> kSeeAllRoles = {"beheerder", "fg"};

struct ApprovalPolicy {
    int required = 0;                ///< Number of distinct approvers needed.
    std::vector<std::string> roles;  ///< Roles that may approve.
    bool four_eyes = true;           ///< The creator/last changer may not approve.
};

/// A choice in a guided delivery that shapes the payload (e.g. Vensters "niveau": school or
/// onderwijssoort). The chosen values reach the encoder as EncodeContext options.
struct ProcedureChoice {
    std::string id;
    std::string label;  ///< Dutch, for the API/UI.
    std::vector<std::string> options;
    std::string default_value;  ///< Empty: the choice must be made.
};

/// A question of the guided delivery's questionnaire (e.g. afnamegroep, afnamecondities).
struct ProcedureQuestion {
    std::string id;
    std::string text;  ///< Dutch.
    std::string type = "tekst";  ///< "keuze" (one of options) or "tekst" (free text).
    std::vector<std::string> options;
    size_t max_length = 1000;
};

/// A guided delivery: one transfer per school that a board walks through: akkoord (approval),
/// checking the report, choices, a delivery date, a questionnaire, and "save", which notifies
/// the board's user administrator. Nothing is delivered before it is saved.
struct ProcedureSpec {
    bool enabled = false;
    std::vector<ProcedureChoice> choices;
    /// The choices in effect: what was chosen (`chosen`, a JSON object), else each declared
    /// choice's default. A choice with neither is absent.
    nlohmann::json effectiveChoices(const nlohmann::json& chosen) const;
    std::vector<ProcedureQuestion> questions;
    bool requires_date = true;
    std::vector<std::string> notify_to;  ///< Mail addresses told about every save and withdrawal.
};

/// What a purpose (doel) requires before data may leave, and what may leave. policies.json.
struct PurposePolicy {
    enum class Basis { kNone, kConsent, kInzage };
    std::string name;
    std::string description;
    std::string legal_basis;  ///< Shown in previews and the disclosure register.
    Basis basis = Basis::kNone;
    ApprovalPolicy approvals;
    bool all_categories = true;
    std::vector<std::string> categories;  ///< OSO categories that may leave (when not all).
    bool identifiers = true;          ///< BSN/onderwijsnummer may leave.
    bool special_categories = false;  ///< Health data (diagnose, medicijngebruik, ...) may leave.
    bool care_profile = false;        ///< Medical absence reasons kept (else generalised).
    std::chrono::milliseconds retention{std::chrono::hours(24 * 730)};
    int withdraw_days_before = 1;  ///< Consent/approval changeable until this many days before delivery.
    /// A chosen delivery date lies at most this many days ahead (a year: a later date is almost
    /// always a typing error, and the data would wait in Sluis that long). 0: no limit.
    int max_days_ahead = 366;
    /// kPupil: records are leerlingdossiers, minimised field by field against the model.
    /// kAggregate: records are aggregated reports about a school (e.g. Vensters) whose decoder
    /// has already suppressed small cells; they leave whole and may not contain pupil records.
    enum class RecordKind { kPupil, kAggregate };
    RecordKind record = RecordKind::kPupil;
    ProcedureSpec procedure;
    /// When the daemon was down at a delivery date: deliver late, or (kSkip) give up on a
    /// delivery that is more than catch_up_grace late and raise an alert.
    enum class CatchUp { kDeliverLate, kSkip };
    CatchUp catch_up = CatchUp::kDeliverLate;
    std::chrono::milliseconds catch_up_grace{std::chrono::hours(1)};
    /// The roles that see this purpose's transfers, consents and inzage (`visible_to`). When
    /// absent from policies.json: its approver roles plus, when it rests on consent or inzage,
    /// the roles that may record those (kConsentRecorderRoles), plus for a guided delivery
    /// kProcedureRoles; none of these: every role (nullopt). kSeeAllRoles see
    /// every purpose regardless.
    std::optional<std::vector<std::string>> visible_to;
    bool allowsCategory(const std::string& c) const;
    /// Whether a caller with `role` sees this purpose.
    bool visibleTo(const std::string& role) const;
};

const char* basisName(PurposePolicy::Basis b);

struct RouteConfig {
    std::string name;
    std::string source;
    std::string decoder;
    nlohmann::json decoder_options = nlohmann::json::object();
    std::string purpose;
    std::string profile;
    std::vector<std::string> opt_out;
    std::string encoder;
    nlohmann::json encoder_options = nlohmann::json::object();
    std::string sink;
    /// Encoders for human-readable renderings stored next to the payload for checking (e.g.
    /// vensters-html, vensters-pdf); empty: none.
    std::vector<std::string> report_encoders;
    /// Cron-like recurrence (docs/scheduling.md): the source is read only when it fires, once
    /// per due time, with the purpose's catch-up policy. Empty: read continuously.
    std::string schedule;
    std::optional<schedule::Recurrence> recurrence;  ///< `schedule`, parsed once when loaded.
};

/// Notification mail (daemon.json "notify": {"smtp": {...}}). Without it, notifications are
/// kept in the store's outbox and reported as not sent.
struct NotifyConfig {
    std::optional<notify::SmtpSettings> smtp;
};

struct Config {
    std::string config_dir;
    std::string data_dir;  ///< Absolute.
    std::string key_file;  ///< Absolute.
    std::string log_level = "info";
    AdminConfig admin;
    WorkerConfig worker;
    AuditConfig audit;
    StoreConfig store;
    NotifyConfig notify;
    std::vector<ConnectorInstance> sources;
    std::vector<ConnectorInstance> sinks;
    std::vector<RouteConfig> routes;
    std::map<std::string, PurposePolicy> policies;  ///< By purpose name.

    const PurposePolicy* policy(const std::string& purpose) const;
    /// Whether `role` sees `purpose`: kSeeAllRoles always; other roles only a configured purpose
    /// whose `visible_to` names them.
    bool visibleTo(const std::string& purpose, const std::string& role) const;
    const ConnectorInstance* source(const std::string& name) const;
    const ConnectorInstance* sink(const std::string& name) const;
};

struct Overrides {
    std::string data_dir;  ///< Non-empty: replaces daemon.json's data_dir.
    int admin_port = -1;   ///< >= 0: replaces admin.port.
};

/// Whether `host` (an admin.listen value) is a loopback address: 127.0.0.0/8, ::1, localhost.
bool isLoopbackHost(const std::string& host);

/// Loads and validates `dir`. On failure the error message lists every problem, one per line.
Result<std::shared_ptr<const Config>> loadConfig(const std::string& dir, const Overrides& overrides,
                                                 const connector::ConnectorRegistry& connectors,
                                                 const mapper::MapperRegistry& mappers);

/// Validates already-parsed documents (used by loadConfig and by the config fuzz target).
/// `docs` maps file name (daemon.json, ...) to its parsed content.
Result<std::shared_ptr<const Config>> buildConfig(const std::map<std::string, nlohmann::json>& docs,
                                                  const std::string& dir, const Overrides& overrides,
                                                  const connector::ConnectorRegistry& connectors,
                                                  const mapper::MapperRegistry& mappers);

}  // namespace sluis::config

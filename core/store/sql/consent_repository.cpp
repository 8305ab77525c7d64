#include "core/store/sql/consent_repository.h"

#include "core/store/sql/rows.h"
#include "core/store/sql/transfer_repository.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::store::sql {

Status ConsentRepository::addConsent(const Consent& c, Timestamp now_ts) {
    auto ev = w_.cipher().sealField("consent:" + c.id, c.evidence);
    if (!ev) return ev.error();
    std::string id = c.id, pupil = c.pupil, purpose = c.purpose, by = c.given_by,
                rel = c.relation, dec = c.decision, on = c.decided_on, method = c.method,
                evidence = b64(*ev), from = c.valid_from, until = c.valid_until,
                rec = c.recorded_by;
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("INSERT INTO consents (id, pupil, purpose, given_by, relation, decision,"
                " decided_on, method, evidence, valid_from, valid_until, recorded_by,"
                " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        use(id), use(pupil), use(purpose), use(by), use(rel), use(dec), use(on), use(method),
        use(evidence), use(from), use(until), use(rec), use(at), now;
    SLUIS_RETURN_IF_ERROR(w_.macRow("consents", c.id));
    nlohmann::json details = {{"consent_id", c.id}, {"subject", c.pupil}, {"given_by", c.given_by}};
    if (c.evidence_file) {
        const EvidenceFile& f = *c.evidence_file;
        auto name = w_.cipher().sealField("consent-file-name:" + c.id, f.filename);
        if (!name) return name.error();
        auto data = w_.cipher().sealField("consent-file:" + c.id, f.bytes);
        if (!data) return data.error();
        std::string fname = b64(*name), ctype = f.content_type, sha = util::sha256Hex(f.bytes),
                    blob = b64(*data);
        Poco::Int64 size = static_cast<Poco::Int64>(f.bytes.size());
        w_.sql("INSERT INTO consent_evidence (consent_id, filename, content_type, size, sha256, data)"
                    " VALUES (?, ?, ?, ?, ?, ?)"),
            use(id), use(fname), use(ctype), use(size), use(sha), use(blob), now;
        details["evidence_file"] = {{"sha256", sha}, {"size", size}, {"content_type", ctype}};
    }
    return w_.appendAudit({c.recorded_by, c.decision == "gegeven" ? "consent_given" : "consent_refused",
                        "", c.purpose, details},
                       now_ts);
}

Result<Consent> ConsentRepository::getConsent(const std::string& id) {
    auto list = queryConsents("id = ?", id, "");
    if (!list) return list.error();
    if (list->empty()) return Error{ErrorCode::kNotFound, "toestemming " + id + " bestaat niet"};
    return list->front();
}

Result<std::vector<Consent>> ConsentRepository::consents(const std::string& pupil, const std::string& purpose) {
    return queryConsents("pupil = ? AND (? = '' OR purpose = ?)", pupil, purpose);
}

Status ConsentRepository::withdrawConsent(const std::string& id, const std::string& actor, const std::vector<PlannedTransition>& stop, Timestamp now_ts) {
    std::string cid = id, a = actor;
    Poco::Int64 at = toMillis(now_ts);
    Statement up(w_.db().session());
    up << w_.db().q("UPDATE consents SET withdrawn_at = ?, withdrawn_by = ? WHERE id = ? AND withdrawn_at IS NULL"),
        use(at), use(a), use(cid);
    if (up.execute() != 1)
        return Status(ErrorCode::kConflict, "toestemming " + id + " bestaat niet of is al ingetrokken");
    SLUIS_RETURN_IF_ERROR(w_.macRow("consents", id));
    SLUIS_RETURN_IF_ERROR(w_.appendAudit({actor, "consent_withdrawn", "", "", {{"consent_id", id}}}, now_ts));
    for (const auto& p : stop) {
        if (!transfer::canTransition(p.from, p.to))
            return Status(ErrorCode::kConflict, "overdracht " + p.id + " kan niet worden gestopt");
        int to = static_cast<int>(p.to), from = static_cast<int>(p.from);
        std::string tid = p.id;
        Statement st(w_.db().session());
        st << w_.db().q("UPDATE transfers SET state = ?, updated_at = ? WHERE id = ? AND state = ?"),
            use(to), use(at), use(tid), use(from);
        if (st.execute() != 1)
            return Status(ErrorCode::kConflict, "overdracht " + p.id + " is intussen veranderd; probeer opnieuw");
        SLUIS_RETURN_IF_ERROR(TransferRepository(w_).insertHistory(p.id, p.from, p.to, now_ts, actor, "toestemming ingetrokken"));
        SLUIS_RETURN_IF_ERROR(w_.appendAudit({actor, "withdrawn", p.id, "",
                                           {{"consent_id", id}, {"from", transfer::stateName(p.from)},
                                            {"to", transfer::stateName(p.to)}}},
                                          now_ts));
    }
    return {};
}

Status ConsentRepository::addInzage(const Inzage& i, Timestamp now_ts) {
    auto view = w_.cipher().sealField("inzage:" + i.id, i.redennietakkoord);
    if (!view) return view.error();
    std::string id = i.id, pupil = i.pupil, purpose = i.purpose, date = i.inzagedatum,
                akkoord = i.akkoord, reden = b64(*view), rec = i.recorded_by;
    Poco::Int64 at = toMillis(now_ts);
    w_.sql("INSERT INTO inzage (id, pupil, purpose, inzagedatum, akkoord, redennietakkoord,"
                " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
        use(id), use(pupil), use(purpose), use(date), use(akkoord), use(reden), use(rec), use(at), now;
    SLUIS_RETURN_IF_ERROR(w_.macRow("inzage", i.id));
    return w_.appendAudit({i.recorded_by, "inzage_recorded", "", i.purpose,
                        {{"inzage_id", i.id}, {"subject", i.pupil}, {"akkoord", i.akkoord}}},
                       now_ts);
}

namespace {

/// The SELECT of both inzage reads; the row's MAC is the last column (index 8).
constexpr const char* kInzageSelect =
    "SELECT id, pupil, purpose, inzagedatum, akkoord, redennietakkoord, recorded_by, recorded_at,"
    " mac FROM inzage";

/// One inzage row. A row added or changed outside Sluis is marked not authentic and its sealed
/// view is not opened.
Result<Inzage> inzageFromRow(UnitOfWork& w, const Row& row) {
    Inzage i;
    i.id = row.str(0);
    i.pupil = row.str(1);
    i.purpose = row.str(2);
    i.inzagedatum = row.str(3);
    i.akkoord = row.str(4);
    i.recorded_by = row.str(6);
    i.recorded_at = row.time(7);
    i.authentic = w.rowAuthentic("inzage", row, 0, 8, i.id);
    if (i.authentic) {
        auto view = w.cipher().openField("inzage:" + i.id, unb64(row.str(5)));
        if (!view) return view.error();
        i.redennietakkoord = *view;
    }
    return i;
}

}  // namespace

Result<std::optional<Inzage>> ConsentRepository::latestInzage(const std::string& pupil, const std::string& purpose) {
    std::optional<Inzage> out;
    std::string p = pupil, pu = purpose;
    Status st = w_.eachRow(
        std::string(kInzageSelect) + " WHERE pupil = ? AND purpose = ? ORDER BY recorded_at DESC, rowid DESC",
        [&](Statement& s) { s, use(p), use(pu); },
        [&](const Row& row) -> Status {
            if (out) return {};
            auto i = inzageFromRow(w_, row);
            if (!i) return i.status();
            // The newest row that Sluis wrote; one added or changed outside Sluis does not count.
            if (i->authentic) out = std::move(*i);
            return {};
        });
    if (!st) return st.error();
    return out;
}

Result<std::vector<Inzage>> ConsentRepository::inzages(const std::string& pupil, const std::string& purpose) {
    std::vector<Inzage> out;
    std::string p = pupil, pu = purpose;
    Status st = w_.eachRow(
        std::string(kInzageSelect) +
            " WHERE pupil = ? AND (? = '' OR purpose = ?) ORDER BY recorded_at DESC, rowid DESC",
        [&](Statement& s) { s, use(p), use(pu), use(pu); },
        [&](const Row& row) -> Status {
            // A row added or changed outside Sluis is listed as such (it never counts for the gates).
            auto i = inzageFromRow(w_, row);
            if (!i) return i.status();
            out.push_back(std::move(*i));
            return {};
        });
    if (!st) return st.error();
    return out;
}

Result<EvidenceFile> ConsentRepository::consentEvidence(const std::string& consent_id) {
    auto list = queryConsents("id = ?", consent_id, "");
    if (!list) return list.error();
    if (list->empty()) return Error{ErrorCode::kNotFound, "toestemming " + consent_id + " bestaat niet"};
    if (!list->front().evidence_file)
        return Error{ErrorCode::kNotFound, "bij toestemming " + consent_id + " is geen bewijsstuk opgeslagen"};
    EvidenceFile f = *list->front().evidence_file;
    NullStr data;
    {
        std::string id = consent_id;
        w_.sql("SELECT data FROM consent_evidence WHERE consent_id = ?"), use(id), into(data), now;
    }
    if (data.isNull()) return Error{ErrorCode::kNotFound, "bewijsstuk van " + consent_id + " ontbreekt"};
    auto bytes = w_.cipher().openField("consent-file:" + consent_id, unb64(data.value()));
    if (!bytes) return bytes.error();
    if (util::sha256Hex(*bytes) != f.sha256)
        return Error{ErrorCode::kCrypto, "bewijsstuk van " + consent_id + " komt niet overeen met zijn hash"};
    f.bytes = std::move(*bytes);
    return f;
}

Result<std::vector<Consent>> ConsentRepository::queryConsents(const std::string& where, const std::string& a, const std::string& b) {
    std::vector<Consent> out;
    std::string x = a, y = b;
    Status st = w_.eachRow(
        "SELECT id, pupil, purpose, given_by, relation, decision, decided_on, method, evidence,"
        " valid_from, valid_until, recorded_by, recorded_at, withdrawn_at, withdrawn_by,"
        " e.filename, e.content_type, e.size, e.sha256, consents.mac"
        " FROM consents LEFT JOIN consent_evidence e ON e.consent_id = consents.id"
        " WHERE " + where + " ORDER BY recorded_at DESC, consents.rowid DESC",
        [&](Statement& s) {
            s, use(x);
            if (!b.empty() || where.find("purpose") != std::string::npos) s, use(y), use(y);
        },
        [&](const Row& row) -> Status {
            // A consent added or changed outside Sluis does not count.
            if (!w_.rowAuthentic("consents", row, 0, 19, row.str(0))) return {};
            Consent c;
            c.id = row.str(0);
            c.pupil = row.str(1);
            c.purpose = row.str(2);
            c.given_by = row.str(3);
            c.relation = row.str(4);
            c.decision = row.str(5);
            c.decided_on = row.str(6);
            c.method = row.str(7);
            auto ev = w_.cipher().openField("consent:" + c.id, unb64(row.str(8)));
            if (!ev) return ev.error();
            c.evidence = *ev;
            c.valid_from = row.str(9);
            c.valid_until = row.str(10);
            c.recorded_by = row.str(11);
            c.recorded_at = row.time(12);
            c.withdrawn_at = row.optTime(13);
            c.withdrawn_by = row.str(14);
            if (!row.isNull(15)) {
                EvidenceFile f;
                auto name = w_.cipher().openField("consent-file-name:" + c.id, unb64(row.str(15)));
                if (!name) return name.error();
                f.filename = *name;
                f.content_type = row.str(16);
                f.size = row.i64(17);
                f.sha256 = row.str(18);
                c.evidence_file = std::move(f);
            }
            out.push_back(std::move(c));
            return {};
        });
    if (!st) return st.error();
    return out;
}

}  // namespace sluis::store::sql

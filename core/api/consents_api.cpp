// The consent register (with evidence files) and inzage: what parents and pupils decided and
// saw; both release or re-render the transfers waiting for them. docs/privacy.md
#include <algorithm>

#include "core/api/request.h"
#include "core/crypto/payload_cipher.h"
#include "core/model/bsn.h"
#include "core/policy/gates.h"
#include "core/util/fs.h"
#include "core/util/log.h"
#include "core/util/text.h"

namespace sluis::api::detail {

using nlohmann::json;

namespace {

json evidenceJson(const store::EvidenceFile& f, const std::string& consent_id) {
    return {{"filename", f.filename},
            {"content_type", f.content_type},
            {"size", f.bytes.empty() ? f.size : static_cast<long long>(f.bytes.size())},
            {"sha256", f.sha256.empty() ? util::sha256Hex(f.bytes) : f.sha256},
            {"href", "/api/v1/consents/" + consent_id + "/evidence"}};
}

/// `{"filename", "content_type", "data_base64"}`: a scanned form (PDF, JPEG, PNG), an e-mail
/// (message/rfc822) or a text note. The bytes must match the declared type.
Result<store::EvidenceFile> parseEvidenceFile(const json& j) {
    if (!j.is_object())
        return Error{ErrorCode::kInvalidArgument, "evidence_file: verwacht een object"};
    store::EvidenceFile f;
    f.filename = field(j, "filename");
    f.content_type = field(j, "content_type");
    std::string data = field(j, "data_base64");
    if (f.filename.empty() || f.filename.size() > 200 ||
        f.filename.find_first_of("/\\") != std::string::npos)
        return Error{ErrorCode::kInvalidArgument,
                     "evidence_file.filename: verplicht, zonder mappen, max. 200 tekens"};
    static const std::vector<std::string> kTypes = {"application/pdf", "image/jpeg", "image/png",
                                                    "message/rfc822", "text/plain"};
    if (std::find(kTypes.begin(), kTypes.end(), f.content_type) == kTypes.end())
        return Error{ErrorCode::kInvalidArgument,
                     "evidence_file.content_type: verwacht application/pdf, image/jpeg, image/png, "
                     "message/rfc822 of text/plain"};
    auto bytes = util::decodeBase64(data);
    if (!bytes)
        return Error{ErrorCode::kInvalidArgument, "evidence_file.data_base64: geen geldige base64"};
    if (bytes->empty())
        return Error{ErrorCode::kInvalidArgument, "evidence_file.data_base64: bestand is leeg"};
    if (bytes->size() > kMaxEvidenceBytes)
        return Error{ErrorCode::kTooLarge, "evidence_file: bestand groter dan 5 MiB"};
    auto starts = [&](std::string_view magic) {
        return std::string_view(*bytes).starts_with(magic);
    };
    bool matches = f.content_type == "application/pdf" ? starts("%PDF-")
                   : f.content_type == "image/jpeg"    ? starts("\xFF\xD8\xFF")
                   : f.content_type == "image/png"     ? starts("\x89PNG\r\n\x1A\n")
                                                       : util::checkUtf8(*bytes).isOk();
    if (!matches)
        return Error{ErrorCode::kInvalidArgument, "evidence_file: de inhoud is geen " +
                                                      f.content_type + " (bestand controleren)"};
    f.bytes = std::move(*bytes);
    f.size = static_cast<long long>(f.bytes.size());
    f.sha256 = util::sha256Hex(f.bytes);
    return f;
}

/// A consent or inzage is recorded only by someone who sees its purpose (policies.json
/// `visible_to`): kPermissionDenied otherwise.
Status mayRecordFor(const Request& r, const std::string& purpose, const char* what) {
    if (r.seesPurpose(purpose)) return {};
    return {ErrorCode::kPermissionDenied, "rol '" + r.caller.role + "' mag geen " + what +
                                              " registreren voor doel '" + purpose + "'"};
}

/// Consent `id` when it exists and the caller sees its purpose; else not found, as an unknown id.
Result<store::Consent> visibleConsent(const Request& r, const std::string& id) {
    auto k = r.store.getConsent(id);
    if (!k) return k.error();
    if (!r.seesPurpose(k->purpose))
        return Error{ErrorCode::kNotFound, "toestemming " + id + " bestaat niet"};
    return k;
}

}  // namespace

void addConsent(Request& r) {
    const json& b = r.body;
    auto allowed = r.requireRole(config::kConsentRecorderRoles, "toestemming registreren");
    if (!allowed) return r.sendError(allowed.error());
    store::Consent k;
    k.id = "ct_" + util::toHex(crypto::randomBytes(10));
    k.pupil = field(b, "pupil");
    k.purpose = field(b, "purpose");
    k.given_by = field(b, "given_by");
    k.relation = field(b, "relation");
    k.decision = field(b, "decision");
    k.decided_on = field(b, "decided_on");
    k.method = field(b, "method");
    k.evidence = field(b, "evidence");
    k.valid_from = field(b, "valid_from").empty() ? k.decided_on : field(b, "valid_from");
    k.valid_until = field(b, "valid_until");
    k.recorded_by = r.caller.name;
    std::vector<std::string> errors;
    if (k.pupil.empty()) errors.push_back("pupil: verplicht");
    if (!r.config->policy(k.purpose)) errors.push_back("purpose: onbekend doel");
    if (k.given_by != "ouder" && k.given_by != "leerling")
        errors.push_back("given_by: verwacht 'ouder' of 'leerling'");
    if (k.given_by == "ouder" && k.relation.empty())
        errors.push_back("relation: verplicht voor een ouder/verzorger");
    if (k.decision != "gegeven" && k.decision != "geweigerd")
        errors.push_back("decision: verwacht 'gegeven' of 'geweigerd'");
    if (!model::isValidIsoDate(k.decided_on)) errors.push_back("decided_on: verwacht JJJJ-MM-DD");
    if (!model::isValidIsoDate(k.valid_from)) errors.push_back("valid_from: verwacht JJJJ-MM-DD");
    if (!k.valid_until.empty() && !model::isValidIsoDate(k.valid_until))
        errors.push_back("valid_until: verwacht JJJJ-MM-DD");
    if (k.method.empty()) errors.push_back("method: verplicht (bijv. formulier, ouderportaal)");
    if (b.contains("evidence_file")) {
        auto file = parseEvidenceFile(b["evidence_file"]);
        if (file) {
            k.evidence_file = std::move(*file);
        } else {
            errors.push_back(file.error().message);
        }
    }
    if (!errors.empty()) return r.sendError(Error{ErrorCode::kInvalidArgument, joinErrors(errors)});
    if (auto seen = mayRecordFor(r, k.purpose, "toestemming"); !seen) return r.sendError(seen.error());
    auto st = r.store.addConsent(k, r.clock.now());
    if (!st) return r.sendError(st.error());
    // Transfers waiting for this consent may go on now.
    store::ListFilter f;
    f.subject = k.pupil;
    f.purpose = k.purpose;
    f.state = transfer::State::kAwaitingConsent;
    policy::Gates gates(r.config, r.store, r.clock);
    int moved = 0;
    if (auto list = r.store.list(f)) {
        for (const auto& t : *list) {
            auto m = gates.advance(t.id, r.actor());
            moved += m && *m;
        }
    } else {
        // The consent is stored; the waiting transfers could not be read (the count says 0).
        log::error("api.consent_release_failed",
                   {{"consent_id", k.id}, {"message", list.error().message}});
    }
    json out = {{"id", k.id}, {"transfers_released", moved}};
    if (k.evidence_file) out["evidence_file"] = evidenceJson(*k.evidence_file, k.id);
    r.sendJson(201, out);
}

/// The evidence file as uploaded; audited before it is sent.
void consentEvidence(Request& r) {
    const std::string& id = r.id();
    auto allowed =
        r.requireRole({"beheerder", "directeur", "zorgcoordinator", "fg"}, "bewijsstukken inzien");
    if (!allowed) return r.sendError(allowed.error());
    auto consent = visibleConsent(r, id);
    if (!consent) return r.sendError(consent.error());
    auto file = r.store.consentEvidence(id);
    if (!file) return r.sendError(file.error());
    auto st =
        r.store.audit({r.actor(),
                       "consent_evidence_viewed",
                       "",
                       consent->purpose,
                       {{"consent_id", id}, {"subject", consent->pupil}, {"sha256", file->sha256}}},
                      r.clock.now());
    if (!st) return r.sendError(st.error());  // no audit record, no file
    r.resp.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    r.resp.setContentType(file->content_type);
    r.resp.set("X-Content-Type-Options", "nosniff");
    r.resp.set("Content-Disposition", "attachment; filename=\"bewijsstuk-" + id + "\"");
    r.resp.set("X-Sluis-Sha256", file->sha256);
    r.resp.setContentLength(static_cast<std::streamsize>(file->bytes.size()));
    r.resp.send() << file->bytes;
}

void listConsents(Request& r) {
    const std::string& pupil = r.id();
    auto allowed = r.requireRole({"beheerder", "mentor", "zorgcoordinator", "directeur", "fg"},
                                 "toestemmingen inzien");
    if (!allowed) return r.sendError(allowed.error());
    auto list = r.store.consents(pupil, "");
    if (!list) return r.sendError(list.error());
    json items = json::array();
    for (const auto& k : *list) {
        if (!r.seesPurpose(k.purpose)) continue;  // a purpose the caller does not see
        items.push_back(
            {{"id", k.id},
             {"purpose", k.purpose},
             {"given_by", k.given_by},
             {"relation", k.relation},
             {"decision", k.decision},
             {"decided_on", k.decided_on},
             {"method", k.method},
             {"valid_from", k.valid_from},
             {"valid_until", k.valid_until},
             {"recorded_by", k.recorded_by},
             {"withdrawn_at", k.withdrawn_at ? json(formatIso(*k.withdrawn_at)) : json(nullptr)},
             {"withdrawn_by", k.withdrawn_by},
             {"evidence_file",
              k.evidence_file ? evidenceJson(*k.evidence_file, k.id) : json(nullptr)}});
    }
    r.sendJson(200, {{"pupil", pupil}, {"consents", items}});
}

void withdrawConsent(Request& r) {
    const std::string& id = r.id();
    auto allowed = r.requireRole({"beheerder", "mentor", "zorgcoordinator", "directeur"},
                                 "toestemming intrekken");
    if (!allowed) return r.sendError(allowed.error());
    if (auto seen = visibleConsent(r, id); !seen) return r.sendError(seen.error());
    policy::Gates gates(r.config, r.store, r.clock);
    auto stopped = gates.withdrawConsent(id, r.actor());
    if (!stopped) return r.sendError(stopped.error());
    r.sendJson(200, {{"id", id}, {"withdrawn_transfers", *stopped}});
}

void addInzage(Request& r) {
    const json& b = r.body;
    auto done = registerInzage(r.decision(), {field(b, "pupil"), field(b, "purpose"),
                                              field(b, "inzagedatum"), field(b, "akkoord"),
                                              field(b, "redennietakkoord")});
    if (!done) return r.sendError(done.error());
    r.sendJson(201, {{"id", done->id}, {"transfers_requeued", done->transfers_requeued}});
}

}  // namespace sluis::api::detail

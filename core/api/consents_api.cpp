// The consent register (with evidence files) and inzage: what parents and pupils decided and
// saw; both release or re-render the transfers waiting for them. docs/privacy.md. The
// decisions are shared with the web interface (consent_decisions.h); this file is the JSON.
#include <algorithm>

#include "core/api/consent_decisions.h"
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
/// (message/rfc822) or a text note. The bytes must match the declared type (evidenceFile).
Result<store::EvidenceFile> parseEvidenceFile(const json& j) {
    if (!j.is_object())
        return Error{ErrorCode::kInvalidArgument, "evidence_file: verwacht een object"};
    const std::string filename = field(j, "filename"), type = field(j, "content_type");
    if (auto meta = checkEvidenceMeta(filename, type); !meta) return Error{meta.code(), meta.message()};
    auto bytes = util::decodeBase64(field(j, "data_base64"));
    if (!bytes)
        return Error{ErrorCode::kInvalidArgument, "evidence_file.data_base64: geen geldige base64"};
    return evidenceFile(filename, type, std::move(*bytes));
}

}  // namespace

void addConsent(Request& r) {
    const json& b = r.body;
    ConsentInput in{field(b, "pupil"),      field(b, "purpose"),    field(b, "given_by"),
                    field(b, "relation"),   field(b, "decision"),   field(b, "decided_on"),
                    field(b, "method"),     field(b, "evidence"),   field(b, "valid_from"),
                    field(b, "valid_until"), std::nullopt,          ""};
    if (b.contains("evidence_file")) {
        auto file = parseEvidenceFile(b["evidence_file"]);
        if (file) in.evidence_file = std::move(*file);
        else in.evidence_file_error = file.error().message;
    }
    auto done = registerConsent(r.decision(), in);
    if (!done) return r.sendError(done.error());
    json out = {{"id", done->id}, {"transfers_released", done->transfers_released}};
    if (done->evidence_file) out["evidence_file"] = evidenceJson(*done->evidence_file, done->id);
    r.sendJson(201, out);
}

/// The evidence file as uploaded; audited before it is sent (consentEvidence).
void consentEvidence(Request& r) {
    const std::string& id = r.id();
    auto file = api::consentEvidence(r.decision(), id);
    if (!file) return r.sendError(file.error());
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
    auto list = pupilConsents(r.decision(), pupil);
    if (!list) return r.sendError(list.error());
    json items = json::array();
    for (const auto& k : *list) {
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
    // Every inzage of the pupil too, newest first (the parents' view is not listed here).
    auto inzage = pupilInzageHistory(r.decision(), pupil);
    if (!inzage) return r.sendError(inzage.error());
    json inzage_items = json::array();
    for (const auto& z : *inzage)
        inzage_items.push_back({{"id", z.id},
                                {"purpose", z.purpose},
                                {"inzagedatum", z.inzagedatum},
                                {"akkoord", z.akkoord},
                                {"recorded_by", z.recorded_by},
                                {"recorded_at", formatIso(z.recorded_at)},
                                {"authentic", z.authentic}});
    r.sendJson(200, {{"pupil", pupil}, {"consents", items}, {"inzage", inzage_items}});
}

void withdrawConsent(Request& r) {
    const std::string& id = r.id();
    auto stopped = api::withdrawConsent(r.decision(), id);
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

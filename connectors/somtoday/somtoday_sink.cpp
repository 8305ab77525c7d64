// somtoday-rest sink: POSTs a rendered dossier (the `somtoday-json` encoder's bundle) to the API.
//
// Idempotency lives at the receiver: every attempt for the same transfer carries the same
// Idempotency-Key header, and the API answers a key it already has with 409 (and the id it gave
// the first time). So a retry after a timeout never yields a second dossier.
#include "connectors/common/http_client_util.h"
#include "connectors/somtoday/somtoday.h"
#include "connectors/somtoday/somtoday_client.h"

namespace sluis::connectors {

using connector::DeliveryOutcome;
using connector::DeliveryResult;
using connector::OptionSpec;
using connector::OptionType;

namespace {

class SomtodaySink final : public connector::Sink {
  public:
    SomtodaySink(std::string instance, somtoday::ClientSettings cs, std::string path)
        : instance_(std::move(instance)), client_(std::move(cs)), path_(std::move(path)) {}

    DeliveryResult deliver(const connector::Delivery& d) noexcept override {
        try {
            return attempt(d);
        } catch (const std::exception& e) {
            return {DeliveryOutcome::kRetryLater,
                    "doel " + instance_ + ": interne fout bij verzenden: " + e.what(), ""};
        }
    }

  private:
    DeliveryResult attempt(const connector::Delivery& d) {
        std::string prefix = "doel " + instance_ + ": ";
        if (!http::headerSafe(d.idempotency_key))
            return {DeliveryOutcome::kRejected,
                    prefix + "idempotentiesleutel van overdracht " + d.transfer_id +
                        " is leeg of past niet in een HTTP-header",
                    ""};
        if (d.content_type.rfind("application/json", 0) != 0)
            return {DeliveryOutcome::kRejected,
                    prefix + "verwacht JSON van encoder somtoday-json, kreeg " + d.content_type,
                    ""};
        auto r = client_.post(path_, d.payload,
                              {"Content-Type: application/json",
                               std::string(kSomtodayIdempotencyHeader) + ": " + d.idempotency_key});
        if (!r) return {DeliveryOutcome::kRetryLater, r.error().message, ""};
        std::string code = "HTTP " + std::to_string(r->status);
        if (r->status >= 200 && r->status < 300)
            return {DeliveryOutcome::kDelivered, "", http::jsonReceipt(r->body, "id")};
        if (r->status == 409)
            return {DeliveryOutcome::kDelivered,
                    prefix + "de API had dit dossier al (" + code + "); niet opnieuw aangemaakt",
                    http::jsonReceipt(r->body, "id")};
        if (r->status == 408 || r->status == 429 || r->status >= 500)
            return {
                DeliveryOutcome::kRetryLater,
                prefix + "de API kan het dossier nu niet aannemen (" + code + "); later opnieuw",
                ""};
        if (r->status == 403)
            return {DeliveryOutcome::kRetryLater,
                    prefix + "geen toegang (" + code + "); controleer de rechten van client_id",
                    ""};
        return {DeliveryOutcome::kRejected,
                prefix + "de API weigert het dossier (" + code + "); niet opnieuw proberen", ""};
    }

    std::string instance_;
    somtoday::Client client_;
    std::string path_;
};

class SomtodaySinkFactory final : public connector::SinkFactory {
  public:
    explicit SomtodaySinkFactory(const Clock* clock) : clock_(clock) {}
    std::string name() const override { return "somtoday-rest"; }
    std::string description() const override {
        return "Levert een dossier (encoder somtoday-json) af bij een SomToday-achtige REST-API "
               "(OAuth2), idempotent via de header Idempotency-Key.";
    }
    std::vector<OptionSpec> options() const override {
        auto o = somtoday::commonOptions();
        o.push_back({"path", OptionType::kString, "dossiers", false, false,
                     "Resource the dossier is POSTed to, relative to base_url."});
        return o;
    }

    Status check(const std::string& instance, const connector::Options& o) const override {
        // Refuses insecure_skip_verify and non-https URLs already in check-config.
        auto cs = somtoday::clientSettingsFrom("doel " + instance + ": ", o);
        if (!cs) return cs.error();
        return {};
    }

    Result<std::unique_ptr<connector::Sink>> create(const std::string& instance,
                                                    const connector::Options& o) const override {
        std::string prefix = "doel " + instance + ": ";
        auto cs = somtoday::clientSettingsFrom(prefix, o);
        if (!cs) return cs.error();
        cs->clock = clock_;
        std::string path = o.str("path");
        if (path.empty() || path.find_first_of("?# ") != std::string::npos)
            return Error{ErrorCode::kInvalidConfig,
                         prefix + "path moet een resource zijn zonder ?, # of spaties"};
        return std::unique_ptr<connector::Sink>(
            std::make_unique<SomtodaySink>(instance, std::move(*cs), path));
    }

  private:
    const Clock* clock_;
};

}  // namespace

std::unique_ptr<connector::SinkFactory> makeSomtodaySinkFactory(const Clock* clock) {
    return std::make_unique<SomtodaySinkFactory>(clock);
}

Status registerSomtoday(connector::ConnectorRegistry& registry, const Clock* clock) {
    SLUIS_RETURN_IF_ERROR(registry.addSource(makeSomtodaySourceFactory(clock)));
    return registry.addSink(makeSomtodaySinkFactory(clock));
}

}  // namespace sluis::connectors

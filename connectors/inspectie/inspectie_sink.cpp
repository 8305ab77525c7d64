// inspectie-https sink: one HTTPS POST per delivery with mutual TLS (libcurl over OpenSSL).
//
// Idempotency lives at the receiver: every attempt for the same transfer carries the same
// X-Sluis-Delivery-Id, and the receiver answers a repeated id with 409 and the original receipt.
// So a retry after a timeout (the receiver may have stored the first attempt) never yields a
// second delivery, and the core can simply call deliver() again.
#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

#include "connectors/common/http_client_util.h"
#include "connectors/inspectie/inspectie.h"
#include "core/util/fs.h"

namespace sluis::connectors {

using connector::DeliveryOutcome;
using connector::DeliveryResult;
using connector::OptionSpec;
using connector::OptionType;

namespace {

constexpr size_t kMaxResponseBytes = 64 * 1024;

// ---- certificate checks at start-up (fail fast instead of at the first delivery) ----

struct BioCloser {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Closer {
    void operator()(X509* x) const { X509_free(x); }
};
struct PkeyCloser {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioCloser>;
using X509Ptr = std::unique_ptr<X509, X509Closer>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyCloser>;

/// Passphrase callback: supplies the configured password, or none (never prompts on a terminal).
int passwordCallback(char* buf, int size, int /*rwflag*/, void* u) {
    const auto* pw = static_cast<const std::string*>(u);
    if (pw == nullptr || pw->empty()) return 0;
    int n = static_cast<int>(std::min<size_t>(pw->size(), static_cast<size_t>(size)));
    std::memcpy(buf, pw->data(), static_cast<size_t>(n));
    return n;
}

BioPtr openBio(const std::string& path) { return BioPtr(BIO_new_file(path.c_str(), "r")); }

Status checkReadable(const std::string& instance, const std::string& key, const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        return {ErrorCode::kInvalidConfig,
                "doel " + instance + ": " + key + " " + path + " bestaat niet of is geen bestand"};
    BioPtr bio = openBio(path);
    if (!bio)
        return {ErrorCode::kInvalidConfig,
                "doel " + instance + ": " + key + " " + path + " is niet leesbaar"};
    return {};
}

/// Checks that the CA file holds a certificate, the client certificate parses, the key opens
/// with the configured password and belongs to the certificate. Never prints key material.
Status checkCertificates(const std::string& instance, const std::string& ca_file,
                         const std::string& cert_file, const std::string& key_file,
                         const std::string& key_password) {
    SLUIS_RETURN_IF_ERROR(checkReadable(instance, "ca_file", ca_file));
    SLUIS_RETURN_IF_ERROR(checkReadable(instance, "cert_file", cert_file));
    SLUIS_RETURN_IF_ERROR(checkReadable(instance, "key_file", key_file));
    std::string prefix = "doel " + instance + ": ";
    {
        BioPtr bio = openBio(ca_file);
        X509Ptr ca(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        if (!ca)
            return {ErrorCode::kInvalidConfig,
                    prefix + "ca_file " + ca_file + " bevat geen PEM-certificaat"};
    }
    BioPtr cbio = openBio(cert_file);
    X509Ptr cert(PEM_read_bio_X509(cbio.get(), nullptr, nullptr, nullptr));
    if (!cert)
        return {ErrorCode::kInvalidConfig,
                prefix + "cert_file " + cert_file + " bevat geen PEM-certificaat"};
    BioPtr kbio = openBio(key_file);
    std::string pw = key_password;
    PkeyPtr key(PEM_read_bio_PrivateKey(kbio.get(), nullptr, passwordCallback, &pw));
    if (!key) {
        ERR_clear_error();
        return {ErrorCode::kInvalidConfig,
                prefix + "key_file " + key_file +
                    " bevat geen bruikbare PEM-sleutel (of key_password klopt niet)"};
    }
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return {ErrorCode::kInvalidConfig,
                prefix + "key_file hoort niet bij cert_file (sleutel en certificaat verschillen)"};
    }
    if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) < 0)
        return {ErrorCode::kInvalidConfig, prefix + "clientcertificaat in cert_file is verlopen"};
    ERR_clear_error();
    return {};
}

// ---- the sink ----

struct Settings {
    std::string url;
    std::string ca_file;
    std::string cert_file;
    std::string key_file;
    std::string key_password;
    std::string proxy;
    std::string receipt_field;
    long connect_timeout_ms = 10000;
    long timeout_ms = 60000;
};

struct CurlCloser {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};

class InspectieSink final : public connector::Sink {
  public:
    InspectieSink(std::string instance, Settings s)
        : instance_(std::move(instance)), s_(std::move(s)) {}

    DeliveryResult deliver(const connector::Delivery& d) noexcept override {
        try {
            DeliveryResult r = attempt(d);
            if (!r.message.empty()) r.message = "doel " + instance_ + ": " + r.message;
            return r;
        } catch (const std::exception& e) {
            return {DeliveryOutcome::kRetryLater,
                    "doel " + instance_ + ": interne fout bij verzenden: " + e.what(), ""};
        }
    }

  private:
    DeliveryResult attempt(const connector::Delivery& d) const {
        // A delivery id goes into a header: visible ASCII only, bounded length.
        if (!http::headerSafe(d.idempotency_key))
            return {DeliveryOutcome::kRejected,
                    "afleverings-id van overdracht " + d.transfer_id +
                        " is leeg of bevat tekens die niet in een HTTP-header passen",
                    ""};
        std::unique_ptr<CURL, CurlCloser> h(curl_easy_init());
        if (!h) return {DeliveryOutcome::kRetryLater, "libcurl kon niet starten", ""};

        std::string content_type = d.content_type.empty() ? "application/json" : d.content_type;
        std::vector<std::string> lines = {
            "Content-Type: " + content_type,
            "Accept: application/json",
            std::string(kDeliveryIdHeader) + ": " + d.idempotency_key,
            std::string(kPayloadHashHeader) + ": " + util::sha256Hex(d.payload),
            "Expect:",  // no 100-continue round trip
        };
        if (http::headerSafe(d.transfer_id))
            lines.push_back("X-Sluis-Transfer-Id: " + d.transfer_id);
        http::SlistPtr headers;
        if (!http::headerList(lines, headers))
            return {DeliveryOutcome::kRetryLater, "geheugen vol bij opbouwen verzoek", ""};

        std::string body;
        // Keep reading (so the exchange completes) but keep only a bounded prefix.
        http::BodySink sink{&body, kMaxResponseBytes, /*keep_prefix=*/true};
        char errbuf[CURL_ERROR_SIZE] = {0};
        CURL* c = h.get();
        curl_easy_setopt(c, CURLOPT_URL, s_.url.c_str());
        // Verification of the receiver is always on (the factory refuses otherwise).
        http::setStrictHttps(c);
        curl_easy_setopt(c, CURLOPT_PROXY, s_.proxy.c_str());  // "" = never, even from env
        curl_easy_setopt(c, CURLOPT_USERAGENT, "sluis-inspectie-https");
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, d.payload.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(d.payload.size()));
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, http::writeBody);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s_.connect_timeout_ms);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s_.timeout_ms);
        // Mutual TLS.
        curl_easy_setopt(c, CURLOPT_CAINFO, s_.ca_file.c_str());
        curl_easy_setopt(c, CURLOPT_CAPATH, nullptr);
        curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLCERT, s_.cert_file.c_str());
        curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
        curl_easy_setopt(c, CURLOPT_SSLKEY, s_.key_file.c_str());
        if (!s_.key_password.empty())
            curl_easy_setopt(c, CURLOPT_KEYPASSWD, s_.key_password.c_str());

        CURLcode rc = curl_easy_perform(c);
        if (rc != CURLE_OK) {
            return classifyInspectieTransportError(static_cast<int>(rc),
                                                   http::errorDetail(rc, errbuf));
        }
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        return classifyInspectieResponse(status, body, s_.receipt_field);
    }

    std::string instance_;
    Settings s_;
};

class InspectieSinkFactory final : public connector::SinkFactory {
  public:
    std::string name() const override { return "inspectie-https"; }
    std::string description() const override {
        return "Levert af over HTTPS met wederzijdse TLS (clientcertificaat), idempotent via een "
               "afleverings-id; bedoeld voor leveringen aan de Inspectie (Vensters).";
    }
    std::vector<OptionSpec> options() const override {
        return {
            {"url", OptionType::kString, nullptr, true, false,
             "Receiver endpoint; must start with https://."},
            {"ca_file", OptionType::kPath, nullptr, true, false,
             "PEM file with the CA certificate(s) the receiver's server certificate must chain "
             "to."},
            {"cert_file", OptionType::kPath, nullptr, true, false,
             "PEM client certificate (PKIoverheid/PKI-Onderwijs, OIN in the subject)."},
            {"key_file", OptionType::kPath, nullptr, true, false,
             "PEM private key of the client certificate (the path is not secret; the content is "
             "never read into messages)."},
            {"key_password", OptionType::kString, nullptr, false, true,
             "Passphrase of key_file, when it is encrypted."},
            {"tls_verify", OptionType::kBool, true, false, false,
             "Verify the receiver's certificate and host name. Must be true: Sluis refuses to "
             "start a sink that would not verify."},
            {"connect_timeout", OptionType::kDurationMs, "10s", false, false,
             "Time allowed to connect and finish the TLS handshake."},
            {"timeout", OptionType::kDurationMs, "60s", false, false,
             "Time allowed for the whole exchange; afterwards the attempt is retried later."},
            {"receipt_field", OptionType::kString, "referentie", false, false,
             "Field of the receiver's JSON answer that holds its reference (the receipt)."},
            {"proxy", OptionType::kString, nullptr, false, false,
             "HTTPS proxy URL; without it no proxy is used (environment variables are ignored)."},
        };
    }

    Result<std::unique_ptr<connector::Sink>> create(const std::string& instance,
                                                    const connector::Options& o) const override {
        std::string prefix = "doel " + instance + ": ";
        if (o.has("tls_verify") && !o.boolean("tls_verify"))
            return Error{ErrorCode::kInvalidConfig,
                         prefix +
                             "tls_verify=false is niet toegestaan: Sluis levert alleen af aan "
                             "een ontvanger waarvan het certificaat en de hostnaam zijn "
                             "gecontroleerd"};
        Settings s;
        s.url = o.str("url");
        if (!http::isHttpsUrl(s.url))
            return Error{ErrorCode::kInvalidConfig,
                         prefix + "url moet met https:// beginnen en een host bevatten"};
        s.ca_file = o.str("ca_file");
        s.cert_file = o.str("cert_file");
        s.key_file = o.str("key_file");
        s.key_password = o.str("key_password");
        s.proxy = o.str("proxy");
        s.receipt_field = o.str("receipt_field");
        if (s.receipt_field.empty()) s.receipt_field = "referentie";
        s.connect_timeout_ms = static_cast<long>(o.duration("connect_timeout").count());
        s.timeout_ms = static_cast<long>(o.duration("timeout").count());
        if (s.connect_timeout_ms <= 0 || s.timeout_ms <= 0)
            return Error{ErrorCode::kInvalidConfig,
                         prefix + "connect_timeout en timeout moeten groter dan 0 zijn"};
        SLUIS_RETURN_IF_ERROR(
            checkCertificates(instance, s.ca_file, s.cert_file, s.key_file, s.key_password));
        http::curlGlobalInit();
        return std::unique_ptr<connector::Sink>(
            std::make_unique<InspectieSink>(instance, std::move(s)));
    }
};

}  // namespace

DeliveryResult classifyInspectieResponse(long http_status, std::string_view body,
                                         const std::string& receipt_field) {
    std::string code = "HTTP " + std::to_string(http_status);
    auto receipt = [&] { return http::jsonReceipt(body, receipt_field); };
    if (http_status >= 200 && http_status < 300) {
        std::string r = receipt();
        if (r.empty())
            return {DeliveryOutcome::kDelivered,
                    "afgeleverd (" + code + "), maar het antwoord bevat geen veld " +
                        receipt_field + " met een referentie",
                    ""};
        return {DeliveryOutcome::kDelivered, "", r};
    }
    if (http_status == 409) {
        std::string r = receipt();
        return {DeliveryOutcome::kDelivered,
                "de ontvanger had deze levering al (" + code +
                    "); het oorspronkelijke ontvangstbewijs is bewaard" +
                    (r.empty() ? std::string(", maar het antwoord bevat geen referentie") : ""),
                r};
    }
    if (http_status == 408 || http_status == 429 || (http_status >= 500 && http_status < 600))
        return {DeliveryOutcome::kRetryLater,
                "de ontvanger kan de levering nu niet aannemen (" + code + "); later opnieuw", ""};
    if (http_status >= 300 && http_status < 400)
        return {DeliveryOutcome::kRejected,
                "de ontvanger verwijst door (" + code +
                    "); Sluis volgt geen doorverwijzingen: controleer de url",
                ""};
    if (http_status >= 400 && http_status < 500)
        return {DeliveryOutcome::kRejected,
                "de ontvanger weigert de levering (" + code + "); niet opnieuw proberen", ""};
    return {DeliveryOutcome::kRejected, "onverwacht antwoord van de ontvanger (" + code + ")", ""};
}

DeliveryResult classifyInspectieTransportError(int curl_code, const std::string& detail) {
    std::string what;
    DeliveryOutcome outcome = DeliveryOutcome::kRetryLater;
    switch (static_cast<CURLcode>(curl_code)) {
        case CURLE_OPERATION_TIMEDOUT:
            what =
                "time-out: de ontvanger antwoordde niet op tijd; later opnieuw (dezelfde "
                "afleverings-id voorkomt een dubbele levering)";
            break;
        case CURLE_COULDNT_RESOLVE_HOST:
            what = "hostnaam van de ontvanger niet gevonden";
            break;
        case CURLE_COULDNT_RESOLVE_PROXY:
            what = "hostnaam van de proxy niet gevonden";
            break;
        case CURLE_COULDNT_CONNECT:
            what = "geen verbinding met de ontvanger";
            break;
        case CURLE_PEER_FAILED_VERIFICATION:
            what =
                "het servercertificaat van de ontvanger is niet vertrouwd of hoort niet bij de "
                "hostnaam (controleer ca_file en url); niets verzonden";
            break;
        case CURLE_SSL_CONNECT_ERROR:
            what = "TLS-verbinding mislukt (de ontvanger weigert mogelijk het clientcertificaat)";
            break;
        case CURLE_SSL_CERTPROBLEM:
            what = "clientcertificaat of sleutel onbruikbaar (controleer cert_file en key_file)";
            break;
        case CURLE_SSL_CACERT_BADFILE:
            what = "CA-bestand onbruikbaar (controleer ca_file)";
            break;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
            what =
                "verbinding verbroken tijdens de uitwisseling (de ontvanger weigert mogelijk het "
                "clientcertificaat)";
            break;
        case CURLE_GOT_NOTHING:
            what = "de ontvanger sloot de verbinding zonder antwoord";
            break;
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_URL_MALFORMAT:
            what = "url van de ontvanger onbruikbaar";
            outcome = DeliveryOutcome::kRejected;
            break;
        default:
            what = "verzenden mislukt";
            break;
    }
    return {outcome, what + " [curl " + std::to_string(curl_code) + ": " + detail + "]", ""};
}

std::unique_ptr<connector::SinkFactory> makeInspectieSinkFactory() {
    return std::make_unique<InspectieSinkFactory>();
}

}  // namespace sluis::connectors

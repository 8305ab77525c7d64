#pragma once
/// A SomToday-style REST API over real TLS (Poco NetSSL) on 127.0.0.1, port 0, for tests of the
/// `somtoday-rest` source and sink. It implements the contract in docs/connectors/somtoday.md:
///
///   POST /oauth2/token            client-credentials grant (form: grant_type, client_id,
///                                 client_secret) -> {"access_token", "token_type", "expires_in"}
///   GET  /rest/v1/leerlingen      ?changedSince=ISO (inclusive) &sort=id; Range: items=a-b
///   GET  /rest/v1/verzorgers      ?leerling=id1,id2,...; Range paging as above
///   GET  /rest/v1/resultaten      idem
///   GET  /rest/v1/absenties       idem
///   POST /rest/v1/dossiers        Idempotency-Key required; 201 {"id"}, a known key: 409 {"id"}
///
/// Paging: the answer is 206 with `Content-Range: items a-b/total` (the range is cut to the
/// configured maximum page size), `items */total` with 416 past the end, 200 `[]` with
/// `items */0` for an empty set. Resource calls need `Authorization: Bearer <token>` with an
/// unexpired token (401 otherwise).
///
/// The data are generated deterministically: Dutch names, addresses, BSNs that pass the
/// elfproef, two verzorgers, three resultaten and zero to two absenties per pupil, lastModified
/// in the past. Switches make the server fail in the ways real APIs do.
///
/// Thread-safe; the destructor stops the server promptly (a slow answer is cut short).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace sluis::test {

class TlsHttpServer;

class SomtodayPeer {
  public:
    static constexpr const char* kClientId = "sluis-test";
    static constexpr const char* kClientSecret = "test-geheim-123";

    struct Posted {
        std::string idempotency_key;
        std::string body;
        std::string id;  ///< Id the API gave the dossier.
    };
    struct Request {
        std::string method;
        std::string path;  ///< Without the query.
        std::string query;
        std::string range;
        int status = 0;
        std::chrono::steady_clock::time_point at;
    };

    /// Starts listening with `pupils` generated pupils. Throws (Poco) when certificates fail.
    SomtodayPeer(const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
                 size_t pupils = 25, unsigned seed = 7);
    ~SomtodayPeer();
    SomtodayPeer(const SomtodayPeer&) = delete;
    SomtodayPeer& operator=(const SomtodayPeer&) = delete;

    uint16_t port() const;
    std::string baseUrl(const std::string& host = "localhost") const;   ///< .../rest/v1
    std::string tokenUrl(const std::string& host = "localhost") const;  ///< .../oauth2/token

    // ---- switches ----
    /// Lifetime of new tokens (also the `expires_in` it announces). Default 3600 s.
    void setTokenLifetime(std::chrono::seconds lifetime);
    /// After `n` more authorised resource requests every token issued so far is revoked.
    void expireTokensAfter(int n);
    /// Largest page the server returns, whatever Range asks. Default 100.
    void setMaxPageSize(size_t n);
    /// The next `count` resource requests answer `status` (with `Retry-After: retry_after_s`
    /// when >= 0) without doing anything.
    void failNext(int status, int count, int retry_after_s = -1);
    /// The next `count` GET answers carry a truncated JSON body (status 206/200 as usual).
    void breakJsonNext(int count);
    /// Every resource answer waits this long first.
    void setDelay(std::chrono::milliseconds delay);
    /// From now on every POST that arrives is held (not answered, not recorded) until
    /// releasePosts(); heldPosts() says how many are waiting. Lets a test act while a request
    /// is certainly in the server's hands.
    void holdPosts();
    void releasePosts();
    size_t heldPosts() const;

    // ---- data ----
    size_t pupilCount() const;
    /// The leerling resource of pupil `index` (as the API serves it).
    nlohmann::json pupil(size_t index) const;
    /// Changes pupil `index` (stamgroep) and sets its lastModified to now.
    void touch(size_t index);

    // ---- what happened ----
    std::vector<Posted> posted() const;
    size_t duplicatePosts() const;  ///< 409 answers for a known Idempotency-Key.
    size_t tokensIssued() const;
    size_t unauthorized() const;            ///< 401 answers on resource calls.
    std::vector<Request> requests() const;  ///< Every request, token calls included.

    struct State;

  private:
    std::shared_ptr<State> state_;
    std::unique_ptr<TlsHttpServer> server_;
};

}  // namespace sluis::test

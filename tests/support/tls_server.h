#pragma once
/// Server-side TLS shared by the test peers (Poco NetSSL): the context, and an HTTPS server on
/// 127.0.0.1, port 0.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>

#include <cstdint>
#include <filesystem>
#include <memory>

namespace sluis::test {

/// Keeps Poco NetSSL initialised for its lifetime and holds a server context: the given
/// certificate and key, TLS 1.2 or newer, ciphers "HIGH:!aNULL:!MD5", no default CAs. With a
/// client CA, a client certificate is required and verified against it. Throws (Poco exceptions)
/// when the files cannot be loaded.
class TlsServerContext {
  public:
    TlsServerContext(const std::filesystem::path& cert_file, const std::filesystem::path& key_file,
                     const std::filesystem::path& client_ca_file = {});
    ~TlsServerContext();
    TlsServerContext(const TlsServerContext&) = delete;
    TlsServerContext& operator=(const TlsServerContext&) = delete;

    const Poco::Net::Context::Ptr& context() const { return context_; }

  private:
    Poco::Net::Context::Ptr context_;
};

/// A started HTTPS server on 127.0.0.1, port 0 (up to 8 threads, 32 queued connections, 10 s
/// timeout), with the TLS of TlsServerContext. The destructor stops it and aborts the connections
/// still open.
class TlsHttpServer {
  public:
    struct Options {
        std::filesystem::path cert_file;
        std::filesystem::path key_file;
        std::filesystem::path client_ca_file;  ///< empty: no client certificate asked for
        bool keep_alive = false;  ///< with keep-alive, idle connections close after 5 s
    };

    TlsHttpServer(const Options& options, Poco::Net::HTTPRequestHandlerFactory::Ptr factory);
    ~TlsHttpServer();
    TlsHttpServer(const TlsHttpServer&) = delete;
    TlsHttpServer& operator=(const TlsHttpServer&) = delete;

    uint16_t port() const { return port_; }

  private:
    TlsServerContext tls_;
    std::unique_ptr<Poco::Net::HTTPServer> http_;
    uint16_t port_ = 0;
};

}  // namespace sluis::test

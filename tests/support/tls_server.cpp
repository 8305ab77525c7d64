#include "tests/support/tls_server.h"

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>

namespace sluis::test {

TlsServerContext::TlsServerContext(const std::filesystem::path& cert_file,
                                   const std::filesystem::path& key_file,
                                   const std::filesystem::path& client_ca_file) {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Params p;
    p.privateKeyFile = key_file.string();
    p.certificateFile = cert_file.string();
    if (client_ca_file.empty()) {
        p.verificationMode = Poco::Net::Context::VERIFY_NONE;  // no client certificate
    } else {
        p.caLocation = client_ca_file.string();
        p.verificationMode = Poco::Net::Context::VERIFY_STRICT;  // client certificate required
    }
    p.loadDefaultCAs = false;
    p.cipherList = "HIGH:!aNULL:!MD5";
    context_ = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, p);
    context_->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    if (!client_ca_file.empty()) {
        // Poco's "extended" check compares the client certificate with the client's host name,
        // which is meaningless for client certificates; the chain check by OpenSSL stays on.
        context_->enableExtendedCertificateVerification(false);
    }
}

TlsServerContext::~TlsServerContext() {
    context_.reset();
    Poco::Net::uninitializeSSL();
}

TlsHttpServer::TlsHttpServer(const Options& options,
                             Poco::Net::HTTPRequestHandlerFactory::Ptr factory)
    : tls_(options.cert_file, options.key_file, options.client_ca_file) {
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64,
                                         tls_.context());
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    params->setMaxQueued(32);
    params->setKeepAlive(options.keep_alive);
    if (options.keep_alive) params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setTimeout(Poco::Timespan(10, 0));
    http_ = std::make_unique<Poco::Net::HTTPServer>(factory, socket, params);
    http_->start();
}

TlsHttpServer::~TlsHttpServer() {
    http_->stopAll(true);
    http_.reset();
}

}  // namespace sluis::test

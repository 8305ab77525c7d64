#pragma once
/// The test PKI (CA, server and client certificates and keys) made by certs/make-test-pki.sh.
#include <filesystem>
#include <string>

namespace sluis::test {

/// The directory holding the test PKI, made once per process in a temporary directory (removed
/// at exit). When the script fails, every call fails the current test with a clear message.
const std::filesystem::path& testPki();

/// The path of one file of the test PKI, e.g. pkiFile("ca.crt").
std::string pkiFile(const std::string& name);

}  // namespace sluis::test

#include "tests/support/test_pki.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/support/test_util.h"

namespace sluis::test {

const std::filesystem::path& testPki() {
    static TempDir tmp;
    static const std::string script = (sourceDir() / "certs" / "make-test-pki.sh").string();
    static const bool made = [] {
        std::string cmd = "'" + script + "' '" + tmp.path().string() + "' >/dev/null";
        return std::system(cmd.c_str()) == 0;
    }();
    if (!made) ADD_FAILURE() << script << " failed to make the test PKI in " << tmp.path().string();
    return tmp.path();
}

std::string pkiFile(const std::string& name) { return (testPki() / name).string(); }

}  // namespace sluis::test

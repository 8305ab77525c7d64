// sluis_test_oidc_provider: the test OpenID provider (tests/support/oidc_provider.h) as a program,
// for the browser test (tests/web/browser_oidc_test.py). Prints "port=<n>" once it listens, and
// stops when its standard input closes (or on SIGTERM).
//
//   sluis_test_oidc_provider --client-id ID --client-secret-file FILE
//                            [--redirect-uri URI] [--browser-host localhost]
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "tests/support/oidc_provider.h"

int main(int argc, char** argv) {
    sluis::test::OidcProvider::Options opt;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--client-id") {
            opt.client_id = v;
        } else if (k == "--client-secret-file") {
            std::ifstream in(v);
            std::getline(in, opt.client_secret);
        } else if (k == "--redirect-uri") {
            opt.redirect_uri = v;
        } else if (k == "--browser-host") {
            opt.browser_host = v;
        } else {
            std::cerr << "onbekende optie " << k << "\n";
            return 2;
        }
    }
    sluis::test::OidcProvider provider(opt);
    std::cout << "port=" << provider.port() << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    return 0;
}

// Replay driver for fuzz targets when libFuzzer is not linked: runs every file of the corpus
// directories given on the command line, then a fixed number of deterministic mutations of each
// (byte flips, truncations, duplications), so that the suite exercises the parser's error paths.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
void run(const std::string& s) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> inputs;
    for (int i = 1; i < argc; ++i) {
        std::filesystem::path p(argv[i]);
        std::vector<std::filesystem::path> files;
        if (std::filesystem::is_directory(p)) {
            for (auto& e : std::filesystem::recursive_directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
        } else {
            files.push_back(p);
        }
        for (auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::ostringstream ss;
            ss << in.rdbuf();
            inputs.push_back(ss.str());
        }
    }
    if (inputs.empty()) {
        std::cerr << "replay: no corpus files\n";
        return 1;
    }
    std::mt19937 rng(12345);
    size_t runs = 0;
    for (const auto& in : inputs) {
        run(in);
        ++runs;
        for (int m = 0; m < 300; ++m) {
            std::string s = in;
            int kind = static_cast<int>(rng() % 4);
            if (s.empty()) kind = 3;
            size_t pos = s.empty() ? 0 : rng() % s.size();
            switch (kind) {
                case 0: s[pos] = static_cast<char>(rng() % 256); break;
                case 1: s.resize(pos); break;
                case 2: s.insert(pos, s.substr(pos, std::min<size_t>(64, s.size() - pos))); break;
                default: s.insert(pos, 1, static_cast<char>(rng() % 256)); break;
            }
            run(s);
            ++runs;
        }
    }
    std::cout << "replay: " << runs << " inputs without crash\n";
    return 0;
}

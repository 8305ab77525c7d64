// Fuzz target: the whole magister-csv decoder (bundle parsing, part recognition, join, mapping,
// validation) on arbitrary bytes, as a single file and wrapped in a bundle with a second file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mapping/magister/magister_decoder.h"
#include "mapping/magister/magister_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sluis;
    static mapper::MapperRegistry* reg = [] {
        auto* r = new mapper::MapperRegistry();
        if (!mapping::registerMagisterMappers(*r).isOk()) __builtin_trap();
        return r;
    }();
    const mapper::Decoder* dec = reg->decoder("magister-csv");
    std::string bytes(reinterpret_cast<const char*>(data), size);
    mapper::DecodeContext ctx;
    ctx.source_name = "fuzz.csv";
    ctx.options = {{"school", {{"naam", "Fuzzschool"}, {"brincode", "99XX"}}}};
    auto a = dec->decode(bytes, ctx);
    if (a.isOk() && a->records.empty()) __builtin_trap();  // success means at least one pupil
    std::string lee = "Stamnr;Achternaam;Geb. datum\r\n1;A;01-01-2014\r\n2;B;02-02-2014\r\n";
    std::string bundle = mapping::writeBundle({{"leerlingen", "l.csv", lee}, {"", "x.csv", bytes}});
    auto b = dec->decode(bundle, ctx);
    (void)b;
    return 0;
}

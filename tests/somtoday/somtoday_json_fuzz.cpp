// Fuzz target: the somtoday-json decoder (JSON parse, field mapping, model validation). Whatever
// decodes must encode again without loss: the decoder never produces a field the encoder cannot
// carry back.
#include <cstdint>
#include <string_view>

#include "core/mapper/mapper.h"
#include "mapping/somtoday/somtoday_mapper.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static sluis::mapper::MapperRegistry registry = [] {
        sluis::mapper::MapperRegistry r;
        (void)sluis::mapping::registerSomtodayMappers(r);
        return r;
    }();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto batch = registry.decoder("somtoday-json")->decode(input, {"fuzz.json"});
    if (batch) {
        for (const auto& rec : batch->records) {
            auto enc = registry.encoder("somtoday-json")->encode(rec, {});
            if (!enc) __builtin_trap();
            auto back = registry.decoder("somtoday-json")->decode(enc->bytes, {"terug.json"});
            if (!back || back->records.size() != 1 || back->records[0] != rec) __builtin_trap();
        }
    }
    return 0;
}

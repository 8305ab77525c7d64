// Fuzz target: the canonical JSONL decoder (UTF-8 check, JSON parse, model validation).
#include <cstdint>
#include <string_view>

#include "core/mapper/mapper.h"
#include "mapping/canonical/canonical_mapper.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static sluis::mapper::MapperRegistry registry = [] {
        sluis::mapper::MapperRegistry r;
        (void)sluis::mapping::registerCanonicalMappers(r);
        return r;
    }();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto batch = registry.decoder("canonical-jsonl")->decode(input, {"fuzz.jsonl"});
    if (batch) {
        // Whatever decodes must also encode.
        for (const auto& rec : batch->records) {
            auto enc = registry.encoder("canonical-json")->encode(rec, {});
            if (!enc) __builtin_trap();
        }
    }
    return 0;
}

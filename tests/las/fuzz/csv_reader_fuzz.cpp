// Fuzz target: the streaming CSV reader (encoding detection, transcoding, quoting, limits).
#include <cstddef>
#include <cstdint>
#include <string>

#include "mapping/csv/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    for (int variant = 0; variant < 2; ++variant) {
        sluis::csv::CsvOptions o;
        o.max_field_bytes = variant == 0 ? 1u << 20 : 64;
        o.max_fields = variant == 0 ? 2000 : 8;
        if (variant == 1) o.encoding = sluis::csv::Encoding::kWindows1252;
        sluis::csv::CsvReader r(std::make_unique<sluis::csv::StringByteSource>(bytes), o);
        size_t total = 0;
        for (;;) {
            auto more = r.next();
            if (!more.isOk() || !*more) break;
            for (size_t i = 0; i < r.fieldCount(); ++i) total += r.field(i).size();
            if (total > bytes.size() * 4 + 16) __builtin_trap();  // output cannot outgrow input
        }
    }
    return 0;
}

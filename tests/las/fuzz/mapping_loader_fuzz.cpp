// Fuzz target: the JSON mapping loader and validator; a mapping that loads is also bound to a
// header made from its own column names and used on a few rows, and reversed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "mapping/declarative/mapping.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sluis::mapping;
    std::string text(reinterpret_cast<const char*>(data), size);
    auto m = loadMapping(text, "fuzz.json");
    if (!m.isOk()) return 0;
    nlohmann::json record = nlohmann::json::object();
    for (const auto& part : (*m)->parts) {
        std::vector<std::string> header = part.key_columns;
        for (const auto& f : part.fields)
            if (!f.columns.empty()) header.push_back(f.columns.front());
        auto b = BoundPart::bind(part, header, "fuzz.csv", nullptr);
        if (!b.isOk()) continue;
        static const char* kCells[] = {"", "1", "01-02-2014", "M", "van der Berg", "3511ab", "7,5", "x\"y;z"};
        for (size_t row = 0; row < 8; ++row) {
            std::vector<std::string_view> slots;
            for (size_t s = 0; s < b->slotColumns().size(); ++s) slots.push_back(kCells[(row + s) % 8]);
            nlohmann::json out;
            std::vector<std::string> problems;
            if (b->mapRow(slots, row + 2, out, problems)) addRow(part, record, std::move(out));
        }
    }
    for (const auto& part : (*m)->parts) {
        auto t = reversePart(part, record, "1");
        if (t.isOk()) (void)writeCsv(*t);
    }
    return 0;
}

// Fuzz target: the small parsers of the core that read what people or peers type: base64
// (consent evidence uploads), ISO UTC instants (the test clock), cron-like schedules
// (routes.json) and SMTP settings (daemon.json). The first byte picks the parser.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/notify/smtp.h"
#include "core/schedule/recurrence.h"
#include "core/util/file_clock.h"
#include "core/util/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);
    switch (data[0] % 4) {
        case 0: {
            auto bytes = sluis::util::decodeBase64(input);
            // What decodes must encode back to the same text, less whitespace.
            if (bytes) {
                std::string clean;
                for (char c : input)
                    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') clean += c;
                if (sluis::util::encodeBase64(*bytes) != clean) __builtin_trap();
            }
            // And every byte string survives the round trip.
            auto back = sluis::util::decodeBase64(sluis::util::encodeBase64(input));
            if (!back || *back != input) __builtin_trap();
            break;
        }
        case 1: {
            auto t = sluis::parseIsoUtc(input);
            if (t && sluis::parseIsoUtc(sluis::formatIso(*t)).value() != *t) __builtin_trap();
            break;
        }
        case 2: {
            auto r = sluis::schedule::Recurrence::parse(input);
            if (r) {
                sluis::Timestamp t{std::chrono::milliseconds(1'800'000'000'000LL)};
                for (int i = 0; i < 3; ++i) {
                    auto next = r->nextAfter(t);
                    if (!next) break;
                    if (*next <= t) __builtin_trap();  // time moves forward
                    t = *next;
                }
            }
            break;
        }
        case 3: {
            auto j = nlohmann::json::parse(input, nullptr, false);
            if (!j.is_discarded()) {
                std::vector<std::string> errors;
                auto s = sluis::notify::parseSmtpSettings(j, "notify.smtp", errors);
                if (!s && errors.empty()) __builtin_trap();  // a refusal always says why
            }
            break;
        }
    }
    return 0;
}

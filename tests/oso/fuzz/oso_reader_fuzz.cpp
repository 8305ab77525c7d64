// Fuzz target for the OSO reader and the validator's business rules (without XSD): any input must
// give a value or an error, never a crash, hang or exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mapping/oso/oso_reader.h"
#include "mapping/oso/oso_validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static auto standard = *sluis::oso::Standard::get("2019.1");
    static sluis::oso::Validator validator(standard, sluis::oso::ValidatorOptions{});
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    sluis::oso::ReadOptions opts;
    opts.validate_model = (size % 2) == 0;
    auto r = sluis::oso::readDossier(bytes, *standard, opts);
    (void)r.isOk();
    auto rep = validator.validate(bytes);
    (void)rep.valid();
    return 0;
}

// Fuzz target: the survey export reader (and, when it accepts, the report computation and the
// JSON, HTML and PDF renderings) must never crash, hang or leak on any input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mapping/vensters/render_pdf.h"
#include "mapping/vensters/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace sluis::vensters;
    static const std::vector<SchoolRef> schools = {{"12AB", "00", ""}, {"34CD", "01", ""}};
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const IndicatorSet& set = builtinIndicatorSet();
    auto survey = parseSurvey(bytes, "fuzz.csv", set, schools);
    // Same bytes as an enrolment file and a school list: other readers, same CSV layer.
    auto enrolment = parseEnrolment(bytes, "fuzz.csv", set, &schools);
    (void)parseSchoolList(bytes, "fuzz.csv");
    if (survey) {
        Enrolment e;
        e.schools = schools;
        // Generous enrolment so the computation runs on whatever was accepted.
        for (size_t s = 0; s < schools.size(); ++s)
            for (size_t t = 0; t < set.school_types.size(); ++t)
                for (int g = 1; g <= set.school_types[t].max_grade; ++g)
                    e.cells.push_back({s, t, g, 1000000, 0});
        for (Level level : {Level::kSchool, Level::kSchoolType}) {
            auto report = computeReport(set, e, *survey, {level, 2, ""});
            if (report) {
                (void)renderJson(*report);
                (void)renderHtml(*report);
                (void)renderPdf(*report);
            }
        }
    }
    return 0;
}

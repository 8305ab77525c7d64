#include "core/util/file_clock.h"

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "core/util/amsterdam_time.h"
#include "core/util/text.h"

namespace sluis {

Result<Timestamp> parseIsoUtc(const std::string& raw) {
    std::string text = util::trim(raw);
    const Error bad{ErrorCode::kInvalidArgument,
                    "tijdstip '" + text + "' is geen UTC-tijd als 2027-03-27T22:59:59Z"};
    if (text.size() < 20 || text.back() != 'Z' || text[10] != 'T') return bad;
    auto date = amsterdam::parseDate(text.substr(0, 10));
    if (!date) return bad;
    int h = 0, m = 0, s = 0, ms = 0;
    char tail[8] = {0};
    std::string clock = text.substr(11);
    if (clock.size() == 9) {
        if (std::sscanf(clock.c_str(), "%2d:%2d:%2d%1s", &h, &m, &s, tail) != 4) return bad;
    } else if (clock.size() == 13) {
        if (std::sscanf(clock.c_str(), "%2d:%2d:%2d.%3d%1s", &h, &m, &s, &ms, tail) != 5)
            return bad;
    } else {
        return bad;
    }
    if (h > 23 || m > 59 || s > 59 || ms < 0 || tail[0] != 'Z') return bad;
    using namespace std::chrono;
    sys_days day = year{date->year} / month{static_cast<unsigned>(date->month)} /
                   std::chrono::day{static_cast<unsigned>(date->day)};
    return Timestamp(time_point_cast<milliseconds>(day) + hours(h) + minutes(m) + seconds(s) +
                     milliseconds(ms));
}

namespace {
Result<Timestamp> readClockFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error{ErrorCode::kIo, "testklok: kan " + path + " niet lezen"};
    std::stringstream ss;
    ss << in.rdbuf();
    auto t = parseIsoUtc(ss.str());
    if (!t) return Error{t.error().code, "testklok " + path + ": " + t.error().message};
    return t;
}
}  // namespace

Result<std::unique_ptr<FileClock>> FileClock::open(const std::string& path) {
    auto t = readClockFile(path);
    if (!t) return t.error();
    return std::unique_ptr<FileClock>(new FileClock(path, *t));
}

Timestamp FileClock::now() const {
    auto t = readClockFile(path_);
    std::lock_guard<std::mutex> lock(mu_);
    if (t) last_ = *t;
    return last_;
}

}  // namespace sluis

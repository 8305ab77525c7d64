#pragma once
#include <string_view>

namespace sluis::model {

/// True when `s` is 9 digits (8 digits are accepted with a leading zero added) and passes the
/// BSN elfproef: 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 is divisible by 11 and not 0. The same test
/// applies to the onderwijsnummer.
bool isValidBsn(std::string_view s);

/// True when `s` is a real calendar date written as YYYY-MM-DD.
bool isValidIsoDate(std::string_view s);

}  // namespace sluis::model

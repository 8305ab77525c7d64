#pragma once
/// The credentials of local accounts: argon2id password hashes (libargon2) and TOTP second
/// factors (RFC 6238, HMAC via OpenSSL). Used by the web's login, the Beheer decisions and
/// `sluis account`; docs/web.md
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluis::auth {

/// argon2id with t=2, m=19 MiB, p=1 (the OWASP minimum), a random 16-byte salt; the encoded
/// string ($argon2id$v=19$m=...,t=...,p=...$salt$hash) carries its own parameters.
Result<std::string> hashPassword(std::string_view password);
/// Whether `password` matches `encoded` (false for anything that is not an argon2id hash).
bool verifyPassword(const std::string& encoded, std::string_view password);

/// RFC 4648 base32 without padding (the form authenticator apps read).
std::string base32Encode(std::string_view bytes);
/// Accepts upper or lower case, ignores spaces and '=' padding; nullopt for other characters.
std::optional<std::string> base32Decode(std::string_view text);

enum class TotpHash { kSha1, kSha256, kSha512 };

/// The HOTP value (RFC 4226) of `counter`, `digits` long, zero-padded.
std::string hotp(std::string_view secret, uint64_t counter, int digits = 6,
                 TotpHash hash = TotpHash::kSha1);
/// The TOTP time step of `unix_seconds` (30-second steps from 0).
inline uint64_t totpStep(long long unix_seconds) {
    return unix_seconds < 0 ? 0 : static_cast<uint64_t>(unix_seconds) / 30;
}
/// The TOTP code at `unix_seconds` (RFC 6238).
std::string totp(std::string_view secret, long long unix_seconds, int digits = 6,
                 TotpHash hash = TotpHash::kSha1);
/// Checks a 6-digit code against the steps now-1, now and now+1 (clock skew), accepting only a
/// step after `last_step` (a code is used once). The accepted step, or nullopt.
std::optional<uint64_t> verifyTotp(std::string_view secret, std::string_view code,
                                   long long unix_seconds, uint64_t last_step);
/// A new random 20-byte secret.
std::string newTotpSecret();
/// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string otpauthUri(const std::string& issuer, const std::string& account,
                       std::string_view secret);

/// Constant-time equality of two strings (length is not secret).
bool constantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sluis::auth

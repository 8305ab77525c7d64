#include "core/auth/credentials.h"

#include <argon2.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>
#include <vector>

#include "core/crypto/payload_cipher.h"
#include "core/util/percent_encode.h"

namespace sluis::auth {

namespace {
constexpr uint32_t kTimeCost = 2;
constexpr uint32_t kMemoryKiB = 19 * 1024;
constexpr uint32_t kParallelism = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;
constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}  // namespace

Result<std::string> hashPassword(std::string_view password) {
    const std::string salt = crypto::randomBytes(kSaltLen);
    const size_t len = argon2_encodedlen(kTimeCost, kMemoryKiB, kParallelism, kSaltLen, kHashLen,
                                         Argon2_id);
    std::string encoded(len, '\0');
    int rc = argon2id_hash_encoded(kTimeCost, kMemoryKiB, kParallelism, password.data(),
                                   password.size(), salt.data(), salt.size(), kHashLen,
                                   encoded.data(), encoded.size());
    if (rc != ARGON2_OK)
        return Error{ErrorCode::kInternal,
                     std::string("wachtwoord kan niet worden versleuteld: ") + argon2_error_message(rc)};
    encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size() : encoded.find('\0'));
    return encoded;
}

bool verifyPassword(const std::string& encoded, std::string_view password) {
    if (!encoded.starts_with("$argon2id$")) return false;
    return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

std::string base32Encode(std::string_view bytes) {
    std::string out;
    uint32_t buffer = 0;
    int bits = 0;
    for (unsigned char c : bytes) {
        buffer = (buffer << 8) | c;
        bits += 8;
        while (bits >= 5) {
            out += kAlphabet[(buffer >> (bits - 5)) & 31];
            bits -= 5;
        }
    }
    if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
    return out;
}

std::optional<std::string> base32Decode(std::string_view text) {
    std::string out;
    uint32_t buffer = 0;
    int bits = 0;
    for (char ch : text) {
        if (ch == ' ' || ch == '=' || ch == '-') continue;
        char c = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        int v;
        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= '2' && c <= '7') {
            v = c - '2' + 26;
        } else {
            return std::nullopt;
        }
        buffer = (buffer << 5) | static_cast<uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

std::string hotp(std::string_view secret, uint64_t counter, int digits, TotpHash hash) {
    std::array<unsigned char, 8> msg{};
    for (int i = 7; i >= 0; --i) {
        msg[static_cast<size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
        counter >>= 8;
    }
    const EVP_MD* md = hash == TotpHash::kSha1     ? EVP_sha1()
                       : hash == TotpHash::kSha256 ? EVP_sha256()
                                                   : EVP_sha512();
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(md, secret.data(), static_cast<int>(secret.size()), msg.data(), msg.size(), mac, &mac_len);
    const unsigned offset = mac[mac_len - 1] & 0x0f;
    const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                            (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                            (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                            static_cast<uint32_t>(mac[offset + 3]);
    uint32_t mod = 1;
    for (int i = 0; i < digits; ++i) mod *= 10;
    std::string code = std::to_string(binary % mod);
    return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::string totp(std::string_view secret, long long unix_seconds, int digits, TotpHash hash) {
    return hotp(secret, totpStep(unix_seconds), digits, hash);
}

std::optional<uint64_t> verifyTotp(std::string_view secret, std::string_view code,
                                   long long unix_seconds, uint64_t last_step) {
    if (code.size() != 6) return std::nullopt;
    for (char c : code)
        if (c < '0' || c > '9') return std::nullopt;
    const uint64_t now = totpStep(unix_seconds);
    for (uint64_t step : {now - 1, now, now + 1}) {
        if (step <= last_step) continue;
        if (constantTimeEquals(hotp(secret, step), code)) return step;
    }
    return std::nullopt;
}

std::string newTotpSecret() { return crypto::randomBytes(20); }

std::string otpauthUri(const std::string& issuer, const std::string& account,
                       std::string_view secret) {
    return "otpauth://totp/" + util::percentEncode(issuer) + ":" + util::percentEncode(account) +
           "?secret=" + base32Encode(secret) + "&issuer=" + util::percentEncode(issuer) +
           "&algorithm=SHA1&digits=6&period=30";
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sluis::auth

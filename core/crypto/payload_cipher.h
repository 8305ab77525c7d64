#pragma once
/// Encryption of payloads at rest: AES-256-GCM (OpenSSL EVP) with envelope keys.
///
/// The master key (32 random bytes) lives in a key file that `sluis` creates with mode 0600 on
/// first start. Each transfer gets its own data key, stored only wrapped (encrypted) with the
/// master key; purging a payload deletes its wrapped data key too (crypto-shredding). Sealed
/// blobs are `version(1) | nonce(12) | ciphertext | tag(16)`; the associated data binds a blob to
/// its transfer id so blobs cannot be swapped between rows.
///
/// Thread-safety: immutable after construction; all methods are safe to call concurrently.
#include <array>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluis::crypto {

using Key = std::array<unsigned char, 32>;

/// Loads the master key. When the file does not exist and `may_create` is true, creates it with
/// 32 random bytes and mode 0600. Refuses a key file readable by group/others, or of wrong size.
Result<Key> loadOrCreateKeyFile(const std::filesystem::path& path, bool may_create);

/// Short fingerprint of a key (first 16 hex chars of SHA-256), safe to store and log.
std::string keyFingerprint(const Key& key);

/// `n` cryptographically random bytes.
std::string randomBytes(size_t n);

/// AES-256-GCM seal/open with explicit key.
Result<std::string> seal(const Key& key, std::string_view plaintext, std::string_view aad);
Result<std::string> open(const Key& key, std::string_view sealed, std::string_view aad);

class PayloadCipher {
public:
    explicit PayloadCipher(Key master) : master_(master) {}

    /// A new data key, wrapped with the master key (for storage).
    Result<std::string> newWrappedDataKey(std::string_view transfer_id) const;
    Result<std::string> encrypt(std::string_view wrapped_key, std::string_view transfer_id,
                                std::string_view plaintext) const;
    Result<std::string> decrypt(std::string_view wrapped_key, std::string_view transfer_id,
                                std::string_view sealed) const;
    std::string fingerprint() const { return keyFingerprint(master_); }
    /// Small register fields (evidence notes, parents' views) sealed directly with the master key.
    Result<std::string> sealField(std::string_view aad, std::string_view plaintext) const {
        return seal(master_, plaintext, aad);
    }
    Result<std::string> openField(std::string_view aad, std::string_view sealed) const {
        return open(master_, sealed, aad);
    }

private:
    Result<Key> unwrap(std::string_view wrapped, std::string_view transfer_id) const;
    Key master_;
};

}  // namespace sluis::crypto

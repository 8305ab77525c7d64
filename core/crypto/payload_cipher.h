#pragma once
/// Encryption of payloads at rest: AES-256-GCM (OpenSSL EVP) with envelope keys.
///
/// The master key (32 random bytes) lives in a key file that `sluis` creates with mode 0600 on
/// first start. Each transfer gets its own data key, stored only wrapped (encrypted) with the
/// master key; purging a payload deletes its wrapped data key too (crypto-shredding). Sealed
/// blobs are `version(1) | nonce(12) | ciphertext | tag(16)`.
///
/// A transfer's blobs (version 2) carry as associated data the transfer id *and* the column they
/// belong in (`canonical`, `payload`, `report:<content type>`), so that someone who can write the
/// database but has no key can neither move a blob to another transfer nor swap a transfer's
/// unminimised `canonical` record into its `payload` column: the swapped blob fails
/// authentication. Version 1 blobs (associated data: the transfer id only) are read only by
/// `decryptLegacy`, which the store uses once to re-seal them (see the store's blob migration).
///
/// The master key is a `KeyRing` (key_ring.h): data keys and register fields are sealed with its
/// current key and tagged with that key's fingerprint, so `sluis key rotate` can re-wrap them
/// under a new master key while the old one still opens what it has not reached yet.
///
/// Thread-safety: immutable after construction; all methods are safe to call concurrently.
#include <array>
#include <memory>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace sluis::crypto {

using Key = std::array<unsigned char, 32>;
class KeyRing;

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
    explicit PayloadCipher(Key master);
    explicit PayloadCipher(std::shared_ptr<const KeyRing> ring) : ring_(std::move(ring)) {}

    /// A new data key, wrapped with the master key (for storage).
    Result<std::string> newWrappedDataKey(std::string_view transfer_id) const;
    /// Seals `plaintext` for column `column` of transfer `transfer_id` (version 2 blob).
    Result<std::string> encrypt(std::string_view wrapped_key, std::string_view transfer_id,
                                std::string_view column, std::string_view plaintext) const;
    /// Opens a version 2 blob; fails when it was sealed for another transfer or another column.
    Result<std::string> decrypt(std::string_view wrapped_key, std::string_view transfer_id,
                                std::string_view column, std::string_view sealed) const;
    /// Opens a version 1 blob (bound to the transfer id only). For the one-time migration.
    Result<std::string> decryptLegacy(std::string_view wrapped_key, std::string_view transfer_id,
                                      std::string_view sealed) const;
    /// The version byte of a sealed blob (0 when it is too short to be one).
    static unsigned blobVersion(std::string_view sealed) {
        return sealed.empty() ? 0u : static_cast<unsigned char>(sealed[0]);
    }
    /// Fingerprint of the current master key.
    std::string fingerprint() const;
    const KeyRing& ring() const { return *ring_; }
    /// Small register fields (evidence notes, parents' views) sealed directly with the master key.
    Result<std::string> sealField(std::string_view aad, std::string_view plaintext) const;
    Result<std::string> openField(std::string_view aad, std::string_view sealed) const;

private:
    Result<Key> unwrap(std::string_view wrapped, std::string_view transfer_id) const;
    std::shared_ptr<const KeyRing> ring_;
};

}  // namespace sluis::crypto

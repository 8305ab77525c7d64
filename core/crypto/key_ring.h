#pragma once
/// The master keys a store can be read with: the current one (everything new is sealed with it)
/// and older ones still needed while a key rotation (`sluis key rotate`) re-wraps what was sealed
/// under them.
///
/// Every blob the ring seals is tagged: `'K' | fingerprint(8 bytes) | sealed blob`, where the
/// fingerprint is the first 8 bytes of the key's SHA-256 (the 16 hex characters of
/// `keyFingerprint`). A tagged blob is opened only with the key it names; an untagged blob
/// (written before key rotation existed) is tried with every key of the ring. Base64 of the 9-byte
/// tag is exactly 12 characters, so the store can count blobs not under the current key in SQL.
///
/// Key material is never logged or put in messages; fingerprints are safe to show.
///
/// Thread-safety: immutable after construction; all methods are safe to call concurrently.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/payload_cipher.h"
#include "core/error.h"

namespace sluis::crypto {

class KeyRing {
public:
    /// `current` seals; `older` (duplicates of `current` are ignored) only open.
    explicit KeyRing(Key current, const std::vector<Key>& older = {});

    /// Fingerprint (16 hex) of the current key.
    const std::string& fingerprint() const { return keys_.front().fingerprint; }
    /// Fingerprints of every key, the current one first.
    std::vector<std::string> fingerprints() const;
    bool has(const std::string& fingerprint) const;
    /// The same keys with `fingerprint` as the current one; kCrypto when the ring lacks it.
    Result<KeyRing> withCurrent(const std::string& fingerprint) const;

    /// This ring (same current key) with the keys of `other` added.
    KeyRing merged(const KeyRing& other) const;

    /// Seals with the current key and tags the blob with its fingerprint.
    Result<std::string> seal(std::string_view plaintext, std::string_view aad) const;
    /// Opens a tagged blob with the key it names, an untagged one with whichever key opens it.
    Result<std::string> open(std::string_view sealed, std::string_view aad) const;

    /// The tag blobs sealed with the current key start with (9 bytes).
    std::string tag() const { return tagFor(keys_.front().fingerprint); }
    /// The fingerprint a blob is tagged with; nullopt for an untagged (legacy) blob.
    static std::optional<std::string> blobFingerprint(std::string_view sealed);
    /// The 9-byte tag for a key fingerprint (16 hex).
    static std::string tagFor(const std::string& fingerprint);

private:
    struct Entry {
        Key key;
        std::string fingerprint;
    };
    std::vector<Entry> keys_;
};

/// The key files of a data dir: `key_file` (created, 0600, when missing and `may_create`) and,
/// when present, `key_file` + ".new" (written by `sluis key rotate`). Each is checked as
/// loadOrCreateKeyFile checks it (mode 0600, 32 bytes).
Result<std::vector<Key>> loadKeyFiles(const std::filesystem::path& key_file, bool may_create);

/// The ring of `keys` whose current key has `fingerprint`; kCrypto naming the files when none has.
Result<KeyRing> ringFor(const std::vector<Key>& keys, const std::string& fingerprint,
                        const std::filesystem::path& key_file);

}  // namespace sluis::crypto

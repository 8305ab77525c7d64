#include "core/crypto/key_ring.h"

#include <sys/stat.h>

#include "core/util/text.h"

namespace sluis::crypto {

namespace {
constexpr char kTagMark = 'K';
constexpr size_t kFingerprintBytes = 8;
constexpr size_t kTagSize = 1 + kFingerprintBytes;

Error cryptoError(const std::string& what) { return Error{ErrorCode::kCrypto, what}; }
}  // namespace

KeyRing::KeyRing(Key current, const std::vector<Key>& older) {
    keys_.push_back({current, keyFingerprint(current)});
    for (const Key& k : older) {
        std::string fp = keyFingerprint(k);
        if (!has(fp)) keys_.push_back({k, fp});
    }
}

std::vector<std::string> KeyRing::fingerprints() const {
    std::vector<std::string> out;
    for (const auto& e : keys_) out.push_back(e.fingerprint);
    return out;
}

bool KeyRing::has(const std::string& fingerprint) const {
    for (const auto& e : keys_)
        if (e.fingerprint == fingerprint) return true;
    return false;
}

Result<KeyRing> KeyRing::withCurrent(const std::string& fingerprint) const {
    for (const auto& e : keys_) {
        if (e.fingerprint != fingerprint) continue;
        std::vector<Key> rest;
        for (const auto& o : keys_) rest.push_back(o.key);
        return KeyRing(e.key, rest);
    }
    return cryptoError("sleutel met vingerafdruk " + fingerprint + " is niet geladen");
}

KeyRing KeyRing::merged(const KeyRing& other) const {
    std::vector<Key> rest;
    for (const auto& e : keys_) rest.push_back(e.key);
    for (const auto& e : other.keys_) rest.push_back(e.key);
    return KeyRing(keys_.front().key, rest);
}

std::string KeyRing::tagFor(const std::string& fingerprint) {
    auto raw = util::fromHex(fingerprint);
    std::string tag(1, kTagMark);
    if (raw) tag += raw->substr(0, kFingerprintBytes);
    return tag;
}

std::optional<std::string> KeyRing::blobFingerprint(std::string_view sealed) {
    if (sealed.size() < kTagSize || sealed[0] != kTagMark) return std::nullopt;
    return util::toHex(sealed.substr(1, kFingerprintBytes));
}

Result<std::string> KeyRing::seal(std::string_view plaintext, std::string_view aad) const {
    auto sealed = crypto::seal(keys_.front().key, plaintext, aad);
    if (!sealed) return sealed.error();
    return tag() + *sealed;
}

Result<std::string> KeyRing::open(std::string_view sealed, std::string_view aad) const {
    if (auto fp = blobFingerprint(sealed)) {
        for (const auto& e : keys_)
            if (e.fingerprint == *fp) return crypto::open(e.key, sealed.substr(kTagSize), aad);
        return cryptoError("gegevens zijn versleuteld met sleutel " + *fp +
                           ", die niet geladen is (sluis.key of sluis.key.new; zie docs/operations.md, "
                           "\"Key rotation\")");
    }
    Result<std::string> first = cryptoError("geen sleutel");
    for (size_t i = 0; i < keys_.size(); ++i) {
        auto out = crypto::open(keys_[i].key, sealed, aad);
        if (out) return out;
        if (i == 0) first = out;
    }
    return first;
}

Result<std::vector<Key>> loadKeyFiles(const std::filesystem::path& key_file, bool may_create) {
    std::vector<Key> keys;
    auto primary = loadOrCreateKeyFile(key_file, may_create);
    if (!primary) {
        // Between the two renames of a finished rotation only the new file may be there; it is
        // enough when it is the one the store names.
        std::error_code ec;
        std::filesystem::path next = key_file.string() + ".new";
        if (may_create || !std::filesystem::exists(next, ec)) return primary.error();
    } else {
        keys.push_back(*primary);
    }
    std::filesystem::path next = key_file.string() + ".new";
    struct stat st {};
    if (::lstat(next.c_str(), &st) == 0) {
        auto k = loadOrCreateKeyFile(next, false);
        if (!k) return k.error();
        keys.push_back(*k);
    }
    return keys;
}

Result<KeyRing> ringFor(const std::vector<Key>& keys, const std::string& fingerprint,
                        const std::filesystem::path& key_file) {
    for (const Key& k : keys)
        if (keyFingerprint(k) == fingerprint) return KeyRing(k, keys);
    std::string found;
    for (const Key& k : keys) found += (found.empty() ? "" : ", ") + keyFingerprint(k);
    return cryptoError("sleutelbestand " + key_file.string() +
                       " hoort niet bij deze database (vingerafdruk " + (found.empty() ? "-" : found) +
                       ", verwacht " + fingerprint +
                       "). Na een sleutelrotatie op een andere server: kopieer sluis.key.new of de "
                       "nieuwe sluis.key naar deze datamap (zie docs/operations.md, \"Key rotation\")");
}

}  // namespace sluis::crypto

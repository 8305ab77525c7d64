#include "core/crypto/payload_cipher.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>

#include "core/crypto/key_ring.h"
#include "core/util/fs.h"

namespace sluis::crypto {

namespace {
constexpr unsigned char kVersion = 1;       // generic seal(): keys, register fields, v1 blobs
constexpr unsigned char kBoundVersion = 2;  // a transfer's column blob, id + column in the AAD
constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;

struct CtxFree {
    void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

Error cryptoError(const std::string& what) { return Error{ErrorCode::kCrypto, what}; }
}  // namespace

std::string randomBytes(size_t n) {
    std::string out(n, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
        throw std::runtime_error("RAND_bytes failed");
    return out;
}

std::string keyFingerprint(const Key& key) {
    return util::sha256Hex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()))
        .substr(0, 16);
}

Result<Key> loadOrCreateKeyFile(const std::filesystem::path& path, bool may_create) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (!may_create)
            return cryptoError("sleutelbestand " + path.string() +
                               " ontbreekt. Zonder deze sleutel zijn de opgeslagen gegevens "
                               "onleesbaar: zet het sleutelbestand terug uit de back-up "
                               "(zie docs/operations.md).");
        Key key{};
        std::string rnd = randomBytes(key.size());
        std::memcpy(key.data(), rnd.data(), key.size());
        std::error_code ec;
        if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
        SLUIS_RETURN_IF_ERROR(util::writeFileAtomic(path, rnd, 0600));
        return key;
    }
    if ((st.st_mode & 077) != 0)
        return cryptoError("sleutelbestand " + path.string() +
                           " is leesbaar voor anderen; zet de rechten op 0600 (chmod 600)");
    auto data = util::readFile(path, 1024);
    if (!data) return data.error();
    if (data->size() != 32)
        return cryptoError("sleutelbestand " + path.string() +
                           " is beschadigd (verwacht 32 bytes, gevonden " +
                           std::to_string(data->size()) + ")");
    Key key{};
    std::memcpy(key.data(), data->data(), key.size());
    return key;
}

namespace {
Result<std::string> sealVersioned(const Key& key, std::string_view plaintext, std::string_view aad,
                                  unsigned char version);
Result<std::string> openVersioned(const Key& key, std::string_view sealed, std::string_view aad,
                                  unsigned char version);

/// Associated data of a version 2 blob. Length-prefixed parts, so that no id/column pair can
/// produce the bytes of another pair.
std::string boundAad(std::string_view transfer_id, std::string_view column) {
    std::string aad = "sluis.blob.v2|";
    aad += std::to_string(transfer_id.size()) + ":" + std::string(transfer_id) + "|";
    aad += std::to_string(column.size()) + ":" + std::string(column);
    return aad;
}
}  // namespace

Result<std::string> seal(const Key& key, std::string_view plaintext, std::string_view aad) {
    return sealVersioned(key, plaintext, aad, kVersion);
}

Result<std::string> open(const Key& key, std::string_view sealed, std::string_view aad) {
    return openVersioned(key, sealed, aad, kVersion);
}

namespace {
Result<std::string> sealVersioned(const Key& key, std::string_view plaintext, std::string_view aad,
                                  unsigned char version) {
    std::string nonce = randomBytes(kNonce);
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return cryptoError("EVP_CIPHER_CTX_new mislukt");
    auto u = [](std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) != 1 ||
        EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), u(nonce)) != 1)
        return cryptoError("versleutelen: initialisatie mislukt");
    int len = 0;
    if (!aad.empty() &&
        EVP_EncryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1)
        return cryptoError("versleutelen mislukt");
    std::string out;
    out.resize(1 + kNonce + plaintext.size() + kTag);
    out[0] = static_cast<char>(version);
    std::memcpy(out.data() + 1, nonce.data(), kNonce);
    auto* ct = reinterpret_cast<unsigned char*>(out.data() + 1 + kNonce);
    if (EVP_EncryptUpdate(ctx.get(), ct, &len, u(plaintext), static_cast<int>(plaintext.size())) != 1)
        return cryptoError("versleutelen mislukt");
    int fin = 0;
    if (EVP_EncryptFinal_ex(ctx.get(), ct + len, &fin) != 1) return cryptoError("versleutelen mislukt");
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag,
                            out.data() + 1 + kNonce + plaintext.size()) != 1)
        return cryptoError("versleutelen mislukt");
    return out;
}

Result<std::string> openVersioned(const Key& key, std::string_view sealed, std::string_view aad,
                                  unsigned char version) {
    if (sealed.size() < 1 + kNonce + kTag || static_cast<unsigned char>(sealed[0]) != version)
        return cryptoError("versleutelde gegevens hebben een onbekend formaat (versie " +
                           std::to_string(sealed.empty() ? 0 : static_cast<unsigned char>(sealed[0])) +
                           ", verwacht " + std::to_string(version) + ")");
    size_t ct_len = sealed.size() - 1 - kNonce - kTag;
    auto u = [](std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); };
    CtxPtr ctx(EVP_CIPHER_CTX_new());
    if (!ctx) return cryptoError("EVP_CIPHER_CTX_new mislukt");
    if (EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), u(sealed.substr(1))) != 1)
        return cryptoError("ontsleutelen: initialisatie mislukt");
    int len = 0;
    if (!aad.empty() &&
        EVP_DecryptUpdate(ctx.get(), nullptr, &len, u(aad), static_cast<int>(aad.size())) != 1)
        return cryptoError("ontsleutelen mislukt");
    std::string out(ct_len, '\0');
    if (EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                          u(sealed.substr(1 + kNonce)), static_cast<int>(ct_len)) != 1)
        return cryptoError("ontsleutelen mislukt");
    std::string tag(sealed.substr(1 + kNonce + ct_len));
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, tag.data()) != 1)
        return cryptoError("ontsleutelen mislukt");
    int fin = 0;
    if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &fin) != 1)
        return cryptoError(
            "ontsleutelen mislukt: verkeerde sleutel of gewijzigde gegevens (authenticatie faalt)");
    return out;
}

}  // namespace

PayloadCipher::PayloadCipher(Key master) : ring_(std::make_shared<const KeyRing>(master)) {}

std::string PayloadCipher::fingerprint() const { return ring_->fingerprint(); }

Result<std::string> PayloadCipher::sealField(std::string_view aad, std::string_view plaintext) const {
    return ring_->seal(plaintext, aad);
}

Result<std::string> PayloadCipher::openField(std::string_view aad, std::string_view sealed) const {
    return ring_->open(sealed, aad);
}

Result<std::string> PayloadCipher::newWrappedDataKey(std::string_view transfer_id) const {
    std::string dek = randomBytes(32);
    return ring_->seal(dek, std::string("dek:") + std::string(transfer_id));
}

Result<Key> PayloadCipher::unwrap(std::string_view wrapped, std::string_view transfer_id) const {
    auto dek = ring_->open(wrapped, std::string("dek:") + std::string(transfer_id));
    if (!dek) return dek.error();
    if (dek->size() != 32) return cryptoError("datasleutel heeft een verkeerde lengte");
    Key k{};
    std::memcpy(k.data(), dek->data(), 32);
    return k;
}

Result<std::string> PayloadCipher::encrypt(std::string_view wrapped_key, std::string_view id,
                                           std::string_view column,
                                           std::string_view plaintext) const {
    auto k = unwrap(wrapped_key, id);
    if (!k) return k.error();
    return sealVersioned(*k, plaintext, boundAad(id, column), kBoundVersion);
}

Result<std::string> PayloadCipher::decrypt(std::string_view wrapped_key, std::string_view id,
                                           std::string_view column, std::string_view sealed) const {
    auto k = unwrap(wrapped_key, id);
    if (!k) return k.error();
    auto out = openVersioned(*k, sealed, boundAad(id, column), kBoundVersion);
    if (!out)
        return cryptoError("kolom " + std::string(column) + " van overdracht " + std::string(id) +
                           " is niet te ontsleutelen: " + out.error().message);
    return out;
}

Result<std::string> PayloadCipher::decryptLegacy(std::string_view wrapped_key, std::string_view id,
                                                 std::string_view sealed) const {
    auto k = unwrap(wrapped_key, id);
    if (!k) return k.error();
    return openVersioned(*k, sealed, id, kVersion);
}

}  // namespace sluis::crypto

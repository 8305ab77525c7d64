#include "core/crypto/signing.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>

#include "core/util/text.h"

namespace sluis::crypto {
namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Result<Pkey> privateKey(const Key& seed) {
    Pkey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
    if (!key) return Error{ErrorCode::kCrypto, "Ed25519-sleutel kon niet worden gemaakt"};
    return key;
}

}  // namespace

std::string hmacSha256Hex(const Key& key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
    return util::toHex(std::string(reinterpret_cast<const char*>(out), len));
}

Result<std::string> ed25519PublicKey(const Key& seed) {
    auto key = privateKey(seed);
    if (!key) return key.error();
    std::string pub(32, '\0');
    size_t len = pub.size();
    if (EVP_PKEY_get_raw_public_key(key->get(), reinterpret_cast<unsigned char*>(pub.data()), &len) != 1 ||
        len != 32)
        return Error{ErrorCode::kCrypto, "publieke Ed25519-sleutel kon niet worden afgeleid"};
    return pub;
}

Result<std::string> ed25519Sign(const Key& seed, std::string_view message) {
    auto key = privateKey(seed);
    if (!key) return key.error();
    MdCtx ctx(EVP_MD_CTX_new());
    std::string sig(64, '\0');
    size_t len = sig.size();
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key->get()) != 1 ||
        EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
        len != 64)
        return Error{ErrorCode::kCrypto, "ondertekenen met Ed25519 mislukt"};
    return sig;
}

bool ed25519Verify(std::string_view public_key, std::string_view message, std::string_view signature) {
    if (public_key.size() != 32 || signature.size() != 64) return false;
    Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                         reinterpret_cast<const unsigned char*>(public_key.data()),
                                         public_key.size()));
    MdCtx ctx(EVP_MD_CTX_new());
    if (!key || !ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
        return false;
    return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                            signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                            message.size()) == 1;
}

}  // namespace sluis::crypto

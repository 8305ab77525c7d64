#include "core/crypto/payload_cipher.h"
#include "core/crypto/key_ring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>

#include "tests/support/test_util.h"

namespace sluis::crypto {
namespace {

TEST(Crypto, SealOpenRoundTripAndTamperDetection) {
    Key key{};
    key[0] = 1;
    auto sealed = seal(key, "geheime inhoud", "tr_1");
    ASSERT_TRUE(sealed);
    EXPECT_EQ(sealed->find("geheime inhoud"), std::string::npos);
    auto opened = open(key, *sealed, "tr_1");
    ASSERT_TRUE(opened);
    EXPECT_EQ(*opened, "geheime inhoud");
    EXPECT_FALSE(open(key, *sealed, "tr_2"));  // bound to its transfer id
    std::string tampered = *sealed;
    tampered[tampered.size() / 2] ^= 1;
    auto bad = open(key, tampered, "tr_1");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().code, ErrorCode::kCrypto);
    Key other{};
    EXPECT_FALSE(open(other, *sealed, "tr_1"));
    EXPECT_FALSE(open(key, "x", "tr_1"));
}

TEST(Crypto, EnvelopeKeys) {
    Key master{};
    master[5] = 9;
    PayloadCipher cipher(master);
    auto wrapped = cipher.newWrappedDataKey("tr_a");
    ASSERT_TRUE(wrapped);
    auto enc = cipher.encrypt(*wrapped, "tr_a", "payload", "inhoud");
    ASSERT_TRUE(enc);
    EXPECT_EQ(PayloadCipher::blobVersion(*enc), 2u);
    auto dec = cipher.decrypt(*wrapped, "tr_a", "payload", *enc);
    ASSERT_TRUE(dec);
    EXPECT_EQ(*dec, "inhoud");
    EXPECT_FALSE(cipher.decrypt(*wrapped, "tr_b", "payload", *enc));
    PayloadCipher other(Key{});
    EXPECT_FALSE(other.decrypt(*wrapped, "tr_a", "payload", *enc));
}

TEST(Crypto, ABlobIsBoundToItsColumn) {
    Key master{};
    master[1] = 7;
    PayloadCipher cipher(master);
    auto wrapped = cipher.newWrappedDataKey("tr_a");
    ASSERT_TRUE(wrapped);
    // The unminimised record, sealed for the canonical column, cannot be read as the payload.
    auto canonical = cipher.encrypt(*wrapped, "tr_a", "canonical", "volledig record");
    ASSERT_TRUE(canonical);
    auto swapped = cipher.decrypt(*wrapped, "tr_a", "payload", *canonical);
    ASSERT_FALSE(swapped);
    EXPECT_EQ(swapped.error().code, ErrorCode::kCrypto);
    EXPECT_NE(swapped.error().message.find("kolom payload van overdracht tr_a"), std::string::npos)
        << swapped.error().message;
    EXPECT_EQ(swapped.error().message.find("volledig"), std::string::npos);
    EXPECT_FALSE(cipher.decrypt(*wrapped, "tr_a", "report:text/html", *canonical));
    EXPECT_TRUE(cipher.decrypt(*wrapped, "tr_a", "canonical", *canonical));
    // A version 1 blob (id-only binding) is not accepted where version 2 is expected, and a
    // version 2 blob is not accepted by the legacy reader.
    EXPECT_FALSE(cipher.decryptLegacy(*wrapped, "tr_a", *canonical));
    Key dek_bytes{};
    auto dek = KeyRing(master).open(*wrapped, "dek:tr_a");
    ASSERT_TRUE(dek);
    std::memcpy(dek_bytes.data(), dek->data(), 32);
    auto legacy = seal(dek_bytes, "oud record", "tr_a");
    ASSERT_TRUE(legacy);
    EXPECT_EQ(PayloadCipher::blobVersion(*legacy), 1u);
    EXPECT_FALSE(cipher.decrypt(*wrapped, "tr_a", "canonical", *legacy));
    auto old = cipher.decryptLegacy(*wrapped, "tr_a", *legacy);
    ASSERT_TRUE(old);
    EXPECT_EQ(*old, "oud record");
}

TEST(KeyFile, CreatedWithOwnerOnlyPermissionsAndReloaded) {
    test::TempDir dir;
    auto path = dir / "keys/sluis.key";
    EXPECT_FALSE(loadOrCreateKeyFile(path, false));
    auto k1 = loadOrCreateKeyFile(path, true);
    ASSERT_TRUE(k1);
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto k2 = loadOrCreateKeyFile(path, false);
    ASSERT_TRUE(k2);
    EXPECT_EQ(*k1, *k2);
    EXPECT_EQ(keyFingerprint(*k1).size(), 16u);
}

TEST(KeyFile, RefusesLooseOrDamagedFiles) {
    test::TempDir dir;
    auto path = dir / "sluis.key";
    test::writeFile(path, std::string(32, 'k'));
    ::chmod(path.c_str(), 0644);
    auto loose = loadOrCreateKeyFile(path, true);
    ASSERT_FALSE(loose);
    EXPECT_NE(loose.error().message.find("0600"), std::string::npos);
    test::writeFile(path, "short");
    ::chmod(path.c_str(), 0600);
    auto shortk = loadOrCreateKeyFile(path, true);
    ASSERT_FALSE(shortk);
    EXPECT_NE(shortk.error().message.find("beschadigd"), std::string::npos);
}

}  // namespace
}  // namespace sluis::crypto

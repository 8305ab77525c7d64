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

TEST(KeyRing, BlobsAreTaggedWithTheirKeyAndOpenedOnlyWithIt) {
    Key a{}, b{};
    a[0] = 1;
    b[0] = 2;
    KeyRing ring_a(a);
    auto sealed = ring_a.seal("geheim", "aad");
    ASSERT_TRUE(sealed);
    ASSERT_GE(sealed->size(), 9u);
    EXPECT_EQ((*sealed)[0], 'K');
    EXPECT_EQ(KeyRing::blobFingerprint(*sealed), keyFingerprint(a));
    EXPECT_EQ(sealed->substr(0, 9), ring_a.tag());
    EXPECT_EQ(ring_a.tag(), KeyRing::tagFor(keyFingerprint(a)));
    // A ring with b current and a older: opens a's blob, seals new ones under b.
    KeyRing both(b, {a});
    EXPECT_EQ(both.fingerprint(), keyFingerprint(b));
    auto opened = both.open(*sealed, "aad");
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(*opened, "geheim");
    EXPECT_FALSE(both.open(*sealed, "other aad"));
    auto under_b = both.seal("nieuw", "aad");
    ASSERT_TRUE(under_b);
    EXPECT_EQ(KeyRing::blobFingerprint(*under_b), keyFingerprint(b));
    // A ring without the named key says which key it needs, never the contents.
    auto missing = ring_a.open(*under_b, "aad");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::kCrypto);
    EXPECT_NE(missing.error().message.find(keyFingerprint(b)), std::string::npos);
    EXPECT_EQ(missing.error().message.find("nieuw"), std::string::npos);
    // withCurrent / merged.
    auto switched = both.withCurrent(keyFingerprint(a));
    ASSERT_TRUE(switched);
    EXPECT_EQ(switched->fingerprint(), keyFingerprint(a));
    EXPECT_TRUE(switched->has(keyFingerprint(b)));
    EXPECT_FALSE(ring_a.withCurrent(keyFingerprint(b)));
    auto merged = ring_a.merged(KeyRing(b));
    EXPECT_EQ(merged.fingerprint(), keyFingerprint(a));
    EXPECT_EQ(merged.fingerprints().size(), 2u);
    EXPECT_TRUE(merged.open(*under_b, "aad"));
}

TEST(KeyRing, UntaggedLegacyBlobsAreTriedWithEveryKey) {
    Key a{}, b{};
    a[3] = 7;
    b[3] = 8;
    auto legacy = seal(a, "oud", "aad");  // as written before key tags existed
    ASSERT_TRUE(legacy);
    EXPECT_FALSE(KeyRing::blobFingerprint(*legacy));
    auto opened = KeyRing(b, {a}).open(*legacy, "aad");
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(*opened, "oud");
    EXPECT_FALSE(KeyRing(b).open(*legacy, "aad"));
    // A PayloadCipher on a ring wraps data keys so that the older key's wrapping still opens.
    PayloadCipher old_cipher(a);
    auto wrapped = old_cipher.newWrappedDataKey("tr_x");
    ASSERT_TRUE(wrapped);
    auto enc = old_cipher.encrypt(*wrapped, "tr_x", "payload", "inhoud");
    ASSERT_TRUE(enc);
    PayloadCipher rotated(std::make_shared<const KeyRing>(b, std::vector<Key>{a}));
    auto dec = rotated.decrypt(*wrapped, "tr_x", "payload", *enc);
    ASSERT_TRUE(dec) << dec.error().message;
    EXPECT_EQ(*dec, "inhoud");
    EXPECT_EQ(rotated.fingerprint(), keyFingerprint(b));
}

TEST(KeyRing, KeyFilesAreLoadedWithTheNewOneBesideThem) {
    test::TempDir dir;
    auto none = loadKeyFiles(dir / "sluis.key", false);
    EXPECT_FALSE(none);
    auto created = loadKeyFiles(dir / "sluis.key", true);
    ASSERT_TRUE(created);
    ASSERT_EQ(created->size(), 1u);
    Key next{};
    next[9] = 4;
    test::writeFile(dir / "sluis.key.new", std::string(reinterpret_cast<const char*>(next.data()), next.size()));
    ::chmod((dir / "sluis.key.new").c_str(), 0644);
    auto loose = loadKeyFiles(dir / "sluis.key", false);
    ASSERT_FALSE(loose) << "a key file readable by others is refused";
    ::chmod((dir / "sluis.key.new").c_str(), 0600);
    auto both = loadKeyFiles(dir / "sluis.key", false);
    ASSERT_TRUE(both) << both.error().message;
    ASSERT_EQ(both->size(), 2u);
    auto ring = ringFor(*both, keyFingerprint(next), dir / "sluis.key");
    ASSERT_TRUE(ring);
    EXPECT_EQ(ring->fingerprint(), keyFingerprint(next));
    auto wrong = ringFor(*both, "0000000000000000", dir / "sluis.key");
    ASSERT_FALSE(wrong);
    EXPECT_NE(wrong.error().message.find("hoort niet bij deze database"), std::string::npos);
}

}  // namespace
}  // namespace sluis::crypto

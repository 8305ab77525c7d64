#pragma once
/// Keyed hashes and signatures for the audit log (see docs/privacy.md, "What the audit log proves").
///
/// - `hmacSha256Hex`: HMAC-SHA-256, the link of the keyed audit chain. Without the audit key
///   nobody can compute a valid record, so rewriting a record (and recomputing every later one)
///   is detected.
/// - Ed25519 (OpenSSL EVP): checkpoints of the chain head are signed, so a copy kept outside the
///   server (by the FG) proves what the log held at that moment. Keys are 32-byte seeds; public
///   keys are 32 raw bytes, shown as hex.
#include <string>
#include <string_view>

#include "core/crypto/payload_cipher.h"
#include "core/error.h"

namespace sluis::crypto {

/// HMAC-SHA-256 of `data` under `key`, lowercase hex.
std::string hmacSha256Hex(const Key& key, std::string_view data);

/// The Ed25519 public key (32 raw bytes) of a 32-byte seed.
Result<std::string> ed25519PublicKey(const Key& seed);
/// Signs `message` (64 raw bytes).
Result<std::string> ed25519Sign(const Key& seed, std::string_view message);
/// Whether `signature` is a valid Ed25519 signature of `message` under `public_key` (32 raw
/// bytes). Malformed keys or signatures are simply not valid.
bool ed25519Verify(std::string_view public_key, std::string_view message, std::string_view signature);

}  // namespace sluis::crypto

#pragma once
/// `sluis key rotate`: replaces the master key without downtime.
///
/// 1. Takes the rotation lock: the file `sluis.key.rotate.lock` beside the key (flock) and, on
///    PostgreSQL, a session-level advisory lock. A second rotation is refused (kConflict).
/// 2. Writes the new key to `sluis.key.new` (0600, random temp name created O_EXCL|O_NOFOLLOW,
///    renamed into place), unless it is there already (an interrupted rotation: it continues).
///    With `prepare` it stops here (copy the file to the other daemons' data dirs first).
/// 3. Makes the new key the store's current key (`meta.key_fingerprint`, one transaction). Every
///    daemon reads that fingerprint at the start of each write transaction and loads
///    `sluis.key.new` from its data dir when it does not hold that key yet: no restart.
/// 4. Re-wraps what is sealed under older keys in batches (each its own transaction), then a
///    final sweep until nothing is left.
/// 5. Swaps the files: the old key is kept as `sluis.key.old-<fingerprint>` (back it up, delete
///    it when no backup of the store from before the rotation is needed any more), the new key
///    becomes `sluis.key`.
///
/// Killed at any point, running it again continues where it stopped.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/store/transfer_store.h"

namespace sluis::store {

struct RotationOptions {
    std::filesystem::path key_file;  ///< sluis.key in the data dir
    size_t batch = 200;              ///< values re-wrapped per transaction
    long long max_batches = 0;       ///< stop after this many batches (0: until done)
    bool prepare = false;            ///< only write sluis.key.new
    std::string actor = "sluis key rotate";
};

struct RotationResult {
    std::string old_fingerprint;  ///< empty when resumed after the store already switched
    std::string new_fingerprint;
    long long rewrapped = 0;
    long long remaining = 0;  ///< still under older keys (0 when complete)
    bool prepared_only = false;
    bool complete = false;  ///< files swapped
    std::filesystem::path old_key_file;  ///< where the old key was kept
};

/// Opens the store (called after sluis.key.new exists, so that the store loads both keys).
using StoreOpener = std::function<Result<std::unique_ptr<TransferStore>>()>;

Result<RotationResult> rotateMasterKey(const RotationOptions& options, const StoreOpener& open, Timestamp now);

}  // namespace sluis::store

// Weights kept packed between products (packcache.cc).
#pragma once
#include <node_api.h>

#include <cstddef>

#include "gemm.h"

namespace fets {

/**
 * B of `p` packed (kb steps per block) and kept under `key`: packed now when missing or stale, then reused. Null
 * when it does not fit the cache. Call with the call mutex held.
 */
const float* packedWeights(int key, const Isa& isa, const Product& p, int kb);
/** Bytes and entries kept. */
size_t packedBytes();
int packedEntries();
/** Adds gemmForget to the exports. */
void registerPackCache(napi_env env, napi_value exports);

}  // namespace fets

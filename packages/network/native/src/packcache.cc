// Weights kept packed: the B operand of a product (a dense layer's weight matrix, used transposed) packed once into
// the GEMM's panel layout and kept under a key the TypeScript side gives per tensor (kernels/native/linear.ts: one key
// per tensor identity, so a variable assigned a new value has a new key). An entry is repacked when its source moved
// (the heap grew), its shape, instruction set or k blocking changed; `gemmForget` drops it when the tensor is gone;
// least recently used entries go when the total passes FETS_PACK_CACHE_MB (default 1024).
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "addon.h"
#include "call.h"
#include "gemm.h"
#include "packcache.h"

namespace fets {

namespace {

struct Entry {
  const float* src = nullptr;
  int n = 0, k = 0, kb = 0;
  bool tb = false;
  const Isa* isa = nullptr;
  float* data = nullptr;
  size_t floats = 0;
  uint64_t used = 0;
};

std::unordered_map<int, Entry> gEntries;
size_t gFloats = 0;
uint64_t gTick = 0;

size_t capFloats() {
  static const size_t cap = [] {
    const char* env = std::getenv("FETS_PACK_CACHE_MB");
    const long mb = env && *env ? std::atol(env) : 1024;
    return (size_t)(mb < 0 ? 0 : mb) * 1024 * 1024 / sizeof(float);
  }();
  return cap;
}

void drop(std::unordered_map<int, Entry>::iterator it) {
  gFloats -= it->second.floats;
  std::free(it->second.data);
  gEntries.erase(it);
}

/** Drops least recently used entries (never `keep`) until `more` floats fit under the cap. */
void makeRoom(size_t more, int keep) {
  while (gFloats + more > capFloats()) {
    auto oldest = gEntries.end();
    for (auto it = gEntries.begin(); it != gEntries.end(); ++it)
      if (it->first != keep && (oldest == gEntries.end() || it->second.used < oldest->second.used)) oldest = it;
    if (oldest == gEntries.end()) return;
    drop(oldest);
  }
}

}  // namespace

const float* packedWeights(int key, const Isa& isa, const Product& p, int kb) {
  const size_t want = gemmPackedSize(isa, p);
  if (want > capFloats()) return nullptr;
  Entry& e = gEntries[key];
  e.used = ++gTick;
  if (e.data && e.src == p.b && e.n == p.n && e.k == p.k && e.tb == p.tb && e.isa == &isa && e.kb == kb) return e.data;
  if (e.floats != want) {
    gFloats -= e.floats;
    std::free(e.data);
    e.data = nullptr;
    e.floats = 0;
    makeRoom(want, key);
    e.data = static_cast<float*>(std::aligned_alloc(64, ((want * sizeof(float) + 63) / 64) * 64));
    if (!e.data) {
      gEntries.erase(key);
      return nullptr;
    }
    e.floats = want;
    gFloats += want;
  }
  gemmPackB(isa, p, kb, e.data);
  e.src = p.b;
  e.n = p.n;
  e.k = p.k;
  e.kb = kb;
  e.tb = p.tb;
  e.isa = &isa;
  return e.data;
}

size_t packedBytes() { return gFloats * sizeof(float); }
int packedEntries() { return (int)gEntries.size(); }

namespace {

// gemmForget({key}): drops the packed weights kept under key (nothing when there are none).
napi_value GemmForget(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "gemmForget", false);
  const int key = c.integer("key", 1);
  if (!c.ok()) return nullptr;
  std::lock_guard<std::mutex> lock(callMutex());
  auto it = gEntries.find(key);
  if (it != gEntries.end()) drop(it);
  return undefinedValue(env);
}

}  // namespace

void registerPackCache(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"gemmForget", nullptr, GemmForget, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

// Node-API entry points of fets' native kernels. Every kernel reads and writes float32 data in place inside one
// typed array (the tfjs wasm heap, HEAPU8), addressed by byte offsets: no copies cross the boundary.
#include <node_api.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "addon.h"
#include "call.h"
#include "gemm.h"
#include "int8/int8addon.h"
#include "packcache.h"
#include "pool.h"
#include "vec/vec.h"

namespace fets {

namespace {

std::unique_ptr<Pool> gPool;
const Isa* gIsa = nullptr;

int defaultThreads() {
  const char* env = std::getenv("FETS_THREADS");
  if (env && *env) {
    int n = std::atoi(env);
    if (n >= 1 && n <= 256) return n;
  }
  return availableCpus();
}

}  // namespace

std::mutex& callMutex() {
  static std::mutex m;
  return m;
}

Pool& pool() {
  if (!gPool) gPool = std::make_unique<Pool>(defaultThreads());
  return *gPool;
}

bool throwIf(napi_env env, napi_status s, const char* what) {
  if (s == napi_ok) return false;
  napi_throw_error(env, nullptr, what);
  return true;
}

bool heapOf(napi_env env, napi_value v, Heap* heap, const char* name) {
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) {
    std::string msg = std::string("fets native ") + name + ": expected the heap as a typed array";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_value buffer;
  size_t offset = 0;
  if (throwIf(env, napi_get_typedarray_info(env, v, &type, &length, &data, &buffer, &offset), "typed array info"))
    return false;
  size_t elem = 1;
  switch (type) {
    case napi_int8_array: case napi_uint8_array: case napi_uint8_clamped_array: elem = 1; break;
    case napi_int16_array: case napi_uint16_array: elem = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: elem = 4; break;
    default: elem = 8; break;
  }
  heap->base = static_cast<uint8_t*>(data);
  heap->bytes = length * elem;
  return true;
}

float* floatsAt(napi_env env, const Heap& heap, double byteOffset, double count, const char* name, const char* what) {
  if (byteOffset < 0 || count < 0 || static_cast<uint64_t>(byteOffset) % 4 != 0 ||
      byteOffset + 4 * count > static_cast<double>(heap.bytes)) {
    std::string msg = std::string("fets native ") + name + ": " + what + " (" + std::to_string((uint64_t)count) +
                      " floats at byte " + std::to_string((uint64_t)byteOffset) + ") is outside the heap of " +
                      std::to_string(heap.bytes) + " bytes";
    napi_throw_range_error(env, nullptr, msg.c_str());
    return nullptr;
  }
  return reinterpret_cast<float*>(heap.base + static_cast<size_t>(byteOffset));
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

const Isa& currentIsa() {
  if (!gIsa) gIsa = selectIsa(nullptr);
  return *gIsa;
}

namespace {

const Isa& isa() { return currentIsa(); }

// gemm(heap, {a, b, c, batch, m, n, k, aStep, bStep, transA, transB, bias?, activation?}): see kernels/native/calls.ts.
napi_value Gemm(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "gemm");
  const int batch = c.integer("batch"), m = c.integer("m"), n = c.integer("n"), k = c.integer("k");
  const bool aStep = c.flag("aStep"), bStep = c.flag("bStep"), ta = c.flag("transA"), tb = c.flag("transB");
  const double aCount = (double)m * k * (aStep ? batch : 1), bCount = (double)k * n * (bStep ? batch : 1);
  float* a = c.floats("a", aCount);
  float* b = c.floats("b", bCount);
  float* out = c.floats("c", (double)batch * m * n);
  const float* bias = c.optionalFloats("bias", n);
  const int activation = c.choice("activation", {"none", "gelu"}, 0);
  const int cacheKey = c.integer("cacheB", 0, INT32_MAX, 0);
  if (!c.ok()) return nullptr;
  Product p{a, b, out, m, n, k, ta ? m : k, tb ? k : n, n, ta, tb};
  p.bias = bias;
  if (bias && activation == 1) p.activation = isa().gelu;
  std::lock_guard<std::mutex> lock(callMutex());
  if (cacheKey > 0 && batch == 1 && m > 0 && n > 0 && k > 0) {
    // B kept packed under the caller's key (a layer's weights at inference): packed on first use, then reused.
    p.packedKb = gemmPackBlockK(pool(), isa(), p);
    p.packedB = packedWeights(cacheKey, isa(), p, p.packedKb);
  }
  gemmBatched(pool(), isa(), p, batch, aStep ? (ptrdiff_t)m * k : 0, bStep ? (ptrdiff_t)k * n : 0, (ptrdiff_t)m * n);
  return undefinedValue(env);
}

napi_value Info(napi_env env, napi_callback_info) {
  napi_value out, s, list, num;
  napi_create_object(env, &out);
  napi_create_string_utf8(env, isa().name, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, out, "isa", s);
  int count = 0;
  const Isa* const* all = isaList(&count);
  napi_create_array_with_length(env, count, &list);
  for (int i = 0; i < count; i++) {
    napi_create_string_utf8(env, all[i]->name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, list, i, s);
  }
  napi_set_named_property(env, out, "isas", list);
  napi_create_int32(env, pool().threads(), &num);
  napi_set_named_property(env, out, "threads", num);
  napi_create_int32(env, availableCpus(), &num);
  napi_set_named_property(env, out, "cpus", num);
  napi_create_int32(env, isa().mr, &num);
  napi_set_named_property(env, out, "mr", num);
  napi_create_int32(env, isa().nr, &num);
  napi_set_named_property(env, out, "nr", num);
  napi_create_double(env, (double)packedBytes(), &num);
  napi_set_named_property(env, out, "packedBytes", num);
  napi_create_int32(env, packedEntries(), &num);
  napi_set_named_property(env, out, "packedEntries", num);
  return out;
}

// setThreads({threads}): resizes the pool.
napi_value SetThreads(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "setThreads", false);
  const int n = c.integer("threads", 1, 256);
  if (!c.ok()) return nullptr;
  std::lock_guard<std::mutex> lock(callMutex());
  pool().resize(n);
  return undefinedValue(env);
}

// setIsa({name}): picks a microkernel variant this CPU runs ("" for the best).
napi_value SetIsa(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "setIsa", false);
  const std::string name = c.string("name", 32);
  if (!c.ok()) return nullptr;
  const Isa* chosen = selectIsa(name.c_str());
  if (!chosen) {
    c.fail("\"" + name + "\" does not run on this CPU");
    return nullptr;
  }
  gIsa = chosen;
  return undefinedValue(env);
}

// peak(seconds, allThreads): the register-resident FMA rate of this variant, GFLOP/s: on the calling thread, or
// with allThreads summed over every pool thread running the loop at once.
struct PeakJob {
  const Isa* isa;
  double seconds;
  double rate[256];
};

double peakOn(const Isa& v, double seconds) {
  auto now = [] { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); };
  long iters = 1 << 16;
  double best = 0;
  const double end = now() + seconds;
  while (now() < end) {
    const double t0 = now();
    const double flops = v.peak(iters);
    const double dt = now() - t0;
    if (dt < 0.01) iters *= 2;
    else best = std::max(best, flops / dt / 1e9);
  }
  return best;
}

// peak({seconds, allThreads})
napi_value Peak(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "peak", false);
  const double seconds = c.number("seconds");
  const bool all = c.flag("allThreads");
  if (!c.ok()) return nullptr;
  double total = 0;
  if (!all) {
    total = peakOn(isa(), seconds);
  } else {
    std::lock_guard<std::mutex> lock(callMutex());
    PeakJob job{&isa(), seconds, {}};
    const int threads = pool().threads();
    pool().run(threads, [](void* ctx, int t, int) {
      auto& j = *static_cast<PeakJob*>(ctx);
      j.rate[t] = peakOn(*j.isa, j.seconds);
    }, &job);
    for (int t = 0; t < threads; t++) total += job.rate[t];
  }
  napi_value out;
  napi_create_double(env, total, &out);
  return out;
}

// tune({kc, mc, kcSerial}): the GEMM's blocking (benchmarks; 0 keeps a value).
napi_value Tune(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "tune", false);
  const int kc = c.integer("kc", 0, 1 << 20, 0), mc = c.integer("mc", 0, 1 << 20, 0);
  const int kcSerial = c.integer("kcSerial", 0, 1 << 20, 0);
  if (!c.ok()) return nullptr;
  gemmTune(kc, mc, kcSerial);
  return undefinedValue(env);
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"gemm", nullptr, Gemm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"info", nullptr, Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setThreads", nullptr, SetThreads, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"tune", nullptr, Tune, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"peak", nullptr, Peak, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setIsa", nullptr, SetIsa, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  registerElementwise(env, exports);
  registerDropout(env, exports);
  registerColumnSum(env, exports);
  registerConv(env, exports);
  registerAttention(env, exports);
  registerAttentionTrain(env, exports);
  registerNorm(env, exports);
  registerPackCache(env, exports);
  registerInt8(env, exports);
  return exports;
}

}  // namespace

}  // namespace fets

NAPI_MODULE(NODE_GYP_MODULE_NAME, fets::Init)

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
#include "gemm.h"
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

bool args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, const char* name) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < want) {
    std::string msg = std::string("fets native ") + name + ": expected " + std::to_string(want) + " arguments";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
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

bool numberArg(napi_env env, napi_value v, double* out, const char* name, int index) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    std::string msg = std::string("fets native ") + name + ": argument " + std::to_string(index) + " must be a number";
    napi_throw_type_error(env, nullptr, msg.c_str());
    return false;
  }
  return true;
}

bool numbers(napi_env env, napi_value* argv, size_t from, size_t count, double* out, const char* name) {
  for (size_t i = 0; i < count; i++)
    if (!numberArg(env, argv[from + i], out + i, name, static_cast<int>(from + i))) return false;
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

namespace {

const Isa& isa() {
  if (!gIsa) gIsa = selectIsa(nullptr);
  return *gIsa;
}

// gemm(heap, aOff, bOff, cOff, batch, m, n, k, aStep, bStep, transA, transB[, biasOff[, activation]])
// activation (with a bias): 0 none, 1 GELU (value only).
napi_value Gemm(napi_env env, napi_callback_info info) {
  napi_value argv[14];
  size_t argc = 14;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 12) {
    napi_throw_type_error(env, nullptr, "fets native gemm: expected 12 or 13 arguments");
    return nullptr;
  }
  Heap heap;
  if (!heapOf(env, argv[0], &heap, "gemm")) return nullptr;
  double v[9];
  if (!numbers(env, argv, 1, 9, v, "gemm")) return nullptr;
  bool ta = false, tb = false;
  napi_get_value_bool(env, argv[10], &ta);
  napi_get_value_bool(env, argv[11], &tb);
  const int batch = (int)v[3], m = (int)v[4], n = (int)v[5], k = (int)v[6];
  const bool aStep = v[7] != 0, bStep = v[8] != 0;
  if (batch < 0 || m < 0 || n < 0 || k < 0) {
    napi_throw_range_error(env, nullptr, "fets native gemm: sizes must be non-negative");
    return nullptr;
  }
  const double aCount = (double)m * k * (aStep ? batch : 1), bCount = (double)k * n * (bStep ? batch : 1);
  const double cCount = (double)batch * m * n;
  float* a = floatsAt(env, heap, v[0], aCount, "gemm", "A");
  if (!a && aCount > 0) return nullptr;
  float* b = floatsAt(env, heap, v[1], bCount, "gemm", "B");
  if (!b && bCount > 0) return nullptr;
  float* c = floatsAt(env, heap, v[2], cCount, "gemm", "C");
  if (!c && cCount > 0) return nullptr;
  Product p{a, b, c, m, n, k, ta ? m : k, tb ? k : n, n, ta, tb};
  if (argc >= 13) {
    double biasOff = -1;
    napi_get_value_double(env, argv[12], &biasOff);
    if (biasOff >= 0) {
      p.bias = floatsAt(env, heap, biasOff, n, "gemm", "bias");
      if (!p.bias) return nullptr;
    }
  }
  if (argc >= 14 && p.bias) {
    double act = 0;
    napi_get_value_double(env, argv[13], &act);
    if (act == 1) p.activation = vec().geluInPlace;
  }
  std::lock_guard<std::mutex> lock(callMutex());
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
  return out;
}

// setThreads(n): resizes the pool (n ≥ 1).
napi_value SetThreads(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv, "setThreads")) return nullptr;
  double n;
  if (!numberArg(env, argv[0], &n, "setThreads", 0)) return nullptr;
  if (n < 1 || n > 256 || n != (int)n) {
    napi_throw_range_error(env, nullptr, "fets native setThreads: expected an integer from 1 to 256");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(callMutex());
  pool().resize((int)n);
  return undefinedValue(env);
}

// setIsa(name): picks a microkernel variant this CPU runs ("" for the best).
napi_value SetIsa(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!args(env, info, 1, argv, "setIsa")) return nullptr;
  char name[32] = {0};
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof(name), &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "fets native setIsa: expected a string");
    return nullptr;
  }
  const Isa* chosen = selectIsa(name);
  if (!chosen) {
    std::string msg = std::string("fets native setIsa: \"") + name + "\" does not run on this CPU";
    napi_throw_range_error(env, nullptr, msg.c_str());
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

napi_value Peak(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args(env, info, 2, argv, "peak")) return nullptr;
  double seconds;
  if (!numbers(env, argv, 0, 1, &seconds, "peak")) return nullptr;
  bool all = false;
  napi_get_value_bool(env, argv[1], &all);
  double total = 0;
  if (!all) {
    total = peakOn(isa(), seconds);
  } else {
    std::lock_guard<std::mutex> lock(callMutex());
    PeakJob job{&isa(), seconds, {}};
    const int threads = pool().threads();
    pool().run(threads, [](void* c, int t, int) {
      auto& j = *static_cast<PeakJob*>(c);
      j.rate[t] = peakOn(*j.isa, j.seconds);
    }, &job);
    for (int t = 0; t < threads; t++) total += job.rate[t];
  }
  napi_value out;
  napi_create_double(env, total, &out);
  return out;
}

// tune(kc, mc, kcSerial): the GEMM's blocking (benchmarks; 0 keeps a value).
napi_value Tune(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!args(env, info, 3, argv, "tune")) return nullptr;
  double v[3];
  if (!numbers(env, argv, 0, 3, v, "tune")) return nullptr;
  gemmTune((int)v[0], (int)v[1], (int)v[2]);
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
  registerConv(env, exports);
  return exports;
}

}  // namespace

}  // namespace fets

NAPI_MODULE(NODE_GYP_MODULE_NAME, fets::Init)

// Element-wise kernels of fets' native addon: the fused kernels of the wasm path (dropout mask, GELU with its
// derivative, the AdamW update) and plain binary arithmetic, in the CPU's full vector width (vec/) and on the pool's
// threads, in place on the wasm heap.
#include <algorithm>
#include <cstdint>

#include "addon.h"
#include "parallel.h"
#include "vec/vec.h"

namespace fets {

namespace {

/**
 * tf.dropout's multiplier from Baagøe's Alea generator, continued from a seeded state: u = the next draw rounded to
 * float32, out = (float32(u + keep) >= 1) ? scale : 0. The same double arithmetic as seedrandom's alea (no fused
 * multiply-add: compiled with -ffp-contract=off), so the mask equals the JavaScript one bit for bit. Serial by nature
 * (each draw depends on the three before it).
 */
void dropoutMask(float* out, size_t n, double s0, double s1, double s2, double c, float keep, float scale) {
  // Alea's step is t = 2091639·s0 + c·2⁻³², c' = trunc(t), s2' = t − c'. The carry c' depends on the previous carry
  // only through c·2⁻³² < 4.9e-4, so trunc(2091639·s0) is c' unless the product's fraction is within 0.001 of the
  // next integer (then c' is taken from t itself). This breaks the carry's dependency chain (a convert, a multiply
  // and an add per element) without changing a bit of the sequence.
  for (size_t i = 0; i < n; i++) {
    const double prod = 2091639.0 * s0;
    const double t = prod + c * 2.3283064365386963e-10;
    double next = static_cast<double>(static_cast<int32_t>(prod));
    if (prod - next >= 0.999) next = static_cast<double>(static_cast<int32_t>(t));
    s0 = s1;
    s1 = s2;
    c = next;
    s2 = t - next;
    const float u = static_cast<float>(s2);
    out[i] = (u + keep) >= 1.0f ? scale : 0.0f;
  }
}

// dropoutMask(heap, outOff, n, s0, s1, s2, c, keep, scale)
napi_value DropoutMask(napi_env env, napi_callback_info info) {
  napi_value argv[9];
  if (!args(env, info, 9, argv, "dropoutMask")) return nullptr;
  Heap heap;
  if (!heapOf(env, argv[0], &heap, "dropoutMask")) return nullptr;
  double a[8];
  if (!numbers(env, argv, 1, 8, a, "dropoutMask")) return nullptr;
  float* out = floatsAt(env, heap, a[0], a[1], "dropoutMask", "out");
  if (!out) return nullptr;
  std::lock_guard<std::mutex> lock(callMutex());
  dropoutMask(out, static_cast<size_t>(a[1]), a[2], a[3], a[4], a[5], static_cast<float>(a[6]), static_cast<float>(a[7]));
  return undefinedValue(env);
}

// gelu(heap, xOff, yOff, dOff, n)
napi_value Gelu(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!args(env, info, 5, argv, "gelu")) return nullptr;
  Heap heap;
  if (!heapOf(env, argv[0], &heap, "gelu")) return nullptr;
  double a[4];
  if (!numbers(env, argv, 1, 4, a, "gelu")) return nullptr;
  const float* x = floatsAt(env, heap, a[0], a[3], "gelu", "x");
  if (!x) return nullptr;
  float* y = floatsAt(env, heap, a[1], a[3], "gelu", "y");
  if (!y) return nullptr;
  float* d = floatsAt(env, heap, a[2], a[3], "gelu", "d");
  if (!d) return nullptr;
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().gelu;
  parallelFor(static_cast<size_t>(a[3]), 16384, [&](size_t from, size_t to) { f(x + from, y + from, d + from, to - from); });
  return undefinedValue(env);
}

// adamw(heap, p, m, v, g, pOut, mOut, vOut, n, β1, 1−β1, β2, 1−β2, bc1, bc2, ε, lr, decay)
napi_value AdamW(napi_env env, napi_callback_info info) {
  napi_value argv[18];
  if (!args(env, info, 18, argv, "adamw")) return nullptr;
  Heap heap;
  if (!heapOf(env, argv[0], &heap, "adamw")) return nullptr;
  double a[17];
  if (!numbers(env, argv, 1, 17, a, "adamw")) return nullptr;
  const double n = a[7];
  float* ptrs[7];
  static const char* names[7] = {"p", "m", "v", "g", "pOut", "mOut", "vOut"};
  for (int i = 0; i < 7; i++) {
    ptrs[i] = floatsAt(env, heap, a[i], n, "adamw", names[i]);
    if (!ptrs[i]) return nullptr;
  }
  const AdamWScalars s{(float)a[8], (float)a[9], (float)a[10], (float)a[11], (float)a[12], (float)a[13], (float)a[14], (float)a[15], (float)a[16]};
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().adamw;
  parallelFor(static_cast<size_t>(n), 32768, [&](size_t b, size_t e) {
    f(ptrs[0] + b, ptrs[1] + b, ptrs[2] + b, ptrs[3] + b, ptrs[4] + b, ptrs[5] + b, ptrs[6] + b, e - b, s);
  });
  return undefinedValue(env);
}

// binary(heap, aOff, bOff, outOff, n, op): op 0 add, 1 multiply, 2 subtract; same-shape float32 operands.
napi_value Binary(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!args(env, info, 6, argv, "binary")) return nullptr;
  Heap heap;
  if (!heapOf(env, argv[0], &heap, "binary")) return nullptr;
  double a[5];
  if (!numbers(env, argv, 1, 5, a, "binary")) return nullptr;
  const float* x = floatsAt(env, heap, a[0], a[3], "binary", "a");
  if (!x) return nullptr;
  const float* y = floatsAt(env, heap, a[1], a[3], "binary", "b");
  if (!y) return nullptr;
  float* out = floatsAt(env, heap, a[2], a[3], "binary", "out");
  if (!out) return nullptr;
  const int op = static_cast<int>(a[4]);
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().binary;
  parallelFor(static_cast<size_t>(a[3]), 65536, [&](size_t b, size_t e) { f(x + b, y + b, out + b, e - b, op); });
  return undefinedValue(env);
}

// binaryRows(heap, aOff, bOff, outOff, rows, cols, op): out[r, c] = a[r, c] op b[c].
napi_value BinaryRows(napi_env env, napi_callback_info info) {
  napi_value argv[7];
  if (!args(env, info, 7, argv, "binaryRows")) return nullptr;
  Heap heap;
  if (!heapOf(env, argv[0], &heap, "binaryRows")) return nullptr;
  double a[6];
  if (!numbers(env, argv, 1, 6, a, "binaryRows")) return nullptr;
  const size_t rows = static_cast<size_t>(a[3]), cols = static_cast<size_t>(a[4]);
  const float* x = floatsAt(env, heap, a[0], a[3] * a[4], "binaryRows", "a");
  if (!x) return nullptr;
  const float* y = floatsAt(env, heap, a[1], a[4], "binaryRows", "b");
  if (!y) return nullptr;
  float* out = floatsAt(env, heap, a[2], a[3] * a[4], "binaryRows", "out");
  if (!out) return nullptr;
  const int op = static_cast<int>(a[5]);
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().binaryRows;
  parallelFor(rows, std::max<size_t>(1, 65536 / std::max<size_t>(cols, 1)), [&](size_t b, size_t e) {
    f(x + b * cols, y, out + b * cols, e - b, cols, op);
  });
  return undefinedValue(env);
}

napi_value VecName(napi_env env, napi_callback_info) {
  napi_value s;
  napi_create_string_utf8(env, vec().name, NAPI_AUTO_LENGTH, &s);
  return s;
}

}  // namespace

void registerElementwise(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"dropoutMask", nullptr, DropoutMask, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"gelu", nullptr, Gelu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binaryRows", nullptr, BinaryRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"vecIsa", nullptr, VecName, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

// Element-wise kernels of fets' native addon: the fused kernels of the wasm path (GELU with its derivative, the
// AdamW update) and plain binary arithmetic, in the CPU's full vector width (vec/) and on the pool's
// threads, in place on the wasm heap.
#include <algorithm>
#include <cstdint>

#include "addon.h"
#include "call.h"
#include "parallel.h"
#include "vec/vec.h"

namespace fets {

namespace {

// The element-wise entry points: arguments by name (kernels/native/calls.ts).

// gelu(heap, {x, y, d, n})
napi_value Gelu(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "gelu");
  const double n = c.number("n");
  const float* x = c.floats("x", n);
  float* y = c.floats("y", n);
  float* d = c.floats("d", n);
  if (!c.ok()) return nullptr;
  if (n == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().gelu;
  parallelFor(static_cast<size_t>(n), 16384, [&](size_t from, size_t to) { f(x + from, y + from, d + from, to - from); });
  return undefinedValue(env);
}

// adamw(heap, {p, m, v, g, pOut, mOut, vOut, n, b1, c1, b2, c2, bc1, bc2, eps, lr, decay})
napi_value AdamW(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "adamw");
  const double n = c.number("n");
  static const char* names[7] = {"p", "m", "v", "g", "pOut", "mOut", "vOut"};
  float* ptrs[7];
  for (int i = 0; i < 7; i++) ptrs[i] = c.floats(names[i], n);
  AdamWScalars s;
  s.b1 = (float)c.number("b1");
  s.c1 = (float)c.number("c1");
  s.b2 = (float)c.number("b2");
  s.c2 = (float)c.number("c2");
  s.bc1 = (float)c.number("bc1");
  s.bc2 = (float)c.number("bc2");
  s.eps = (float)c.number("eps");
  s.lr = (float)c.number("lr");
  s.decay = (float)c.number("decay");
  if (!c.ok()) return nullptr;
  if (n == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().adamw;
  parallelFor(static_cast<size_t>(n), 32768, [&](size_t b, size_t e) {
    f(ptrs[0] + b, ptrs[1] + b, ptrs[2] + b, ptrs[3] + b, ptrs[4] + b, ptrs[5] + b, ptrs[6] + b, e - b, s);
  });
  return undefinedValue(env);
}

/** The `op` argument of binary and binaryRows: 0 add, 1 multiply, 2 subtract. */
int binaryOp(CallArgs& c) { return c.choice("op", {"add", "multiply", "subtract"}, -1); }

// binary(heap, {a, b, out, n, op}): same-shape float32 operands.
napi_value Binary(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "binary");
  const double n = c.number("n");
  const float* x = c.floats("a", n);
  const float* y = c.floats("b", n);
  float* out = c.floats("out", n);
  const int op = binaryOp(c);
  if (c.ok() && op < 0) c.fail("op is required (add, multiply or subtract)");
  if (!c.ok()) return nullptr;
  if (n == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().binary;
  parallelFor(static_cast<size_t>(n), 65536, [&](size_t b, size_t e) { f(x + b, y + b, out + b, e - b, op); });
  return undefinedValue(env);
}

// binaryRows(heap, {a, b, out, rows, cols, op}): out[r, c] = a[r, c] op b[c].
napi_value BinaryRows(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "binaryRows");
  const int rowsIn = c.integer("rows"), colsIn = c.integer("cols");
  const size_t rows = static_cast<size_t>(rowsIn), cols = static_cast<size_t>(colsIn);
  const float* x = c.floats("a", (double)rows * cols);
  const float* y = c.floats("b", (double)cols);
  float* out = c.floats("out", (double)rows * cols);
  const int op = binaryOp(c);
  if (c.ok() && op < 0) c.fail("op is required (add, multiply or subtract)");
  if (!c.ok()) return nullptr;
  if (rows * cols == 0) return undefinedValue(env);
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
      {"gelu", nullptr, Gelu, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"adamw", nullptr, AdamW, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binary", nullptr, Binary, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"binaryRows", nullptr, BinaryRows, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"vecIsa", nullptr, VecName, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

// Node-API entry points of the int8 dense layers (int8gemm.h). Quantized weights live here, outside the wasm heap,
// under integer handles: `int8Pack` copies a layer's int8 weights and scales once and packs them for the kernel in use;
// `int8Linear` quantizes the activations per row and runs the product on the pool; `int8Forget` frees them (the
// TypeScript side calls it when the weights' owner is disposed or collected). See kernels/native/calls.ts.
#include "int8addon.h"

#include <string>
#include <unordered_map>

#include "../addon.h"
#include "../call.h"
#include "../vec/vec.h"
#include "int8gemm.h"

namespace fets {

namespace {

std::unordered_map<int, Int8Weights*> gWeights;
int gNextHandle = 1;
const Int8Isa* gIsa = nullptr;

const Int8Isa& int8Isa() {
  if (!gIsa) gIsa = int8SelectIsa(nullptr);
  return *gIsa;
}

/** The weights under `handle` packed for the current kernel, or null with the call failed. */
Int8Weights* weightsOf(CallArgs& c, int handle) {
  auto it = gWeights.find(handle);
  if (it == gWeights.end()) {
    c.fail("handle " + std::to_string(handle) + " names no int8 weights (never packed, or forgotten)");
    return nullptr;
  }
  if (!int8WeightsPack(it->second, int8Isa())) {
    c.fail("out of memory packing the int8 weights");
    return nullptr;
  }
  return it->second;
}

// int8Pack(heap, {q, scales, n, k}) → handle: q n·k int8 bytes row-major [n, k] in [−127, 127], scales n floats.
napi_value Int8Pack(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "int8Pack");
  // k ≤ 65,536 keeps every int32 accumulator exact (|A·B| ≤ 255·127 per step).
  const int n = c.integer("n", 1), k = c.integer("k", 1, 65536);
  const uint8_t* q = c.bytes("q", (double)n * k);
  const float* scales = c.floats("scales", n);
  if (!c.ok()) return nullptr;
  const int8_t* qs = reinterpret_cast<const int8_t*>(q);
  for (size_t e = 0; e < (size_t)n * k; e++)
    if (qs[e] == -128) {
      c.fail("q[" + std::to_string(e) + "] is −128 (symmetric weights are in [−127, 127])");
      return nullptr;
    }
  std::lock_guard<std::mutex> lock(callMutex());
  Int8Weights* w = int8WeightsNew(qs, scales, n, k);
  if (!w || !int8WeightsPack(w, int8Isa())) {
    int8WeightsFree(w);
    c.fail("out of memory for " + std::to_string(n) + " × " + std::to_string(k) + " int8 weights");
    return nullptr;
  }
  const int handle = gNextHandle++;
  gWeights[handle] = w;
  napi_value out;
  napi_create_int32(env, handle, &out);
  return out;
}

// int8Forget({handle}): frees the weights (nothing when already gone).
napi_value Int8Forget(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "int8Forget", false);
  const int handle = c.integer("handle", 1);
  if (!c.ok()) return nullptr;
  std::lock_guard<std::mutex> lock(callMutex());
  auto it = gWeights.find(handle);
  if (it != gWeights.end()) {
    int8WeightsFree(it->second);
    gWeights.erase(it);
  }
  return undefinedValue(env);
}

/** Reads m, n, k and the handle, checks n and k against the weights. */
Int8Weights* shapeOf(CallArgs& c, int* m, int* n, int* k) {
  *m = c.integer("m");
  *n = c.integer("n", 1);
  *k = c.integer("k", 1);
  const int handle = c.integer("handle", 1);
  if (!c.ok()) return nullptr;
  Int8Weights* w = weightsOf(c, handle);
  if (!w) return nullptr;
  if (w->n != *n || w->k != *k) {
    c.fail("handle " + std::to_string(handle) + " holds [" + std::to_string(w->n) + ", " + std::to_string(w->k) +
           "] weights, the call gives n " + std::to_string(*n) + ", k " + std::to_string(*k));
    return nullptr;
  }
  return w;
}

// int8Linear(heap, {x, y, bias?, m, n, k, handle, activation?}): y[m, n] = act(dequant(quant(x)·Wᵀ) + bias).
napi_value Int8Linear(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "int8Linear");
  std::lock_guard<std::mutex> lock(callMutex());
  int m, n, k;
  Int8Weights* w = shapeOf(c, &m, &n, &k);
  const float* x = c.floats("x", (double)m * k);
  float* y = c.floats("y", (double)m * n);
  const float* bias = c.optionalFloats("bias", n);
  const int activation = c.choice("activation", {"none", "gelu"}, 0);
  if (!c.ok()) return nullptr;
  Int8Product p;
  p.m = m;
  p.x = x;
  p.w = w;
  p.y = y;
  p.bias = bias;
  if (activation == 1) p.activation = vec().geluInPlace;
  if (!int8Gemm(pool(), int8Isa(), p)) {
    c.fail("out of memory for the quantized activations");
    return nullptr;
  }
  return undefinedValue(env);
}

// int8GemmRaw(heap, {a, c, m, n, k, handle}): c[m, n] int32 = Σ_k a[m, k]·q[n, k] with a raw u8 (tests: the kernels'
// integer products through the same packing, tiling and threads).
napi_value Int8GemmRaw(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "int8GemmRaw");
  std::lock_guard<std::mutex> lock(callMutex());
  int m, n, k;
  Int8Weights* w = shapeOf(c, &m, &n, &k);
  const uint8_t* a = c.bytes("a", (double)m * k);
  int32_t* out = reinterpret_cast<int32_t*>(c.bytes("c", 4.0 * m * n, 4));
  if (!c.ok()) return nullptr;
  const int amax = 2 * int8Isa().qmax + 1;
  for (size_t e = 0; e < (size_t)m * k; e++)
    if (a[e] > amax) {
      c.fail("a[" + std::to_string(e) + "] is " + std::to_string(a[e]) + ", above " + std::to_string(amax) +
             " (the largest activation kernel " + int8Isa().name + " takes)");
      return nullptr;
    }
  Int8Product p;
  p.m = m;
  p.a = a;
  p.w = w;
  p.c = out;
  if (!int8Gemm(pool(), int8Isa(), p)) {
    c.fail("out of memory for the packed activations");
    return nullptr;
  }
  return undefinedValue(env);
}

napi_value setString(napi_env env, napi_value obj, const char* key, const char* value) {
  napi_value s;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &s);
  napi_set_named_property(env, obj, key, s);
  return obj;
}

void setNumber(napi_env env, napi_value obj, const char* key, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  napi_set_named_property(env, obj, key, v);
}

// int8Info() → {kernel, kernels, qmax, mr, nr, kg, weights, packedBytes}.
napi_value Int8Info(napi_env env, napi_callback_info) {
  std::lock_guard<std::mutex> lock(callMutex());
  const Int8Isa& isa = int8Isa();
  napi_value out, list;
  napi_create_object(env, &out);
  setString(env, out, "kernel", isa.name);
  int count = 0;
  const Int8Isa* const* all = int8IsaList(&count);
  napi_create_array_with_length(env, count, &list);
  for (int i = 0; i < count; i++) {
    napi_value s;
    napi_create_string_utf8(env, all[i]->name, NAPI_AUTO_LENGTH, &s);
    napi_set_element(env, list, i, s);
  }
  napi_set_named_property(env, out, "kernels", list);
  setNumber(env, out, "qmax", isa.qmax);
  setNumber(env, out, "mr", isa.mr);
  setNumber(env, out, "nr", isa.nr);
  setNumber(env, out, "kg", isa.kg);
  double bytes = 0;
  for (const auto& e : gWeights) bytes += (double)e.second->packedBytes + (double)e.second->n * e.second->k;
  setNumber(env, out, "weights", (double)gWeights.size());
  setNumber(env, out, "bytes", bytes);
  return out;
}

// int8SetKernel({name}): picks an int8 kernel this CPU runs ("" for the best); weights are repacked on next use.
napi_value Int8SetKernel(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "int8SetKernel", false);
  const std::string name = c.string("name", 32);
  if (!c.ok()) return nullptr;
  const Int8Isa* chosen = int8SelectIsa(name.c_str());
  if (!chosen) {
    c.fail("\"" + name + "\" does not run on this CPU");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(callMutex());
  gIsa = chosen;
  return undefinedValue(env);
}

}  // namespace

void registerInt8(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"int8Pack", nullptr, Int8Pack, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"int8Forget", nullptr, Int8Forget, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"int8Linear", nullptr, Int8Linear, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"int8GemmRaw", nullptr, Int8GemmRaw, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"int8Info", nullptr, Int8Info, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"int8SetKernel", nullptr, Int8SetKernel, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

// Shared helpers of the Node-API entry points.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "pool.h"

namespace fets {

/** A typed array's bytes (the wasm heap). */
struct Heap {
  uint8_t* base = nullptr;
  size_t bytes = 0;
};

/** The process-wide thread pool (FETS_THREADS or every CPU the process may use). */
Pool& pool();
/**
 * Held by every kernel entry point: the pool and the per-thread scratch are process-wide, and Node worker threads
 * share one loaded addon, so calls from two JavaScript threads run one after the other.
 */
std::mutex& callMutex();
bool args(napi_env env, napi_callback_info info, size_t want, napi_value* argv, const char* name);
bool heapOf(napi_env env, napi_value v, Heap* heap, const char* name);
bool numbers(napi_env env, napi_value* argv, size_t from, size_t count, double* out, const char* name);
/** `count` floats at `byteOffset` of the heap, or null with a RangeError thrown. */
float* floatsAt(napi_env env, const Heap& heap, double byteOffset, double count, const char* name, const char* what);
napi_value undefinedValue(napi_env env);
/** Adds the element-wise kernels (elementwise.cc) to the exports. */
void registerElementwise(napi_env env, napi_value exports);
/** Adds the convolution data movement (conv.cc: im2col, col2im, the max-pool gradient) to the exports. */
void registerConv(napi_env env, napi_value exports);

}  // namespace fets

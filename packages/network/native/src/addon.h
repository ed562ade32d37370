// Shared helpers of the Node-API entry points.
#pragma once
#include <node_api.h>

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "pool.h"

namespace fets {

struct Isa;

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
bool heapOf(napi_env env, napi_value v, Heap* heap, const char* name);
/** `count` floats at `byteOffset` of the heap, or null with a RangeError thrown. */
float* floatsAt(napi_env env, const Heap& heap, double byteOffset, double count, const char* name, const char* what);
napi_value undefinedValue(napi_env env);
/** The GEMM microkernel variant in use (setIsa, else the best for this CPU). */
const Isa& currentIsa();
/** Adds the fused attention (attention.cc) to the exports. */
void registerAttention(napi_env env, napi_value exports);
/** Adds the fused attention for training and its gradient (attention_train.cc) to the exports. */
void registerAttentionTrain(napi_env env, napi_value exports);
/** Adds LayerNorm with the residual add and its gradient (norm.cc) to the exports. */
void registerNorm(napi_env env, napi_value exports);
/** Adds the dropout mask (dropout.cc: Alea's stream in parallel pieces) to the exports. */
void registerDropout(napi_env env, napi_value exports);
/** Adds the column sums (colsum.cc: bias gradients) to the exports. */
void registerColumnSum(napi_env env, napi_value exports);
/** Adds the element-wise kernels (elementwise.cc) to the exports. */
void registerElementwise(napi_env env, napi_value exports);
/** Adds the convolution data movement (conv.cc: im2col, col2im, the max-pool gradient) to the exports. */
void registerConv(napi_env env, napi_value exports);

}  // namespace fets

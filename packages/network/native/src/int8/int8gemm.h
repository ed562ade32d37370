// Int8 dense layers for inference: y[m, n] = act(Σ_k x[m, k]·w[n, k] + b[n]) with w quantized per output channel
// (symmetric int8, scale sw[n]) once, x quantized per row (token) at run time (dynamic scale sx[m]), products
// accumulated in int32 and dequantized in the epilogue. No Node-API here: the addon (int8addon.cc) and the standalone
// check (native/test/int8_check.cc) both drive it.
//
// The integer contract of every kernel: C[m, n] = Σ_k A[m, k]·B[k, n] exactly, A unsigned 8-bit, B signed 8-bit
// in [−127, 127]. Activations are stored as A = q + zp (q = round(x / sx) in [−qmax, qmax], zp = qmax + 1), so the
// dequantized product is sx·sw·(C − zp·Σ_k B[k, n]).
#pragma once
#include <cstddef>
#include <cstdint>

#include "../pool.h"

namespace fets {

/**
 * One int8 microkernel: C[MR, NR] = Σ_g A_g·B_g over kGroups groups of kg k-steps, A packed per row tile
 * ([g][MR][kg] elements), B per column panel ([g][NR][kg]), elements u8/s8 or (elemBytes 2) both widened to int16;
 * C row-major int32 [MR, NR].
 */
using Int8Kernel = void (*)(int kGroups, const void* a, const void* b, int32_t* c);

/** One int8 kernel variant and the operand layout it reads. */
struct Int8Isa {
  const char* name;
  int mr, nr;
  /** k steps per group (the product's inner width: 4 for vpmaddubsw, 2 for vpmaddwd). */
  int kg;
  /** Bytes per packed element: 1 (u8 activations, s8 weights) or 2 (both widened to int16). */
  int elemBytes;
  /** Largest |q| of the quantized activations: 127 (8 bits), or 63 where the kernel's int16 pair sums need 7. */
  int qmax;
  Int8Kernel kernel;
};

/** The variants this CPU runs, best first (the portable one last). */
const Int8Isa* const* int8IsaList(int* count);
/** The best variant for this CPU, or the named one when it runs here (null otherwise). */
const Int8Isa* int8SelectIsa(const char* name);

/** Weights quantized per output channel: q [n, k] row-major in [−127, 127], scales [n]; packed for one variant. */
struct Int8Weights {
  int n = 0, k = 0;
  int8_t* q = nullptr;       // owned, n·k
  float* scales = nullptr;   // owned, n
  int32_t* colsum = nullptr; // owned, n: Σ_k q[j, k]
  // Packed for `packedFor`: panels of NR columns, ceil(k / kg) groups each.
  const Int8Isa* packedFor = nullptr;
  void* packed = nullptr;
  size_t packedBytes = 0;
};

/** Copies q (n·k) and scales (n) into a new Int8Weights (colsum computed); null when out of memory. */
Int8Weights* int8WeightsNew(const int8_t* q, const float* scales, int n, int k);
void int8WeightsFree(Int8Weights* w);
/** Packs w for `isa` (a no-op when already packed for it); false when out of memory. */
bool int8WeightsPack(Int8Weights* w, const Int8Isa& isa);

/** One int8 product. Exactly one of x (float rows to quantize) and a (raw u8 rows, testing) is given. */
struct Int8Product {
  int m = 0;
  const float* x = nullptr;    // [m, k] floats: quantized per row with the variant's qmax
  const uint8_t* a = nullptr;  // [m, k] raw A (zero point 0): C stored as int32, no dequantization
  const Int8Weights* w = nullptr;
  float* y = nullptr;          // [m, n] floats (with x)
  int32_t* c = nullptr;        // [m, n] int32 accumulators (with a)
  const float* bias = nullptr; // [n] or null
  /** Applied to each finished row segment of y after the bias (GELU); null for none. */
  void (*activation)(float* v, size_t n) = nullptr;
};

/** Runs `p` with variant `isa` over the pool's threads; false (nothing done) when w is not packed for `isa` or out of memory. */
bool int8Gemm(Pool& pool, const Int8Isa& isa, const Int8Product& p);

/** round-half-to-even(x·inv) clamped to [−qmax, qmax]: the activation quantizer (exposed for the checks). */
int int8QuantizeValue(float x, float inv, int qmax);

}  // namespace fets

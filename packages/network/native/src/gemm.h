// Float32 matrix products C = op(A)·op(B) for fets' native kernels: packed panels, cache blocking over k and rows,
// register-tiled microkernels chosen at run time by CPU features, threads from a sleeping pool.
#pragma once
#include <cstddef>
#include <cstdint>

#include "pool.h"

namespace fets {

/** A microkernel: C[MR, NR] (=|+=) Apacked[kc][MR]ᵀ · Bpacked[kc][NR], C row-major with row stride ldc (floats). */
using MicroKernel = void (*)(int kc, const float* a, const float* b, float* c, ptrdiff_t ldc, int accumulate);

/** One instruction-set variant of the GEMM. */
struct Isa {
  const char* name;
  int mr;
  int nr;
  MicroKernel kernel;
  /** Runs `iters` steps of a register-resident FMA loop and returns the floating-point operations done. */
  double (*peak)(long iters);
};

/** The variants this build has for this CPU, best first (the portable one is always last). */
const Isa* const* isaList(int* count);
/** The best variant for this CPU, or the named one ("avx512", "avx2", "neon", "generic") when it runs here. */
const Isa* selectIsa(const char* name);

/** One product: C[m, n] = op(A)[m, k] · op(B)[k, n]; A is stored [k, m] when ta, B [n, k] when tb (row strides lda, ldb). */
struct Product {
  const float* a;
  const float* b;
  float* c;
  int m, n, k;
  ptrdiff_t lda, ldb, ldc;
  bool ta, tb;
};

/**
 * `batch` products with operands advancing by aStride / bStride / cStride floats (0 for a broadcast operand).
 * Parallel over rows and column chunks of one product, or over products when they are many and small.
 */
void gemmBatched(Pool& pool, const Isa& isa, const Product& p, int batch, ptrdiff_t aStride, ptrdiff_t bStride,
                 ptrdiff_t cStride);

}  // namespace fets

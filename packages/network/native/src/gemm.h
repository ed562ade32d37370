// Float32 matrix products C = op(A)·op(B) for fets' native kernels: packed panels, cache blocking over k and rows,
// register-tiled microkernels chosen at run time by CPU features, threads from a sleeping pool.
#pragma once
#include <cstddef>
#include <cstdint>

#include "pool.h"

namespace fets {

/**
 * A microkernel: C[MR, NR] (=|+=) A[MR, kc] · B[kc, NR], with A's element (i, p) at a[i·rs + p·ks] (packed: rs 1,
 * ks MR; or A read in place), B's row p at b + p·bs (packed: bs NR; or B read in place), C row-major with row stride
 * ldc (all in floats). With `bias` (NR floats, only when not accumulating) the accumulators start from it: a dense
 * layer's bias costs nothing.
 */
using MicroKernel = void (*)(int kc, const float* a, ptrdiff_t rs, ptrdiff_t ks, const float* b, ptrdiff_t bs,
                             float* c, ptrdiff_t ldc, int accumulate, const float* bias);

/** One instruction-set variant of the GEMM. */
struct Isa {
  const char* name;
  int mr;
  int nr;
  MicroKernel kernel;
  /** Runs `iters` steps of a register-resident FMA loop and returns the floating-point operations done. */
  double (*peak)(long iters);
  /**
   * The exact-erf GELU in place, x·Φ(x), on n floats: a dense layer's epilogue (Product::activation), run on a strip of
   * C while it is in cache. erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7) as the element-wise GELU kernels.
   */
  void (*gelu)(float* x, size_t n);
  /**
   * Packs one full panel of a transposed B (nr rows of kc steps, row stride ld) k-major: d[p·nr + j] = src[j·ld + p].
   * Null where the scalar loop is all there is (generic, NEON); a copy either way, the same values.
   */
  void (*packPanelT)(const float* src, ptrdiff_t ld, int kc, int nr, float* d);
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
  /** Added to every row of C (n floats) as the last k block of each tile is stored; null for none. */
  const float* bias = nullptr;
  /** Applied to each finished tile after the bias (GELU for a fused dense + activation); null for none. */
  void (*activation)(float* x, size_t n) = nullptr;
  /**
   * B already packed as the driver reads it (gemmPackB with packedKb steps per block; a layer's weights kept packed
   * between calls), or null to pack it now. Used only when packedKb is the blocking this call picks.
   */
  const float* packedB = nullptr;
  int packedKb = 0;
};

/** The k steps per packed block of B that product `p` (batch 1) runs with on this pool. */
int gemmPackBlockK(const Pool& pool, const Isa& isa, const Product& p);
/** Floats of B packed whole for `isa`: k × panels·NR. */
size_t gemmPackedSize(const Isa& isa, const Product& p);
/** B of `p` packed whole into dst (gemmPackedSize floats): blocks of kb steps, each panel k-major, zero-padded. */
void gemmPackB(const Isa& isa, const Product& p, int kb, float* dst);

/**
 * `batch` products with operands advancing by aStride / bStride / cStride floats (0 for a broadcast operand).
 * Parallel over rows and column chunks of one product, or over products when they are many and small.
 */
void gemmBatched(Pool& pool, const Isa& isa, const Product& p, int batch, ptrdiff_t aStride, ptrdiff_t bStride,
                 ptrdiff_t cStride);

/**
 * One product on the calling pool thread `thread` (its index in the pool, for its packing scratch): for kernels that
 * run many small products in parallel themselves (attention's per-head products).
 */
void gemmSerial(const Isa& isa, const Product& p, int thread);

/** A grow-only 64-byte-aligned float buffer (per-thread scratch). */
struct Scratch {
  float* data = nullptr;
  size_t size = 0;
  float* get(size_t n);
};

/**
 * Sets the blocking (values below 16 keep the current one): k steps per packed block with threads (default 256), rows
 * of A per block (default 128), k steps per block on one thread (default 1024).
 */
void gemmTune(int kc, int mc, int kcSerial);

}  // namespace fets

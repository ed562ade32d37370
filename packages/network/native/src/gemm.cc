// The GEMM driver: B packed into k-major panels of NR columns per block of KC steps (shared by all threads), A packed
// per thread into MR-row panels of one MC×KC block, then the microkernel sweeps MR×NR tiles of C. Tiles at the edges
// of C are computed whole from zero-padded panels into a scratch tile and only their valid part is stored.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "gemm.h"

namespace fets {

namespace {

int kKc = 256;          // k steps per packed block when threads share B (one B micro-panel of KC·NR floats in L1/L2)
int kKcSerial = 1024;   // the same on one thread (fewer passes over C measured faster there)
int kMcTarget = 128;    // rows of A per packed block, rounded down to a multiple of MR (~128 KiB: L2)
constexpr int kMaxThreads = 256;  // scratch slots

Scratch gPackA[kMaxThreads];
Scratch gPackB[kMaxThreads];  // per-thread B for products run whole on one thread
Scratch gSharedB;
Scratch gSharedA;

inline float at(const float* x, ptrdiff_t ld, bool t, int r, int c) { return t ? x[c * ld + r] : x[r * ld + c]; }

/** Prefetches the lines of floats [x, x+n) (a stored row's piece that a pack reads a few rows later). */
inline void prefetchFloats(const float* x, int n) {
  for (int j = 0; j < n; j += 16) __builtin_prefetch(x + j);
  __builtin_prefetch(x + n - 1);
}

/**
 * Rows ahead that the packs prefetch. Their stored rows are 1-4 KiB apart (a new page every row or four), which the
 * hardware prefetchers do not follow: without it packing a weight gradient's operands ran at ~2-3 ns a float.
 */
constexpr int kPackAhead = 8;

/** A's rows [i0, i0+mc), steps [p0, p0+kc) into MR-row panels, k-major within a panel, zero-padded rows. */
void packA(const Product& g, int mr, int i0, int mc, int p0, int kc, float* dst) {
  if (g.ta) {
    // Stored [k, m]: one pass along each stored row (its mc values of step p are adjacent), MR-value pieces into the
    // panels. Panel by panel instead, each step touched a new line of a row 1-4 KiB away for MR values, and the same
    // lines again for the next panel after L1 had lost them (4 KiB apart they share a set).
    const int full = mc / mr;
    const ptrdiff_t panel = (ptrdiff_t)mr * kc;
    for (int p = 0; p < kc; p++) {
      const float* src = g.a + (ptrdiff_t)(p0 + p) * g.lda + i0;
      if (p + kPackAhead < kc) prefetchFloats(src + kPackAhead * g.lda, mc);
      float* d = dst + (ptrdiff_t)p * mr;
      for (int b = 0; b < full; b++) std::memcpy(d + b * panel, src + b * mr, sizeof(float) * mr);
      if (full * mr < mc) {
        float* dp = d + full * panel;
        const int rows = mc - full * mr;
        int i = 0;
        for (; i < rows; i++) dp[i] = src[full * mr + i];
        for (; i < mr; i++) dp[i] = 0.f;
      }
    }
    return;
  }
  for (int ib = 0; ib < mc; ib += mr) {
    const int rows = std::min(mr, mc - ib);
    for (int i = 0; i < mr; i++) {
      if (i >= rows) {
        for (int p = 0; p < kc; p++) dst[p * mr + i] = 0.f;
        continue;
      }
      const float* src = g.a + (ptrdiff_t)(i0 + ib + i) * g.lda + p0;
      for (int p = 0; p < kc; p++) dst[p * mr + i] = src[p];
    }
    dst += (ptrdiff_t)mr * kc;
  }
}

/** Panels [q0, q1) of B's steps [p0, p0+kc) (panel q = columns q·NR …), k-major, zero-padded columns. */
void packB(const Product& g, const Isa& isa, int p0, int kc, int q0, int q1, float* dst) {
  const int nr = isa.nr;
  const ptrdiff_t panel = (ptrdiff_t)kc * nr;
  if (!g.tb) {
    // Stored [k, n]: one pass along each stored row's piece [q0·NR, q1·NR), NR-column pieces into the panels.
    const int j1 = std::min(g.n, q1 * nr);
    for (int p = 0; p < kc; p++) {
      const float* src = g.b + (ptrdiff_t)(p0 + p) * g.ldb;
      if (p + kPackAhead < kc) prefetchFloats(src + kPackAhead * g.ldb + q0 * nr, j1 - q0 * nr);
      float* d = dst + (ptrdiff_t)p * nr;
      for (int q = q0; q < q1; q++, d += panel) {
        const int j0 = q * nr;
        const int cols = std::min(nr, g.n - j0);
        if (cols == nr) {
          // A constant length for the usual panel widths: an inlined copy instead of a call per 64-128 bytes.
          if (nr == 16) std::memcpy(d, src + j0, sizeof(float) * 16);
          else if (nr == 32) std::memcpy(d, src + j0, sizeof(float) * 32);
          else std::memcpy(d, src + j0, sizeof(float) * nr);
        } else {
          int j = 0;
          for (; j < cols; j++) d[j] = src[j0 + j];
          for (; j < nr; j++) d[j] = 0.f;
        }
      }
    }
    return;
  }
  for (int q = q0; q < q1; q++) {
    const int j0 = q * nr;
    const int cols = std::min(nr, g.n - j0);
    float* d = dst + (ptrdiff_t)(q - q0) * panel;
    if (cols == nr && isa.packPanelT) {
      isa.packPanelT(g.b + (ptrdiff_t)j0 * g.ldb + p0, g.ldb, kc, nr, d);
      continue;
    }
    for (int j = 0; j < nr; j++) {
      if (j >= cols) {
        for (int p = 0; p < kc; p++) d[p * nr + j] = 0.f;
        continue;
      }
      const float* src = g.b + (ptrdiff_t)(j0 + j) * g.ldb + p0;
      for (int p = 0; p < kc; p++) d[p * nr + j] = src[p];
    }
  }
}

/** The sweep of one packed A block over panels [q0, q1) of one packed B block. */
/** The bias of panel columns [j0, j0+cols) for a microkernel: in place, or copied zero-padded into `pad` (NR floats). */
inline const float* panelBias(const Product& g, int j0, int cols, int nr, float* pad) {
  if (!g.bias) return nullptr;
  if (cols == nr) return g.bias + j0;
  for (int j = 0; j < nr; j++) pad[j] = j < cols ? g.bias[j0 + j] : 0.f;
  return pad;
}

/** The activation over rows [i0, i0+rows) and columns [j0, j0+cols) of C, once their last k block is stored (whole
 * rows at a time: per-tile calls cost more than the activation). */
inline void activate(const Product& g, int i0, int rows, int j0, int cols) {
  if (!g.activation || cols <= 0) return;
  for (int i = 0; i < rows; i++) g.activation(g.c + (ptrdiff_t)(i0 + i) * g.ldc + j0, (size_t)cols);
}

/**
 * Columns of C that a sweep's last k block stores before it applies the activation to them: an MC × 64 strip of C
 * (32 KiB) is still in L1/L2 then, where applied to the whole C after the product it was read back from memory.
 */
constexpr int kActivationCols = 64;

void sweep(const Product& g, const Isa& isa, const float* pa, int i0, int mc, const float* pb, int q0, int q1, int kc,
           bool accumulate, bool direct, int p0, bool last) {
  const int mr = isa.mr, nr = isa.nr;
  const ptrdiff_t rs = g.ta ? 1 : g.lda, ks = g.ta ? g.lda : 1;
  alignas(64) float tile[16 * 64];
  alignas(64) float pad[64];
  const int group = last && g.activation ? std::max(1, kActivationCols / nr) : 0;
  for (int q = q0; q < q1; q++) {
    const int j0 = q * nr;
    const int cols = std::min(nr, g.n - j0);
    const float* bp = pb + (ptrdiff_t)q * kc * nr;
    if (group && q > q0 && (q - q0) % group == 0) activate(g, i0, mc, (q - group) * nr, group * nr);
    // The first k block starts its accumulators from the bias (a dense layer's bias in the same pass).
    const float* bias = accumulate ? nullptr : panelBias(g, j0, cols, nr, pad);
    for (int ib = 0; ib < mc; ib += mr) {
      const int rows = std::min(mr, mc - ib);
      // Direct: full row blocks are read in place, only the partial last one was packed (at the start of pa).
      const bool inPlace = direct && rows == mr;
      const float* ap = inPlace ? g.a + (i0 + ib) * rs + p0 * ks : direct ? pa : pa + (ptrdiff_t)(ib / mr) * mr * kc;
      const ptrdiff_t ars = inPlace ? rs : 1, aks = inPlace ? ks : mr;
      float* c = g.c + (ptrdiff_t)(i0 + ib) * g.ldc + j0;
      if (rows == mr && cols == nr) {
        isa.kernel(kc, ap, ars, aks, bp, nr, c, g.ldc, accumulate, bias);
      } else {
        isa.kernel(kc, ap, ars, aks, bp, nr, tile, nr, 0, bias);
        for (int i = 0; i < rows; i++) {
          float* ci = c + i * g.ldc;
          const float* ti = tile + i * nr;
          if (accumulate)
            for (int j = 0; j < cols; j++) ci[j] += ti[j];
          else
            for (int j = 0; j < cols; j++) ci[j] = ti[j];
        }
      }
    }
  }
  if (group && q1 > q0) {
    // The last group of panels (possibly fewer, possibly ending at C's last, partial panel).
    const int qs = q0 + ((q1 - q0 - 1) / group) * group;
    activate(g, i0, mc, qs * nr, std::min(g.n, q1 * nr) - qs * nr);
  }
}

void zeroC(const Product& g) {
  for (int i = 0; i < g.m; i++) {
    float* ci = g.c + (ptrdiff_t)i * g.ldc;
    if (g.bias) std::memcpy(ci, g.bias, sizeof(float) * g.n);
    else std::memset(ci, 0, sizeof(float) * g.n);
    if (g.bias && g.activation) g.activation(ci, (size_t)g.n);
  }
}

/**
 * Whether A is read in place (not packed) by the blocked driver. Measured on the BERT-mini shapes with AVX-512 (1 and
 * 2 threads): in place was 5-15% faster than packing for both layouts, so there only partial row blocks are packed.
 * With AVX2 on Zen 3 (6-row tiles, 32 KiB L1), a transposed A (the weight gradient dyᵀ·x, stored [k, m]) read in
 * place touches a new cache line every k step for 24 useful bytes: 40-55% of the FMA peak against 58-72% packed
 * (CPU-time GFLOP/s of [256..1024, 2048]ᵀ·[2048, 256..1024], native/test/gemm_cpu_time.cc); row-major A measured the same
 * either way within the noise, so it stays in place.
 */
inline bool directA(const Product& g, const Isa& isa) { return std::strcmp(isa.name, "avx512") == 0; }

/** Packs what the sweep reads packed: every row block, or with direct A only a partial last block. */
void prepareA(const Product& g, int mr, int i0, int mc, int p0, int kc, float* pa, bool direct) {
  if (!direct) return packA(g, mr, i0, mc, p0, kc, pa);
  const int full = (mc / mr) * mr;
  if (full < mc) packA(g, mr, i0 + full, mc - full, p0, kc, pa);
}

/** Packed B size in floats: K × (panels · NR), blocks of KC steps one after the other. */
size_t packedBSize(const Product& g, const Isa& isa) {
  const int panels = (g.n + isa.nr - 1) / isa.nr;
  return (size_t)g.k * panels * isa.nr;
}

/** k split into equal blocks of at most `most` steps. */
inline int blockK(int k, int most) {
  const int blocks = (k + most - 1) / most;
  return (k + blocks - 1) / blocks;
}

/**
 * k steps per block on one thread. Long blocks (kKcSerial) mean fewer passes over C, which pays when C is large
 * (a dense layer's [tokens, features] output). A packed transposed A is a weight gradient dyᵀ·x: C is a small
 * [features, features] that stays in L2, while a KC × NR panel of B has to stay in L1 and an MC × KC block of A in
 * L2, so it takes the threaded block size (kKc). On AVX2 (Zen 3, 1 thread, [256..1024, 2048]ᵀ·[2048, 256..1024]):
 * 8-14% less CPU time than blocks of 1024 (native/test/gemm_ab.sh, interleaved A/B). AVX-512 reads that A in place and
 * keeps the long blocks it was measured with.
 */
inline int serialBlockK(const Product& g, const Isa& isa) {
  return blockK(g.k, g.ta && !directA(g, isa) ? std::min(kKc, kKcSerial) : kKcSerial);
}

/** Rows of A per packed block for this microkernel (a multiple of MR). */
inline int mcRows(const Isa& isa) { return std::max(isa.mr, (kMcTarget / isa.mr) * isa.mr); }

/** Products up to this many floats of A (and k ≤ KC) are read in place rather than packed. */
constexpr size_t kDirectA = 16 * 1024;

/**
 * A small product without packing A: full MR-row blocks are read where they are (strided broadcasts), and B's full
 * panels too when B is not transposed (vector loads along its rows); partial blocks and transposed B are packed.
 * For attention's many [64, 64]·[64, 64] products packing cost as much as the arithmetic.
 */
void directProduct(const Product& g, const Isa& isa, int thread) {
  const int mr = isa.mr, nr = isa.nr, kc = g.k;
  const int panels = (g.n + nr - 1) / nr;
  float* pb = gPackB[thread].get((size_t)kc * nr);
  float* pa = gPackA[thread].get((size_t)kc * mr);
  alignas(64) float tile[16 * 64];
  alignas(64) float pad[64];
  const ptrdiff_t rs = g.ta ? 1 : g.lda, ks = g.ta ? g.lda : 1;
  for (int q = 0; q < panels; q++) {
    const int j0 = q * nr;
    const int cols = std::min(nr, g.n - j0);
    const float* bias = panelBias(g, j0, cols, nr, pad);
    const float* bp;
    ptrdiff_t bs;
    if (g.packedB && g.packedKb == kc) {
      bp = g.packedB + (ptrdiff_t)q * kc * nr;
      bs = nr;
    } else if (!g.tb && cols == nr) {
      bp = g.b + j0;
      bs = g.ldb;
    } else {
      packB(g, isa, 0, kc, q, q + 1, pb);
      bp = pb;
      bs = nr;
    }
    for (int i0 = 0; i0 < g.m; i0 += mr) {
      const int rows = std::min(mr, g.m - i0);
      float* c = g.c + (ptrdiff_t)i0 * g.ldc + j0;
      if (rows == mr && cols == nr) {
        isa.kernel(kc, g.a + i0 * rs, rs, ks, bp, bs, c, g.ldc, 0, bias);
        continue;
      }
      if (rows == mr) {
        isa.kernel(kc, g.a + i0 * rs, rs, ks, bp, bs, tile, nr, 0, bias);
      } else {
        packA(g, mr, i0, rows, 0, kc, pa);
        isa.kernel(kc, pa, 1, mr, bp, bs, tile, nr, 0, bias);
      }
      for (int i = 0; i < rows; i++) std::memcpy(c + i * g.ldc, tile + i * nr, sizeof(float) * cols);
    }
  }
  activate(g, 0, g.m, 0, g.n);
}

/** One whole product on the calling thread, with that thread's scratch. */
void serialProduct(const Product& g, const Isa& isa, int thread) {
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) return zeroC(g);
  if (g.k <= kKcSerial && (size_t)g.m * g.k <= kDirectA) return directProduct(g, isa, thread);
  const int panels = (g.n + isa.nr - 1) / isa.nr;
  const int kMcRows = mcRows(isa);
  const int mcMax = std::min(kMcRows, ((g.m + isa.mr - 1) / isa.mr) * isa.mr);
  const int kb = serialBlockK(g, isa);
  float* pb = g.packedB && g.packedKb == kb ? nullptr : gPackB[thread].get((size_t)kb * panels * isa.nr);
  float* pa = gPackA[thread].get((size_t)mcMax * kb);
  const bool prepacked = g.packedB && g.packedKb == kb;
  for (int p0 = 0; p0 < g.k; p0 += kb) {
    const int kc = std::min(kb, g.k - p0);
    if (prepacked) pb = const_cast<float*>(g.packedB) + (size_t)p0 * panels * isa.nr;
    else packB(g, isa, p0, kc, 0, panels, pb);
    for (int i0 = 0; i0 < g.m; i0 += kMcRows) {
      const int mc = std::min(kMcRows, g.m - i0);
      const bool direct = directA(g, isa);
      prepareA(g, isa.mr, i0, mc, p0, kc, pa, direct);
      sweep(g, isa, pa, i0, mc, pb, 0, panels, kc, p0 > 0, direct, p0, p0 + kc >= g.k);
    }
  }
}

struct ParallelJob {
  const Product* g;
  const Isa* isa;
  float* packed;  // all of B, KC blocks one after the other
  int panels;
  int mBlocks;
  int panelsPerChunk;
  int chunks;
  int packTasksPerBlock;
  int kc;  // k steps per block (the last may be shorter)
  int bTasks;  // pack tasks of B (0 when B came packed), then those of A
  float* packedA;  // all of A packed when it is packed at all and several column chunks read it, else null
  int mPadded;     // rows of packed A: m rounded up to MR (a k block of it is mPadded·kc floats)
  int microRows;   // m in MR-row micro-panels (rounded up)
};

/**
 * Rows [i0, i0 + mc) of row block mb: the micro-panels split as evenly as whole micro-panels allow (blocks differ by at
 * most one), so that equal tasks keep every thread busy to the end. Fixed MC-row blocks left a short last block
 * (bert's 2,048 rows: 16 blocks of 126 and one of 32, an odd number of tasks for two threads).
 */
inline void rowBlock(const ParallelJob& j, int mb, int* i0, int* mc) {
  const int mr = j.isa->mr;
  const int u0 = (int)((long long)mb * j.microRows / j.mBlocks);
  const int u1 = (int)((long long)(mb + 1) * j.microRows / j.mBlocks);
  *i0 = u0 * mr;
  *mc = std::min(u1 * mr, j.g->m) - *i0;
}

void packTask(void* ctx, int task, int) {
  auto& j = *static_cast<ParallelJob*>(ctx);
  if (task >= j.bTasks) {
    // A's row block mb of k block `block`, at p0·mPadded + i0·kc (blocks before it are whole MR panels).
    const int t = task - j.bTasks;
    const int block = t / j.mBlocks, mb = t % j.mBlocks;
    const int p0 = block * j.kc, kc = std::min(j.kc, j.g->k - p0);
    int i0, mc;
    rowBlock(j, mb, &i0, &mc);
    packA(*j.g, j.isa->mr, i0, mc, p0, kc, j.packedA + (size_t)p0 * j.mPadded + (size_t)i0 * kc);
    return;
  }
  const int block = task / j.packTasksPerBlock;
  const int part = task % j.packTasksPerBlock;
  const int per = (j.panels + j.packTasksPerBlock - 1) / j.packTasksPerBlock;
  const int q0 = part * per, q1 = std::min(j.panels, q0 + per);
  if (q0 >= q1) return;
  const int p0 = block * j.kc;
  const int kc = std::min(j.kc, j.g->k - p0);
  const int nr = j.isa->nr;
  packB(*j.g, *j.isa, p0, kc, q0, q1, j.packed + (size_t)p0 * j.panels * nr + (size_t)q0 * kc * nr);
}

void computeTask(void* ctx, int task, int thread) {
  auto& j = *static_cast<ParallelJob*>(ctx);
  const Product& g = *j.g;
  const Isa& isa = *j.isa;
  const int mb = task / j.chunks;
  const int chunk = task % j.chunks;
  int i0, mc;
  rowBlock(j, mb, &i0, &mc);
  const int q0 = chunk * j.panelsPerChunk;
  const int q1 = std::min(j.panels, q0 + j.panelsPerChunk);
  float* pa = j.packedA ? nullptr : gPackA[thread].get((size_t)((mc + isa.mr - 1) / isa.mr) * isa.mr * j.kc);
  for (int p0 = 0; p0 < g.k; p0 += j.kc) {
    const int kc = std::min(j.kc, g.k - p0);
    const bool direct = directA(g, isa);
    if (j.packedA) pa = j.packedA + (size_t)p0 * j.mPadded + (size_t)i0 * kc;
    else prepareA(g, isa.mr, i0, mc, p0, kc, pa, direct);
    sweep(g, isa, pa, i0, mc, j.packed + (size_t)p0 * j.panels * isa.nr, q0, q1, kc, p0 > 0, direct, p0,
          p0 + kc >= g.k);
  }
}

void parallelProduct(Pool& pool, const Product& g, const Isa& isa) {
  if (g.m == 0 || g.n == 0) return;
  if (g.k == 0) return zeroC(g);
  const int threads = pool.threads();
  const double flops = 2.0 * g.m * g.n * g.k;
  if (threads == 1 || flops < 2e6) return serialProduct(g, isa, 0);
  ParallelJob j;
  j.g = &g;
  j.isa = &isa;
  j.panels = (g.n + isa.nr - 1) / isa.nr;
  const int kc = blockK(g.k, kKc);
  const bool prepacked = g.packedB && g.packedKb == kc;
  j.packed = prepacked ? const_cast<float*>(g.packedB) : gSharedB.get(packedBSize(g, isa));
  j.microRows = (g.m + isa.mr - 1) / isa.mr;
  j.mBlocks = (g.m + mcRows(isa) - 1) / mcRows(isa);
  // Column chunks so that there are at least 4 tasks per thread where the panels allow it (a chunk ≥ 4 panels).
  const int want = std::max(1, (4 * threads + j.mBlocks - 1) / j.mBlocks);
  j.chunks = std::max(1, std::min(want, j.panels / 4));
  j.panelsPerChunk = (j.panels + j.chunks - 1) / j.chunks;
  j.chunks = (j.panels + j.panelsPerChunk - 1) / j.panelsPerChunk;
  // Row blocks × column chunks a multiple of the threads where the rows allow (at most threads − 1 more blocks).
  while ((j.mBlocks * j.chunks) % threads != 0 && j.mBlocks < j.microRows) j.mBlocks++;
  j.kc = kc;
  const int kBlocks = (g.k + j.kc - 1) / j.kc;
  j.packTasksPerBlock = std::max(1, std::min(j.panels, 2 * threads));
  j.bTasks = prepacked ? 0 : kBlocks * j.packTasksPerBlock;
  // A packed (not read in place) for several column chunks: packed once into shared scratch by the pack tasks, not
  // once per chunk by each compute task (a weight gradient's [256, 2048]ᵀ on 2 threads packed A 3-4 times over).
  j.mPadded = ((g.m + isa.mr - 1) / isa.mr) * isa.mr;
  j.packedA = !directA(g, isa) && j.chunks > 1 ? gSharedA.get((size_t)j.mPadded * g.k) : nullptr;
  const int aTasks = j.packedA ? kBlocks * j.mBlocks : 0;
  if (j.bTasks + aTasks > 0) pool.run(j.bTasks + aTasks, packTask, &j);
  pool.run(j.mBlocks * j.chunks, computeTask, &j);
}

struct BatchJob {
  const Product* g;
  const Isa* isa;
  ptrdiff_t aStride, bStride, cStride;
};

void batchTask(void* ctx, int task, int thread) {
  auto& j = *static_cast<BatchJob*>(ctx);
  Product p = *j.g;
  p.a += task * j.aStride;
  p.b += task * j.bStride;
  p.c += task * j.cStride;
  serialProduct(p, *j.isa, thread);
}

}  // namespace

float* Scratch::get(size_t n) {
  if (n > size) {
    std::free(data);
    size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
    data = static_cast<float*>(std::aligned_alloc(64, bytes));
    size = data ? n : 0;
  }
  return data;
}

void gemmSerial(const Isa& isa, const Product& p, int thread) { serialProduct(p, isa, thread); }

int gemmPackBlockK(const Pool& pool, const Isa& isa, const Product& g) {
  const double flops = 2.0 * g.m * g.n * g.k;
  if (pool.threads() == 1 || flops < 2e6) {
    if (g.k <= kKcSerial && (size_t)g.m * g.k <= kDirectA) return g.k;
    return serialBlockK(g, isa);
  }
  return blockK(g.k, kKc);
}

size_t gemmPackedSize(const Isa& isa, const Product& g) { return packedBSize(g, isa); }

void gemmPackB(const Isa& isa, const Product& g, int kb, float* dst) {
  const int panels = (g.n + isa.nr - 1) / isa.nr;
  for (int p0 = 0; p0 < g.k; p0 += kb)
    packB(g, isa, p0, std::min(kb, g.k - p0), 0, panels, dst + (size_t)p0 * panels * isa.nr);
}

void gemmTune(int kc, int mc, int kcSerial) {
  if (kc >= 16) kKc = kc;
  if (kcSerial >= 16) kKcSerial = kcSerial;
  if (mc >= 16) kMcTarget = mc;
}

void gemmBatched(Pool& pool, const Isa& isa, const Product& p, int batch, ptrdiff_t aStride, ptrdiff_t bStride,
                 ptrdiff_t cStride) {
  if (batch <= 0) return;
  const double flops = 2.0 * p.m * p.n * p.k;
  if (batch > 1 && pool.threads() > 1 && flops < 64e6) {
    BatchJob j{&p, &isa, aStride, bStride, cStride};
    pool.run(batch, batchTask, &j);
    return;
  }
  for (int i = 0; i < batch; i++) {
    Product q = p;
    q.a += i * aStride;
    q.b += i * bStride;
    q.c += i * cStride;
    parallelProduct(pool, q, isa);
  }
}

}  // namespace fets

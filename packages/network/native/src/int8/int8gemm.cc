// The int8 product's driver (int8gemm.h): weights packed once per variant into column panels, activations quantized
// per row into row tiles in a first pass over the pool's threads, then tiles × panels in a second, each tile's int32
// accumulators dequantized (and the bias, the activation applied) as it is stored.
#include "int8gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace fets {

namespace {

void* alignedBytes(size_t bytes) { return std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64)); }

/** A grow-only aligned byte buffer (the packed activations; the callers hold the call mutex). */
struct ByteScratch {
  void* data = nullptr;
  size_t size = 0;
  void* get(size_t n) {
    if (n > size) {
      std::free(data);
      data = alignedBytes(n);
      size = data ? n : 0;
    }
    return data;
  }
};
ByteScratch gPackedA, gRowScales;

inline int groupsOf(const Int8Isa& isa, int k) { return (k + isa.kg - 1) / isa.kg; }
inline size_t tileBytes(const Int8Isa& isa, int k) { return (size_t)groupsOf(isa, k) * isa.mr * isa.kg * isa.elemBytes; }
inline size_t panelBytes(const Int8Isa& isa, int k) { return (size_t)groupsOf(isa, k) * isa.nr * isa.kg * isa.elemBytes; }

/** Stores value v (u8 or s8 range) at element e of a packed operand of elemBytes 1 or 2. */
template <typename T8>
inline void put(void* dst, size_t e, int elemBytes, int v) {
  if (elemBytes == 1) static_cast<T8*>(dst)[e] = static_cast<T8>(v);
  else static_cast<int16_t*>(dst)[e] = static_cast<int16_t>(v);
}

struct Job {
  const Int8Isa* isa;
  const Int8Product* p;
  uint8_t* packedA;
  float* rowScale;
  int tiles, panels, groups;
  int tileChunk, panelChunk, tileTasks;
};

// Pass 1: rows r0 … r0 + MR of tile t, quantized (or copied, raw) into the tile's packed layout [g][MR][KG], with
// the layout's constants known to the compiler (no division per element).
template <int KG, typename T>
void packTileAs(const Job& j, int t) {
  const Int8Product& p = *j.p;
  const int K = p.w->k, mr = j.isa->mr, qmax = j.isa->qmax;
  T* dst = reinterpret_cast<T*>(j.packedA + (size_t)t * tileBytes(*j.isa, K));
  std::memset(dst, 0, tileBytes(*j.isa, K));
  const int full = K / KG * KG;
  for (int i = 0; i < mr; i++) {
    const int r = t * mr + i;
    if (r >= p.m) break;
    T* d = dst + i * KG;
    if (p.a) {
      const uint8_t* src = p.a + (size_t)r * K;
      for (int kk = 0; kk < K; kk++) d[(size_t)(kk / KG) * mr * KG + kk % KG] = (T)src[kk];
      continue;
    }
    const float* x = p.x + (size_t)r * K;
    float amax = 0;
    for (int kk = 0; kk < K; kk++) amax = std::max(amax, std::fabs(x[kk]));
    const float inv = amax > 0 ? (float)qmax / amax : 0.f;
    j.rowScale[r] = amax / (float)qmax;
    const int zp = qmax + 1;
    for (int g = 0; g < full; g += KG, d += mr * KG)
      for (int u = 0; u < KG; u++) d[u] = (T)(int8QuantizeValue(x[g + u], inv, qmax) + zp);
    for (int kk = full; kk < K; kk++) d[kk - full] = (T)(int8QuantizeValue(x[kk], inv, qmax) + zp);
  }
}

void packTile(const Job& j, int t) {
  const Int8Isa& isa = *j.isa;
  if (isa.kg == 4 && isa.elemBytes == 1) packTileAs<4, uint8_t>(j, t);
  else if (isa.kg == 2 && isa.elemBytes == 2) packTileAs<2, int16_t>(j, t);
  else if (isa.kg == 4 && isa.elemBytes == 2) packTileAs<4, int16_t>(j, t);
  else packTileAs<2, uint8_t>(j, t);
}

void packTask(void* ctx, int task, int) {
  const Job& j = *static_cast<const Job*>(ctx);
  const int t0 = task * j.tileChunk, t1 = std::min(j.tiles, t0 + j.tileChunk);
  for (int t = t0; t < t1; t++) packTile(j, t);
}

// The epilogue of tile t × panel q: dequantize, bias, activation (or the raw accumulators).
void storeTile(const Job& j, int t, int q, const int32_t* acc) {
  const Int8Isa& isa = *j.isa;
  const Int8Product& p = *j.p;
  const Int8Weights& w = *p.w;
  const int N = w.n, j0 = q * isa.nr, nEff = std::min(isa.nr, N - j0);
  const int zp = isa.qmax + 1;
  for (int i = 0; i < isa.mr; i++) {
    const int r = t * isa.mr + i;
    if (r >= p.m) break;
    const int32_t* ai = acc + i * isa.nr;
    if (p.a) {
      std::memcpy(p.c + (size_t)r * N + j0, ai, sizeof(int32_t) * nEff);
      continue;
    }
    float* yr = p.y + (size_t)r * N + j0;
    const float sx = j.rowScale[r];
    const int32_t* cs = w.colsum + j0;
    const float* sw = w.scales + j0;
    const float* b = p.bias ? p.bias + j0 : nullptr;
    for (int jj = 0; jj < nEff; jj++) {
      const float v = (float)(ai[jj] - zp * cs[jj]) * (sx * sw[jj]);
      yr[jj] = b ? v + b[jj] : v;
    }
    if (p.activation) p.activation(yr, (size_t)nEff);
  }
}

// Pass 2: a chunk of row tiles × a chunk of panels; tiles in blocks of 8 so their packed rows stay in L2 while every
// panel of the chunk passes (a panel of ≤ NR·k bytes stays in L1 across the block).
void computeTask(void* ctx, int task, int) {
  const Job& j = *static_cast<const Job*>(ctx);
  const Int8Isa& isa = *j.isa;
  const Int8Product& p = *j.p;
  const int K = p.w->k;
  const int tc = task % j.tileTasks, pc = task / j.tileTasks;
  const int t0 = tc * j.tileChunk, t1 = std::min(j.tiles, t0 + j.tileChunk);
  const int q0 = pc * j.panelChunk, q1 = std::min(j.panels, q0 + j.panelChunk);
  const size_t tb = tileBytes(isa, K), pb = panelBytes(isa, K);
  alignas(64) int32_t acc[16 * 64];
  constexpr int kBlock = 8;
  for (int tb0 = t0; tb0 < t1; tb0 += kBlock) {
    const int tb1 = std::min(t1, tb0 + kBlock);
    for (int q = q0; q < q1; q++) {
      const uint8_t* panel = static_cast<const uint8_t*>(p.w->packed) + (size_t)q * pb;
      for (int t = tb0; t < tb1; t++) {
        isa.kernel(j.groups, j.packedA + (size_t)t * tb, panel, acc);
        storeTile(j, t, q, acc);
      }
    }
  }
}

}  // namespace

int int8QuantizeValue(float x, float inv, int qmax) {
  // x·inv rounded half to even: adding and subtracting 1.5·2²³ rounds any |v| < 2²² in the default rounding mode (not
  // folded away: the build has no -ffast-math), and vectorises without SSE4.1's roundps.
  const float v = x * inv;
  const float r = (v + 12582912.f) - 12582912.f;
  const int q = (int)r;
  return q > qmax ? qmax : (q < -qmax ? -qmax : q);
}

Int8Weights* int8WeightsNew(const int8_t* q, const float* scales, int n, int k) {
  auto* w = new Int8Weights();
  w->n = n;
  w->k = k;
  w->q = static_cast<int8_t*>(alignedBytes((size_t)n * k));
  w->scales = static_cast<float*>(alignedBytes(sizeof(float) * n));
  w->colsum = static_cast<int32_t*>(alignedBytes(sizeof(int32_t) * n));
  if (!w->q || !w->scales || !w->colsum) {
    int8WeightsFree(w);
    return nullptr;
  }
  std::memcpy(w->q, q, (size_t)n * k);
  std::memcpy(w->scales, scales, sizeof(float) * n);
  for (int j = 0; j < n; j++) {
    int32_t s = 0;
    for (int kk = 0; kk < k; kk++) s += q[(size_t)j * k + kk];
    w->colsum[j] = s;
  }
  return w;
}

void int8WeightsFree(Int8Weights* w) {
  if (!w) return;
  std::free(w->q);
  std::free(w->scales);
  std::free(w->colsum);
  std::free(w->packed);
  delete w;
}

bool int8WeightsPack(Int8Weights* w, const Int8Isa& isa) {
  if (w->packedFor == &isa) return true;
  const int panels = (w->n + isa.nr - 1) / isa.nr;
  const size_t pb = panelBytes(isa, w->k), bytes = pb * panels;
  std::free(w->packed);
  w->packedFor = nullptr;
  w->packed = alignedBytes(bytes);
  w->packedBytes = w->packed ? bytes : 0;
  if (!w->packed) return false;
  std::memset(w->packed, 0, bytes);
  const int nr = isa.nr, kg = isa.kg, eb = isa.elemBytes;
  for (int q = 0; q < panels; q++) {
    void* dst = static_cast<uint8_t*>(w->packed) + (size_t)q * pb;
    for (int jj = 0; jj < nr && q * nr + jj < w->n; jj++) {
      const int8_t* src = w->q + (size_t)(q * nr + jj) * w->k;
      for (int kk = 0; kk < w->k; kk++) put<int8_t>(dst, ((size_t)(kk / kg) * nr + jj) * kg + kk % kg, eb, src[kk]);
    }
  }
  w->packedFor = &isa;
  return true;
}

bool int8Gemm(Pool& pool, const Int8Isa& isa, const Int8Product& p) {
  const Int8Weights& w = *p.w;
  if (p.m <= 0 || w.n <= 0) return true;
  if (w.packedFor != &isa) return false;
  Job j{};
  j.isa = &isa;
  j.p = &p;
  j.groups = groupsOf(isa, w.k);
  j.tiles = (p.m + isa.mr - 1) / isa.mr;
  j.panels = (w.n + isa.nr - 1) / isa.nr;
  j.packedA = static_cast<uint8_t*>(gPackedA.get(tileBytes(isa, w.k) * j.tiles));
  j.rowScale = static_cast<float*>(gRowScales.get(sizeof(float) * p.m));
  if (!j.packedA || !j.rowScale) return false;
  const int threads = pool.threads();
  // About four tasks per thread; rows first, panels split too when the rows give too few tasks.
  const int want = threads == 1 ? 1 : 4 * threads;
  j.tileTasks = std::min(j.tiles, want);
  j.tileChunk = (j.tiles + j.tileTasks - 1) / j.tileTasks;
  j.tileTasks = (j.tiles + j.tileChunk - 1) / j.tileChunk;
  const int panelTasks = std::min(j.panels, std::max(1, want / j.tileTasks));
  j.panelChunk = (j.panels + panelTasks - 1) / panelTasks;
  const int pTasks = (j.panels + j.panelChunk - 1) / j.panelChunk;
  pool.run(j.tileTasks, packTask, &j);
  pool.run(j.tileTasks * pTasks, computeTask, &j);
  return true;
}

}  // namespace fets

// Register-tiled microkernels, one per instruction set, each compiled for its target with a function attribute so
// that one binary serves every CPU; the best one that runs is chosen at run time (selectIsa).
#include <cmath>
#include <cstdint>
#include <cstring>

#include "gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FETS_X86 1
#endif
#if defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace fets {

namespace {

// Portable: 4 × 16, plain loops the compiler vectorises for the baseline instruction set.
constexpr int kGenMr = 4, kGenNr = 16;
void kernelGeneric(int kc, const float* a, ptrdiff_t rs, ptrdiff_t ks, const float* b, ptrdiff_t bs, float* c,
                   ptrdiff_t ldc, int accumulate, const float* bias) {
  float acc[kGenMr][kGenNr] = {};
  if (bias)
    for (int i = 0; i < kGenMr; i++)
      for (int j = 0; j < kGenNr; j++) acc[i][j] = bias[j];
  for (int p = 0; p < kc; p++) {
    const float* bp = b + p * bs;
    const float* ap = a + p * ks;
    for (int i = 0; i < kGenMr; i++) {
      const float ai = ap[i * rs];
      for (int j = 0; j < kGenNr; j++) acc[i][j] += ai * bp[j];
    }
  }
  for (int i = 0; i < kGenMr; i++) {
    float* ci = c + i * ldc;
    if (accumulate)
      for (int j = 0; j < kGenNr; j++) ci[j] += acc[i][j];
    else
      for (int j = 0; j < kGenNr; j++) ci[j] = acc[i][j];
  }
}
// Register-resident FMA loops for the peak figure: `chains` independent accumulators, no memory traffic.
double peakGeneric(long iters) {
  float acc[8][4] = {};
  const float x = 0.999999f, y = 1e-7f;
  for (long t = 0; t < iters; t++)
    for (int i = 0; i < 8; i++)
      for (int j = 0; j < 4; j++) acc[i][j] = acc[i][j] * x + y;
  volatile float sink = 0;
  for (int i = 0; i < 8; i++)
    for (int j = 0; j < 4; j++) sink = sink + acc[i][j];
  return 2.0 * 8 * 4 * iters;
}
// GELU epilogue, portable: x·Φ(x) with erf(|x|/√2) = 1 − t·P(t)·e^(−x²/2), t = 1/(1 + 0.3275911·|x|/√2)
// (Abramowitz & Stegun 7.1.26) and Cephes' e^x for x ≤ 0; Φ = 1 − w for x ≥ 0 and w below, w = t·P(t)·e^(−x²/2)/2.
constexpr float kAs1 = 0.254829592f, kAs2 = -0.284496736f, kAs3 = 1.421413741f, kAs4 = -1.453152027f,
                kAs5 = 1.061405429f, kAsP = 0.3275911f;
constexpr float kExp1 = 1.9875691500e-4f, kExp2 = 1.3981999507e-3f, kExp3 = 8.3334519073e-3f, kExp4 = 4.1665795894e-2f,
                kExp5 = 1.6666665459e-1f, kExp6 = 5.0000001201e-1f;
inline float geluOne(float v) {
  const float z = std::fabs(v) * 0.70710678118654752f;
  float x = -z * z;
  x = x < -87.0f ? -87.0f : x;
  const float fx = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  float p = kExp1;
  p = p * r + kExp2;
  p = p * r + kExp3;
  p = p * r + kExp4;
  p = p * r + kExp5;
  p = p * r + kExp6;
  int32_t bits = ((int32_t)fx + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  const float e = (p * r * r + r + 1.0f) * scale;
  const float t = 1.0f / (1.0f + kAsP * z);
  const float poly = t * (kAs1 + t * (kAs2 + t * (kAs3 + t * (kAs4 + t * kAs5))));
  const float w = 0.5f * poly * e;
  return v * (v >= 0.0f ? 1.0f - w : w);
}
void geluGeneric(float* x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = geluOne(x[i]);
}
const Isa kGeneric = {"generic", kGenMr, kGenNr, kernelGeneric, peakGeneric, geluGeneric, nullptr};

#if FETS_X86
// AVX-512F: 8 rows × 32 columns, 16 zmm accumulators; A broadcast from memory into the FMA.
__attribute__((target("avx512f"))) void kernelAvx512(int kc, const float* a, ptrdiff_t rs, ptrdiff_t ks,
                                                      const float* b, ptrdiff_t bs, float* c, ptrdiff_t ldc,
                                                      int accumulate, const float* bias) {
  const __m512 z0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
  const __m512 z1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
  __m512 c00 = z0, c01 = z1, c10 = z0, c11 = z1, c20 = z0, c21 = z1, c30 = z0, c31 = z1;
  __m512 c40 = z0, c41 = z1, c50 = z0, c51 = z1, c60 = z0, c61 = z1, c70 = z0, c71 = z1;
  const float* r0 = a;
  const float* r4 = a + 4 * rs;
  const ptrdiff_t r2 = 2 * rs, r3 = 3 * rs;
  for (int p = 0; p < kc; p++, r0 += ks, r4 += ks, b += bs) {
    const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16);
    __m512 x;
    x = _mm512_set1_ps(r0[0]); c00 = _mm512_fmadd_ps(x, b0, c00); c01 = _mm512_fmadd_ps(x, b1, c01);
    x = _mm512_set1_ps(r0[rs]); c10 = _mm512_fmadd_ps(x, b0, c10); c11 = _mm512_fmadd_ps(x, b1, c11);
    x = _mm512_set1_ps(r0[r2]); c20 = _mm512_fmadd_ps(x, b0, c20); c21 = _mm512_fmadd_ps(x, b1, c21);
    x = _mm512_set1_ps(r0[r3]); c30 = _mm512_fmadd_ps(x, b0, c30); c31 = _mm512_fmadd_ps(x, b1, c31);
    x = _mm512_set1_ps(r4[0]); c40 = _mm512_fmadd_ps(x, b0, c40); c41 = _mm512_fmadd_ps(x, b1, c41);
    x = _mm512_set1_ps(r4[rs]); c50 = _mm512_fmadd_ps(x, b0, c50); c51 = _mm512_fmadd_ps(x, b1, c51);
    x = _mm512_set1_ps(r4[r2]); c60 = _mm512_fmadd_ps(x, b0, c60); c61 = _mm512_fmadd_ps(x, b1, c61);
    x = _mm512_set1_ps(r4[r3]); c70 = _mm512_fmadd_ps(x, b0, c70); c71 = _mm512_fmadd_ps(x, b1, c71);
  }
  const __m512 rows[8][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31},
                             {c40, c41}, {c50, c51}, {c60, c61}, {c70, c71}};
  for (int i = 0; i < 8; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      _mm512_storeu_ps(ci, _mm512_add_ps(_mm512_loadu_ps(ci), rows[i][0]));
      _mm512_storeu_ps(ci + 16, _mm512_add_ps(_mm512_loadu_ps(ci + 16), rows[i][1]));
    } else {
      _mm512_storeu_ps(ci, rows[i][0]);
      _mm512_storeu_ps(ci + 16, rows[i][1]);
    }
  }
}
__attribute__((target("avx512f"))) double peakAvx512(long iters) {
  __m512 a[12];
  for (int i = 0; i < 12; i++) a[i] = _mm512_set1_ps(0.001f * i);
  const __m512 x = _mm512_set1_ps(0.999999f), y = _mm512_set1_ps(1e-7f);
  for (long t = 0; t < iters; t++) {
    a[0] = _mm512_fmadd_ps(a[0], x, y); a[1] = _mm512_fmadd_ps(a[1], x, y); a[2] = _mm512_fmadd_ps(a[2], x, y);
    a[3] = _mm512_fmadd_ps(a[3], x, y); a[4] = _mm512_fmadd_ps(a[4], x, y); a[5] = _mm512_fmadd_ps(a[5], x, y);
    a[6] = _mm512_fmadd_ps(a[6], x, y); a[7] = _mm512_fmadd_ps(a[7], x, y); a[8] = _mm512_fmadd_ps(a[8], x, y);
    a[9] = _mm512_fmadd_ps(a[9], x, y); a[10] = _mm512_fmadd_ps(a[10], x, y); a[11] = _mm512_fmadd_ps(a[11], x, y);
  }
  __m512 s = a[0];
  for (int i = 1; i < 12; i++) s = _mm512_add_ps(s, a[i]);
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return 2.0 * 16 * 12 * iters;
}
void geluAvx2(float* x, size_t n);
void packPanelTAvx2(const float* src, ptrdiff_t ld, int kc, int nr, float* d);
const Isa kAvx512 = {"avx512", 8, 32, kernelAvx512, peakAvx512, geluAvx2, packPanelTAvx2};

// AVX2 + FMA: 6 rows × 16 columns, 12 ymm accumulators.
__attribute__((target("avx2,fma"))) void kernelAvx2(int kc, const float* a, ptrdiff_t rs, ptrdiff_t ks,
                                                    const float* b, ptrdiff_t bs, float* c, ptrdiff_t ldc,
                                                    int accumulate, const float* bias) {
  // C's tile rows (2 lines each) fetched while a long k loop runs (a fresh output, or one k block's partial sums
  // from a pass ago, is rarely in L1): CPU time of the bert-mini products' weight gradients -10-20% on Zen 3; short
  // loops (attention's k = 64) measured slower with it.
  if (kc >= 128)
    for (int i = 0; i < 6; i++) {
      _mm_prefetch((const char*)(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch((const char*)(c + i * ldc + 15), _MM_HINT_T0);
    }
  const __m256 z0 = bias ? _mm256_loadu_ps(bias) : _mm256_setzero_ps();
  const __m256 z1 = bias ? _mm256_loadu_ps(bias + 8) : _mm256_setzero_ps();
  __m256 c00 = z0, c01 = z1, c10 = z0, c11 = z1, c20 = z0, c21 = z1;
  __m256 c30 = z0, c31 = z1, c40 = z0, c41 = z1, c50 = z0, c51 = z1;
  const float* r0 = a;
  const float* r3 = a + 3 * rs;
  const ptrdiff_t r2 = 2 * rs;
  for (int p = 0; p < kc; p++, r0 += ks, r3 += ks, b += bs) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
    __m256 x;
    x = _mm256_broadcast_ss(r0); c00 = _mm256_fmadd_ps(x, b0, c00); c01 = _mm256_fmadd_ps(x, b1, c01);
    x = _mm256_broadcast_ss(r0 + rs); c10 = _mm256_fmadd_ps(x, b0, c10); c11 = _mm256_fmadd_ps(x, b1, c11);
    x = _mm256_broadcast_ss(r0 + r2); c20 = _mm256_fmadd_ps(x, b0, c20); c21 = _mm256_fmadd_ps(x, b1, c21);
    x = _mm256_broadcast_ss(r3); c30 = _mm256_fmadd_ps(x, b0, c30); c31 = _mm256_fmadd_ps(x, b1, c31);
    x = _mm256_broadcast_ss(r3 + rs); c40 = _mm256_fmadd_ps(x, b0, c40); c41 = _mm256_fmadd_ps(x, b1, c41);
    x = _mm256_broadcast_ss(r3 + r2); c50 = _mm256_fmadd_ps(x, b0, c50); c51 = _mm256_fmadd_ps(x, b1, c51);
  }
  const __m256 rows[6][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
  for (int i = 0; i < 6; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      _mm256_storeu_ps(ci, _mm256_add_ps(_mm256_loadu_ps(ci), rows[i][0]));
      _mm256_storeu_ps(ci + 8, _mm256_add_ps(_mm256_loadu_ps(ci + 8), rows[i][1]));
    } else {
      _mm256_storeu_ps(ci, rows[i][0]);
      _mm256_storeu_ps(ci + 8, rows[i][1]);
    }
  }
}
__attribute__((target("avx2,fma"))) double peakAvx2(long iters) {
  __m256 a[12];
  for (int i = 0; i < 12; i++) a[i] = _mm256_set1_ps(0.001f * i);
  const __m256 x = _mm256_set1_ps(0.999999f), y = _mm256_set1_ps(1e-7f);
  for (long t = 0; t < iters; t++) {
    a[0] = _mm256_fmadd_ps(a[0], x, y); a[1] = _mm256_fmadd_ps(a[1], x, y); a[2] = _mm256_fmadd_ps(a[2], x, y);
    a[3] = _mm256_fmadd_ps(a[3], x, y); a[4] = _mm256_fmadd_ps(a[4], x, y); a[5] = _mm256_fmadd_ps(a[5], x, y);
    a[6] = _mm256_fmadd_ps(a[6], x, y); a[7] = _mm256_fmadd_ps(a[7], x, y); a[8] = _mm256_fmadd_ps(a[8], x, y);
    a[9] = _mm256_fmadd_ps(a[9], x, y); a[10] = _mm256_fmadd_ps(a[10], x, y); a[11] = _mm256_fmadd_ps(a[11], x, y);
  }
  __m256 s = a[0];
  for (int i = 1; i < 12; i++) s = _mm256_add_ps(s, a[i]);
  alignas(32) float out[8];
  _mm256_store_ps(out, s);
  volatile float sink = out[0] + out[7];
  (void)sink;
  return 2.0 * 8 * 12 * iters;
}
// GELU epilogue with AVX2 + FMA, the portable one's formula on 8 lanes. Four vectors go through each step together:
// one vector's chain (exp, reciprocal, two polynomials: ~90 cycles of latency) is too long for the out-of-order
// window to overlap consecutive vectors, and the loop ran at ~1.45 ns an element (src/vec's geluInPlace, on C after
// the product); four chains interleaved fill the FMA pipes.
constexpr int kGeluLanes = 4;
__attribute__((target("avx2,fma"), always_inline)) inline void gelu8x4(__m256 (&v)[kGeluLanes]) {
  const __m256 absMask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  __m256 z[kGeluLanes], x[kGeluLanes], fx[kGeluLanes], r[kGeluLanes], p[kGeluLanes], t[kGeluLanes];
  for (int j = 0; j < kGeluLanes; j++) {
    z[j] = _mm256_mul_ps(_mm256_and_ps(v[j], absMask), _mm256_set1_ps(0.70710678118654752f));
    x[j] = _mm256_max_ps(_mm256_mul_ps(_mm256_sub_ps(_mm256_setzero_ps(), z[j]), z[j]), _mm256_set1_ps(-87.0f));
    // t = 1/d by the reciprocal estimate and one Newton step (relative error ~1e-7, below the erf formula's).
    const __m256 d = _mm256_fmadd_ps(_mm256_set1_ps(kAsP), z[j], _mm256_set1_ps(1.0f));
    const __m256 r0 = _mm256_rcp_ps(d);
    t[j] = _mm256_mul_ps(r0, _mm256_fnmadd_ps(d, r0, _mm256_set1_ps(2.0f)));
  }
  for (int j = 0; j < kGeluLanes; j++)
    fx[j] = _mm256_floor_ps(_mm256_fmadd_ps(x[j], _mm256_set1_ps(1.44269504088896341f), _mm256_set1_ps(0.5f)));
  for (int j = 0; j < kGeluLanes; j++) {
    r[j] = _mm256_fnmadd_ps(fx[j], _mm256_set1_ps(0.693359375f), x[j]);
    r[j] = _mm256_fnmadd_ps(fx[j], _mm256_set1_ps(-2.12194440e-4f), r[j]);
  }
  for (int j = 0; j < kGeluLanes; j++) p[j] = _mm256_fmadd_ps(_mm256_set1_ps(kExp1), r[j], _mm256_set1_ps(kExp2));
  for (const float c : {kExp3, kExp4, kExp5, kExp6})
    for (int j = 0; j < kGeluLanes; j++) p[j] = _mm256_fmadd_ps(p[j], r[j], _mm256_set1_ps(c));
  __m256 poly[kGeluLanes];
  for (int j = 0; j < kGeluLanes; j++) poly[j] = _mm256_fmadd_ps(_mm256_set1_ps(kAs5), t[j], _mm256_set1_ps(kAs4));
  for (const float c : {kAs3, kAs2, kAs1})
    for (int j = 0; j < kGeluLanes; j++) poly[j] = _mm256_fmadd_ps(poly[j], t[j], _mm256_set1_ps(c));
  for (int j = 0; j < kGeluLanes; j++) {
    // e = (p·r² + r + 1)·2^fx
    const __m256 e0 = _mm256_fmadd_ps(_mm256_mul_ps(p[j], r[j]), r[j], _mm256_add_ps(r[j], _mm256_set1_ps(1.0f)));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx[j]), _mm256_set1_epi32(127)), 23);
    const __m256 e = _mm256_mul_ps(e0, _mm256_castsi256_ps(bits));
    const __m256 w = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_mul_ps(t[j], poly[j])), e);
    const __m256 nonNeg = _mm256_cmp_ps(v[j], _mm256_setzero_ps(), _CMP_GE_OQ);
    const __m256 cdf = _mm256_blendv_ps(w, _mm256_sub_ps(_mm256_set1_ps(1.0f), w), nonNeg);
    v[j] = _mm256_mul_ps(v[j], cdf);
  }
}
__attribute__((target("avx2,fma"))) void geluAvx2(float* x, size_t n) {
  size_t i = 0;
  __m256 v[kGeluLanes];
  for (; i + 8 * kGeluLanes <= n; i += 8 * kGeluLanes) {
    for (int j = 0; j < kGeluLanes; j++) v[j] = _mm256_loadu_ps(x + i + 8 * j);
    gelu8x4(v);
    for (int j = 0; j < kGeluLanes; j++) _mm256_storeu_ps(x + i + 8 * j, v[j]);
  }
  if (i == n) return;
  // The rest (< 32 floats) through a zero-padded copy.
  alignas(32) float rest[8 * kGeluLanes] = {};
  const size_t left = n - i;
  std::memcpy(rest, x + i, left * sizeof(float));
  for (int j = 0; j < kGeluLanes; j++) v[j] = _mm256_load_ps(rest + 8 * j);
  gelu8x4(v);
  for (int j = 0; j < kGeluLanes; j++) _mm256_store_ps(rest + 8 * j, v[j]);
  std::memcpy(x + i, rest, left * sizeof(float));
}

/**
 * `Isa::packPanelT` with AVX2 (the avx2 and avx512 variants: nr 16 and 32, multiples of 8): d[p·nr + j] = src[j·ld + p]
 * for rows j < nr and steps p < kc, as 8 × 8 blocks transposed in registers (the scalar loop stored one float at a
 * time, nr floats apart: attention's Kᵀ packing took a third as long as its product). A copy: the same values.
 */
__attribute__((target("avx2"))) void packPanelTAvx2(const float* src, ptrdiff_t ld, int kc, int nr, float* d) {
  for (int j0 = 0; j0 < nr; j0 += 8) {
    const float* s = src + (ptrdiff_t)j0 * ld;
    int p = 0;
    for (; p + 8 <= kc; p += 8) {
      const __m256 r0 = _mm256_loadu_ps(s + p), r1 = _mm256_loadu_ps(s + ld + p);
      const __m256 r2 = _mm256_loadu_ps(s + 2 * ld + p), r3 = _mm256_loadu_ps(s + 3 * ld + p);
      const __m256 r4 = _mm256_loadu_ps(s + 4 * ld + p), r5 = _mm256_loadu_ps(s + 5 * ld + p);
      const __m256 r6 = _mm256_loadu_ps(s + 6 * ld + p), r7 = _mm256_loadu_ps(s + 7 * ld + p);
      const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      const __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      const __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      const __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float* o = d + (ptrdiff_t)p * nr + j0;
      _mm256_storeu_ps(o, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(o + nr, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(o + 2 * nr, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(o + 3 * nr, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(o + 4 * nr, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(o + 5 * nr, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(o + 6 * nr, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(o + 7 * nr, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
    for (; p < kc; p++)
      for (int i = 0; i < 8; i++) d[(ptrdiff_t)p * nr + j0 + i] = s[i * ld + p];
  }
}

const Isa kAvx2 = {"avx2", 6, 16, kernelAvx2, peakAvx2, geluAvx2, packPanelTAvx2};
#endif

#if defined(__aarch64__)
// NEON (aarch64): 8 rows × 8 columns, 16 q-register accumulators; A's 8 values of a step in two registers, used by lane.
void kernelNeon(int kc, const float* a, ptrdiff_t rs, ptrdiff_t ks, const float* b, ptrdiff_t bs, float* c,
                ptrdiff_t ldc, int accumulate, const float* bias) {
  float32x4_t acc[8][2];
  const float32x4_t z0 = bias ? vld1q_f32(bias) : vdupq_n_f32(0.f), z1 = bias ? vld1q_f32(bias + 4) : vdupq_n_f32(0.f);
  for (int i = 0; i < 8; i++) {
    acc[i][0] = z0;
    acc[i][1] = z1;
  }
  for (int p = 0; p < kc; p++, a += ks, b += bs) {
    const float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4);
    float32x4_t a0, a1;
    if (rs == 1) {
      a0 = vld1q_f32(a);
      a1 = vld1q_f32(a + 4);
    } else {
      const float g0[4] = {a[0], a[rs], a[2 * rs], a[3 * rs]};
      const float g1[4] = {a[4 * rs], a[5 * rs], a[6 * rs], a[7 * rs]};
      a0 = vld1q_f32(g0);
      a1 = vld1q_f32(g1);
    }
    acc[0][0] = vfmaq_laneq_f32(acc[0][0], b0, a0, 0); acc[0][1] = vfmaq_laneq_f32(acc[0][1], b1, a0, 0);
    acc[1][0] = vfmaq_laneq_f32(acc[1][0], b0, a0, 1); acc[1][1] = vfmaq_laneq_f32(acc[1][1], b1, a0, 1);
    acc[2][0] = vfmaq_laneq_f32(acc[2][0], b0, a0, 2); acc[2][1] = vfmaq_laneq_f32(acc[2][1], b1, a0, 2);
    acc[3][0] = vfmaq_laneq_f32(acc[3][0], b0, a0, 3); acc[3][1] = vfmaq_laneq_f32(acc[3][1], b1, a0, 3);
    acc[4][0] = vfmaq_laneq_f32(acc[4][0], b0, a1, 0); acc[4][1] = vfmaq_laneq_f32(acc[4][1], b1, a1, 0);
    acc[5][0] = vfmaq_laneq_f32(acc[5][0], b0, a1, 1); acc[5][1] = vfmaq_laneq_f32(acc[5][1], b1, a1, 1);
    acc[6][0] = vfmaq_laneq_f32(acc[6][0], b0, a1, 2); acc[6][1] = vfmaq_laneq_f32(acc[6][1], b1, a1, 2);
    acc[7][0] = vfmaq_laneq_f32(acc[7][0], b0, a1, 3); acc[7][1] = vfmaq_laneq_f32(acc[7][1], b1, a1, 3);
  }
  for (int i = 0; i < 8; i++) {
    float* ci = c + i * ldc;
    if (accumulate) {
      vst1q_f32(ci, vaddq_f32(vld1q_f32(ci), acc[i][0]));
      vst1q_f32(ci + 4, vaddq_f32(vld1q_f32(ci + 4), acc[i][1]));
    } else {
      vst1q_f32(ci, acc[i][0]);
      vst1q_f32(ci + 4, acc[i][1]);
    }
  }
}
double peakNeon(long iters) {
  float32x4_t a[12];
  for (int i = 0; i < 12; i++) a[i] = vdupq_n_f32(0.001f * i);
  const float32x4_t x = vdupq_n_f32(0.999999f), y = vdupq_n_f32(1e-7f);
  for (long t = 0; t < iters; t++)
    for (int i = 0; i < 12; i++) a[i] = vfmaq_f32(y, a[i], x);
  float32x4_t s = a[0];
  for (int i = 1; i < 12; i++) s = vaddq_f32(s, a[i]);
  volatile float sink = vaddvq_f32(s);
  (void)sink;
  return 2.0 * 4 * 12 * iters;
}
const Isa kNeon = {"neon", 8, 8, kernelNeon, peakNeon, geluGeneric, nullptr};
#endif

const Isa* gList[4];
int gCount = 0;

void buildList() {
  if (gCount) return;
#if FETS_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) gList[gCount++] = &kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) gList[gCount++] = &kAvx2;
#endif
#if defined(__aarch64__)
  gList[gCount++] = &kNeon;
#endif
  gList[gCount++] = &kGeneric;
}

}  // namespace

const Isa* const* isaList(int* count) {
  buildList();
  *count = gCount;
  return gList;
}

const Isa* selectIsa(const char* name) {
  buildList();
  if (!name || !*name) return gList[0];
  for (int i = 0; i < gCount; i++)
    if (std::strcmp(gList[i]->name, name) == 0) return gList[i];
  return nullptr;
}

}  // namespace fets

// The element-wise loops, written for the compiler to vectorise: included by avx512.cc, avx2.cc and base.cc, each
// compiled with its instruction set's flags and -ffp-contract=off (float32 rounding after every operation, in the
// order of the WebAssembly kernels). FETS_VEC_NS names the namespace and FETS_VEC_NAME the variant.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "vec.h"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace fets {
namespace FETS_VEC_NS {

namespace {

inline float bitsToFloat(int32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

/** e^x for x ≤ 0 down to −87 (Cephes' expf: Cody–Waite reduction, degree-5 polynomial, about 1 ulp). */
inline float expNeg(float x) {
  x = x < -87.0f ? -87.0f : x;
  const float fx = std::floor(x * 1.44269504088896341f + 0.5f);
  float r = x - fx * 0.693359375f;
  r = r - fx * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = p * r * r + r + 1.0f;
  return y * bitsToFloat((static_cast<int32_t>(fx) + 127) << 23);
}

/** GELU with its derivative; erf by Abramowitz & Stegun 7.1.26 as the wasm kernel (|error| ≤ 1.5e-7). */
void gelu(const float* __restrict x, float* __restrict y, float* __restrict d, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    const float z = std::fabs(v) * 0.70710678118654752f;
    const float e = expNeg(-z * z);
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    const float half = 0.5f * (1.0f - poly * e);
    const float cdf = v >= 0.0f ? 0.5f + half : 0.5f - half;
    y[i] = v * cdf;
    d[i] = cdf + v * e * 0.39894228040143268f;
  }
}

void geluInPlace(float* __restrict x, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float v = x[i];
    const float z = std::fabs(v) * 0.70710678118654752f;
    const float e = expNeg(-z * z);
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    const float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f + t * (-1.453152027f + t * 1.061405429f))));
    const float half = 0.5f * (1.0f - poly * e);
    x[i] = v * (v >= 0.0f ? 0.5f + half : 0.5f - half);
  }
}

void adamw(const float* __restrict p, const float* __restrict m, const float* __restrict v, const float* __restrict g,
           float* __restrict po, float* __restrict mo, float* __restrict vo, size_t n, AdamWScalars s) {
  const float b1 = s.b1, c1 = s.c1, b2 = s.b2, c2 = s.c2, bc1 = s.bc1, bc2 = s.bc2, eps = s.eps, lr = s.lr;
  const float decay = s.decay;
  for (size_t i = 0; i < n; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * c1;
    const float vi = v[i] * b2 + (gi * gi) * c2;
    mo[i] = mi;
    vo[i] = vi;
    const float step = (mi / bc1) / (std::sqrt(vi / bc2) + eps);
    po[i] = p[i] * decay - step * lr;
  }
}

void binary(const float* a, const float* b, float* out, size_t n, int op) {
  // Out may alias an input (in-place), so no __restrict here; the loops are still simple streams.
  if (op == 0)
    for (size_t i = 0; i < n; i++) out[i] = a[i] + b[i];
  else if (op == 1)
    for (size_t i = 0; i < n; i++) out[i] = a[i] * b[i];
  else
    for (size_t i = 0; i < n; i++) out[i] = a[i] - b[i];
}

void binaryRows(const float* a, const float* b, float* out, size_t rows, size_t cols, int op) {
  for (size_t r = 0; r < rows; r++) binary(a + r * cols, b, out + r * cols, cols, op);
}

// Reductions below keep kLanes partial sums (a vector's worth or two), so that the compiler vectorises them without
// reassociating float additions itself; the lanes are added in order at the end.
constexpr size_t kLanes = 16;

inline float laneSum(const float* acc) {
  float s = 0.0f;
  for (size_t l = 0; l < kLanes; l++) s += acc[l];
  return s;
}

#if defined(__AVX2__)
/** expNeg on 8 lanes, the same operations in the same order (so the same bits as the scalar one). */
inline __m256 expNeg8(__m256 x) {
  x = _mm256_blendv_ps(x, _mm256_set1_ps(-87.0f), _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_LT_OQ));
  const __m256 fx =
      _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _mm256_set1_ps(0.5f)));
  __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(fx, _mm256_set1_ps(0.693359375f)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(fx, _mm256_set1_ps(-2.12194440e-4f)));
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.0000001201e-1f));
  const __m256 y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r), _mm256_set1_ps(1.0f));
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(y, _mm256_castsi256_ps(bits));
}
#endif

/**
 * Row softmax in place: x ← softmax(x·scale + add) per row (add: `cols` floats shared by every row, or null). With
 * AVX2 the kLanes lanes are two 8-float vectors written out with intrinsics (the compiler's vectorisation of the
 * lane loops below ran at ~8 cycles an element: attention's softmax took a quarter of its time); the same operations
 * in the same order per lane, so the same bits.
 */
template <bool kAdd>
void softmaxRowsT(float* x, size_t rows, size_t cols, float scale, const float* add) {
  for (size_t r = 0; r < rows; r++) {
    float* row = x + r * cols;
    float mx[kLanes];
    for (size_t l = 0; l < kLanes; l++) mx[l] = -3.402823466e38f;
    size_t j = 0;
#if defined(__AVX2__)
    {
      const __m256 sc = _mm256_set1_ps(scale);
      __m256 m0 = _mm256_loadu_ps(mx), m1 = _mm256_loadu_ps(mx + 8);
      for (; j + kLanes <= cols; j += kLanes) {
        __m256 v0 = _mm256_mul_ps(_mm256_loadu_ps(row + j), sc), v1 = _mm256_mul_ps(_mm256_loadu_ps(row + j + 8), sc);
        if (kAdd) {
          v0 = _mm256_add_ps(v0, _mm256_loadu_ps(add + j));
          v1 = _mm256_add_ps(v1, _mm256_loadu_ps(add + j + 8));
        }
        _mm256_storeu_ps(row + j, v0);
        _mm256_storeu_ps(row + j + 8, v1);
        // max_ps(v, m) is v > m ? v : m, as below.
        m0 = _mm256_max_ps(v0, m0);
        m1 = _mm256_max_ps(v1, m1);
      }
      _mm256_storeu_ps(mx, m0);
      _mm256_storeu_ps(mx + 8, m1);
    }
#endif
    for (; j + kLanes <= cols; j += kLanes)
      for (size_t l = 0; l < kLanes; l++) {
        const float v = kAdd ? row[j + l] * scale + add[j + l] : row[j + l] * scale;
        row[j + l] = v;
        mx[l] = v > mx[l] ? v : mx[l];
      }
    float m = mx[0];
    for (size_t l = 1; l < kLanes; l++) m = mx[l] > m ? mx[l] : m;
    for (; j < cols; j++) {
      const float v = kAdd ? row[j] * scale + add[j] : row[j] * scale;
      row[j] = v;
      m = v > m ? v : m;
    }
    float acc[kLanes] = {};
    j = 0;
    // e^(x − max); below −87 (a masked key) exactly 0, as e^x rounds to in float32 for a large negative x.
#if defined(__AVX2__)
    {
      const __m256 mv = _mm256_set1_ps(m), lo = _mm256_set1_ps(-87.0f);
      __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
      for (; j + kLanes <= cols; j += kLanes) {
        const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(row + j), mv);
        const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(row + j + 8), mv);
        const __m256 e0 = _mm256_andnot_ps(_mm256_cmp_ps(d0, lo, _CMP_LT_OQ), expNeg8(d0));
        const __m256 e1 = _mm256_andnot_ps(_mm256_cmp_ps(d1, lo, _CMP_LT_OQ), expNeg8(d1));
        _mm256_storeu_ps(row + j, e0);
        _mm256_storeu_ps(row + j + 8, e1);
        a0 = _mm256_add_ps(a0, e0);
        a1 = _mm256_add_ps(a1, e1);
      }
      _mm256_storeu_ps(acc, a0);
      _mm256_storeu_ps(acc + 8, a1);
    }
#endif
    for (; j + kLanes <= cols; j += kLanes)
      for (size_t l = 0; l < kLanes; l++) {
        const float d = row[j + l] - m;
        const float e = d < -87.0f ? 0.0f : expNeg(d);
        row[j + l] = e;
        acc[l] += e;
      }
    float total = laneSum(acc);
    for (; j < cols; j++) {
      const float d = row[j] - m;
      const float e = d < -87.0f ? 0.0f : expNeg(d);
      row[j] = e;
      total += e;
    }
    const float inv = 1.0f / total;
    j = 0;
#if defined(__AVX2__)
    for (const __m256 iv = _mm256_set1_ps(inv); j + 8 <= cols; j += 8)
      _mm256_storeu_ps(row + j, _mm256_mul_ps(_mm256_loadu_ps(row + j), iv));
#endif
    for (; j < cols; j++) row[j] *= inv;
  }
}

void softmaxRows(float* x, size_t rows, size_t cols, float scale, const float* add) {
  if (add) softmaxRowsT<true>(x, rows, cols, scale, add);
  else softmaxRowsT<false>(x, rows, cols, scale, add);
}

/** Σ src[0..h) in kLanes partial sums. */
inline float rowSum(const float* src, size_t h) {
  float acc[kLanes] = {};
  size_t j = 0;
  for (; j + kLanes <= h; j += kLanes)
    for (size_t l = 0; l < kLanes; l++) acc[l] += src[j + l];
  float s = laneSum(acc);
  for (; j < h; j++) s += src[j];
  return s;
}

/** Σ (src − mu)² in kLanes partial sums. */
inline float rowSquares(const float* src, size_t h, float mu) {
  float acc[kLanes] = {};
  size_t j = 0;
  for (; j + kLanes <= h; j += kLanes)
    for (size_t l = 0; l < kLanes; l++) {
      const float d = src[j + l] - mu;
      acc[l] += d * d;
    }
  float s = laneSum(acc);
  for (; j < h; j++) {
    const float d = src[j] - mu;
    s += d * d;
  }
  return s;
}

void layerNormRows(const float* x, const float* res, const float* gamma, const float* beta, float* y, float* z,
                   float* mean, float* rstd, size_t rows, size_t h, float eps) {
  const float invH = 1.0f / static_cast<float>(h);
  for (size_t r = 0; r < rows; r++) {
    const float* src = x + r * h;
    float* yr = y + r * h;
    if (res) {
      // The residual sum goes to z when it is kept (training), else straight into y (normalised in place below).
      float* zr = z ? z + r * h : yr;
      const float* rr = res + r * h;
      for (size_t j = 0; j < h; j++) zr[j] = src[j] + rr[j];
      src = zr;
    }
    const float mu = rowSum(src, h) * invH;
    const float inv = 1.0f / std::sqrt(rowSquares(src, h, mu) * invH + eps);
    for (size_t j = 0; j < h; j++) yr[j] = ((src[j] - mu) * inv) * gamma[j] + beta[j];
    if (mean) mean[r] = mu;
    if (rstd) rstd[r] = inv;
  }
}

void layerNormGradRows(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                       float* dx, float* dgamma, float* dbeta, size_t rows, size_t h) {
  const float invH = 1.0f / static_cast<float>(h);
  for (size_t r = 0; r < rows; r++) {
    const float* d = dy + r * h;
    const float* xr = x + r * h;
    float* o = dx + r * h;
    const float mu = mean[r], inv = rstd[r];
    float sg[kLanes] = {}, sgx[kLanes] = {};
    size_t j = 0;
    for (; j + kLanes <= h; j += kLanes)
      for (size_t l = 0; l < kLanes; l++) {
        const float xh = (xr[j + l] - mu) * inv;
        const float dj = d[j + l];
        const float gj = dj * gamma[j + l];
        sg[l] += gj;
        sgx[l] += gj * xh;
        dgamma[j + l] += dj * xh;
        dbeta[j + l] += dj;
      }
    float tg = laneSum(sg), tgx = laneSum(sgx);
    for (; j < h; j++) {
      const float xh = (xr[j] - mu) * inv;
      const float dj = d[j];
      const float gj = dj * gamma[j];
      tg += gj;
      tgx += gj * xh;
      dgamma[j] += dj * xh;
      dbeta[j] += dj;
    }
    const float mg = tg * invH, mgx = tgx * invH;
    for (j = 0; j < h; j++) {
      const float xh = (xr[j] - mu) * inv;
      o[j] = ((d[j] * gamma[j] - mg) - xh * mgx) * inv;
    }
  }
}

}  // namespace

extern const VecKernels kernels = {FETS_VEC_NAME, gelu,          adamw,        binary,           geluInPlace,
                                   binaryRows,    softmaxRows,   layerNormRows, layerNormGradRows};

}  // namespace FETS_VEC_NS
}  // namespace fets

// The element-wise loops, written for the compiler to vectorise: included by avx512.cc, avx2.cc and base.cc, each
// compiled with its instruction set's flags and -ffp-contract=off (float32 rounding after every operation, in the
// order of the WebAssembly kernels). FETS_VEC_NS names the namespace and FETS_VEC_NAME the variant.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "vec.h"

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

}  // namespace

extern const VecKernels kernels = {FETS_VEC_NAME, gelu, adamw, binary, geluInPlace, binaryRows};

}  // namespace FETS_VEC_NS
}  // namespace fets

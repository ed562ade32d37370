// Vectorisable loops of the element-wise kernels, compiled once per instruction set (binding.gyp builds
// kernels.inc.cc as avx512.cc, avx2.cc and base.cc with that set's flags) and chosen at run time.
#pragma once
#include <cstddef>

namespace fets {

/** The AdamW scalars: β1, 1−β1, β2, 1−β2, 1−β1^t, 1−β2^t, ε, lr, 1−lr·wd. */
struct AdamWScalars {
  float b1, c1, b2, c2, bc1, bc2, eps, lr, decay;
};

/** One instruction set's loops. */
struct VecKernels {
  const char* name;
  /** y = x·Φ(x) and d = dy/dx. */
  void (*gelu)(const float* x, float* y, float* d, size_t n);
  /** One AdamW step (see elementwise.cc). */
  void (*adamw)(const float* p, const float* m, const float* v, const float* g, float* po, float* mo, float* vo,
                size_t n, AdamWScalars s);
  /** out = a ⊙ b (op 0: +, 1: ×, 2: −) over n elements. */
  void (*binary)(const float* a, const float* b, float* out, size_t n, int op);
  /** x = GELU(x) in place, the value only (inference). */
  void (*geluInPlace)(float* x, size_t n);
  /** out[r, c] = a[r, c] op b[c] for `rows` rows of `cols` (a bias broadcast over rows). */
  void (*binaryRows)(const float* a, const float* b, float* out, size_t rows, size_t cols, int op);
  /** Row softmax in place: each row of `cols` floats ← softmax(row·scale + add), add `cols` floats or null. */
  void (*softmaxRows)(float* x, size_t rows, size_t cols, float scale, const float* add);
  /**
   * LayerNorm of `rows` rows of h floats (biased variance): y = ((s − μ)·rstd)·γ + β with s = x + res (res null: s = x).
   * z (null: not kept) receives s; mean and rstd (null: not kept) one value per row. y may be x.
   */
  void (*layerNormRows)(const float* x, const float* res, const float* gamma, const float* beta, float* y, float* z,
                        float* mean, float* rstd, size_t rows, size_t h, float eps);
  /**
   * Its gradient: dx = rstd·((g − mean(g)) − x̂·mean(g·x̂)) with x̂ = (x − μ)·rstd and g = dy·γ; dγ += Σ dy·x̂ and
   * dβ += Σ dy over the rows (accumulated into what the caller gives).
   */
  void (*layerNormGradRows)(const float* dy, const float* x, const float* gamma, const float* mean, const float* rstd,
                            float* dx, float* dgamma, float* dbeta, size_t rows, size_t h);
};

/** The best loops this CPU runs. */
const VecKernels& vec();

namespace vec_avx512 {
extern const VecKernels kernels;
}
namespace vec_avx2 {
extern const VecKernels kernels;
}
namespace vec_base {
extern const VecKernels kernels;
}

}  // namespace fets

// LayerNorm over the last axis on the wasm heap, with the residual add before it fused in (BERT's
// LayerNorm(x + residual)), and its gradient: rows in parallel on the pool's threads, the CPU's vector width (vec/).
#include <algorithm>
#include <cstring>
#include <vector>

#include "addon.h"
#include "call.h"
#include "parallel.h"
#include "vec/vec.h"

namespace fets {

namespace {

/** Rows per task: about 64 KiB of input, at least one row. */
size_t rowGrain(size_t h) { return std::max<size_t>(1, 16384 / std::max<size_t>(h, 1)); }

// layerNorm(heap, {x, residual?, gamma, beta, y, sum?, mean?, rstd?, rows, h, eps}): y = LayerNorm(x + residual)
// (biased variance); `sum` receives x + residual, `mean` and `rstd` the statistics per row, when given.
napi_value LayerNorm(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "layerNorm");
  const int rows = c.integer("rows"), h = c.integer("h", 1);
  const double n = (double)rows * h;
  const float* x = c.floats("x", n);
  const float* res = c.optionalFloats("residual", n);
  const float* gamma = c.floats("gamma", h);
  const float* beta = c.floats("beta", h);
  float* y = c.floats("y", n);
  float* sum = c.optionalFloats("sum", n);
  float* mean = c.optionalFloats("mean", rows);
  float* rstd = c.optionalFloats("rstd", rows);
  const float eps = (float)c.number("eps");
  if (!c.ok()) return nullptr;
  if (rows == 0) return undefinedValue(env);
  if (sum && !res) {
    c.fail("sum is given without a residual");
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(callMutex());
  const auto f = vec().layerNormRows;
  const size_t H = (size_t)h;
  parallelFor((size_t)rows, rowGrain(H), [&](size_t r0, size_t r1) {
    f(x + r0 * H, res ? res + r0 * H : nullptr, gamma, beta, y + r0 * H, sum ? sum + r0 * H : nullptr,
      mean ? mean + r0 : nullptr, rstd ? rstd + r0 : nullptr, r1 - r0, H, eps);
  });
  return undefinedValue(env);
}

struct GradJob {
  const float *dy, *x, *gamma, *mean, *rstd;
  float* dx;
  float* partial;  // tasks × 2h: each task's dγ then dβ
  size_t rows, h, chunk;
};

// layerNormGrad(heap, {dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, h}): the gradient of layerNorm for the
// statistics it kept (x is the normalised input: the sum when a residual was added).
napi_value LayerNormGrad(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "layerNormGrad");
  const int rows = c.integer("rows"), h = c.integer("h", 1);
  const double n = (double)rows * h;
  const float* dy = c.floats("dy", n);
  const float* x = c.floats("x", n);
  const float* gamma = c.floats("gamma", h);
  const float* mean = c.floats("mean", rows);
  const float* rstd = c.floats("rstd", rows);
  float* dx = c.floats("dx", n);
  float* dgamma = c.floats("dgamma", h);
  float* dbeta = c.floats("dbeta", h);
  if (!c.ok()) return nullptr;
  const size_t H = (size_t)h;
  std::memset(dgamma, 0, H * sizeof(float));
  std::memset(dbeta, 0, H * sizeof(float));
  if (rows == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  // Fixed row chunks (not one per thread), each with its own dγ, dβ partial sums added in chunk order: the result
  // does not depend on the number of threads.
  const size_t chunk = std::max<size_t>(64, rowGrain(H));
  const size_t tasks = ((size_t)rows + chunk - 1) / chunk;
  std::vector<float> partial(tasks * 2 * H, 0.0f);
  GradJob job{dy, x, gamma, mean, rstd, dx, partial.data(), (size_t)rows, H, chunk};
  pool().run((int)tasks, [](void* ctx, int t, int) {
    const auto& j = *static_cast<const GradJob*>(ctx);
    const size_t r0 = (size_t)t * j.chunk, r1 = std::min(j.rows, r0 + j.chunk);
    float* pg = j.partial + (size_t)t * 2 * j.h;
    vec().layerNormGradRows(j.dy + r0 * j.h, j.x + r0 * j.h, j.gamma, j.mean + r0, j.rstd + r0, j.dx + r0 * j.h, pg,
                            pg + j.h, r1 - r0, j.h);
  }, &job);
  for (size_t t = 0; t < tasks; t++) {
    const float* pg = partial.data() + t * 2 * H;
    for (size_t i = 0; i < H; i++) {
      dgamma[i] += pg[i];
      dbeta[i] += pg[H + i];
    }
  }
  return undefinedValue(env);
}

}  // namespace

void registerNorm(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"layerNorm", nullptr, LayerNorm, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"layerNormGrad", nullptr, LayerNormGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

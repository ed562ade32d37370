// Column sums of a row-major float32 matrix on the pool's threads: the bias gradients (ones·dy) and tf.sum over
// leading axes. Fixed row chunks (their size depends on the shape only), each summed in row order into its own
// partial row, then the partials added in chunk order: the result does not depend on the number of threads.
#include <algorithm>
#include <cstring>
#include <vector>

#include "addon.h"
#include "call.h"

namespace fets {

namespace {

/** Rows per chunk: about 64 KiB of input, at least 16 rows, at most 64 chunks (the partial rows stay small). */
size_t chunkRows(size_t rows, size_t cols) {
  return std::max({size_t(16), 16384 / std::max<size_t>(cols, 1), (rows + 63) / 64});
}

struct SumJob {
  const float* x;
  float* partial;
  size_t rows, cols, chunk;
};

void sumTask(void* ctx, int t, int) {
  const auto& j = *static_cast<const SumJob*>(ctx);
  const size_t r0 = (size_t)t * j.chunk, r1 = std::min(j.rows, r0 + j.chunk);
  float* __restrict acc = j.partial + (size_t)t * j.cols;
  const float* __restrict first = j.x + r0 * j.cols;
  std::memcpy(acc, first, j.cols * sizeof(float));
  for (size_t r = r0 + 1; r < r1; r++) {
    const float* __restrict row = j.x + r * j.cols;
    for (size_t c = 0; c < j.cols; c++) acc[c] += row[c];
  }
}

// columnSum(heap, {x, out, rows, cols}): out[c] = Σ_r x[r, c].
napi_value ColumnSum(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "columnSum");
  const int rowsIn = c.integer("rows"), colsIn = c.integer("cols");
  const size_t rows = (size_t)rowsIn, cols = (size_t)colsIn;
  const float* x = c.floats("x", (double)rows * cols);
  float* out = c.floats("out", (double)cols);
  if (!c.ok()) return nullptr;
  if (cols == 0) return undefinedValue(env);
  if (rows == 0) {
    std::memset(out, 0, cols * sizeof(float));
    return undefinedValue(env);
  }
  std::lock_guard<std::mutex> lock(callMutex());
  const size_t chunk = chunkRows(rows, cols);
  const size_t tasks = (rows + chunk - 1) / chunk;
  std::vector<float> partial(tasks * cols);
  SumJob job{x, partial.data(), rows, cols, chunk};
  pool().run((int)tasks, sumTask, &job);
  std::memcpy(out, partial.data(), cols * sizeof(float));
  for (size_t t = 1; t < tasks; t++) {
    const float* p = partial.data() + t * cols;
    for (size_t i = 0; i < cols; i++) out[i] += p[i];
  }
  return undefinedValue(env);
}

}  // namespace

void registerColumnSum(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"columnSum", nullptr, ColumnSum, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

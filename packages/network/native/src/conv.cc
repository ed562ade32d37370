// The data movement around fets' convolutions (kernels/conv.ts, kernels/pool.ts), in place on the wasm heap and on
// the pool's threads: im2col (the patches under the filter, one row per output position), col2im (its adjoint, the
// patches added back) and the max-pool gradient. The products themselves go through gemm.cc.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "addon.h"
#include "call.h"
#include "parallel.h"

namespace fets {

namespace {

/** A 2-D convolution's shapes, NHWC (named arguments of every entry point here: kernels/native/calls.ts ConvGeometry). */
struct Geom {
  int batch, inH, inW, inC, outH, outW, kH, kW, strideH, strideW, dilationH, dilationW, padTop, padLeft;
};

/** The geometry read by name: sizes ≥ 0, kernel, stride and dilation ≥ 1, padding any integer. */
Geom geomOf(CallArgs& c) {
  Geom g;
  g.batch = c.integer("batch");
  g.inH = c.integer("inH");
  g.inW = c.integer("inW");
  g.inC = c.integer("inC");
  g.outH = c.integer("outH");
  g.outW = c.integer("outW");
  g.kH = c.integer("kH", 1);
  g.kW = c.integer("kW", 1);
  g.strideH = c.integer("strideH", 1);
  g.strideW = c.integer("strideW", 1);
  g.dilationH = c.integer("dilationH", 1);
  g.dilationW = c.integer("dilationW", 1);
  g.padTop = c.integer("padTop", INT32_MIN, INT32_MAX);
  g.padLeft = c.integer("padLeft", INT32_MIN, INT32_MAX);
  return g;
}

size_t inputSize(const Geom& g) { return (size_t)g.batch * g.inH * g.inW * g.inC; }
size_t colSize(const Geom& g) { return (size_t)g.batch * g.outH * g.outW * g.kH * g.kW * g.inC; }

/** im2col for the output rows [r0, r1) of all images (r = b·outH + oh). */
void im2colRows(const float* x, float* col, const Geom& g, size_t r0, size_t r1) {
  const size_t k = (size_t)g.kH * g.kW * g.inC;
  const size_t run = (size_t)g.inC;
  for (size_t r = r0; r < r1; r++) {
    const int b = (int)(r / g.outH), oh = (int)(r % g.outH);
    const float* xb = x + (size_t)b * g.inH * g.inW * g.inC;
    float* row = col + r * g.outW * k;
    for (int ow = 0; ow < g.outW; ow++, row += k) {
      float* dst = row;
      for (int kh = 0; kh < g.kH; kh++) {
        const int ih = oh * g.strideH - g.padTop + kh * g.dilationH;
        const bool rowIn = ih >= 0 && ih < g.inH;
        for (int kw = 0; kw < g.kW; kw++, dst += run) {
          const int iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
          if (!rowIn || iw < 0 || iw >= g.inW) {
            std::memset(dst, 0, run * sizeof(float));
          } else if (run == 1) {
            *dst = xb[(size_t)ih * g.inW + iw];
          } else {
            std::memcpy(dst, xb + ((size_t)ih * g.inW + iw) * run, run * sizeof(float));
          }
        }
      }
    }
  }
}

/** col2im for images [b0, b1): dx of each image starts at 0 and receives its patches in row order. */
void col2imImages(const float* col, float* dx, const Geom& g, size_t b0, size_t b1) {
  const size_t k = (size_t)g.kH * g.kW * g.inC;
  const size_t run = (size_t)g.inC;
  const size_t image = (size_t)g.inH * g.inW * g.inC;
  for (size_t b = b0; b < b1; b++) {
    float* xb = dx + b * image;
    std::memset(xb, 0, image * sizeof(float));
    const float* row = col + b * g.outH * g.outW * k;
    for (int oh = 0; oh < g.outH; oh++) {
      for (int ow = 0; ow < g.outW; ow++, row += k) {
        const float* src = row;
        for (int kh = 0; kh < g.kH; kh++) {
          const int ih = oh * g.strideH - g.padTop + kh * g.dilationH;
          const bool rowIn = ih >= 0 && ih < g.inH;
          for (int kw = 0; kw < g.kW; kw++, src += run) {
            const int iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
            if (!rowIn || iw < 0 || iw >= g.inW) continue;
            float* dst = xb + ((size_t)ih * g.inW + iw) * run;
            for (size_t c = 0; c < run; c++) dst[c] += src[c];
          }
        }
      }
    }
  }
}

// im2col(heap, {x, col, ...geometry})
napi_value Im2col(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "im2col");
  const Geom g = geomOf(c);
  const float* x = c.ok() ? c.floats("x", (double)inputSize(g)) : nullptr;
  float* col = c.ok() ? c.floats("col", (double)colSize(g)) : nullptr;
  if (!c.ok()) return nullptr;
  if (!x || !col) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  const size_t rows = (size_t)g.batch * g.outH;
  const size_t perRow = std::max<size_t>(1, (size_t)g.outW * g.kH * g.kW * g.inC);
  parallelFor(rows, std::max<size_t>(1, 16384 / perRow), [&](size_t r0, size_t r1) { im2colRows(x, col, g, r0, r1); });
  return undefinedValue(env);
}

// col2im(heap, {col, dx, ...geometry})
napi_value Col2im(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "col2im");
  const Geom g = geomOf(c);
  const float* col = c.ok() ? c.floats("col", (double)colSize(g)) : nullptr;
  float* dx = c.ok() ? c.floats("dx", (double)inputSize(g)) : nullptr;
  if (!c.ok()) return nullptr;
  if (!dx) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  parallelFor((size_t)g.batch, 1, [&](size_t b0, size_t b1) { col2imImages(col, dx, g, b0, b1); });
  return undefinedValue(env);
}

/**
 * The max-pool gradient of images [b0, b1): each output position's dy goes to its window's first maximum in row-major
 * order, the element tfjs' cpu kernel picks.
 */
void maxPoolGradImages(const float* x, const float* dy, float* dx, const Geom& g, size_t b0, size_t b1) {
  const size_t c = (size_t)g.inC;
  const size_t image = (size_t)g.inH * g.inW * c;
  for (size_t b = b0; b < b1; b++) {
    const float* xb = x + b * image;
    float* db = dx + b * image;
    std::memset(db, 0, image * sizeof(float));
    const float* gb = dy + b * (size_t)g.outH * g.outW * c;
    for (int r = 0; r < g.outH; r++) {
      const int r0 = std::max(0, r * g.strideH - g.padTop), r1 = std::min(g.inH, r * g.strideH - g.padTop + g.kH);
      for (int q = 0; q < g.outW; q++) {
        const int c0 = std::max(0, q * g.strideW - g.padLeft), c1 = std::min(g.inW, q * g.strideW - g.padLeft + g.kW);
        if (r0 >= r1 || c0 >= c1) continue;
        const float* go = gb + ((size_t)r * g.outW + q) * c;
        // One channel at a time with its running maximum in registers (the window's elements of one channel lie c
        // floats apart, in the same few cache lines); selects, not jumps, since the winner is data-dependent.
        for (size_t ch = 0; ch < c; ch++) {
          size_t at = ((size_t)r0 * g.inW + c0) * c + ch;
          float best = xb[at];
          for (int i = r0; i < r1; i++) {
            for (int j = i == r0 ? c0 + 1 : c0; j < c1; j++) {
              const size_t p = ((size_t)i * g.inW + j) * c + ch;
              const float v = xb[p];
              const bool better = v > best;
              best = better ? v : best;
              at = better ? p : at;
            }
          }
          db[at] += go[ch];
        }
      }
    }
  }
}

// maxPoolGrad(heap, {x, dy, dx, ...geometry}): the pool's window is kH × kW, dilation 1.
napi_value MaxPoolGrad(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "maxPoolGrad");
  const Geom g = geomOf(c);
  const float* x = c.ok() ? c.floats("x", (double)inputSize(g)) : nullptr;
  const float* dy = c.ok() ? c.floats("dy", (double)g.batch * g.outH * g.outW * g.inC) : nullptr;
  float* dx = c.ok() ? c.floats("dx", (double)inputSize(g)) : nullptr;
  if (!c.ok()) return nullptr;
  if (!dx) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  parallelFor((size_t)g.batch, 1, [&](size_t b0, size_t b1) { maxPoolGradImages(x, dy, dx, g, b0, b1); });
  return undefinedValue(env);
}

}  // namespace

void registerConv(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"im2col", nullptr, Im2col, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"col2im", nullptr, Col2im, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"maxPoolGrad", nullptr, MaxPoolGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

// Fused multi-head self-attention for training, and its gradient, on the wasm heap. As the inference kernel
// (attention.cc), one task per (sequence, head) reads Q, K and V where the projections wrote them (token-major,
// [B·L, ·], head h at columns h·d …) and writes token-major results: no head transposes. Training adds:
//
// - the probabilities P = softmax(Q·Kᵀ·scale + mask) are written out ([B, heads, L, L], as tfjs's probs tensor) for
//   the gradient;
// - attention-probability dropout with tf.dropout's own mask: the mask of the [B, heads·L, L] probabilities is the
//   seeded Alea stream, and the block of (b, h) starts (b·heads + h)·L² draws in, so each task jumps there (alea.h) and
//   generates its L² multipliers in its scratch; the gradient generates them again instead of keeping them.
//
// Gradient, per task, with M the dropout multipliers (1 without dropout) and Pd = P ⊙ M:
//   dV = Pdᵀ·dO,  G = (dO·Vᵀ) ⊙ M,  dS = P ⊙ (G − rowsum(G ⊙ P))·scale,  dQ = dS·K,  dK = dSᵀ·Q.
#include <algorithm>
#include <vector>

#include "addon.h"
#include "alea.h"
#include "call.h"
#include "gemm.h"
#include "vec/vec.h"

namespace fets {

namespace {

constexpr int kMaxThreads = 256;
/** Per pool thread: the dropout multipliers, P ⊙ M, and (gradient) the L×L gradient block. */
Scratch gMask[kMaxThreads], gDropped[kMaxThreads], gGrad[kMaxThreads];

/** Operands shared by the forward and the gradient. */
struct Geometry {
  int batch, seq, heads, d;
  ptrdiff_t ldq, ldk, ldv, ldo;
  float scale;
};

/** The dropout of one call: the jumped start of every (b, h) block, the plan of an L² block, the threshold. */
struct Dropout {
  bool on = false;
  std::vector<alea::u128> starts;
  alea::MaskPlan plan;
  uint64_t threshold = 0;
  float scale = 1;
};

/** Reads the dropout arguments (keep < 1: on) and jumps to every block's start. */
bool readDropout(CallArgs& c, int blocks, size_t blockLen, Dropout* out) {
  const double keep = c.number("keep", 1);
  if (!c.ok()) return false;
  if (!(keep > 0 && keep <= 1)) {
    c.fail("keep must be in (0, 1]");
    return false;
  }
  if (keep == 1) return true;
  const double s0 = c.number("s0"), s1 = c.number("s1"), s2 = c.number("s2"), carry = c.number("c");
  const double scale = c.number("dropScale");
  if (!c.ok()) return false;
  if (!(s0 >= 0 && s0 < 1 && s1 >= 0 && s1 < 1 && s2 >= 0 && s2 < 1 && carry >= 0 && carry < 2091639)) {
    c.fail("s0, s1, s2 must be in [0, 1) and c in [0, 2091639) (an Alea state)");
    return false;
  }
  out->on = true;
  out->threshold = alea::keepThreshold((float)keep);
  out->scale = (float)scale;
  out->plan = alea::maskPlan(blockLen);
  out->starts.resize(blocks);
  alea::u128 z = alea::fromSeeded(s0, s1, s2, carry);
  const alea::u128 jump = alea::jumpFactor(blockLen);
  for (int t = 0; t < blocks; t++, z = alea::mulMod(z, jump)) out->starts[t] = z;
  return true;
}

/** Reads batch, seq, heads, headDim, the row strides (ldq, ldk, ldv, ldo, in floats) and scale. */
bool readGeometry(CallArgs& c, Geometry* g) {
  g->batch = c.integer("batch");
  g->seq = c.integer("seq", 1);
  g->heads = c.integer("heads", 1);
  g->d = c.integer("headDim", 1);
  const int width = g->heads * g->d;
  g->ldq = c.integer("ldq", width);
  g->ldk = c.integer("ldk", width);
  g->ldv = c.integer("ldv", width);
  g->ldo = c.integer("ldo", width);
  g->scale = (float)c.number("scale");
  return c.ok();
}

/** Floats a token-major operand of row stride ld spans: ld·(rows − 1) + width. */
double extent(const Geometry& g, ptrdiff_t ld) {
  const double rows = (double)g.batch * g.seq;
  return rows == 0 ? 0 : (double)ld * (rows - 1) + (double)g.heads * g.d;
}

struct ForwardJob {
  const Isa* isa;
  Geometry g;
  const float *q, *k, *v, *mask;
  float *out, *probs;
  const Dropout* drop;
};

/** P ⊙ M into `dst` (n floats). */
void multiply(const float* p, const float* m, float* dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = p[i] * m[i];
}

void forwardTask(void* ctx, int task, int thread) {
  const auto& j = *static_cast<const ForwardJob*>(ctx);
  const Geometry& g = j.g;
  const int b = task / g.heads, h = task % g.heads;
  const int L = g.seq;
  const size_t LL = (size_t)L * L;
  const ptrdiff_t row0 = (ptrdiff_t)b * L, col = (ptrdiff_t)h * g.d;
  float* p = j.probs + (size_t)task * LL;
  Product qk{j.q + row0 * g.ldq + col, j.k + row0 * g.ldk + col, p, L, L, g.d, g.ldq, g.ldk, L, false, true};
  gemmSerial(*j.isa, qk, thread);
  vec().softmaxRows(p, (size_t)L, (size_t)L, g.scale, j.mask ? j.mask + row0 : nullptr);
  const float* used = p;
  if (j.drop->on) {
    float* m = gMask[thread].get(LL);
    float* pd = gDropped[thread].get(LL);
    alea::fillMask(j.drop->starts[task], j.drop->plan, m, j.drop->threshold, j.drop->scale);
    multiply(p, m, pd, LL);
    used = pd;
  }
  Product pv{used, j.v + row0 * g.ldv + col, j.out + row0 * g.ldo + col, L, g.d, L, L, g.ldv, g.ldo, false, false};
  gemmSerial(*j.isa, pv, thread);
}

// attentionTrain(heap, {q, k, v, mask?, out, probs, batch, seq, heads, headDim, ldq, ldk, ldv, ldo, scale, keep?,
// dropScale?, s0?, s1?, s2?, c?}): as `attention`, and probs[b, h, i, t] = softmax_t(q_i·k_t·scale + mask[b, t]);
// with keep < 1 the context uses probs ⊙ tf.dropout's multiplier from the Alea state (s0, s1, s2, c).
napi_value AttentionTrain(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "attentionTrain");
  Geometry g;
  if (!readGeometry(c, &g)) return nullptr;
  const double rows = (double)g.batch * g.seq;
  const float* q = c.floats("q", extent(g, g.ldq));
  const float* k = c.floats("k", extent(g, g.ldk));
  const float* v = c.floats("v", extent(g, g.ldv));
  float* out = c.floats("out", extent(g, g.ldo));
  float* probs = c.floats("probs", rows * g.heads * g.seq);
  const float* mask = c.optionalFloats("mask", rows);
  if (!c.ok()) return nullptr;
  const int blocks = g.batch * g.heads;
  Dropout drop;
  if (!readDropout(c, blocks, (size_t)g.seq * g.seq, &drop)) return nullptr;
  if (rows == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  ForwardJob job{&currentIsa(), g, q, k, v, mask, out, probs, &drop};
  pool().run(blocks, forwardTask, &job);
  return undefinedValue(env);
}

struct GradJob {
  const Isa* isa;
  Geometry g;
  const float *q, *k, *v, *probs, *dout;
  float *dq, *dk, *dv;
  const Dropout* drop;
};

/** In place on the rows of gr: G = gr ⊙ m (m null: 1), then dS = p ⊙ (G − Σ G ⊙ p)·scale. */
void softmaxGrad(float* gr, const float* p, const float* m, size_t rows, size_t cols, float scale) {
  constexpr size_t kLanes = 16;
  for (size_t r = 0; r < rows; r++) {
    float* x = gr + r * cols;
    const float* pr = p + r * cols;
    if (m) {
      const float* mr = m + r * cols;
      for (size_t j = 0; j < cols; j++) x[j] *= mr[j];
    }
    float acc[kLanes] = {};
    size_t j = 0;
    for (; j + kLanes <= cols; j += kLanes)
      for (size_t l = 0; l < kLanes; l++) acc[l] += x[j + l] * pr[j + l];
    float dot = 0;
    for (size_t l = 0; l < kLanes; l++) dot += acc[l];
    for (; j < cols; j++) dot += x[j] * pr[j];
    for (j = 0; j < cols; j++) x[j] = pr[j] * (x[j] - dot) * scale;
  }
}

void gradTask(void* ctx, int task, int thread) {
  const auto& j = *static_cast<const GradJob*>(ctx);
  const Geometry& g = j.g;
  const int b = task / g.heads, h = task % g.heads;
  const int L = g.seq;
  const size_t LL = (size_t)L * L;
  const ptrdiff_t row0 = (ptrdiff_t)b * L, col = (ptrdiff_t)h * g.d;
  const float* p = j.probs + (size_t)task * LL;
  const float* dO = j.dout + row0 * g.ldo + col;
  const float* m = nullptr;
  const float* pd = p;
  if (j.drop->on) {
    float* mm = gMask[thread].get(LL);
    float* dropped = gDropped[thread].get(LL);
    alea::fillMask(j.drop->starts[task], j.drop->plan, mm, j.drop->threshold, j.drop->scale);
    multiply(p, mm, dropped, LL);
    m = mm;
    pd = dropped;
  }
  // dV [L, d] = Pdᵀ·dO (Pd stored [L, L]: a transposed left operand).
  Product dv{pd, dO, j.dv + row0 * g.ldv + col, L, g.d, L, L, g.ldo, g.ldv, true, false};
  gemmSerial(*j.isa, dv, thread);
  // G [L, L] = dO·Vᵀ, then dS in place.
  float* gs = gGrad[thread].get(LL);
  Product dp{dO, j.v + row0 * g.ldv + col, gs, L, L, g.d, g.ldo, g.ldv, L, false, true};
  gemmSerial(*j.isa, dp, thread);
  softmaxGrad(gs, p, m, (size_t)L, (size_t)L, g.scale);
  // dQ [L, d] = dS·K; dK [L, d] = dSᵀ·Q.
  Product dq{gs, j.k + row0 * g.ldk + col, j.dq + row0 * g.ldq + col, L, g.d, L, L, g.ldk, g.ldq, false, false};
  gemmSerial(*j.isa, dq, thread);
  Product dk{gs, j.q + row0 * g.ldq + col, j.dk + row0 * g.ldk + col, L, g.d, L, L, g.ldq, g.ldk, true, false};
  gemmSerial(*j.isa, dk, thread);
}

// attentionTrainGrad(heap, {q, k, v, probs, dout, dq, dk, dv, batch, seq, heads, headDim, ldq, ldk, ldv, ldo, scale,
// keep?, dropScale?, s0?, s1?, s2?, c?}): the gradients of attentionTrain's context (dout, token-major with stride ldo)
// with respect to q, k and v, written token-major with the strides of q, k and v; the same dropout arguments.
napi_value AttentionTrainGrad(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "attentionTrainGrad");
  Geometry g;
  if (!readGeometry(c, &g)) return nullptr;
  const double rows = (double)g.batch * g.seq;
  const float* q = c.floats("q", extent(g, g.ldq));
  const float* k = c.floats("k", extent(g, g.ldk));
  const float* v = c.floats("v", extent(g, g.ldv));
  const float* probs = c.floats("probs", rows * g.heads * g.seq);
  const float* dout = c.floats("dout", extent(g, g.ldo));
  float* dq = c.floats("dq", extent(g, g.ldq));
  float* dk = c.floats("dk", extent(g, g.ldk));
  float* dv = c.floats("dv", extent(g, g.ldv));
  if (!c.ok()) return nullptr;
  const int blocks = g.batch * g.heads;
  Dropout drop;
  if (!readDropout(c, blocks, (size_t)g.seq * g.seq, &drop)) return nullptr;
  if (rows == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  GradJob job{&currentIsa(), g, q, k, v, probs, dout, dq, dk, dv, &drop};
  pool().run(blocks, gradTask, &job);
  return undefinedValue(env);
}

}  // namespace

void registerAttentionTrain(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"attentionTrain", nullptr, AttentionTrain, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"attentionTrainGrad", nullptr, AttentionTrainGrad, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

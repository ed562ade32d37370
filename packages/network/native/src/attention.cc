// Fused multi-head self-attention (inference) on the wasm heap: per (sequence, head), scores = Q·Kᵀ, then
// softmax(scores·scale + mask) per row and the product with V, with Q, K and V read in place from the projections'
// token-major outputs ([B·L, ·], head h at columns h·d …) and the context written token-major: no head transposes,
// no [B, heads, L, L] tensor, one task per (sequence, head) on the pool's threads with the scores in that thread's
// scratch (L·L floats, in L1/L2).
#include <algorithm>
#include <cmath>

#include "addon.h"
#include "call.h"
#include "gemm.h"
#include "vec/vec.h"

namespace fets {

namespace {

constexpr int kMaxThreads = 256;
Scratch gScores[kMaxThreads];
Scratch gPanels[kMaxThreads];  // the head's Kᵀ and V packed into the GEMM's panels

/**
 * Whether a head's Kᵀ and V are packed before its products. Read in place, V_bh's rows (a row of the projection apart,
 * 1-3 KiB) put a panel's 64 rows into a few L1 sets, and Kᵀ was packed panel by panel inside the product: the two
 * products ran at ~30% of the FMA peak on Zen 3. Packed once per head they are contiguous. Up to k = 1024 steps (the
 * driver's block, so that one packed block is the whole operand).
 */
inline bool packHeads(int L, int d) { return L <= 1024 && d <= 1024; }

struct AttentionJob {
  const Isa* isa;
  const float* q;
  const float* k;
  const float* v;
  const float* mask;  // additive, [batch, seq]; null for none
  float* out;
  int heads, seq, d;
  ptrdiff_t ldq, ldk, ldv, ldo;
  float scale;
};

void attentionTask(void* ctx, int task, int thread) {
  const auto& j = *static_cast<const AttentionJob*>(ctx);
  const int b = task / j.heads, h = task % j.heads;
  const int L = j.seq;
  const ptrdiff_t row0 = (ptrdiff_t)b * L;
  float* s = gScores[thread].get((size_t)L * L);
  // scores[L, L] = Q_bh [L, d] · K_bhᵀ (K_bh stored [L, d]: a transposed right operand).
  Product qk{j.q + row0 * j.ldq + (ptrdiff_t)h * j.d, j.k + row0 * j.ldk + (ptrdiff_t)h * j.d, s, L, L, j.d,
             j.ldq, j.ldk, L, false, true};
  // context[L, d] = probs [L, L] · V_bh [L, d], stored at the head's columns of the token-major output.
  Product pv{s, j.v + row0 * j.ldv + (ptrdiff_t)h * j.d, j.out + row0 * j.ldo + (ptrdiff_t)h * j.d, L, j.d, L,
             L, j.ldv, j.ldo, false, false};
  if (packHeads(L, j.d)) {
    const size_t kFloats = gemmPackedSize(*j.isa, qk);
    float* panels = gPanels[thread].get(kFloats + gemmPackedSize(*j.isa, pv));
    gemmPackB(*j.isa, qk, j.d, panels);
    qk.packedB = panels;
    qk.packedKb = j.d;
    gemmPackB(*j.isa, pv, L, panels + kFloats);
    pv.packedB = panels + kFloats;
    pv.packedKb = L;
  }
  gemmSerial(*j.isa, qk, thread);
  vec().softmaxRows(s, (size_t)L, (size_t)L, j.scale, j.mask ? j.mask + row0 : nullptr);
  gemmSerial(*j.isa, pv, thread);
}

// attention(heap, {q, k, v, out, mask?, batch, seq, heads, headDim, ldq, ldk, ldv, ldo, scale}): out[b·L + i, h·d + c]
// = Σ_t softmax_t(q_i·k_t·scale + mask[b, t]) · v[b·L + t, h·d + c]; leading dimensions in floats (≥ heads·headDim).
napi_value Attention(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "attention");
  const int batch = c.integer("batch"), seq = c.integer("seq", 1), heads = c.integer("heads", 1);
  const int d = c.integer("headDim", 1);
  const int width = heads * d;
  const double ldq = c.integer("ldq", width), ldk = c.integer("ldk", width), ldv = c.integer("ldv", width);
  const double ldo = c.integer("ldo", width);
  const double rows = (double)batch * seq;
  // The last row needs only its `width` columns: ld·(rows − 1) + width floats.
  const auto extent = [&](double ld) { return rows == 0 ? 0 : ld * (rows - 1) + width; };
  const float* q = c.floats("q", extent(ldq));
  const float* k = c.floats("k", extent(ldk));
  const float* v = c.floats("v", extent(ldv));
  float* out = c.floats("out", extent(ldo));
  const float* mask = c.optionalFloats("mask", rows);
  const float scale = (float)c.number("scale");
  if (!c.ok()) return nullptr;
  if (rows == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  AttentionJob job{&currentIsa(), q, k, v, mask, out, heads, seq, d, (ptrdiff_t)ldq, (ptrdiff_t)ldk,
                   (ptrdiff_t)ldv, (ptrdiff_t)ldo, scale};
  pool().run(batch * heads, attentionTask, &job);
  return undefinedValue(env);
}

}  // namespace

void registerAttention(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"attention", nullptr, Attention, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

// Alea's jump-ahead and the dropout mask generated as interleaved sub-streams (see alea.h).
#include "alea.h"

#include <cmath>
#include <cstring>

namespace fets {
namespace alea {

namespace {

constexpr uint64_t kA = 2091639;
/** m = A·2⁹⁶ − 1. */
const u128 kM = ((u128)kA << 96) - 1;
/** B⁻¹ = A·B² = A·2⁶⁴ (mod m). */
const u128 kBInv = (u128)kA << 64;

/** One draw of a sub-stream (integer state, oldest lag first). */
struct Lane {
  uint64_t x1, x2, x3, c;
};

Lane laneOf(u128 z) {
  const u128 x = z / kA;
  return Lane{(uint64_t)(x & 0xffffffffu), (uint64_t)((x >> 32) & 0xffffffffu), (uint64_t)(x >> 64), (uint64_t)(z % kA)};
}

/** K sub-streams, `len` draws each, interleaved: lane l writes out[l·stride + i]. */
/** scale when x ≥ thr, else 0, without a branch (a tenth of the draws fall either way at random). */
inline float pick(uint64_t x, uint64_t thr, uint32_t sbits) {
  const uint32_t bits = sbits & (uint32_t)-(int32_t)(x >= thr);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

template <int K>
void runLanes(Lane* st, float* out, size_t stride, size_t len, uint64_t thr, float scale) {
  uint32_t sbits;
  std::memcpy(&sbits, &scale, 4);
  uint64_t x1[K], x2[K], x3[K], c[K];
  for (int l = 0; l < K; l++) {
    x1[l] = st[l].x1;
    x2[l] = st[l].x2;
    x3[l] = st[l].x3;
    c[l] = st[l].c;
  }
  size_t i = 0;
  // Three draws per round with the lags' roles rotated (no register moves): x1 ← draw, then x2, then x3.
  for (; i + 3 <= len; i += 3) {
    for (int l = 0; l < K; l++) {
      float* o = out + (size_t)l * stride + i;
      uint64_t t = kA * x1[l] + c[l];
      x1[l] = t & 0xffffffffu;
      c[l] = t >> 32;
      o[0] = pick(x1[l], thr, sbits);
      t = kA * x2[l] + c[l];
      x2[l] = t & 0xffffffffu;
      c[l] = t >> 32;
      o[1] = pick(x2[l], thr, sbits);
      t = kA * x3[l] + c[l];
      x3[l] = t & 0xffffffffu;
      c[l] = t >> 32;
      o[2] = pick(x3[l], thr, sbits);
    }
  }
  for (; i < len; i++) {
    for (int l = 0; l < K; l++) {
      const uint64_t t = kA * x1[l] + c[l];
      x1[l] = x2[l];
      x2[l] = x3[l];
      x3[l] = t & 0xffffffffu;
      c[l] = t >> 32;
      out[(size_t)l * stride + i] = pick(x3[l], thr, sbits);
    }
  }
  for (int l = 0; l < K; l++) st[l] = Lane{x1[l], x2[l], x3[l], c[l]};
}

// Two chains hide the multiply-with-carry's latency; more spill registers (measured 0.8 ns a draw with 2, 1.1–1.6 with
// 3–8, 7.4 for the one serial chain, one Zen 3 thread under load).
constexpr size_t kLanes = 2;
/** Below this many draws one chain serves (the jumps would cost more than the latency they hide). */
constexpr size_t kMinLaned = kLanes * 64;

}  // namespace

u128 fromSeeded(double s0, double s1, double s2, double c) {
  const auto word = [](double s) { return (u128)(uint64_t)std::llround(s * 4294967296.0); };
  return (u128)kA * (word(s0) + (word(s1) << 32) + (word(s2) << 64)) + (u128)(uint64_t)std::llround(c);
}

u128 mulMod(u128 a, u128 b) {
  // 256-bit product in 64-bit limbs p0..p3.
  const uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64), b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
  const u128 ll = (u128)a0 * b0, lh = (u128)a0 * b1, hl = (u128)a1 * b0, hh = (u128)a1 * b1;
  const u128 mid = (ll >> 64) + (uint64_t)lh + (uint64_t)hl;
  const uint64_t p0 = (uint64_t)ll, p1 = (uint64_t)mid;
  const u128 high = hh + (lh >> 64) + (hl >> 64) + (mid >> 64);
  const uint64_t p2 = (uint64_t)high, p3 = (uint64_t)(high >> 64);
  // N = q·2⁹⁶ + r and q = h·A + s, so N = h·(A·2⁹⁶) + s·2⁹⁶ + r ≡ h + s·2⁹⁶ + r (mod m), A·2⁹⁶ ≡ 1.
  const uint64_t q[3] = {(p1 >> 32) | (p2 << 32), (p2 >> 32) | (p3 << 32), p3 >> 32};
  uint64_t h[3];
  u128 rem = 0;
  for (int i = 2; i >= 0; i--) {
    const u128 cur = (rem << 64) | q[i];
    h[i] = (uint64_t)(cur / kA);
    rem = cur % kA;
  }
  const u128 r = (u128)p0 | ((u128)(p1 & 0xffffffffu) << 64);
  // h < 2¹¹⁸ (N < 2²³⁴): h[2] is 0.
  u128 sum = ((u128)h[1] << 64 | h[0]) + ((rem << 96) | r);
  while (sum >= kM) sum -= kM;
  return sum;
}

u128 jumpFactor(uint64_t n) {
  u128 r = 1, p = kBInv;
  for (; n > 0; n >>= 1) {
    if (n & 1) r = mulMod(r, p);
    p = mulMod(p, p);
  }
  return r;
}

uint64_t keepThreshold(float keep) {
  const auto kept = [keep](uint64_t x) {
    const float u = (float)((double)x * 2.3283064365386963e-10);
    return u + keep >= 1.0f;
  };
  uint64_t lo = 0, hi = uint64_t(1) << 32;  // answer in [lo, hi]; hi = 2³² means none
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    if (kept(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

MaskPlan maskPlan(size_t n) {
  MaskPlan p;
  p.n = n;
  if (n < kMinLaned) {
    p.lanes = 1;
    p.laneLen = n;
    return p;
  }
  p.lanes = kLanes;
  p.laneLen = (n + kLanes - 1) / kLanes;
  p.laneJump = jumpFactor(p.laneLen);
  return p;
}

void fillMask(u128 z, const MaskPlan& plan, float* out, uint64_t threshold, float scale) {
  if (plan.n == 0) return;
  if (plan.lanes == 1) {
    Lane st = laneOf(z);
    runLanes<1>(&st, out, 0, plan.n, threshold, scale);
    return;
  }
  Lane st[kLanes];
  for (size_t l = 0; l < kLanes; l++, z = mulMod(z, plan.laneJump)) st[l] = laneOf(z);
  // Every lane has laneLen draws but the last, which has up to kLanes − 1 fewer: all together up to its length, then the others'
  // few remaining draws one lane at a time.
  const size_t last = plan.n - (kLanes - 1) * plan.laneLen;
  runLanes<kLanes>(st, out, plan.laneLen, last, threshold, scale);
  for (size_t l = 0; l + 1 < kLanes && last < plan.laneLen; l++)
    runLanes<1>(&st[l], out + l * plan.laneLen + last, 0, plan.laneLen - last, threshold, scale);
}

}  // namespace alea
}  // namespace fets

// Baagøe's Alea generator (seedrandom's `alea`, which tf.randomUniform and so tf.dropout draw from) as the exact
// integer generator it is, with a jump-ahead: any stretch of the stream can be generated on its own, with the same
// bits as drawing it in order (kernels/alea.ts has the same arithmetic in BigInt).
//
// Alea's doubles are multiples of 2⁻³², so its step t = A·s0 + c·2⁻³² is, in integers, a lag-3 multiply-with-carry
// of base B = 2³² and multiplier A = 2091639: t = A·x₁ + c, draw x = t mod B, carry c = ⌊t / B⌋. Its state
// z = A·(x₁ + x₂·B + x₃·B²) + c moves by z ↦ B⁻¹·z mod m with m = A·B³ − 1 (117 bits) and B⁻¹ = A·B² (Couture and
// L'Ecuyer), so n draws ahead is one product by B⁻ⁿ mod m.
#pragma once
#include <cstddef>
#include <cstdint>

namespace fets {
namespace alea {

using u128 = unsigned __int128;

/** The state z of a seeded Alea (its s0, s1, s2 doubles and the carry c, as seedrandom keeps them). */
u128 fromSeeded(double s0, double s1, double s2, double c);
/** (a · b) mod m for a, b < m. */
u128 mulMod(u128 a, u128 b);
/** The factor that moves a state n draws ahead: B⁻ⁿ mod m. */
u128 jumpFactor(uint64_t n);

/**
 * The smallest 32-bit draw x whose mask is 1: with u = float32(x·2⁻³²) (randomUniform's float32 value),
 * float32(u + keep) ≥ 1, i.e. tf.dropout's ⌊u + keep⌋ = 1. Both roundings are monotone, so the mask is x ≥ this
 * (2³² when no draw keeps: then nothing is kept).
 */
uint64_t keepThreshold(float keep);

/**
 * How a stretch of n draws is split into interleaved sub-streams (lanes) on one thread: their length and the jump
 * between their starts. Made once per length (a few hundred products modulo m), then shared by every task.
 */
struct MaskPlan {
  size_t n = 0;
  size_t lanes = 1;
  size_t laneLen = 0;
  u128 laneJump = 1;
};
MaskPlan maskPlan(size_t n);

/**
 * tf.dropout's multiplier for `plan.n` draws from state z: out[i] = (draw i ≥ threshold) ? scale : 0. The draws are
 * generated as `plan.lanes` interleaved sub-streams (independent chains, so the multiply-with-carry's latency is
 * hidden), each from its jumped start.
 */
void fillMask(u128 z, const MaskPlan& plan, float* out, uint64_t threshold, float scale);

}  // namespace alea
}  // namespace fets

// tf.dropout's multiplier on the pool's threads: the seeded Alea stream cut into fixed pieces, each started from its
// jumped state (alea.h) and generated as interleaved sub-streams. The pieces do not depend on the number of threads
// and the draws are the stream's own, so the mask equals tf.dropout's bit for bit on any thread count.
#include <algorithm>
#include <vector>

#include "addon.h"
#include "alea.h"
#include "call.h"

namespace fets {

namespace {

/** Draws per task: 32 Ki floats (128 KiB of mask). */
constexpr size_t kPiece = 32768;

struct MaskJob {
  const alea::u128* starts;
  const alea::MaskPlan* full;
  const alea::MaskPlan* tail;
  size_t tasks;
  float* out;
  uint64_t threshold;
  float scale;
};

// dropoutMask(heap, {out, n, s0, s1, s2, c, keep, scale}): out[i] = (float32(u_i + keep) ≥ 1) ? scale : 0 with u_i
// the i-th float32 draw of the Alea state (s0, s1, s2, c), as tf.dropout computes its multiplier.
napi_value DropoutMask(napi_env env, napi_callback_info info) {
  CallArgs c(env, info, "dropoutMask");
  const double count = c.number("n");
  float* out = c.floats("out", count);
  const double s0 = c.number("s0"), s1 = c.number("s1"), s2 = c.number("s2"), carry = c.number("c");
  const float keep = (float)c.number("keep"), scale = (float)c.number("scale");
  if (c.ok() && !(count >= 0 && count == (double)(size_t)count)) c.fail("n must be a whole number ≥ 0");
  if (c.ok() && !(s0 >= 0 && s0 < 1 && s1 >= 0 && s1 < 1 && s2 >= 0 && s2 < 1 && carry >= 0 && carry < 2091639))
    c.fail("s0, s1, s2 must be in [0, 1) and c in [0, 2091639) (an Alea state)");
  if (!c.ok()) return nullptr;
  const size_t n = (size_t)count;
  if (n == 0) return undefinedValue(env);
  std::lock_guard<std::mutex> lock(callMutex());
  const size_t tasks = (n + kPiece - 1) / kPiece;
  std::vector<alea::u128> starts(tasks);
  alea::u128 z = alea::fromSeeded(s0, s1, s2, carry);
  const alea::u128 jump = tasks > 1 ? alea::jumpFactor(kPiece) : 1;
  for (size_t t = 0; t < tasks; t++, z = alea::mulMod(z, jump)) starts[t] = z;
  const alea::MaskPlan full = alea::maskPlan(std::min(n, kPiece));
  const alea::MaskPlan tail = alea::maskPlan(n - (tasks - 1) * kPiece);
  MaskJob job{starts.data(), &full, &tail, tasks, out, alea::keepThreshold(keep), scale};
  pool().run((int)tasks, [](void* ctx, int t, int) {
    const auto& j = *static_cast<const MaskJob*>(ctx);
    const alea::MaskPlan& plan = (size_t)t + 1 == j.tasks ? *j.tail : *j.full;
    alea::fillMask(j.starts[t], plan, j.out + (size_t)t * kPiece, j.threshold, j.scale);
  }, &job);
  return undefinedValue(env);
}

}  // namespace

void registerDropout(napi_env env, napi_value exports) {
  const napi_property_descriptor props[] = {
      {"dropoutMask", nullptr, DropoutMask, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace fets

// The dropout mask's draws on one thread: the serial loop the addon ran before (elementwise.cc up to 5fbd8a8: one
// chain, double arithmetic) against alea.h's fillMask (jumped starts, interleaved integer chains), interleaved, best
// CPU time of REPS each, and the two masks compared element by element (they must be equal).
//   packages/network/native/test/alea_ab.sh [REPS] [N]
#include <time.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "alea.h"

namespace {

void serialMask(float* out, size_t n, double s0, double s1, double s2, double c, float keep, float scale) {
  for (size_t i = 0; i < n; i++) {
    const double prod = 2091639.0 * s0;
    const double t = prod + c * 2.3283064365386963e-10;
    double next = static_cast<double>(static_cast<int32_t>(prod));
    if (prod - next >= 0.999) next = static_cast<double>(static_cast<int32_t>(t));
    s0 = s1;
    s1 = s2;
    c = next;
    s2 = t - next;
    out[i] = (static_cast<float>(s2) + keep) >= 1.0f ? scale : 0.0f;
  }
}

double cpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  const size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 524288;
  std::vector<float> a(n), b(n);
  // An Alea state (multiples of 2⁻³² and a carry), as aleaSeed gives.
  const double s0 = 0.25 + 12345 / 4294967296.0, s1 = 0.5 + 7 / 4294967296.0, s2 = 0.75 - 3 / 4294967296.0, c = 1;
  const float keep = 0.9f, scale = (float)(1.0 / 0.9f);
  const fets::alea::MaskPlan plan = fets::alea::maskPlan(n);
  const uint64_t thr = fets::alea::keepThreshold(keep);
  double serial = 1e9, laned = 1e9;
  for (int r = 0; r < reps; r++) {
    double t0 = cpuSeconds();
    serialMask(a.data(), n, s0, s1, s2, c, keep, scale);
    double t1 = cpuSeconds();
    fets::alea::fillMask(fets::alea::fromSeeded(s0, s1, s2, c), plan, b.data(), thr, scale);
    double t2 = cpuSeconds();
    serial = std::min(serial, t1 - t0);
    laned = std::min(laned, t2 - t1);
  }
  size_t diff = 0;
  for (size_t i = 0; i < n; i++) diff += a[i] != b[i];
  std::printf("n %zu: serial %.2f ns a draw, interleaved %.2f ns (%.2fx), %zu of %zu multipliers differ\n", n,
              serial / n * 1e9, laned / n * 1e9, laned / serial, diff, n);
  return diff == 0 ? 0 : 1;
}

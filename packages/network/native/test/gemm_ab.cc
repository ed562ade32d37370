// A/B of the GEMM on a loaded machine: this tree's driver and microkernels against another revision's, alternated in
// one process (best of REPS CPU-timed runs each, so both see the same load), on the products of a bert-mini train
// step (batch 32 × 64), with the new/old CPU-time ratio per shape and for the whole step weighted by calls. Also
// checks that both give the same C (max |difference|).
//
//   packages/network/native/test/gemm_ab.sh [REV] [REPS] [THREADS]      (REV default HEAD~1; ISA=avx2 to pick one)
//
// The old revision's gemm.cc, microkernels.cc and pool.cc are compiled with -Dfets=fetsold (gemm_ab.sh does it).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <thread>
#include <vector>

#include "../src/gemm.h"
#define fets fetsold
#include FETS_OLD_GEMM_H
#undef fets

static double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

/** One product of the step: C[m, n] = op(A)·op(B), mode bit 1 = A transposed, bit 0 = B transposed. */
struct Shape {
  int m, n, k, mode, callsPerStep;
};

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 15;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const char* isaName = std::getenv("ISA") ? std::getenv("ISA") : "";
  // Dense layers forward (x·Wᵀ: mode 1), input gradients (dy·W: mode 0), weight gradients (dyᵀ·x: mode 2), bias
  // gradients (ones·dy), attention's per-head products.
  const std::vector<Shape> shapes = {
      {2048, 256, 256, 1, 16}, {2048, 256, 1024, 1, 4}, {2048, 1024, 256, 1, 4}, {1024, 256, 2048, 2, 4},
      {256, 1024, 2048, 2, 4}, {2048, 256, 256, 0, 16}, {256, 256, 2048, 2, 16}, {2048, 1024, 256, 0, 4},
      {2048, 256, 1024, 0, 4}, {1, 256, 2048, 0, 20},   {64, 64, 64, 0, 0},      {64, 64, 64, 1, 0}};
  fets::Pool pool(threads);
  fetsold::Pool oldPool(threads);
  const fets::Isa* isa = fets::selectIsa(isaName);
  const fetsold::Isa* oldIsa = fetsold::selectIsa(isaName);
  if (!isa || !oldIsa) {
    std::fprintf(stderr, "that instruction set does not run here\n");
    return 2;
  }
  double newStep = 0, oldStep = 0;
  for (const Shape& s : shapes) {
    const bool ta = s.mode & 2, tb = s.mode & 1;
    std::vector<float> a((size_t)s.m * s.k), b((size_t)s.k * s.n), c((size_t)s.m * s.n), c2((size_t)s.m * s.n);
    for (size_t i = 0; i < a.size(); i++) a[i] = (float)(i % 7) * 0.1f - 0.3f;
    for (size_t i = 0; i < b.size(); i++) b[i] = (float)(i % 5) * 0.1f - 0.2f;
    const fets::Product p{a.data(), b.data(), c.data(), s.m, s.n, s.k, ta ? s.m : s.k, tb ? s.k : s.n, s.n, ta, tb};
    const fetsold::Product q{a.data(), b.data(), c2.data(), s.m, s.n, s.k, ta ? s.m : s.k, tb ? s.k : s.n, s.n, ta, tb};
    const int inner = (double)s.m * s.n * s.k < 1e7 ? 50 : 1;  // small products: time 50 in a row
    double bestNew = 1e30, bestOld = 1e30;
    // Alternate which side goes first, so neither always runs with the other's operands warm in the caches.
    for (int r = 0; r < 2 * reps; r++) {
      const bool newSide = (r & 1) == ((r >> 1) & 1);
      const double t0 = cpuSeconds();
      if (newSide) {
        for (int i = 0; i < inner; i++) fets::gemmBatched(pool, *isa, p, 1, 0, 0, 0);
        bestNew = std::min(bestNew, (cpuSeconds() - t0) / inner);
      } else {
        for (int i = 0; i < inner; i++) fetsold::gemmBatched(oldPool, *oldIsa, q, 1, 0, 0, 0);
        bestOld = std::min(bestOld, (cpuSeconds() - t0) / inner);
      }
    }
    double diff = 0;
    for (size_t i = 0; i < c.size(); i++) diff = std::max(diff, (double)std::fabs(c[i] - c2[i]));
    const double gflop = 2.0 * s.m * s.n * s.k / 1e9;
    std::printf("%4d x %4d x %4d mode %d (x%2d): new %5.1f  old %5.1f GFLOP/CPU-s  new/old %.3f  max|diff| %.1e\n", s.m,
                s.n, s.k, s.mode, s.callsPerStep, gflop / bestNew, gflop / bestOld, bestNew / bestOld, diff);
    newStep += bestNew * s.callsPerStep;
    oldStep += bestOld * s.callsPerStep;
  }
  std::printf("%s, %d thread(s): bert-mini step products (weighted by calls): new %.1f ms, old %.1f ms, new/old %.3f\n",
              isa->name, threads, newStep * 1e3, oldStep * 1e3, newStep / oldStep);
  return 0;
}

// GEMM rate per CPU second of one product on one thread, with the FMA peak measured the same way: for tuning on a
// loaded machine (CPU time leaves out the time spent waiting for a core; take the best of many repetitions).
//
//   cd packages/network/native && g++ -O3 -std=c++17 -pthread -Isrc test/gemm_cpu_time.cc src/gemm.cc \
//     src/microkernels.cc src/pool.cc -o /tmp/gemm_cpu_time
//   /tmp/gemm_cpu_time M N K MODE REPS [KC MC KC_SERIAL] [ISA]
//
// MODE: 0 A·B, 1 A·Bᵀ (a dense layer), 2 Aᵀ·B (a weight gradient), 3 Aᵀ·Bᵀ. Prints GFLOP per CPU second and the share
// of the peak. Example: /tmp/gemm_cpu_time 256 1024 2048 2 25 0 0 1024 avx2
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <vector>

#include "gemm.h"
#include "pool.h"

using namespace fets;

static double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s M N K MODE REPS [KC MC KC_SERIAL] [ISA]\n", argv[0]);
    return 2;
  }
  const int m = std::atoi(argv[1]), n = std::atoi(argv[2]), k = std::atoi(argv[3]), mode = std::atoi(argv[4]);
  const int reps = std::atoi(argv[5]);
  const bool ta = mode & 2, tb = mode & 1;
  gemmTune(argc > 6 ? std::atoi(argv[6]) : 0, argc > 7 ? std::atoi(argv[7]) : 0, argc > 8 ? std::atoi(argv[8]) : 0);
  const Isa* isa = selectIsa(argc > 9 ? argv[9] : "");
  if (!isa) {
    std::fprintf(stderr, "that instruction set does not run here\n");
    return 2;
  }
  std::vector<float> a((size_t)m * k), b((size_t)k * n), c((size_t)m * n);
  for (size_t i = 0; i < a.size(); i++) a[i] = (float)(i % 7) * 0.1f;
  for (size_t i = 0; i < b.size(); i++) b[i] = (float)(i % 5) * 0.1f;
  Pool pool(1);
  const Product p{a.data(), b.data(), c.data(), m, n, k, ta ? m : k, tb ? k : n, n, ta, tb};
  gemmBatched(pool, *isa, p, 1, 0, 0, 0);
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    const double t0 = cpuSeconds();
    gemmBatched(pool, *isa, p, 1, 0, 0, 0);
    best = std::min(best, cpuSeconds() - t0);
  }
  const double t0 = cpuSeconds();
  const double peak = isa->peak(20000000) / (cpuSeconds() - t0) / 1e9;
  const double rate = 2.0 * m * n * k / best / 1e9;
  std::printf("%s %d x %d x %d mode %d: %.1f GFLOP per CPU second, peak %.1f, %.0f%%\n", isa->name, m, n, k, mode, rate,
              peak, 100 * rate / peak);
  return 0;
}

// Inference GEMM A/B on a loaded machine: this tree's driver and microkernels against another revision's, alternated
// in one process (best of REPS CPU-timed runs each, so both see the same load), on the dense layers of a BERT
// inference pass (batch 32 × 64 = 2,048 tokens) as FetsLinear runs them: x·Wᵀ + b with W packed once beforehand (the
// packed-weight cache), GELU on the intermediate layer. Prints the new/old CPU-time ratio per shape and for the whole
// pass weighted by calls, and checks that both sides give the same C (max |difference|; GELU's differ by a few ulp).
//
//   packages/network/native/test/infer_ab.sh [REV] [REPS] [THREADS]     (REV default HEAD~1)
//   environment: SIZES=mini,base (default both), ISA=avx2 to pick one, OLD_DIR=<folder with gemm.h, gemm.cc,
//   microkernels.cc, pool.cc, pool.h, parallel.h> instead of a revision (a variant of the working tree).
//
// The old side's gemm.cc, microkernels.cc and pool.cc are compiled with -Dfets=fetsold (infer_ab.sh does it).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
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

#if defined(__x86_64__)
#include "../src/vec/vec.h"
namespace fets::vec_avx2 {
extern const VecKernels kernels;
}
/** The element-wise GELU of src/vec (avx2.cc, linked by infer_ab.sh): what the addon's dense layers used before. */
static void vecGelu(float* x, size_t n) { fets::vec_avx2::kernels.geluInPlace(x, n); }
#else
static void vecGelu(float* x, size_t n) {
  for (size_t i = 0; i < n; i++) x[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * 0.70710678f));
}
#endif

/** Each side's GELU epilogue as its addon passes it: the instruction set's own (Isa::gelu) where it has one. */
template <class I>
static auto geluOf(const I& isa, int) -> decltype(isa.gelu) {
  return isa.gelu;
}
template <class I>
static auto geluOf(const I&, long) -> void (*)(float*, size_t) {
  return vecGelu;
}

/** One dense layer of the pass: C[m, n] = x[m, k]·W[n, k]ᵀ + b, `calls` of them per pass. */
struct Shape {
  const char* model;
  int m, n, k;
  bool gelu;
  int calls;
};

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 10;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const char* isaName = std::getenv("ISA") ? std::getenv("ISA") : "";
  const std::string sizes = std::getenv("SIZES") ? std::getenv("SIZES") : "mini,base";
  // bert-mini: 4 layers of hidden 256 (query, key, value, attention output: 4 × 256 → 256; intermediate 256 → 1024
  // with GELU; output 1024 → 256); bert-base: 12 layers of hidden 768 (intermediate 3072).
  const std::vector<Shape> all = {
      {"mini", 2048, 256, 256, false, 16}, {"mini", 2048, 1024, 256, true, 4}, {"mini", 2048, 256, 1024, false, 4},
      {"base", 2048, 768, 768, false, 48}, {"base", 2048, 3072, 768, true, 12}, {"base", 2048, 768, 3072, false, 12}};
  fets::Pool pool(threads);
  fetsold::Pool oldPool(threads);
  const fets::Isa* isa = fets::selectIsa(isaName);
  const fetsold::Isa* oldIsa = fetsold::selectIsa(isaName);
  if (!isa || !oldIsa) {
    std::fprintf(stderr, "that instruction set does not run here\n");
    return 2;
  }
  for (const char* model : {"mini", "base"}) {
    if (sizes.find(model) == std::string::npos) continue;
    double newPass = 0, oldPass = 0;
    for (const Shape& s : all) {
      if (std::strcmp(s.model, model) != 0) continue;
      std::vector<float> a((size_t)s.m * s.k), b((size_t)s.k * s.n), bias(s.n), c((size_t)s.m * s.n),
          c2((size_t)s.m * s.n);
      for (size_t i = 0; i < a.size(); i++) a[i] = (float)(i % 7) * 0.1f - 0.3f;
      for (size_t i = 0; i < b.size(); i++) b[i] = (float)(i % 5) * 0.01f - 0.02f;
      for (int i = 0; i < s.n; i++) bias[i] = 0.01f * (i % 3);
      fets::Product p{a.data(), b.data(), c.data(), s.m, s.n, s.k, s.k, s.k, s.n, false, true};
      fetsold::Product q{a.data(), b.data(), c2.data(), s.m, s.n, s.k, s.k, s.k, s.n, false, true};
      p.bias = q.bias = bias.data();
      if (s.gelu) {
        p.activation = geluOf(*isa, 0);
        q.activation = geluOf(*oldIsa, 0);
      }
      // W packed once, as the packed-weight cache keeps it (packcache.cc).
      p.packedKb = fets::gemmPackBlockK(pool, *isa, p);
      std::vector<float> pw(fets::gemmPackedSize(*isa, p) + 16);
      float* pwAligned = (float*)(((uintptr_t)pw.data() + 63) & ~(uintptr_t)63);
      fets::gemmPackB(*isa, p, p.packedKb, pwAligned);
      p.packedB = pwAligned;
      q.packedKb = fetsold::gemmPackBlockK(oldPool, *oldIsa, q);
      std::vector<float> qw(fetsold::gemmPackedSize(*oldIsa, q) + 16);
      float* qwAligned = (float*)(((uintptr_t)qw.data() + 63) & ~(uintptr_t)63);
      fetsold::gemmPackB(*oldIsa, q, q.packedKb, qwAligned);
      q.packedB = qwAligned;
      double bestNew = 1e30, bestOld = 1e30;
      // Alternate which side goes first, so neither always runs with the other's operands warm in the caches.
      for (int r = 0; r < 2 * reps; r++) {
        const bool newSide = (r & 1) == ((r >> 1) & 1);
        const double t0 = cpuSeconds();
        if (newSide) {
          fets::gemmBatched(pool, *isa, p, 1, 0, 0, 0);
          bestNew = std::min(bestNew, cpuSeconds() - t0);
        } else {
          fetsold::gemmBatched(oldPool, *oldIsa, q, 1, 0, 0, 0);
          bestOld = std::min(bestOld, cpuSeconds() - t0);
        }
      }
      double diff = 0;
      for (size_t i = 0; i < c.size(); i++) diff = std::max(diff, (double)std::fabs(c[i] - c2[i]));
      const double gflop = 2.0 * s.m * s.n * s.k / 1e9;
      std::printf("%s %4d x %4d x %4d%s (x%2d): new %5.1f  old %5.1f GFLOP/CPU-s  new/old %.3f  max|diff| %.1e\n",
                  model, s.m, s.n, s.k, s.gelu ? " gelu" : "     ", s.calls, gflop / bestNew, gflop / bestOld,
                  bestNew / bestOld, diff);
      newPass += bestNew * s.calls;
      oldPass += bestOld * s.calls;
    }
    std::printf("%s, %d thread(s): bert-%s inference dense layers (weighted by calls): new %.1f ms, old %.1f ms, "
                "new/old %.3f\n",
                isa->name, threads, model, newPass * 1e3, oldPass * 1e3, newPass / oldPass);
  }
  return 0;
}

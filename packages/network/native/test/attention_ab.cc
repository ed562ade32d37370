// Inference attention A/B on a loaded machine: the per-head work of the fused attention kernel (attention.cc's
// attentionTask: scores = Q·Kᵀ, softmax with the additive mask, context = probs·V, Q, K, V read from token-major
// [B·L, heads·d] projections) with this tree's GEMM and softmax against another revision's, alternated in one process
// (best of REPS CPU-timed passes over all B·heads heads, so both see the same load). Prints the new/old CPU-time ratio
// per layer and checks that both sides give the same context (max |difference|).
//
//   packages/network/native/test/attention_ab.sh [REV] [REPS]     (REV default HEAD~1; SIZES=mini,base)
//
// The new side runs attention.cc's task as this tree has it (Kᵀ and V packed per head when packHeads); the old side
// runs the task as it was before that change (operands in place, Kᵀ packed inside the product). Keep newTask in step
// with attention.cc.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "../src/gemm.h"
#include "../src/vec/vec.h"
#define fets fetsold
#include FETS_OLD_GEMM_H
#include FETS_OLD_VEC_H
#undef fets

namespace fets::vec_avx2 {
extern const VecKernels kernels;
}
namespace fetsold::vec_avx2 {
extern const VecKernels kernels;
}

static double cpuSeconds() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

struct Layer {
  const float *q, *k, *v, *mask;
  float* out;
  int heads, seq, d;
  ptrdiff_t ld;
  float scale;
};

/** attention.cc's attentionTask for head (b, h), as this tree runs it. */
static void newTask(const fets::Isa& isa, const Layer& j, int b, int h, fets::Scratch& sc, fets::Scratch& pn) {
  using fets::Product;
  const int L = j.seq;
  const ptrdiff_t row0 = (ptrdiff_t)b * L;
  float* s = sc.get((size_t)L * L);
  Product qk{j.q + row0 * j.ld + (ptrdiff_t)h * j.d, j.k + row0 * j.ld + (ptrdiff_t)h * j.d, s, L, L, j.d,
             j.ld, j.ld, L, false, true};
  Product pv{s, j.v + row0 * j.ld + (ptrdiff_t)h * j.d, j.out + row0 * j.ld + (ptrdiff_t)h * j.d, L, j.d, L,
             L, j.ld, j.ld, false, false};
  const size_t kFloats = fets::gemmPackedSize(isa, qk);
  float* panels = pn.get(kFloats + fets::gemmPackedSize(isa, pv));
  fets::gemmPackB(isa, qk, j.d, panels);
  qk.packedB = panels;
  qk.packedKb = j.d;
  fets::gemmPackB(isa, pv, L, panels + kFloats);
  pv.packedB = panels + kFloats;
  pv.packedKb = L;
  fets::gemmSerial(isa, qk, 0);
  fets::vec_avx2::kernels.softmaxRows(s, (size_t)L, (size_t)L, j.scale, j.mask + row0);
  fets::gemmSerial(isa, pv, 0);
}

/** The task before: Q, K, V in place (Kᵀ packed panel by panel inside the product), the old softmax. */
static void oldTask(const fetsold::Isa& isa, const Layer& j, int b, int h, fetsold::Scratch& sc) {
  using fetsold::Product;
  const int L = j.seq;
  const ptrdiff_t row0 = (ptrdiff_t)b * L;
  float* s = sc.get((size_t)L * L);
  Product qk{j.q + row0 * j.ld + (ptrdiff_t)h * j.d, j.k + row0 * j.ld + (ptrdiff_t)h * j.d, s, L, L, j.d,
             j.ld, j.ld, L, false, true};
  fetsold::gemmSerial(isa, qk, 0);
  fetsold::vec_avx2::kernels.softmaxRows(s, (size_t)L, (size_t)L, j.scale, j.mask + row0);
  Product pv{s, j.v + row0 * j.ld + (ptrdiff_t)h * j.d, j.out + row0 * j.ld + (ptrdiff_t)h * j.d, L, j.d, L,
             L, j.ld, j.ld, false, false};
  fetsold::gemmSerial(isa, pv, 0);
}

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 20;
  const std::string sizes = std::getenv("SIZES") ? std::getenv("SIZES") : "mini,base";
  const fets::Isa* isa = fets::selectIsa("avx2");
  const fetsold::Isa* oldIsa = fetsold::selectIsa("avx2");
  if (!isa || !oldIsa) {
    std::fprintf(stderr, "AVX2 does not run here\n");
    return 2;
  }
  struct Model {
    const char* name;
    int heads, layers;
  };
  for (const Model& m : {Model{"mini", 4, 4}, Model{"base", 12, 12}}) {
    if (sizes.find(m.name) == std::string::npos) continue;
    const int B = 32, L = 64, d = 64, W = m.heads * d;
    std::vector<float> q((size_t)B * L * W), k(q.size()), v(q.size()), o(q.size()), o2(q.size()), mask((size_t)B * L);
    for (size_t i = 0; i < q.size(); i++) {
      q[i] = (float)((i * 7919) % 13) * 0.05f - 0.3f;
      k[i] = (float)((i * 104729) % 7) * 0.08f - 0.24f;
      v[i] = (float)(i % 5) * 0.1f - 0.2f;
    }
    // Padded sequences: the last 10 keys of every other sequence masked out (-3.4e38 as bertModel's mask).
    for (int b = 0; b < B; b++)
      for (int t = 0; t < L; t++) mask[(size_t)b * L + t] = (b % 2 == 1 && t >= L - 10) ? -3.4028234663852886e38f : 0.f;
    Layer lay{q.data(), k.data(), v.data(), mask.data(), o.data(), m.heads, L, d, W, 1.0f / std::sqrt((float)d)};
    Layer old = lay;
    old.out = o2.data();
    fets::Scratch sc, pn;
    fetsold::Scratch osc;
    double bestNew = 1e30, bestOld = 1e30;
    for (int r = 0; r < 2 * reps; r++) {
      const bool newSide = (r & 1) == ((r >> 1) & 1);
      const double t0 = cpuSeconds();
      for (int b = 0; b < B; b++)
        for (int h = 0; h < m.heads; h++) {
          if (newSide) newTask(*isa, lay, b, h, sc, pn);
          else oldTask(*oldIsa, old, b, h, osc);
        }
      const double t = cpuSeconds() - t0;
      if (newSide) bestNew = std::min(bestNew, t);
      else bestOld = std::min(bestOld, t);
    }
    double diff = 0;
    for (size_t i = 0; i < o.size(); i++) diff = std::max(diff, (double)std::fabs(o[i] - o2[i]));
    std::printf("bert-%s attention, one layer (%d × %d heads, L %d, d %d), 1 thread: new %.2f ms, old %.2f ms, "
                "new/old %.3f, max|diff| %.1e\n",
                m.name, B, m.heads, L, d, bestNew * 1e3, bestOld * 1e3, bestNew / bestOld, diff);
  }
  return 0;
}

// Standalone check of the GEMM on every microkernel this CPU (or emulator) runs, against a double-precision product:
// random shapes including 1, primes and sizes that are not multiples of the tile, every transpose case, batched and
// broadcast operands, 1-3 threads. For machines where the Node addon's tests cannot run (an aarch64 emulator):
//   g++ -O2 -std=c++17 -pthread test/gemm_check.cc src/gemm.cc src/microkernels.cc src/pool.cc -o gemm_check && ./gemm_check
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "../src/gemm.h"

/** C of one product (batch 1) against a float64 product; returns the failures (prints the first few). */
int check(const fets::Isa& isa, fets::Pool& pool, int m, int n, int k, bool ta, bool tb, std::mt19937& rng, int& shown) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> a((size_t)m * k), b((size_t)k * n), c((size_t)m * n + 1, 42.f);
  for (auto& x : a) x = u(rng);
  for (auto& x : b) x = u(rng);
  const fets::Product p{a.data(), b.data(), c.data(), m, n, k, ta ? m : k, tb ? k : n, n, ta, tb};
  fets::gemmBatched(pool, isa, p, 1, 0, 0, 0);
  int failures = 0;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = 0;
      for (int l = 0; l < k; l++) s += (double)(ta ? a[l * m + i] : a[i * k + l]) * (tb ? b[j * k + l] : b[l * n + j]);
      if (!(std::fabs(c[(size_t)i * n + j] - s) <= 1e-5 * k) && failures++ == 0 && shown++ < 5)
        std::printf("%s t%d m%d n%d k%d ta%d tb%d: C[%d][%d] %g vs %g\n", isa.name, pool.threads(), m, n, k, ta, tb, i, j,
                    c[(size_t)i * n + j], s);
    }
  if (c.back() != 42.f) {
    failures++;
    std::printf("%s: wrote past C\n", isa.name);
  }
  return failures;
}

/** The instruction set's GELU on n values (every length up to 70: the vector loop and its rest) against float64 erf. */
int checkGelu(const fets::Isa& isa, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-8.f, 8.f);
  int failures = 0;
  for (int n = 1; n <= 70; n++) {
    std::vector<float> x(n + 1, 42.f);
    for (int i = 0; i < n; i++) x[i] = i % 9 == 0 ? (i % 2 ? -200.f : 200.f) : u(rng);
    x[0] = n % 3 == 0 ? 0.f : x[0];
    const std::vector<float> in(x);
    isa.gelu(x.data(), n);
    for (int i = 0; i < n; i++) {
      const double v = in[i], want = 0.5 * v * (1.0 + std::erf(v / std::sqrt(2.0)));
      if (!(std::fabs(x[i] - want) <= 1e-6 * std::max(1.0, std::fabs(v))) && failures++ < 5)
        std::printf("%s gelu n%d: gelu(%g) = %g vs %g\n", isa.name, n, v, x[i], want);
    }
    if (x[n] != 42.f && failures++ < 5) std::printf("%s gelu: wrote past x\n", isa.name);
  }
  return failures;
}

/**
 * A dense layer as the addon runs it at inference: C = GELU(A·Bᵀ + bias) with B packed beforehand (the packed-weight
 * cache) or not, against float64. Shapes through the direct path (small A), the blocked driver with several row
 * blocks, column chunks and k blocks, panels that end inside C, and k = 0 (C = GELU(bias)).
 */
int checkDense(const fets::Isa& isa, fets::Pool& pool, int m, int n, int k, bool prepack, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> a((size_t)m * k), b((size_t)n * k), bias(n), c((size_t)m * n + 1, 42.f);
  for (auto& x : a) x = u(rng);
  for (auto& x : b) x = u(rng);
  for (auto& x : bias) x = u(rng);
  fets::Product p{a.data(), b.data(), c.data(), m, n, k, k, k, n, false, true};
  p.bias = bias.data();
  p.activation = isa.gelu;
  std::vector<float> packed;
  if (prepack && k > 0) {
    p.packedKb = fets::gemmPackBlockK(pool, isa, p);
    packed.resize(fets::gemmPackedSize(isa, p));
    fets::gemmPackB(isa, p, p.packedKb, packed.data());
    p.packedB = packed.data();
  }
  fets::gemmBatched(pool, isa, p, 1, 0, 0, 0);
  int failures = 0;
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      double s = bias[j];
      for (int l = 0; l < k; l++) s += (double)a[(size_t)i * k + l] * b[(size_t)j * k + l];
      const double want = 0.5 * s * (1.0 + std::erf(s / std::sqrt(2.0)));
      const float got = c[(size_t)i * n + j];
      if (!(std::fabs(got - want) <= 1e-5 * (k + 1)) && failures++ == 0)
        std::printf("%s t%d dense+gelu m%d n%d k%d packed %d: C[%d][%d] %g vs %g\n", isa.name, pool.threads(), m, n, k,
                    prepack, i, j, got, want);
    }
  if (c.back() != 42.f) {
    failures++;
    std::printf("%s: dense wrote past C\n", isa.name);
  }
  return failures;
}

int main() {
  std::mt19937 rng(7);
  const int sizes[] = {1, 2, 3, 7, 8, 13, 31, 33, 64, 97, 130};
  int count = 0;
  const fets::Isa* const* isas = fets::isaList(&count);
  int failures = 0, cases = 0;
  for (int v = 0; v < count; v++) {
    for (int threads = 1; threads <= 3; threads++) {
      fets::Pool pool(threads);
      for (int t = 0; t < 40; t++) {
        const int m = sizes[rng() % 11], n = sizes[rng() % 11], k = sizes[rng() % 11] + (t % 5 == 0 ? 300 : 0);
        const bool ta = rng() & 1, tb = rng() & 1;
        const int batch = 1 + rng() % 3;
        const bool aStep = rng() % 3 != 0, bStep = !aStep || (rng() & 1);
        std::uniform_real_distribution<float> u(-1.f, 1.f);
        std::vector<float> a((size_t)m * k * (aStep ? batch : 1)), b((size_t)k * n * (bStep ? batch : 1)), c((size_t)batch * m * n + 1, 42.f);
        for (auto& x : a) x = u(rng);
        for (auto& x : b) x = u(rng);
        fets::Product p{a.data(), b.data(), c.data(), m, n, k, ta ? m : k, tb ? k : n, n, ta, tb};
        fets::gemmBatched(pool, *isas[v], p, batch, aStep ? (ptrdiff_t)m * k : 0, bStep ? (ptrdiff_t)k * n : 0, (ptrdiff_t)m * n);
        cases++;
        for (int q = 0; q < batch; q++) {
          const float* A = a.data() + (aStep ? (size_t)q * m * k : 0);
          const float* B = b.data() + (bStep ? (size_t)q * k * n : 0);
          for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
              double s = 0;
              for (int l = 0; l < k; l++) s += (double)(ta ? A[l * m + i] : A[i * k + l]) * (tb ? B[j * k + l] : B[l * n + j]);
              const float got = c[(size_t)q * m * n + i * n + j];
              if (!(std::fabs(got - s) <= 1e-5 * k)) {
                if (failures++ < 5) std::printf("%s t%d m%d n%d k%d ta%d tb%d: %g vs %g\n", isas[v]->name, threads, m, n, k, ta, tb, got, s);
              }
            }
        }
        if (c.back() != 42.f) { failures++; std::printf("%s: wrote past C\n", isas[v]->name); }
      }
    }
    // Several row blocks, column chunks and k blocks (the last shorter) on 1-3 threads, every transpose case: the
    // threaded driver's shared packed A (a packed A read by several chunks), the packs' row-wise passes.
    int shown = 0;
    for (int threads = 1; threads <= 3; threads++) {
      fets::Pool pool(threads);
      for (const int k : {301, 601})
        for (int mode = 0; mode < 4; mode++) {
          failures += check(*isas[v], pool, 133, 130, k, mode & 2, mode & 1, rng, shown);
          cases++;
        }
    }
    // The GELU epilogue of a dense layer (inference): alone, then in the driver on 1-3 threads.
    failures += checkGelu(*isas[v], rng);
    cases++;
    for (int threads = 1; threads <= 3; threads++) {
      fets::Pool pool(threads);
      for (const auto& s : {std::array<int, 3>{7, 33, 13}, {133, 130, 301}, {200, 70, 1100}, {9, 5, 0}})
        for (const bool prepack : {false, true}) {
          failures += checkDense(*isas[v], pool, s[0], s[1], s[2], prepack, rng);
          cases++;
        }
    }
    std::printf("%s: checked\n", isas[v]->name);
  }
  std::printf("%d cases, %d failures\n", cases, failures);
  return failures == 0 ? 0 : 1;
}

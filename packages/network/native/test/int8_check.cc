// Standalone check of the int8 product (src/int8/) on every kernel variant this CPU (or emulator) runs: the int32
// accumulators against a brute-force integer product (bit for bit), and the float path (per-row quantization,
// dequantization, bias) against the same arithmetic written out plainly (bit for bit), on random shapes with m, n, k
// not multiples of any tile, 1-3 threads. For machines where the Node addon's tests cannot run (aarch64 under qemu):
//   g++ -O2 -std=c++17 -pthread test/int8_check.cc src/int8/int8gemm.cc src/int8/int8kernels.cc src/pool.cc -o int8_check
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "../src/int8/int8gemm.h"

int main() {
  std::mt19937 rng(11);
  const int sizes[] = {1, 2, 3, 5, 7, 13, 16, 17, 31, 33, 64, 97, 130};
  const int nSizes = sizeof(sizes) / sizeof(sizes[0]);
  int count = 0;
  const fets::Int8Isa* const* isas = fets::int8IsaList(&count);
  int failures = 0, cases = 0;
  for (int v = 0; v < count; v++) {
    const fets::Int8Isa& isa = *isas[v];
    for (int threads = 1; threads <= 3; threads++) {
      fets::Pool pool(threads);
      for (int t = 0; t < 30; t++) {
        const int m = sizes[rng() % nSizes], n = sizes[rng() % nSizes], k = sizes[rng() % nSizes] + (t % 4 == 0 ? 301 : 0);
        std::vector<int8_t> q((size_t)n * k);
        std::vector<float> scales(n), bias(n), x((size_t)m * k);
        std::vector<uint8_t> a((size_t)m * k);
        // Extremes included: A up to the variant's 2·qmax + 1, weights ±127.
        const int amax = 2 * isa.qmax + 1;
        for (auto& e : q) e = (int8_t)((int)(rng() % 255) - 127);
        for (int e = 0; e < n * k; e += 7) q[e] = (rng() & 1) ? 127 : -127;
        for (auto& e : a) e = (uint8_t)(rng() % (amax + 1));
        for (int e = 0; e < m * k; e += 5) a[e] = (uint8_t)amax;
        std::uniform_real_distribution<float> u(-3.f, 3.f);
        for (auto& e : scales) e = std::fabs(u(rng)) / 127.f + 1e-4f;
        for (auto& e : bias) e = u(rng);
        for (auto& e : x) e = u(rng);
        if (m > 1) for (int kk = 0; kk < k; kk++) x[kk] = 0.f;  // an all-zero row
        fets::Int8Weights* w = fets::int8WeightsNew(q.data(), scales.data(), n, k);
        fets::int8WeightsPack(w, isa);
        std::vector<int32_t> c((size_t)m * n + 1, 42);
        fets::Int8Product raw;
        raw.m = m, raw.a = a.data(), raw.w = w, raw.c = c.data();
        fets::int8Gemm(pool, isa, raw);
        std::vector<float> y((size_t)m * n + 1, 42.f);
        fets::Int8Product fl;
        fl.m = m, fl.x = x.data(), fl.w = w, fl.y = y.data(), fl.bias = bias.data();
        fets::int8Gemm(pool, isa, fl);
        cases++;
        int bad = 0;
        for (int i = 0; i < m; i++) {
          const float* xr = &x[(size_t)i * k];
          float xmax = 0;
          for (int kk = 0; kk < k; kk++) xmax = std::fmax(xmax, std::fabs(xr[kk]));
          const float inv = xmax > 0 ? (float)isa.qmax / xmax : 0.f, sx = xmax / (float)isa.qmax;
          for (int j = 0; j < n; j++) {
            long long s = 0, sq = 0;
            for (int kk = 0; kk < k; kk++) {
              s += (long long)a[(size_t)i * k + kk] * q[(size_t)j * k + kk];
              // The quantizer written out: round half to even of x·inv, clamped.
              const float p = xr[kk] * inv;
              float r = std::nearbyint(p);
              if (r > isa.qmax) r = (float)isa.qmax;
              if (r < -isa.qmax) r = (float)-isa.qmax;
              sq += (long long)r * q[(size_t)j * k + kk];
            }
            const float want = (float)sq * (sx * scales[j]) + bias[j];
            const bool okC = c[(size_t)i * n + j] == s;
            const bool okY = y[(size_t)i * n + j] == want;
            if ((!okC || !okY) && bad++ < 3)
              std::printf("%s t%d m%d n%d k%d: C[%d][%d] %d vs %lld, y %.9g vs %.9g\n", isa.name, threads, m, n, k, i, j,
                          c[(size_t)i * n + j], s, y[(size_t)i * n + j], want);
          }
        }
        if (c.back() != 42 || y.back() != 42.f) {
          bad++;
          std::printf("%s: wrote past the output\n", isa.name);
        }
        failures += bad != 0;
        fets::int8WeightsFree(w);
      }
    }
  }
  std::printf("int8_check: %d variants (", count);
  for (int v = 0; v < count; v++) std::printf("%s%s", v ? ", " : "", isas[v]->name);
  std::printf("), %d cases, %d failed\n", cases, failures);
  return failures ? 1 : 0;
}

// The int8 microkernels (int8gemm.h), one per instruction set, each compiled for its target with a function
// attribute (one binary for every CPU) and chosen at run time:
// - avx2: A and B widened to int16 when packed, `vpmaddwd` (16 products → 8 int32 pair sums) + `vpaddd`. Exact for
//   every u8 × s8 input, so activations keep 8 bits.
// - avx2-u8s8: `vpmaddubsw` (32 u8 × s8 products → 16 int16 pair sums, saturating) + `vpmaddwd` by ones (→ 8 int32) +
//   `vpaddd`. A pair sum of 255·127·2 would saturate int16, so this variant quantizes activations to 7 bits
//   (|q| ≤ 63, A ≤ 127: pair sums ≤ 2·127·127 = 32,258 < 32,767) and is exact for those.
// - generic: plain loops (the compiler vectorises them for the baseline: SSE2, NEON); exact for every u8 × s8.
#include <cstring>

#include "int8gemm.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FETS_INT8_X86 1
#endif

namespace fets {

namespace {

constexpr int kGenMr = 4, kGenNr = 16, kGenKg = 4;
void kernelGeneric(int kGroups, const void* av, const void* bv, int32_t* c) {
  const uint8_t* a = static_cast<const uint8_t*>(av);
  const int8_t* b = static_cast<const int8_t*>(bv);
  int32_t acc[kGenMr][kGenNr] = {};
  for (int g = 0; g < kGroups; g++, a += kGenMr * kGenKg, b += kGenNr * kGenKg)
    for (int i = 0; i < kGenMr; i++)
      for (int j = 0; j < kGenNr; j++) {
        int32_t s = 0;
        for (int u = 0; u < kGenKg; u++) s += (int32_t)a[i * kGenKg + u] * (int32_t)b[j * kGenKg + u];
        acc[i][j] += s;
      }
  std::memcpy(c, acc, sizeof(acc));
}
const Int8Isa kGeneric = {"generic", kGenMr, kGenNr, kGenKg, 1, 127, kernelGeneric};

#if FETS_INT8_X86
inline int32_t load32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// 6 rows × 16 columns, k in pairs: per pair two 32-byte loads of B (8 columns × 2 int16 each), per row one broadcast
// of its two int16 and two vpmaddwd + vpaddd into 12 accumulators.
constexpr int kMaddMr = 6;
__attribute__((target("avx2"))) void kernelAvx2Madd(int kGroups, const void* av, const void* bv, int32_t* c) {
  const int16_t* a = static_cast<const int16_t*>(av);
  const int16_t* b = static_cast<const int16_t*>(bv);
  __m256i acc[kMaddMr][2];
  for (int i = 0; i < kMaddMr; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (int g = 0; g < kGroups; g++, a += kMaddMr * 2, b += 32) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 16));
    for (int i = 0; i < kMaddMr; i++) {
      const __m256i x = _mm256_set1_epi32(load32(a + 2 * i));
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(x, b0));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(x, b1));
    }
  }
  for (int i = 0; i < kMaddMr; i++) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16 + 8), acc[i][1]);
  }
}
const Int8Isa kAvx2Madd = {"avx2", kMaddMr, 16, 2, 2, 127, kernelAvx2Madd};

// 6 rows × 16 columns, k in fours: per group two 32-byte loads of B (8 columns × 4 bytes), per row one broadcast of
// its four bytes, vpmaddubsw, vpmaddwd by ones, vpaddd.
constexpr int kUbsMr = 6;
__attribute__((target("avx2"))) void kernelAvx2U8s8(int kGroups, const void* av, const void* bv, int32_t* c) {
  const uint8_t* a = static_cast<const uint8_t*>(av);
  const int8_t* b = static_cast<const int8_t*>(bv);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[kUbsMr][2];
  for (int i = 0; i < kUbsMr; i++) acc[i][0] = acc[i][1] = _mm256_setzero_si256();
  for (int g = 0; g < kGroups; g++, a += kUbsMr * 4, b += 64) {
    const __m256i b0 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b));
    const __m256i b1 = _mm256_load_si256(reinterpret_cast<const __m256i*>(b + 32));
    for (int i = 0; i < kUbsMr; i++) {
      const __m256i x = _mm256_set1_epi32(load32(a + 4 * i));
      acc[i][0] = _mm256_add_epi32(acc[i][0], _mm256_madd_epi16(_mm256_maddubs_epi16(x, b0), ones));
      acc[i][1] = _mm256_add_epi32(acc[i][1], _mm256_madd_epi16(_mm256_maddubs_epi16(x, b1), ones));
    }
  }
  for (int i = 0; i < kUbsMr; i++) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16), acc[i][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + i * 16 + 8), acc[i][1]);
  }
}
const Int8Isa kAvx2U8s8 = {"avx2-u8s8", kUbsMr, 16, 4, 1, 63, kernelAvx2U8s8};
#endif

const Int8Isa* gList[4];
int gCount = 0;

void build() {
  if (gCount) return;
#if FETS_INT8_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    // vpmaddwd first: its 8-bit activations keep a tiny BERT's logits within 5% of float32's range, where the 7-bit
    // activations of vpmaddubsw (1.3-1.8× the rate on Zen 3, docs/int8.md) reached 10%. int8SetKernel picks the other.
    gList[gCount++] = &kAvx2Madd;
    gList[gCount++] = &kAvx2U8s8;
  }
#endif
  gList[gCount++] = &kGeneric;
}

}  // namespace

const Int8Isa* const* int8IsaList(int* count) {
  build();
  *count = gCount;
  return gList;
}

const Int8Isa* int8SelectIsa(const char* name) {
  build();
  if (!name || !*name) return gList[0];
  for (int i = 0; i < gCount; i++)
    if (std::strcmp(gList[i]->name, name) == 0) return gList[i];
  return nullptr;
}

}  // namespace fets

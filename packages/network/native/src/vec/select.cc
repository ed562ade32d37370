#include "vec.h"

namespace fets {

const VecKernels& vec() {
  static const VecKernels* chosen = [] {
#if (defined(__x86_64__) || defined(__i386__)) && !defined(FETS_NO_X86_VEC)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return &vec_avx512::kernels;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return &vec_avx2::kernels;
#endif
    return &vec_base::kernels;
  }();
  return *chosen;
}

}  // namespace fets

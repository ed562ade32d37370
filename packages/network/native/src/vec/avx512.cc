#define FETS_VEC_NS vec_avx512
#define FETS_VEC_NAME "avx512"
#include "kernels.inc.cc"

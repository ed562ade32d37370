#define FETS_VEC_NS vec_avx2
#define FETS_VEC_NAME "avx2"
#include "kernels.inc.cc"

#define FETS_VEC_NS vec_base
#define FETS_VEC_NAME "base"
#include "kernels.inc.cc"

#!/bin/sh
# Inference attention A/B on a loaded machine (see attention_ab.cc): this tree against revision REV (default HEAD~1),
# interleaved in one process.   packages/network/native/test/attention_ab.sh [REV] [REPS]     (SIZES=mini,base)
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD~1}
reps=${2:-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/old/vec"
for f in gemm.h gemm.cc microkernels.cc pool.cc pool.h parallel.h vec/vec.h vec/avx2.cc vec/kernels.inc.cc; do
  git -C "$here" show "$rev:./src/$f" >"$work/old/$f"
done
flags="-O3 -std=c++17 -pthread -fno-math-errno -fno-trapping-math -ffp-contract=off"
for f in gemm microkernels pool; do
  g++ $flags -Dfets=fetsold -I"$work/old" -c "$work/old/$f.cc" -o "$work/old/$f.o"
done
g++ $flags -mavx2 -mfma -Dfets=fetsold -c "$work/old/vec/avx2.cc" -o "$work/old/vec_avx2.o"
g++ $flags -mavx2 -mfma -c "$here/src/vec/avx2.cc" -o "$work/vec_avx2.o"
g++ $flags -DFETS_OLD_GEMM_H="\"$work/old/gemm.h\"" -DFETS_OLD_VEC_H="\"$work/old/vec/vec.h\"" \
  "$here/test/attention_ab.cc" "$here/src/gemm.cc" "$here/src/microkernels.cc" "$here/src/pool.cc" \
  "$work/old/gemm.o" "$work/old/microkernels.o" "$work/old/pool.o" "$work/old/vec_avx2.o" "$work/vec_avx2.o" \
  -o "$work/attention_ab"
"$work/attention_ab" "$reps"

#!/bin/sh
# Inference GEMM A/B on a loaded machine (see infer_ab.cc): this tree against revision REV (default HEAD~1), or
# against the sources in OLD_DIR, interleaved in one process.
#   packages/network/native/test/infer_ab.sh [REV] [REPS] [THREADS]      (SIZES=mini,base  ISA=avx2  OLD_DIR=…)
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD~1}
reps=${2:-10}
threads=${3:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/old"
for f in gemm.h gemm.cc microkernels.cc pool.cc pool.h parallel.h; do
  if [ -n "$OLD_DIR" ]; then
    cp "$OLD_DIR/$f" "$work/old/$f" 2>/dev/null || true
  else
    git -C "$here" show "$rev:./src/$f" >"$work/old/$f" 2>/dev/null || true
  fi
done
flags="-O3 -std=c++17 -pthread -fno-math-errno -fno-trapping-math -ffp-contract=off"
for f in gemm microkernels pool; do
  g++ $flags -Dfets=fetsold -I"$work/old" -c "$work/old/$f.cc" -o "$work/old/$f.o"
done
g++ $flags -mavx2 -mfma -c "$here/src/vec/avx2.cc" -o "$work/vec_avx2.o"
g++ $flags -DFETS_OLD_GEMM_H="\"$work/old/gemm.h\"" "$here/test/infer_ab.cc" "$here/src/gemm.cc" \
  "$here/src/microkernels.cc" "$here/src/pool.cc" "$work/old/gemm.o" "$work/old/microkernels.o" "$work/old/pool.o" \
  "$work/vec_avx2.o" -o "$work/infer_ab"
"$work/infer_ab" "$reps" "$threads"

#!/bin/sh
# GEMM A/B on a loaded machine (see gemm_ab.cc): this tree against revision REV (default HEAD~1), interleaved.
#   packages/network/native/test/gemm_ab.sh [REV] [REPS] [THREADS]
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
rev=${1:-HEAD~1}
reps=${2:-20}
threads=${3:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/old"
for f in gemm.h gemm.cc microkernels.cc pool.cc pool.h parallel.h; do
  git -C "$here" show "$rev:./src/$f" >"$work/old/$f" 2>/dev/null || true
done
flags="-O3 -std=c++17 -pthread -fno-math-errno -fno-trapping-math -ffp-contract=off"
for f in gemm microkernels pool; do
  g++ $flags -Dfets=fetsold -I"$work/old" -c "$work/old/$f.cc" -o "$work/old/$f.o"
done
g++ $flags -DFETS_OLD_GEMM_H="\"$work/old/gemm.h\"" "$here/test/gemm_ab.cc" "$here/src/gemm.cc" \
  "$here/src/microkernels.cc" "$here/src/pool.cc" "$work/old/gemm.o" "$work/old/microkernels.o" "$work/old/pool.o" \
  -o "$work/gemm_ab"
"$work/gemm_ab" "$reps" "$threads"

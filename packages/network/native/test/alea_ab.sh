#!/bin/sh
# The dropout mask's draws, old serial loop against alea.cc's interleaved chains (see alea_ab.cc).
#   packages/network/native/test/alea_ab.sh [REPS] [N]
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
g++ -O3 -std=c++17 -fno-math-errno -fno-trapping-math -ffp-contract=off -I"$here/src" "$here/test/alea_ab.cc" \
  "$here/src/alea.cc" -o "$work/alea_ab"
"$work/alea_ab" "${1:-20}" "${2:-524288}"

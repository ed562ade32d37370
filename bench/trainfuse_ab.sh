#!/bin/sh
# bert-mini train step and inference, this tree against another checkout (its addon built), alternating processes:
# bench/model-step.ts of each tree (each runs its own code), FETS_THREADS 1 and 2, ROUNDS rounds; prints the process
# CPU time and wall medians per repetition. No PyTorch (npm run bench -- model --baseline DIR adds it, and takes ~1 h
# under load). Usage: bench/trainfuse_ab.sh BEFORE_DIR [ROUNDS] [REPS]
set -e
after=$(cd "$(dirname "$0")/.." && pwd)
before=${1:?usage: bench/trainfuse_ab.sh BEFORE_DIR [ROUNDS] [REPS]}
rounds=${2:-2}
reps=${3:-3}
step() { # dir threads
  (cd "$1" && FETS_BACKEND=wasm FETS_KERNELS=on FETS_THREADS=$2 node --conditions=fets-source --import tsx bench/model-step.ts \
    --sizes mini --reps "$reps" --warmup 1 2>/dev/null | sed -n 's/^FETS_BENCH_JSON //p' | node -e '
      const r = JSON.parse(require("fs").readFileSync(0, "utf8")).results.mini;
      const m = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(0);
      console.log(`train cpu ${m(r.trainCpuMs)} wall ${m(r.trainMs)}  infer cpu ${m(r.inferCpuMs)} wall ${m(r.inferMs)}`);')
}
for round in $(seq "$rounds"); do
  for t in 1 2; do
    echo "round $round, $t thread(s), after:  $(step "$after" "$t")"
    echo "round $round, $t thread(s), before: $(step "$before" "$t")"
  done
done

"""PyTorch peer of bench/conv.ts: times conv2d forward, input gradient and filter gradient on the given shapes.

Shapes come as JSON on the command line, NHWC as fets gives them ([B, H, W, Cin], k, Cout, pad 'same'|'valid');
PyTorch runs them NCHW (its native layout). Medians of --reps runs after --warmup.

Usage: python3 bench/conv_torch.py --cases '[{"x":[32,28,28,1],"k":3,"co":32,"pad":"valid"}]' --reps 5 --threads 1
Prints one line: FETS_BENCH_JSON {...}
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F
from torch.nn.grad import conv2d_input, conv2d_weight


def timed(fn, reps, warmup):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", required=True)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    rows = []
    with torch.no_grad():
        for c in json.loads(args.cases):
            b, h, w, ci = c["x"]
            k, co = c["k"], c["co"]
            pad = k // 2 if c["pad"] == "same" else 0
            x = torch.randn(b, ci, h, w)
            wt = torch.randn(co, ci, k, k)
            y = F.conv2d(x, wt, padding=pad)
            dy = torch.randn_like(y)
            rows.append({
                "forward": timed(lambda: F.conv2d(x, wt, padding=pad), args.reps, args.warmup),
                "inputGrad": timed(lambda: conv2d_input(x.shape, wt, dy, padding=pad), args.reps, args.warmup),
                "filterGrad": timed(lambda: conv2d_weight(x, wt.shape, dy, padding=pad), args.reps, args.warmup),
            })
    print("FETS_BENCH_JSON " + json.dumps({"rows": rows, "threads": args.threads, "threadsUsed": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()

"""PyTorch on CUDA: the model step of bench/torch_step.py (same model, task and timing) on the GPU, for bench/gpu.ts.

Times one training step (zero_grad, forward, loss, backward, AdamW step, loss.item(): the item() waits for the GPU)
and inference (eval, no_grad, logits summed and read) as medians after warm-up. Prints one line
`FETS_BENCH_JSON {...}`, or `{"skipped": why}` when torch has no CUDA device.

Usage: python3 bench/torch_cuda.py --sizes tiny,mini --reps 5 --warmup 2
"""
import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch_step import BATCH, LABELS, PRESETS, SEQ, VOCAB, BertTokenClassifier  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="tiny,mini")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    if not torch.cuda.is_available():
        print("FETS_BENCH_JSON " + json.dumps({"skipped": f"torch {torch.__version__} sees no CUDA device"}))
        return
    dev = torch.device("cuda")
    torch.manual_seed(0)
    ids = torch.randint(1, VOCAB, (BATCH, SEQ), device=dev)
    mask = torch.ones(BATCH, SEQ, dtype=torch.long, device=dev)
    labels = torch.randint(0, LABELS, (BATCH, SEQ), device=dev)
    results = {}
    for size in a.sizes.split(","):
        model = BertTokenClassifier(*PRESETS[size]).to(dev)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
        model.train()
        train = []
        for i in range(a.warmup + a.reps):
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(ids, mask).reshape(-1, LABELS), labels.reshape(-1))
            loss.backward()
            opt.step()
            loss.item()
            if i >= a.warmup:
                train.append(1000 * (time.perf_counter() - t0))
        model.eval()
        infer = []
        with torch.no_grad():
            for i in range(a.warmup + a.reps):
                t0 = time.perf_counter()
                model(ids, mask).sum().item()
                if i >= a.warmup:
                    infer.append(1000 * (time.perf_counter() - t0))
        results[size] = {"trainMs": train, "trainMedianMs": statistics.median(train), "inferMs": infer, "inferMedianMs": statistics.median(infer)}
    out = {"torch": torch.__version__, "device": torch.cuda.get_device_name(0), "reps": a.reps, "warmup": a.warmup, "results": results}
    print("FETS_BENCH_JSON " + json.dumps(out))


if __name__ == "__main__":
    main()

"""PyTorch peer of bench/bertTask.ts for the model-step figure (run by bench/model.ts with /usr/bin/python3).

The same task in plain PyTorch: Hugging Face's BertForTokenClassification layout written out (word, position and
token-type embeddings, LayerNorm eps 1e-12, post-LN encoder layers with erf GELU, dropout 0.1, a linear token
classifier), batch 32 x 64 random token ids with a full attention mask, 25 labels, mean cross-entropy over all
tokens, AdamW (lr 1e-4, weight decay 0.01). Times one training step (zero_grad, forward, loss, backward, optimizer
step, loss.item()) and inference (eval mode, no_grad, logits) as medians after warm-up.

Needs OpenBLAS for meaningful times (`apt-get install libopenblas0-pthread`): with Debian's default reference BLAS
matmuls run ~15x slower; `matmulGflops` in the output shows which one is in use.

Usage: OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 bench/torch_step.py --threads 1 --sizes tiny,mini --reps 5 --warmup 2
Prints one line: FETS_BENCH_JSON {...}
"""
import argparse
import json
import math
import os
import statistics
import time

import torch
from torch import nn
import torch.nn.functional as F

PRESETS = {"tiny": (2, 128, 2), "mini": (4, 256, 4), "small": (4, 512, 8), "base": (12, 768, 12)}
# FETS_BENCH_BATCH: the batch of every process of a figure (bench/bertTask.ts reads the same variable).
BATCH = int(os.environ.get("FETS_BENCH_BATCH", "") or 32)
SEQ, LABELS, VOCAB = 64, 25, 30522


class Layer(nn.Module):
    def __init__(self, h, heads, p):
        super().__init__()
        self.heads, self.dh = heads, h // heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.ff1, self.ff2 = nn.Linear(h, 4 * h), nn.Linear(4 * h, h)
        self.drop = nn.Dropout(p)

    def forward(self, x, bias):
        b, l, h = x.shape
        split = lambda t: t.view(b, l, self.heads, self.dh).transpose(1, 2)
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        att = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.dh) + bias
        ctx = torch.matmul(self.drop(att.softmax(-1)), v).transpose(1, 2).reshape(b, l, h)
        x = self.ln1(x + self.drop(self.o(ctx)))
        return self.ln2(x + self.drop(self.ff2(F.gelu(self.ff1(x)))))


class BertTokenClassifier(nn.Module):
    def __init__(self, layers, h, heads, p=0.1):
        super().__init__()
        self.word, self.pos, self.tok_type = nn.Embedding(VOCAB, h), nn.Embedding(512, h), nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.layers = nn.ModuleList(Layer(h, heads, p) for _ in range(layers))
        self.classifier = nn.Linear(h, LABELS)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)

    def forward(self, ids, mask):
        pos = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.drop(self.ln(self.word(ids) + self.pos(pos) + self.tok_type(torch.zeros_like(ids))))
        bias = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, bias)
        return self.classifier(self.drop(x))


def gemm_only(a):
    """GFLOP/s of single products (best of reps after warm-up), the shapes bench/gemm.ts times in fets."""
    rates = []
    for spec in a.gemm.split(";"):
        m, k, n, ta, tb, *rest = (int(v) for v in spec.split(","))
        batch = rest[0] if rest else 1
        x = torch.randn(batch, k, m) if ta else torch.randn(batch, m, k)
        w = torch.randn(batch, n, k) if tb else torch.randn(batch, k, n)
        xa = x.transpose(-1, -2) if ta else x
        wb = w.transpose(-1, -2) if tb else w
        if batch == 1:
            xa, wb = xa[0], wb[0]
        times = []
        for i in range(a.warmup + a.reps):
            t0 = time.perf_counter()
            torch.matmul(xa, wb)
            if i >= a.warmup:
                times.append(time.perf_counter() - t0)
        rates.append(2 * batch * m * k * n / min(times) / 1e9)
    print("FETS_BENCH_JSON " + json.dumps({"torch": torch.__version__, "threads": a.threads, "gflops": rates}))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sizes", default="tiny,mini")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--gemm", default="", help="time only these products: 'm,k,n,ta,tb[,batch]' separated by ';'")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.gemm:
        gemm_only(a)
        return
    torch.manual_seed(0)
    ids = torch.randint(1, VOCAB, (BATCH, SEQ))
    mask = torch.ones(BATCH, SEQ, dtype=torch.long)
    labels = torch.randint(0, LABELS, (BATCH, SEQ))
    # BLAS check: Debian's torch calls the system BLAS; the reference libblas3 runs this product at ~2 GFLOP/s,
    # OpenBLAS (libopenblas0-pthread) at 30-100.
    x, w = torch.randn(2048, 256), torch.randn(256, 1024)
    mm = []
    for _ in range(3):
        t0 = time.perf_counter()
        x @ w
        mm.append(time.perf_counter() - t0)
    gflops = 2 * 2048 * 256 * 1024 / min(mm) / 1e9
    results = {}
    for size in a.sizes.split(","):
        model = BertTokenClassifier(*PRESETS[size])
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
        model.train()
        # Wall time and the process's CPU time (every thread) per repetition: on one thread CPU time leaves out the
        # time spent waiting for a core, so it stays comparable on a loaded machine.
        train, train_cpu = [], []
        for i in range(a.warmup + a.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(ids, mask).reshape(-1, LABELS), labels.reshape(-1))
            loss.backward()
            opt.step()
            loss.item()
            if i >= a.warmup:
                train.append(1000 * (time.perf_counter() - t0))
                train_cpu.append(1000 * (time.process_time() - c0))
        model.eval()
        infer, infer_cpu = [], []
        with torch.no_grad():
            for i in range(a.warmup + a.reps):
                t0, c0 = time.perf_counter(), time.process_time()
                model(ids, mask).sum().item()
                if i >= a.warmup:
                    infer.append(1000 * (time.perf_counter() - t0))
                    infer_cpu.append(1000 * (time.process_time() - c0))
        results[size] = {
            "trainMs": train,
            "trainMedianMs": statistics.median(train),
            "inferMs": infer,
            "inferMedianMs": statistics.median(infer),
            "trainCpuMs": train_cpu,
            "trainCpuMedianMs": statistics.median(train_cpu),
            "inferCpuMs": infer_cpu,
            "inferCpuMedianMs": statistics.median(infer_cpu),
        }
    print("FETS_BENCH_JSON " + json.dumps({"torch": torch.__version__, "threads": a.threads, "reps": a.reps, "warmup": a.warmup, "matmulGflops": gflops, "results": results}))


if __name__ == "__main__":
    main()

"""PyTorch peer of the NER recipe for the quality figure (run by bench/quality.ts with /usr/bin/python3).

The same recipe as examples/ner-bert in plain PyTorch, on the very samples fets trains on: bench/quality.ts writes the
WordPiece ids, first-sub-token labels (-100 elsewhere), word ids and window records of every split (the same
held-out eval split, the same windows of long sentences) to a JSON file. Here: Hugging Face's BertForTokenClassification
layout written out (embeddings, post-LN encoder layers with erf GELU, LayerNorm eps 1e-12, dropout, a linear head),
weights drawn from N(0, 0.02) (biases 0, LayerNorm 1), AdamW (betas 0.9/0.999, eps 1e-8) with no weight decay on
biases and LayerNorm weights, linear warm-up then linear decay to 0 by step, gradient clipping by global norm,
cross-entropy averaged over the labelled tokens, batches in a fresh random order each epoch, padded to their longest
sample. After each epoch the eval split is scored (strict IOB2 entity F1 over whole sentences, each word from the
window that scores it); the best epoch's weights tag the test split, whose per-token predictions go back to
bench/quality.ts, which scores them with the same code as fets.

Usage: python3 bench/ner_torch.py --data samples.json --seed 0 --threads 1
Prints one line: FETS_BENCH_JSON {...}
"""
import argparse
import copy
import json
import math
import random
import time

import torch
from torch import nn
import torch.nn.functional as F


class Layer(nn.Module):
    def __init__(self, h, heads, inter, p):
        super().__init__()
        self.heads, self.dh = heads, h // heads
        self.q, self.k, self.v, self.o = (nn.Linear(h, h) for _ in range(4))
        self.ln1, self.ln2 = nn.LayerNorm(h, eps=1e-12), nn.LayerNorm(h, eps=1e-12)
        self.ff1, self.ff2 = nn.Linear(h, inter), nn.Linear(inter, h)
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
    def __init__(self, cfg, labels):
        super().__init__()
        h, p = cfg["hiddenSize"], cfg["dropout"]
        self.word = nn.Embedding(cfg["vocabSize"], h)
        self.pos = nn.Embedding(cfg["maxPositions"], h)
        self.typ = nn.Embedding(2, h)
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.drop = nn.Dropout(p)
        self.layers = nn.ModuleList(
            Layer(h, cfg["heads"], cfg["intermediateSize"], p) for _ in range(cfg["layers"])
        )
        self.head = nn.Linear(h, labels)
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, ids, mask):
        l = ids.shape[1]
        pos = torch.arange(l).unsqueeze(0)
        x = self.drop(self.ln(self.word(ids) + self.pos(pos) + self.typ(torch.zeros_like(ids))))
        bias = (1.0 - mask[:, None, None, :].float()) * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        return self.head(self.drop(x))


def pad(rows, key, value):
    n = max(len(r[key]) for r in rows)
    return torch.tensor([r[key] + [value] * (n - len(r[key])) for r in rows], dtype=torch.long)


def lengths_mask(rows, ids):
    """1 on each row's tokens, 0 on its padding."""
    return torch.arange(ids.shape[1])[None, :] < torch.tensor([len(r["x"]) for r in rows])[:, None]


def entities(tags):
    """Strict IOB2 entities of one sentence: (type, start, end) of B-X followed by I-X."""
    out, i = set(), 0
    while i < len(tags):
        t = tags[i]
        if t.startswith("B-"):
            typ, j = t[2:], i + 1
            while j < len(tags) and tags[j] == "I-" + typ:
                j += 1
            out.add((typ, i, j))
            i = j
        else:
            i += 1
    return out


def stitch(samples, preds, labels):
    """Whole sentences (gold, pred) from windows: each word from the window that scores it; no sub-token: O."""
    sent = {}
    for s, p in zip(samples, preds):
        idx, start, own0, own1, n = s["window"]
        g, q = sent.setdefault(idx, ([None] * n, ["O"] * n))
        for w in range(own0, own1):
            g[w] = s["tags"][w - start]
        prev = -2
        for pos, wid in enumerate(s["wordIds"]):
            if wid >= 0 and wid != prev and own0 <= start + wid < own1:
                q[start + wid] = labels[p[pos]]
            prev = wid
    return [sent[k] for k in sorted(sent)]


def strict_f1(pairs):
    tp = npred = ngold = 0
    for sid, (g, p) in enumerate(pairs):
        eg, ep = entities(g), entities(p)
        tp, npred, ngold = tp + len(eg & ep), npred + len(ep), ngold + len(eg)
    prec = tp / npred if npred else 0.0
    rec = tp / ngold if ngold else 0.0
    return 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def predict(model, samples, batch):
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(samples), batch):
            rows = samples[i : i + batch]
            ids = pad(rows, "x", 0)
            logits = model(ids, lengths_mask(rows, ids))
            arg = logits.argmax(-1).tolist()
            out += [a[: len(r["x"])] for a, r in zip(arg, rows)]
    model.train()
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    with open(args.data) as f:
        d = json.load(f)
    cfg, labels = d["config"], d["labels"]
    model = BertTokenClassifier(cfg, len(labels))
    no_decay = lambda n: n.endswith("bias") or ".ln" in n or n.startswith("ln.")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not no_decay(n)], "weight_decay": cfg["weightDecay"]},
        {"params": [p for n, p in model.named_parameters() if no_decay(n)], "weight_decay": 0.0},
    ]
    opt = torch.optim.AdamW(groups, lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8)
    train, bs = d["train"], cfg["batchSize"]
    steps_per_epoch = math.ceil(len(train) / bs)
    total = steps_per_epoch * cfg["epochs"]
    warm = round(cfg["warmup"] * total)
    lr_at = lambda s: cfg["lr"] * (s / max(1, warm) if s < warm else max(0.0, (total - s) / max(1, total - warm)))
    best, best_state, history, step = -1.0, None, [], 0
    t0 = time.perf_counter()
    for epoch in range(1, cfg["epochs"] + 1):
        order = list(range(len(train)))
        random.shuffle(order)
        for b in range(0, len(order), bs):
            rows = [train[i] for i in order[b : b + bs]]
            ids, y = pad(rows, "x", 0), pad(rows, "y", -100)
            mask = lengths_mask(rows, ids)
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            loss = F.cross_entropy(model(ids, mask).reshape(-1, len(labels)), y.reshape(-1), ignore_index=-100)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg["clipNorm"])
            opt.step()
            step += 1
        f1 = strict_f1(stitch(d["eval"], predict(model, d["eval"], 64), labels))
        history.append(f1)
        if f1 > best:
            best, best_state = f1, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    test_preds = predict(model, d["test"], 64)
    print("FETS_BENCH_JSON " + json.dumps({
        "evalF1": history,
        "bestEpoch": history.index(best) + 1,
        "testPreds": test_preds,
        "seconds": time.perf_counter() - t0,
        "steps": step,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()

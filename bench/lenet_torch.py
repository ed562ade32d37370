"""PyTorch peer of examples/mnist for the vision figure (run by bench/vision.ts with /usr/bin/python3).

The same LeNet (FastEstimator's: conv 32 3x3 ReLU, max-pool 2, conv 64 3x3 ReLU, max-pool 2, conv 64 3x3 ReLU,
flatten, dense 64 ReLU, dense 10 softmax), Glorot-uniform weights and zero biases as Keras, on the very split fets
uses (bench/vision.ts writes the bytes and labels of train, eval and test): each image scaled by its own min and max,
Adam (lr 1e-3, epsilon 1e-7) with the same cosine decay by step to lr/20, batch 32 in a fresh random order each epoch, cross-entropy
of the softmax probabilities; after each epoch the eval accuracy, and the best epoch's weights score the test split.

Usage: python3 bench/lenet_torch.py --data digits.json --epochs 12 --seed 0 --threads 1
Prints one line: FETS_BENCH_JSON {...}
"""
import argparse
import base64
import copy
import json
import math
import random
import time

import torch
from torch import nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.c1, self.c2, self.c3 = nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.Conv2d(64, 64, 3)
        self.d1, self.d2 = nn.Linear(64 * 3 * 3, 64), nn.Linear(64, classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = F.relu(self.c3(x))
        # Keras flattens channels last: permute so the dense weights see the same order.
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        return F.softmax(self.d2(F.relu(self.d1(x))), -1)


def images(split):
    px = torch.frombuffer(bytearray(base64.b64decode(split["pixels"])), dtype=torch.uint8).float()
    x = px.view(-1, 1, 28, 28)
    lo = x.amin(dim=(1, 2, 3), keepdim=True)
    hi = x.amax(dim=(1, 2, 3), keepdim=True)
    x = torch.where(hi > lo, (x - lo) / (hi - lo).clamp(min=1e-12), torch.zeros_like(x))
    return x, torch.tensor(split["labels"], dtype=torch.long)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum(int((model(x[i : i + 256]).argmax(-1) == y[i : i + 256]).sum()) for i in range(0, len(y), 256))
    model.train()
    return correct / len(y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    with open(args.data) as f:
        d = json.load(f)
    (xt, yt), (xe, ye), (xs, ys) = images(d["train"]), images(d["eval"]), images(d["test"])
    model = LeNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-7)  # Keras' and fets' epsilon
    steps = math.ceil(len(yt) / args.batch)
    total = steps * args.epochs
    lo = args.lr / 20
    lr_at = lambda s: lo + (args.lr - lo) * (1 + math.cos(math.pi * min(1.0, s / max(1, total)))) / 2
    best, best_state, epoch_seconds, history, step = -1.0, None, [], [], 0
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        order = list(range(len(yt)))
        random.shuffle(order)
        for b in range(0, len(order), args.batch):
            idx = torch.tensor(order[b : b + args.batch])
            for g in opt.param_groups:
                g["lr"] = lr_at(step)
            p = model(xt[idx])
            loss = F.nll_loss(torch.log(p.clamp(1e-7, 1 - 1e-7)), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
        epoch_seconds.append(time.perf_counter() - t0)
        acc = accuracy(model, xe, ye)
        history.append(acc)
        if acc > best:
            best, best_state = acc, copy.deepcopy(model.state_dict())
    model.load_state_dict(best_state)
    print("FETS_BENCH_JSON " + json.dumps({
        "testAccuracy": accuracy(model, xs, ys),
        "evalAccuracy": history,
        "epochSeconds": epoch_seconds,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()

"""MLP workload: 784-256-128-10 ReLU, softmax cross-entropy, SGD momentum 0.9, batch 128, one epoch of 60,000.

Prints JSON: samples/s for hackgrad, PyTorch 2.13 CPU and a hand-written NumPy loop, measured alternately in one
process on 2 threads in float32; the median per-round ratio hackgrad/PyTorch; peak memory of each in a child process.
Run: .venv/bin/python bench/mlp.py [--rounds 3]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import child_peak_memory, limit_threads, measure, peak_memory, torch_or_none  # noqa: E402

limit_threads()
import numpy as np  # noqa: E402

N, BATCH, SIZES, LR, MOMENTUM = 60_000, 128, (784, 256, 128, 10), 0.01, 0.9


def make_data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((N, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], N)
    return X, y


def hackgrad_epoch(X, y):
    import hackgrad
    import hackgrad.nn.functional as F
    from hackgrad import nn, optim

    layers = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(nn.Linear(a, b, seed=i))
        if i < len(SIZES) - 2:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def run():
        for i in range(0, N, BATCH):
            xb, yb = hackgrad.tensor(X[i : i + BATCH]), hackgrad.tensor(y[i : i + BATCH])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return N

    return run


def torch_epoch(X, y, torch):
    torch.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(SIZES) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def run():
        for i in range(0, N, BATCH):
            loss = torch.nn.functional.cross_entropy(model(Xt[i : i + BATCH]), yt[i : i + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return N

    return run


def numpy_epoch(X, y):
    """The reference a careful person writes by hand: no graph, no objects, just the products."""
    rng = np.random.default_rng(0)
    Ws = [(rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(np.float32) for a, b in zip(SIZES[:-1], SIZES[1:])]
    bs = [np.zeros(b, np.float32) for b in SIZES[1:]]
    vel = [np.zeros_like(p) for p in Ws + bs]

    def run():
        for i in range(0, N, BATCH):
            xb, yb = X[i : i + BATCH], y[i : i + BATCH]
            acts = [xb]
            for j, (W, b) in enumerate(zip(Ws, bs)):
                z = acts[-1] @ W + b
                acts.append(np.maximum(z, 0) if j < len(Ws) - 1 else z)
            z = acts[-1]
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            dz = p / len(yb)
            grads_W, grads_b = [], []
            for j in range(len(Ws) - 1, -1, -1):
                grads_W.append(acts[j].T @ dz)
                grads_b.append(dz.sum(0))
                if j:
                    dz = (dz @ Ws[j].T) * (acts[j] > 0)
            grads = grads_W[::-1] + grads_b[::-1]
            for p_, g, v in zip(Ws + bs, grads, vel):
                v *= MOMENTUM
                v += g
                p_ -= LR * v
        return N

    return run


def memory(impl):
    X, y = make_data()
    torch = torch_or_none() if impl == "torch" else None
    import hackgrad.nn  # noqa: F401  (imports are not part of the figure)
    import hackgrad.optim  # noqa: F401

    build = {"torch": lambda: torch_epoch(X, y, torch), "numpy": lambda: numpy_epoch(X, y),
              "hackgrad": lambda: hackgrad_epoch(X, y)}[impl]
    print(json.dumps(peak_memory(build, impl)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--memory", choices=["hackgrad", "torch", "numpy"])
    args = ap.parse_args()
    if args.memory:
        return memory(args.memory)
    X, y = make_data()
    torch = torch_or_none()
    runs = [("hackgrad", hackgrad_epoch(X, y)), ("numpy", numpy_epoch(X, y))]
    if torch is not None:
        runs.append(("torch", torch_epoch(X, y, torch)))
    workload = "mlp 784-256-128-10, batch 128, SGD momentum, 60k samples/epoch, float32, 2 threads"
    result = measure(runs, args.rounds, workload, "samples_per_s", 1.2)
    if torch is not None:
        result["memory"] = {impl: child_peak_memory(__file__, impl) for impl in ("hackgrad", "torch")}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

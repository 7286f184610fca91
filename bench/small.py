"""Small workload: 2-64-64-2 ReLU MLP on 2-D spirals, batch 32, 2,000 Adam steps (where per-op overhead shows).

Prints JSON: steps/s for hackgrad, PyTorch 2.13 CPU and a hand-written NumPy loop, alternately in one process on
2 threads in float32; the median per-round ratio hackgrad/PyTorch; peak memory of each in a child process.
Run: .venv/bin/python bench/small.py [--rounds 5]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import child_peak_memory, limit_threads, measure, peak_memory, torch_or_none  # noqa: E402

limit_threads()
import numpy as np  # noqa: E402

STEPS, BATCH, SIZES, LR = 2000, 32, (2, 64, 64, 2), 1e-3


def make_data(n=1024, seed=0):
    """Two interleaved spiral arms (made here so the benchmark needs nothing else)."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.random(n)) * 3 * np.pi
    label = rng.integers(0, 2, n)
    r = t / (3 * np.pi)
    angle = t + np.pi * label
    X = np.stack([r * np.cos(angle), r * np.sin(angle)], 1) + rng.normal(0, 0.02, (n, 2))
    return X.astype(np.float32), label.astype(np.int64)


def batches(X, y, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(X), (STEPS, BATCH))
    return [(X[i], y[i]) for i in idx]


def hackgrad_run(data):
    import hackgrad
    import hackgrad.nn.functional as F
    from hackgrad import nn, optim

    model = nn.Sequential(nn.Linear(2, 64, seed=0), nn.ReLU(), nn.Linear(64, 64, seed=1), nn.ReLU(),
                          nn.Linear(64, 2, seed=2))
    opt = optim.Adam(model.parameters(), lr=LR)

    def run():
        for xb, yb in data:
            loss = F.cross_entropy(model(hackgrad.tensor(xb)), hackgrad.tensor(yb))
            opt.zero_grad()
            loss.backward()
            opt.step()
        return len(data)

    return run


def torch_run(data, torch):
    torch.manual_seed(0)
    nnt = torch.nn
    model = nnt.Sequential(nnt.Linear(2, 64), nnt.ReLU(), nnt.Linear(64, 64), nnt.ReLU(), nnt.Linear(64, 2))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    tdata = [(torch.from_numpy(xb), torch.from_numpy(yb)) for xb, yb in data]

    def run():
        for xb, yb in tdata:
            loss = nnt.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return len(tdata)

    return run


def numpy_run(data):
    rng = np.random.default_rng(0)
    params = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        params += [(rng.standard_normal((a, b)) * np.sqrt(2 / a)).astype(np.float32), np.zeros(b, np.float32)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8

    def run():
        for t, (xb, yb) in enumerate(data, 1):
            W1, c1, W2, c2, W3, c3 = params
            h1 = np.maximum(xb @ W1 + c1, 0)
            h2 = np.maximum(h1 @ W2 + c2, 0)
            z = h2 @ W3 + c3
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            dz = p / len(yb)
            dh2 = (dz @ W3.T) * (h2 > 0)
            dh1 = (dh2 @ W2.T) * (h1 > 0)
            grads = [xb.T @ dh1, dh1.sum(0), h1.T @ dh2, dh2.sum(0), h2.T @ dz, dz.sum(0)]
            for p_, g, m_, v_ in zip(params, grads, m, v):
                m_ *= b1
                m_ += (1 - b1) * g
                v_ *= b2
                v_ += (1 - b2) * g * g
                p_ -= LR * (m_ / (1 - b1**t)) / (np.sqrt(v_ / (1 - b2**t)) + eps)
        return len(data)

    return run


def memory(impl):
    data = batches(*make_data())
    torch = torch_or_none() if impl == "torch" else None
    import hackgrad.nn  # noqa: F401  (imports are not part of the figure)
    import hackgrad.optim  # noqa: F401

    build = {"torch": lambda: torch_run(data, torch), "numpy": lambda: numpy_run(data),
              "hackgrad": lambda: hackgrad_run(data)}[impl]
    print(json.dumps(peak_memory(build, impl)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--memory", choices=["hackgrad", "torch", "numpy"])
    args = ap.parse_args()
    if args.memory:
        return memory(args.memory)
    data = batches(*make_data())
    torch = torch_or_none()
    runs = [("hackgrad", hackgrad_run(data)), ("numpy", numpy_run(data))]
    if torch is not None:
        runs.append(("torch", torch_run(data, torch)))
    workload = "mlp 2-64-64-2 on spirals, batch 32, 2000 Adam steps, float32, 2 threads"
    result = measure(runs, args.rounds, workload, "steps_per_s", 2.0)
    if torch is not None:
        result["memory"] = {impl: child_peak_memory(__file__, impl) for impl in ("hackgrad", "torch")}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

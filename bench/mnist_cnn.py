"""Training speed of the default MNIST CNN (hackgrad.models.cnn): hackgrad against the same net in PyTorch.

Workload: conv16@5x5 -> maxpool 2 -> ReLU -> conv32@5x5 -> maxpool 2 -> ReLU -> 512-128-10, cross-entropy with
label smoothing 0.1, Adam 3e-3, batches of 128 MNIST-shaped images, float32. Also timed: the same net in
hackgrad with ReLU before each pool (the usual order; the two commute), to show what pooling first saves.

Prints JSON: samples/s of each (wall clock, median over alternating rounds) and the median per-round ratio
hackgrad/torch; and samples per CPU-second of each (process time, which other processes on a shared
machine disturb much less than the wall clock). One BLAS thread by default: on a machine shared with busy
processes, more threads mostly wait for each other. The images are random; speed does not depend on them.
Run: .venv/bin/python bench/mnist_cnn.py [--rounds 5] [--batches 10] [--threads 1]
"""

import argparse
import json
import os
import sys
import time
from functools import partial

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import _common  # noqa: E402

BATCH, LR = 128, 3e-3


def make_data(batches, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.random((batches * BATCH, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, batches * BATCH)


def hackgrad_run(X, y, relu_first=False):
    import hackgrad
    import hackgrad.nn.functional as F
    from hackgrad import nn, optim
    from hackgrad.models.cnn import cnn

    model = cnn(seed=0)
    if relu_first:  # conv -> ReLU -> pool, the order most code writes
        layers = list(model)
        for i in (1, 4):
            layers[i], layers[i + 1] = layers[i + 1], layers[i]
        model = nn.Sequential(*layers)
    opt = optim.Adam(model.parameters(), lr=LR)

    def batches():
        for i in range(0, len(X), BATCH):
            yield hackgrad.tensor(X[i : i + BATCH]), hackgrad.tensor(y[i : i + BATCH])

    return _common.sgd_rounds(model, opt, partial(F.cross_entropy, label_smoothing=0.1), batches)


def torch_run(X, y, torch):
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.MaxPool2d(2), nn.ReLU(),
        nn.Conv2d(16, 32, 5), nn.MaxPool2d(2), nn.ReLU(),
        nn.Flatten(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def batches():
        for i in range(0, len(X), BATCH):
            yield Xt[i : i + BATCH], yt[i : i + BATCH]

    return _common.sgd_rounds(model, opt, partial(nn.functional.cross_entropy, label_smoothing=0.1), batches)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--batches", type=int, default=10, help="batches of 128 per timed round")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    X, y = make_data(args.batches)
    torch = _common.torch_or_none(args.threads)
    runs = [("hackgrad", hackgrad_run(X, y)), ("hackgrad_relu_before_pool", hackgrad_run(X, y, relu_first=True))]
    if torch is not None:
        runs.append(("torch", torch_run(X, y, torch)))
    workload = (
        f"hackgrad.models.cnn on 1x28x28, batch {BATCH}, Adam {LR}, label smoothing 0.1, float32, "
        f"{args.threads} BLAS thread(s)"
    )
    result = _common.measure(runs, args.rounds, workload, "samples_per_s")
    cpu = _common.alternate(runs, args.rounds, clock=time.process_time)
    result["samples_per_cpu_s"] = {k: round(sorted(v)[len(v) // 2]) for k, v in cpu.items()}
    for name in cpu:
        if name != "hackgrad":
            result[f"cpu_hackgrad_over_{name}"] = round(_common.median_ratio(cpu, "hackgrad", name), 3)
    result["cpu_seconds_per_epoch_of_50000"] = {
        k: round(50_000 / v, 1) for k, v in result["samples_per_cpu_s"].items()
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""CNN workload: 1x28x28 -> conv 8@5x5 pad 2 -> ReLU -> maxpool 2 -> conv 16@5x5 pad 2 -> ReLU -> maxpool 2
-> linear 784->10, softmax cross-entropy, plain SGD lr 0.01, batch 64, float32.

Prints JSON: samples/s for hackgrad and PyTorch 2.13 CPU, measured alternately in one process with the
same number of threads each (2 by default) over several rounds; the median of the per-round ratios
hackgrad/PyTorch; peak memory of each in a child process (see bench/lstm.py: peak resident memory of
building the model and training, above what imports and data took). The images are random MNIST-shaped
arrays: the speed of these layers does not depend on the values.
Run: .venv/bin/python bench/cnn.py [--rounds 7] [--batches 20] [--threads 2]
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import _common  # noqa: E402

BATCH, LR, TARGET = 64, 0.01, 0.35


def make_data(batches, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.random((batches * BATCH, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batches * BATCH)
    return X, y


def hackgrad_run(X, y):
    import hackgrad
    import hackgrad.nn.functional as F
    from hackgrad import nn, optim

    model = nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2, seed=0),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, padding=2, seed=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(784, 10, seed=2),
    )
    opt = optim.SGD(model.parameters(), lr=LR)

    def run():
        for i in range(0, len(X), BATCH):
            xb, yb = hackgrad.tensor(X[i : i + BATCH]), hackgrad.tensor(y[i : i + BATCH])
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return len(X)

    return run


def torch_run(X, y, torch):
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(784, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def run():
        for i in range(0, len(X), BATCH):
            loss = nn.functional.cross_entropy(model(Xt[i : i + BATCH]), yt[i : i + BATCH])
            opt.zero_grad()
            loss.backward()
            opt.step()
        return len(X)

    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--batches", type=int, default=20, help="batches of 64 per timed round")
    ap.add_argument("--threads", type=int, default=_common.THREADS)
    ap.add_argument("--memory", choices=["hackgrad", "torch"])
    args = ap.parse_args()
    _common.limit_threads(args.threads)
    X, y = make_data(args.batches)
    if args.memory:
        if args.memory == "torch":
            torch = _common.torch_or_none(args.threads)
            return print(json.dumps(_common.peak_memory(lambda: torch_run(X, y, torch), "torch")))
        import hackgrad.nn  # noqa: F401  (imports are not part of the figure)
        import hackgrad.optim  # noqa: F401

        return print(json.dumps(_common.peak_memory(lambda: hackgrad_run(X, y), "hackgrad")))
    torch = _common.torch_or_none(args.threads)
    runs = [("hackgrad", hackgrad_run(X, y))]
    if torch is not None:
        runs.append(("torch", torch_run(X, y, torch)))
    workload = ("cnn conv8@5x5-pool-conv16@5x5-pool-linear on 1x28x28, batch 64, SGD lr 0.01, float32, "
                f"{args.threads} threads")
    result = _common.measure(runs, args.rounds, workload, "samples_per_s", TARGET)
    result["memory"] = {impl: _child(impl, args) for impl, _ in runs}
    print(json.dumps(result, indent=2))


def _child(impl, args):
    import subprocess

    cmd = [sys.executable, __file__, "--memory", impl, "--batches", str(args.batches)]
    cmd += ["--threads", str(args.threads)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()

"""Scalar-engine speed on micrograd's demo workload; prints one JSON object.

Workload (micrograd's demo.ipynb): a 2-16-16-1 ReLU MLP on 100 two-moons points, loss
mean(relu(1 - y*score)) + 1e-4 * sum(p**2), full batch, SGD with lr = 1.0 - 0.9*k/100 for k in 0..99.

hackgrad and micrograd (if importable) start from the same weights and run the same steps, alternating
step by step, so machine noise hits both alike; the reported speedup is the median over steps of
micrograd's time / hackgrad's time. A gc.collect() (untimed) before every timed step keeps one engine
from paying for the other's garbage (this favours micrograd, whose graphs are freed only by the
collector). The matching losses show that both run the same computation.

    .venv/bin/python bench/scalar_moons.py [--steps 100] [--micrograd-steps 20] [--seed 1337]
"""

import argparse
import gc
import json
import math
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hackgrad.circuit import total  # noqa: E402
from hackgrad.circuit.modules import MLP  # noqa: E402
from hackgrad.circuit.unit import _parents  # noqa: E402
from hackgrad.graph import toposort  # noqa: E402


def moons(n=100, noise=0.1, seed=1337):
    """Two-moons points and +-1 labels: sklearn's make_moons (micrograd's data) or the same recipe here."""
    try:
        from sklearn.datasets import make_moons
    except ImportError:
        rng = random.Random(seed)
        n_out, n_in = n // 2, n - n // 2
        t_out = [math.pi * i / (n_out - 1) for i in range(n_out)]
        t_in = [math.pi * i / (n_in - 1) for i in range(n_in)]
        pts = [(math.cos(t), math.sin(t)) for t in t_out]
        pts += [(1 - math.cos(t), 0.5 - math.sin(t)) for t in t_in]
        X = [[px + rng.gauss(0, noise), py + rng.gauss(0, noise)] for px, py in pts]
        y = [-1.0] * n_out + [1.0] * n_in
        order = list(range(n))
        rng.shuffle(order)
        return [X[i] for i in order], [y[i] for i in order], f"own make_moons recipe (random.Random({seed}))"
    X, y = make_moons(n_samples=n, noise=noise, random_state=seed)
    return X.tolist(), (y * 2 - 1).astype(float).tolist(), f"sklearn make_moons(n_samples={n}, noise={noise})"


def lr_at(k):
    return 1.0 - 0.9 * k / 100


class HackgradRun:
    def __init__(self, X, y, seed, weights=None):
        self.X, self.y = X, y
        self.model = MLP(2, [16, 16, 1], seed=seed)
        self.params = self.model.parameters()
        if weights is not None:  # start from micrograd's weights: the same computation, step by step
            for p, w in zip(self.params, weights):
                p.value = float(w)

    def forward(self):
        scores = [self.model(x) for x in self.X]
        losses = [(1 - yi * s).relu() for yi, s in zip(self.y, scores)]
        loss = total(losses) * (1.0 / len(losses)) + 1e-4 * total(p * p for p in self.params)
        acc = sum((yi > 0) == (s.value > 0) for yi, s in zip(self.y, scores)) / len(self.y)
        return loss, acc

    def step(self, k):
        loss, acc = self.forward()
        for p in self.params:
            p.grad = 0.0
        loss.backward()
        lr = lr_at(k)
        for p in self.params:
            p.value -= lr * p.grad
        return loss.value, acc


class MicrogradRun:
    def __init__(self, X, y, seed):
        from micrograd.engine import Value
        from micrograd.nn import MLP as MgMLP

        random.seed(seed)
        self.Value = Value
        self.X, self.y = X, y
        self.model = MgMLP(2, [16, 16, 1])

    def step(self, k):
        Value, model = self.Value, self.model
        inputs = [list(map(Value, row)) for row in self.X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * s).relu() for yi, s in zip(self.y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        acc = sum((yi > 0) == (s.data > 0) for yi, s in zip(self.y, scores)) / len(self.y)
        model.zero_grad()
        loss.backward()
        lr = lr_at(k)
        for p in model.parameters():
            p.data -= lr * p.grad
        return loss.data, acc


def timed(fn, *args):
    gc.collect()  # untimed: neither engine pays for the garbage the other left behind
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def phases(X, y, seed, repeats=5):
    """Where hackgrad's step goes: building the graph, the topological sort, the backward pass."""
    run = HackgradRun(X, y, seed)
    t_fwd, t_topo, t_bwd = [], [], []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        loss, _ = run.forward()
        t1 = time.perf_counter()
        toposort(loss, _parents)
        t2 = time.perf_counter()
        loss.backward()  # sorts again, then resets and pushes
        t3 = time.perf_counter()
        t_fwd.append(t1 - t0)
        t_topo.append(t2 - t1)
        t_bwd.append(t3 - t2)
    med = statistics.median
    return {
        "build_graph_forward_ms": round(1e3 * med(t_fwd), 2),
        "toposort_ms": round(1e3 * med(t_topo), 2),
        "backward_after_toposort_ms": round(1e3 * (med(t_bwd) - med(t_topo)), 2),
        "nodes_per_step": len(toposort(loss, _parents)),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100, help="hackgrad training steps (the demo: 100)")
    ap.add_argument("--micrograd-steps", type=int, default=20, help="steps to time micrograd (~2 s each)")
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args(argv)

    X, y, data_note = moons(seed=args.seed)
    result = {
        "benchmark": "scalar_moons",
        "workload": "MLP 2-16-16-1 ReLU, 100 two-moons points, mean hinge + 1e-4*L2, full-batch SGD, "
        "lr = 1.0 - 0.9*k/100",
        "data": data_note,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }

    mg = None
    try:
        import micrograd  # noqa: F401

        mg = MicrogradRun(X, y, args.seed)
    except ImportError as e:
        result["micrograd"] = {"skipped": f"micrograd is not importable ({e}); pip install micrograd==0.1.0"}
    hg = HackgradRun(X, y, args.seed, weights=[p.data for p in mg.model.parameters()] if mg else None)

    t_hg, t_mg, losses_hg, losses_mg, acc_hg, acc_mg = [], [], [], [], [], []
    for k in range(args.steps):
        dt, (loss, acc) = timed(hg.step, k)
        t_hg.append(dt)
        losses_hg.append(loss)
        acc_hg.append(acc)
        if mg is not None and k < args.micrograd_steps:
            dt, (loss, acc) = timed(mg.step, k)
            t_mg.append(dt)
            losses_mg.append(loss)
            acc_mg.append(acc)
    final_loss, final_acc = hg.forward()

    result["hackgrad"] = {
        "steps": args.steps,
        "s_per_step_median": round(statistics.median(t_hg), 5),
        "s_per_step_min": round(min(t_hg), 5),
        "final_loss": round(final_loss.value, 6),
        "final_accuracy": final_acc,
        "first_step_at_100_percent": next((k for k, a in enumerate(acc_hg) if a == 1.0), None),
        "phases": phases(X, y, args.seed),
    }
    if mg is not None:
        n = len(t_mg)
        ratios = [m / h for m, h in zip(t_mg, t_hg)]
        import micrograd

        result["micrograd"] = {
            "version": getattr(micrograd, "__version__", "0.1.0"),
            "steps_timed": n,
            "s_per_step_median": round(statistics.median(t_mg), 4),
            "accuracy_after_timed_steps": acc_mg[-1],
        }
        result["speedup_median_ratio"] = round(statistics.median(ratios), 1)
        result["same_computation_max_abs_loss_diff"] = max(abs(a - b) for a, b in zip(losses_hg, losses_mg))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

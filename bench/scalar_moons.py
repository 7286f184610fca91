"""Scalar-engine speed on micrograd's demo; prints one JSON object.

Workload (micrograd's demo.ipynb): a 2-16-16-1 ReLU MLP on 100 two-moons points, loss
mean(relu(1 - y*score)) + 1e-4 * sum(p*p), full batch, SGD with lr = 1.0 - 0.9*k/100 for k in 0..99.

Engines, each timed in its own process (in one process, garbage one engine leaves to the cyclic
collector would be collected on the other's clock), all from micrograd's initial weights:
- micrograd: micrograd 0.1.0's Value and nn.MLP, its demo's loss;
- micrograd_style: the same code on hackgrad Units (micrograd's Neuron/Layer/MLP written again here,
  binary operators only, Python's `sum`), the collector on as a user runs it;
- micrograd_style_collector_paused: the same step inside `hackgrad.circuit.collector_paused()` (opt-in);
- vectorize: the same model and loss; the hinge on one example traced once by hackgrad.circuit.vectorize
  and run on the batch of 100 with the tensor engine, the L2 term in Units;
- nary: hackgrad.circuit.MLP (a neuron is one LinearReLUGate node).

Times are per step, CPU time of the process (time.process_time: the machine is shared, and a process
waiting for a core is not working); wall times are reported too. A ratio is micrograd's median step
over the engine's median step. The loss trajectories show that the engines compute the same thing.

    .venv/bin/python bench/scalar_moons.py [--steps 100] [--micrograd-steps 20] [--engines a,b,...]
"""

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENGINES = ["micrograd", "micrograd_style", "micrograd_style_collector_paused", "vectorize", "nary"]


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


# --- micrograd's nn.py, written again for hackgrad Units (same draws, same order, same operators) -----


def micrograd_style_mlp(Value, nin, nouts):
    class Neuron:
        def __init__(self, nin, nonlin=True):
            self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
            self.b = Value(0)
            self.nonlin = nonlin

        def __call__(self, x):
            act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
            return act.relu() if self.nonlin else act

        def parameters(self):
            return self.w + [self.b]

    class Layer:
        def __init__(self, nin, nout, **kwargs):
            self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

        def __call__(self, x):
            out = [n(x) for n in self.neurons]
            return out[0] if len(out) == 1 else out

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class MLP:
        def __init__(self, nin, nouts):
            sz = [nin] + nouts
            self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

        def zero_grad(self):
            for p in self.parameters():
                p.grad = 0

    return MLP(nin, nouts)


# --- the workers: one engine per process --------------------------------------------------------------


def demo_step(Value, model, X, y, k, data_of, update):
    """micrograd's demo: loss(), zero_grad, backward, SGD (its code; `.data` is hackgrad's `.value`)."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum((p * p for p in model.parameters()))
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (data_of(scorei) > 0) for yi, scorei in zip(y, scores)]
    acc = sum(accuracy) / len(accuracy)
    model.zero_grad()
    total_loss.backward()
    update(model.parameters(), lr_at(k))
    return data_of(total_loss), acc


def micrograd_update(parameters, learning_rate):
    for p in parameters:
        p.data -= learning_rate * p.grad


def hackgrad_update(parameters, learning_rate):
    for p in parameters:
        p.value -= learning_rate * p.grad


def make_worker(engine, X, y, seed):
    """A step function for `engine` (built in the worker process)."""
    random.seed(seed)  # micrograd's demo seeds `random`; every engine draws the same initial weights
    if engine == "micrograd":
        from micrograd.engine import Value
        from micrograd.nn import MLP

        model = MLP(2, [16, 16, 1])
        return lambda k: demo_step(Value, model, X, y, k, lambda v: v.data, micrograd_update)
    from hackgrad.circuit import Unit, collector_paused

    model = micrograd_style_mlp(Unit, 2, [16, 16, 1])
    if engine == "micrograd_style":
        return lambda k: demo_step(Unit, model, X, y, k, lambda v: v.value, hackgrad_update)
    if engine == "micrograd_style_collector_paused":
        def step(k):
            with collector_paused():
                return demo_step(Unit, model, X, y, k, lambda v: v.value, hackgrad_update)
        return step
    if engine == "vectorize":
        import numpy as np

        from hackgrad.circuit import vectorize

        def hinge(x0, x1, yi):  # one example's loss, as in the demo
            return (1 + -yi * model([x0, x1])).relu()

        batch_hinge = vectorize(hinge)  # mean over the batch
        scores = vectorize(lambda x0, x1: model([x0, x1]))
        X0, X1, Y = np.array([r[0] for r in X]), np.array([r[1] for r in X]), np.array(y)
        params = model.parameters()

        def step(k):
            data_loss = batch_hinge(X0, X1, Y)
            reg_loss = 1e-4 * sum((p * p for p in params))
            total_loss = data_loss + reg_loss
            acc = float(np.mean((Y > 0) == (scores.values(X0, X1) > 0)))
            model.zero_grad()
            total_loss.backward()
            hackgrad_update(params, lr_at(k))
            return total_loss.value, acc
        return step
    if engine == "nary":
        from hackgrad.circuit import MLP, total

        nary = MLP(2, [16, 16, 1])
        for p, q in zip(nary.parameters(), model.parameters()):  # micrograd's initial weights
            p.value = q.value
        params = nary.parameters()

        def step(k):
            scores = [nary(x) for x in X]
            losses = [(1 - yi * s).relu() for yi, s in zip(y, scores)]
            loss = total(losses) * (1.0 / len(losses)) + 1e-4 * total(p * p for p in params)
            acc = sum((yi > 0) == (s.value > 0) for yi, s in zip(y, scores)) / len(y)
            for p in params:
                p.grad = 0.0
            loss.backward()
            for p in params:
                p.value -= lr_at(k) * p.grad
            return loss.value, acc
        return step
    raise ValueError(f"unknown engine {engine!r}; expected one of {ENGINES}")


def phases(X, y, seed, repeats=5):
    """Where a micrograd-style step goes: forward (building the graph), the walk, the backward pass, and
    CPython's cyclic collector inside them (gc.callbacks), CPU seconds per step, medians over `repeats`."""
    from hackgrad.circuit import Unit
    from hackgrad.circuit.unit import _walk

    random.seed(seed)
    model = micrograd_style_mlp(Unit, 2, [16, 16, 1])
    in_gc = [0.0, None]

    def on_gc(phase, info):
        if phase == "start":
            in_gc[1] = time.process_time()
        elif in_gc[1] is not None:
            in_gc[0] += time.process_time() - in_gc[1]

    gc.callbacks.append(on_gc)
    rows = []
    try:
        for _ in range(repeats):
            t0, g0 = time.process_time(), in_gc[0]
            inputs = [list(map(Unit, xrow)) for xrow in X]
            scores = list(map(model, inputs))
            losses = [(1 + -yi * s).relu() for yi, s in zip(y, scores)]
            loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum((p * p for p in model.parameters()))
            t1, g1 = time.process_time(), in_gc[0]
            order = _walk(loss)
            t2 = time.process_time()
            loss.backward()  # walks again, then pushes
            t3, g3 = time.process_time(), in_gc[0]
            rows.append((t1 - t0, g1 - g0, t2 - t1, t3 - t2 - (t2 - t1), g3 - g1))
            n_nodes = len(order)
            del order, loss, losses, scores, inputs
    finally:
        gc.callbacks.remove(on_gc)
    med = [statistics.median(col) for col in zip(*rows)]
    return {"forward_ms": round(1e3 * med[0], 2), "of_which_collector_ms": round(1e3 * med[1], 2),
            "walk_ms": round(1e3 * med[2], 2), "backward_after_walk_ms": round(1e3 * med[3], 2),
            "collector_in_walk_and_backward_ms": round(1e3 * med[4], 2), "nodes_per_step": n_nodes}


def worker(engine, steps, seed):
    data = json.load(sys.stdin)
    X, y = data["X"], data["y"]
    step = make_worker(engine, X, y, seed)
    cpu, wall, losses, accs = [], [], [], []
    for k in range(steps):
        t, w = time.process_time(), time.perf_counter()
        loss, acc = step(k)
        cpu.append(time.process_time() - t)
        wall.append(time.perf_counter() - w)
        losses.append(loss)
        accs.append(acc)
    out = {"cpu": cpu, "wall": wall, "losses": losses, "accs": accs}
    if engine == "micrograd_style":
        out["phases"] = phases(X, y, seed)
    print(json.dumps(out))


def run_engine(engine, steps, seed, X, y):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine, "--steps", str(steps),
           "--seed", str(seed)]
    res = subprocess.run(cmd, input=json.dumps({"X": X, "y": y}), capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"engine {engine} failed:\n{res.stderr}")
    return json.loads(res.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100, help="hackgrad training steps (the demo: 100)")
    ap.add_argument("--micrograd-steps", type=int, default=20, help="steps to time micrograd (~1.5 s each)")
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--engines", default=",".join(ENGINES), help=f"comma-separated, of {ENGINES}")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.steps, args.seed)

    engines = [e for e in args.engines.split(",") if e]
    for e in engines:
        if e not in ENGINES:
            ap.error(f"unknown engine {e!r}; expected some of {ENGINES}")
    X, y, data_note = moons(seed=args.seed)
    result = {"benchmark": "scalar_moons",
              "workload": "micrograd's demo: MLP 2-16-16-1 ReLU, 100 two-moons points, mean hinge + 1e-4*L2, "
                          "full-batch SGD, lr = 1.0 - 0.9*k/100",
              "data": data_note, "clock": "process CPU time per step (wall time alongside)",
              "python": platform.python_version(), "machine": platform.machine(),
              "load_average_at_start": [round(x, 2) for x in os.getloadavg()]}
    if "micrograd" in engines:
        try:
            import micrograd  # noqa: F401
        except ImportError as e:
            result["micrograd"] = {"skipped": f"micrograd is not importable ({e}); pip install micrograd==0.1.0"}
            engines.remove("micrograd")
    runs = {}
    for e in engines:
        runs[e] = run_engine(e, args.micrograd_steps if e == "micrograd" else args.steps, args.seed, X, y)
    med = statistics.median
    for e, r in runs.items():
        entry = {"steps": len(r["cpu"]), "cpu_s_per_step_median": round(med(r["cpu"]), 5),
                 "wall_s_per_step_median": round(med(r["wall"]), 5), "final_loss": r["losses"][-1],
                 "accuracy_at_last_step": r["accs"][-1],
                 "first_step_at_100_percent": next((k for k, a in enumerate(r["accs"]) if a == 1.0), None)}
        if "phases" in r:
            entry["phases_cpu"] = r["phases"]
        if "micrograd" in runs and e != "micrograd":
            entry["speedup_vs_micrograd_cpu"] = round(med(runs["micrograd"]["cpu"]) / med(r["cpu"]), 1)
            entry["speedup_vs_micrograd_wall"] = round(med(runs["micrograd"]["wall"]) / med(r["wall"]), 1)
            n = len(runs["micrograd"]["losses"])
            entry["max_abs_loss_diff_vs_micrograd"] = max(
                abs(a - b) for a, b in zip(r["losses"][:n], runs["micrograd"]["losses"]))
        if "micrograd_style" in runs and e not in ("micrograd", "micrograd_style"):
            entry["max_abs_loss_diff_vs_micrograd_style"] = max(
                abs(a - b) for a, b in zip(r["losses"], runs["micrograd_style"]["losses"]))
        result[e] = entry
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Chapter 3, optimization: plain SGD, SGD with momentum, Nesterov's accelerated gradient, Adam and LBFGS
on one problem (a 2 -> 32 -> 32 -> 3 tanh net on 300 points of a 3-arm spiral, full batch, the same start).

A step is one gradient evaluation, so LBFGS's line-search evaluations count too. The plot of loss against
step is saved as ch3_optimizers.png (in the directory given as the first argument, default: here).
Run: python examples/ch3_05_optimizers.py [OUT_DIR]
"""

import sys
from pathlib import Path

import numpy as np

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn, optim
from hackgrad.data import make_spiral

OPTIMIZERS = {
    "SGD": lambda p: optim.SGD(p, lr=0.1),
    "momentum": lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    "Nesterov": lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "Adam": lambda p: optim.Adam(p, lr=0.01),
}


def network(seed):
    rng = np.random.default_rng(seed)  # one generator: every optimizer starts from the same weights
    return nn.Sequential(nn.Linear(2, 32, dtype=np.float64, rng=rng), nn.Tanh(),
                         nn.Linear(32, 32, dtype=np.float64, rng=rng), nn.Tanh(),
                         nn.Linear(32, 3, dtype=np.float64, rng=rng))


def run(name, X, y, steps, seed):
    model = network(seed)
    losses = []

    def closure():
        loss = F.cross_entropy(model(X), y)
        model.zero_grad()
        loss.backward()
        losses.append(loss.item())
        return loss

    if name == "LBFGS":
        # one call: SciPy's L-BFGS-B keeps its curvature history for the whole run
        optim.LBFGS(model.parameters(), max_iter=steps, max_eval=steps, tolerance_change=0).step(closure)
    else:
        opt = OPTIMIZERS[name](model.parameters())
        for _ in range(steps):
            opt.step(closure)
    with hackgrad.no_grad():
        accuracy = float((model(X).data.argmax(axis=1) == y).mean())
    return losses[:steps], accuracy


def plot(curves, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for name, losses in curves.items():
        ax.plot(np.arange(1, len(losses) + 1), losses, label=name)
    ax.set_yscale("log")
    ax.set_xlabel("step (gradient evaluations)")
    ax.set_ylabel("training loss (cross-entropy)")
    ax.set_title("one net, one start, five optimizers")
    ax.legend()
    fig.savefig(path, dpi=100)
    return path


def main(out_dir=".", steps=300, seed=0, verbose=True):
    X, y = make_spiral(300, 3, seed=seed)
    X = hackgrad.tensor(X, dtype="float64")
    results, curves = {}, {}
    for name in [*OPTIMIZERS, "LBFGS"]:
        curves[name], accuracy = run(name, X, y, steps, seed)
        results[name] = {"final_loss": curves[name][-1], "accuracy": accuracy}
    path = plot(curves, Path(out_dir) / "ch3_optimizers.png")
    if verbose:
        print(f"spiral, 300 points, 3 classes; {steps} steps from the same start")
        for name, r in results.items():
            print(f"  {name:<9} final loss {r['final_loss']:.2e}  training accuracy {r['accuracy']:.3f}")
        print("saved", path)
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")

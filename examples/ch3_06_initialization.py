"""Chapter 3, initialization: what the starting weights do to a deep net's activations, layer by layer.

Ten layers of 256 units, fed standard-normal inputs. Weights drawn too small shrink the signal towards zero
(and the gradient with it); too large saturates most tanh units at +-1, and the gradient through the rest
is multiplied by large weights at every layer (it explodes); Xavier keeps tanh in its working range; ReLU
zeroes half its inputs, so its variance halves each layer unless He's factor 2 puts it back. The plot of
activation spread per layer is saved as ch3_initialization.png.
Run: python examples/ch3_06_initialization.py [OUT_DIR]
"""

import sys
from pathlib import Path

import numpy as np

import hackgrad
from hackgrad import nn

SCHEMES = {  # name: (activation, how to draw a (out, in) weight)
    "N(0, 0.01^2), tanh": ("tanh", lambda w, rng: nn.init.normal_(w, 0.0, 0.01, rng=rng)),
    "N(0, 1), tanh": ("tanh", lambda w, rng: nn.init.normal_(w, 0.0, 1.0, rng=rng)),
    "Xavier, tanh": ("tanh", lambda w, rng: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh"), rng=rng)),
    "Xavier, ReLU": ("relu", lambda w, rng: nn.init.xavier_normal_(w, rng=rng)),
    "He, ReLU": ("relu", lambda w, rng: nn.init.kaiming_normal_(w, nonlinearity="relu", rng=rng)),
}


def deep_net(scheme, depth, width, seed):
    act, draw = SCHEMES[scheme]
    rng = np.random.default_rng(seed)
    layers = []
    for _ in range(depth):
        linear = nn.Linear(width, width, dtype=np.float64, rng=rng)
        draw(linear.weight, rng)
        nn.init.zeros_(linear.bias)
        layers += [linear, nn.Tanh() if act == "tanh" else nn.ReLU()]
    return nn.Sequential(*layers)


def measure(scheme, depth=10, width=256, n=500, seed=0):
    """Per layer: the std of its activations, and the std of the gradient reaching the first layer's weights."""
    net = deep_net(scheme, depth, width, seed)
    x = hackgrad.tensor(np.random.default_rng(seed + 1).normal(size=(n, width)), dtype="float64")
    stds, saturated, dead = [], [], []
    h = x
    for i in range(0, len(net), 2):
        h = net[i + 1](net[i](h))
        a = h.data
        stds.append(float(a.std()))
        saturated.append(float((np.abs(a) > 0.99).mean()))
        dead.append(float((a == 0).mean()))
    (h * hackgrad.tensor(np.random.default_rng(seed + 2).normal(size=h.shape), dtype="float64")).sum().backward()
    return {"std": stds, "saturated": saturated, "zero": dead, "grad_first": float(net[0].weight.grad.std())}


def plot(results, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for name, r in results.items():
        ax.plot(np.arange(1, len(r["std"]) + 1), r["std"], marker="o", label=name)
    ax.set_yscale("log")
    ax.set_xlabel("layer")
    ax.set_ylabel("std of the layer's activations")
    ax.set_title("activations layer by layer, five initializations")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=100)
    return path


def main(out_dir=".", verbose=True):
    results = {name: measure(name) for name in SCHEMES}
    path = plot(results, Path(out_dir) / "ch3_initialization.png")
    if verbose:
        print("10 layers of 256 units: std of the activations at layers 1, 5 and 10; at layer 10 the share of"
              " tanh units saturated (|a| > 0.99) or of ReLUs at 0; std of the gradient on layer 1's weights")
        for name, r in results.items():
            s = r["std"]
            stuck = f"saturated {r['saturated'][9]:.2f}" if "tanh" in name else f"zero      {r['zero'][9]:.2f}"
            print(f"  {name:<20} std {s[0]:.2e} {s[4]:.2e} {s[9]:.2e}   {stuck}   grad {r['grad_first']:.2e}")
        print("saved", path)
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")

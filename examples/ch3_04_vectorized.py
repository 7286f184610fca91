"""Chapter 3, vectorized implementations: one 2-layer ReLU net (2 -> 16 -> 1, hinge loss + L2, the guide's
classifier) written three ways, from the same starting weights on the same 100 moons:

  Units         one scalar circuit per example (hackgrad.circuit), backward through every gate
  NumPy         the whole batch as matrices, forward and backward written by hand
  tensor engine the NumPy forward only; autograd (hackgrad.Tensor) writes the backward

The three give the same loss and gradients (to rounding), and after 200 steps of gradient descent the same
weights; the NumPy and tensor versions are many times faster per step than the Units.
Run: python examples/ch3_04_vectorized.py
"""

import time

import numpy as np

import hackgrad
from hackgrad.circuit import MLP, total
from hackgrad.data import make_moons

REG = 1e-3  # L2 strength: loss = mean hinge + 0.5 * REG * (sum W1**2 + sum w2**2)


def initial_weights(hidden=16, seed=0):
    rng = np.random.default_rng(seed)
    return {"W1": rng.normal(0, 1, (2, hidden)), "b1": np.full(hidden, 0.1), "w2": rng.normal(0, 0.25, hidden),
            "b2": np.zeros(1)}


# --- 1. Units: a circuit per example ---------------------------------------------------------------------
class UnitsNet:
    def __init__(self, w):
        self.net = MLP(2, [len(w["b1"]), 1])
        hidden = self.net.layers[0].neurons
        for j, neuron in enumerate(hidden):
            neuron.w[0].value, neuron.w[1].value = float(w["W1"][0, j]), float(w["W1"][1, j])
            neuron.b.value = float(w["b1"][j])
        out = self.net.layers[1].neurons[0]
        for j, u in enumerate(out.w):
            u.value = float(w["w2"][j])
        out.b.value = float(w["b2"][0])

    def loss_and_grads(self, X, y):
        self.net.zero_grad()
        hinge = total((1 - label * self.net(list(x))).relu() for x, label in zip(X.tolist(), y.tolist()))
        loss = hinge * (1 / len(X)) + 0.5 * REG * total(w * w for w in self.net.weights())
        loss.backward()
        return loss.value, self.weights(grad=True)

    def weights(self, grad=False):
        hidden, out = self.net.layers[0].neurons, self.net.layers[1].neurons[0]
        get = (lambda u: u.grad) if grad else (lambda u: u.value)
        return {"W1": np.array([[get(n.w[i]) for n in hidden] for i in range(2)]),
                "b1": np.array([get(n.b) for n in hidden]), "w2": np.array([get(u) for u in out.w]),
                "b2": np.array([get(out.b)])}

    def step(self, lr):
        for p in self.net.parameters():
            p.value -= lr * p.grad


# --- 2. NumPy: the batch as matrices, backward by hand ------------------------------------------------------
class NumpyNet:
    def __init__(self, w):
        self.w = {k: v.copy() for k, v in w.items()}

    def loss_and_grads(self, X, y):
        W1, b1, w2, b2 = self.w["W1"], self.w["b1"], self.w["w2"], self.w["b2"]
        Z = X @ W1 + b1  # (N, H)
        H = np.maximum(Z, 0)  # (N, H)
        s = H @ w2 + b2  # (N,) scores
        margins = 1 - y * s
        loss = np.maximum(margins, 0).mean() + 0.5 * REG * ((W1**2).sum() + (w2**2).sum())
        ds = -y * (margins > 0) / len(X)  # (N,) the pull on each score, averaged
        dw2 = H.T @ ds + REG * w2
        db2 = ds.sum(keepdims=True)
        dH = np.outer(ds, w2)  # (N, H)
        dZ = dH * (Z > 0)  # the ReLU passes gradient only where it fired
        dW1 = X.T @ dZ + REG * W1
        db1 = dZ.sum(axis=0)
        self.grads = {"W1": dW1, "b1": db1, "w2": dw2, "b2": db2}
        return float(loss), self.grads

    def weights(self):
        return self.w

    def step(self, lr):
        for k in self.w:
            self.w[k] -= lr * self.grads[k]


# --- 3. tensor engine: the same forward, autograd's backward ---------------------------------------------------
class TensorNet:
    def __init__(self, w):
        self.w = {k: hackgrad.tensor(v, dtype="float64", requires_grad=True) for k, v in w.items()}

    def loss_and_grads(self, X, y):
        W1, b1, w2, b2 = self.w["W1"], self.w["b1"], self.w["w2"], self.w["b2"]
        s = (X @ W1 + b1).relu() @ w2 + b2  # (N,)
        loss = (1 - y * s).relu().mean() + 0.5 * REG * ((W1 * W1).sum() + (w2 * w2).sum())
        for p in self.w.values():
            p.grad = None
        loss.backward()
        return loss.item(), {k: p.grad for k, p in self.w.items()}

    def weights(self):
        return {k: p.data for k, p in self.w.items()}

    def step(self, lr):
        for p in self.w.values():
            p.data -= lr * p.grad


def max_difference(a, b):
    return max(float(np.abs(a[k] - b[k]).max()) for k in a)


def main(steps=200, lr=0.5, n=100, seed=0, verbose=True):
    X, labels = make_moons(n, noise=0.1, seed=seed)
    y = 2.0 * labels - 1  # the guide's +1 / -1 labels
    w = initial_weights(seed=seed)
    nets = {"Units": UnitsNet(w), "NumPy": NumpyNet(w), "tensor engine": TensorNet(w)}
    first = {name: net.loss_and_grads(X, y) for name, net in nets.items()}
    ref_loss, ref_grads = first["NumPy"]
    results = {}
    for name, net in nets.items():
        t0 = time.perf_counter()
        for _ in range(steps):
            loss, _ = net.loss_and_grads(X, y)
            net.step(lr)
        per_step = (time.perf_counter() - t0) / steps
        results[name] = {"first_loss": first[name][0], "grad_diff": max_difference(first[name][1], ref_grads),
                         "final_loss": loss, "weights": net.weights(), "ms_per_step": 1e3 * per_step}
    for r in results.values():
        r["weight_diff"] = max_difference(r["weights"], results["NumPy"]["weights"])
        r["speedup"] = results["Units"]["ms_per_step"] / r["ms_per_step"]
    if verbose:
        print(f"{n} moons, 2 -> 16 -> 1 ReLU net, hinge + L2, {steps} steps of gradient descent (lr {lr})")
        print(f"{'':<15}{'first loss':>12}{'|grad - NumPy|':>16}{'final loss':>12}{'|w - NumPy|':>13}"
              f"{'ms/step':>9}{'x Units':>9}")
        for name, r in results.items():
            print(f"{name:<15}{r['first_loss']:>12.6f}{r['grad_diff']:>16.1e}{r['final_loss']:>12.6f}"
                  f"{r['weight_diff']:>13.1e}{r['ms_per_step']:>9.2f}{r['speedup']:>9.1f}")
    return results


if __name__ == "__main__":
    main()

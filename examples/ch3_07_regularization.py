"""Chapter 3, regularization: L2, L1, group sparsity and dropout on one net, and what each one does.

The 8x8 digits (64 pixel features) get 64 extra features of pure noise, so there is something worth
switching off. A 128 -> 64 -> 10 ReLU net is trained five ways for the same number of steps:
  none          cross-entropy only
  L2            + alpha * sum w**2: every weight pulled towards zero in proportion to its size
  L1            + alpha * sum |w|: a constant pull, which leaves many weights at (nearly) zero
  group lasso   + alpha * sum over inputs of ||first-layer weights leaving that input||: whole inputs pulled off
  dropout       half the hidden units dropped at random in each training step
  ... (prox)    L1 and group lasso again, but as a proximal step after each update (soft-thresholding: shrink
                by lr * alpha, and what would cross zero stops at exactly zero)
The penalty's gradient (a subgradient at zero) only pulls: weights hover near zero, never at it, and the
group pull (a unit vector per column, whatever its size) makes whole columns oscillate, which at the
strength that switches the noise off wrecks the fit. The proximal step is what makes sparsity exact: L1
zeroes most single weights, the group form switches off every noise input (and the pixels that carry little).
Reported: test accuracy, the share of first-layer weights that are exactly zero, and how many of the 64 noise
inputs and 64 pixel inputs a model has switched off (every weight leaving that input exactly zero).
Run: python examples/ch3_07_regularization.py
"""

import numpy as np

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn, optim
from hackgrad.data import load_digits, train_test_split

N_NOISE = 64


def data(seed):
    X, y = load_digits()
    X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-8)
    X = np.hstack([X, np.random.default_rng(seed).normal(size=(len(X), N_NOISE))])  # (n, 64 pixels + 64 noise)
    return train_test_split(X, y, test_size=0.2, seed=seed)


def penalty(kind, model, alpha):
    W = model[0].weight  # (64 hidden, 128 inputs): column j holds every weight leaving input j
    if kind == "L2":
        return F.l2_penalty([model[0].weight, model[-1].weight], alpha)
    if kind == "L1":
        return F.l1_penalty([model[0].weight, model[-1].weight], alpha)
    if kind == "group lasso":
        return F.group_lasso(W, axis=0, alpha=alpha)
    return None


ALPHA = {"none": 0.0, "L2": 1e-3, "L1": 1e-2, "group lasso": 1.0, "dropout": 0.0, "L1 (prox)": 1e-2,
         "group lasso (prox)": 1.0}


def proximal_step(kind, W, shrink):
    """Soft-threshold the first layer's weights (out, in) in place: the exact minimiser of
    penalty + distance to the updated weights, which lands small weights (or whole columns) on zero."""
    if kind == "L1 (prox)":
        W[...] = np.sign(W) * np.maximum(np.abs(W) - shrink, 0)
    elif kind == "group lasso (prox)":
        norms = np.linalg.norm(W, axis=0, keepdims=True)  # (1, in) one norm per input
        W *= np.maximum(1 - shrink / np.maximum(norms, 1e-12), 0)


def train(kind, Xtr, ytr, *, epochs, seed, lr=0.05, batch_size=64):
    rng = np.random.default_rng(seed)
    layers = [nn.Linear(Xtr.shape[1], 64, rng=rng), nn.ReLU()]
    if kind == "dropout":
        layers.append(nn.Dropout(0.5, rng=rng))
    model = nn.Sequential(*layers, nn.Linear(64, 10, rng=rng))
    opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    model.train()
    for _ in range(epochs):
        order = rng.permutation(len(Xtr))
        for start in range(0, len(Xtr), batch_size):
            b = order[start:start + batch_size]
            loss = F.cross_entropy(model(hackgrad.tensor(Xtr[b])), ytr[b])
            extra = penalty(kind, model, ALPHA[kind])
            if extra is not None:
                loss = loss + extra
            opt.zero_grad()
            loss.backward()
            opt.step()
            proximal_step(kind, model[0].weight.data, lr * ALPHA[kind])
    return model.eval()


def report(model, Xte, yte):
    with hackgrad.no_grad():
        accuracy = float((model(hackgrad.tensor(Xte)).data.argmax(axis=1) == yte).mean())
    W = np.abs(model[0].weight.data)
    columns = np.linalg.norm(W, axis=0)  # (128,) one norm per input
    off = columns == 0
    return {"accuracy": accuracy, "zero_weights": float((W == 0).mean()),
            "noise_off": int(off[-N_NOISE:].sum()), "pixels_off": int(off[:-N_NOISE].sum())}


def main(epochs=30, seed=0, verbose=True):
    Xtr, Xte, ytr, yte = data(seed)
    results = {kind: report(train(kind, Xtr, ytr, epochs=epochs, seed=seed), Xte, yte) for kind in ALPHA}
    if verbose:
        print(f"digits + {N_NOISE} noise features, 128 -> 64 -> 10 ReLU net, {epochs} epochs of SGD + momentum")
        print(f"{'':<19}{'test acc':>9}{'w = 0':>8}{'noise off':>11}{'pixels off':>12}")
        for kind, r in results.items():
            print(f"{kind:<19}{r['accuracy']:>9.4f}{r['zero_weights']:>8.2f}{r['noise_off']:>8d}/{N_NOISE}"
                  f"{r['pixels_off']:>9d}/64")
    return results


if __name__ == "__main__":
    main()

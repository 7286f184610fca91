"""Chapter 3, a common pitfall: dying ReLUs. A ReLU whose input is negative for every example outputs 0 and
passes no gradient, so nothing ever revives it.

A 2 -> 64 -> 64 -> 3 ReLU net on a 3-arm spiral, with its biases initialised to -2 (a plausible slip: a
"small negative bias to keep activations sparse", too large). It trains badly; `check_activations` (the
diagnosis `hackgrad doctor` also runs) finds most units dead; the fix is a small positive bias with He
initialisation, after which the same training works.
Run: python examples/ch3_09_dying_relus.py
"""

import numpy as np

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn, optim
from hackgrad.data import make_spiral
from hackgrad.train.diagnostics import check_activations


def network(bias, seed, he=False):
    rng = np.random.default_rng(seed)
    layers = [nn.Linear(2, 64, rng=rng), nn.ReLU(), nn.Linear(64, 64, rng=rng), nn.ReLU(), nn.Linear(64, 3, rng=rng)]
    for layer in layers[:-1]:
        if isinstance(layer, nn.Linear):
            if he:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", rng=rng)
            nn.init.constant_(layer.bias, bias)
    return nn.Sequential(*layers)


def train(model, X, y, steps=300, lr=0.01):
    opt = optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(model(hackgrad.tensor(X)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with hackgrad.no_grad():
        return float((model(hackgrad.tensor(X)).data.argmax(axis=1) == y).mean())


def main(seed=0, verbose=True):
    X, y = make_spiral(300, 3, seed=seed)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    results = {}
    for name, model in (("bias -2", network(-2.0, seed)), ("bias 0.1 + He", network(0.1, seed, he=True))):
        before = check_activations(model, X)
        accuracy = train(model, X, y)
        after = check_activations(model, X)
        results[name] = {"accuracy": accuracy, "before": before, "after": after}
        if verbose:
            print(f"{name}: training accuracy after 300 Adam steps {accuracy:.3f}")
            print(f"  at init:  [{before.status}] {before.found}")
            print(f"  trained:  [{after.status}] {after.found}")
            if after.advice:
                print(f"  advice:   {after.advice}")
    return results


if __name__ == "__main__":
    main()

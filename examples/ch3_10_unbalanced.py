"""Chapter 3, handling unbalanced data: a 1:20 problem trained three ways, judged by balanced accuracy.

Two overlapping Gaussian classes in 2-D, 20 majority examples for every minority one (2,000 : 100 to train,
the same ratio to test). Plain accuracy rewards ignoring the rare class (95% for always saying "majority"),
so the score is balanced accuracy: the mean of each class's recall. Three ways to train the same small net:
  plain           cross-entropy, every example weighted 1
  class weights   each example's loss weighted by n / (2 * count of its class) (`class_weights`)
  balanced batches  examples drawn so each class is equally likely (`DataLoader(balanced=True)`)
Run: python examples/ch3_10_unbalanced.py
"""

import numpy as np

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn, optim
from hackgrad.data import DataLoader, class_weights


def two_gaussians(n_major, n_minor, rng):
    X = np.vstack([rng.normal(0.0, 1.0, (n_major, 2)), rng.normal(1.5, 1.0, (n_minor, 2))])
    y = np.repeat([0, 1], [n_major, n_minor])
    return X, y


def balanced_accuracy(y, pred):
    return float(np.mean([(pred[y == c] == c).mean() for c in np.unique(y)]))


def train(kind, X, y, *, epochs, seed):
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(2, 16, rng=rng), nn.ReLU(), nn.Linear(16, 2, rng=rng))
    opt = optim.Adam(model.parameters(), lr=0.01)
    weight = class_weights(y) if kind == "class weights" else None
    loader = DataLoader(X, y, batch_size=64, seed=seed, balanced=kind == "balanced batches")
    for _ in range(epochs):
        for xb, yb in loader:
            loss = F.cross_entropy(model(hackgrad.tensor(xb)), yb, weight=weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


def main(epochs=20, seed=0, verbose=True):
    rng = np.random.default_rng(seed)
    Xtr, ytr = two_gaussians(2000, 100, rng)
    Xte, yte = two_gaussians(2000, 100, rng)
    results = {}
    for kind in ("plain", "class weights", "balanced batches"):
        model = train(kind, Xtr, ytr, epochs=epochs, seed=seed)
        with hackgrad.no_grad():
            pred = model(hackgrad.tensor(Xte)).data.argmax(axis=1)
        results[kind] = {"accuracy": float((pred == yte).mean()), "balanced_accuracy": balanced_accuracy(yte, pred),
                         "minority_recall": float((pred[yte == 1] == 1).mean())}
    if verbose:
        print("1:20 two-Gaussian problem; test set of 2,000 + 100")
        print(f"{'':<18}{'accuracy':>10}{'balanced acc':>14}{'minority recall':>17}")
        for kind, r in results.items():
            print(f"{kind:<18}{r['accuracy']:>10.4f}{r['balanced_accuracy']:>14.4f}{r['minority_recall']:>17.4f}")
        print("always predicting the majority would score accuracy 0.9524, balanced accuracy 0.5000")
    return results


if __name__ == "__main__":
    main()

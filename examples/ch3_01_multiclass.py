"""Chapter 3, a practical classifier: the multiclass SVM (Weston-Watkins and Crammer-Singer) vs softmax.

First one sample's scores through each loss, to see who pulls on what: Weston-Watkins pushes down every
wrong class inside the margin, Crammer-Singer only the worst one, softmax every class by its probability.
Then the three as linear classifiers on scikit-learn's 8x8 digits (1,797 images, a stratified 80/20 split).
Run: python examples/ch3_01_multiclass.py
"""

import time

import numpy as np

import hackgrad
import hackgrad.nn.functional as F
from hackgrad.data import load_digits, train_test_split
from hackgrad.estimators import SoftmaxClassifier, SVMClassifier

LOSSES = {"Weston-Watkins": F.weston_watkins_loss, "Crammer-Singer": F.crammer_singer_loss,
          "softmax": F.cross_entropy}


def one_sample(verbose=True):
    scores, label = [3.2, 5.1, 2.9, -1.7], 0  # class 0 is right; class 1 beats it, class 2 is within the margin
    out = {}
    for name, loss_fn in LOSSES.items():
        s = hackgrad.tensor([scores], dtype="float64", requires_grad=True)
        loss = loss_fn(s, np.array([label]))
        loss.backward()
        out[name] = (loss.item(), s.grad[0])
        if verbose:
            print(f"  {name:<15} loss {loss.item():.4f}   gradient on the scores {np.round(s.grad[0], 3).tolist()}")
    return out


def main(seed=0, verbose=True):
    if verbose:
        print("one sample, scores [3.2, 5.1, 2.9, -1.7], true class 0:")
    one_sample(verbose)
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=seed)
    models = {
        "Weston-Watkins": SVMClassifier(multi_class="weston_watkins", random_state=seed),
        "Crammer-Singer": SVMClassifier(multi_class="crammer_singer", random_state=seed),
        "softmax": SoftmaxClassifier(max_iter=300, random_state=seed),
    }
    results = {}
    for name, model in models.items():
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)
        results[name] = {"test_accuracy": float(model.score(Xte, yte)), "seconds": time.perf_counter() - t0}
    if verbose:
        print(f"digits (8x8), {len(Xtr)} train / {len(Xte)} test, linear classifiers:")
        for name, r in results.items():
            print(f"  {name:<15} test accuracy {r['test_accuracy']:.4f}  ({r['seconds']:.1f} s)")
        print("on a linear model the three losses end within a point or two of each other: they differ in which "
              "scores they pull on, not in what a linear score can separate")
    return results


if __name__ == "__main__":
    main()

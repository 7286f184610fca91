"""Chapter 3, structured prediction: reading handwritten digit strings that follow a grammar.

Each string is typed on a dial: the next digit is one step up or one step down from the last (mod 10), so
"4 5 4 3 2 3" is a sentence and "4 9 ..." is not. Every digit is an MNIST image (training strings from MNIST's
training images, test strings from its test images, never shared). The same small network scores each image;
three ways to read a string:

  independent  softmax cross-entropy per position, each digit read on its own
  CRF          the same network + learned transition scores, trained on the chain's likelihood (crf_nll),
               read by Viterbi
  struct. SVM  the same network + transitions, trained on the structured hinge (margin = Hamming distance)

The chain models may read a blurry 4 as a 4 because a 5 follows it; an independent reader cannot, and one
misread digit spoils the whole string. Run: python examples/ch3_structured_prediction.py
"""

import time

import numpy as np

import hackgrad
import hackgrad.nn.functional as F
from hackgrad import nn, optim
from hackgrad.data import load_mnist

K = 10  # tags: the digits


def dial_strings(n, length, rng):
    """n digit strings of the given length from the dial grammar: next = last +- 1 (mod 10)."""
    first = rng.integers(0, K, size=(n, 1))
    steps = rng.choice([-1, 1], size=(n, length - 1))
    return (first + np.concatenate([np.zeros((n, 1), int), np.cumsum(steps, axis=1)], axis=1)) % K


def render(strings, X, y, rng):
    """Each digit of each string as a random image of that digit from (X, y): (n, length, 784)."""
    by_digit = [np.flatnonzero(y == d) for d in range(K)]
    picks = np.empty(strings.shape, dtype=np.intp)
    for d in range(K):
        where = strings == d
        picks[where] = rng.choice(by_digit[d], size=int(where.sum()))
    return X[picks]


def make_network(seed):
    # deliberately small: a linear read-out of the pixels, so single digits are often misread
    return nn.Sequential(nn.Linear(784, K, seed=seed))


def train(kind, images, strings, *, epochs, batch_size, lr, seed):
    """Fit the network (and transitions for 'crf'/'svm') with Adam; returns (network, transitions or None)."""
    net = make_network(seed)
    transitions = nn.Parameter(np.zeros((K, K), dtype=np.float32)) if kind != "independent" else None
    params = list(net.parameters()) + ([transitions] if transitions is not None else [])
    opt = optim.Adam(params, lr=lr)
    rng = np.random.default_rng(seed)
    n, length = strings.shape
    for _ in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            b = order[start:start + batch_size]
            scores = net(hackgrad.tensor(images[b].reshape(-1, 784))).reshape(len(b), length, K)  # (B, T, K)
            if kind == "independent":
                loss = F.cross_entropy(scores.reshape(-1, K), strings[b].reshape(-1))
            elif kind == "crf":
                loss = F.crf_nll(scores, transitions, strings[b])
            else:
                loss = F.structured_hinge_loss(scores, transitions, strings[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return net, transitions


def read(net, transitions, images):
    """Predicted strings: per-position argmax, or Viterbi under the learned transitions."""
    n, length, _ = images.shape
    with hackgrad.no_grad():
        scores = net(hackgrad.tensor(images.reshape(-1, 784))).reshape(n, length, K)
        if transitions is None:
            return scores.data.argmax(axis=2)
        return F.viterbi(scores, transitions)[1]


def main(n_train=3000, n_test=2000, length=6, epochs=4, batch_size=20, lr=0.01, seed=0, verbose=True):
    mnist = load_mnist()
    rng = np.random.default_rng(seed)
    train_strings = dial_strings(n_train, length, rng)
    test_strings = dial_strings(n_test, length, rng)
    train_images = render(train_strings, *mnist.train, rng)
    test_images = render(test_strings, *mnist.test, rng)
    results = {}
    for kind in ("independent", "crf", "svm"):
        t0 = time.perf_counter()
        net, transitions = train(kind, train_images, train_strings, epochs=epochs, batch_size=batch_size,
                                 lr=lr, seed=seed)
        pred = read(net, transitions, test_images)
        results[kind] = {
            "per_position": float((pred == test_strings).mean()),
            "whole_string": float((pred == test_strings).all(axis=1).mean()),
            "seconds": time.perf_counter() - t0,
        }
        if kind == "crf" and verbose:
            learned = np.argsort(-transitions.data, axis=1)[:, :2]
            print("CRF's two favourite successors of each digit:",
                  {d: sorted(learned[d].tolist()) for d in range(K)})
    if verbose:
        print(f"{n_train} training strings, {n_test} test strings of {length} MNIST digits (dial grammar)")
        print(f"{'model':<14}{'per-position':>14}{'whole-string':>14}")
        for kind, name in (("independent", "independent"), ("crf", "CRF"), ("svm", "struct. SVM")):
            r = results[kind]
            print(f"{name:<14}{r['per_position']:>14.2%}{r['whole_string']:>14.2%}")
    return results


if __name__ == "__main__":
    main()

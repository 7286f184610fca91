"""Chapter 2's circuit, vectorized as chapter 3 says: the guide's 2-layer net, traced on one example by
hackgrad.circuit.vectorize and run on a whole batch of moons at once.

Prints the NumPy code the traced circuit packs into (a layer of neurons is one matrix product), checks that
the batch's loss and gradients equal the scalar circuit's, example by example, then trains on the batch.
Run: python examples/ch2_vectorize.py
"""

import time

import numpy as np

from hackgrad.circuit import SGD, TwoLayerNet, Unit, total, vectorize
from hackgrad.data import make_moons

REG = 1e-3  # the L2 pull on the weights (not the biases), as the guide's classifiers do

if __name__ == "__main__":
    X, y = make_moons(100, noise=0.1, seed=0)
    labels = 2.0 * y - 1.0  # the guide's +1 / -1
    net = TwoLayerNet(hidden=8, seed=0)

    def hinge(x0, x1, label):  # one example's loss, written with Units as in chapter 2
        return (1 - label * net.score([x0, x1])).relu()

    batch_hinge = vectorize(hinge)  # the mean over the batch
    batch_score = vectorize(lambda x0, x1: net.score([x0, x1]))

    loss = batch_hinge(X[:, 0], X[:, 1], labels)
    print("the traced circuit as NumPy code:\n")
    print(batch_hinge)
    loss.backward()
    vector_grads = [p.grad for p in net.parameters()]
    net.zero_grad()
    t = time.perf_counter()
    scalar = total(hinge(Unit(a), Unit(b), Unit(c)) for (a, b), c in zip(X.tolist(), labels.tolist()))
    scalar = scalar * (1.0 / len(X))
    scalar.backward()
    t_scalar = time.perf_counter() - t
    worst = max(abs(g - p.grad) for g, p in zip(vector_grads, net.parameters()))
    print(f"\nbatch loss: vectorized {loss.value:.12f}, scalar circuits {scalar.value:.12f}")
    print(f"largest gradient difference: {worst:.2e}")

    optimizer = SGD(net.parameters(), lr=0.3)
    t = time.perf_counter()
    for _ in range(500):
        loss = batch_hinge(X[:, 0], X[:, 1], labels) + 0.5 * REG * total(w * w for w in net.weights())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    t_step = (time.perf_counter() - t) / 500
    accuracy = float(np.mean((batch_score.values(X[:, 0], X[:, 1]) > 0) == (labels > 0)))
    print(f"after 500 steps on the batch: loss {loss.value:.4f}, training accuracy {accuracy:.2f}")
    print(f"one batch step {1e3 * t_step:.1f} ms; one pass of the scalar circuits {1e3 * t_scalar:.1f} ms")

"""Chapter 4, t-SNE of what a network learned: MNIST digits embedded from their raw pixels and from the
hidden layer of a trained MLP, side by side, coloured by class.

The MLP (784 -> 128 ReLU -> 10, hackgrad's MLPClassifier) sees N training digits for a few epochs; then the
same N held-out test digits are embedded twice with t-SNE: pixels (PCA to 50 first) and the 128 hidden
activations. The hidden layer has pulled the classes apart, and the picture shows it; the printed figure is
the share of points whose nearest embedded neighbour has the same label.
Run: python examples/ch4_03_tsne_hidden_layer.py [N]   (default 2000; writes tsne_pixels.png, tsne_hidden.png)
"""

import sys

import numpy as np

from hackgrad.data import load_mnist
from hackgrad.estimators import MLPClassifier
from hackgrad.models.tsne import TSNE
from hackgrad.train.tsne_command import pca, plot_embedding


def hidden_activations(clf, X):
    """The first hidden layer's ReLU outputs, read by running the first two modules of the fitted net."""
    import hackgrad

    x = hackgrad.tensor(((X - clf.x_mean_) / clf.x_scale_).astype(np.float32))
    with hackgrad.no_grad():
        for layer in list(clf.model_)[:2]:  # Linear, ReLU
            x = layer(x)
    return x.numpy()


def same_label_neighbour(Y, labels):
    d2 = ((Y[:, None] - Y[None]) ** 2).sum(-1)
    np.fill_diagonal(d2, np.inf)
    return float(np.mean(labels[d2.argmin(1)] == labels))


def main(n=2000):
    mnist = load_mnist()
    clf = MLPClassifier((128,), max_iter=5, random_state=0).fit(mnist.train.X[: 5 * n], mnist.train.y[: 5 * n])
    X, y = mnist.test.X[:n], mnist.test.y[:n]
    print(f"MLP test accuracy on these {n} digits: {np.mean(clf.predict(X) == y):.3f}")
    for name, features in (("pixels", pca(X.astype(np.float64), 50)),
                           ("hidden", hidden_activations(clf, X).astype(np.float64))):
        tsne = TSNE(random_state=0).fit(features)
        score = same_label_neighbour(tsne.embedding_, y)
        plot_embedding(tsne.embedding_, f"tsne_{name}.png", labels=y,
                       title=f"t-SNE of {n} MNIST test digits: {name} (KL {tsne.kl_divergence_:.2f})")
        print(f"{name:>7}: KL {tsne.kl_divergence_:.3f}, nearest neighbour has the same label "
              f"{score:.3f}; wrote tsne_{name}.png")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)

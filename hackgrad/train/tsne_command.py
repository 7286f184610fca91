"""`hackgrad tsne`: embed a data set in 2-D with t-SNE and draw it, coloured by class.

    hackgrad tsne --data digits --out runs/tsne-digits
    hackgrad tsne --data mnist --n 10000 --out runs/tsne-mnist

The folder gets `embedding.npz` (the 2-D points, their labels and the run's settings, in the project's
checksummed format), `tsne_<data>.png` and `results.json`. Only argparse loads at import time.
"""


from hackgrad.util import at_least


def add_arguments(p):
    p.add_argument("--data", choices=("digits", "mnist"), default="digits", help="data set (default: digits)")
    p.add_argument("--n", type=at_least(int, 2, "an integer >= 2"), default=None,
                   help="embed the first N samples (default: all 1797 digits; 10000 MNIST training digits)")
    p.add_argument("--perplexity", type=at_least(float, 1.0, "a number >= 1"), default=30.0)
    p.add_argument("--max-iter", type=at_least(int, 250, "an integer >= 250"), default=1000)
    p.add_argument("--pca", type=at_least(int, 0, "an integer >= 0"), default=50,
                   help="reduce to this many principal components first when there are more (0: never)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True, help="output folder")


def pca(X, n_components):
    """X projected on its first principal components (centred), components found by SVD."""
    import numpy as np

    centred = X - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(centred[: min(len(X), 10_000)], full_matrices=False)
    return centred @ Vt[:n_components].T


def plot_embedding(Y, path, *, labels=None, names=None, words=None, title=None):
    """A scatter of 2-D points: coloured by class with a legend (`labels`, `names`), or annotated (`words`)."""
    import numpy as np

    from hackgrad.train.plots import _figure, _save

    fig, (ax,) = _figure(1, width=7.0, height=6.0)
    if labels is not None:
        labels = np.asarray(labels)
        for k in np.unique(labels):
            mine = labels == k
            ax.scatter(Y[mine, 0], Y[mine, 1], s=3 if len(Y) > 3000 else 8, alpha=0.7,
                       label=str(names[k] if names is not None else k))
        ax.legend(markerscale=3, fontsize=8, loc="best", title="class")
    else:
        ax.scatter(Y[:, 0], Y[:, 1], s=6, color="tab:blue", alpha=0.5)
    for i, word in enumerate(words or ()):
        ax.annotate(word, Y[i], fontsize=7)
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title)
    return _save(fig, path)


def run(args):
    import json
    import time
    from pathlib import Path

    import numpy as np

    from hackgrad.data import load_digits, load_mnist
    from hackgrad.io import atomic_write, write_container
    from hackgrad.models.tsne import TSNE

    if args.data == "digits":
        X, y = load_digits()
    else:
        mnist = load_mnist()
        X, y = mnist.train.X, mnist.train.y
    n = args.n or (len(X) if args.data == "digits" else 10_000)
    if n > len(X):
        raise SystemExit(f"hackgrad tsne: --n {n} exceeds the {len(X)} samples of {args.data}")
    X, y = X[:n].reshape(n, -1), y[:n]
    X = np.asarray(X, dtype=np.float64)
    if args.pca and X.shape[1] > args.pca:
        X = pca(X, args.pca)
    out = Path(args.out)
    t0 = time.perf_counter()
    model = TSNE(perplexity=args.perplexity, max_iter=args.max_iter, random_state=args.seed).fit(X)
    seconds = time.perf_counter() - t0
    results = {"data": args.data, "n_samples": len(X), "n_features": X.shape[1], "seconds": round(seconds, 2),
               "kl_divergence": round(model.kl_divergence_, 4), "n_iter": model.n_iter_}
    write_container(out / "embedding.npz", "tsne-embedding", results,
                    {"embedding": model.embedding_, "labels": np.asarray(y)})
    picture = plot_embedding(model.embedding_, out / f"tsne_{args.data}.png", labels=y,
                             title=f"t-SNE of {len(X)} {args.data} digits (KL {model.kl_divergence_:.3f})")
    with atomic_write(out / "results.json", "w") as f:
        json.dump(results, f, indent=1)
    print(json.dumps(results))
    print(f"wrote {out / 'embedding.npz'}, {picture}")
    return 0

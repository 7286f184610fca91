"""t-SNE against scikit-learn (Barnes-Hut) and openTSNE (FFT), one thread each, in one run.

Workloads: the digits (1,797 x 64) with each library's defaults at perplexity 30 (scikit-learn and hackgrad
1,000 steps, openTSNE its 250 + 500); 10,000 MNIST digits (PCA to 50 dimensions first, the same input to
every library; scikit-learn left out there unless --sklearn-mnist). Prints JSON: wall time, each library's own
reported KL, and the exact KL of every embedding measured against one common P (hackgrad's perplexity-30 P),
so that the figures compare like with like.
Run: .venv/bin/python bench/tsne.py [--mnist-n 10000] [--skip-mnist]
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import limit_threads  # noqa: E402

limit_threads(1)
import numpy as np  # noqa: E402

from hackgrad.models.tsne import TSNE, joint_probabilities  # noqa: E402


def exact_kl(Y, P, chunk=2000):
    """KL(P || Q) of embedding Y over all pairs, in row chunks (P sparse, summing to 1)."""
    sq = (Y * Y).sum(1)
    Z = 0.0
    for s in range(0, len(Y), chunk):
        d2 = sq[s : s + chunk, None] + sq[None, :] - 2 * Y[s : s + chunk] @ Y.T
        w = 1.0 / (1.0 + np.maximum(d2, 0.0))
        Z += w.sum() - np.sum(1.0 / (1.0 + np.maximum(np.diag(d2[:, s : s + chunk]), 0.0)))
    P = P.tocoo()
    d2 = ((Y[P.row] - Y[P.col]) ** 2).sum(1)
    q = 1.0 / (1.0 + d2) / Z
    return float(np.sum(P.data * np.log(P.data / q)))


def run_all(X, with_sklearn, seed=0):
    P = joint_probabilities(X, 30.0)
    out = {}
    t0 = time.perf_counter()
    ours = TSNE(random_state=seed).fit(X)
    out["hackgrad"] = {"seconds": round(time.perf_counter() - t0, 2), "own_kl": round(ours.kl_divergence_, 4),
                       "exact_kl_common_P": round(exact_kl(ours.embedding_, P), 4)}
    try:
        import openTSNE

        t0 = time.perf_counter()
        emb = openTSNE.TSNE(n_jobs=1, random_state=seed).fit(X)
        out["openTSNE"] = {"seconds": round(time.perf_counter() - t0, 2), "own_kl": round(float(emb.kl_divergence), 4),
                           "exact_kl_common_P": round(exact_kl(np.asarray(emb), P), 4)}
    except ImportError:
        out["openTSNE"] = "not installed (pip install openTSNE)"
    if with_sklearn:
        try:
            from sklearn.manifold import TSNE as SkTSNE

            t0 = time.perf_counter()
            sk = SkTSNE(random_state=seed, n_jobs=1).fit(X)
            out["sklearn"] = {"seconds": round(time.perf_counter() - t0, 2), "own_kl": round(sk.kl_divergence_, 4),
                              "exact_kl_common_P": round(exact_kl(sk.embedding_, P), 4)}
        except ImportError:
            out["sklearn"] = "not installed"
    for ref in ("sklearn", "openTSNE"):
        if isinstance(out.get(ref), dict):
            out[f"time_hackgrad_over_{ref}"] = round(out["hackgrad"]["seconds"] / out[ref]["seconds"], 3)
            out[f"kl_hackgrad_over_{ref}"] = round(
                out["hackgrad"]["exact_kl_common_P"] / out[ref]["exact_kl_common_P"], 4)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mnist-n", type=int, default=10_000)
    parser.add_argument("--skip-mnist", action="store_true")
    parser.add_argument("--sklearn-mnist", action="store_true")
    args = parser.parse_args()
    from hackgrad.data import load_digits, load_mnist

    result = {"load_average_1min": round(os.getloadavg()[0], 2)}
    X, _ = load_digits()
    result["digits"] = run_all(X, with_sklearn=True)
    result["digits"]["goals"] = "KL <= sklearn's and time <= sklearn's"
    print(json.dumps(result["digits"]), file=sys.stderr, flush=True)
    if not args.skip_mnist:
        mnist = load_mnist()
        Xm = mnist.train.X[: args.mnist_n].reshape(args.mnist_n, -1).astype(np.float64)
        Xm = Xm - Xm.mean(0)
        _, _, Vt = np.linalg.svd(Xm[:5000], full_matrices=False)
        Xm = Xm @ Vt[:50].T  # PCA to 50 dimensions, the usual first step, given to every library alike
        result[f"mnist_{args.mnist_n}"] = run_all(Xm, with_sklearn=args.sklearn_mnist)
        result[f"mnist_{args.mnist_n}"]["goals"] = "time <= 2x openTSNE's, KL within 3% of openTSNE's"
    result["load_average_1min_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()

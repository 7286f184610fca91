"""t-SNE: an embedding trained as a circuit whose inputs are the points' low-dimensional positions.

Each pair of points (i, j) carries an affinity p_ij from the data (a Gaussian around each point, its width set
so that the neighbourhood has the requested perplexity, from the nearest neighbours only) and a similarity
q_ij = w_ij / Z in the embedding, w_ij = 1 / (1 + |y_i - y_j|^2). The loss is KL(P || Q); its pull on y_i is

    dKL/dy_i = 4 sum_j (p_ij - q_ij) w_ij (y_i - y_j)      (attraction along P's edges, repulsion from all)

Two gradients:

- `kl_divergence(Y, P)`: the loss in tensor-engine ops over all N^2 pairs, differentiated by autograd: the
  circuit a learner reads and the oracle (`method="exact"`, a few thousand points at most);
- `fft_gradient(Y, P)`: O(N) per step in NumPy/SciPy. Attraction runs over P's sparse edges; repulsion
  needs sums of the kernel over all pairs, which are interpolated from a regular grid of nodes where they
  are one convolution, done by FFT (Linderman et al., 2019, "FIt-SNE"). Tests check it against the exact one.

The optimizer is the usual one (van der Maaten's, as scikit-learn runs it): gradient descent with momentum
0.5 then 0.8, per-coordinate gains, and P multiplied by `early_exaggeration` for the first 250 steps.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np
import scipy.fft
import scipy.sparse

from hackgrad.autograd import Tensor

__all__ = ["TSNE", "joint_probabilities", "kl_divergence", "exact_gradient", "fft_gradient", "nearest_neighbors"]

_EXPLORATION_ITER = 250  # steps with early exaggeration and momentum 0.5, as in scikit-learn


# --- affinities in the data -------------------------------------------------------------------------------
def nearest_neighbors(X, k, chunk=2048):
    """(indices, squared distances) of each row's `k` nearest other rows, closest first, by brute force."""
    X = np.asarray(X, dtype=np.float64)
    sq = np.einsum("ij,ij->i", X, X)
    n = len(X)
    indices = np.empty((n, k), dtype=np.int64)
    dists = np.empty((n, k))
    for s in range(0, n, chunk):
        rows = np.arange(s, min(s + chunk, n))
        d2 = sq[rows, None] + sq[None, :] - 2.0 * (X[rows] @ X.T)  # (chunk, n)
        d2[np.arange(len(rows)), rows] = np.inf  # a point is not its own neighbour
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]  # (chunk, k) unordered
        pd = np.take_along_axis(d2, part, axis=1)
        order = np.argsort(pd, axis=1, kind="stable")
        indices[rows] = np.take_along_axis(part, order, axis=1)
        dists[rows] = np.maximum(np.take_along_axis(pd, order, axis=1), 0.0)  # rounding can dip below 0
    return indices, dists


def _conditional_p(dists, perplexity, n_steps=100, tol=1e-5):
    """Row-wise Gaussian p_{j|i} over the neighbours, bisecting each row's precision until its entropy is
    log(perplexity); all rows at once."""
    target = np.log(perplexity)
    n = len(dists)
    beta = np.ones(n)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    d = dists - dists[:, :1]  # shifting by the nearest distance leaves p unchanged and keeps exp from underflowing
    for _ in range(n_steps):
        p = np.exp(-d * beta[:, None])  # (n, k)
        sum_p = np.maximum(p.sum(axis=1), 1e-12)
        entropy = np.log(sum_p) + beta * (d * p).sum(axis=1) / sum_p
        diff = entropy - target
        if np.all(np.abs(diff) <= tol):
            break
        too_flat = diff > 0  # entropy too high: sharpen (raise beta)
        lo = np.where(too_flat, beta, lo)
        hi = np.where(too_flat, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2.0, (lo + hi) / 2.0)
    return p / sum_p[:, None]


def joint_probabilities(X, perplexity=30.0):
    """Symmetric sparse P (CSR, sums to 1) from each point's 3*perplexity nearest neighbours."""
    n = len(X)
    k = min(n - 1, int(3.0 * perplexity + 1))
    indices, dists = nearest_neighbors(X, k)
    cond = _conditional_p(dists, perplexity)
    P = scipy.sparse.csr_matrix((cond.ravel(), indices.ravel(), np.arange(0, n * k + 1, k)), shape=(n, n))
    P = P + P.T
    P = P / P.sum()
    P.sort_indices()
    return P.tocsr()


# --- the circuit: KL(P || Q) in tensor-engine ops -------------------------------------------------------
def kl_divergence(Y, P, exaggeration=1.0):
    """KL(P || Q) over all pairs as tensor ops; Y a (N, c) Tensor, P a dense (N, N) array summing to 1.

    With `exaggeration` a the attraction is scaled and the repulsion is not: the loss is
    sum a p log(a p) - sum a p log w + log Z, whose gradient is 4 sum_j (a p_ij - q_ij) w_ij (y_i - y_j).
    """
    P = exaggeration * np.asarray(P.toarray() if scipy.sparse.issparse(P) else P, dtype=Y.dtype)
    n = Y.shape[0]
    off = 1.0 - np.eye(n, dtype=Y.dtype)  # a point is not its own neighbour: q_ii is left out
    sq = (Y * Y).sum(axis=1)  # (N,)
    d2 = sq.reshape(n, 1) + sq.reshape(1, n) - 2.0 * (Y @ Y.T)  # (N, N) |y_i - y_j|^2, without an (N, N, c) array
    w = 1.0 / (1.0 + d2)  # Student-t kernel
    Z = (w * off).sum()
    has_p = P > 0
    log_w = (w * has_p + (1.0 - has_p)).log()  # log w_ij where p_ij > 0, 0 elsewhere (avoids log of unused terms)
    p_log_p = float(np.sum(P[has_p] * np.log(P[has_p])))
    # sum p log(p / q) = sum p log p - sum p log w + log Z, as sum p = 1
    return p_log_p - (log_w * P).sum() + Z.log()


def exact_gradient(Y, P, exaggeration=1.0):
    """(KL, dKL/dY) from the tensor circuit, by autograd."""
    y = Tensor(np.asarray(Y), requires_grad=True, dtype=np.asarray(Y).dtype)
    loss = kl_divergence(y, P, exaggeration)
    loss.backward()
    return float(loss.item()), y.grad


# --- the fast gradient: sparse attraction, FFT-interpolated repulsion --------------------------------------
def _attraction(Y, P):
    """(sum_j p_ij w_ij (y_i - y_j) for each i, sum_ij p_ij log w_ij) over P's stored edges."""
    rows = np.repeat(np.arange(P.shape[0]), np.diff(P.indptr))
    diff = Y[rows] - Y[P.indices]  # (nnz, 2)
    w = 1.0 / (1.0 + np.einsum("ij,ij->i", diff, diff))  # (nnz,)
    pw = scipy.sparse.csr_matrix((P.data * w, P.indices, P.indptr), shape=P.shape)
    force = Y * np.asarray(pw.sum(axis=1)) - pw @ Y  # (N, 2)
    return force, float(P.data @ np.log(w))


def _lagrange_weights(t, nodes):
    """(N, p) Lagrange basis polynomials through `nodes` at local coordinates t in [0, 1]."""
    weights = np.ones((len(t), len(nodes)))
    for k, xk in enumerate(nodes):
        for m, xm in enumerate(nodes):
            if m != k:
                weights[:, k] *= (t - xm) / (xk - xm)
    return weights


@functools.lru_cache(maxsize=4)
def _kernel_transforms(size, G, spacing):
    """rfft2 of w and w^2 at every node offset, laid out circularly on a (size, size) grid so that the FFT
    product is the plain (non-wrapping) convolution over the G x G nodes. float32: the FFTs run twice as fast
    and their rounding (1e-7) is far below the interpolation's error."""
    offset = np.arange(size)
    offset = np.where(offset < size - G + 1, offset, offset - size) * spacing  # signed distances
    w = 1.0 / (1.0 + offset[:, None] ** 2 + offset[None, :] ** 2)  # (size, size)
    return scipy.fft.rfft2(np.stack([w, w * w]).astype(np.float32))  # (2, size, size//2+1)


def _kernel_sums(Y, n_interp=3, intervals_per_unit=1.0, min_intervals=50):
    """For each point i: sum_{j != i} w_ij, sum_j w_ij^2, sum_j w_ij^2 y_j (self terms in the last two), by
    interpolating charges onto a grid, convolving them with the kernels there by FFT, and interpolating back."""
    lo = Y.min(axis=0)
    span = max(float((Y.max(axis=0) - lo).max()), 1e-6)
    if span * intervals_per_unit > min_intervals:
        # boxes of a fixed width: the kernel's transform depends only on the grid size and is reused
        box = 1.0 / intervals_per_unit
        n_boxes = int(np.floor(span / box)) + 1
    else:
        n_boxes = min_intervals
        box = span / n_boxes * (1.0 + 1e-9)  # points on the far edge still fall inside the last box
    nodes = (np.arange(n_interp) + 0.5) / n_interp  # equispaced inside each box, so all nodes form one grid
    G = n_boxes * n_interp  # nodes per axis, spacing box / n_interp
    local = (Y - lo) / box  # (N, 2) in box units
    cell = np.minimum(local.astype(np.int64), n_boxes - 1)
    wx = _lagrange_weights(local[:, 0] - cell[:, 0], nodes)  # (N, p)
    wy = _lagrange_weights(local[:, 1] - cell[:, 1], nodes)
    gx = cell[:, :1] * n_interp + np.arange(n_interp)  # (N, p) node columns
    gy = cell[:, 1:] * n_interp + np.arange(n_interp)
    flat = (gx[:, :, None] * G + gy[:, None, :]).reshape(len(Y), -1)  # (N, p*p) node ids
    weight = (wx[:, :, None] * wy[:, None, :]).reshape(len(Y), -1)  # (N, p*p)
    charges = np.stack([np.ones(len(Y)), Y[:, 0], Y[:, 1]])  # (3, N): 1 for both kernels, y_j for w^2 y_j
    grid = np.stack([np.bincount(flat.ravel(), (weight * q[:, None]).ravel(), G * G) for q in charges])
    grid = grid.reshape(3, G, G)
    size = scipy.fft.next_fast_len(2 * G, real=True)
    kernels = _kernel_transforms(size, G, box / n_interp)
    charges_hat = scipy.fft.rfft2(grid.astype(np.float32), s=(size, size))  # (3, size, size//2+1)
    potentials = scipy.fft.irfft2(
        np.stack([charges_hat[0] * kernels[0], charges_hat[0] * kernels[1], charges_hat[1] * kernels[1],
                  charges_hat[2] * kernels[1]]), s=(size, size))[:, :G, :G].reshape(4, G * G)
    at_points = np.einsum("nk,cnk->cn", weight, potentials[:, flat])  # (4, N)
    # a point's interaction with itself goes through the same interpolation, so its error is not that of the
    # exact w_ii = 1; sum_j w_ij minus this interpolated self term is far more accurate where points are sparse
    k = np.arange(n_interp)
    node_d2 = ((k[:, None, None, None] - k[None, None, :, None]) ** 2
               + (k[None, :, None, None] - k[None, None, None, :]) ** 2) * (box / n_interp) ** 2
    local_w = (1.0 / (1.0 + node_d2)).reshape(n_interp**2, n_interp**2)  # kernel between one box's nodes
    self_w = np.einsum("nk,kl,nl->n", weight, local_w, weight)
    return at_points[0] - self_w, at_points[1], at_points[2:].T


def fft_gradient(Y, P, exaggeration=1.0, **grid):
    """(KL estimate, dKL/dY) for 2-D Y in O(N + grid log grid): P sparse symmetric, summing to 1."""
    if Y.shape[1] != 2:
        raise ValueError(f"the FFT gradient is for 2-D embeddings; got {Y.shape[1]} components (use method='exact')")
    attract, p_log_w = _attraction(Y, P)
    sum_w, sum_w2, sum_w2_y = _kernel_sums(Y, **grid)
    Z = max(float(sum_w.sum()), 1e-12)
    repel = (Y * sum_w2[:, None] - sum_w2_y) / Z  # self terms cancel: y_i * 1 - 1 * y_i
    grad = 4.0 * (exaggeration * attract - repel)
    p_sum = float(P.sum())
    kl = float(P.data @ np.log(P.data)) - p_log_w + np.log(Z) * p_sum
    return kl, grad


# --- the estimator -----------------------------------------------------------------------------------------
class TSNE:
    """t-distributed stochastic neighbour embedding, with scikit-learn's names, defaults and attributes.

    `method="fft"` (2-D only) for real use, `method="exact"` for the tensor-engine circuit (small N).
    After `fit`: `embedding_` (N, n_components), `kl_divergence_` (the KL at the last step, with P not
    exaggerated), `n_iter_`, `learning_rate_`.
    """

    def __init__(self, n_components=2, perplexity=30.0, early_exaggeration=12.0, learning_rate="auto",
                 max_iter=1000, init="pca", random_state=None, method="fft", min_grad_norm=1e-7):
        self.n_components = n_components
        self.perplexity = perplexity
        self.early_exaggeration = early_exaggeration
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.init = init
        self.random_state = random_state
        self.method = method
        self.min_grad_norm = min_grad_norm

    def _check(self, X):
        if self.method not in ("fft", "exact"):
            raise ValueError(f"TSNE: method must be 'fft' or 'exact', got {self.method!r}")
        if self.method == "fft" and self.n_components != 2:
            raise ValueError(f"TSNE: method='fft' embeds in 2-D; got n_components={self.n_components!r}")
        if isinstance(self.n_components, bool) or not isinstance(self.n_components, numbers.Integral) \
                or self.n_components < 1:
            raise ValueError(f"TSNE: n_components must be an integer >= 1, got {self.n_components!r}")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, numbers.Integral) \
                or self.max_iter < _EXPLORATION_ITER:
            raise ValueError(f"TSNE: max_iter must be an integer >= {_EXPLORATION_ITER}, got {self.max_iter!r}")
        for name in ("perplexity", "early_exaggeration"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not v > 0 or not np.isfinite(v):
                raise ValueError(f"TSNE: {name} must be a finite number > 0, got {v!r}")
        if self.learning_rate != "auto" and not (isinstance(self.learning_rate, numbers.Real)
                                                 and self.learning_rate > 0):
            raise ValueError(f"TSNE: learning_rate must be 'auto' or a number > 0, got {self.learning_rate!r}")
        if not (isinstance(self.init, str) and self.init in ("pca", "random")) and not hasattr(self.init, "shape"):
            raise ValueError(f"TSNE: init must be 'pca', 'random' or an (n_samples, n_components) array, "
                             f"got {self.init!r}")
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ValueError(f"TSNE: X must be a numeric (n_samples, n_features) array ({err})") from None
        if X.ndim != 2:
            raise ValueError(f"TSNE: X must be 2-D (n_samples, n_features), got shape {X.shape}")
        if not np.isfinite(X).all():
            bad = np.argwhere(~np.isfinite(X))[0]
            raise ValueError(f"TSNE: X contains NaN or infinity (first at row {bad[0]}, column {bad[1]}); "
                             "t-SNE needs finite values")
        if len(X) < 2 or self.perplexity >= len(X):
            raise ValueError(f"TSNE: perplexity ({self.perplexity}) must be less than the number of samples "
                             f"({len(X)})")
        return X

    def _initial(self, X, rng):
        n, c = len(X), self.n_components
        if not isinstance(self.init, str):
            Y = np.array(self.init, dtype=np.float64)
            if Y.shape != (n, c):
                raise ValueError(f"TSNE: an init array must have shape {(n, c)}, got {Y.shape}")
            return Y
        if self.init == "random":
            return 1e-4 * rng.standard_normal((n, c))
        centred = X - X.mean(axis=0)
        _, _, Vt = np.linalg.svd(centred, full_matrices=False)
        Y = centred @ Vt[:c].T
        Y *= np.sign(Y[0] + (Y[0] == 0))  # fix each component's sign, so the result does not depend on LAPACK
        # scikit-learn's scale: the first coordinate's standard deviation is 1e-4
        return Y / max(np.std(Y[:, 0]), 1e-12) * 1e-4

    def _gradient(self, Y, P, exaggeration):
        if self.method == "fft":
            return fft_gradient(Y, P, exaggeration)
        return exact_gradient(Y, P, exaggeration)

    def fit(self, X, y=None):
        """Embed X; returns self (`embedding_` holds the result)."""
        X = self._check(X)
        rng = np.random.default_rng(self.random_state)
        n = len(X)
        P = joint_probabilities(X, self.perplexity)
        if self.method == "exact":
            P = P.toarray()
        self.learning_rate_ = (max(n / self.early_exaggeration / 4.0, 50.0) if self.learning_rate == "auto"
                               else float(self.learning_rate))
        Y = self._initial(X, rng)
        update = np.zeros_like(Y)
        gains = np.ones_like(Y)
        for it in range(self.max_iter):
            if it == _EXPLORATION_ITER:  # a fresh start for the second phase, as scikit-learn's optimizer makes
                update, gains = np.zeros_like(Y), np.ones_like(Y)
            exploring = it < _EXPLORATION_ITER
            exaggeration = self.early_exaggeration if exploring else 1.0
            momentum = 0.5 if exploring else 0.8
            kl, grad = self._gradient(Y, P, exaggeration)
            # gains grow where the gradient keeps its direction against the last step and shrink where it flips
            same = update * grad < 0.0
            gains = np.where(same, gains + 0.2, gains * 0.8).clip(0.01)
            update = momentum * update - self.learning_rate_ * gains * grad
            Y = Y + update
            if not exploring and np.linalg.norm(grad) < self.min_grad_norm:
                break
        self.n_iter_ = it + 1
        # the KL of the final embedding, P not exaggerated
        self.kl_divergence_ = float(self._gradient(Y, P, 1.0)[0])
        self.embedding_ = Y
        self.n_features_in_ = X.shape[1]
        return self

    def fit_transform(self, X, y=None):
        return self.fit(X).embedding_

"""Small synthetic data sets: 2-D classification toys and a linear regression plane.

Every generator returns ``(X, y)`` NumPy arrays, X float64 of shape (n, n_features) and y int64 class
labels (float64 targets for ``make_plane``). ``noise`` is the standard deviation of Gaussian noise added
to every coordinate after the labels are fixed, so ``noise=0`` gives the exact geometry. Randomness comes
only from ``seed`` (anything ``np.random.default_rng`` accepts) or an explicit ``rng`` Generator: the same
seed gives identical arrays on every run.
"""

from __future__ import annotations

import numpy as np

from hackgrad.util import check_int, check_number, make_rng

__all__ = ["make_moons", "make_circles", "make_spiral", "make_xor", "make_blobs", "make_plane"]


def _class_sizes(n: int, k: int) -> np.ndarray:
    """Split n samples over k classes as evenly as possible (the first n % k classes get one more)."""
    sizes = np.full(k, n // k, dtype=np.int64)
    sizes[: n % k] += 1
    return sizes


def _finish(X: np.ndarray, y: np.ndarray, noise: float, rng: np.random.Generator, shuffle: bool):
    if noise > 0:
        X = X + noise * rng.standard_normal(X.shape)
    if shuffle:
        # Generators emit classes in blocks; shuffling keeps a naive X[:k] slice from being one class.
        order = rng.permutation(len(X))
        X, y = X[order], y[order]
    return np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y)


def _check_n(n: int, n_classes: int, what: str) -> int:
    n = check_int("n", n)
    if n < n_classes:
        raise ValueError(f"n must be >= {n_classes} so that every {what} gets a point, got {n}")
    return n


def make_moons(n: int = 200, *, noise: float = 0.1, seed=None, rng=None, shuffle: bool = True):
    """Two interleaving half circles of radius 1: class 0 is the upper arc centred at (0, 0),
    class 1 the lower arc centred at (1, 0.5)."""
    n = _check_n(n, 2, "moon")
    noise = check_number("noise", noise, low=0)
    rng = make_rng(seed, rng)
    n0, n1 = _class_sizes(n, 2)
    t0 = rng.uniform(0.0, np.pi, n0)
    t1 = rng.uniform(0.0, np.pi, n1)
    upper = np.column_stack([np.cos(t0), np.sin(t0)])
    lower = np.column_stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)])
    X = np.concatenate([upper, lower])
    y = np.repeat(np.arange(2, dtype=np.int64), [n0, n1])
    return _finish(X, y, noise, rng, shuffle)


def make_circles(
    n: int = 200, *, factor: float = 0.5, noise: float = 0.05, seed=None, rng=None, shuffle: bool = True
):
    """Two concentric circles: class 0 on radius 1, class 1 on radius ``factor`` (0 < factor < 1)."""
    n = _check_n(n, 2, "circle")
    noise = check_number("noise", noise, low=0)
    factor = check_number("factor", factor, low=0)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must be strictly between 0 and 1 (inner / outer radius), got {factor}")
    rng = make_rng(seed, rng)
    sizes = _class_sizes(n, 2)
    radius = np.repeat([1.0, factor], sizes)
    theta = rng.uniform(0.0, 2.0 * np.pi, n)
    X = radius[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    y = np.repeat(np.arange(2, dtype=np.int64), sizes)
    return _finish(X, y, noise, rng, shuffle)


def make_spiral(
    n: int = 300,
    k: int = 3,
    *,
    noise: float = 0.05,
    turns: float = 1.0,
    seed=None,
    rng=None,
    shuffle: bool = True,
):
    """``k`` interleaved spiral arms, one class each (the CS231n spiral).

    A point of arm j at radius r in (0, 1] sits at angle ``2*pi*(j/k + turns*r)``: every arm winds
    ``turns`` full turns from the centre outwards, and the arms start evenly spaced around the circle.
    """
    k = check_int("k", k, minimum=2)
    n = _check_n(n, k, "arm")
    noise = check_number("noise", noise, low=0)
    turns = check_number("turns", turns, low=0)
    rng = make_rng(seed, rng)
    sizes = _class_sizes(n, k)
    y = np.repeat(np.arange(k, dtype=np.int64), sizes)
    # Radius 0 would put every arm on the same point, so the arms start a little way out.
    r = rng.uniform(0.05, 1.0, n)
    theta = 2.0 * np.pi * (y / k + turns * r)
    X = r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])
    return _finish(X, y, noise, rng, shuffle)


def make_xor(n: int = 200, *, noise: float = 0.1, seed=None, rng=None, shuffle: bool = True):
    """Points uniform in the square [-1, 1]^2, labelled 1 where exactly one coordinate is positive.

    Labels come from the clean positions, so with ``noise > 0`` points near the axes can cross into the
    other quadrant: that is label noise a classifier cannot remove.
    """
    n = _check_n(n, 2, "class")
    noise = check_number("noise", noise, low=0)
    rng = make_rng(seed, rng)
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return _finish(X, y, noise, rng, shuffle)


def make_blobs(
    n: int = 200,
    *,
    centers=3,
    n_features: int | None = None,
    noise: float = 0.5,
    center_box: tuple[float, float] = (-5.0, 5.0),
    seed=None,
    rng=None,
    shuffle: bool = True,
):
    """Isotropic Gaussian blobs, one class per centre.

    ``centers`` is either a count (centres are then drawn uniformly inside ``center_box`` in every
    dimension) or an array of shape (n_centers, n_features). ``noise`` is each blob's standard deviation.
    """
    noise = check_number("noise", noise, low=0)
    if np.ndim(centers) == 0:
        n_centers = check_int("centers", centers)
        d = 2 if n_features is None else check_int("n_features", n_features)
        lo, hi = (float(v) for v in center_box)
        if not lo < hi:
            raise ValueError(f"center_box must be (low, high) with low < high, got {center_box!r}")
        centre_array = None
    else:
        centre_array = np.asarray(centers, dtype=np.float64)
        if centre_array.ndim != 2 or len(centre_array) == 0:
            raise ValueError(
                f"centers must be an int or an array of shape (n_centers, n_features), "
                f"got shape {centre_array.shape}"
            )
        n_centers, d = centre_array.shape
        if n_features is not None and check_int("n_features", n_features) != d:
            raise ValueError(f"n_features={n_features} contradicts centers of shape {centre_array.shape}")
    n = _check_n(n, n_centers, "centre")
    rng = make_rng(seed, rng)
    if centre_array is None:
        centre_array = rng.uniform(lo, hi, (n_centers, d))
    sizes = _class_sizes(n, n_centers)
    y = np.repeat(np.arange(n_centers, dtype=np.int64), sizes)
    X = centre_array[y]
    return _finish(X, y, noise, rng, shuffle)


def make_plane(
    n: int = 200,
    n_features: int = 2,
    *,
    w=None,
    b: float = 0.0,
    noise: float = 0.1,
    seed=None,
    rng=None,
    return_coef: bool = False,
):
    """Linear regression data ``y = X @ w + b + noise * N(0, 1)`` with X standard normal.

    ``w`` defaults to a standard-normal draw from the same generator. With ``return_coef=True`` the
    result is ``(X, y, w, b)`` so tests can compare a fit with the truth.
    """
    n = check_int("n", n)
    n_features = check_int("n_features", n_features)
    noise = check_number("noise", noise, low=0)
    b = float(b)
    rng = make_rng(seed, rng)
    if w is None:
        w = rng.standard_normal(n_features)
    else:
        w = np.asarray(w, dtype=np.float64)
        if w.shape != (n_features,):
            raise ValueError(f"w must have shape (n_features,) = ({n_features},), got {w.shape}")
    X = rng.standard_normal((n, n_features))
    y = X @ w + b
    if noise > 0:
        y = y + noise * rng.standard_normal(n)
    if return_coef:
        return X, y, w, b
    return X, y

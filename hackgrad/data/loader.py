"""Mini-batches and data splits: ``DataLoader``, ``BalancedSampler``, ``train_test_split``,
``kfold_indices`` and ``class_weights``.

All randomness is seeded. A DataLoader derives each epoch's generator from ``(seed, epoch)``, so epoch k
of seed s visits the samples in the same order on every run, whatever happened in earlier epochs.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ._validate import check_int, check_labels, check_X, check_y, is_discrete

__all__ = ["DataLoader", "BalancedSampler", "train_test_split", "kfold_indices", "class_weights"]


def _base_seed(seed) -> int:
    """A non-negative int entropy for SeedSequence; None draws fresh entropy once, so the object
    stays self-consistent (and ``.seed`` tells how to reproduce it)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be None or an integer >= 0, got {seed!r}")
    return int(seed)


def class_weights(y, *, n_classes: int | None = None) -> np.ndarray:
    """The "balanced" per-class weights ``n_samples / (n_present_classes * bincount(y))``.

    Weighting each sample's loss by ``weights[y]`` makes every present class contribute equally, and the
    weights average to 1 over the samples. Classes absent from ``y`` (when ``n_classes`` is larger than
    ``max(y) + 1``) get weight 0 rather than infinity.
    """
    y = check_labels(y)
    if n_classes is not None:
        n_classes = check_int("n_classes", n_classes)
        if y.max() >= n_classes:
            raise ValueError(f"y holds label {y.max()}, but n_classes={n_classes} needs labels < {n_classes}")
    counts = np.bincount(y, minlength=n_classes or 0)
    present = counts > 0
    weights = np.zeros(len(counts), dtype=np.float64)
    weights[present] = len(y) / (present.sum() * counts[present])
    return weights


class BalancedSampler:
    """Draws ``num_samples`` indices per epoch, with replacement, every class equally likely.

    Rare classes are repeated and common ones subsampled, so each mini-batch is balanced in expectation.
    ``num_samples`` defaults to ``len(y)``, so an "epoch" keeps its usual length.
    """

    def __init__(self, y, num_samples: int | None = None):
        self.y = check_labels(y)
        self.num_samples = len(self.y) if num_samples is None else check_int("num_samples", num_samples)
        counts = np.bincount(self.y)
        present = counts > 0
        # P(sample i) = 1 / (n_present * count[y_i]): picking a class uniformly, then a member uniformly.
        self.probabilities = 1.0 / (present.sum() * counts[self.y])

    def __len__(self) -> int:
        return self.num_samples

    def indices(self, rng: np.random.Generator) -> np.ndarray:
        return rng.choice(len(self.y), size=self.num_samples, replace=True, p=self.probabilities)


class DataLoader:
    """Iterate ``(xb, yb)`` mini-batches of NumPy arrays; ``yb`` is None when no ``y`` is given.

    Each ``iter(loader)`` is one epoch and advances an internal epoch counter; ``set_epoch(k)`` sets the
    epoch the next iteration uses. With ``shuffle=False`` and no sampler, batches come in order.
    ``sampler`` (any object with ``indices(rng) -> int array`` and ``len()``, e.g. ``BalancedSampler``)
    decides which samples an epoch visits and overrides ``shuffle``; ``balanced=True`` is shorthand for
    ``sampler=BalancedSampler(y)``. X may have more than two axes (images); the first axis is samples.
    ``transform(xb, rng)`` (e.g. a random shift of images) changes each batch's inputs on the way out; its
    generator also comes from ``(seed, epoch)``, so an augmented epoch is as reproducible as its order.
    """

    def __init__(
        self,
        X,
        y=None,
        batch_size: int = 32,
        shuffle: bool = True,
        seed=None,
        drop_last: bool = False,
        sampler=None,
        *,
        balanced: bool = False,
        transform=None,
    ):
        self.X = check_X(X)
        self.y = None if y is None else check_y(y, len(self.X))
        self.batch_size = check_int("batch_size", batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = _base_seed(seed)
        if balanced:
            if sampler is not None:
                raise ValueError("pass either sampler or balanced=True, not both")
            if self.y is None:
                raise ValueError("balanced=True needs labels y to balance the classes")
            sampler = BalancedSampler(self.y)
        if sampler is not None and not (hasattr(sampler, "indices") and hasattr(sampler, "__len__")):
            raise ValueError(
                "sampler must have indices(rng) and __len__ (like BalancedSampler), "
                f"got {type(sampler).__name__}"
            )
        self.sampler = sampler
        if transform is not None and not callable(transform):
            raise ValueError(f"transform must be callable as transform(xb, rng), got {type(transform).__name__}")
        self.transform = transform
        if self.drop_last and self._n_drawn() < self.batch_size:
            raise ValueError(
                f"drop_last=True with batch_size={self.batch_size} > {self._n_drawn()} samples "
                f"would yield no batches"
            )
        self.epoch = 0

    def _n_drawn(self) -> int:
        return len(self.sampler) if self.sampler is not None else len(self.X)

    def __len__(self) -> int:
        n = self._n_drawn()
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration epoch ``epoch`` (e.g. to resume training from a checkpoint)."""
        self.epoch = check_int("epoch", epoch, minimum=0)

    def epoch_indices(self, epoch: int) -> np.ndarray | None:
        """The sample order of epoch ``epoch``, or None for in-order batches (no shuffle, no sampler)."""
        # Spawning from (seed, epoch) rather than advancing one generator makes epoch k reproducible
        # on its own, e.g. after resuming.
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, epoch]))
        if self.sampler is not None:
            idx = np.asarray(self.sampler.indices(rng))
            if idx.ndim != 1 or idx.dtype.kind not in "iu":
                raise ValueError(f"sampler.indices must return a 1-D int array, got {idx.dtype} {idx.shape}")
            return idx
        if self.shuffle:
            return rng.permutation(len(self.X))
        return None

    def __iter__(self):
        order = self.epoch_indices(self.epoch)
        if self.transform is not None:
            transform_rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.epoch, 1]))
        self.epoch += 1
        n = len(self.X) if order is None else len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            if order is None:
                # Slices are views: no copy per batch when the order is fixed.
                sel = slice(start, start + self.batch_size)
            else:
                sel = order[start : start + self.batch_size]
            xb = self.X[sel]
            if self.transform is not None:
                xb = self.transform(xb, transform_rng)
            yield xb, (None if self.y is None else self.y[sel])


def _n_test(test_size, n: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, numbers.Real):
        raise ValueError(f"test_size must be a fraction in (0, 1) or a count in [1, n-1], got {test_size!r}")
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif 0.0 < test_size < 1.0:
        n_test = int(round(test_size * n))
    else:
        raise ValueError(f"test_size must be a fraction strictly between 0 and 1 or an int, got {test_size}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_size={test_size} gives {n_test} test samples out of {n}; both parts need at least 1"
        )
    return n_test


def _stratified_test_counts(counts: np.ndarray, n_test: int, rng: np.random.Generator) -> np.ndarray:
    """Per-class test counts summing to n_test, each as close to its class's share as possible."""
    ideal = counts * (n_test / counts.sum())
    take = np.floor(ideal).astype(np.int64)
    # Largest-remainder rounding; random tie-breaking so no class is systematically favoured.
    remainder = ideal - take
    order = np.lexsort((rng.random(len(counts)), -remainder))
    take[order[: n_test - take.sum()]] += 1
    return take


def train_test_split(X, y=None, *, test_size=0.2, stratify: bool = True, seed=0):
    """Shuffle and split into ``(X_train, X_test, y_train, y_test)``, or ``(X_train, X_test)`` without y.

    With class labels (1-D integer, bool or string y) and ``stratify=True`` every class keeps its
    proportion in both parts (to within one sample). Float targets (regression) and 2-D y are split
    without stratification.
    """
    X = check_X(X)
    n = len(X)
    n_test = _n_test(test_size, n)
    rng = np.random.default_rng(seed)
    if y is not None:
        y = check_y(y, n)
    if y is not None and stratify and is_discrete(y):
        classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
        take = _stratified_test_counts(counts, n_test, rng)
        test_parts, train_parts = [], []
        for c in range(len(classes)):
            members = rng.permutation(np.flatnonzero(inverse == c))
            test_parts.append(members[: take[c]])
            train_parts.append(members[take[c] :])
        # Shuffle again so the parts are not grouped by class.
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))
    else:
        perm = rng.permutation(n)
        test_idx, train_idx = perm[:n_test], perm[n_test:]
    if y is None:
        return X[train_idx], X[test_idx]
    return X[train_idx], X[test_idx], y[train_idx], y[test_idx]


def kfold_indices(n_or_y, k: int = 5, *, stratified: bool = True, seed=0):
    """Iterate ``(train_idx, val_idx)`` for k-fold cross-validation; both sorted int64 arrays.

    ``n_or_y`` is a sample count or a label array. Every sample lands in exactly one validation fold,
    fold sizes differ by at most one, and with labels (and ``stratified=True``) every class is spread
    over the folds as evenly as possible.
    """
    if np.ndim(n_or_y) == 0:
        n = check_int("n", n_or_y)
        labels = None
    else:
        labels = np.asarray(n_or_y)
        if labels.ndim != 1:
            raise ValueError(f"n_or_y must be an int or 1-D labels, got shape {labels.shape}")
        n = len(labels)
    k = check_int("k", k, minimum=2)
    if k > n:
        raise ValueError(f"k must be <= the number of samples ({n}), got {k}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    if labels is not None and stratified and is_discrete(labels):
        _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
        if counts.min() < k:
            warnings.warn(
                f"the smallest class has {counts.min()} samples, fewer than k={k}: some validation "
                f"folds will not contain it",
                stacklevel=2,
            )
        # Group the shuffled samples by class (stable sort keeps the shuffle inside each class), then
        # deal them round-robin: each class's members spread over consecutive folds.
        order = order[np.argsort(inverse[order], kind="stable")]
    fold_of = np.empty(n, dtype=np.int64)
    fold_of[order] = np.arange(n) % k
    # Checks above run at call time; only the fold iteration is lazy.
    return ((np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)) for fold in range(k))

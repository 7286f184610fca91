"""Argument checks shared by the data modules, so every error reads the same way."""

from __future__ import annotations

import numpy as np

from hackgrad.util import check_int  # noqa: F401  (the shared check, re-exported for the loaders)


def check_X(X, name: str = "X") -> np.ndarray:
    """``X`` as an array whose first axis counts samples; 1-D input is refused to catch a missing reshape."""
    X = np.asarray(X)
    if X.ndim < 2:
        hint = " (use X.reshape(-1, 1) for a single feature)" if X.ndim == 1 else ""
        raise ValueError(f"{name} must be a 2-D array (n_samples, n_features), got shape {X.shape}{hint}")
    if len(X) == 0:
        raise ValueError(f"{name} has no samples (shape {X.shape})")
    return X


def check_y(y, n: int, name: str = "y") -> np.ndarray:
    """``y`` as an array with one entry (or row) per sample of X."""
    y = np.asarray(y)
    if y.ndim == 0:
        raise ValueError(f"{name} must have one entry per sample, got a scalar")
    if len(y) != n:
        raise ValueError(f"len({name}) must equal len(X) = {n}, got {len(y)}")
    return y


def check_labels(y, name: str = "y") -> np.ndarray:
    """``y`` as a 1-D int64 array of non-negative class indices."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels, got shape {y.shape}")
    if y.size == 0:
        raise ValueError(f"{name} is empty")
    if y.dtype.kind == "b":
        return y.astype(np.int64)
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer floats")
    elif y.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.min() < 0:
        raise ValueError(f"{name} must hold class labels >= 0, got {y.min()}")
    return y.astype(np.int64)


def is_discrete(y: np.ndarray) -> bool:
    """True for labels one can stratify on: 1-D ints, bools or strings (not regression targets)."""
    return y.ndim == 1 and y.dtype.kind in "iubUSO"

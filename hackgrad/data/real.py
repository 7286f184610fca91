"""Small real data sets that ship inside scikit-learn (no download): digits, iris, wine, breast cancer,
diabetes.

scikit-learn is an optional dependency, so it is imported only when one of these functions is called.
Each loader returns ``(X, y)`` with X float64 of shape (n_samples, n_features); y is int64 class labels,
except for diabetes, whose target is a float64 disease-progression score.
"""

from __future__ import annotations

import importlib

import numpy as np

__all__ = ["load_digits", "load_iris", "load_wine", "load_breast_cancer", "load_diabetes"]


def _sklearn_datasets():
    try:
        return importlib.import_module("sklearn.datasets")
    except ImportError as err:
        raise ImportError(
            "this data set is bundled with scikit-learn, which is not installed: pip install scikit-learn"
        ) from err


def _load(name: str, y_dtype) -> tuple[np.ndarray, np.ndarray]:
    bunch = getattr(_sklearn_datasets(), name)()
    X = np.ascontiguousarray(bunch.data, dtype=np.float64)
    y = np.ascontiguousarray(bunch.target, dtype=y_dtype)
    return X, y


def load_digits():
    """8x8 handwritten digits: X (1797, 64) with pixel values 0..16, y in 0..9."""
    return _load("load_digits", np.int64)


def load_iris():
    """Fisher's iris flowers: X (150, 4) in centimetres, y in 0..2."""
    return _load("load_iris", np.int64)


def load_wine():
    """Wine cultivars from chemical analysis: X (178, 13), y in 0..2."""
    return _load("load_wine", np.int64)


def load_breast_cancer():
    """Wisconsin diagnostic breast cancer: X (569, 30), y 0 = malignant, 1 = benign."""
    return _load("load_breast_cancer", np.int64)


def load_diabetes():
    """Diabetes progression regression: X (442, 10) already mean-centred and scaled, y float64."""
    return _load("load_diabetes", np.float64)

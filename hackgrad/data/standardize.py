"""`Standardizer`: scale inputs to zero mean and unit spread with statistics learned on the training split.

One of each: the CLI's data preparation, the estimators and the regression targets all scale through it, so
a model saved by one is fed the same numbers by another. Statistics are computed in float64; a feature whose
spread is a rounding error of its mean (a constant column) keeps scale 1 instead of being blown up.
"""

import numpy as np

__all__ = ["Standardizer", "STANDARDIZE_MODES"]

STANDARDIZE_MODES = ("feature", "global", "none")


class Standardizer:
    """`fit(X)` learns `mean_` and `scale_`; `transform(X, dtype)` gives (X - mean_) / scale_.

    mode: "feature" (one mean/std per column), "global" (one for all values, for pixels), "none".
    """

    def __init__(self, mode="feature", *, tol=1e-8):
        if mode not in STANDARDIZE_MODES:
            raise ValueError(f"Standardizer: unknown mode {mode!r}; expected one of {', '.join(STANDARDIZE_MODES)}")
        self.mode, self.tol = mode, tol

    def fit(self, X):
        X = np.asarray(X, dtype=np.float64)
        X = X.reshape(len(X), -1) if X.ndim != 2 else X
        if self.mode == "global":
            mean, std = np.full(X.shape[1], X.mean()), np.full(X.shape[1], X.std())
        elif self.mode == "feature":
            mean, std = X.mean(axis=0), X.std(axis=0)
        else:
            mean, std = np.zeros(X.shape[1]), np.ones(X.shape[1])
        self.mean_ = mean
        self.scale_ = np.where(std > self.tol * (1 + np.abs(mean)), std, 1.0)  # constant columns stay as they are
        return self

    def transform(self, X, dtype=np.float32):
        """Scaled X as `dtype` (computed in float64, then cast once: float32 data keeps its precision)."""
        X = np.asarray(X, dtype=np.float64)
        shape = X.shape
        out = (X.reshape(len(X), -1) - self.mean_) / self.scale_
        return out.reshape(shape).astype(dtype, copy=False)

    def fit_transform(self, X, dtype=np.float32):
        return self.fit(X).transform(X, dtype)

    def inverse_transform(self, Z):
        Z = np.asarray(Z, dtype=np.float64)
        return (Z.reshape(len(Z), -1) * self.scale_ + self.mean_).reshape(Z.shape)

    @classmethod
    def from_stats(cls, mean, scale, mode="feature"):
        """A fitted Standardizer from stored statistics (a loaded model file)."""
        s = cls(mode)
        s.mean_, s.scale_ = np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)
        return s

    def __repr__(self):
        return f"Standardizer(mode={self.mode!r})"

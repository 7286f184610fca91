"""An ensemble of fitted classifiers that predicts by averaging their class probabilities.

Averaging probabilities (rather than votes) lets a confident member outweigh an unsure one, and the
members' independent errors partly cancel. The ensemble saves to one `.npz` file (every member's weights
and scaling, plus a JSON header; no pickle, written atomically, checksummed).
"""

import numpy as np

from hackgrad.estimators._sklearn import BaseEstimator, ClassifierMixin
from hackgrad.estimators.base import _REGISTRY, ModelFileError, NetworkEstimator
from hackgrad.io import read_container, write_container

__all__ = ["Ensemble"]


class Ensemble(ClassifierMixin, BaseEstimator):
    """`Ensemble(members)`: fitted classifiers with `predict_proba` and identical `classes_`.

    `weights` (optional, one per member) weight the average. `fit` refits every member on new data.
    """

    def __init__(self, members=(), weights=None):
        self.members = members
        self.weights = weights

    def _check(self):
        members = list(self.members)
        if not members:
            raise ValueError("Ensemble: needs at least one member")
        for i, m in enumerate(members):
            if not hasattr(m, "predict_proba"):
                raise TypeError(f"Ensemble: member {i} ({type(m).__name__}) has no predict_proba")
            if not hasattr(m, "classes_"):
                raise ValueError(f"Ensemble: member {i} ({type(m).__name__}) is not fitted")
        classes = members[0].classes_
        for i, m in enumerate(members[1:], 1):
            if len(m.classes_) != len(classes) or np.any(m.classes_ != classes):
                raise ValueError(f"Ensemble: member {i} knows classes {list(m.classes_)}, member 0 {list(classes)}")
        if self.weights is None:
            w = np.full(len(members), 1.0 / len(members))
        else:
            w = np.asarray(self.weights, dtype=np.float64)
            if w.shape != (len(members),) or np.any(w < 0) or w.sum() <= 0:
                raise ValueError(
                    f"Ensemble: weights must be {len(members)} non-negative numbers with a positive "
                    f"sum, got {self.weights!r}"
                )
            w = w / w.sum()
        return members, w

    @property
    def classes_(self):
        return self._check()[0][0].classes_

    def fit(self, X, y):
        """Refit every member on (X, y)."""
        for m in self.members:
            m.fit(X, y)
        return self

    def predict_proba(self, X):
        """The (weighted) mean of the members' class probabilities, (n_samples, n_classes)."""
        members, w = self._check()
        return sum(wi * m.predict_proba(X) for wi, m in zip(w, members))

    def predict(self, X):
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    # --- one file -------------------------------------------------------------------------------------
    def save(self, path, extra=None):
        """Write every member to one `.npz` (atomic, checksummed); `extra`: JSON-able notes kept alongside."""
        members, w = self._check()
        meta = {"weights": [float(v) for v in w], "members": [], "extra": extra or {}}
        arrays = {}
        for i, m in enumerate(members):
            if not isinstance(m, NetworkEstimator):
                raise TypeError(
                    f"Ensemble.save: member {i} is a {type(m).__name__}; only hackgrad estimators "
                    "can be saved without pickle"
                )
            m_meta, m_arrays = m._export(prefix=f"m{i}/")
            meta["members"].append(m_meta)
            arrays.update(m_arrays)
        return write_container(path, "ensemble", meta, arrays)

    @classmethod
    def load(cls, path):
        """Read an ensemble written by `save`; raises ModelFileError (a ValueError) for a damaged file."""
        meta, arrays = read_container(path, "ensemble", what="model file", error=ModelFileError)
        members = []
        try:
            for i, m_meta in enumerate(meta["members"]):
                members.append(_REGISTRY[m_meta["class"]]._restore(m_meta, arrays, prefix=f"m{i}/"))
        except (KeyError, ValueError, TypeError) as err:
            raise ModelFileError(f"{path}: the ensemble's members do not match their arrays ({err})") from None
        ens = cls(members, weights=meta["weights"])
        ens.extra_ = meta.get("extra", {})
        return ens

    def __len__(self):
        return len(list(self.members))

"""Hyperparameter search: k-fold cross-validation, random search with successive halving, a live
leaderboard, ensembles of the best models, run on local processes or a Dask cluster.

Names load on first use, so a worker process that only needs `backends` starts without NumPy (and
can pin its BLAS threads before NumPy loads).
"""

import importlib

_LAZY = {
    "cross_validate": "hackgrad.search.cv",
    "fit_and_score": "hackgrad.search.cv",
    "SearchSpace": "hackgrad.search.space",
    "HalvingRandomSearch": "hackgrad.search.halving",
    "halving_schedule": "hackgrad.search.halving",
    "Ensemble": "hackgrad.search.ensemble",
    "Leaderboard": "hackgrad.search.leaderboard",
    "make_backend": "hackgrad.search.backends",
    "SerialBackend": "hackgrad.search.backends",
    "ProcessBackend": "hackgrad.search.backends",
    "DaskBackend": "hackgrad.search.backends",
}

__all__ = list(_LAZY)


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hackgrad.search' has no attribute {name!r}")

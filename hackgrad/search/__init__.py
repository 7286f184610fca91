"""Hyperparameter search: k-fold cross-validation, random search with successive halving, a live
leaderboard, ensembles of the best models, run on local processes or a Dask cluster.

Names load on first use, so a worker process that only needs `backends` starts without NumPy (and
can pin its BLAS threads before NumPy loads).
"""

from hackgrad.util import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

"""k-fold cross-validation: every sample is validated exactly once, by a model that never trained on it.

Folds come from `hackgrad.data.kfold_indices` (stratified for class labels, seeded), so two models
evaluated with the same seed see exactly the same splits. Each fold is one task (`fit_and_score`, a pure
function) run on a backend: this process, local processes, or a Dask cluster.
"""

import time

import numpy as np

from hackgrad.search.backends import make_backend

__all__ = ["cross_validate", "fit_and_score", "folds_of", "clone"]


def clone(estimator, **overrides):
    """A fresh, unfitted estimator with the same hyperparameters (and `overrides`)."""
    params = estimator.get_params(deep=False)
    params.update(overrides)
    return type(estimator)(**params)


def folds_of(y, k=5, *, stratified=True, seed=0):
    """The k (train_idx, val_idx) pairs, as a list (the same for the same y, k, stratified and seed)."""
    from hackgrad.data import kfold_indices

    return list(kfold_indices(y, k, stratified=stratified, seed=seed))


def _log_loss(proba, y_index):
    p = proba[np.arange(len(y_index)), y_index]
    return float(-np.mean(np.log(np.clip(p, 1e-15, 1.0))))


def fit_and_score(estimator, X, y, train_idx, val_idx, return_estimator=False, catch_divergence=False):
    """Fit a fresh copy of `estimator` on rows `train_idx`, score it on rows `val_idx`.

    Returns {'score', 'log_loss' (None without predict_proba), 'n_iter', 'seconds', 'error'} and the
    fitted estimator under 'estimator' when asked. With `catch_divergence`, a model whose loss blew up
    scores 0 (and log loss infinity) with the reason in 'error', instead of stopping a whole search.
    """
    start = time.perf_counter()
    model = clone(estimator)
    out = {"score": 0.0, "log_loss": float("inf"), "n_iter": 0, "error": None}
    try:
        model.fit(X[train_idx], y[train_idx])
    except FloatingPointError as err:
        if not catch_divergence:
            raise
        out["error"] = str(err)
    else:
        Xv, yv = X[val_idx], y[val_idx]
        out["score"] = float(model.score(Xv, yv))
        out["n_iter"] = int(getattr(model, "n_iter_", 0))
        if hasattr(model, "predict_proba") and hasattr(model, "classes_"):
            out["log_loss"] = _log_loss(model.predict_proba(Xv), np.searchsorted(model.classes_, yv))
        else:
            out["log_loss"] = None
    out["seconds"] = time.perf_counter() - start
    if return_estimator:
        out["estimator"] = model
    return out


def cross_validate(
    estimator,
    X,
    y,
    *,
    folds=5,
    stratified=True,
    seed=0,
    backend=None,
    workers=1,
    scheduler=None,
    return_estimators=False,
):
    """Score `estimator` by k-fold cross-validation; returns a dict with per-fold and summary numbers.

    'scores' (k,), 'mean', 'std', 'log_losses' (None entries without predict_proba), 'n_iter', 'folds',
    and 'estimators' (the k fitted models) with return_estimators. Run on `backend` if given, else on
    `workers` local processes (1: this process) or the Dask `scheduler` (a Client or an address).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or len(X) != len(y):
        raise ValueError(
            f"cross_validate: X must be (n_samples, n_features) with one label per row; got X {X.shape} and y {y.shape}"
        )
    splits = folds_of(y, folds, stratified=stratified, seed=seed)
    own = backend is None
    backend = make_backend(workers, scheduler) if own else backend
    try:
        Xh, yh = backend.put(X), backend.put(y)
        futures = [backend.submit(fit_and_score, estimator, Xh, yh, tr, va, return_estimators) for tr, va in splits]
        results = backend.gather(futures)
    finally:
        if own:
            backend.close()
    scores = np.array([r["score"] for r in results])
    out = {
        "scores": scores,
        "mean": float(scores.mean()),
        "std": float(scores.std()),
        "log_losses": [r["log_loss"] for r in results],
        "n_iter": [r["n_iter"] for r in results],
        "folds": len(splits),
    }
    if return_estimators:
        out["estimators"] = [r["estimator"] for r in results]
    return out

"""Random search with successive halving over network architectures and optimizer settings.

Many configurations start on a small budget (few epochs, few folds); after each round ("rung") only the
best 1/eta go on, with eta times the epochs and more folds, so most of the compute goes to the
configurations that deserve it. The finalists are refit on all the data and averaged into an ensemble.
(This is what ConvNetJS's MagicNet set out to do, with true k-fold cross-validation.)

Every evaluation is a pure task `fit_and_score(estimator, X, y, train_idx, val_idx)` whose estimator
carries its own seed, so a search gives identical results on one process, a pool, or a Dask cluster.
"""

import math
import numbers
import time

import numpy as np

from hackgrad.search.backends import make_backend
from hackgrad.search.cv import clone, fit_and_score, folds_of
from hackgrad.search.ensemble import Ensemble
from hackgrad.search.leaderboard import Leaderboard
from hackgrad.search.space import SearchSpace

__all__ = ["HalvingRandomSearch", "fit_full", "halving_schedule"]

# what every candidate shares: a fixed epoch budget (no early stopping, so the budget means something)
# with a cosine-decayed learning rate, which ends each budget at a small step
DEFAULT_BASE = {"learning_rate": "cosine", "tol": None, "n_iter_no_change": None}


def fit_full(estimator, X, y):
    """Task: a fresh copy of `estimator` fit on all of (X, y)."""
    return clone(estimator).fit(X, y)


def _int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"HalvingRandomSearch: {name} must be an integer >= {low}, got {value!r}")
    return int(value)


def halving_schedule(n_configs, *, eta=3, min_epochs=10, max_epochs=None, folds=5, min_folds=2, top_k=3):
    """The rungs as a list of {'configs', 'epochs', 'folds'}: configs shrink by eta (never below top_k),
    epochs grow by eta (capped at max_epochs), folds grow from min_folds to folds."""
    n_rungs = 1
    while n_configs / eta**n_rungs >= top_k:  # the next rung still has top_k or more configurations
        n_rungs += 1
    rungs = []
    for r in range(n_rungs):
        configs = max(min(top_k, n_configs), math.ceil(n_configs / eta**r))
        epochs = min_epochs * eta**r
        if max_epochs is not None:
            epochs = min(epochs, max_epochs)
        k = folds if n_rungs == 1 else min_folds + round((folds - min_folds) * r / (n_rungs - 1))
        rungs.append({"configs": configs, "epochs": int(epochs), "folds": int(k)})
    return rungs


def _cost(config, epochs, n, n_features, n_classes):
    """Rough relative cost of training a configuration, to start the longest tasks first."""
    sizes = tuple(config.get("hidden_layer_sizes", ()))
    widths = (n_features,) + sizes + (n_classes,)
    n_params = sum(a * b for a, b in zip(widths, widths[1:]))
    per_step = 75_000 * (len(sizes) + 1)  # interpreter overhead per layer and step, in parameter-sample units
    return epochs * n * (n_params + per_step / config.get("batch_size", 200))


class HalvingRandomSearch:
    """Random search + successive halving + k-fold CV + an ensemble of the finalists.

    space        a SearchSpace (default: SearchSpace())
    n_configs    configurations drawn at random
    folds        k of the k-fold CV in the last rung; min_folds in the first
    eta          keep the best 1/eta each rung, give them eta times the epochs
    min_epochs   epochs in the first rung (max_epochs caps later rungs)
    top_k        finalists: refit on all the data, averaged in `ensemble_`
    base_params  fixed MLPClassifier hyperparameters under every configuration (default DEFAULT_BASE)
    seed         draws the configurations, the folds and every model's initial weights
    workers / scheduler / backend   where tasks run (see backends.make_backend); default: one local
                 process per CPU
    quiet        no live leaderboard; stream: where it prints (default stdout)

    After `fit(X, y)`: configs_, schedule_, leaderboard_, best_params_, best_score_ (mean CV accuracy in
    the last rung), best_estimator_ (the best configuration refit on all the data), ensemble_, seconds_.
    `predict`, `predict_proba` and `score` use the ensemble.
    """

    def __init__(
        self,
        space=None,
        *,
        n_configs=27,
        folds=5,
        min_folds=2,
        eta=3,
        min_epochs=10,
        max_epochs=None,
        top_k=3,
        base_params=None,
        seed=0,
        workers=None,
        scheduler=None,
        backend=None,
        quiet=False,
        stream=None,
    ):
        self.space = SearchSpace() if space is None else space
        if not isinstance(self.space, SearchSpace):
            raise TypeError(f"HalvingRandomSearch: space must be a SearchSpace, got {type(space).__name__}")
        self.n_configs = _int("n_configs", n_configs, 1)
        self.folds = _int("folds", folds, 2)
        self.min_folds = _int("min_folds", min_folds, 2)
        if self.min_folds > self.folds:
            raise ValueError(f"HalvingRandomSearch: min_folds ({min_folds}) must be <= folds ({folds})")
        self.eta = _int("eta", eta, 2)
        self.min_epochs = _int("min_epochs", min_epochs, 1)
        self.max_epochs = None if max_epochs is None else _int("max_epochs", max_epochs, 1)
        self.top_k = _int("top_k", top_k, 1)
        self.base_params = dict(DEFAULT_BASE if base_params is None else base_params)
        self.seed = _int("seed", seed, 0)
        self.workers = workers
        self.scheduler = scheduler
        self.backend = backend
        self.quiet = quiet
        self.stream = stream

    def _estimator(self, config_id, config, epochs):
        from hackgrad.estimators import MLPClassifier

        # one seed per configuration: the same initial weights in every fold and every rung
        seed = int(np.random.SeedSequence([self.seed, 1, config_id]).generate_state(1)[0])
        return MLPClassifier(**{**self.base_params, **config, "max_iter": epochs, "random_state": seed})

    def fit(self, X, y):
        """Run the search on (X, y), then refit the finalists on all of it; returns self."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
            raise ValueError(
                f"HalvingRandomSearch.fit: X must be (n_samples, n_features) and y (n_samples,); "
                f"got X {X.shape} and y {y.shape}"
            )
        start = time.perf_counter()
        self.schedule_ = halving_schedule(
            self.n_configs,
            eta=self.eta,
            min_epochs=self.min_epochs,
            max_epochs=self.max_epochs,
            folds=self.folds,
            min_folds=self.min_folds,
            top_k=self.top_k,
        )
        self.configs_ = self.space.sample_many(self.n_configs, self.seed)
        splits = folds_of(y, self.folds, seed=self.seed)
        board = Leaderboard(quiet=self.quiet, stream=self.stream)
        own = self.backend is None
        backend = make_backend(self.workers, self.scheduler) if own else self.backend
        try:
            Xh, yh = backend.put(X), backend.put(y)
            alive = list(range(self.n_configs))
            for r, rung in enumerate(self.schedule_):
                alive = alive[: rung["configs"]]
                k, epochs = rung["folds"], rung["epochs"]
                board.say(
                    f"rung {r + 1}/{len(self.schedule_)}: {len(alive)} configs x {k} folds x {epochs} epochs "
                    f"on {backend!r}"
                )
                t0 = time.perf_counter()
                tasks = [(cid, f) for cid in alive for f in range(k)]
                sizes = (len(X), X.shape[1], len(np.unique(y)))
                # longest first, so no worker is left with a big task at the end of the rung
                order = sorted(range(len(tasks)), key=lambda i: -_cost(self.configs_[tasks[i][0]], epochs, *sizes))
                futures = {}
                for i in order:
                    cid, f = tasks[i]
                    tr, va = splits[f]
                    futures[i] = backend.submit(
                        fit_and_score,
                        self._estimator(cid, self.configs_[cid], epochs),
                        Xh,
                        yh,
                        tr,
                        va,
                        False,
                        True,
                    )
                results = dict(zip(order, backend.gather([futures[i] for i in order])))
                for j, cid in enumerate(alive):
                    res = [results[j * k + f] for f in range(k)]
                    scores = np.array([q["score"] for q in res])
                    losses = [q["log_loss"] for q in res]
                    errors = [q["error"] for q in res if q["error"]]
                    board.record(
                        cid,
                        self.configs_[cid],
                        rung=r,
                        epochs=epochs,
                        folds=k,
                        score=scores.mean(),
                        std=scores.std(),
                        log_loss=float(np.mean(losses)),
                        seconds=sum(q["seconds"] for q in res),
                        error=errors[0] if errors else None,
                    )
                board.show(f"after rung {r + 1}/{len(self.schedule_)} ({time.perf_counter() - t0:.1f} s):", rung=r)
                alive = [row["id"] for row in board.ranked(rung=r)]
            finalists = [row for row in board.ranked(rung=len(self.schedule_) - 1) if not row["error"]][: self.top_k]
            if not finalists:
                raise RuntimeError("HalvingRandomSearch: every configuration diverged; lower the learning_rate range")
            final_epochs = self.schedule_[-1]["epochs"]
            board.say(f"refitting the top {len(finalists)} on all {len(X)} samples ({final_epochs} epochs)")
            futures = [
                backend.submit(fit_full, self._estimator(row["id"], row["config"], final_epochs), Xh, yh)
                for row in finalists
            ]
            members = backend.gather(futures)
        finally:
            if own:
                backend.close()
        self.leaderboard_ = board
        self.best_params_ = dict(finalists[0]["config"])
        self.best_score_ = finalists[0]["score"]
        self.best_id_ = finalists[0]["id"]
        self.best_estimator_ = members[0]
        self.ensemble_ = Ensemble(members)
        self.seconds_ = time.perf_counter() - start
        return self

    def predict_proba(self, X):
        return self.ensemble_.predict_proba(X)

    def predict(self, X):
        return self.ensemble_.predict(X)

    def score(self, X, y):
        """Accuracy of the ensemble on (X, y)."""
        return float(np.mean(self.predict(X) == np.asarray(y)))

    def results(self):
        """A JSON-able summary: schedule, ranked leaderboard, best configuration and its CV score."""
        return {
            "schedule": self.schedule_,
            "leaderboard": self.leaderboard_.to_list(),
            "best_id": self.best_id_,
            "best_score": self.best_score_,
            "seconds": self.seconds_,
        }

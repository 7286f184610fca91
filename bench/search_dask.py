"""The same hyperparameter search on a Dask LocalCluster with 1 and with 2 worker processes; prints JSON.

Reports both wall times and the speedup (tasks are whole fold-trainings, coarse enough that scheduling
overhead is small; each count runs `--repeats` times, alternating, and its fastest run counts), checks
that every run produced identical numbers, and compares the search's best model and ensemble with
hackgrad's default MLPClassifier and scikit-learn's default MLPClassifier on digits: cross-validated on
the same 5 folds of the training split, and on a held-out test split.

    python bench/search_dask.py                  # 18 configurations, folds 2 -> 5, epochs 15 -> 45
    python bench/search_dask.py --n-configs 27   # a longer search (three rungs)
"""

import argparse
import importlib
import json
import os
import statistics
import sys
import time
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one BLAS thread per process: the workers are the parallelism
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402


def _warm(client):
    """Import the task code in every worker first, so neither timing counts interpreter start-up."""
    for name in ("hackgrad.estimators", "hackgrad.search.cv", "hackgrad.nn", "hackgrad.optim"):
        client.run(importlib.import_module, name)


def timed_search(n_workers, search_kwargs, X, y):
    from dask.distributed import Client, LocalCluster

    from hackgrad.search import HalvingRandomSearch

    with (
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        client.wait_for_workers(n_workers)
        _warm(client)
        start = time.perf_counter()
        search = HalvingRandomSearch(scheduler=client, **search_kwargs).fit(X, y)
        return search, time.perf_counter() - start


def numbers(search):
    return [(r["id"], r["rung"], r["score"], r["log_loss"]) for r in search.leaderboard_.to_list()]


def baselines(X_train, y_train, X_test, y_test, folds):
    """5-fold CV (the search's folds) and held-out test accuracy of the two default MLPClassifiers."""
    from sklearn.neural_network import MLPClassifier as SkMLP

    from hackgrad.estimators import MLPClassifier

    makers = {
        "hackgrad_default": lambda: MLPClassifier(random_state=0),
        "sklearn_default": lambda: SkMLP(random_state=0, max_iter=2000),
    }
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, make in makers.items():
            cv = [make().fit(X_train[tr], y_train[tr]).score(X_train[va], y_train[va]) for tr, va in folds]
            out[f"{name}_cv"] = round(float(np.mean(cv)), 4)
            out[f"{name}_test"] = round(float(make().fit(X_train, y_train).score(X_test, y_test)), 4)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-configs", type=int, default=18)
    parser.add_argument("--min-epochs", type=int, default=15)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per worker count (the fastest counts)")
    args = parser.parse_args(argv)

    from hackgrad.data import load_digits, train_test_split
    from hackgrad.search.cv import folds_of

    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=args.seed)
    kw = dict(
        n_configs=args.n_configs, folds=args.folds, min_epochs=args.min_epochs, top_k=3, seed=args.seed, quiet=True
    )
    # alternate 1 and 2 workers and keep each one's fastest run: on a shared machine the minimum is the
    # run least disturbed by other processes
    load_before = os.getloadavg()[0]
    walls, searches, busy = {1: [], 2: []}, {1: [], 2: []}, {1: [], 2: []}
    for _ in range(args.repeats):
        for n_workers in (1, 2):
            search, wall = timed_search(n_workers, kw, X_train, y_train)
            walls[n_workers].append(round(wall, 2))
            searches[n_workers].append(search)
            # seconds spent inside the CV tasks themselves, summed over workers (the refits not included)
            busy[n_workers].append(round(sum(r["seconds"] for r in search.leaderboard_.history), 2))
    first = searches[1][0]
    two = searches[2][0]
    identical = all(
        numbers(s) == numbers(first) and np.array_equal(s.predict_proba(X_test), first.predict_proba(X_test))
        for s in searches[1] + searches[2]
    )
    result = {
        "bench": "search_dask",
        "data": "digits",
        "n_train": len(X_train),
        "n_test": len(X_test),
        "schedule": first.schedule_,
        "cpus": len(os.sched_getaffinity(0)),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
        "walls_1_worker_s": walls[1],
        "walls_2_workers_s": walls[2],
        "task_seconds_1_worker": busy[1],
        "task_seconds_2_workers": busy[2],
        "wall_1_worker_s": min(walls[1]),
        "wall_2_workers_s": min(walls[2]),
        "speedup": round(min(walls[1]) / min(walls[2]), 3),
        # the repository's other convention (bench/_common.py): the median of per-round ratios
        "per_round_speedups": [round(a / b, 3) for a, b in zip(walls[1], walls[2])],
        "median_speedup": round(statistics.median(a / b for a, b in zip(walls[1], walls[2])), 3),
        "identical_results": bool(identical),
        "search_best_config": {k: list(v) if isinstance(v, tuple) else v for k, v in two.best_params_.items()},
        "search_best_cv": round(two.best_score_, 4),
        "search_best_test": round(float(two.best_estimator_.score(X_test, y_test)), 4),
        "search_ensemble_test": round(float(two.ensemble_.score(X_test, y_test)), 4),
    }
    result.update(baselines(X_train, y_train, X_test, y_test, folds_of(y_train, args.folds, seed=args.seed)))
    result["search_beats_defaults"] = bool(
        result["search_best_cv"] > max(result["hackgrad_default_cv"], result["sklearn_default_cv"])
        and result["search_ensemble_test"] > max(result["hackgrad_default_test"], result["sklearn_default_test"])
    )
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()

"""`hackgrad search`: random search with successive halving and k-fold CV on a bundled data set.

    hackgrad search --data digits --n-configs 27 --folds 5 --workers 2 --seed 0 --out runs/search

holds out a stratified test split, searches on the rest (printing the leaderboard as rungs finish),
reports the test accuracy of the best model and of the ensemble of finalists, and saves the ensemble
(`ensemble.npz`) and the leaderboard (`leaderboard.json`) in --out. Heavy imports wait for `run`.
"""

import argparse

from hackgrad.util import at_least

DATASETS = ("digits", "iris", "wine", "breast_cancer")


def _int_at_least(low):
    return at_least(int, low, f"an integer >= {low}")


def _fraction(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction strictly between 0 and 1, got {value}")
    return value


def add_arguments(parser):
    parser.add_argument("--data", choices=DATASETS, default="digits", help="data set (default: digits)")
    parser.add_argument("--n-configs", type=_int_at_least(1), default=27, help="random configurations (default 27)")
    parser.add_argument("--folds", type=_int_at_least(2), default=5, help="k-fold CV in the last rung (default 5)")
    parser.add_argument("--min-folds", type=_int_at_least(2), default=2, help="folds in the first rung (default 2)")
    parser.add_argument("--eta", type=_int_at_least(2), default=3, help="keep the best 1/eta per rung (default 3)")
    parser.add_argument("--min-epochs", type=_int_at_least(1), default=10, help="epochs in the first rung (default 10)")
    parser.add_argument("--max-epochs", type=_int_at_least(1), default=None, help="cap on epochs in any rung")
    parser.add_argument("--top-k", type=_int_at_least(1), default=3, help="models in the ensemble (default 3)")
    parser.add_argument("--test-size", type=_fraction, default=0.2, help="held-out fraction (default 0.2)")
    parser.add_argument(
        "--workers",
        type=_int_at_least(1),
        default=None,
        help="local worker processes (default: one per CPU; 1 runs in this process)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run on a Dask cluster, e.g. tcp://127.0.0.1:8786 (overrides --workers)",
    )
    parser.add_argument("--seed", type=_int_at_least(0), default=0, help="seed for configs, folds, weights, split")
    parser.add_argument("--out", metavar="DIR", default=None, help="save ensemble.npz and leaderboard.json here")
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")


def run(args):
    import json
    import os

    from hackgrad import data
    from hackgrad.search.backends import make_backend
    from hackgrad.search.halving import HalvingRandomSearch

    if args.min_folds > args.folds:
        raise SystemExit(f"hackgrad search: --min-folds ({args.min_folds}) must be <= --folds ({args.folds})")
    X, y = getattr(data, f"load_{args.data}")()
    X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_size=args.test_size, seed=args.seed)
    try:
        backend = make_backend(args.workers, args.scheduler)
    except (ValueError, ConnectionError, ImportError) as err:
        raise SystemExit(f"hackgrad search: {err}") from None
    search = HalvingRandomSearch(
        n_configs=args.n_configs,
        folds=args.folds,
        min_folds=args.min_folds,
        eta=args.eta,
        min_epochs=args.min_epochs,
        max_epochs=args.max_epochs,
        top_k=args.top_k,
        seed=args.seed,
        backend=backend,
        quiet=args.quiet,
    )
    with backend:
        search.fit(X_train, y_train)
    best_test = float(search.best_estimator_.score(X_test, y_test))
    ens_test = float(search.ensemble_.score(X_test, y_test))
    summary = {
        "data": args.data,
        "n_train": len(X_train),
        "n_test": len(X_test),
        "seconds": round(search.seconds_, 2),
        "best_id": search.best_id_,
        "best_cv_accuracy": round(search.best_score_, 4),
        "best_test_accuracy": round(best_test, 4),
        "ensemble_size": len(search.ensemble_),
        "ensemble_test_accuracy": round(ens_test, 4),
        "best_config": search.best_params_,
    }
    if not args.quiet:
        print("final leaderboard:")
        print(search.leaderboard_.format(top=10))
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        path = search.ensemble_.save(
            os.path.join(args.out, "ensemble.npz"),
            extra={"data": args.data, "seed": args.seed, "summary": summary},
        )
        from hackgrad.io import atomic_write

        with atomic_write(os.path.join(args.out, "leaderboard.json"), "w") as f:
            json.dump(search.results(), f, indent=1)
        summary["saved"] = path
    print(f"best model (id {search.best_id_}): CV accuracy {search.best_score_:.4f}, test accuracy {best_test:.4f}")
    print(f"ensemble of {len(search.ensemble_)}: test accuracy {ens_test:.4f}")
    if args.out:
        print(f"saved {summary['saved']} and {os.path.join(args.out, 'leaderboard.json')}")
    return 0

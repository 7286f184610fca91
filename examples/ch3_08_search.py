"""Chapter 3, hyperparameter search with cross-validation, from Python.

A test split is put aside first and touched once, at the end. On the rest: 5-fold cross-validation of the
default MLPClassifier (mean and spread over folds), then a random search with successive halving
(`HalvingRandomSearch`: many configurations on few epochs and 2 folds, the best third on 3x the epochs and
more folds, ...), and the winner's test accuracy. Scikit-learn's 8x8 digits.
Run: python examples/ch3_08_search.py
"""

import warnings

from hackgrad.data import load_digits, train_test_split
from hackgrad.estimators import MLPClassifier
from hackgrad.search import HalvingRandomSearch, SearchSpace, cross_validate


def main(n_configs=9, seed=0, verbose=True):
    X, y = load_digits()
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short rungs stop before the loss settles, by design
        cv = cross_validate(MLPClassifier(max_iter=30, random_state=seed), Xtr, ytr, folds=5, seed=seed, workers=1)
        space = SearchSpace(depth=(1, 2), widths=(32, 64, 128), learning_rate=(1e-3, 3e-2), alpha=(1e-6, 1e-2))
        search = HalvingRandomSearch(space, n_configs=n_configs, folds=3, min_folds=2, eta=3, min_epochs=5,
                                     top_k=1, seed=seed, workers=1, quiet=True).fit(Xtr, ytr)
    results = {"default_cv_mean": cv["mean"], "default_cv_std": cv["std"], "best_cv": search.best_score_,
               "best_params": search.best_params_, "test": float(search.best_estimator_.score(Xte, yte))}
    if verbose:
        print(f"digits: {len(Xtr)} for search, {len(Xte)} held out")
        print(f"default MLPClassifier(max_iter=30), 5-fold CV: {cv['mean']:.4f} +- {cv['std']:.4f}")
        print(f"halving random search over {n_configs} configurations, best CV accuracy: {search.best_score_:.4f}")
        print("best:", {k: v for k, v in search.best_params_.items()})
        print(f"best configuration refit on all search data, held-out test accuracy: {results['test']:.4f}")
    return results


if __name__ == "__main__":
    main()

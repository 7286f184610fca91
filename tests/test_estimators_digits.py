"""On scikit-learn's digits, our MLPClassifier with its default settings is at least as accurate as
scikit-learn's MLPClassifier with its defaults, under 5-fold stratified cross-validation on the same folds.

Both get the same random_state; scikit-learn's gets max_iter=2000 so that its own stopping rule, not
the epoch cap, ends training (it stops after about 150 epochs). Ours differs from scikit-learn's
defaults in one way: it standardizes the inputs.
"""

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.neural_network import MLPClassifier as SkMLPClassifier  # noqa: E402

from hackgrad.data import kfold_indices, load_digits  # noqa: E402
from hackgrad.estimators import MLPClassifier  # noqa: E402


def test_default_mlp_matches_or_beats_sklearn_on_digits_5fold():
    X, y = load_digits()
    folds = list(kfold_indices(y, k=5, stratified=True, seed=0))
    ours, theirs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for train, val in folds:
            ours.append(MLPClassifier(random_state=0).fit(X[train], y[train]).score(X[val], y[val]))
            sk = SkMLPClassifier(random_state=0, max_iter=2000).fit(X[train], y[train])
            assert sk.n_iter_ < 2000  # scikit-learn converged by its own rule
            theirs.append(sk.score(X[val], y[val]))
    ours, theirs = np.mean(ours), np.mean(theirs)
    print(f"digits 5-fold accuracy: hackgrad {ours:.4f}, scikit-learn {theirs:.4f}")
    assert ours >= theirs
    assert ours > 0.97

"""Chapter 3, regression: the classifier's circuit with a tiny change to its cost (squared error) and L2.

Diabetes progression from 10 measurements (442 patients) is nearly linear, so a linear model with a
well-chosen L2 (scikit-learn's RidgeCV picks its strength by leave-one-out) is the bar to clear. The same
five folds score both; targets are standardized inside each fit (predictions scaled back).
Run: python examples/ch3_02_regression.py   (needs scikit-learn, which ships the data)
"""

import warnings

import numpy as np

from hackgrad.data import kfold_indices, load_diabetes
from hackgrad.estimators import MLPRegressor
from hackgrad.train.metrics import r2_score


def cross_validated_r2(make, X, y, folds):
    scores = []
    for train, test in folds:
        model = make().fit(X[train], y[train])
        scores.append(r2_score(y[test], model.predict(X[test])))
    return float(np.mean(scores))


def main(k=5, seed=0, verbose=True):
    from sklearn.linear_model import RidgeCV

    X, y = load_diabetes()
    folds = list(kfold_indices(len(y), k, stratified=False, seed=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning per fit would bury the table
        results = {
            "RidgeCV (scikit-learn)": cross_validated_r2(lambda: RidgeCV(alphas=np.logspace(-3, 3, 13)), X, y, folds),
            "MLPRegressor()": cross_validated_r2(lambda: MLPRegressor(random_state=seed), X, y, folds),
            "MLPRegressor(alpha=1e-4)": cross_validated_r2(
                lambda: MLPRegressor(alpha=1e-4, random_state=seed), X, y, folds),
        }
    if verbose:
        print(f"diabetes, {k}-fold cross-validated R2 on the same folds (seed {seed}):")
        for name, r2 in results.items():
            print(f"  {name:<26} {r2:.4f}")
        print("the default alpha=0.1 is the guide's L2: without it the net fits the noise")
    return results


if __name__ == "__main__":
    main()

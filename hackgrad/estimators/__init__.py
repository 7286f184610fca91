"""scikit-learn estimators built on hackgrad networks: `SVMClassifier`, `SoftmaxClassifier`,
`MLPClassifier`, `MLPRegressor`.

They follow scikit-learn's conventions (fit returns self, hyperparameters as keyword arguments,
learned attributes end in `_`) and subclass its base classes when it is installed, so they work in
Pipelines, `cross_val_score` and `GridSearchCV`. scikit-learn itself is optional. `est.save(path)` /
`load(path)` keep a fitted estimator in one `.npz` file without pickle.
"""

from hackgrad.estimators.base import ModelFileError, NetworkEstimator, load
from hackgrad.estimators.linear import SoftmaxClassifier, SVMClassifier
from hackgrad.estimators.mlp import MLPClassifier, MLPRegressor

__all__ = [
    "SVMClassifier",
    "SoftmaxClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "NetworkEstimator",
    "load",
    "ModelFileError",
]

"""What the estimators borrow from scikit-learn when it is installed, and small stand-ins when it is not.

scikit-learn is optional: with it, the estimators subclass its `BaseEstimator` and mixins (so they work in
Pipelines, `cross_val_score`, `GridSearchCV`, and pass its estimator checks) and validate input with its own
functions (so error messages match the ecosystem's). Without it, the stand-ins below give the same surface:
`get_params`/`set_params`, `score`, the same validation rules with plain NumPy.
"""

import inspect
import numbers
import warnings

import numpy as np

try:  # the one place that decides; everything else imports these names from here
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning, NotFittedError
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted

    try:  # scikit-learn >= 1.6
        from sklearn.utils.validation import validate_data as _sk_validate_data
    except ImportError:  # pragma: no cover - older scikit-learn validates through a method
        _sk_validate_data = None
    HAVE_SKLEARN = True
except ImportError:  # pragma: no cover - exercised only where scikit-learn is absent
    HAVE_SKLEARN = False
    _sk_validate_data = None

    class NotFittedError(ValueError, AttributeError):
        """Raised when predict/score is called before fit."""

    class ConvergenceWarning(UserWarning):
        """Training stopped at max_iter before the loss settled."""

    class BaseEstimator:
        """Hyperparameters are the keyword arguments of __init__, read back by get_params."""

        @classmethod
        def _get_param_names(cls):
            sig = inspect.signature(cls.__init__)
            return sorted(p.name for p in sig.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD)

        def get_params(self, deep=True):
            return {name: getattr(self, name) for name in self._get_param_names()}

        def set_params(self, **params):
            valid = self._get_param_names()
            for key, value in params.items():
                if key not in valid:
                    raise ValueError(
                        f"Invalid parameter {key!r} for estimator {type(self).__name__}. Valid parameters are: {valid}"
                    )
                setattr(self, key, value)
            return self

        def __repr__(self):
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
            return f"{type(self).__name__}({args})"

    class ClassifierMixin:
        _estimator_type = "classifier"

        def score(self, X, y, sample_weight=None):
            """Mean accuracy of predict(X) against y."""
            return float(np.average(self.predict(X) == np.asarray(y), weights=sample_weight))

    class RegressorMixin:
        _estimator_type = "regressor"

        def score(self, X, y, sample_weight=None):
            """Coefficient of determination R^2 of predict(X) against y (averaged over outputs)."""
            y = np.asarray(y, dtype=np.float64)
            pred = np.asarray(self.predict(X), dtype=np.float64).reshape(y.shape)
            w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
            w = w.reshape((-1,) + (1,) * (y.ndim - 1))
            ss_res = (w * (y - pred) ** 2).sum(axis=0)
            ss_tot = (w * (y - np.average(y, axis=0, weights=w.ravel())) ** 2).sum(axis=0)
            return float(np.mean(1 - ss_res / np.where(ss_tot == 0, 1, ss_tot)))

    def check_is_fitted(estimator, attributes=None):
        if not [k for k in vars(estimator) if k.endswith("_") and not k.startswith("__")]:
            raise NotFittedError(
                f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with appropriate "
                "arguments before using this estimator."
            )

    def check_classification_targets(y):
        if y.dtype.kind == "f" and not np.all(y == np.round(y)):
            raise ValueError("Unknown label type: continuous. Class labels must be discrete (ints or strings).")


__all__ = [
    "HAVE_SKLEARN",
    "BaseEstimator",
    "ClassifierMixin",
    "RegressorMixin",
    "NotFittedError",
    "ConvergenceWarning",
    "check_is_fitted",
    "check_classification_targets",
    "validate_data",
]

_FLOATS = (np.float64, np.float32)


NO_Y = "no_validation"  # scikit-learn's own marker for "validate X only" (so fit(X, None) is caught)


def validate_data(estimator, X, y=NO_Y, *, reset, multi_output=False, y_numeric=False):
    """Check X (and y) and record or compare `n_features_in_`; returns X, or (X, y) when y is passed.

    X becomes a 2-D float array (float32 kept, anything else float64) with no NaN or infinity; on `reset`
    (fit) the number of features is stored, otherwise it must match the stored one.
    """
    kwargs = dict(dtype=list(_FLOATS), ensure_all_finite=True)
    if isinstance(y, str) and y == NO_Y:
        if _sk_validate_data is not None:
            return _sk_validate_data(estimator, X, reset=reset, **kwargs)
        if HAVE_SKLEARN:  # pragma: no cover - scikit-learn < 1.6
            return estimator._validate_data(X, reset=reset, dtype=list(_FLOATS), force_all_finite=True)
        return _plain_validate(estimator, X, NO_Y, reset, multi_output)
    kwargs.update(multi_output=multi_output, y_numeric=y_numeric)
    if _sk_validate_data is not None:
        return _sk_validate_data(estimator, X, y, reset=reset, **kwargs)
    if HAVE_SKLEARN:  # pragma: no cover - scikit-learn < 1.6
        kwargs["force_all_finite"] = kwargs.pop("ensure_all_finite")
        return estimator._validate_data(X, y, reset=reset, **kwargs)
    return _plain_validate(estimator, X, y, reset, multi_output)  # pragma: no cover


def _plain_validate(estimator, X, y, reset, multi_output):  # pragma: no cover - without scikit-learn
    name = type(estimator).__name__
    if y is None:
        raise ValueError(f"{name} requires y to be passed, but the target y is None")
    if hasattr(X, "toarray"):
        raise TypeError(f"{name}: sparse input is not supported; pass a dense array (X.toarray())")
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array X of shape (n_samples, n_features), got shape {X.shape}")
    if X.dtype.kind not in "fiub":
        X = X.astype(np.float64)
    elif X.dtype not in _FLOATS:
        X = X.astype(np.float64)
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name}: X has shape {X.shape}; at least one sample and one feature are required")
    if not np.isfinite(X).all():
        raise ValueError(f"{name}: Input X contains NaN or infinity")
    if reset:
        estimator.n_features_in_ = X.shape[1]
    elif X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {name} is expecting {estimator.n_features_in_} features as input"
        )
    if isinstance(y, str) and y == NO_Y:
        return X
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1 and not multi_output:
        warnings.warn("A column-vector y was passed when a 1d array was expected", UserWarning, stacklevel=3)
        y = y.ravel()
    if len(y) != len(X):
        raise ValueError(f"{name}: X has {len(X)} samples but y has {len(y)}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{name}: Input y contains NaN or infinity")
    return X, y


def check_random_state_seed(random_state):
    """An int seed from `random_state`: None (fresh entropy), an int, or a NumPy Generator/RandomState.

    Training draws every random number from one Generator seeded with this int, so a fixed `random_state`
    fixes the fit.
    """
    if random_state is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if random_state < 0:
            raise ValueError(f"random_state must be None, an integer >= 0 or a NumPy generator, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    raise ValueError(f"random_state must be None, an integer >= 0 or a NumPy generator, got {random_state!r}")


def signature_defaults(cls):
    """{name: default} of a class's __init__ keyword arguments (a fresh instance's `get_params`)."""
    return {
        p.name: p.default
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.name != "self" and p.default is not p.empty
    }

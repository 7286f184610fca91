"""Multi-layer perceptrons as scikit-learn estimators: `MLPClassifier` (softmax cross-entropy) and
`MLPRegressor` (mean squared error), with scikit-learn's hyperparameter names where the idea is the same.
"""

import numpy as np

from hackgrad.estimators._sklearn import RegressorMixin, validate_data
from hackgrad.estimators.base import (
    ACTIVATIONS,
    NetworkEstimator,
    ProbabilisticClassifier,
    _choice,
    _number,
    build_mlp,
    keep_params,
)

__all__ = ["MLPClassifier", "MLPRegressor"]


def _check_architecture(est):
    name = type(est).__name__
    sizes = est.hidden_layer_sizes
    if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
        sizes = (sizes,)
    try:
        if isinstance(sizes, str):
            raise TypeError
        sizes = tuple(sizes)
    except TypeError:
        raise ValueError(
            f"{name}: hidden_layer_sizes must be a tuple of positive ints, got {est.hidden_layer_sizes!r}"
        ) from None
    for width in sizes:
        _number(name, "each of hidden_layer_sizes", width, low=1, integer=True)
    _choice(name, "activation", est.activation, ACTIVATIONS)
    _number(name, "dropout", est.dropout, low=0, high=1)
    if est.dropout >= 1:
        raise ValueError(f"{name}: dropout must be < 1 (the probability of dropping a unit), got {est.dropout}")
    return tuple(int(w) for w in sizes)


class _Perceptron:
    """What both perceptrons share: their hyperparameters (stored as given, as scikit-learn requires) and
    their network. A mixin placed first, so its `__init__` is the one scikit-learn's `get_params` reads."""

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        dropout=0.0,
        alpha=1e-4,
        solver="adam",
        learning_rate_init=1e-3,
        learning_rate="constant",
        momentum=0.9,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        standardize=True,
        dtype="float32",
        random_state=None,
        verbose=False,
    ):
        keep_params(self, locals())

    def _check_hyperparameters(self):
        self._check_common()
        _check_architecture(self)

    def _network(self, n_in, n_out, dtype, rng):
        return build_mlp(
            n_in,
            _check_architecture(self),
            n_out,
            activation=self.activation,
            dropout=float(self.dropout),
            dtype=dtype,
            rng=rng,
        )


class MLPClassifier(_Perceptron, ProbabilisticClassifier):
    """A multi-layer perceptron classifier: Linear -> activation (-> Dropout) per hidden layer, then a
    Linear to one score per class, trained on softmax cross-entropy.

    Hyperparameters: hidden_layer_sizes (widths, e.g. (256, 128)), activation ('relu', 'tanh',
    'sigmoid', 'identity'), dropout (probability of dropping a hidden unit while training), and the
    training ones of NetworkEstimator (solver, learning_rate_init, learning_rate, alpha, batch_size,
    max_iter, tol, n_iter_no_change, momentum, standardize, dtype, random_state, verbose). The defaults
    are scikit-learn's MLPClassifier's (one hidden layer of 100 ReLUs, Adam at 1e-3, alpha 1e-4, batches
    of 200, up to 200 epochs), except that inputs are standardized.

    Learned: classes_, model_ (an nn.Sequential), n_features_in_, loss_curve_, loss_, n_iter_,
    x_mean_, x_scale_.
    """


class MLPRegressor(_Perceptron, RegressorMixin, NetworkEstimator):
    """A multi-layer perceptron regressor trained on mean squared error; y may be (n,) or (n, n_outputs).

    With `standardize` both the inputs and the targets are scaled to zero mean and unit variance for
    training (predictions are scaled back), so the default learning rate suits targets of any size.
    Hyperparameters as MLPClassifier's, except two defaults: alpha=0.1 (the guide's L2; on the nearly
    linear diabetes data it is what lets the net match RidgeCV) and learning_rate_init=1e-2.
    Learned: model_, n_features_in_, loss_curve_, loss_, n_iter_, x_mean_, x_scale_, y_mean_, y_scale_.
    """

    _extra_arrays = ("y_mean_", "y_scale_")
    _extra_meta = ("_y_1d",)

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="relu",
        dropout=0.0,
        alpha=0.1,  # regression data is often nearly linear: L2 keeps the net close to a smooth fit
        solver="adam",
        learning_rate_init=1e-2,  # small data sets give few steps per epoch; 1e-3 stops short of the fit
        learning_rate="constant",
        momentum=0.9,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        standardize=True,
        dtype="float32",
        random_state=None,
        verbose=False,
    ):
        # the classifier's hyperparameters with two regression defaults (scikit-learn reads this signature)
        super().__init__(
            hidden_layer_sizes, activation=activation, dropout=dropout, alpha=alpha, solver=solver,
            learning_rate_init=learning_rate_init, learning_rate=learning_rate, momentum=momentum,
            batch_size=batch_size, max_iter=max_iter, tol=tol, n_iter_no_change=n_iter_no_change,
            standardize=standardize, dtype=dtype, random_state=random_state, verbose=verbose,
        )

    def _loss(self, scores, targets):
        from hackgrad.nn import functional as F

        return F.mse_loss(scores, targets)

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and real targets y (n_samples,) or (n_samples, n_outputs)."""
        self._check_hyperparameters()
        X, y = validate_data(self, X, y, reset=True, multi_output=True, y_numeric=True)
        y = np.asarray(y, dtype=np.float64)
        self._y_1d = y.ndim == 1
        Y = y.reshape(len(y), -1)
        if self.standardize:
            self.y_mean_ = Y.mean(axis=0)
            scale = Y.std(axis=0)
            self.y_scale_ = np.where(scale > 1e-12 * (1 + np.abs(self.y_mean_)), scale, 1.0)
        else:
            self.y_mean_, self.y_scale_ = np.zeros(Y.shape[1]), np.ones(Y.shape[1])
        Xs = self._fit_scaler(X)
        T = ((Y - self.y_mean_) / self.y_scale_).astype(self._dtype())
        return self._train(Xs, T, Y.shape[1])

    def predict(self, X):
        """Predicted targets, float64: (n_samples,) if fit saw a 1-D y, else (n_samples, n_outputs)."""
        out = self._forward(self._check_X(X)) * self.y_scale_ + self.y_mean_
        return out[:, 0] if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _more_tags(self):  # scikit-learn < 1.6
        return {"multioutput": True}

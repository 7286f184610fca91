"""The part every estimator shares: hyperparameter checks, input scaling, the mini-batch training loop,
and saving to one model file.

An estimator here is a scikit-learn estimator whose model is a hackgrad network (`model_`, an
`nn.Sequential`). Hyperparameters are the keyword arguments of `__init__`, stored as given and checked
only in `fit`; everything learned ends in `_`. One `numpy.random.Generator`, seeded from `random_state`,
draws the initial weights, the shuffles and the dropout masks, so a fixed `random_state` fixes the fit.
"""

import json
import math
import numbers
import sys
import warnings

import numpy as np

from hackgrad.autograd import Tensor, no_grad
from hackgrad.estimators._sklearn import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_classification_targets,
    check_is_fitted,
    check_random_state_seed,
    validate_data,
)
from hackgrad.io import ContainerError, read_container, write_container
from hackgrad.train.step import model_dtype, train_epoch

__all__ = [
    "NetworkEstimator",
    "NetworkClassifier",
    "ProbabilisticClassifier",
    "build_mlp",
    "load",
    "ACTIVATIONS",
    "SOLVERS",
    "SCHEDULES",
]

ACTIVATIONS = ("relu", "tanh", "sigmoid", "identity")
SOLVERS = ("adam", "adamw", "sgd")
SCHEDULES = ("constant", "cosine")
_DTYPES = {"float32": np.float32, "float64": np.float64}


class ModelFileError(ContainerError):
    """An estimator or ensemble file that is missing, truncated, damaged or not a hackgrad model file."""


_REGISTRY = {}  # class name -> class, so a model file can say which estimator it holds


def _choice(owner, name, value, valid):
    if not isinstance(value, str) or value not in valid:
        raise ValueError(f"{owner}: unknown {name} {value!r}; valid choices are {', '.join(map(repr, valid))}")
    return value


def _number(owner, name, value, *, low=None, high=None, integer=False, low_open=False, allow_none=False):
    if value is None and allow_none:
        return None
    kind = numbers.Integral if integer else numbers.Real
    ok = isinstance(value, kind) and not isinstance(value, bool) and (integer or math.isfinite(value))
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        lo = "" if low is None else (f" > {low}" if low_open else f" >= {low}")
        hi = "" if high is None else f" and <= {high}"
        what = "an integer" if integer else "a number"
        none = " (or None)" if allow_none else ""
        raise ValueError(f"{owner}: {name} must be {what}{lo}{hi}{none}, got {value!r}")
    return value


def build_mlp(n_in, hidden, n_out, *, activation="relu", dropout=0.0, dtype=np.float32, rng):
    """Linear -> activation (-> Dropout) for each width in `hidden`, then a Linear to `n_out` scores.

    Hidden weights start with He (ReLU) or Glorot (the squashing units) scaling and biases at zero, so
    the scale of the activations holds steady with depth; every draw comes from `rng`.
    """
    from hackgrad import nn

    act = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}[activation]
    layers = []
    for width in hidden:
        lin = nn.Linear(n_in, width, dtype=dtype, rng=rng)
        if activation == "relu":
            nn.init.kaiming_uniform_(lin.weight, nonlinearity="relu", rng=rng)
        else:
            nn.init.xavier_uniform_(
                lin.weight,
                gain=nn.init.calculate_gain(activation if activation != "identity" else "linear"),
                rng=rng,
            )
        nn.init.zeros_(lin.bias)
        layers += [lin, act()]
        if dropout > 0:
            layers.append(nn.Dropout(dropout, rng=rng))
        n_in = width
    head = nn.Linear(n_in, n_out, dtype=dtype, rng=rng)
    nn.init.xavier_uniform_(head.weight, rng=rng)
    nn.init.zeros_(head.bias)
    layers.append(head)
    return nn.Sequential(*layers)


class NetworkEstimator(BaseEstimator):
    """Base of the estimators: subclasses set the network (`_network(n_in, n_out, dtype, rng)`), the loss
    (`_loss(scores, targets)`) and fit/predict; this class trains and saves.

    Shared hyperparameters (each subclass lists them in its own `__init__`, as scikit-learn requires):
    solver ('adam', 'adamw', 'sgd'), learning_rate_init, learning_rate ('constant' or 'cosine', the
    per-epoch schedule), momentum (sgd), alpha (L2 penalty 0.5*alpha*||W||^2 on weights, not biases;
    with 'adamw' it is the decoupled weight decay instead),
    batch_size (int or 'auto' = min(200, n)), max_iter (epochs), tol and n_iter_no_change (stop when the
    epoch loss has not improved by tol for that many epochs; None to always run max_iter epochs),
    standardize (scale inputs to zero mean and unit variance, learned in fit), dtype ('float32' or
    'float64'), random_state, verbose.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        _REGISTRY[cls.__name__] = cls

    # --- checks (fit time, never __init__) -------------------------------------------------------------
    def _check_common(self):
        name = type(self).__name__
        _choice(name, "solver", self.solver, SOLVERS)
        _choice(name, "learning_rate", self.learning_rate, SCHEDULES)
        _number(name, "learning_rate_init", self.learning_rate_init, low=0, low_open=True)
        _number(name, "alpha", self.alpha, low=0)
        _number(name, "momentum", self.momentum, low=0, high=1)
        _number(name, "max_iter", self.max_iter, low=1, integer=True)
        _number(name, "tol", self.tol, low=0, allow_none=True)
        _number(name, "n_iter_no_change", self.n_iter_no_change, low=1, integer=True, allow_none=True)
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            _number(name, "batch_size", self.batch_size, low=1, integer=True)
        self._dtype()
        rs = self.random_state
        if not (
            rs is None
            or isinstance(rs, (np.random.Generator, np.random.RandomState))
            or (isinstance(rs, numbers.Integral) and not isinstance(rs, bool) and rs >= 0)
        ):
            raise ValueError(f"{name}: random_state must be None, an integer >= 0 or a NumPy generator, got {rs!r}")

    def _dtype(self):
        try:
            key = self.dtype if isinstance(self.dtype, str) else str(np.dtype(self.dtype))
        except TypeError:
            key = None
        if key not in _DTYPES:
            raise ValueError(f"{type(self).__name__}: dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return _DTYPES[key]

    # --- inputs --------------------------------------------------------------------------------------
    def _fit_scaler(self, X):
        if self.standardize:
            self.x_mean_ = X.mean(axis=0)
            scale = X.std(axis=0)
            self.x_scale_ = np.where(scale > 1e-12 * (1 + np.abs(self.x_mean_)), scale, 1.0)
        else:
            self.x_mean_ = np.zeros(X.shape[1])
            self.x_scale_ = np.ones(X.shape[1])
        return self._scale(X)

    def _scale(self, X, dtype=None):
        # computed in float64, then cast once: float32 training data keeps its full precision
        Xs = (np.asarray(X, dtype=np.float64) - self.x_mean_) / self.x_scale_
        return Xs.astype(self._dtype() if dtype is None else dtype, copy=False)

    def _check_X(self, X):
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        return self._scale(X, np.float64)

    def _forward(self, X64):
        """The network's outputs for scaled float64 inputs, as float64 (evaluation mode, no graph).

        Predictions run in float64 even for a float32-trained model (a float64 copy of its weights):
        in float32 a row's output would depend, in the last bits, on the other rows in its batch
        (BLAS blocks the product differently), and predictions should not depend on the batch.
        """
        model = self.model_
        if next(self.model_.parameters()).dtype != np.float64:
            model = self._network(self.n_features_in_, self.n_outputs_, np.float64, np.random.default_rng(0))
            model.load_state_dict(self.model_.state_dict())
            model.eval()
        with no_grad():
            return model(Tensor(X64, dtype=np.float64)).data

    # --- training ------------------------------------------------------------------------------------
    def _optimizer(self, model):
        from hackgrad import optim

        # L2 on weights only: a bias shifts a unit, it does not make the function any less smooth
        weights = [p for name, p in model.named_parameters() if p.ndim > 1]
        others = [p for name, p in model.named_parameters() if p.ndim <= 1]
        groups = [{"params": weights, "weight_decay": float(self.alpha)}]
        if others:
            groups.append({"params": others, "weight_decay": 0.0})
        lr = float(self.learning_rate_init)
        if self.solver == "sgd":
            return optim.SGD(groups, lr=lr, momentum=float(self.momentum), nesterov=self.momentum > 0)
        if self.solver == "adamw":
            return optim.AdamW(groups, lr=lr)
        return optim.Adam(groups, lr=lr)

    def _train(self, Xs, targets, n_out):
        """Mini-batch training of a fresh network on scaled inputs; sets model_, n_iter_, loss_curve_."""
        from hackgrad.optim import lr_scheduler

        rng = np.random.default_rng(check_random_state_seed(self.random_state))
        n = len(Xs)
        model = self._network(Xs.shape[1], n_out, self._dtype(), rng)
        optimizer = self._optimizer(model)
        schedule = (
            lr_scheduler.CosineAnnealingLR(optimizer, T_max=self.max_iter) if self.learning_rate == "cosine" else None
        )
        batch = min(200, n) if self.batch_size == "auto" else min(int(self.batch_size), n)
        stop_early = self.tol is not None and self.n_iter_no_change is not None
        best, stall, converged = np.inf, 0, False
        curve = []
        dtype = model_dtype(model)
        for epoch in range(int(self.max_iter)):
            order = rng.permutation(n)
            batches = ((Xs[idx], targets[idx]) for idx in (order[i : i + batch] for i in range(0, n, batch)))
            # the loss is checked once per epoch below, with advice in the estimator's own terms
            epoch_loss = train_epoch(model, self._loss, optimizer, batches, dtype=dtype, check_finite=False).loss
            if not math.isfinite(epoch_loss):
                raise FloatingPointError(
                    f"{type(self).__name__}: the training loss became {epoch_loss} in epoch {epoch + 1}; "
                    f"lower learning_rate_init (now {self.learning_rate_init}) or use dtype='float64'"
                )
            curve.append(epoch_loss)
            if schedule is not None:
                schedule.step()
            if self.verbose:
                print(f"epoch {epoch + 1}: loss {epoch_loss:.6f}", file=sys.stderr)
            if stop_early:
                stall = stall + 1 if epoch_loss > best - self.tol else 0
                best = min(best, epoch_loss)
                if stall >= self.n_iter_no_change:
                    converged = True
                    break
        if stop_early and not converged:
            warnings.warn(
                f"{type(self).__name__}: stopped at max_iter={self.max_iter} epochs before the loss settled "
                f"(tol={self.tol}); raise max_iter or tol",
                ConvergenceWarning,
                stacklevel=3,
            )
        model.eval()
        self.model_ = model
        self.loss_curve_ = curve
        self.n_iter_ = len(self.loss_curve_)
        self.loss_ = self.loss_curve_[-1]
        self.n_outputs_ = n_out
        return self

    # --- saving --------------------------------------------------------------------------------------
    def save(self, path):
        """Write the fitted estimator to one `.npz` file (arrays + JSON, no pickle, atomic)."""
        meta, arrays = self._export()
        return write_container(path, "estimator", meta, arrays)

    @classmethod
    def load(cls, path):
        """Read an estimator written by `save`; raises ModelFileError for a damaged file."""
        est = load(path)
        if not isinstance(est, cls):
            raise ModelFileError(f"{path}: holds a {type(est).__name__}, not a {cls.__name__}")
        return est

    def _export(self, prefix=""):
        """(meta, arrays) describing this fitted estimator; `prefix` namespaces arrays in a shared file."""
        check_is_fitted(self)
        params = {}
        for key, value in self.get_params(deep=False).items():
            if key == "random_state" and not isinstance(value, (int, type(None))):
                value = None  # a generator object cannot be written as JSON; the weights are what matter
            params[key] = list(value) if isinstance(value, tuple) else value
        json.dumps(params)  # fail here, naming nothing obscure, if a hyperparameter is not JSON-able
        meta = {
            "class": type(self).__name__,
            "params": params,
            "n_features_in": int(self.n_features_in_),
            "n_outputs": int(self.n_outputs_),
            "n_iter": int(self.n_iter_),
            "loss_curve": [float(v) for v in self.loss_curve_],
            "extra": {name: getattr(self, name) for name in self._extra_meta},
        }
        arrays = {f"{prefix}x_mean_": self.x_mean_, f"{prefix}x_scale_": self.x_scale_}
        for name in self._extra_arrays:
            arrays[f"{prefix}{name}"] = getattr(self, name)
        if hasattr(self, "feature_names_in_"):
            arrays[f"{prefix}feature_names_in_"] = np.asarray(self.feature_names_in_, dtype=str)
        for name, value in self.model_.state_dict().items():
            arrays[f"{prefix}model.{name}"] = value
        return meta, arrays

    @classmethod
    def _restore(cls, meta, arrays, prefix=""):
        est = _REGISTRY[meta["class"]]()
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in meta["params"].items()}
        est.set_params(**params)
        est.n_features_in_ = meta["n_features_in"]
        est.n_outputs_ = meta["n_outputs"]
        est.n_iter_ = meta["n_iter"]
        est.loss_curve_ = list(meta["loss_curve"])
        est.loss_ = est.loss_curve_[-1]
        for name, value in meta.get("extra", {}).items():
            setattr(est, name, value)
        est.x_mean_ = arrays[f"{prefix}x_mean_"]
        est.x_scale_ = arrays[f"{prefix}x_scale_"]
        for name in est._extra_arrays:
            setattr(est, name, arrays[f"{prefix}{name}"])
        if f"{prefix}feature_names_in_" in arrays:
            est.feature_names_in_ = arrays[f"{prefix}feature_names_in_"].astype(object)
        # the architecture is a function of the hyperparameters and sizes, so rebuild it and load the weights
        model = est._network(est.n_features_in_, est.n_outputs_, est._dtype(), np.random.default_rng(0))
        state = {k[len(prefix) + 6 :]: v for k, v in arrays.items() if k.startswith(f"{prefix}model.")}
        model.load_state_dict(state)
        model.eval()
        est.model_ = model
        return est

    _extra_arrays = ()  # learned arrays a subclass adds (saved beside the weights)
    _extra_meta = ()  # learned JSON-able values a subclass adds


class NetworkClassifier(ClassifierMixin, NetworkEstimator):
    """A classifier: labels of any kind (ints, strings) become indices into `classes_`; subclasses say how
    many scores the network outputs for C classes (`_n_scores`) and how labels become loss targets."""

    _extra_arrays = ("classes_",)

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and labels y (n_samples,); returns self."""
        self._check_hyperparameters()
        X, y = validate_data(self, X, y, reset=True)
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {self.classes_[0]!r}"
            )
        Xs = self._fit_scaler(X)
        return self._train(Xs, self._targets(labels.reshape(-1).astype(np.int64)), self._n_scores(len(self.classes_)))

    def _n_scores(self, n_classes):
        return n_classes

    def _targets(self, labels):
        return labels

    def _scores(self, X):
        return self._forward(self._check_X(X))

    def predict(self, X):
        """The most likely class of each row of X."""
        s = self._scores(X)
        return self.classes_[(s[:, 0] > 0).astype(np.int64) if s.shape[1] == 1 else s.argmax(axis=1)]


class ProbabilisticClassifier(NetworkClassifier):
    """A classifier trained with softmax cross-entropy: its scores are log-probabilities up to a constant."""

    def _loss(self, scores, targets):
        from hackgrad.nn import functional as F

        return F.cross_entropy(scores, targets)

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes): the softmax of the network's scores, in float64."""
        s = self._scores(X)
        e = np.exp(s - s.max(axis=1, keepdims=True))  # shifting by the max keeps exp from overflowing
        return e / e.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """log of predict_proba, computed stably (scores minus their log-sum-exp)."""
        s = self._scores(X)
        m = s.max(axis=1, keepdims=True)
        return s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))


def load(path):
    """Read any estimator written by `est.save(path)`."""
    meta, arrays = read_container(path, "estimator", what="model file", error=ModelFileError)
    if meta.get("class") not in _REGISTRY:
        raise ModelFileError(
            f"{path}: unknown estimator class {meta.get('class')!r}; known: {', '.join(sorted(_REGISTRY))}"
        )
    return _REGISTRY[meta["class"]]._restore(meta, arrays)

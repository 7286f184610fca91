"""The search space: which networks and optimizer settings random search draws from.

Architecture (depth, width, activation, dropout) and optimizer settings (learning rate and L2 strength,
both log-uniform because their effect is multiplicative; batch size). A drawn configuration is a plain
dict of `MLPClassifier` hyperparameters, so it prints, saves as JSON and rebuilds a model as is.
"""

import math
import numbers

import numpy as np

__all__ = ["SearchSpace", "describe"]


def _pair(name, value, *, low, positive=False, integer=False):
    try:
        a, b = value
    except (TypeError, ValueError):
        raise ValueError(f"SearchSpace: {name} must be a (low, high) pair, got {value!r}") from None
    kind = numbers.Integral if integer else numbers.Real
    for v in (a, b):
        if not isinstance(v, kind) or isinstance(v, bool) or not math.isfinite(v) or v < low or (positive and v <= 0):
            what = "integers" if integer else "numbers"
            raise ValueError(
                f"SearchSpace: {name} must be {what} >= {low}{' and > 0' if positive else ''}, got {value!r}"
            )
    if a > b:
        raise ValueError(f"SearchSpace: {name} must be (low, high) with low <= high, got {value!r}")
    return (a, b)


def _choices(name, value, valid=None, *, integer=False):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise ValueError(f"SearchSpace: {name} must be a list of choices, got {value!r}")
    value = tuple(value)
    if not value:
        raise ValueError(f"SearchSpace: {name} needs at least one choice")
    for v in value:
        if valid is not None and v not in valid:
            raise ValueError(f"SearchSpace: unknown {name} {v!r}; valid choices are {', '.join(map(repr, valid))}")
        if integer and (not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1):
            raise ValueError(f"SearchSpace: each {name} must be an integer >= 1, got {v!r}")
    return value


class SearchSpace:
    """Ranges to draw from; `sample(rng)` returns one configuration.

    depth          (low, high) number of hidden layers, uniform over the integers (0: a linear model)
    widths         choices for the hidden width (all hidden layers of one network share it)
    activations    choices among 'relu', 'tanh', 'sigmoid'
    dropout        (low, high), uniform; the chance is `p_dropout` that a network uses dropout at all
    learning_rate  (low, high), log-uniform
    alpha          (low, high), log-uniform L2 strength
    batch_sizes    choices
    solvers        choices among 'adam', 'adamw', 'sgd'
    """

    def __init__(
        self,
        depth=(1, 3),
        widths=(64, 128, 256, 512),
        activations=("relu", "tanh"),
        dropout=(0.0, 0.5),
        p_dropout=0.5,
        learning_rate=(3e-4, 1e-2),
        alpha=(1e-6, 1e-2),
        batch_sizes=(32, 64, 128),
        solvers=("adam",),
    ):
        from hackgrad.estimators.base import ACTIVATIONS, SOLVERS

        self.depth = _pair("depth", depth, low=0, integer=True)
        self.widths = _choices("widths", widths, integer=True)
        self.activations = _choices("activations", activations, ACTIVATIONS)
        self.dropout = _pair("dropout", dropout, low=0)
        if self.dropout[1] >= 1:
            raise ValueError(f"SearchSpace: dropout must stay below 1, got {dropout!r}")
        if not isinstance(p_dropout, numbers.Real) or not 0 <= p_dropout <= 1:
            raise ValueError(f"SearchSpace: p_dropout must be a probability in [0, 1], got {p_dropout!r}")
        self.p_dropout = float(p_dropout)
        self.learning_rate = _pair("learning_rate", learning_rate, low=0, positive=True)
        self.alpha = _pair("alpha", alpha, low=0, positive=True)
        self.batch_sizes = _choices("batch_sizes", batch_sizes, integer=True)
        self.solvers = _choices("solvers", solvers, SOLVERS)

    @staticmethod
    def _log_uniform(rng, pair):
        lo, hi = pair
        return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))

    def sample(self, rng):
        """One configuration: a dict of MLPClassifier hyperparameters drawn with `rng` (Generator or seed)."""
        rng = np.random.default_rng(rng)
        depth = int(rng.integers(self.depth[0], self.depth[1] + 1))
        width = int(self.widths[rng.integers(len(self.widths))])
        activation = str(self.activations[rng.integers(len(self.activations))])
        use_dropout = rng.random() < self.p_dropout
        dropout = float(rng.uniform(*self.dropout)) if use_dropout and depth > 0 else 0.0
        return {
            "hidden_layer_sizes": (width,) * depth,
            "activation": activation,
            "dropout": round(dropout, 3),
            "learning_rate_init": float(f"{self._log_uniform(rng, self.learning_rate):.3g}"),
            "alpha": float(f"{self._log_uniform(rng, self.alpha):.3g}"),
            "batch_size": int(self.batch_sizes[rng.integers(len(self.batch_sizes))]),
            "solver": str(self.solvers[rng.integers(len(self.solvers))]),
        }

    def sample_many(self, n, seed=0):
        """n configurations; number i depends only on (seed, i), so a longer list extends a shorter one."""
        return [self.sample(np.random.SeedSequence([seed, i])) for i in range(n)]

    def __repr__(self):
        fields = (
            "depth",
            "widths",
            "activations",
            "dropout",
            "p_dropout",
            "learning_rate",
            "alpha",
            "batch_sizes",
            "solvers",
        )
        return "SearchSpace(" + ", ".join(f"{f}={getattr(self, f)!r}" for f in fields) + ")"


def describe(config):
    """A short one-line summary of a configuration, e.g. '2x256 relu drop=0.20 lr=3e-03 l2=1e-05 bs=64'."""
    sizes = tuple(config.get("hidden_layer_sizes", ()))
    arch = (
        "linear" if not sizes else (f"{len(sizes)}x{sizes[0]}" if len(set(sizes)) == 1 else "-".join(map(str, sizes)))
    )
    parts = [arch, config.get("activation", "relu")]
    if config.get("dropout"):
        parts.append(f"drop={config['dropout']:.2f}")
    parts.append(f"lr={config.get('learning_rate_init', 1e-3):.0e}")
    parts.append(f"l2={config.get('alpha', 1e-4):.0e}")
    parts.append(f"bs={config.get('batch_size', 'auto')}")
    if config.get("solver", "adam") != "adam":
        parts.append(config["solver"])
    return " ".join(parts)

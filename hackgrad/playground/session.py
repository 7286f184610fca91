"""The playground's state without the web: a 2-D dataset, a small network, its optimizer and its history.

`Session(config)` draws the data and builds the model; `step(n)` takes n mini-batch steps; `grid()` is the
decision regions over the view; `add_points` is the learner clicking on the canvas; `hidden()` shows what
the hidden units compute. Every public method holds one lock, so a threaded server can share a session.

A config is a dict of the fields in `FIELDS` (anything left out takes its default). It is checked as a
whole before anything changes, and a bad value raises `ConfigError` naming the field and what it accepts.
The same seed gives the same points, the same initial weights and the same mini-batches.
"""

import math
import numbers
import threading

import numpy as np

from hackgrad import data, nn, optim
from hackgrad.autograd import Tensor, no_grad
from hackgrad.nn import functional as F
from hackgrad.train.step import train_step

__all__ = [
    "Session", "PlaygroundError", "ConfigError", "FIELDS", "validate_config", "options",
    "DATASETS", "ACTIVATIONS", "LOSSES", "OPTIMIZERS", "MAX_POINTS",
]

DATASETS = ("moons", "circles", "spiral", "xor", "blobs", "custom")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
LOSSES = ("cross_entropy", "hinge")
OPTIMIZERS = ("sgd", "momentum", "adam")
MAX_POINTS = 5000
MAX_STEPS_PER_CALL = 1000
MOMENTUM = 0.9  # the 'momentum' optimizer is SGD with the usual heavy-ball coefficient
HISTORY_LIMIT = 5000  # entries kept for a reloaded page; older ones are dropped
DTYPE = np.float32  # the engine's default; points are stored in float64 and cast at the model's door

# Per-dataset defaults: each toy looks like itself at these noise levels. Datasets missing from
# _CLASSES have exactly two classes.
_NOISE = {"moons": 0.1, "circles": 0.05, "spiral": 0.05, "xor": 0.1, "blobs": 0.5, "custom": 0.0}
_CLASSES = {"spiral": 3, "blobs": 3, "custom": 2}
_COORD_LIMIT = 1e3  # a clicked point is within a few units of the origin; 1e3 catches garbage


class PlaygroundError(ValueError):
    """A request the playground cannot honour; `field` names the culprit, `choices`/`valid` what would do."""

    def __init__(self, message, *, field=None, choices=None, valid=None):
        super().__init__(message)
        self.field, self.choices, self.valid = field, choices, valid

    def to_dict(self):
        out = {"error": str(self)}
        for key in ("field", "choices", "valid"):
            value = getattr(self, key)
            if value is not None:
                out[key] = list(value) if key == "choices" else value
        return out


class ConfigError(PlaygroundError):
    """A config field with an unknown name, a wrong type or a value out of range."""


# --- the config fields --------------------------------------------------------------------------------


class _Choice:
    def __init__(self, choices, default, doc):
        self.choices, self.default, self.doc = tuple(choices), default, doc

    def parse(self, name, value):
        if not isinstance(value, str) or value not in self.choices:
            raise ConfigError(
                f"{name}: unknown value {value!r}; valid choices: {', '.join(self.choices)}",
                field=name, choices=self.choices,
            )
        return value

    def describe(self):
        return {"kind": "choice", "choices": list(self.choices), "default": self.default, "doc": self.doc}


class _Number:
    """An int or float in [lo, hi] (or (lo, hi] when `open_lo`)."""

    def __init__(self, kind, default, lo, hi, doc, *, open_lo=False):
        self.kind, self.default, self.lo, self.hi = kind, default, lo, hi
        self.doc, self.open_lo = doc, open_lo

    @property
    def valid(self):
        return f"{'(' if self.open_lo else '['}{self.lo}, {self.hi}]"

    def parse(self, name, value):
        # bool is an int subclass: {"seed": true} is a mistake, not seed 1
        ok = not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
        if ok and self.kind is int:
            ok = value == int(value)  # 200.0 from a JavaScript number is fine, 0.5 is not
        if ok:
            value = self.kind(value)
            ok = self.lo <= value <= self.hi and not (self.open_lo and value == self.lo)
        if not ok:
            what = "an integer" if self.kind is int else "a number"
            raise ConfigError(f"{name} must be {what} in {self.valid}, got {value!r}", field=name,
                              valid=self.valid)
        return value

    def describe(self):
        return {"kind": self.kind.__name__, "min": self.lo, "max": self.hi, "min_exclusive": self.open_lo,
                "default": self.default, "doc": self.doc}


class _Sizes:
    """Hidden layer widths: a list of positive ints (a comma-separated string is accepted too)."""

    def __init__(self, default, max_layers, max_width, doc):
        self.default, self.max_layers, self.max_width, self.doc = default, max_layers, max_width, doc
        self.valid = f"up to {max_layers} integers in [1, {max_width}]"

    def parse(self, name, value):
        if isinstance(value, str):  # "8, 8" from a text box; "" is a linear classifier
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                value = [int(p) for p in parts]
            except ValueError:
                raise ConfigError(f"{name} must be {self.valid}, got {value!r}", field=name,
                                  valid=self.valid) from None
        if not isinstance(value, (list, tuple)) or len(value) > self.max_layers or not all(
            _is_int(v) and 1 <= v <= self.max_width for v in value
        ):
            raise ConfigError(f"{name} must be {self.valid}, got {value!r}", field=name, valid=self.valid)
        return [int(v) for v in value]

    def describe(self):
        return {"kind": "sizes", "max_layers": self.max_layers, "max_width": self.max_width,
                "default": list(self.default), "doc": self.doc}


FIELDS = {
    # the data
    "dataset": _Choice(DATASETS, "moons", "which 2-D toy; 'custom' starts from `points` (or none)"),
    "n_points": _Number(int, 200, 4, MAX_POINTS, "how many points to draw"),
    "noise": _Number(float, None, 0.0, 2.0, "std of the Gaussian noise; default depends on the dataset"),
    "classes": _Number(int, None, 2, 8, "spiral arms / blob centres / custom classes (others have 2)"),
    "seed": _Number(int, 0, 0, 2**32 - 1, "seeds the data, the initial weights and the mini-batch order"),
    # the model
    "hidden": _Sizes([8, 8], 6, 128, "hidden layer widths; [] is a linear classifier"),
    "activation": _Choice(ACTIVATIONS, "tanh", "the nonlinearity after each hidden layer"),
    # the training (these may change between steps; see Session.configure)
    "loss": _Choice(LOSSES, "cross_entropy", "softmax cross-entropy, or the guide's hinge (multiclass SVM)"),
    "optimizer": _Choice(OPTIMIZERS, "adam", f"sgd, sgd with momentum {MOMENTUM}, or adam"),
    "lr": _Number(float, 0.01, 0.0, 10.0, "learning rate (step size)", open_lo=True),
    "l2": _Number(float, 1e-4, 0.0, 1.0, "L2 strength: the penalty is l2/2 * sum(W**2) over the weights"),
    "batch_size": _Number(int, 32, 1, MAX_POINTS, "points per step (capped at the number of points)"),
    # the view
    "grid": _Number(int, 50, 8, 128, "decision-region grid resolution per side"),
}
_DATA_FIELDS = ("dataset", "n_points", "noise", "classes", "seed", "points")
_MODEL_FIELDS = ("hidden", "activation")
HOT_FIELDS = ("loss", "optimizer", "lr", "l2", "batch_size", "grid")  # changeable without a reset


def _is_int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _check_int(name, value, lo, hi):
    """`value` as an int in [lo, hi], or PlaygroundError naming `name` and the range."""
    if not _is_int(value) or not lo <= value <= hi:
        raise PlaygroundError(f"{name} must be an integer in [{lo}, {hi}], got {value!r}", field=name,
                              valid=f"[{lo}, {hi}]")
    return int(value)


def _unknown_field(name, allowed):
    return ConfigError(f"unknown config field {name!r}; valid fields: {', '.join(allowed)}", field=name,
                       choices=allowed)


def _parse_points(value, n_classes, *, field="points", error=PlaygroundError):
    """[[x, y, label], ...] (or [{"x", "y", "label"}, ...]) -> X (n, 2) float64, y (n,) int64."""
    if not isinstance(value, (list, tuple)):
        raise error(f"{field} must be a list of [x, y, label] triples, got {type(value).__name__}",
                    field=field)
    rows = []
    for i, p in enumerate(value):
        if isinstance(p, dict):
            p = [p.get("x"), p.get("y"), p.get("label")]
        ok = isinstance(p, (list, tuple)) and len(p) == 3
        if ok:
            x, y, c = p
            ok = all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
                     and abs(v) <= _COORD_LIMIT for v in (x, y))
        if not ok:
            raise error(
                f"{field}[{i}] must be [x, y, label] with finite |x|, |y| <= {_COORD_LIMIT:g}, got {p!r}",
                field=field)
        if not _is_int(c) or not 0 <= c < n_classes:
            raise error(
                f"{field}[{i}] has label {c!r}; there are {n_classes} classes (labels 0..{n_classes - 1})",
                field=field, valid=f"0..{n_classes - 1}")
        rows.append((float(x), float(y), int(c)))
    X = np.array([r[:2] for r in rows], dtype=np.float64).reshape(-1, 2)
    y = np.array([r[2] for r in rows], dtype=np.int64)
    return X, y


def validate_config(config=None):
    """The full config (every field) from a partial one, or ConfigError for the first bad field."""
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise ConfigError(f"a config must be a JSON object of fields, got {type(config).__name__}")
    allowed = (*FIELDS, "points")
    for name in config:
        if name not in allowed:
            raise _unknown_field(name, allowed)
    out = {}
    for name, spec in FIELDS.items():
        value = config.get(name)
        out[name] = spec.default if value is None else spec.parse(name, value)
    dataset = out["dataset"]
    if out["noise"] is None:
        out["noise"] = _NOISE[dataset]
    if dataset in _CLASSES:
        out["classes"] = out["classes"] or _CLASSES[dataset]
    elif out["classes"] not in (None, 2):
        raise ConfigError(f"classes: the {dataset} dataset has exactly 2 classes, got {out['classes']}",
                          field="classes", valid="2")
    else:
        out["classes"] = 2
    if "points" in config and config["points"] is not None:
        if dataset != "custom":
            raise ConfigError(
                f"points: only the 'custom' dataset starts from given points (got dataset {dataset!r}); "
                "add points to a generated dataset afterwards with add_points (POST /api/points)",
                field="points")
        X, y = _parse_points(config["points"], out["classes"], error=ConfigError)
        if len(X) > MAX_POINTS:
            raise ConfigError(f"points: at most {MAX_POINTS} points, got {len(X)}", field="points")
        out["points"] = np.column_stack([X, y]).tolist()
    else:
        out["points"] = []
    return out


def options():
    """What the page needs to build its form: every field's kind, range or choices, and default."""
    return {
        "fields": {name: spec.describe() for name, spec in FIELDS.items()},
        "noise_defaults": dict(_NOISE),
        "class_defaults": {d: _CLASSES.get(d, 2) for d in DATASETS},
        "fixed_classes": [d for d in DATASETS if d not in _CLASSES],
        "hot_fields": list(HOT_FIELDS),
        "max_points": MAX_POINTS,
        "max_steps_per_call": MAX_STEPS_PER_CALL,
    }


# --- building blocks ------------------------------------------------------------------------------------


def _make_data(cfg, rng):
    name, n, noise = cfg["dataset"], cfg["n_points"], cfg["noise"]
    if name == "moons":
        return data.make_moons(n, noise=noise, rng=rng)
    if name == "circles":
        return data.make_circles(n, noise=noise, rng=rng)
    if name == "spiral":
        return data.make_spiral(n, cfg["classes"], noise=noise, rng=rng)
    if name == "xor":
        return data.make_xor(n, noise=noise, rng=rng)
    if name == "blobs":
        return data.make_blobs(n, centers=cfg["classes"], noise=noise, rng=rng)
    pts = np.asarray(cfg["points"], dtype=np.float64).reshape(-1, 3)
    return pts[:, :2].copy(), pts[:, 2].astype(np.int64)


def _view_for(X):
    """A square around the points with a margin so regions show beyond the data; [-1, 1]**2 if empty."""
    if len(X) == 0:
        return [-1.0, 1.0, -1.0, 1.0]
    lo, hi = X.min(axis=0), X.max(axis=0)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * 1.15, 0.5)
    (cx, cy) = (float(c) for c in centre)
    return [cx - half, cx + half, cy - half, cy + half]


_ACTIVATION_LAYERS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def _build_model(hidden, activation, n_classes, rng):
    """2 -> hidden... -> n_classes scores: Linear, then the activation after every layer but the last."""
    sizes = [2, *hidden, n_classes]
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out, dtype=DTYPE, rng=rng))
        if i < len(hidden):
            layers.append(_ACTIVATION_LAYERS[activation]())
    return nn.Sequential(*layers)


def _build_optimizer(model, name, lr, l2):
    """Weights decay by l2, biases not (a bias only shifts a boundary; shrinking it buys no smoothness)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    groups = [
        {"params": [m.weight for m in linears], "weight_decay": l2},
        {"params": [m.bias for m in linears], "weight_decay": 0.0},
    ]
    if name == "sgd":
        return optim.SGD(groups, lr=lr)
    if name == "momentum":
        return optim.SGD(groups, lr=lr, momentum=MOMENTUM)
    return optim.Adam(groups, lr=lr)


def _data_loss(name, scores, y):
    if name == "cross_entropy":
        return F.cross_entropy(scores, y)
    # The guide's SVM, one score per class: for 2 classes this is max(0, 1 - (s_y - s_other)), the binary
    # hinge on the score difference.
    return F.weston_watkins_loss(scores, y)


def _finite(x):
    """A float for JSON, or None where training blew up (JSON has no NaN)."""
    x = float(x)
    return x if math.isfinite(x) else None


# --- the session ----------------------------------------------------------------------------------------


class Session:
    """One learner's playground: data `X_`, `y_`, `model_`, `optimizer_` and the training history.

    `config` is validated by `validate_config`; see `FIELDS` for the names, ranges and defaults.
    """

    def __init__(self, config=None):
        self._lock = threading.RLock()
        self.reset(config)

    # --- setting up ----------------------------------------------------------------------------------
    def reset(self, config=None):
        """Start over from `config`: new points, fresh weights, empty history. Returns `state()`."""
        cfg = validate_config(config)  # checked first, so a bad config leaves the old session intact
        with self._lock:
            self.config = cfg
            data_seq, init_seq, batch_seq = np.random.SeedSequence(cfg["seed"]).spawn(3)
            self.X_, self.y_ = _make_data(cfg, np.random.default_rng(data_seq))
            self.n_classes_ = int(cfg["classes"])
            self.view_ = _view_for(self.X_)
            self.model_ = _build_model(cfg["hidden"], cfg["activation"], self.n_classes_,
                                       np.random.default_rng(init_seq))
            self.optimizer_ = _build_optimizer(self.model_, cfg["optimizer"], cfg["lr"], cfg["l2"])
            self._batch_rng = np.random.default_rng(batch_seq)
            self._order, self._cursor = np.empty(0, dtype=np.int64), 0
            self.steps_, self.samples_seen_ = 0, 0
            self.history_ = []  # [step, mean loss since the previous entry, accuracy]
            self.diverged_ = False
            return self.state()

    def configure(self, changes):
        """Change training fields (loss, optimizer, lr, l2, batch_size, grid) and keep the weights.

        A new optimizer starts with empty state (no momentum). Data or model fields need `reset`.
        """
        if not isinstance(changes, dict):
            raise ConfigError(f"changes must be a JSON object of fields, got {type(changes).__name__}")
        for name in changes:
            if name in _DATA_FIELDS or name in _MODEL_FIELDS:
                raise ConfigError(
                    f"{name}: changing it needs new data or a new model; send the whole config to reset "
                    f"(POST /api/reset). Fields that can change while training: {', '.join(HOT_FIELDS)}",
                    field=name, choices=HOT_FIELDS)
            if name not in FIELDS:
                raise _unknown_field(name, HOT_FIELDS)
        parsed = {name: FIELDS[name].parse(name, value) for name, value in changes.items()}
        with self._lock:
            self.config.update(parsed)
            cfg = self.config
            if "optimizer" in parsed:
                self.optimizer_ = _build_optimizer(self.model_, cfg["optimizer"], cfg["lr"], cfg["l2"])
            else:
                weights, biases = self.optimizer_.param_groups
                weights["lr"] = biases["lr"] = cfg["lr"]
                weights["weight_decay"] = cfg["l2"]
            return self.state(points=False)

    def add_points(self, points, *, replace=False):
        """Add labelled points ([[x, y, label], ...]); `replace` swaps out every point. The model is kept."""
        with self._lock:
            X, y = _parse_points(points, self.n_classes_)
            if not replace:
                X, y = np.concatenate([self.X_, X]), np.concatenate([self.y_, y])
            if len(X) > MAX_POINTS:
                raise PlaygroundError(f"points: at most {MAX_POINTS} points in all, this would make {len(X)}",
                                      field="points")
            self.X_, self.y_ = X, y
            # the next batch starts a new permutation, over the new set
            self._order, self._cursor = np.empty(0, dtype=np.int64), 0
            return self.state()

    # --- training ------------------------------------------------------------------------------------
    def _next_batch(self):
        """Indices of the next mini-batch: a fresh permutation each epoch (its last batch may be short)."""
        n = len(self.X_)
        if self._cursor >= len(self._order):
            self._order, self._cursor = self._batch_rng.permutation(n), 0
        size = min(self.config["batch_size"], n)
        idx = self._order[self._cursor:self._cursor + size]
        self._cursor += size
        return idx

    def step(self, n=1, *, grid=True):
        """Take `n` optimizer steps; returns losses, accuracy on every point and (with `grid`) the regions."""
        n = _check_int("n", n, 1, MAX_STEPS_PER_CALL)
        with self._lock:
            if len(self.X_) == 0:
                raise PlaygroundError("no points to train on: click the canvas to add some (shift-click for "
                                      "class B), or pick a generated dataset", field="points")
            losses = self._train(n)
            self.diverged_ = self.diverged_ or not all(math.isfinite(v) for v in losses)
            self.history_.append([self.steps_, _finite(np.mean(losses)), self._accuracy()])
            del self.history_[:-HISTORY_LIMIT]
            out = self.state(points=False, grid=grid)
            out["losses"] = [_finite(v) for v in losses]
            return out

    def _train(self, n):
        loss_name, losses = self.config["loss"], []
        # Too big a step overflows float32 within a few updates. That is a lesson, not a bug: it shows as
        # `diverged` and a loss of None, not as a warning per op in the terminal.
        with np.errstate(over="ignore", invalid="ignore"):
            for _ in range(n):
                idx = self._next_batch()
                value, _ = train_step(self.model_, lambda scores, y: _data_loss(loss_name, scores, y),
                                      self.optimizer_, self.X_[idx], self.y_[idx], dtype=DTYPE,
                                      check_finite=False)
                losses.append(value)
                self.steps_ += 1
                self.samples_seen_ += len(idx)
        return losses

    # --- looking at the model ------------------------------------------------------------------------
    def _scores(self, X):
        with no_grad(), np.errstate(over="ignore", invalid="ignore"):  # a diverged model, see _train
            return self.model_(Tensor(X, dtype=DTYPE)).data

    def _accuracy(self):
        if len(self.X_) == 0:
            return None
        return float((self._scores(self.X_).argmax(axis=1) == self.y_).mean())

    def _reg_loss(self):
        weights = self.optimizer_.param_groups[0]["params"]
        # squared in float64: large float32 weights would overflow float32
        squares = sum(float(np.square(w.data, dtype=np.float64).sum()) for w in weights)
        return 0.5 * self.config["l2"] * squares

    def _grid_inputs(self, resolution):
        """Cell centres, row-major with row 0 at the top (largest y), as a canvas draws them: (res*res, 2)."""
        xmin, xmax, ymin, ymax = self.view_
        xs = xmin + (np.arange(resolution) + 0.5) * (xmax - xmin) / resolution
        ys = ymax - (np.arange(resolution) + 0.5) * (ymax - ymin) / resolution
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])

    def grid(self, resolution=None):
        """Predicted class and confidence in [0, 1] for every cell of a resolution x resolution grid.

        Confidence is how far the winner is from a tie: for cross-entropy its probability rescaled so that
        1/classes -> 0 and 1 -> 1; for the hinge loss the winner's score margin over the runner-up,
        capped at 1 (the SVM asks for exactly a margin of 1).
        """
        with self._lock:
            res = self.config["grid"] if resolution is None else FIELDS["grid"].parse("grid", resolution)
            scores = self._scores(self._grid_inputs(res))  # (res*res, n_classes)
            scores = np.nan_to_num(scores.astype(np.float64))  # a diverged model still draws something
            cls = scores.argmax(axis=1)
            if self.config["loss"] == "cross_entropy":
                z = scores - scores.max(axis=1, keepdims=True)
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                k = self.n_classes_
                conf = (p.max(axis=1) - 1 / k) / (1 - 1 / k)
            else:
                top2 = np.sort(scores, axis=1)[:, -2:]
                conf = np.minimum(top2[:, 1] - top2[:, 0], 1.0)
            conf = np.clip(np.nan_to_num(conf), 0.0, 1.0)
            return {"resolution": res, "classes": cls.tolist(), "confidence": np.round(conf, 3).tolist()}

    def hidden(self, layer=0, resolution=24, max_units=32):
        """What each unit of hidden layer `layer` outputs over the view: a resolution**2 map per unit."""
        with self._lock:
            n_layers = len(self.config["hidden"])
            info = {"layer": layer, "n_layers": n_layers, "activation": self.config["activation"],
                    "units": []}
            if n_layers == 0:  # a linear classifier has nothing to show
                return info
            layer = _check_int("layer", layer, 0, n_layers - 1)
            resolution = _check_int("resolution", resolution, 4, 64)
            h = Tensor(self._grid_inputs(resolution), dtype=DTYPE)
            with no_grad(), np.errstate(over="ignore", invalid="ignore"):
                for module in list(self.model_)[: 2 * (layer + 1)]:  # Linear, activation, ... up to `layer`
                    h = module(h)
            acts = np.nan_to_num(h.data[:, :max_units].T.astype(np.float64))  # (units, res*res)
            info.update(resolution=resolution, total_units=int(h.shape[1]),
                        units=np.round(acts, 4).tolist(),
                        lo=acts.min(axis=1).round(4).tolist(), hi=acts.max(axis=1).round(4).tolist())
            return info

    def state(self, *, points=True, grid=True):
        """What the page shows: config, counters, latest loss and accuracy, optionally points and grid."""
        with self._lock:
            out = {
                "config": {k: v for k, v in self.config.items() if k != "points"},
                "n_classes": self.n_classes_,
                "n_points": len(self.X_),
                "view": list(self.view_),
                "step": self.steps_,
                "epoch": self.samples_seen_ / len(self.X_) if len(self.X_) else 0.0,
                "loss": self.history_[-1][1] if self.history_ else None,
                "reg_loss": _finite(self._reg_loss()),
                "accuracy": self._accuracy(),  # fresh: points may have changed since the last step
                "diverged": self.diverged_,
                "n_parameters": sum(p.numel() for p in self.model_.parameters()),
            }
            if points:
                out["points"] = [[round(float(a), 5), round(float(b), 5), int(c)]
                                 for (a, b), c in zip(self.X_, self.y_)]
                out["history"] = [list(h) for h in self.history_]
            if grid:
                out["grid"] = self.grid()
            return out

"""Diagnostics: the usual ways of debugging a net, run as checks that say what they found and what to try.

`diagnose(model, loss_fn, X, y)` returns a `DiagnosticReport` (print it) of these checks:

- initial loss: at initialisation a C-class softmax should be unsure, so its loss is about log C; much
  more means the scores are too large (initialisation, unscaled inputs).
- overfit a tiny batch: a working model, loss and optimizer drive the loss on ~20 samples to about 0.
- activations: the fraction of dead ReLUs (never positive on the batch) and saturated tanh/sigmoid units
  (outputs within a hair of their limits, where their gradient vanishes), per layer.
- gradients and updates: the gradient norm of each parameter, and the size of an optimizer step relative
  to the weights (about 1e-3 is healthy; 1e-1 is wild; 1e-6 is asleep).
- NaN/Inf: a few training steps under `hackgrad.detect_anomaly()`, naming the first op (and layer) that
  produced a NaN or infinity.
- learning-rate range test: the lr grows exponentially over a few hundred steps; the steepest drop of the
  loss suggests an lr, and where it blows up bounds it.
- class balance: labels far from evenly spread.

Every check works on a copy of the model, so the model you pass is not changed.
"""

import contextlib
import copy
import math

import numpy as np

from hackgrad.autograd import detect_anomaly, no_grad
from hackgrad.autograd.tensor import Tensor
from hackgrad.train import metrics as M
from hackgrad.train.step import NonFiniteLossError, as_input, as_target, model_dtype, train_step

__all__ = [
    "diagnose",
    "DiagnosticReport",
    "Check",
    "check_initial_loss",
    "check_overfit",
    "check_activations",
    "check_gradients",
    "check_nonfinite",
    "lr_range_test",
    "check_lr_range",
    "check_class_balance",
    "CHECKS",
]

STATUSES = ("ok", "warn", "fail", "skip")


class Check:
    """The outcome of one check: `status` ("ok", "warn", "fail" or "skip"), what was `found`, what to try
    (`advice`, empty when all is well) and the measured numbers (`data`)."""

    def __init__(self, name, status, found, advice="", data=None):
        if status not in STATUSES:
            raise ValueError(f"Check: status must be one of {STATUSES}, got {status!r}")
        self.name, self.status, self.found, self.advice = name, status, found, advice
        self.data = {} if data is None else data

    @property
    def ok(self):
        return self.status in ("ok", "skip")

    def __str__(self):
        tag = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}[self.status]
        text = f"[{tag}] {self.name}: {self.found}"
        if self.advice:
            text += f"\n       try: {self.advice}"
        return text

    def __repr__(self):
        return f"Check({self.name!r}, {self.status!r})"


class DiagnosticReport:
    """The checks of one `diagnose` call: `str(report)` is the readable form, `report[name]` one check."""

    def __init__(self, checks):
        self.checks = list(checks)

    @property
    def ok(self):
        return all(c.ok for c in self.checks)

    @property
    def problems(self):
        return [c for c in self.checks if not c.ok]

    def __getitem__(self, name):
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no check named {name!r}; this report has {', '.join(c.name for c in self.checks)}")

    def __iter__(self):
        return iter(self.checks)

    def __str__(self):
        n = len(self.problems)
        head = f"hackgrad diagnostics: {len(self.checks)} checks, " + (
            "no problems found" if n == 0 else f"{n} problem{'s' * (n != 1)}"
        )
        return "\n".join([head, *map(str, self.checks)])

    def __repr__(self):
        return f"DiagnosticReport({[(c.name, c.status) for c in self.checks]})"

    def to_dict(self):
        return {
            c.name: {"status": c.status, "found": c.found, "advice": c.advice, "data": c.data}
            for c in self.checks
        }


# --- shared plumbing ---------------------------------------------------------------------------------
def _default_optimizer(params):
    from hackgrad.optim import Adam

    return Adam(params, lr=1e-3)


def _inputs(X, model):
    return as_input(X, model_dtype(model))


def _targets(y, model):
    return as_target(y, model_dtype(model))


def _sample(X, y, n, seed):
    """n samples in a seeded order (the first n of a permutation), as arrays."""
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"diagnose: X has {len(X)} samples but y has {len(y)}")
    idx = np.random.default_rng(seed).permutation(len(X))[: min(n, len(X))]
    return X[idx], y[idx]


def _leaves(model):
    """(name, module) of every module with no sub-modules: the layers a forward hook can watch."""
    out = []
    for name, module in model.named_modules():
        if len(list(module.named_modules())) == 1:
            out.append((name or type(module).__name__, module))
    return out


class _Watch:
    """Record each leaf layer's output during forward passes, and which layer was running when an op failed.

    It wraps each leaf module's `forward` on the instance (the class is untouched) and unwraps on exit.
    """

    def __init__(self, model, record=True):
        self.model, self.record = model, record
        self.outputs = {}  # name -> list of output arrays
        self.stack = []
        self.failed_in = None

    def __enter__(self):
        self._patched = []
        for name, module in _leaves(self.model):
            original = module.forward
            object.__setattr__(module, "forward", self._wrap(name, module, original))
            self._patched.append(module)
        return self

    def _wrap(self, name, module, original):
        def forward(*args, **kwargs):
            self.stack.append((name, type(module).__name__))
            try:
                out = original(*args, **kwargs)
            except FloatingPointError:
                if self.failed_in is None:
                    self.failed_in = self.stack[-1]
                raise
            finally:
                self.stack.pop()
            if self.record and isinstance(out, Tensor):
                self.outputs.setdefault(name, []).append(out.data)
            return out

        return forward

    def __exit__(self, *exc):
        for module in self._patched:
            module.__dict__.pop("forward", None)
        return False


def _loss_name(loss_fn):
    loss_fn = getattr(loss_fn, "func", loss_fn)  # functools.partial(F.cross_entropy, label_smoothing=0.1)
    name = getattr(loss_fn, "__name__", None) or type(loss_fn).__name__
    return name.lower().replace("_", "")


def _expected_initial_loss(loss_fn, scores, y):
    """(expected loss, explanation) for a model that is unsure at initialisation, or (None, why not)."""
    name = _loss_name(loss_fn)
    n_classes = scores.shape[1] if scores.ndim == 2 else 1
    margin = float(getattr(loss_fn, "margin", 1.0))
    if n_classes > 1:
        C = n_classes
        if "crossentropy" in name or "nll" in name:
            return math.log(C), f"log({C}) = {math.log(C):.3f} for softmax cross-entropy over {C} classes"
        if "westonwatkins" in name or "multiclasssvm" in name:
            return (
                (C - 1) * margin,
                f"(C - 1) * margin = {(C - 1) * margin:g} for the multiclass SVM loss with scores near 0",
            )
        if "multimargin" in name:
            return (
                C - 1
            ) / C * margin, f"(C - 1) / C * margin = {(C - 1) / C * margin:.3f} with scores near 0"
        if "crammersinger" in name:
            return margin, f"margin = {margin:g} for the Crammer-Singer loss with scores near 0"
    else:
        if "binarycrossentropy" in name or "bcewithlogits" in name:
            return math.log(2), "log(2) = 0.693 for a logistic loss with scores near 0"
        if "hinge" in name:
            return margin, f"margin = {margin:g} for a hinge loss with scores near 0"
        if "mse" in name:
            value = float(np.mean(np.asarray(y, dtype=np.float64) ** 2))
            return value, f"mean(y**2) = {value:.4g}, the loss of predicting 0 everywhere"
    return None, f"no reference value for loss {getattr(loss_fn, '__name__', type(loss_fn).__name__)!r}"


# --- the checks --------------------------------------------------------------------------------------
def check_initial_loss(model, loss_fn, X, y, *, n_samples=1024, seed=0):
    """The loss at initialisation against what an unsure model should score (log C for softmax)."""
    Xs, ys = _sample(X, y, n_samples, seed)
    model = copy.deepcopy(model).eval()
    with no_grad():
        scores = model(_inputs(Xs, model))
        loss = float(loss_fn(scores, _targets(ys, model)).data)
    expected, why = _expected_initial_loss(loss_fn, scores.data, ys)
    data = {"loss": loss, "expected": expected}
    if not math.isfinite(loss):
        return Check(
            "initial loss",
            "fail",
            f"the loss at initialisation is {loss}",
            "look for NaN/Inf in the data and for an overflowing initialisation (see the NaN/Inf check)",
            data,
        )
    if expected is None:
        return Check("initial loss", "skip", f"{loss:.4g} at initialisation; {why}", data=data)
    found = f"{loss:.4g} at initialisation; expected about {why}"
    if loss > 3 * expected + 0.5:
        return Check(
            "initial loss",
            "fail",
            found + " -- far too high: the model is confidently wrong",
            "shrink the initial weights (e.g. PyTorch's default or nn.init.kaiming_normal_), standardise "
            "the inputs to mean 0 / std 1, and zero the last layer's bias",
            data,
        )
    if loss > 1.5 * expected + 0.1 or loss < 0.5 * expected - 0.05:
        return Check(
            "initial loss",
            "warn",
            found + " -- off the mark",
            "initial scores should be small: check the weight scale and the input scaling; a loss far "
            "below the reference can mean the labels leak into the inputs",
            data,
        )
    return Check("initial loss", "ok", found, data=data)


def _memorise(model, loss_fn, xt, yt, ys, factory, steps, lr_scale):
    """Full-batch training of a copy until it fits (or `steps` run out); returns the numbers."""
    model = copy.deepcopy(model)
    opt = factory(model.parameters())
    for group in getattr(opt, "param_groups", ()):
        group["lr"] = group["lr"] * lr_scale
    with no_grad():
        scores = model.eval()(xt)
        first = float(loss_fn(scores, yt).data)
    classification = M.infer_task(ys, scores.data) == "classification"
    loss = acc = math.nan
    used = 0
    with np.errstate(all="ignore"):
        for used in range(1, steps + 1):
            model.train()
            train_step(model, loss_fn, opt, xt, yt, check_finite=False)
            if used % 10 == 0 or used == steps:
                with no_grad():
                    scores = model.eval()(xt)
                    loss = float(loss_fn(scores, yt).data)
                acc = M.accuracy(ys, scores.data) if classification else math.nan
                if not math.isfinite(loss) or _memorised(classification, loss, acc, first):
                    break
    return {
        "steps": used,
        "initial_loss": first,
        "loss": loss,
        "accuracy": acc,
        "lr_scale": lr_scale,
        "classification": classification,
        "passed": _memorised(classification, loss, acc, first),
    }


def _memorised(classification, loss, acc, first):
    if classification:
        return acc == 1.0 and loss < 0.05
    return loss < 1e-3 * max(first, 1e-12)


def check_overfit(model, loss_fn, X, y, *, optimizer_factory=None, n_samples=20, steps=500, seed=0):
    """Train a copy on `n_samples` samples, full batch, for up to `steps` steps: the loss should reach ~0.

    When the optimizer as given does not get there, a second try with 10x its lr tells a too-small lr
    (warn) from a model, loss or backward that cannot learn (fail).
    """
    Xs, ys = _sample(X, y, n_samples, seed)
    factory = optimizer_factory or _default_optimizer
    xt, yt = _inputs(Xs, model), _targets(ys, model)
    tries = [_memorise(model, loss_fn, xt, yt, ys, factory, steps, 1.0)]
    if not tries[0]["passed"] and math.isfinite(tries[0]["loss"]):
        tries.append(_memorise(model, loss_fn, xt, yt, ys, factory, steps, 10.0))
    data = {"samples": len(Xs), "tries": tries}
    data.update({k: tries[-1][k] for k in ("steps", "initial_loss", "loss", "accuracy")})

    def what(t):
        return (
            f"{len(Xs)} samples, {t['steps']} steps"
            + (" at 10x the lr" if t["lr_scale"] != 1 else "")
            + f": loss {t['initial_loss']:.4g} -> {t['loss']:.4g}"
            + (f", accuracy {100 * t['accuracy']:.0f}%" if t["classification"] else "")
        )

    first = tries[0]
    if first["passed"]:
        return Check(
            "overfit tiny batch",
            "ok",
            what(first) + " (it can memorise: model, loss and backward work)",
            data=data,
        )
    if not math.isfinite(first["loss"]):
        return Check(
            "overfit tiny batch",
            "fail",
            what(first) + " -- the loss became NaN/Inf",
            "training diverged even on a few samples: lower the learning rate (see the NaN/Inf check)",
            data,
        )
    if tries[1]["passed"]:
        return Check(
            "overfit tiny batch",
            "warn",
            f"{what(first)} -- not memorised; with 10x the lr: {what(tries[1])}",
            "the model can learn, but the learning rate looks too low for it",
            data,
        )
    advice = (
        "a model that cannot memorise a handful of samples has a bug or a blocked path: check that the loss "
        "gets the right targets, that gradients reach every layer (see the gradient check), for dead units, "
        "that regularisation and dropout are not too strong, and that the model is big enough"
    )
    return Check(
        "overfit tiny batch",
        "fail",
        what(first) + " -- it did not memorise them (nor at 10x the lr)",
        advice,
        data,
    )


def check_activations(
    model,
    X,
    *,
    n_samples=512,
    seed=0,
    dead_warn=0.3,
    dead_fail=0.6,
    sat_warn=0.1,
    sat_fail=0.5,
    saturation=0.97,
):
    """Per layer: the fraction of ReLU units that are never positive on the batch (dead), and of tanh/sigmoid
    outputs within (1 - saturation) of their limits (saturated, so their gradient is nearly 0)."""
    Xs = np.asarray(X)[np.random.default_rng(seed).permutation(len(X))[:n_samples]]
    model = copy.deepcopy(model).train()
    with no_grad(), _Watch(model) as watch:
        model(_inputs(Xs, model))
    kinds = {name: type(m).__name__ for name, m in _leaves(model)}
    layers, worst = {}, "ok"
    for name, outs in watch.outputs.items():
        a = outs[0]
        kind = kinds[name]
        if kind == "ReLU":
            units = a.reshape(len(a), -1)
            frac = float(np.mean(~(units > 0).any(axis=0)))
            layers[name] = {"kind": kind, "dead": frac}
            level = "fail" if frac >= dead_fail else "warn" if frac >= dead_warn else "ok"
        elif kind in ("Tanh", "Sigmoid"):
            if kind == "Tanh":
                frac = float(np.mean(np.abs(a) > saturation))
            else:
                frac = float(np.mean((a < 1 - saturation) | (a > saturation)))
            layers[name] = {"kind": kind, "saturated": frac}
            level = "fail" if frac >= sat_fail else "warn" if frac >= sat_warn else "ok"
        else:
            continue
        layers[name]["status"] = level
        worst = max(worst, level, key=("ok", "warn", "fail").index)
    if not layers:
        return Check(
            "activations",
            "skip",
            "no ReLU/Tanh/Sigmoid layers to watch (activations applied as "
            "functions inside forward() cannot be seen)",
            data={"layers": layers},
        )
    parts = []
    for name, info in layers.items():
        if "dead" in info:
            parts.append(f"{name} ({info['kind']}) {100 * info['dead']:.0f}% dead")
        else:
            parts.append(f"{name} ({info['kind']}) {100 * info['saturated']:.0f}% saturated")
    found = "; ".join(parts)
    if worst == "ok":
        return Check("activations", "ok", found, data={"layers": layers})
    advice = []
    if any(i.get("status") != "ok" and "dead" in i for i in layers.values()):
        advice.append(
            "dead ReLUs never pass a gradient: check for large negative biases, lower the lr, use He "
            "initialisation (nn.init.kaiming_normal_) or LeakyReLU"
        )
    if any(i.get("status") != "ok" and "saturated" in i for i in layers.values()):
        advice.append(
            "saturated tanh/sigmoid units pass almost no gradient: shrink the initial weights "
            "(Xavier: nn.init.xavier_uniform_), standardise the inputs, or use ReLU"
        )
    return Check("activations", worst, found, "; ".join(advice), {"layers": layers})


def check_gradients(
    model,
    loss_fn,
    X,
    y,
    *,
    optimizer_factory=None,
    n_samples=256,
    steps=5,
    seed=0,
    low=1e-5,
    high=3e-2,
    wild=0.3,
):
    """Gradient norm per parameter, and the update-to-weight ratio ||dW|| / ||W|| over `steps` steps."""
    Xs, ys = _sample(X, y, n_samples, seed)
    model = copy.deepcopy(model).train()
    named = list(model.named_parameters())
    opt = (optimizer_factory or _default_optimizer)([p for _, p in named])
    xt, yt = _inputs(Xs, model), _targets(ys, model)
    grad_norms = {}
    ratios = {name: [] for name, _ in named}
    before = {}

    def measure(_model):
        if not grad_norms:  # the gradients of the first step, before any update
            grad_norms.update((n, None if p.grad is None else float(np.linalg.norm(p.grad))) for n, p in named)
        before.update((n, p.data.copy()) for n, p in named)

    with np.errstate(all="ignore"):
        for _ in range(steps):
            train_step(model, loss_fn, opt, xt, yt, check_finite=False, before_step=measure)
            for n, p in named:
                w = float(np.linalg.norm(before[n]))
                if w > 0:
                    ratios[n].append(float(np.linalg.norm(p.data - before[n])) / w)
    ratio = {n: (float(np.mean(r)) if r else None) for n, r in ratios.items()}
    weights = [n for n, p in named if p.ndim >= 2 and ratio[n] is not None]
    data = {"grad_norm": grad_norms, "update_ratio": ratio}
    problems, advice, status = [], [], "ok"
    unconnected = [n for n, g in grad_norms.items() if g is None]
    if unconnected:
        problems.append(f"no gradient reaches {', '.join(unconnected)}")
        advice.append(
            "parameters without a gradient are not used by the loss (a detached branch, or a layer "
            "created but never called)"
        )
        status = "warn"
    finite = [g for g in grad_norms.values() if g is not None and math.isfinite(g)]
    top = max(finite, default=0.0)
    vanishing = [n for n, g in grad_norms.items() if g is not None and top > 0 and g < 1e-7 * top]
    if vanishing or (finite and top == 0.0):
        problems.append(f"vanishing gradients at {', '.join(vanishing) or 'every parameter'}")
        advice.append(
            "gradients die on the way back: look for dead ReLUs or saturated units (activations check)"
        )
        status = "fail"
    if weights:
        median = float(np.median([ratio[n] for n in weights]))
        data["median_update_ratio"] = median
        if not math.isfinite(median):
            problems.append("an optimizer step made the weights NaN/Inf")
            advice.append("the learning rate is far too high: lower it 10-100x (see the NaN/Inf check)")
            status = "fail"
        elif median > wild:
            problems.append(f"updates are {median:.2g} of the weights per step (healthy is about 1e-3)")
            advice.append("the learning rate is far too high: lower it 10-100x")
            status = "fail"
        elif median > high:
            problems.append(
                f"updates are large, {median:.2g} of the weights per step (healthy is about 1e-3)"
            )
            advice.append("if the loss is noisy or climbs, lower the learning rate")
            status = max(status, "warn", key=("ok", "warn", "fail").index)
        elif median < low:
            problems.append(f"updates are tiny, {median:.2g} of the weights per step (healthy is about 1e-3)")
            advice.append(
                "the learning rate is too low (or gradients vanish): raise it, or run the lr range test"
            )
            status = max(status, "warn", key=("ok", "warn", "fail").index)
    shown = ", ".join(
        f"{n} |g|={grad_norms[n]:.2g} ratio={ratio[n]:.1e}" for n in weights if grad_norms.get(n) is not None
    )
    found = "; ".join(problems) if problems else "gradients reach every parameter"
    return Check(
        "gradients and updates", status, f"{found} ({shown})" if shown else found, "; ".join(advice), data
    )


def check_nonfinite(model, loss_fn, X, y, *, optimizer_factory=None, steps=50, batch_size=64, seed=0):
    """Train a copy for `steps` steps under `detect_anomaly()`; report the first op (and layer) to make
    a NaN or Inf."""
    X, y = np.asarray(X), np.asarray(y)
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        bad = np.argwhere(~np.isfinite(X.reshape(len(X), -1)))[0]
        return Check(
            "NaN/Inf",
            "fail",
            f"the inputs hold NaN/Inf (first at sample {bad[0]}, feature {bad[1]})",
            "clean or impute the data before training",
            {"where": "data"},
        )
    model = copy.deepcopy(model).train()
    opt = (optimizer_factory or _default_optimizer)(model.parameters())
    rng = np.random.default_rng(seed)
    phase = "forward"

    def watched_loss(out, target):  # the step's phases, seen from outside it
        nonlocal phase
        phase = "loss"
        loss = loss_fn(out, target)
        phase = "backward"
        return loss

    def stepping(_model):
        nonlocal phase
        phase = "step"

    with _Watch(model, record=False) as watch, detect_anomaly(), np.errstate(all="ignore"):
        for step in range(1, steps + 1):
            idx = rng.choice(len(X), size=min(batch_size, len(X)), replace=False)
            try:
                phase = "forward"
                train_step(model, watched_loss, opt, X[idx], y[idx], check_finite=False, before_step=stepping)
            except FloatingPointError as err:
                if phase == "step":
                    raise
                layer = watch.failed_in
                where = f" in layer {layer[0]} ({layer[1]})" if layer and phase == "forward" else ""
                lr = opt.param_groups[0].get("lr") if hasattr(opt, "param_groups") else None
                data = {
                    "step": step,
                    "phase": phase,
                    "op": str(err).split(" produced")[0],
                    "layer": layer[0] if layer else None,
                    "lr": lr,
                }
                return Check(
                    "NaN/Inf",
                    "fail",
                    f"at training step {step} ({phase} pass){where}: {err}",
                    "values overflowed: lower the learning rate"
                    + (f" (now {lr:g})" if lr else "")
                    + ", clip gradients (clip_grad_norm_), or check that a log/division never sees 0",
                    data,
                )
            bad = [n for n, p in model.named_parameters() if not np.isfinite(p.data).all()]
            if bad:
                return Check(
                    "NaN/Inf",
                    "fail",
                    f"at training step {step} the optimizer step made {', '.join(bad)} NaN/Inf",
                    "lower the learning rate or clip gradients",
                    {"step": step, "phase": "optimizer", "op": "step", "layer": bad[0]},
                )
    return Check(
        "NaN/Inf", "ok", f"{steps} training steps under detect_anomaly() stayed finite", data={"steps": steps}
    )


class LRRangeResult:
    """The lr range test's curve (`lrs`, `losses`, `smoothed`) and its readings: `suggested_lr` (steepest
    descent of the smoothed loss), `min_loss_lr`, and `diverged_lr` (None if it never blew up)."""

    def __init__(self, lrs, losses, smoothed, suggested_lr, min_loss_lr, diverged_lr):
        self.lrs, self.losses, self.smoothed = lrs, losses, smoothed
        self.suggested_lr, self.min_loss_lr, self.diverged_lr = suggested_lr, min_loss_lr, diverged_lr

    def __repr__(self):
        return (
            f"LRRangeResult(suggested_lr={self.suggested_lr:.3g}, min_loss_lr={self.min_loss_lr:.3g}, "
            f"diverged_lr={self.diverged_lr})"
        )


def lr_range_test(
    model,
    loss_fn,
    X,
    y,
    *,
    optimizer_factory=None,
    lr_min=1e-6,
    lr_max=10.0,
    steps=200,
    batch_size=32,
    beta=0.9,
    diverge_factor=4.0,
    seed=0,
):
    """Train a copy while the lr grows from lr_min to lr_max geometrically; stop when the loss blows up.

    Returns an `LRRangeResult`. The suggestion is the lr where the (exponentially smoothed) loss falls
    fastest per factor of lr, a usual starting point (Smith, 2017).
    """
    X, y = np.asarray(X), np.asarray(y)
    model = copy.deepcopy(model).train()
    opt = (optimizer_factory or _default_optimizer)(model.parameters())
    rng = np.random.default_rng(seed)
    lrs_planned = lr_min * (lr_max / lr_min) ** (np.arange(steps) / max(steps - 1, 1))
    lrs, losses, smoothed = [], [], []
    avg, best, diverged = 0.0, math.inf, None
    order = rng.permutation(len(X))
    pos = 0
    with np.errstate(all="ignore"):
        for i, lr in enumerate(lrs_planned):
            if pos + batch_size > len(order):
                order, pos = rng.permutation(len(X)), 0
            idx = order[pos : pos + batch_size]
            pos += batch_size
            for group in opt.param_groups:
                group["lr"] = float(lr)
            try:  # the step is taken before the smoothed-loss test below; a stopping run is thrown away
                value, _ = train_step(model, loss_fn, opt, X[idx], y[idx])
            except NonFiniteLossError:
                diverged = float(lr)
                break
            avg = beta * avg + (1 - beta) * value
            s = avg / (1 - beta ** (i + 1))
            lrs.append(float(lr))
            losses.append(value)
            smoothed.append(s)
            best = min(best, s)
            if s > diverge_factor * best and i > 10:
                diverged = float(lr)
                break
    lrs_a, sm = np.asarray(lrs), np.asarray(smoothed)
    if len(sm) >= 3:
        slope = np.gradient(sm, np.log(lrs_a))
        skip = min(5, len(sm) // 10)  # the first smoothed values lag behind
        i = skip + int(np.argmin(slope[skip:]))
        suggested, min_loss_lr = float(lrs_a[i]), float(lrs_a[int(np.argmin(sm))])
    else:
        suggested = min_loss_lr = float(lrs_a[0]) if len(lrs_a) else lr_min
    return LRRangeResult(lrs, losses, smoothed, suggested, min_loss_lr, diverged)


def check_lr_range(model, loss_fn, X, y, *, optimizer_factory=None, current_lr=None, **kwargs):
    """The lr range test as a check: suggests an lr, and warns when `current_lr` is past the blow-up point."""
    if current_lr is not None and "lr_max" not in kwargs:
        kwargs["lr_max"] = max(10.0, 10 * current_lr)  # sweep past the lr in use, to see if it is safe
    result = lr_range_test(model, loss_fn, X, y, optimizer_factory=optimizer_factory, **kwargs)
    data = {
        "suggested_lr": result.suggested_lr,
        "min_loss_lr": result.min_loss_lr,
        "diverged_lr": result.diverged_lr,
        "current_lr": current_lr,
    }
    found = (
        f"steepest loss drop at lr ~ {result.suggested_lr:.2g}, "
        f"lowest loss at lr ~ {result.min_loss_lr:.2g}, "
        + (
            f"diverges from lr ~ {result.diverged_lr:.2g}"
            if result.diverged_lr
            else f"no divergence up to {result.lrs[-1]:.2g}"
            if result.lrs
            else "no steps ran"
        )
    )
    if len(result.smoothed) >= 3 and min(result.smoothed) > 0.98 * result.smoothed[0]:
        return Check(
            "lr range test",
            "warn",
            found + " -- but the loss never really fell",
            "the loss does not respond to any lr: check the data/labels and the overfit check",
            data,
        )
    if current_lr is not None and result.diverged_lr is not None and current_lr >= result.diverged_lr:
        return Check(
            "lr range test",
            "fail",
            found + f"; your lr {current_lr:g} is past that point",
            f"use an lr near {result.suggested_lr:.2g} (below {result.diverged_lr / 10:.2g})",
            data,
        )
    return Check("lr range test", "ok", found, f"start near lr {result.suggested_lr:.2g}", data)


def check_class_balance(y, *, n_classes=None, ratio_warn=3.0, ratio_fail=20.0):
    """How unevenly the labels are spread: the ratio of the largest to the smallest class."""
    y = np.asarray(y)
    if M.infer_task(y) != "classification" or y.ndim != 1:
        return Check("class balance", "skip", "targets are not class labels")
    labels = y.astype(np.int64)
    if labels.min() < 0:
        labels = (labels > 0).astype(np.int64)  # -1/+1 labels of a binary SVM
    counts = np.bincount(labels, minlength=n_classes or 0)
    present = counts[counts > 0]
    ratio = float(present.max() / present.min())
    data = {"counts": counts.tolist(), "ratio": ratio}
    shares = ", ".join(f"{k}: {100 * c / len(labels):.1f}%" for k, c in enumerate(counts))
    found = f"{len(present)} classes, largest/smallest = {ratio:.1f} ({shares})"
    advice = (
        "accuracy will flatter a model that ignores rare classes: weight the loss by "
        "hackgrad.data.class_weights(y), sample balanced batches (DataLoader(..., balanced=True)), and watch "
        "per-class recall or a confusion matrix"
    )
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        return Check(
            "class balance", "warn", found + f"; classes {empty.tolist()} have no samples", advice, data
        )
    if ratio >= ratio_fail:
        return Check("class balance", "fail", found + " -- severely imbalanced", advice, data)
    if ratio >= ratio_warn:
        return Check("class balance", "warn", found + " -- imbalanced", advice, data)
    return Check("class balance", "ok", found, data=data)


CHECKS = ("initial_loss", "overfit", "activations", "gradients", "nonfinite", "lr_range", "class_balance")


def diagnose(model, loss_fn, X, y, *, optimizer_factory=None, checks=CHECKS, seed=0, lr_steps=200):
    """Run the debugging checks on copies of `model` and return a `DiagnosticReport` (print it).

    `optimizer_factory(params) -> Optimizer` builds the optimizer the training checks use (default Adam,
    lr 1e-3); pass the one you train with, e.g. `lambda p: optim.SGD(p, lr=0.1, momentum=0.9)`.
    `checks` picks a subset of CHECKS.
    """
    unknown = [c for c in checks if c not in CHECKS]
    if unknown:
        raise ValueError(f"diagnose: unknown checks {unknown}; expected some of {', '.join(CHECKS)}")
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"diagnose: X has {len(X)} samples but y has {len(y)}")
    factory = optimizer_factory or _default_optimizer
    current_lr = None
    with contextlib.suppress(Exception):
        current_lr = float(factory(copy.deepcopy(model).parameters()).param_groups[0]["lr"])
    out = []
    for name in checks:
        if name == "initial_loss":
            out.append(check_initial_loss(model, loss_fn, X, y, seed=seed))
        elif name == "overfit":
            out.append(check_overfit(model, loss_fn, X, y, optimizer_factory=factory, seed=seed))
        elif name == "activations":
            out.append(check_activations(model, X, seed=seed))
        elif name == "gradients":
            out.append(check_gradients(model, loss_fn, X, y, optimizer_factory=factory, seed=seed))
        elif name == "nonfinite":
            out.append(check_nonfinite(model, loss_fn, X, y, optimizer_factory=factory, seed=seed))
        elif name == "lr_range":
            # the range test sweeps the lr itself; it uses the optimizer's kind, not its lr
            out.append(
                check_lr_range(
                    model,
                    loss_fn,
                    X,
                    y,
                    optimizer_factory=factory,
                    current_lr=current_lr,
                    steps=lr_steps,
                    seed=seed,
                )
            )
        elif name == "class_balance":
            out.append(check_class_balance(y))
    return DiagnosticReport(out)

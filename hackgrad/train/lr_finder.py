"""The learning-rate range test (Smith, 2017): train a copy while the lr grows geometrically, read the curve.

`lr_range_test` returns the curve and its readings; `check_lr_range` turns them into a diagnostic `Check`
(registered in `hackgrad.train.diagnostics` as "lr_range").
"""

import copy
import math

import numpy as np

from hackgrad.train.checks import Check, _default_optimizer
from hackgrad.train.step import NonFiniteLossError, train_step

__all__ = ["LRRangeResult", "lr_range_test", "check_lr_range"]


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

"""Learning-rate schedules with PyTorch's names, writing each parameter group's `lr`.

A schedule here is a closed-form function of the step count (`last_epoch`) and the lr each group started
from (`initial_lr`, recorded in the group by the first scheduler attached): `step()` advances the count and
writes `base_lr * factor(t)` into the groups. PyTorch computes most of these recursively from the current
lr; the numbers agree to rounding, and a closed form is easier to read and to resume. The one exception is
`ReduceLROnPlateau`, which reacts to a metric and so can only scale the current lr.

Call `scheduler.step()` after `optimizer.step()`, once per epoch (or per batch, for warm-up).
"""

import copy
import math
import numbers
from bisect import bisect_right

from hackgrad.optim.base import Optimizer

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "StepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "SequentialLR",
    "ReduceLROnPlateau",
    "warmup",
]


class LRScheduler:
    """Base of the closed-form schedules: a subclass writes `get_lr()` from `base_lrs` and `last_epoch`."""

    # attributes that are wiring, not state: never saved
    _not_state = ("optimizer",)

    def __init__(self, optimizer, last_epoch=-1):
        _check_optimizer(self, optimizer)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs 'initial_lr' in "
                        f"param_groups[{i}]; load the optimizer's state_dict first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._check()
        self.step()

    def _check(self):
        """Raise ValueError for hyperparameters this schedule cannot use (subclasses extend); it runs on
        construction and on every `load_state_dict`, so a saved state meets the same rules."""
        owner = type(self).__name__
        if isinstance(self.last_epoch, bool) or not isinstance(self.last_epoch, int) or self.last_epoch < -1:
            raise ValueError(f"{owner}: last_epoch must be an integer >= -1, got {self.last_epoch!r}")
        n = len(self.optimizer.param_groups)
        if not isinstance(self.base_lrs, list) or len(self.base_lrs) != n:
            raise ValueError(f"{owner}: base_lrs must list one lr per parameter group ({n}), got {self.base_lrs!r}")
        for lr in self.base_lrs:
            _check_lr(owner, "base_lrs", lr)

    def get_lr(self):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self):
        self.last_epoch += 1
        self._apply(self.get_lr())

    def _apply(self, lrs):
        for lr in lrs:  # checked before any group changes: a NaN or negative lr would poison every weight
            _check_lr(type(self).__name__, f"the lr computed for step {self.last_epoch}", lr)
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self):
        """The lr of each parameter group after the last `step()`."""
        return list(self._last_lr)

    def state_dict(self):
        """Plain numbers and lists (JSON-friendly): everything but the optimizer and functions."""
        return {k: v for k, v in vars(self).items() if k not in self._not_state}

    def load_state_dict(self, state_dict):
        """Restore what `state_dict` saved. Every key must be there and pass the constructor's checks, and
        the lr it implies must be usable; otherwise nothing changes."""
        vars(self).update(self._validated(state_dict))

    def _validated(self, state_dict, expected=None):
        """The attribute values `state_dict` would set, checked on a copy of this scheduler."""
        owner = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict):
            raise ValueError(f"{owner}: expected a dict, got {type(state_dict).__name__}")
        expected = set(self.state_dict()) if expected is None else expected
        unknown = sorted(set(state_dict) - expected)
        if unknown:
            raise ValueError(f"{owner}: unknown keys {unknown}; expected {sorted(expected)}")
        missing = sorted(expected - set(state_dict))
        if missing:
            raise ValueError(f"{owner}: missing keys {missing} (was it saved by a different scheduler?)")
        values = {k: list(v) if isinstance(v, tuple) else v for k, v in state_dict.items()}
        trial = copy.copy(self)  # checked on a copy first: all or nothing
        vars(trial).update(values)
        try:
            trial._check()
            for lr in trial._lr_to_check():
                _check_lr(type(self).__name__, f"the lr at step {trial.last_epoch}", lr)
        except (TypeError, ValueError, ArithmeticError) as e:
            raise ValueError(f"{owner}: the saved state is invalid: {e}") from None
        return values

    def _lr_to_check(self):
        return self.get_lr()


def _check_optimizer(scheduler, optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{type(scheduler).__name__}: expected an Optimizer, got {type(optimizer).__name__}")


def _check_positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or int(value) != value or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value}")


def _check_lr(owner, what, lr):
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not 0 <= lr < math.inf:
        raise ValueError(f"{owner}: {what} must be a finite number >= 0, got {lr!r}")


def _check_factor(owner, name, value, low=0.0, high=math.inf, low_open=True):
    """A finite number in (low, high] (or [low, high] when low_open is False)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{owner}: {name} must be a finite number, got {value!r}")
    if (value <= low if low_open else value < low) or value > high:
        bracket = "(" if low_open else "["
        raise ValueError(f"{owner}: {name} must be in {bracket}{low:g}, {high:g}], got {value}")


class LambdaLR(LRScheduler):
    """lr = base_lr * lr_lambda(t), with one function for all groups or one per group."""

    _not_state = ("optimizer", "lr_lambdas")

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(self, optimizer)
        n = len(optimizer.param_groups)
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n:
                raise ValueError(
                    f"LambdaLR: expected {n} lr_lambdas (one per parameter group), got {len(lr_lambda)}"
                )
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * n
        for f in self.lr_lambdas:
            if not callable(f):
                raise TypeError(
                    f"LambdaLR: lr_lambda must be callable (epoch -> factor), got {type(f).__name__}"
                )
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class StepLR(LRScheduler):
    """lr = base_lr * gamma ** (t // step_size): drop by gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_positive_int("StepLR", "step_size", step_size)
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _check(self):
        super()._check()
        _check_positive_int("StepLR", "step_size", self.step_size)
        _check_factor("StepLR", "gamma", self.gamma)  # a negative gamma flips the lr's sign every step_size

    def get_lr(self):
        return [base * self.gamma ** (self.last_epoch // self.step_size) for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """lr = base_lr * gamma ** t"""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _check(self):
        super()._check()
        if isinstance(self.gamma, numbers.Real) and not self.gamma > 0:
            raise ValueError(f"ExponentialLR: gamma must be > 0, got {self.gamma}")
        _check_factor("ExponentialLR", "gamma", self.gamma)

    def get_lr(self):
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2: base_lr down to eta_min.

    Past T_max the cosine carries on, climbing back to base_lr at 2*T_max, as PyTorch's does.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_positive_int("CosineAnnealingLR", "T_max", T_max)
        self.T_max = int(T_max)
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def _check(self):
        super()._check()
        _check_positive_int("CosineAnnealingLR", "T_max", self.T_max)
        _check_lr("CosineAnnealingLR", "eta_min", self.eta_min)

    def get_lr(self):
        cos = math.cos(math.pi * self.last_epoch / self.T_max)
        return [self.eta_min + (base - self.eta_min) * (1 + cos) / 2 for base in self.base_lrs]


class LinearLR(LRScheduler):
    """lr = base_lr * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)

    With start_factor < 1 = end_factor this is a linear warm-up over total_iters steps.
    """

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1):
        _check_positive_int("LinearLR", "total_iters", total_iters)
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def _check(self):
        super()._check()
        _check_factor("LinearLR", "start_factor", self.start_factor, 0.0, 1.0)
        _check_factor("LinearLR", "end_factor", self.end_factor, 0.0, 1.0, low_open=False)
        _check_positive_int("LinearLR", "total_iters", self.total_iters)

    def get_lr(self):
        progress = min(self.last_epoch, self.total_iters) / self.total_iters
        factor = self.start_factor + (self.end_factor - self.start_factor) * progress
        return [base * factor for base in self.base_lrs]


class SequentialLR(LRScheduler):
    """Hand over from one schedule to the next at each milestone; each starts its own count at 0 there.

    `SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), CosineAnnealingLR(opt, T_max=95)], milestones=[5])`
    warms up for 5 steps and then anneals.
    """

    _not_state = ("optimizer", "_schedulers")

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer(self, optimizer)
        schedulers, milestones = list(schedulers), [int(m) for m in milestones]
        if not schedulers:
            raise ValueError("SequentialLR: needs at least one scheduler")
        for i, s in enumerate(schedulers):
            if isinstance(s, ReduceLROnPlateau) or not isinstance(s, LRScheduler):
                raise TypeError(
                    f"SequentialLR: schedulers[{i}] is a {type(s).__name__}; expected a closed-form "
                    "schedule (StepLR, LinearLR, ...), not ReduceLROnPlateau"
                )
            if s.optimizer is not optimizer:
                raise ValueError(f"SequentialLR: schedulers[{i}] drives a different optimizer")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: {len(schedulers)} schedulers need {len(schedulers) - 1} milestones, "
                f"got {len(milestones)}"
            )
        if any(m < 1 for m in milestones) or milestones != sorted(set(milestones)):
            raise ValueError(
                f"SequentialLR: milestones must be increasing positive integers, got {milestones}"
            )
        self.optimizer = optimizer
        self._schedulers = schedulers
        self._milestones = milestones
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._check()
        self.step()

    def _check(self):
        super()._check()
        m = self._milestones
        if not isinstance(m, list) or len(m) != len(self._schedulers) - 1 or m != sorted(set(m)) or m[:1] < [1]:
            raise ValueError(f"SequentialLR: milestones must be increasing positive integers, got {m!r}")

    def _lr_to_check(self):
        return []  # each schedule checks its own; get_lr here would move the active one's count

    def get_lr(self):
        idx = bisect_right(self._milestones, self.last_epoch)
        start = self._milestones[idx - 1] if idx > 0 else 0
        current = self._schedulers[idx]
        current.last_epoch = self.last_epoch - start  # the active schedule counts from its milestone
        return current.get_lr()

    def state_dict(self):
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict):
        if not isinstance(state_dict, dict):
            raise ValueError(f"SequentialLR.load_state_dict: expected a dict, got {type(state_dict).__name__}")
        state = dict(state_dict)
        children = state.pop("_schedulers", None)
        if not isinstance(children, list) or len(children) != len(self._schedulers):
            n = len(children) if isinstance(children, list) else "no list of"
            raise ValueError(
                f"SequentialLR.load_state_dict: saved {n} schedulers, this one has {len(self._schedulers)}"
            )
        expected = set(self.state_dict()) - {"_schedulers"}
        values = self._validated(state, expected)
        child_values = [s._validated(child) for s, child in zip(self._schedulers, children)]
        vars(self).update(values)  # all checked: now assign
        for s, v in zip(self._schedulers, child_values):
            vars(s).update(v)


def warmup(optimizer, warmup_iters, after=None, start_factor=0.1, last_epoch=-1):
    """Linear warm-up from start_factor * lr to lr over `warmup_iters` steps, then `after` (if given).

    `last_epoch` places the whole schedule at that step (a resumed run; see `SequentialLR`)."""
    ramp = LinearLR(optimizer, start_factor=start_factor, end_factor=1.0, total_iters=warmup_iters,
                    last_epoch=-1 if after is not None else last_epoch)
    if after is None:
        return ramp
    return SequentialLR(optimizer, [ramp, after], milestones=[warmup_iters], last_epoch=last_epoch)


class ReduceLROnPlateau(LRScheduler):
    """Multiply lr by `factor` once the metric has not improved for more than `patience` steps.

    "Improved" means below best * (1 - threshold) in mode "min" with threshold_mode "rel" (above
    best * (1 + threshold) in mode "max"; best -/+ threshold with threshold_mode "abs"). After a cut,
    `cooldown` steps pass before bad steps count again; lr never goes below `min_lr`, and cuts smaller than
    `eps` are skipped.
    """

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    ):
        _check_optimizer(self, optimizer)
        n = len(optimizer.param_groups)
        self.optimizer = optimizer
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor, self.patience, self.threshold = factor, patience, threshold
        self.cooldown, self.eps = cooldown, eps
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * n
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._check()
        self.patience, self.cooldown = int(patience), int(cooldown)
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _check(self):
        owner = "ReduceLROnPlateau"
        if self.mode not in ("min", "max"):
            raise ValueError(f"{owner}: mode must be 'min' or 'max', got {self.mode!r}")
        if self.threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{owner}: threshold_mode must be 'rel' or 'abs', got {self.threshold_mode!r}")
        f = self.factor
        if isinstance(f, bool) or not isinstance(f, numbers.Real) or not 0 <= f < 1:
            raise ValueError(f"{owner}: factor must be in [0, 1), got {f}")
        for name in ("patience", "cooldown", "num_bad_epochs", "cooldown_counter", "last_epoch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or int(value) != value or value < 0:
                raise ValueError(f"{owner}: {name} must be a non-negative integer, got {value}")
        _check_lr(owner, "threshold", self.threshold)
        _check_lr(owner, "eps", self.eps)
        n = len(self.optimizer.param_groups)
        if not isinstance(self.min_lrs, list) or len(self.min_lrs) != n:
            got = len(self.min_lrs) if isinstance(self.min_lrs, list) else repr(self.min_lrs)
            raise ValueError(f"{owner}: expected {n} min_lrs (one per parameter group), got {got}")
        for lr in self.min_lrs:
            _check_lr(owner, "min_lr", lr)
        if isinstance(self.best, bool) or not isinstance(self.best, numbers.Real) or math.isnan(self.best):
            raise ValueError(f"{owner}: best must be a number, got {self.best!r}")

    def _lr_to_check(self):
        return []  # this one only scales the lr the optimizer already has

    def is_better(self, current, best):
        rel = self.threshold_mode == "rel"
        if self.mode == "min":
            return current < (best * (1 - self.threshold) if rel else best - self.threshold)
        return current > (best * (1 + self.threshold) if rel else best + self.threshold)

    def step(self, metrics):
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad steps right after a cut are the cut settling in
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

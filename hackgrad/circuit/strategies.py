"""The guide's three ways to find how to tweak a circuit's inputs, and the gradient check built on them.

`f` is the learner's function as written: Unit operators and methods (`(a * b + c).tanh()`), or the
function forms in hackgrad.circuit (`exp`, `maximum`, ...). Every strategy calls it on Units: random
search and numerical gradients read only the output's value (a forward pass), the analytic gradient
also backpropagates. Cost is counted in forward passes of `f`.
"""

import math
import random
import sys
from numbers import Real
from typing import NamedTuple

from hackgrad.circuit.unit import Unit


def _check_values(values, where):
    if not values:
        raise ValueError(f"{where}: give the circuit's input values, e.g. {where}(f, -2.0, 3.0)")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, Real):
            raise TypeError(f"{where}: input {i} must be a real number, got {type(v).__name__} {v!r}")
    return [float(v) for v in values]


def _forward(f, values):
    """One forward pass of `f` at `values`: called on Units, so methods such as `.tanh()` work."""
    out = f(*[Unit(v) for v in values])
    if isinstance(out, Unit):  # strategies 1 and 2 only read the value
        return out.value
    return _check_output(out, f)


def _check_output(out, f):
    if isinstance(out, bool) or not isinstance(out, Real):
        name = getattr(f, "__name__", "f")
        raise TypeError(f"{name} returned {type(out).__name__}; expected a Unit or a real number (the output)")
    return float(out)


# --- strategy 1 -----------------------------------------------------------------------------------


class SearchResult(NamedTuple):
    best_out: float
    best_inputs: list
    forward_passes: int


def random_search(f, *values, tweak=0.01, iters=100, seed=None, rng=None):
    """Try `iters` random tweaks of every input by up to +-tweak and keep the one with the highest output.

    Each try starts from the given inputs (not from the best so far), as in the guide.
    """
    values = _check_values(values, "random_search")
    if rng is None:
        rng = random.Random(seed)
    best_out, best_inputs = -math.inf, list(values)
    for _ in range(iters):
        trial = [v + tweak * (rng.random() * 2 - 1) for v in values]
        out = _forward(f, trial)
        if out > best_out:
            best_out, best_inputs = out, trial
    return SearchResult(best_out, best_inputs, iters)


# --- strategy 2 -----------------------------------------------------------------------------------


def numerical_gradient(f, *values, h=1e-4, method="forward"):
    """d f / d each input by finite differences: "forward" (f(x+h) - f(x)) / h costs n+1 passes,
    "centered" (f(x+h) - f(x-h)) / 2h costs 2n passes and is exact up to O(h**2) rather than O(h)."""
    values = _check_values(values, "numerical_gradient")
    if method not in ("forward", "centered"):
        raise ValueError(f"numerical_gradient: method must be 'forward' or 'centered', got {method!r}")
    if not h > 0:
        raise ValueError(f"numerical_gradient: the step h must be > 0, got {h}")
    f0 = _forward(f, values) if method == "forward" else None
    grads = []
    for i in range(len(values)):
        up = list(values)
        up[i] += h
        if method == "forward":
            grads.append((_forward(f, up) - f0) / h)
        else:
            down = list(values)
            down[i] -= h
            grads.append((_forward(f, up) - _forward(f, down)) / (2 * h))
    return grads


# --- strategy 3 -----------------------------------------------------------------------------------


def analytic_gradient(f, *values):
    """Wire `f` as a circuit of Units, tug on its output with +1, and backpropagate.

    Returns (output value, [d f / d each input]): one forward pass and one backward pass.
    """
    values = _check_values(values, "analytic_gradient")
    inputs = [Unit(v) for v in values]
    out = f(*inputs)
    if not isinstance(out, Unit):
        raise TypeError(
            f"analytic_gradient: f returned {type(out).__name__}, not a Unit, so there is no circuit to "
            "backpropagate through; build f from Unit operations and hackgrad.circuit's functions (exp, "
            "log, tanh, maximum, ...): math.* functions turn a Unit into a plain float"
        )
    out.backward()
    return out.value, [u.grad for u in inputs]


# --- the gradient check ---------------------------------------------------------------------------


class CheckRow(NamedTuple):
    name: str
    value: float
    analytic: float
    numerical: float  # centred difference
    left: float  # one-sided (f(x) - f(x-h)) / h
    right: float  # one-sided (f(x+h) - f(x)) / h
    error: float  # |analytic - numerical| / max(|analytic|, |numerical|)
    status: str  # "ok", "kink" (analytic is a subgradient between left and right), or "MISMATCH"


class GradCheck:
    """The result of `gradcheck`: truthy when every input passed; its repr is a table of the inputs."""

    def __init__(self, rows, output, h, rtol, atol):
        self.rows, self.output, self.h, self.rtol, self.atol = rows, output, h, rtol, atol

    @property
    def ok(self):
        return all(r.status != "MISMATCH" for r in self.rows)

    def __bool__(self):
        return self.ok

    @property
    def mismatches(self):
        """Names of the inputs whose analytic gradient disagrees with the numerical one."""
        return [r.name for r in self.rows if r.status == "MISMATCH"]

    @property
    def kinks(self):
        """Names of the inputs that sit on (or within h of) a kink, where one-sided derivatives differ."""
        return [r.name for r in self.rows if r.status == "kink"]

    def __repr__(self):
        head = (
            f"gradcheck {'passed' if self.ok else 'FAILED'}: f = {self.output:.6g}, h = {self.h:g}, "
            f"rtol = {self.rtol:g}, atol = {self.atol:g}"
        )
        cols = ("input", "value", "analytic", "numerical", "left", "right", "rel.err", "status")
        lines = [head, "  ".join(f"{c:>12}" for c in cols)]
        for r in self.rows:
            cells = [r.name, *(f"{v:.6g}" for v in r[1:7]), r.status]
            lines.append("  ".join(f"{c:>12}" for c in cells))
        if self.kinks:
            lines.append(f"kink at {', '.join(self.kinks)}: the function is not differentiable there; the "
                         "analytic value lies between the one-sided derivatives (a subgradient)")
        if self.mismatches:
            lines.append(f"analytic and numerical gradients disagree for: {', '.join(self.mismatches)}")
        return "\n".join(lines)


def _input_names(f, n, names):
    if names is not None:
        if len(names) != n:
            raise ValueError(f"gradcheck: {len(names)} names for {n} inputs")
        return [str(x) for x in names]
    import inspect  # here, not at the top: it is slow to import and only names the rows

    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    if len(params) == n and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        return [p.name for p in params]
    return [f"x{i}" for i in range(n)]


def gradcheck(f, *values, h=1e-6, rtol=1e-5, atol=1e-7, names=None):
    """Compare the analytic gradient of `f` (backprop) with centred differences, input by input.

    An input passes when |analytic - numerical| <= atol + rtol * max(|analytic|, |numerical|). When it
    does not, the one-sided derivatives decide: if they differ, the input sits on a kink (max, ReLU or a
    hinge at or within h of a tie) and the analytic value is accepted when it lies between them; it is
    reported as a kink. Otherwise the input is a mismatch. Costs 2n+1 forward passes (two more for each input
    that needs the one-sided check) and one backward.
    """
    values = _check_values(values, "gradcheck")
    out, analytic = analytic_gradient(f, *values)
    f0 = _forward(f, values)
    rows = []
    for i, name in enumerate(_input_names(f, len(values), names)):
        up, down = list(values), list(values)
        up[i] += h
        down[i] -= h
        f_up, f_down = _forward(f, up), _forward(f, down)
        num = (f_up - f_down) / (2 * h)
        left, right = (f0 - f_down) / h, (f_up - f0) / h
        a = analytic[i]
        scale = max(abs(a), abs(num))
        error = abs(a - num) / scale if scale > 0 else 0.0
        if abs(a - num) <= atol + rtol * scale:
            status = "ok"
        else:
            # one-sided differences are only first-order accurate, and that error (h * curvature) can
            # hide a smooth side of a kink; halving h and extrapolating (Richardson) cancels it
            half_up, half_down = list(values), list(values)
            half_up[i] += h / 2
            half_down[i] -= h / 2
            right = 2 * (_forward(f, half_up) - f0) / (h / 2) - right
            left = 2 * (f0 - _forward(f, half_down)) / (h / 2) - left
            tol = atol + rtol * max(abs(left), abs(right))
            lo, hi = min(left, right), max(left, right)
            if lo - tol <= a <= hi + tol:  # a subgradient: a kink if the sides differ, else just a curved tie
                status = "kink" if hi - lo > tol else "ok"
            else:
                status = "MISMATCH"
        rows.append(CheckRow(name, values[i], a, num, left, right, error, status))
    return GradCheck(rows, out, h, rtol, atol)


# --- the three side by side -----------------------------------------------------------------------


class StrategyRow(NamedTuple):
    strategy: str
    gradient: list  # None for random search, which finds a better point but no direction
    out_before: float
    out_after: float  # random search: the best output found; the others: after one step along the gradient
    forward_passes: int
    backward_passes: int


def compare_strategies(f, *values, step_size=0.01, tweak=0.01, iters=100, h=1e-4, seed=None, file=sys.stdout):
    """Run the guide's three strategies on the same circuit, print them side by side, return the rows.

    Cost is the number of passes needed to decide how to move the inputs (the final evaluation after the
    step is not counted): random search `iters` forward passes, the numerical gradient n+1, backprop one
    forward and one backward.
    """
    values = _check_values(values, "compare_strategies")
    n = len(values)
    before = _forward(f, values)

    def after(grad):
        return _forward(f, [v + step_size * g for v, g in zip(values, grad)])

    search = random_search(f, *values, tweak=tweak, iters=iters, seed=seed)
    num = numerical_gradient(f, *values, h=h)
    _, ana = analytic_gradient(f, *values)
    rows = [
        StrategyRow("random search", None, before, search.best_out, search.forward_passes, 0),
        StrategyRow("numerical gradient", num, before, after(num), n + 1, 0),
        StrategyRow("analytic gradient", ana, before, after(ana), 1, 1),
    ]
    if file is not None:
        print(format_strategies(rows), file=file)
    return rows


def format_strategies(rows):
    """The rows of `compare_strategies` as a table."""
    lines = [f"{'strategy':<20} {'gradient':<28} {'before':>10} {'after':>10} {'cost (passes)':>16}"]
    for r in rows:
        grad = "-" if r.gradient is None else "[" + ", ".join(f"{g:.4g}" for g in r.gradient) + "]"
        cost = f"{r.forward_passes} fwd" + (f" + {r.backward_passes} bwd" if r.backward_passes else "")
        lines.append(f"{r.strategy:<20} {grad:<28} {r.out_before:>10.5g} {r.out_after:>10.5g} {cost:>16}")
    return "\n".join(lines)

"""What a diagnostic says (`Check`), a report of several (`DiagnosticReport`), and the registry of checks.

A check is a small function `check(ctx) -> Check` registered under a name with `register_check`;
`hackgrad.train.diagnose` runs the registered ones in order. The helpers below are what checks share.
"""

import numpy as np

from hackgrad.train.step import as_input, as_target, model_dtype

__all__ = ["Check", "DiagnosticReport", "CHECKS", "register_check", "STATUSES"]

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


# --- the registry: name -> check(context), in report order ----------------------------------------------
CHECKS = {}


def register_check(name):
    """Add `check(ctx) -> Check` to what `diagnose` runs; ctx has model, loss_fn, X, y, optimizer_factory,
    seed, current_lr and lr_steps."""

    def add(check):
        CHECKS[name] = check
        return check

    return add

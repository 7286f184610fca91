"""LBFGS: SciPy's L-BFGS-B driving the parameters through the Optimizer surface (not a re-implementation).

Each `step(closure)` flattens the parameters into one float64 vector, lets `scipy.optimize.minimize` call the
closure as often as its line search needs, and writes the best point it found back into the parameters.
"""

import numpy as np
import scipy.optimize

from hackgrad.autograd import enable_grad
from hackgrad.optim.base import Optimizer, check_nonnegative


class LBFGS(Optimizer):
    """Quasi-Newton steps from the last `history_size` gradient differences; SciPy does the work.

    `closure()` must zero the gradients, compute the loss, call `backward()` and return the loss. A step
    runs up to `max_iter` iterations (`max_eval` closure calls) and stops early when the largest gradient
    entry is at most `tolerance_grad`, or when the loss changes by at most `tolerance_change` relative to
    max(|loss|, 1) (SciPy's `ftol`; PyTorch's tolerance is absolute). SciPy's line search picks each step
    length, so `lr` is kept only for PyTorch compatibility and must be 1. The curvature history does not
    carry over from one `step` to the next.
    """

    def __init__(
        self,
        params,
        lr=1.0,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        **unknown,
    ):
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
        )
        super().__init__(params, defaults, unknown)
        if len(self.param_groups) != 1:
            raise ValueError(
                f"LBFGS: takes one parameter group (one flat vector), got {len(self.param_groups)}"
            )

    def add_param_group(self, param_group):
        if self.param_groups:
            raise ValueError("LBFGS: takes one parameter group (one flat vector); cannot add another")
        super().add_param_group(param_group)

    def check_group(self, group):
        check_nonnegative("LBFGS", group, "tolerance_grad", "tolerance_change")
        if group["lr"] != 1:
            raise ValueError(
                f"LBFGS: SciPy's line search sets the step length, so lr must be 1, got {group['lr']}"
            )
        for key in ("max_iter", "max_eval", "history_size"):
            if int(group[key]) != group[key] or group[key] < 1:
                raise ValueError(f"LBFGS: {key} must be a positive integer, got {group[key]}")

    def step(self, closure=None):
        """Minimise the closure's loss from the current parameters; returns the loss at the start."""
        if closure is None:
            raise TypeError(
                "LBFGS.step needs a closure that zeroes grads, computes the loss, calls backward() "
                "and returns the loss"
            )
        group = self.param_groups[0]
        params = group["params"]
        losses = []

        def loss_and_grad(x):
            _write(params, x)
            with enable_grad():
                loss = float(closure())
            losses.append(loss)
            return loss, _gather_grads(params)  # SciPy wants float64 (f, df/dx)

        x0 = np.concatenate([p.data.ravel() for p in params]).astype(np.float64)
        result = scipy.optimize.minimize(
            loss_and_grad,
            x0,
            jac=True,
            method="L-BFGS-B",
            options=dict(
                maxiter=int(group["max_iter"]),
                maxfun=int(group["max_eval"]),
                maxcor=int(group["history_size"]),
                gtol=group["tolerance_grad"],
                ftol=group["tolerance_change"],
            ),
        )
        _write(params, result.x)
        state = self.state.setdefault(params[0], {"func_evals": 0, "n_iter": 0})
        state["func_evals"] += int(result.nfev)
        state["n_iter"] += int(result.nit)
        self.result_ = result  # SciPy's report of the last step: message, success, fun, nit
        return losses[0]


def _write(params, x):
    """Copy the flat vector x into the parameters, in place and in each parameter's dtype."""
    offset = 0
    for p in params:
        p.data[...] = x[offset : offset + p.numel()].reshape(p.shape)
        offset += p.numel()


def _gather_grads(params):
    """The parameters' gradients as one float64 vector (a parameter the loss ignores contributes zeros)."""
    return np.concatenate(
        [np.zeros(p.size) if p.grad is None else np.asarray(p.grad, dtype=np.float64).ravel() for p in params]
    )

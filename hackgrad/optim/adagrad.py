"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients so far."""

import numpy as np

from hackgrad.optim.base import Optimizer, check_nonnegative


class Adagrad(Optimizer):
    """s <- s + g**2;  p <- p - lr_t * g / (sqrt(s) + eps),  lr_t = lr / (1 + (t - 1) * lr_decay)"""

    def __init__(
        self,
        params,
        lr=1e-2,
        lr_decay=0.0,
        weight_decay=0.0,
        initial_accumulator_value=0.0,
        eps=1e-10,
        *,
        maximize=False,
        **unknown,
    ):
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults, unknown)

    def check_group(self, group):
        check_nonnegative(
            "Adagrad", group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"
        )

    def init_state(self, p, group):
        return {"step": 0, "sum": np.full_like(p.data, group["initial_accumulator_value"])}

    def update(self, p, grad, state, group):
        state["step"] += 1
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += grad * grad
        p.data -= lr_t * grad / (np.sqrt(state["sum"]) + group["eps"])

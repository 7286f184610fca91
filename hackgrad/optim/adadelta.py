"""Adadelta: steps sized by the ratio of running RMS of past steps to running RMS of gradients."""

import numpy as np

from hackgrad.optim.base import Optimizer, check_nonnegative
from hackgrad.optim.transforms import ema_


class Adadelta(Optimizer):
    """v <- rho*v + (1-rho)*g**2;  d = sqrt(u+eps)/sqrt(v+eps) * g;  u <- rho*u + (1-rho)*d**2;  p -= lr*d

    The units of d match those of p (the ratio of two RMS values), which is why lr defaults to 1.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False, **unknown):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize)
        super().__init__(params, defaults, unknown)

    def check_group(self, group):
        check_nonnegative("Adadelta", group, "lr", "eps", "weight_decay")
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {group['rho']}")

    def init_state(self, p, group):
        return {"step": 0, "square_avg": np.zeros_like(p.data), "acc_delta": np.zeros_like(p.data)}

    def update(self, p, grad, state, group):
        state["step"] += 1
        rho, eps = group["rho"], group["eps"]
        ema_(state["square_avg"], grad * grad, rho)
        delta = np.sqrt(state["acc_delta"] + eps) / np.sqrt(state["square_avg"] + eps) * grad
        ema_(state["acc_delta"], delta * delta, rho)
        p.data -= group["lr"] * delta

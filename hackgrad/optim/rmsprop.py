"""RMSprop: divide each gradient by a running root-mean-square of its recent values."""

import numpy as np

from hackgrad.optim.base import Optimizer, check_nonnegative
from hackgrad.optim.transforms import ema_, trace_


class RMSprop(Optimizer):
    """v <- alpha*v + (1-alpha)*g**2;  s = sqrt(v - gbar**2 if centered else v) + eps;  p <- p - lr * g / s

    `centered` also keeps gbar, a running mean of g, so s estimates the standard deviation rather than the
    RMS. With momentum, the scaled step g / s goes through a velocity buffer b <- momentum*b + g/s first.
    """

    def __init__(
        self,
        params,
        lr=1e-2,
        alpha=0.99,
        eps=1e-8,
        weight_decay=0.0,
        momentum=0.0,
        centered=False,
        *,
        maximize=False,
        **unknown,
    ):
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults, unknown)

    def check_group(self, group):
        check_nonnegative("RMSprop", group, "lr", "eps", "weight_decay", "momentum")
        if not 0.0 <= group["alpha"] <= 1.0:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {group['alpha']}")

    def init_state(self, p, group):
        return {"step": 0, "square_avg": np.zeros_like(p.data)}

    def update(self, p, grad, state, group):
        state["step"] += 1
        alpha = group["alpha"]
        square_avg = ema_(state["square_avg"], grad * grad, alpha)
        if group["centered"]:
            grad_avg = ema_(state.setdefault("grad_avg", np.zeros_like(p.data)), grad, alpha)
            # rounding can push a zero variance a hair below zero; sqrt of that would be NaN
            scale = np.sqrt(np.maximum(square_avg - grad_avg * grad_avg, 0))
        else:
            scale = np.sqrt(square_avg)
        scale += group["eps"]
        if group["momentum"] > 0:
            velocity = state.setdefault("momentum_buffer", np.zeros_like(p.data))
            p.data -= group["lr"] * trace_(velocity, grad / scale, group["momentum"])
        else:
            p.data -= group["lr"] * grad / scale

"""Adam: momentum on the gradient divided by a running RMS of it, both corrected for starting at zero."""

import math

import numpy as np

from hackgrad.optim.base import Optimizer, check_nonnegative, check_unit_interval
from hackgrad.optim.transforms import ema_


class Adam(Optimizer):
    """m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g**2;  p <- p - lr/(1-b1**t) * m / (sqrt(v/(1-b2**t)) + eps)

    `amsgrad` divides by the largest v seen so far instead of the current one. `weight_decay` is coupled
    (added to g) unless `decoupled_weight_decay`, which is AdamW.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        betas=(0.9, 0.999),
        eps=1e-8,
        weight_decay=0.0,
        amsgrad=False,
        *,
        maximize=False,
        decoupled_weight_decay=False,
        **unknown,
    ):
        betas = tuple(betas) if isinstance(betas, (list, tuple)) else betas
        defaults = dict(
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults, unknown)

    def check_group(self, group):
        name = type(self).__name__
        check_nonnegative(name, group, "lr", "eps", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, (list, tuple)) or len(betas) != 2:
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), got {betas}")
        check_unit_interval(name, group, "betas", betas[0], "betas[0]")
        check_unit_interval(name, group, "betas", betas[1], "betas[1]")

    def init_state(self, p, group):
        return {"step": 0, "exp_avg": np.zeros_like(p.data), "exp_avg_sq": np.zeros_like(p.data)}

    def update(self, p, grad, state, group):
        state["step"] += 1
        t = state["step"]
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        m = ema_(state["exp_avg"], grad, beta1)
        v = ema_(state["exp_avg_sq"], grad * grad, beta2)
        if group["amsgrad"]:
            v_max = state.setdefault("max_exp_avg_sq", np.zeros_like(p.data))
            v = np.maximum(v_max, v, out=v_max)
        # m and v start at zero, so early on they are shrunk towards it by factors 1 - beta**t
        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v) / math.sqrt(1 - beta2**t) + group["eps"]
        p.data -= step_size * m / denom

"""SGD: a step downhill, with optional heavy-ball or Nesterov momentum and L2 weight decay (PyTorch's)."""

import numpy as np

from hackgrad.optim.base import Optimizer, check_nonnegative
from hackgrad.optim.transforms import trace_


class SGD(Optimizer):
    """g <- g + wd*p;  v <- momentum*v + (1 - dampening)*g;  p <- p - lr * (g + momentum*v if nesterov else v)

    The first step starts the velocity at g itself (undampened), as PyTorch does. With momentum 0 this is
    the guide's plain update, p <- p - lr * g.
    """

    def __init__(
        self,
        params,
        lr=1e-3,
        momentum=0.0,
        dampening=0.0,
        weight_decay=0.0,
        nesterov=False,
        *,
        maximize=False,
        **unknown,
    ):
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults, unknown)

    def check_group(self, group):
        check_nonnegative("SGD", group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"SGD: nesterov=True needs momentum > 0 and dampening == 0, "
                f"got momentum={group['momentum']}, dampening={group['dampening']}"
            )

    def update(self, p, grad, state, group):
        momentum = group["momentum"]
        if momentum != 0:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = np.array(grad, dtype=p.dtype)
            else:
                trace_(state["momentum_buffer"], grad, momentum, group["dampening"])
            velocity = state["momentum_buffer"]
            grad = grad + momentum * velocity if group["nesterov"] else velocity
        p.data -= group["lr"] * grad

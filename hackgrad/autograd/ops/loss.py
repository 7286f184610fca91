"""Losses that are one op each, because their gradient is simpler than the graph of their parts.

`nn.functional` checks the arguments (shapes, labels, weights) and calls these; the margin and Huber
losses take their targets as hyperparameters (constants), BinaryCrossEntropy as its second input (PyTorch
differentiates that target too).
"""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["BinaryCrossEntropy", "MulticlassHinge", "Huber"]


class BinaryCrossEntropy(Function):
    """loss = -w [y log p + (1 - y) log(1 - p)] (logs clamped at -100, as in PyTorch);
    dloss/dp = w (p - y) / (p (1 - p)),  dloss/dy = w [log(1 - p) - log p] (clamped the same way)"""

    def forward(self, p, y):
        self.p, self.y = p, y
        with np.errstate(divide="ignore"):  # log(0) = -inf, then clamped like PyTorch
            self.log_p, self.log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        loss = -(y * self.log_p + (1 - y) * self.log_q)
        return loss if self.weight is None else loss * self.weight

    def backward(self, dloss):
        p, w = self.p, (1 if self.weight is None else self.weight)
        dp = (p - self.y) / np.maximum(p * (1 - p), 1e-12) * w * dloss  # PyTorch's guard at p = 0 or 1
        dy = (self.log_q - self.log_p) * w * dloss if self.needs_grad[1] else None
        return dp, dy


class MulticlassHinge(Function):
    """Weston-Watkins: loss = sum over j != y of max(0, s_j - s_y + margin)**p, each violating j pulls s_j
    down and s_y up; Crammer-Singer: loss = max(0, max over j != y of s_j - s_y + margin)**p, only the worst
    rival pulls. d/ds_j = p * v**(p-1) where v > 0, d/ds_y = minus their sum; both times `scale` (per row).

    One op rather than a gather, a scatter and a masked sum: the gradient is just a count of violations.
    """

    def forward(self, s):
        t, rows = self.target, np.arange(len(self.target))
        v = s - s[rows, t][:, None] + s.dtype.type(self.margin)  # (N, C) margin violations
        if self.kind == "weston_watkins":
            v[rows, t] = 0  # the true class does not compete with itself
            v = np.maximum(v, 0)
            loss = (v if self.p == 1 else v**self.p).sum(axis=1)
        else:
            v[rows, t] = -np.inf
            self.rival = v.argmax(axis=1)
            v = np.maximum(v[rows, self.rival], 0)  # (N,)
            loss = v if self.p == 1 else v**self.p
        self.v = v
        return loss * self.scale

    def backward(self, dloss):
        t, rows, v, p = self.target, np.arange(len(self.target)), self.v, self.p
        pull = (v > 0).astype(v.dtype) if p == 1 else p * v ** (p - 1)
        coef = (dloss * self.scale)[:, None] if self.kind == "weston_watkins" else dloss * self.scale
        if self.kind == "weston_watkins":
            ds = pull * coef  # (N, C), zero in the true class's column
            ds[rows, t] = -ds.sum(axis=1)
        else:
            ds = np.zeros((len(t), self.n_classes), dtype=v.dtype)
            ds[rows, self.rival] = pull * coef
            ds[rows, t] -= pull * coef
        return (ds,)


class Huber(Function):
    """y = d**2 / 2 where |d| <= delta, else delta * (|d| - delta / 2);  dy/dd = clip(d, -delta, delta)"""

    def forward(self, d):
        self.d = d
        a = np.abs(d)
        delta = d.dtype.type(self.delta)
        return np.where(a <= delta, 0.5 * d * d, delta * (a - 0.5 * delta))

    def backward(self, dy):
        return (dy * np.clip(self.d, -self.delta, self.delta),)

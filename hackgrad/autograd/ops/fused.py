"""Fused ops: several steps in one op, each with the reason it cannot simply be composed."""

import numpy as np

from hackgrad.autograd.function import Function
from hackgrad.autograd.ops.reduce import normalize_axes

__all__ = ["LogSoftmax", "Affine", "SoftmaxCrossEntropy", "SigmoidCrossEntropy", "BinaryCrossEntropy", "BatchNorm"]


class LogSoftmax(Function):
    """y = x - logsumexp(x, axis);  dx = dy - softmax(x) * sum(dy, axis)

    Fused because log(softmax(x)) underflows to log(0) = -inf for a strongly negative logit, while
    x - max - log(sum(exp(x - max))) stays finite.
    """

    def forward(self, x):
        if not isinstance(self.axis, (int, np.integer)):
            raise TypeError(f"log_softmax: axis must be one int, got {self.axis!r}")
        axes = normalize_axes(self.axis, x.ndim, "log_softmax")
        self.axis = axes[0] if axes else None  # a 0-d tensor is its own (one-element) axis
        m = x.max(axis=self.axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        shifted = x - m
        self.y = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        return self.y

    def backward(self, dy):
        return (dy - np.exp(self.y) * dy.sum(axis=self.axis, keepdims=True),)


class Affine(Function):
    """y = x @ W.T + b  (W is (out, in), PyTorch's layout);  dx = dy @ W, dW = dy.T @ x, db = sum(dy, rows)

    Fused for speed: the dense layer of every MLP as one node instead of three (transpose, matmul, add),
    no broadcast-reduction pass for the bias, and dx is skipped when the input needs no gradient (the first
    layer of a network), which saves the largest product of its backward pass.
    """

    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        y = x @ w.T
        if b is not None:
            y += b  # y is a fresh array, so adding in place saves an allocation
        return y

    def backward(self, dy):
        needs = self.needs_grad
        x, w = self.x, self.w
        # leading axes (a sequence, a single sample) are all rows of one product
        dy2 = dy if dy.ndim == 2 else dy.reshape(-1, dy.shape[-1])  # (rows, out)
        x2 = x if x.ndim == 2 else x.reshape(-1, x.shape[-1])  # (rows, in)
        dx = dy @ w if needs[0] else None
        dw = dy2.T @ x2 if needs[1] else None
        db = dy2.sum(axis=0) if len(needs) > 2 and needs[2] else None
        return dx, dw, db


class SoftmaxCrossEntropy(Function):
    """loss_i = -sum_c q_ic log softmax(x_i)_c;  dloss_i/dx_i = sum_c(q_ic) * softmax(x_i) - q_i,
    for a one-hot q (a label y_i): -log softmax(x_i)[y_i] and softmax(x_i) - onehot(y_i)

    Fused for stability and speed: log(softmax(x)) underflows to -inf for a confident wrong class, while
    z - log(sum(exp(z))) with z = x - max(x) stays finite for logits of 1e4; and the gradient is the famous
    softmax - onehot in one pass. Targets are `labels` (rows,) for one-hot rows, or else `q` (rows, C), a
    target distribution the caller built (smoothed and weighted by class as asked, a zero row for an
    ignored label). `denom` divides the summed loss (a weighted mean); None keeps one loss per row.
    x: (rows, C).
    """

    def forward(self, x):
        z = x - x.max(axis=1, keepdims=True)  # softmax is shift-invariant; this keeps exp() from overflowing
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        self.e, self.s = e, s
        if self.labels is not None:
            loss = np.log(s[:, 0]) - z[np.arange(len(z)), self.labels]  # (rows,)
        else:
            loss = -(self.q * (z - np.log(s))).sum(axis=1)
        if self.denom is None:
            return loss
        return np.asarray(loss.sum() / self.denom, dtype=x.dtype)

    def backward(self, dloss):
        dx = self.e / self.s  # softmax(x), a fresh array to finish in place
        if self.labels is not None:
            dx[np.arange(len(dx)), self.labels] -= 1
        else:
            dx *= self.q.sum(axis=1, keepdims=True)
            dx -= self.q
        if self.denom is None:
            dx *= dloss[:, None]
        else:
            dx *= dloss / self.denom
        return (dx,)


class SigmoidCrossEntropy(Function):
    """loss = (1 - y) x + (1 + (pw - 1) y) softplus(-x), i.e. -[pw y log s(x) + (1 - y) log(1 - s(x))];
    dloss/dx = (1 - y) - (1 + (pw - 1) y) s(-x), which is s(x) - y when pw = 1;
    dloss/dy = -x + (pw - 1) softplus(-x)  (PyTorch's target gradient; -x when pw = 1).

    Fused for stability: log(sigmoid(x)) underflows for very negative x, softplus does not. The target y
    (x's shape) is the second input; `weight` and `pos_weight` pw (both broadcast to x, or None) are constants.
    """

    def forward(self, x, y):
        pw = self.pos_weight
        self.x, self.y = x, y
        self.scale = 1 if pw is None else 1 + (pw - 1) * y
        self.softplus = np.logaddexp(0, -x)  # softplus(-x) that never overflows
        loss = (1 - y) * x + self.scale * self.softplus
        return loss if self.weight is None else loss * self.weight

    def backward(self, dloss):
        w = 1 if self.weight is None else self.weight
        sig_neg = 0.5 * (1 - np.tanh(0.5 * self.x))  # s(-x) in tanh form never overflows
        dx = ((1 - self.y) - self.scale * sig_neg) * w * dloss
        dy = None
        if self.needs_grad[1]:
            dy = -self.x if self.pos_weight is None else (self.pos_weight - 1) * self.softplus - self.x
            dy = dy * w * dloss
        return dx, dy


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


class BatchNorm(Function):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta per channel (axis 1);
    dx = gamma / std * (dy - mean(dy) - xhat * mean(dy * xhat)) when mean and var are the batch's own
    (`batch_stats`), else gamma / std * dy;  dgamma = sum(dy * xhat), dbeta = sum(dy).

    Fused for speed: composed, normalisation is about nine nodes whose backward re-derives what the closed
    form gives in one pass. `mean`, `var` (C,) come from the caller, who also needs them for the running
    averages. x: (N, C, *).
    """

    def forward(self, x, gamma=None, beta=None):
        shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)  # a channel vector, broadcast along axis 1
        self.axes = (0,) + tuple(range(2, x.ndim))
        self.inv_std = (1 / np.sqrt(self.var + self.eps)).reshape(shape)
        self.xhat = (x - self.mean.reshape(shape)) * self.inv_std
        self.gamma = None if gamma is None else gamma.reshape(shape)
        y = self.xhat if gamma is None else self.xhat * self.gamma
        return y if beta is None else y + beta.reshape(shape)

    def backward(self, dy):
        axes, xhat, needs = self.axes, self.xhat, self.needs_grad
        dy_xhat = (dy * xhat).sum(axis=axes)  # (C,)
        dgamma = dy_xhat if len(needs) > 1 and needs[1] else None
        dbeta = dy.sum(axis=axes) if len(needs) > 2 and needs[2] else None
        dx = None
        if needs[0]:
            scale = self.inv_std if self.gamma is None else self.gamma * self.inv_std
            if self.batch_stats:
                shape, n = self.inv_std.shape, dy.size // dy.shape[1]
                mean_dy = dy.sum(axis=axes).reshape(shape) / n
                dx = scale * (dy - mean_dy - xhat * (dy_xhat.reshape(shape) / n))
            else:
                dx = scale * dy
        return dx, dgamma, dbeta

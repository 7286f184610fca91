"""Reductions: the gradient of a reduced axis is spread back over the values it reduced.

Every reduction takes `axis` (None for all, an int, or a tuple; negative counts from the end) and
`keepdims`. Its backward first puts the reduced axes back as size 1 (`_keep`), then broadcasts.
"""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["Sum", "Mean", "Max", "Min", "LogSumExp", "normalize_axes"]


def normalize_axes(axis, ndim, op):
    """`axis` as a sorted tuple of non-negative ints (None stays None); name `op` if it is out of range."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)):
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
    out = []
    for a in axes:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimension(s)")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis!r} repeats a dimension")
    return tuple(sorted(out)) if ndim else ()  # a 0-d tensor reduces over nothing (as PyTorch's dim=0)


def _keep(dy, axes, keepdims):
    """`dy` with the reduced axes back as size 1, so it broadcasts against the input."""
    if keepdims or not axes:  # axes None: dy is 0-d and broadcasts as it is
        return dy
    return np.expand_dims(dy, axes)


class Sum(Function):
    """y = sum(x, axis);  dy/dx = 1 for every summed element"""

    def forward(self, x):
        self.axis = normalize_axes(self.axis, x.ndim, "sum")
        self.shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, dy):
        return (np.broadcast_to(_keep(dy, self.axis, self.keepdims), self.shape),)


class Mean(Function):
    """y = mean(x, axis);  dy/dx = 1/n for every one of the n averaged elements"""

    def forward(self, x):
        self.axis = normalize_axes(self.axis, x.ndim, "mean")
        self.shape = x.shape
        self.n = x.size if self.axis is None else int(np.prod([x.shape[a] for a in self.axis]))
        return x.mean(axis=self.axis, keepdims=self.keepdims)

    def backward(self, dy):
        return (np.broadcast_to(_keep(dy, self.axis, self.keepdims) / self.n, self.shape),)


class Max(Function):
    """y = max(x, axis);  dy/dx = 1/k for each of the k elements equal to the max, else 0

    Ties split the gradient evenly, as PyTorch's `amax` does, so the gradient stays symmetric in its inputs.
    """

    name = "max"

    def forward(self, x):
        self.axis = normalize_axes(self.axis, x.ndim, self.name)
        if x.size == 0:
            raise ValueError(f"{self.name}: cannot reduce an empty tensor of shape {x.shape}")
        self.x = x
        self.y = self._reduce(x, axis=self.axis, keepdims=True)
        return self.y if self.keepdims else self.y.reshape(_reduced_shape(x.shape, self.axis))

    @staticmethod
    def _reduce(x, axis, keepdims):
        return x.max(axis=axis, keepdims=keepdims)

    def backward(self, dy):
        hits = self.x == self.y
        count = hits.sum(axis=self.axis, keepdims=True).astype(dy.dtype)
        return (hits * (_keep(dy, self.axis, self.keepdims) / count),)


class Min(Max):
    """y = min(x, axis);  dy/dx = 1/k for each of the k elements equal to the min, else 0"""

    name = "min"

    @staticmethod
    def _reduce(x, axis, keepdims):
        return x.min(axis=axis, keepdims=keepdims)


def _reduced_shape(shape, axes):
    if axes is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axes)


class LogSumExp(Function):
    """y = log(sum(exp(x), axis));  dy/dx = exp(x - y)  (the softmax over the reduced axes)"""

    def forward(self, x):
        self.axis = normalize_axes(self.axis, x.ndim, "logsumexp")
        self.x = x
        m = x.max(axis=self.axis, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)  # shifting by the max keeps exp() from overflowing; inf rows stay
        with np.errstate(divide="ignore"):  # log(0) = -inf is the right answer for an all -inf row
            self.y = np.log(np.exp(x - m).sum(axis=self.axis, keepdims=True)) + m
        return self.y if self.keepdims else self.y.reshape(_reduced_shape(x.shape, self.axis))

    def backward(self, dy):
        return (np.exp(self.x - self.y) * _keep(dy, self.axis, self.keepdims),)

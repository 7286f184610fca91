"""Reductions: the gradient of a reduced axis is spread back over the values it reduced."""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["Sum", "Mean"]


def _expand(dy, shape, axis, keepdims):
    """Put back reduced axes (as size 1) so `dy` broadcasts against the input of `shape`."""
    if axis is None or keepdims:
        return dy if axis is not None or keepdims else np.reshape(dy, (1,) * len(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    axes = tuple(a % len(shape) for a in axes)
    return np.expand_dims(dy, axes)


class Sum(Function):
    """y = sum(x, axis);  dy/dx = 1 for every summed element"""

    def forward(self, x):
        self.shape = x.shape
        return np.asarray(x.sum(axis=self.axis, keepdims=self.keepdims))

    def backward(self, dy):
        return (np.broadcast_to(_expand(dy, self.shape, self.axis, self.keepdims), self.shape),)


class Mean(Function):
    """y = mean(x, axis);  dy/dx = 1/n for every averaged element"""

    def forward(self, x):
        self.shape = x.shape
        self.n = x.size // max(1, np.asarray(x.sum(axis=self.axis, keepdims=True)).size)
        return np.asarray(x.mean(axis=self.axis, keepdims=self.keepdims))

    def backward(self, dy):
        dy = _expand(dy, self.shape, self.axis, self.keepdims)
        return (np.broadcast_to(dy / np.asarray(self.n, dy.dtype), self.shape),)

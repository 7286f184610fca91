"""Shape ops: they move values around, so their backward moves gradients back."""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["Reshape", "Transpose", "GetItem", "normalize_index"]


class Reshape(Function):
    """y = x viewed with a new shape;  dx = dy viewed with the old shape"""

    def forward(self, x):
        self.old = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(f"reshape: cannot view shape {x.shape} ({x.size} values) as {self.shape}") from None

    def backward(self, dy):
        return (dy.reshape(self.old),)


class Transpose(Function):
    """y = x with axes permuted;  dx = dy with the inverse permutation"""

    def forward(self, x):
        if self.axes is not None and sorted(a % x.ndim for a in self.axes) != list(range(x.ndim)):
            raise ValueError(f"permute: axes {self.axes} are not a permutation of {x.ndim} dimensions")
        return np.transpose(x, self.axes)

    def backward(self, dy):
        inverse = None if self.axes is None else np.argsort([a % dy.ndim for a in self.axes])
        return (np.transpose(dy, inverse),)


def normalize_index(index):
    """Tensors inside an index become arrays, so NumPy indexing rules apply as they are."""
    if isinstance(index, tuple):
        return tuple(i.data if hasattr(i, "data") and hasattr(i, "_fn") else i for i in index)
    return index.data if hasattr(index, "data") and hasattr(index, "_fn") else index


class GetItem(Function):
    """y = x[index];  dx = zeros with dy scatter-added at index (repeated indices add up)"""

    def forward(self, x):
        self.shape, self.dtype = x.shape, x.dtype
        try:
            return np.asarray(x[self.index])
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {x.shape})") from None

    def backward(self, dy):
        dx = np.zeros(self.shape, dtype=dy.dtype)
        np.add.at(dx, self.index, dy)
        return (dx,)

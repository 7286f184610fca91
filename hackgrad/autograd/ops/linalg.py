"""Matrix products (batched), the workhorse of dense layers."""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["MatMul"]


class MatMul(Function):
    """Z = X @ W;  dX = dZ @ W.T, dW = X.T @ dZ  (batched over leading axes, which the engine sums back)

    A 1-D X acts as a row vector and a 1-D W as a column vector, as in NumPy; the axis that NumPy drops
    from Z for them is put back into dZ so that one pair of products serves every case.
    """

    def forward(self, x, w):
        if x.ndim == 0 or w.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got {x.shape} and {w.shape}")
        if x.dtype != w.dtype:
            # NumPy would quietly promote float32 weights to float64 (or ints to floats) and halve the speed
            raise TypeError(f"matmul: dtypes differ ({x.dtype} and {w.dtype}); cast one with .astype()")
        try:
            z = x @ w
        except ValueError:
            k_w = w.shape[-2] if w.ndim > 1 else w.shape[0]
            raise ValueError(
                f"matmul: shapes {x.shape} and {w.shape} do not align (inner sizes {x.shape[-1]} != {k_w}, "
                f"or batch shapes {x.shape[:-2]} and {w.shape[:-2]} do not broadcast)"
            ) from None
        self.x, self.w = x, w
        return z

    def backward(self, dz):
        x, w = self.x, self.w
        need_x, need_w = self.needs_grad
        if x.ndim == 2 and w.ndim == 2:  # the dense-layer case, without the general bookkeeping
            return (dz @ w.T if need_x else None), (x.T @ dz if need_w else None)
        if w.ndim == 1:
            w, dz = w[:, None], dz[..., None]  # (k,) -> (k, 1); dz gains the n = 1 axis
        if x.ndim == 1:
            x, dz = x[None, :], dz[..., None, :]  # (k,) -> (1, k); dz gains the m = 1 axis
        dx = dw = None
        if need_x:
            dx = dz @ np.swapaxes(w, -1, -2)  # (..., m, k)
            if self.x.ndim == 1:
                dx = dx[..., 0, :]
        if need_w:
            dw = np.swapaxes(x, -1, -2) @ dz  # (..., k, n)
            if self.w.ndim == 1:
                dw = dw[..., 0]
        return dx, dw

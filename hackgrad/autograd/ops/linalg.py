"""Matrix products (batched), the workhorse of dense layers."""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["MatMul"]


class MatMul(Function):
    """Z = X @ W;  dX = dZ @ W.T, dW = X.T @ dZ (batched over leading axes)"""

    def forward(self, x, w):
        if x.ndim == 0 or w.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got {x.shape} and {w.shape}")
        if x.shape[-1] != w.shape[-2 if w.ndim > 1 else 0]:
            raise ValueError(
                f"matmul: shapes {x.shape} and {w.shape} do not align ({x.shape[-1]} != "
                f"{w.shape[-2 if w.ndim > 1 else 0]})"
            )
        if x.dtype != w.dtype and x.dtype.kind == "f" and w.dtype.kind == "f":
            raise TypeError(f"matmul: dtypes differ ({x.dtype} and {w.dtype}); cast one with .astype()")
        self.x, self.w = x, w
        return x @ w

    def backward(self, dz):
        x, w = self.x, self.w
        need_x, need_w = self.needs_grad
        # 1-D operands are promoted to matrices for the products and squeezed back
        x2 = x[None, :] if x.ndim == 1 else x
        w2 = w[:, None] if w.ndim == 1 else w
        dz2 = dz
        if x.ndim == 1:
            dz2 = np.expand_dims(dz2, -2)
        if w.ndim == 1:
            dz2 = np.expand_dims(dz2, -1)
        dx = dw = None
        if need_x:
            dx = dz2 @ np.swapaxes(w2, -1, -2)
            if x.ndim == 1:
                dx = dx.reshape(dx.shape[:-2] + dx.shape[-1:]) if dx.ndim > 1 else dx
                dx = dx.sum(axis=tuple(range(dx.ndim - 1))) if dx.ndim > 1 else dx
        if need_w:
            dw = np.swapaxes(x2, -1, -2) @ dz2
            if w.ndim == 1:
                dw = dw[..., 0]
                dw = dw.sum(axis=tuple(range(dw.ndim - 1))) if dw.ndim > 1 else dw
            elif dw.ndim > w.ndim:
                dw = dw.sum(axis=tuple(range(dw.ndim - w.ndim)))
        return dx, dw

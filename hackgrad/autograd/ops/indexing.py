"""Ops that pick, move or accumulate values by index along one axis (PyTorch's `gather`, `scatter_add`,
`cumsum`, `roll`, `repeat`, sorting), and `Einsum`. Each backward sends a gradient back to where its value
came from; where one input value fed several outputs, np.add.at adds their gradients up.
"""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["Gather", "ScatterAdd", "Scatter", "CumSum", "Roll", "Tile", "Einsum", "Norm", "Erf"]


class Gather(Function):
    """y = take_along_axis(x, index, dim);  dx = zeros with dy added at index along dim"""

    def forward(self, x):
        self.shape = x.shape
        return np.take_along_axis(x, self.index, axis=self.dim)

    def backward(self, dy):
        dx = np.zeros(self.shape, dtype=dy.dtype)
        _add_along_axis(dx, self.index, dy, self.dim)  # an index picked twice gets both gradients
        return (dx,)


def _add_along_axis(out, index, values, dim):
    """out[..., index[...], ...] += values along `dim` (np.add.at, so repeated indices add up)."""
    grids = np.indices(index.shape, sparse=True)
    full = tuple(index if i == dim else g for i, g in enumerate(grids))
    np.add.at(out, full, values)


class ScatterAdd(Function):
    """z = x with src added at index along dim;  dz/dx = 1, dz/dsrc = dz gathered at index"""

    def forward(self, x, src):
        z = x.copy()
        _add_along_axis(z, self.index, src[tuple(slice(0, n) for n in self.index.shape)], self.dim)
        self.src_shape = src.shape
        return z

    def backward(self, dz):
        dsrc = None
        if self.needs_grad[1]:
            dsrc = np.zeros(self.src_shape, dtype=dz.dtype)
            dsrc[tuple(slice(0, n) for n in self.index.shape)] = np.take_along_axis(dz, self.index, self.dim)
        return dz, dsrc


class Scatter(Function):
    """z = x with src written at index along dim;  dx = dz where nothing was written, dsrc = dz gathered at index

    (with repeated indices the write order is NumPy's, as PyTorch leaves it undefined)."""

    def forward(self, x, src):
        z = x.copy()
        self.src_shape = src.shape
        np.put_along_axis(z, self.index, src[tuple(slice(0, n) for n in self.index.shape)], self.dim)
        self.written = np.zeros(x.shape, dtype=bool)
        np.put_along_axis(self.written, self.index, True, self.dim)
        return z

    def backward(self, dz):
        dx = np.where(self.written, 0, dz)
        dsrc = None
        if self.needs_grad[1]:
            dsrc = np.zeros(self.src_shape, dtype=dz.dtype)
            dsrc[tuple(slice(0, n) for n in self.index.shape)] = np.take_along_axis(dz, self.index, self.dim)
        return dx, dsrc


class CumSum(Function):
    """y_i = sum_{j <= i} x_j along dim;  dx_j = sum_{i >= j} dy_i (a reversed cumulative sum)"""

    def forward(self, x):
        return np.cumsum(x, axis=self.dim)

    def backward(self, dy):
        return (np.flip(np.cumsum(np.flip(dy, self.dim), axis=self.dim), self.dim),)


class Roll(Function):
    """y = x shifted cyclically by `shifts` along `dims`;  dx = dy shifted back"""

    def forward(self, x):
        return np.roll(x, self.shifts, axis=self.dims)

    def backward(self, dy):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return (np.roll(dy, back, axis=self.dims),)


class Tile(Function):
    """y = x repeated `reps` times along each dim (PyTorch's `repeat`);  dx = the sum of dy over the copies"""

    def forward(self, x):
        self.in_shape = x.shape
        self.shape = (1,) * (len(self.reps) - x.ndim) + x.shape  # x with leading 1s for the extra reps
        return np.tile(x, self.reps)

    def backward(self, dy):
        split = []  # (reps_0, n_0, reps_1, n_1, ...): every copy gets its own axis, then they are summed
        for r, n in zip(self.reps, self.shape):
            split += [r, n]
        dx = dy.reshape(split).sum(axis=tuple(range(0, len(split), 2)))  # self.shape
        return (dx.reshape(self.in_shape),)


class Einsum(Function):
    """z = einsum(spec, *xs);  dx_k = einsum of dz with every other operand, into x_k's subscripts

    Each operand's gradient is itself an einsum: the output's subscripts and the other inputs' subscripts
    contract to x_k's subscripts. A subscript that appears only in x_k (summed away in z) comes back by
    broadcasting, and a repeated one (a diagonal) is written back on the diagonal.
    """

    def forward(self, *xs):
        self.xs = xs
        return np.einsum(self.spec, *xs)

    def backward(self, dz):
        ins, out = self.spec.split("->")
        ins = ins.split(",")
        grads = []
        for k, (sub, need) in enumerate(zip(ins, self.needs_grad)):
            if not need:
                grads.append(None)
                continue
            others = [s for i, s in enumerate(ins) if i != k]
            arrays = [a for i, a in enumerate(self.xs) if i != k]
            unique = "".join(dict.fromkeys(sub))  # a subscript repeated in x_k (a diagonal) once
            present = set(out).union(*others) if others else set(out)
            kept = "".join(c for c in unique if c in present)
            g = np.einsum(",".join([out, *others]) + "->" + kept, dz, *arrays)
            shape = [self.xs[k].shape[sub.index(c)] for c in unique]
            g = np.broadcast_to(g.reshape([g.shape[kept.index(c)] if c in kept else 1 for c in unique]), shape)
            if len(unique) != len(sub):  # back onto the diagonal the repeated subscript read
                full = np.zeros(self.xs[k].shape, dtype=dz.dtype)
                np.einsum(sub + "->" + unique, full)[...] = g
                g = full
            grads.append(np.ascontiguousarray(g))
        return tuple(grads)


class Norm(Function):
    """y = (sum |x|**p)**(1/p) over dim;  dy/dx = sign(x) |x|**(p-1) / y**(p-1), 0 where y = 0
    (p = inf: 1 at the largest |x|, shared by ties)"""

    def forward(self, x):
        self.x = x
        a = np.abs(x)
        if self.p == np.inf:
            y = a.max(axis=self.dim, keepdims=True)
        elif self.p == 2:
            y = np.sqrt((x * x).sum(axis=self.dim, keepdims=True))
        else:
            y = (a**self.p).sum(axis=self.dim, keepdims=True) ** (1.0 / self.p)
        self.y = y
        return y if self.keepdim else np.squeeze(y, axis=self.dim) if self.dim is not None else y.reshape(())

    def backward(self, dy):
        if not self.keepdim:
            dy = dy.reshape(self.y.shape)
        x, y = self.x, self.y
        safe = np.where(y > 0, y, 1)
        if self.p == np.inf:
            hits = np.abs(x) == y
            dx = np.sign(x) * hits / np.maximum(hits.sum(axis=self.dim, keepdims=True), 1)
        elif self.p == 2:
            dx = x / safe
        else:
            dx = np.sign(x) * np.abs(x) ** (self.p - 1) / safe ** (self.p - 1)
        return (np.where(y > 0, dx, 0) * dy,)


class Erf(Function):
    """y = erf(x);  dy/dx = 2/sqrt(pi) * exp(-x**2)"""

    def forward(self, x):
        from scipy.special import erf

        self.x = x
        return erf(x).astype(x.dtype, copy=False)

    def backward(self, dy):
        return (dy * (2 / np.sqrt(np.pi)) * np.exp(-self.x * self.x),)

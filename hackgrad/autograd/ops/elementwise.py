"""Elementwise ops: arithmetic (with broadcasting; the engine reduces gradients back) and nonlinearities.

A broadcast mismatch is caught where NumPy raises it, so the common case pays nothing for the check.
Constants that enter a backward (slopes, halves) are Python floats, which keep float32 arrays float32.
"""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = [
    "Add", "Sub", "Mul", "Div", "Neg", "Pow", "PowTensor", "Clone", "Cast",
    "Exp", "Log", "Sqrt", "Abs", "Tanh", "Sigmoid", "ReLU", "LeakyReLU", "ELU", "Softplus",
    "Maximum", "Minimum", "Clip", "Where",
]


def _broadcast_error(name, *arrays):
    shapes = " and ".join(str(a.shape) for a in arrays)
    return ValueError(f"{name}: shapes {shapes} cannot be broadcast together")


class Add(Function):
    """z = x + y;  dz/dx = 1, dz/dy = 1"""

    def forward(self, x, y):
        try:
            return x + y
        except ValueError:
            raise _broadcast_error("add", x, y) from None

    def backward(self, dz):
        return dz, dz


class Sub(Function):
    """z = x - y;  dz/dx = 1, dz/dy = -1"""

    def forward(self, x, y):
        try:
            return x - y
        except ValueError:
            raise _broadcast_error("sub", x, y) from None

    def backward(self, dz):
        return dz, (-dz if self.needs_grad[1] else None)


class Mul(Function):
    """z = x * y;  dz/dx = y, dz/dy = x"""

    def forward(self, x, y):
        self.x, self.y = x, y
        try:
            return x * y
        except ValueError:
            raise _broadcast_error("mul", x, y) from None

    def backward(self, dz):
        need_x, need_y = self.needs_grad
        return (dz * self.y if need_x else None), (dz * self.x if need_y else None)


class Div(Function):
    """z = x / y;  dz/dx = 1/y, dz/dy = -x/y**2"""

    def forward(self, x, y):
        self.x, self.y = x, y
        try:
            return x / y
        except ValueError:
            raise _broadcast_error("div", x, y) from None

    def backward(self, dz):
        dx = dz / self.y
        return dx, (-dx * self.x / self.y if self.needs_grad[1] else None)


class Neg(Function):
    """y = -x;  dy/dx = -1"""

    def forward(self, x):
        return -x

    def backward(self, dy):
        return (-dy,)


class Pow(Function):
    """y = x**p (p a constant number);  dy/dx = p * x**(p-1)  (0 for p = 0, also at x = 0, as in PyTorch)"""

    def forward(self, x):
        self.x = x
        return x**self.p

    def backward(self, dy):
        if self.p == 0:  # x**0 is constant; 0 * 0**-1 would be NaN
            return (np.zeros_like(dy),)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (dy * (self.p * self.x ** (self.p - 1)),)


class PowTensor(Function):
    """z = x**y;  dz/dx = y * x**(y-1) (0 where y = 0), dz/dy = z * ln(x) (0 where x = 0 and y >= 0)

    PyTorch's conventions at the edges: x**0 is constant in x even at x = 0, and 0**y (y >= 0) is constant
    in y. Where x < 0, ln(x) is undefined; the gradient in y is taken as 0 there (PyTorch gives NaN).
    """

    def forward(self, x, y):
        self.x, self.y = x, y
        try:
            self.z = x**y
        except ValueError:
            raise _broadcast_error("pow", x, y) from None
        return self.z

    def backward(self, dz):
        x, y = self.x, self.y
        dx = dy = None
        with np.errstate(divide="ignore", invalid="ignore"):  # the masked edges may divide by zero
            if self.needs_grad[0]:
                dx = np.where(y == 0, 0, dz * y * x ** (y - 1))
            if self.needs_grad[1]:
                positive = x > 0
                log_x = np.where(positive, np.log(np.where(positive, x, 1)), np.where(x == 0, -np.inf, 0))
                dy = np.where((x == 0) & (y >= 0), 0, dz * self.z * log_x)
        return dx, dy


class Clone(Function):
    """y = a copy of x (its own memory, so an in-place change of y never reaches x);  dy/dx = 1"""

    def forward(self, x):
        return x.copy()

    def backward(self, dy):
        return (dy,)


class Cast(Function):
    """y = x as another floating dtype;  dy/dx = 1 (the gradient is cast back)"""

    def forward(self, x):
        self.src = x.dtype
        return x.astype(self.dtype)

    def backward(self, dy):
        return (dy.astype(self.src),)


class Exp(Function):
    """y = e**x;  dy/dx = y"""

    def forward(self, x):
        self.y = np.exp(x)
        return self.y

    def backward(self, dy):
        return (dy * self.y,)


class Log(Function):
    """y = ln(x);  dy/dx = 1/x"""

    def forward(self, x):
        self.x = x
        return np.log(x)

    def backward(self, dy):
        return (dy / self.x,)


class Sqrt(Function):
    """y = sqrt(x);  dy/dx = 1 / (2 * y)"""

    def forward(self, x):
        self.y = np.sqrt(x)
        return self.y

    def backward(self, dy):
        return (dy / (2 * self.y),)


class Abs(Function):
    """y = |x|;  dy/dx = sign(x)  (0 at x = 0, as in PyTorch)"""

    def forward(self, x):
        self.x = x
        return np.abs(x)

    def backward(self, dy):
        return (dy * np.sign(self.x),)


class Tanh(Function):
    """y = tanh(x);  dy/dx = 1 - y**2"""

    def forward(self, x):
        self.y = np.tanh(x)
        return self.y

    def backward(self, dy):
        return (dy * (1 - self.y * self.y),)


class Sigmoid(Function):
    """y = 1 / (1 + e**-x);  dy/dx = y * (1 - y)"""

    def forward(self, x):
        # tanh form never overflows, for any x
        self.y = 0.5 * (np.tanh(0.5 * x) + 1)
        return self.y

    def backward(self, dy):
        return (dy * self.y * (1 - self.y),)


class ReLU(Function):
    """y = max(0, x);  dy/dx = 1 where x > 0 else 0"""

    def forward(self, x):
        self.y = np.maximum(x, 0)
        return self.y

    def backward(self, dy):
        return (dy * (self.y > 0),)


class LeakyReLU(Function):
    """y = x if x > 0 else negative_slope * x;  dy/dx = 1 where x > 0 else negative_slope"""

    def forward(self, x):
        self.positive = x > 0
        return np.where(self.positive, x, x * self.negative_slope)

    def backward(self, dy):
        return (np.where(self.positive, dy, dy * self.negative_slope),)


class ELU(Function):
    """y = x if x > 0 else alpha * (e**x - 1);  dy/dx = 1 where x > 0 else y + alpha

    One op, not a `where` of two branches: the unused branch e**x overflows for large x, and its gradient
    0 * inf would be NaN.
    """

    def forward(self, x):
        self.positive = x > 0
        self.y = np.where(self.positive, x, self.alpha * np.expm1(np.minimum(x, 0)))
        return self.y

    def backward(self, dy):
        return (np.where(self.positive, dy, dy * (self.y + self.alpha)),)


class Softplus(Function):
    """y = log(1 + e**(beta x)) / beta (x itself where beta x > threshold);  dy/dx = sigmoid(beta x)
    (1 beyond the threshold)"""

    def forward(self, x):
        self.bx = x * self.beta
        self.linear = self.bx > self.threshold  # PyTorch's switch to the identity, for float precision
        return np.where(self.linear, x, np.logaddexp(0, self.bx) / self.beta)

    def backward(self, dy):
        sig = 0.5 * (np.tanh(0.5 * self.bx) + 1)
        return (np.where(self.linear, dy, dy * sig),)


class Maximum(Function):
    """z = max(x, y) elementwise;  dz/dx = 1 where x > y, 1/2 on a tie (as in PyTorch), else 0"""

    def forward(self, x, y):
        self.x, self.y = x, y
        try:
            return np.maximum(x, y)
        except ValueError:
            raise _broadcast_error("maximum", x, y) from None

    def backward(self, dz):
        dx = _share(dz, self.x > self.y, self.x == self.y)
        return dx, dz - dx  # y receives exactly what x does not


class Minimum(Function):
    """z = min(x, y) elementwise;  dz/dx = 1 where x < y, 1/2 on a tie (as in PyTorch), else 0"""

    def forward(self, x, y):
        self.x, self.y = x, y
        try:
            return np.minimum(x, y)
        except ValueError:
            raise _broadcast_error("minimum", x, y) from None

    def backward(self, dz):
        dx = _share(dz, self.x < self.y, self.x == self.y)
        return dx, dz - dx


def _share(dz, wins, ties):
    """dz where `wins`, dz/2 where `ties`, 0 elsewhere (broadcast to dz's shape, in dz's dtype)."""
    return np.where(wins, dz, np.where(ties, dz * 0.5, 0))


class Clip(Function):
    """y = min(max(x, min), max);  dy/dx = 1 where min <= x <= max else 0  (either bound may be None)"""

    def forward(self, x):
        if self.min is None and self.max is None:
            raise ValueError("clip: give at least one of min and max")
        self.x = x
        return np.clip(x, self.min, self.max)

    def backward(self, dy):
        inside = True
        if self.min is not None:
            inside = self.x >= self.min
        if self.max is not None:
            inside = inside & (self.x <= self.max)
        return (np.where(inside, dy, 0),)


class Where(Function):
    """z = x where cond else y;  dz/dx = cond, dz/dy = not cond  (cond is a constant boolean array)"""

    def forward(self, x, y):
        try:
            return np.where(self.cond, x, y)
        except ValueError:
            shapes = f"{np.shape(self.cond)} (cond), {x.shape} and {y.shape}"
            raise ValueError(f"where: shapes {shapes} cannot be broadcast together") from None

    def backward(self, dz):
        need_x, need_y = self.needs_grad
        dx = np.where(self.cond, dz, 0) if need_x else None
        dy = np.where(self.cond, 0, dz) if need_y else None
        return dx, dy

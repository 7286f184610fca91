"""Elementwise ops: arithmetic (with broadcasting; the engine reduces gradients back) and nonlinearities."""

import numpy as np

from hackgrad.autograd.function import Function

__all__ = ["Add", "Sub", "Mul", "Div", "Neg", "Pow", "PowTensor", "Cast", "Exp", "Log", "Tanh", "Sigmoid", "ReLU"]


def _check_broadcast(name, a, b):
    try:
        return np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None


class Add(Function):
    """z = x + y;  dz/dx = 1, dz/dy = 1"""

    def forward(self, x, y):
        if x.shape != y.shape:
            _check_broadcast("add", x, y)
        return x + y

    def backward(self, dz):
        return dz, dz


class Sub(Function):
    """z = x - y;  dz/dx = 1, dz/dy = -1"""

    def forward(self, x, y):
        if x.shape != y.shape:
            _check_broadcast("sub", x, y)
        return x - y

    def backward(self, dz):
        return dz, -dz


class Mul(Function):
    """z = x * y;  dz/dx = y, dz/dy = x"""

    def forward(self, x, y):
        if x.shape != y.shape:
            _check_broadcast("mul", x, y)
        self.x, self.y = x, y
        return x * y

    def backward(self, dz):
        need_x, need_y = self.needs_grad
        return (dz * self.y if need_x else None), (dz * self.x if need_y else None)


class Div(Function):
    """z = x / y;  dz/dx = 1/y, dz/dy = -x/y**2"""

    def forward(self, x, y):
        if x.shape != y.shape:
            _check_broadcast("div", x, y)
        self.x, self.y = x, y
        return x / y

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
    """y = x**p (p a constant);  dy/dx = p * x**(p-1)"""

    def forward(self, x):
        self.x = x
        return x**self.p

    def backward(self, dy):
        return (dy * self.p * self.x ** (self.p - 1),)


class PowTensor(Function):
    """z = x**y;  dz/dx = y * x**(y-1), dz/dy = z * ln(x)"""

    def forward(self, x, y):
        self.x, self.y = x, y
        self.z = x**y
        return self.z

    def backward(self, dz):
        dx = dz * self.y * self.x ** (self.y - 1)
        dy = None
        if self.needs_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                dy = dz * self.z * np.where(self.x > 0, np.log(np.where(self.x > 0, self.x, 1)), 0)
        return dx, dy


class Cast(Function):
    """y = x as another dtype;  dy/dx = 1 (the gradient is cast back)"""

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

"""The scalar gates: each one's forward value and local derivative, side by side.

Every gate also has a function form (`exp`, `maximum`, ...) at the end of this file that works on plain
floats and on Units alike, so one Python function can describe a circuit for every strategy.
"""

import math
from itertools import repeat
from operator import mul

from hackgrad.circuit.unit import Gate, Unit, _sigmoid, as_unit


class AddGate(Gate):
    """z = x + y;  dz/dx = 1, dz/dy = 1"""

    __slots__ = ()
    symbol = "+"

    def compute(self, x, y):
        return x + y

    def local_grads(self, dz):
        return dz, dz


class SubtractGate(Gate):
    """z = x - y;  dz/dx = 1, dz/dy = -1"""

    __slots__ = ()
    symbol = "-"

    def compute(self, x, y):
        return x - y

    def local_grads(self, dz):
        return dz, -dz


class MultiplyGate(Gate):
    """z = x * y;  dz/dx = y, dz/dy = x"""

    __slots__ = ()
    symbol = "*"

    def compute(self, x, y):
        return x * y

    def local_grads(self, dz):
        x, y = self.inputs
        return y.value * dz, x.value * dz


class NegateGate(Gate):
    """z = -x;  dz/dx = -1"""

    __slots__ = ()
    symbol = "neg"

    def compute(self, x):
        return -x

    def local_grads(self, dz):
        return (-dz,)


class DivideGate(Gate):
    """z = x / y;  dz/dx = 1/y, dz/dy = -x/y**2"""

    __slots__ = ()
    symbol = "/"

    def compute(self, x, y):
        if y == 0.0:
            raise ZeroDivisionError(f"DivideGate: division by zero ({x:.6g} / 0)")
        return x / y

    def local_grads(self, dz):
        x, y = self.inputs[0].value, self.inputs[1].value
        return dz / y, -x / (y * y) * dz


class PowerGate(Gate):
    """z = x ** p (p a constant);  dz/dx = p * x**(p-1)"""

    __slots__ = ("p",)

    def __init__(self, p):
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise TypeError(f"PowerGate: the exponent must be a constant number, got {type(p).__name__}")
        self.p = p

    def compute(self, x):
        if x < 0 and not float(self.p).is_integer():
            raise ValueError(f"PowerGate: {x:.6g} ** {self.p} is not real (negative base, fractional power)")
        if x == 0 and self.p < 0:
            raise ZeroDivisionError(f"PowerGate: 0 ** {self.p} is infinite")
        return x**self.p

    def local_grads(self, dz):
        x = self.inputs[0].value
        return (self.p * x ** (self.p - 1) * dz,)

    @property
    def symbol(self):
        return f"^{self.p:g}"

    def __repr__(self):
        return f"PowerGate({self.p})"


class ExpGate(Gate):
    """y = e**x;  dy/dx = y"""

    __slots__ = ("y",)
    symbol = "exp"

    def compute(self, x):
        try:
            self.y = math.exp(x)
        except OverflowError:
            self.y = math.inf  # reported by Gate.forward as a non-finite value, naming this gate
        return self.y

    def local_grads(self, dy):
        return (self.y * dy,)


class LogGate(Gate):
    """y = ln(x);  dy/dx = 1/x"""

    __slots__ = ()
    symbol = "log"

    def compute(self, x):
        if x <= 0:
            raise ValueError(f"LogGate: log of a non-positive number ({x:.6g}); log needs x > 0")
        return math.log(x)

    def local_grads(self, dy):
        return (dy / self.inputs[0].value,)


class TanhGate(Gate):
    """y = tanh(x);  dy/dx = 1 - y**2"""

    __slots__ = ("y",)
    symbol = "tanh"

    def compute(self, x):
        self.y = math.tanh(x)
        return self.y

    def local_grads(self, dy):
        return ((1.0 - self.y * self.y) * dy,)


class SigmoidGate(Gate):
    """y = 1 / (1 + e**-x);  dy/dx = y * (1 - y)"""

    __slots__ = ("y",)
    symbol = "sig"

    def compute(self, x):
        self.y = _sigmoid(x)
        return self.y

    def local_grads(self, dy):
        return (self.y * (1.0 - self.y) * dy,)


class ReLUGate(Gate):
    """y = max(0, x);  dy/dx = 1 if x > 0 else 0"""

    __slots__ = ()
    symbol = "relu"

    def compute(self, x):
        return x if x > 0 else 0.0

    def local_grads(self, dy):
        return (dy if self.inputs[0].value > 0 else 0.0,)


class MaxGate(Gate):
    """z = max(x, y);  the gradient switch: dz/dx = 1 if x won else 0 (a tie routes to x)"""

    __slots__ = ()
    symbol = "max"

    def compute(self, x, y):
        return x if x >= y else y

    def local_grads(self, dz):
        x, y = self.inputs
        return (dz, 0.0) if x.value >= y.value else (0.0, dz)


class SumGate(Gate):
    """z = x1 + ... + xn;  dz/dxi = 1 (one n-ary node instead of n-1 binary ones)"""

    __slots__ = ()
    symbol = "sum"

    def compute(self, *xs):
        return math.fsum(xs)

    def local_grads(self, dz):
        return (dz,) * len(self.inputs)


class LinearGate(Gate):
    """z = w1*x1 + ... + wn*xn + b;  dz/dwi = xi, dz/dxi = wi, dz/db = 1

    Inputs are (w1..wn, x1..xn, b). A neuron's weighted sum as one node rather than 2n binary gates:
    the reason is speed (fewer wires to create, sort and visit), the gradients are the same.
    """

    __slots__ = ("wxb",)
    symbol = "w.x+b"

    def compute(self, *wxb):
        n, odd = divmod(len(wxb), 2)
        if not odd:
            name = type(self).__name__
            raise ValueError(f"{name}: expected inputs (w1..wn, x1..xn, b), got {len(wxb)} inputs")
        self.wxb = wxb
        return sum(map(mul, wxb[:n], wxb[n:-1]), wxb[-1])  # map(operator.mul): 2x a Python loop

    def local_grads(self, dz):
        wxb = self.wxb
        n = len(wxb) // 2
        dws = map(mul, wxb[n:-1], repeat(dz))  # dz/dwi = xi
        dxs = map(mul, wxb[:n], repeat(dz))  # dz/dxi = wi
        return [*dws, *dxs, dz]


class LinearReLUGate(LinearGate):
    """z = max(0, w . x + b);  as LinearGate where w . x + b > 0, else every derivative is 0

    A ReLU neuron as one node. Fused for measured speed: in a ReLU MLP half of the nodes would be
    ReLU gates, and each node costs about as much to create, sort and visit as a short weighted sum.
    """

    __slots__ = ("on",)
    symbol = "relu(w.x+b)"

    def compute(self, *wxb):
        z = LinearGate.compute(self, *wxb)
        self.on = z > 0
        return z if self.on else 0.0

    def local_grads(self, dz):
        return LinearGate.local_grads(self, dz if self.on else 0.0)


# --- one function per gate that works on floats and Units alike -------------------------------------


def _any_unit(*xs):
    return any(isinstance(x, Unit) for x in xs)


def exp(x):
    return x.exp() if isinstance(x, Unit) else math.exp(x)


def log(x):
    if isinstance(x, Unit):
        return x.log()
    if x <= 0:
        raise ValueError(f"log of a non-positive number ({x:.6g}); log needs x > 0")
    return math.log(x)


def tanh(x):
    return x.tanh() if isinstance(x, Unit) else math.tanh(x)


def sigmoid(x):
    return x.sigmoid() if isinstance(x, Unit) else _sigmoid(x)


def relu(x):
    return x.relu() if isinstance(x, Unit) else (x if x > 0 else 0.0)


def maximum(a, b):
    """max(a, b) as a gradient switch when either side is a Unit; the plain max otherwise."""
    if _any_unit(a, b):
        return as_unit(a, "maximum").max(b)
    return a if a >= b else b


def total(xs):
    """Sum of many wires as one node (plain sum for floats)."""
    xs = list(xs)
    return SumGate()(*xs) if _any_unit(*xs) else math.fsum(xs)


def linear(ws, xs, b):
    """w . x + b as one node when anything is a Unit."""
    ws, xs = list(ws), list(xs)
    if len(ws) != len(xs):
        raise ValueError(f"linear: {len(ws)} weights but {len(xs)} inputs; expected the same number")
    if _any_unit(b, *ws, *xs):
        return LinearGate()(*ws, *xs, b)
    return sum(w * x for w, x in zip(ws, xs)) + b

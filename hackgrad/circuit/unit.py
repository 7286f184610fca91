"""`Unit`, a wire of a real-valued circuit, and `Gate`, the protocol every scalar gate follows.

A Unit carries a value forward and a gradient back. There are two ways to make one from others:

- an operator or method (`a * b`, `u.tanh()`): the output Unit itself records what made it, in its own
  slots: a shared op descriptor, its one or two input Units and the local derivatives. One object per
  node, nothing else allocated that the garbage collector must track: that is what makes the scalar
  engine fast (measured in bench/scalar_moons.py: a graph of tuples, gates and lists per node spent
  most of its time in CPython's cyclic collector, which scans the live graph while it grows);
- a `Gate` object (the guide's hand-wired style, and the n-ary gates such as `LinearGate`): it remembers
  its inputs, computes its output Unit when called (or by `forward(...)`), and in `backward()` pushes
  `dout * local derivative` into its inputs with `+=`.

Either way the graph has no reference cycles (a Unit points at its inputs, never back), so a discarded
graph is freed by reference counting alone.
"""

import gc
from contextlib import contextmanager
from math import exp as _exp
from math import isfinite
from math import log as _log
from math import tanh as _tanh
from numbers import Real
from weakref import ref


class Op:
    """What made a wire: one shared descriptor per operator kind (`+`, `*`, `tanh`, ...), never one per node.

    `gate` names the Gate class that computes the same thing (errors name it; `Unit.gate` builds one).
    """

    __slots__ = ("name", "symbol", "gate")

    def __init__(self, name, symbol, gate):
        self.name, self.symbol, self.gate = name, symbol, gate

    def __repr__(self):
        return f"Op({self.name})"


ADD = Op("add", "+", "AddGate")
SUB = Op("sub", "-", "SubtractGate")
MUL = Op("mul", "*", "MultiplyGate")
DIV = Op("div", "/", "DivideGate")
MAX = Op("max", "max", "MaxGate")
NEG = Op("neg", "neg", "NegateGate")
POW = Op("pow", "^", "PowerGate")
EXP = Op("exp", "exp", "ExpGate")
LOG = Op("log", "log", "LogGate")
TANH = Op("tanh", "tanh", "TanhGate")
SIGMOID = Op("sigmoid", "sig", "SigmoidGate")
RELU = Op("relu", "relu", "ReLUGate")

# Set by hackgrad.circuit.vectorize while it traces a function: reading a Unit's value to decide
# something (a comparison, `if u:`, `float(u)`) would bake one example's branch into the traced circuit.
_tracing = None


def _refuse_while_tracing(what):
    if _tracing is not None:
        raise _tracing.error(what)


class Unit:
    """A wire: `value` flows forward, `grad` (d circuit output / d this wire) flows back."""

    # _op: None for an input wire (a leaf), an Op for an operator's output, a Gate for a gate's output;
    # _a, _b: an operator's inputs (_b is None for a unary one); _da, _db: its local derivatives
    # (a power keeps its exponent in _db); _m: the mark of the last walk that placed this wire.
    __slots__ = ("value", "grad", "_op", "_a", "_b", "_da", "_db", "_m", "label", "__weakref__")

    def __init__(self, value, grad=0.0, _gate=None, label=None):
        # `type(...) is float` first: the abstract Real check is slow
        self.value = value if type(value) is float else _real(value, "Unit value")
        self.grad = grad if type(grad) is float else _real(grad, "Unit grad")
        self._op = _gate
        self._a = self._b = self._da = self._db = self._m = None
        self.label = label

    def __repr__(self):
        name = f"{self.label}: " if self.label else ""
        return f"Unit({name}value={self.value:.6g}, grad={self.grad:.6g})"

    @property
    def is_leaf(self):
        """True for an input wire (made by `Unit(...)`, not by an operator or a gate)."""
        return self._op is None

    @property
    def inputs(self):
        """The wires this one was computed from (empty for a leaf)."""
        a = self._a
        if a is not None:
            return (a,) if self._b is None else (a, self._b)
        return self._op.inputs if self._op is not None else ()

    @property
    def op(self):
        """The symbol of what made this wire ('*', 'tanh', a gate's symbol), or None for a leaf."""
        op = self._op
        if op is None:
            return None
        if op is POW:
            return f"^{self._db:g}"
        if isinstance(op, Op):
            return op.symbol
        return getattr(op, "symbol", type(op).__name__)

    @property
    def gate(self):
        """The gate that produced this wire, or None for a leaf.

        An operator's output records no gate object (that is what keeps it lean); for it, this builds an
        equivalent gate wired to the same inputs, whose `backward()` pushes this wire's gradient by hand.
        """
        op = self._op
        if not isinstance(op, Op):
            return op
        gate = _gates.PowerGate(self._db) if op is POW else getattr(_gates, op.gate)()
        gate(*self.inputs)
        gate._out = ref(self)
        return gate

    _gate = gate  # the name code written against the earlier layout (a gate per node) reads, e.g. draw.py

    def backward(self, grad=1.0):
        """Tug on this wire with force `grad` and backpropagate to every wire it depends on.

        Leaves (inputs and parameters) *accumulate*: call `zero_grad()` on them (or set `.grad = 0.0`)
        between passes. Intermediate wires are reset first, so they hold this pass's gradient only.
        """
        order = _walk(self)  # the wires that operators and gates made, grads reset; leaves only receive
        self.grad += float(grad)
        for u in reversed(order):
            g = u.grad
            if not g:  # no pull, nothing moves: skip (a satisfied hinge, a ReLU that is off)
                continue
            a = u._a
            if a is not None:
                a.grad += u._da * g  # the one accumulation: a wire that branches receives the sum of its pulls
                b = u._b
                if b is not None:
                    b.grad += u._db * g
            else:
                u._op._push(g)

    def zero_grad(self):
        self.grad = 0.0

    # --- operators: each computes its value and its local derivatives, side by side ------------------
    def __add__(self, other):
        """z = x + y;  dz/dx = 1, dz/dy = 1"""
        if other.__class__ is not Unit:
            other = as_unit(other, "+")
        return _node(ADD, self.value + other.value, self, 1.0, other, 1.0)

    def __radd__(self, other):
        return as_unit(other, "+") + self

    def __sub__(self, other):
        """z = x - y;  dz/dx = 1, dz/dy = -1"""
        if other.__class__ is not Unit:
            other = as_unit(other, "-")
        return _node(SUB, self.value - other.value, self, 1.0, other, -1.0)

    def __rsub__(self, other):
        return as_unit(other, "-") - self

    def __mul__(self, other):
        """z = x * y;  dz/dx = y, dz/dy = x"""
        if other.__class__ is not Unit:
            other = as_unit(other, "*")
        x, y = self.value, other.value
        return _node(MUL, x * y, self, y, other, x)

    def __rmul__(self, other):
        return as_unit(other, "*") * self

    def __truediv__(self, other):
        """z = x / y;  dz/dx = 1/y, dz/dy = -x/y**2"""
        if other.__class__ is not Unit:
            other = as_unit(other, "/")
        x, y = self.value, other.value
        if y == 0.0:
            raise ZeroDivisionError(f"DivideGate: division by zero ({x:.6g} / 0)")
        return _node(DIV, x / y, self, 1.0 / y, other, -x / (y * y))

    def __rtruediv__(self, other):
        return as_unit(other, "/") / self

    def __neg__(self):
        """z = -x;  dz/dx = -1"""
        return _node(NEG, -self.value, self, -1.0)

    def __pos__(self):
        return self

    def __pow__(self, p):
        """z = x ** p (p a constant);  dz/dx = p * x**(p-1)"""
        if isinstance(p, Unit):
            raise TypeError("Unit ** Unit is not supported: the power gate takes a constant exponent")
        if isinstance(p, bool) or not isinstance(p, (int, float)):
            raise TypeError(f"PowerGate: the exponent must be a constant number, got {type(p).__name__}")
        x = self.value
        if x < 0 and not float(p).is_integer():
            raise ValueError(f"PowerGate: {x:.6g} ** {p} is not real (negative base, fractional power)")
        if x == 0 and p < 0:
            raise ZeroDivisionError(f"PowerGate: 0 ** {p} is infinite")
        node = _node(POW, float(x**p), self, float(p * x ** (p - 1)))
        node._db = p  # the exponent, for drawing and tracing (a unary node has no second input)
        return node

    def __rpow__(self, base):
        raise TypeError("number ** Unit is not supported: use (log(base) * u).exp() for base ** u")

    def exp(self):
        """y = e**x;  dy/dx = y"""
        try:
            y = _exp(self.value)
        except OverflowError:
            y = float("inf")  # reported by _node as a non-finite value, naming the gate
        return _node(EXP, y, self, y)

    def log(self):
        """y = ln(x);  dy/dx = 1/x"""
        x = self.value
        if x <= 0:
            raise ValueError(f"LogGate: log of a non-positive number ({x:.6g}); log needs x > 0")
        return _node(LOG, _log(x), self, 1.0 / x)

    def tanh(self):
        """y = tanh(x);  dy/dx = 1 - y**2"""
        y = _tanh(self.value)
        return _node(TANH, y, self, 1.0 - y * y)

    def sigmoid(self):
        """y = 1 / (1 + e**-x);  dy/dx = y * (1 - y)"""
        y = _sigmoid(self.value)
        return _node(SIGMOID, y, self, y * (1.0 - y))

    def relu(self):
        """y = max(0, x);  dy/dx = 1 if x > 0 else 0"""
        x = self.value
        return _node(RELU, x, self, 1.0) if x > 0.0 else _node(RELU, 0.0, self, 0.0)

    def max(self, other):
        """z = max(x, y);  the gradient switch: dz/dx = 1 if x won else 0 (a tie routes to x)"""
        if other.__class__ is not Unit:
            other = as_unit(other, "max")
        x, y = self.value, other.value
        return _node(MAX, x, self, 1.0, other, 0.0) if x >= y else _node(MAX, y, self, 0.0, other, 1.0)

    # comparisons read values, so plain Python control flow (`if score < 1:`) works on Units
    def __lt__(self, other):
        _refuse_while_tracing("<")
        return self.value < _value(other)

    def __le__(self, other):
        _refuse_while_tracing("<=")
        return self.value <= _value(other)

    def __gt__(self, other):
        _refuse_while_tracing(">")
        return self.value > _value(other)

    def __ge__(self, other):
        _refuse_while_tracing(">=")
        return self.value >= _value(other)

    def __bool__(self):
        _refuse_while_tracing("bool()")
        return True

    __hash__ = object.__hash__

    def __float__(self):
        _refuse_while_tracing("float()")
        return self.value

    def _repr_svg_(self):
        from hackgrad.circuit.draw import draw

        return draw(self).svg


_new = object.__new__


def _node(op, z, a, da, b=None, db=None):
    """The output wire of operator `op`: value z from inputs a (and b), local derivatives da (and db)."""
    if not isfinite(z):
        _non_finite(op.gate, z, a, b)
    u = _new(Unit)  # no __init__: an operator's output needs no argument checks
    u.value = z
    u.grad = 0.0
    u._op = op
    u._a = a
    u._b = b
    u._da = da
    u._db = db
    u._m = None
    u.label = None
    return u


def _non_finite(name, z, *inputs):
    args = ", ".join(f"{u.value:.6g}" for u in inputs if u is not None)
    raise ValueError(f"{name} produced a non-finite value ({z}) from inputs ({args})")


def _walk(root):
    """The non-leaf wires that `root` depends on (root included), each after its inputs; grads reset.

    An explicit-stack depth-first post-order, so depth is unlimited and the order depends only on the
    order of each node's inputs. Visited wires carry this walk's mark in a slot: measured about twice as
    fast as the generic hackgrad.graph.toposort (a set of visited nodes and an iterator per node), and the
    walk is a third of a backward pass. An n-ary gate's inputs are iterated, so each is looked at once.
    """
    if root._op is None:
        return []
    mark = object()
    root._m = mark
    order, stack, pending_of = [], [root], {}
    push, pop, place = stack.append, stack.pop, order.append
    while stack:
        u = stack[-1]
        a = u._a
        if a is not None:  # an operator's output: one or two inputs in slots
            if a._m is not mark and a._op is not None:
                a._m = mark
                push(a)
                continue
            b = u._b
            if b is not None and b._m is not mark and b._op is not None:
                b._m = mark
                push(b)
                continue
        else:  # a gate's output: iterate the gate's non-leaf inputs, resuming where it left off
            pending = pending_of.get(u)
            if pending is None:
                pending = pending_of[u] = iter(u._op.parents)
            for p in pending:
                if p._m is not mark:
                    p._m = mark
                    push(p)
                    break
            else:
                p = None
            if p is not None:
                continue
        pop()
        u.grad = 0.0
        place(u)
    return order


@contextmanager
def collector_paused():
    """Opt-in: pause CPython's cyclic garbage collector inside the block, restore it after.

    Circuits make no reference cycles, so their graphs are freed by reference counting alone; the
    collector only scans them while they grow (in bench/scalar_moons.py, the larger part of a training
    step of micrograd-style code). Garbage with cycles made by other code in the block waits until the
    collector runs again. Nothing changes unless you use this: `with collector_paused(): step()`.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _value(x):
    return x.value if isinstance(x, Unit) else x


def _real(x, what):
    if type(x) is int:
        return float(x)
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what}: expected a real number, got {type(x).__name__} {x!r}")
    return float(x)


def _sigmoid(x):
    # split by sign so exp never overflows for large |x|
    if x >= 0:
        return 1.0 / (1.0 + _exp(-x))
    e = _exp(x)
    return e / (1.0 + e)


def as_unit(x, where="gate"):
    """A Unit for `x`: Units pass through, plain numbers become constant input wires."""
    if isinstance(x, Unit):
        return x
    u = Unit(x if type(x) is float else _real(x, f"{where} (an input: a Unit or a real number)"))
    if _tracing is not None:
        _tracing.constants.add(u)  # a number in the traced code: a literal, not a parameter
    return u


class Gate:
    """Base of every scalar gate. Subclasses define, side by side:

    - `compute(*values) -> float`: the forward value from input values (may cache what backward needs);
    - `local_grads(dout) -> tuple`: d circuit / d each input, i.e. dout times the local derivative.

    A gate remembers only its latest wiring: reuse one gate object for one circuit at a time.
    """

    __slots__ = ("inputs", "parents", "_out")

    def __call__(self, *inputs):
        """Wire the gate to `inputs` (Units or numbers) and return its output Unit."""
        try:  # the inputs that operators and gates made: the only wires that backward must put in order
            self.parents = tuple([u for u in inputs if u._op is not None])
        except AttributeError:  # a number among the inputs becomes a constant wire
            inputs = tuple([as_unit(u, type(self).__name__) for u in inputs])
            self.parents = tuple([u for u in inputs if u._op is not None])
        value = self.compute(*[u.value for u in inputs])
        if not isfinite(value):
            _non_finite(type(self).__name__, value, *inputs)
        self.inputs = inputs
        return Unit(value, 0.0, self)

    def forward(self, *inputs):
        """As calling the gate, and remember the output (weakly) so `backward()` can be called by hand.

        Operators and modules call the gate instead: a weak reference per node costs about 15% of a
        training step, and `Unit.backward()` does not need it.
        """
        out = self(*inputs)
        self._out = ref(out)
        return out

    @property
    def utop(self):
        """The output Unit made by the last `forward` (the guide calls it `utop`)."""
        out = self._out() if hasattr(self, "_out") else None
        if out is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward(): no output Unit to read the gradient from; wire the gate "
                "with forward() and keep its output, or call .backward() on the circuit's output Unit"
            )
        return out

    def backward(self):
        """Chain the output's gradient into the inputs (by hand: gates in reverse order, as in the guide)."""
        self._push(self.utop.grad)

    def _push(self, dout):
        if dout == 0.0:  # no pull, nothing moves: skip (a satisfied hinge, a ReLU that is off)
            return
        for u, du in zip(self.inputs, self.local_grads(dout)):
            u.grad += du  # the one accumulation: a wire that branches receives the sum of its gradients

    def compute(self, *values):  # pragma: no cover - abstract
        raise NotImplementedError

    def local_grads(self, dout):  # pragma: no cover - abstract
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


from hackgrad.circuit import gates as _gates  # noqa: E402  (gates subclass Gate, defined above)

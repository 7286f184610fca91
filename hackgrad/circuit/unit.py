"""`Unit`, a wire of a real-valued circuit, and `Gate`, the protocol every scalar gate follows.

A Unit carries a value forward and a gradient back. A Gate remembers its input Units, computes its output
Unit when called (or by `forward(...)`, the guide's hand-wired style), and in `backward()` pushes
`dout * local derivative` into its inputs with `+=`.

The graph has no reference cycles: an output Unit points at its gate, the gate points at its inputs and
(after `forward`) only weakly back at its output. So a discarded graph is freed by reference counting
alone and CPython's cyclic garbage collector (most of a naive scalar engine's run time) has no work.
"""

from math import isfinite
from numbers import Real
from weakref import ref

from hackgrad.graph import toposort


class Unit:
    """A wire: `value` flows forward, `grad` (d circuit output / d this wire) flows back."""

    __slots__ = ("value", "grad", "_gate", "label", "__weakref__")

    def __init__(self, value, grad=0.0, _gate=None, label=None):
        # `type(...) is float` first: gates make millions of Units, and the abstract Real check is slow
        self.value = value if type(value) is float else _real(value, "Unit value")
        self.grad = grad if type(grad) is float else _real(grad, "Unit grad")
        self._gate = _gate
        self.label = label

    def __repr__(self):
        name = f"{self.label}: " if self.label else ""
        return f"Unit({name}value={self.value:.6g}, grad={self.grad:.6g})"

    @property
    def gate(self):
        """The gate that produced this wire, or None for an input wire (a leaf)."""
        return self._gate

    @property
    def inputs(self):
        return self._gate.inputs if self._gate is not None else ()

    def backward(self, grad=1.0):
        """Tug on this wire with force `grad` and backpropagate to every wire it depends on.

        Leaves (inputs and parameters) *accumulate*: call `zero_grad()` on them (or set `.grad = 0.0`)
        between passes. Intermediate wires are reset first, so they hold this pass's gradient only.
        """
        order = toposort(self, _parents)  # the wires that gates made; leaves only receive
        for u in order:
            if u._gate is not None:
                u.grad = 0.0
        self.grad += float(grad)
        for u in reversed(order):
            if u._gate is not None:
                u._gate._push(u.grad)

    def zero_grad(self):
        self.grad = 0.0

    # --- operators build gates, so `a * x + b` is a circuit -------------------------------------
    def __add__(self, other):
        return _gates.AddGate()(self, as_unit(other, "+"))

    def __radd__(self, other):
        return _gates.AddGate()(as_unit(other, "+"), self)

    def __sub__(self, other):
        return _gates.SubtractGate()(self, as_unit(other, "-"))

    def __rsub__(self, other):
        return _gates.SubtractGate()(as_unit(other, "-"), self)

    def __mul__(self, other):
        return _gates.MultiplyGate()(self, as_unit(other, "*"))

    def __rmul__(self, other):
        return _gates.MultiplyGate()(as_unit(other, "*"), self)

    def __truediv__(self, other):
        return _gates.DivideGate()(self, as_unit(other, "/"))

    def __rtruediv__(self, other):
        return _gates.DivideGate()(as_unit(other, "/"), self)

    def __neg__(self):
        return _gates.NegateGate()(self)

    def __pos__(self):
        return self

    def __pow__(self, exponent):
        if isinstance(exponent, Unit):
            raise TypeError("Unit ** Unit is not supported: the power gate takes a constant exponent")
        return _gates.PowerGate(exponent)(self)

    def __rpow__(self, base):
        raise TypeError("number ** Unit is not supported: use (log(base) * u).exp() for base ** u")

    # comparisons read values, so plain Python control flow (`if score < 1:`) works on Units
    def __lt__(self, other):
        return self.value < _value(other)

    def __le__(self, other):
        return self.value <= _value(other)

    def __gt__(self, other):
        return self.value > _value(other)

    def __ge__(self, other):
        return self.value >= _value(other)

    __hash__ = object.__hash__

    def __float__(self):
        return self.value

    def exp(self):
        return _gates.ExpGate()(self)

    def log(self):
        return _gates.LogGate()(self)

    def tanh(self):
        return _gates.TanhGate()(self)

    def sigmoid(self):
        return _gates.SigmoidGate()(self)

    def relu(self):
        return _gates.ReLUGate()(self)

    def max(self, other):
        return _gates.MaxGate()(self, as_unit(other, "max"))

    def _repr_svg_(self):
        from hackgrad.circuit.draw import draw

        return draw(self).svg


def _parents(u):
    g = u._gate
    return g.parents if g is not None else ()


def _value(x):
    return x.value if isinstance(x, Unit) else x


def _real(x, what):
    if type(x) is int:
        return float(x)
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what}: expected a real number, got {type(x).__name__} {x!r}")
    return float(x)


def as_unit(x, where="gate"):
    """A Unit for `x`: Units pass through, plain numbers become constant input wires."""
    if isinstance(x, Unit):
        return x
    return Unit(x if type(x) is float else _real(x, f"{where} (an input: a Unit or a real number)"))


class Gate:
    """Base of every scalar gate. Subclasses define, side by side:

    - `compute(*values) -> float`: the forward value from input values (may cache what backward needs);
    - `local_grads(dout) -> tuple`: d circuit / d each input, i.e. dout times the local derivative.

    A gate remembers only its latest wiring: reuse one gate object for one circuit at a time.
    """

    __slots__ = ("inputs", "parents", "_out")

    def __call__(self, *inputs):
        """Wire the gate to `inputs` (Units or numbers) and return its output Unit."""
        try:  # the inputs that gates made: the only wires that backward must put in order
            self.parents = tuple([u for u in inputs if u._gate is not None])
        except AttributeError:  # a number among the inputs becomes a constant wire
            inputs = tuple([as_unit(u, type(self).__name__) for u in inputs])
            self.parents = tuple([u for u in inputs if u._gate is not None])
        value = self.compute(*[u.value for u in inputs])
        if not isfinite(value):
            args = ", ".join(f"{u.value:.6g}" for u in inputs)
            name = type(self).__name__
            raise ValueError(f"{name} produced a non-finite value ({value}) from inputs ({args})")
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

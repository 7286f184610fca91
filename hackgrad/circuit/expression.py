"""Circuits typed as text: `sigmoid(a*x + b*y + c)` parsed into hackgrad's gates, never `eval`.

A small recursive-descent parser (one function per precedence level) turns the text into a tree; the
tree is then wired into Units, so every `+` is an AddGate and every `sigmoid` a SigmoidGate, exactly as
if the circuit had been written by hand. A name used twice is one wire that branches.

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := "-" unary | atom
    atom   := number | name | name "(" expr ("," expr)* ")" | "(" expr ")"

Functions: sigmoid (or sig), tanh, exp, log, relu (one argument each) and max (two).

`compute(expression, inputs, force)` is what the circuit page asks the server for: the output, every
input's gradient, and every wire in forward order with its value, gradient, the local derivatives of the
gate that made it and the products it passes back, and a position to draw it at.
"""

import math
import re
from numbers import Real

from hackgrad.circuit import gates
from hackgrad.circuit.strategies import numerical_gradient
from hackgrad.circuit.unit import Unit

__all__ = ["ExpressionError", "Expression", "parse", "compute", "PRESETS", "FUNCTIONS", "MAX_LENGTH"]

MAX_LENGTH = 500  # characters: a circuit to look at, not a program
MAX_DEPTH = 60  # nesting (parentheses, calls, unary minus): deep enough for any drawing, far from Python's limit

# name -> (number of arguments, how to apply it to Units or floats)
FUNCTIONS = {
    "sigmoid": (1, gates.sigmoid),
    "sig": (1, gates.sigmoid),
    "tanh": (1, gates.tanh),
    "exp": (1, gates.exp),
    "log": (1, gates.log),
    "relu": (1, gates.relu),
    "max": (2, gates.maximum),
}
_BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}


class ExpressionError(ValueError):
    """Text that is not a circuit; `position` is the 0-based character offset of the problem."""

    def __init__(self, message, position, expression=""):
        super().__init__(f"{message} (at character {position + 1})")
        self.reason, self.position, self.expression = message, position, expression

    def to_dict(self):
        return {"error": str(self), "field": "expression", "position": self.position, "reason": self.reason}


# --- tokens -------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)|(?P<name>[A-Za-z_]\w*)|(?P<op>[-+*/(),]))")


def _tokens(text):
    """[(kind, text, position)] ending with ("end", "", len(text))."""
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            out.append(("end", "", i))
            return out
        m = _TOKEN.match(text, i)
        if m is None:
            raise ExpressionError(f"unexpected character {text[i]!r}; expected a number, a name, an operator "
                                  "(+ - * /), a parenthesis or a comma", i, text)
        kind = m.lastgroup
        out.append((kind, m.group(kind), m.start(kind)))
        i = m.end()


# --- the tree: ("num", value) | ("var", name) | ("neg", node) | (op, left, right) | ("call", name, args) --


class _Parser:
    def __init__(self, text):
        self.text, self.toks, self.i, self.depth = text, _tokens(text), 0, 0

    def peek(self):
        return self.toks[self.i]

    def take(self):
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def fail(self, message, tok=None):
        tok = tok or self.peek()
        found = "the end of the expression" if tok[0] == "end" else repr(tok[1])
        raise ExpressionError(f"{message}, found {found}", tok[2], self.text)

    def expect(self, op, what):
        if self.peek()[1] != op or self.peek()[0] != "op":
            self.fail(f"expected {what}")
        return self.take()

    def parse(self):
        if self.peek()[0] == "end":
            self.fail("empty expression: type a circuit such as sigmoid(a*x + b*y + c)")
        node = self.expr()
        if self.peek()[0] != "end":
            self.fail("expected an operator (+ - * /) or the end")
        return node

    def nest(self, tok):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"nested more than {MAX_DEPTH} deep", tok[2], self.text)

    def expr(self):
        node = self.term()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            op = self.take()[1]
            node = (op, node, self.term())
        return node

    def term(self):
        node = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in "*/":
            op = self.take()[1]
            node = (op, node, self.unary())
        return node

    def unary(self):
        tok = self.peek()
        if tok[0] == "op" and tok[1] == "-":
            self.take()
            self.nest(tok)
            inner = self.unary()
            self.depth -= 1
            # -3 is a constant wire, not a negate gate fed by 3
            return ("num", -inner[1]) if inner[0] == "num" else ("neg", inner)
        return self.atom()

    def atom(self):
        tok = self.take()
        kind, text, pos = tok
        if kind == "num":
            value = float(text)
            if not math.isfinite(value):
                raise ExpressionError(f"the number {text} is too large", pos, self.text)
            return ("num", value)
        if kind == "name":
            if self.peek()[1] != "(" or self.peek()[0] != "op":
                if text in FUNCTIONS:
                    self.fail(f"{text} is a function: expected '(' after it")
                return ("var", text)
            if text not in FUNCTIONS:
                raise ExpressionError(f"unknown function {text!r}; known: {', '.join(sorted(FUNCTIONS))}",
                                      pos, self.text)
            self.take()  # "("
            self.nest(tok)
            args = [self.expr()]
            while self.peek()[1] == "," and self.peek()[0] == "op":
                self.take()
                args.append(self.expr())
            self.expect(")", f"')' closing {text}(")
            self.depth -= 1
            arity = FUNCTIONS[text][0]
            if len(args) != arity:
                raise ExpressionError(f"{text} takes {arity} argument{'s' if arity > 1 else ''}, got {len(args)}",
                                      pos, self.text)
            return ("call", text, args)
        if kind == "op" and text == "(":
            self.nest(tok)
            node = self.expr()
            self.expect(")", "')'")
            self.depth -= 1
            return node
        self.i -= 1
        self.fail("expected a number, a name or '('")


def _variables(node, out):
    kind = node[0]
    if kind == "var":
        if node[1] not in out:
            out.append(node[1])
    elif kind == "neg":
        _variables(node[1], out)
    elif kind == "call":
        for a in node[2]:
            _variables(a, out)
    elif kind != "num":
        _variables(node[1], out)
        _variables(node[2], out)
    return out


class Expression:
    """A parsed circuit: `variables` in order of first appearance; call it on floats or Units."""

    def __init__(self, text):
        if not isinstance(text, str):
            raise TypeError(f"an expression must be a string, got {type(text).__name__}")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"the expression is {len(text)} characters long; at most {MAX_LENGTH}",
                                  MAX_LENGTH, text)
        self.text = text
        self.tree = _Parser(text).parse()
        self.variables = _variables(self.tree, [])

    def __repr__(self):
        return f"Expression({self.text!r})"

    def __call__(self, *values):
        """The circuit on `values` (one per variable, in order): a float, or a Unit if any value is one."""
        if len(values) != len(self.variables):
            raise TypeError(f"{self!r} takes {len(self.variables)} values ({', '.join(self.variables)}), "
                            f"got {len(values)}")
        wire = any(isinstance(v, Unit) for v in values)
        return self._eval(self.tree, dict(zip(self.variables, values)), wire)

    def circuit(self, units):
        """The circuit wired on `units` (one Unit per variable): always a Unit, every operator a gate."""
        return self._eval(self.tree, dict(zip(self.variables, units)), True)

    def _eval(self, node, env, wire):
        kind = node[0]
        if kind == "num":
            # in a circuit a constant is a wire too, so `2 * 3` still draws its gate
            return Unit(node[1]) if wire else node[1]
        if kind == "var":
            return env[node[1]]
        if kind == "neg":
            return -self._eval(node[1], env, wire)
        if kind == "call":
            return FUNCTIONS[node[1]][1](*[self._eval(a, env, wire) for a in node[2]])
        return _BINARY[kind](self._eval(node[1], env, wire), self._eval(node[2], env, wire))


def parse(text):
    """`text` as an `Expression`, or ExpressionError with the position of the first problem."""
    return Expression(text)


# --- the circuit page's computation ------------------------------------------------------------------------

# The guide's circuits, in the order it meets them. `parameters` are the knobs learning turns; the other
# names are data (drawn differently).
PRESETS = [
    {"name": "single gate: x * y", "expression": "x * y", "inputs": {"x": -2.0, "y": 3.0}, "parameters": []},
    {"name": "two gates: (x + y) * z", "expression": "(x + y) * z",
     "inputs": {"x": -2.0, "y": 5.0, "z": -4.0}, "parameters": []},
    {"name": "a neuron: sigmoid(a*x + b*y + c)", "expression": "sigmoid(a*x + b*y + c)",
     "inputs": {"a": 1.0, "b": 2.0, "c": -3.0, "x": -1.0, "y": 3.0}, "parameters": ["a", "b", "c"]},
    {"name": "the SVM's cost on one example",
     "expression": "max(0, 1 - label*(a*x + b*y + c)) + 0.1*(a*a + b*b)",
     "inputs": {"label": 1.0, "a": 1.0, "b": -2.0, "c": -1.0, "x": 1.2, "y": 0.7},
     "parameters": ["a", "b", "c"]},
]


def _number(value, what):
    ok = isinstance(value, Real) and not isinstance(value, bool)
    try:
        ok = ok and math.isfinite(value)
    except OverflowError:  # an int too large for a float
        ok = False
    if not ok:
        raise ValueError(f"{what} must be a finite number, got {value!r}")
    return float(value)


def _local(gate):
    """d gate output / d each input, read from the gate's own backward with dout = 1."""
    return [float(d) for d in gate.local_grads(1.0)]


def compute(expression, inputs, force=1.0, *, default=None, numerical=True):
    """Forward and backward through the circuit `expression` with `inputs` (name -> number).

    `force` is the tug on the output. Names missing from `inputs` take `default` (or are an error when it
    is None). Returns a JSON-able dict: output, gradients, numerical (central differences, per input),
    variables, and `wires`: every wire in forward order (inputs first) with its value and gradient; a
    gate's wire adds op, inputs (wire ids), local (d out / d each input) and passed (gradient x local,
    what it sends back along each input); a wire read by several gates lists `branches` (gate id and the
    gradient that came back along it) whose sum is its gradient.
    """
    from hackgrad.circuit.draw import layout  # draw imports unit, as this module does; no cycle at run time

    expr = expression if isinstance(expression, Expression) else parse(expression)
    if not isinstance(inputs, dict):
        raise ValueError(f"inputs must be an object of name -> number, got {type(inputs).__name__}")
    unknown = [k for k in inputs if k not in expr.variables]
    if unknown:
        raise ValueError(f"inputs {', '.join(map(repr, unknown))} do not appear in the expression; "
                         f"its inputs are: {', '.join(expr.variables) or '(none)'}")
    missing = [k for k in expr.variables if k not in inputs]
    if missing and default is None:
        raise ValueError(f"no value for input{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    values = [_number(inputs[k], f"input {k}") if k in inputs else _number(default, "default")
              for k in expr.variables]
    force = _number(force, "force")

    leaves = [Unit(v, label=k) for k, v in zip(expr.variables, values)]
    out = expr.circuit(leaves)
    out.backward(force)

    units, place = layout(out)
    ids = {id(u): i for i, u in enumerate(units)}
    wires = []
    for i, u in enumerate(units):
        x, y = place[id(u)]
        wire = {"id": i, "value": u.value, "grad": u.grad, "x": round(x, 1), "y": round(y, 1)}
        if u.gate is None:
            wire.update(kind="input" if u.label else "constant", name=u.label)
        else:
            local = _local(u.gate)
            wire.update(kind="gate", op=u.gate.symbol, inputs=[ids[id(v)] for v in u.gate.inputs],
                        local=local, passed=[d * u.grad for d in local])
        wires.append(wire)
    for w in wires:
        for k, src in enumerate(w.get("inputs", ())):
            wires[src].setdefault("branches", []).append({"to": w["id"], "grad": w["passed"][k]})
    for w in wires:
        if len(w.get("branches", ())) < 2:
            w.pop("branches", None)
    result = {
        "expression": expr.text,
        "variables": list(expr.variables),
        "inputs": dict(zip(expr.variables, values)),
        "force": force,
        "output": out.value,
        "output_id": ids[id(out)],
        "gradients": {u.label: u.grad for u in leaves},
        "wires": wires,
    }
    if numerical and expr.variables:
        # d output / d input by central differences, times the same force: what "check" shows beside each
        try:
            num = numerical_gradient(expr, *values, h=1e-5, method="centered")
            result["numerical"] = {k: force * g for k, g in zip(expr.variables, num)}
        except (ValueError, ZeroDivisionError, OverflowError):  # a nudge left the domain (log near 0)
            result["numerical"] = None
    return result

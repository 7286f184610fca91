"""`vectorize(fn)`: the guide's "vectorized implementations" as a tool.

Trace a scalar function written with Units once (one example's circuit), then evaluate the same circuit
on NumPy arrays, one value per example, with the tensor engine. Scalar gates of the trace that do the
same thing to different wires are packed into one array op: a neuron's `b + w1*x1 + ... + wn*xn` is a
column of a matrix product, a layer of neurons reading the same wires is one `A @ W + b`, and the ReLUs
after it are one op. The batch's loss comes back as one Unit, made by one gate whose inputs are the
circuit's parameters, so `backward()` writes their gradients into `.grad` and the result composes with
other Units (a regularisation term written with Units, say).

A traced circuit cannot branch on data: comparing Units (`if score < 1:`), `bool(u)` or `float(u)` while
tracing raises `TracingError`; write the choice with `max`/`relu` instead.
"""

import inspect

import numpy as np

from hackgrad.autograd import Tensor, no_grad
from hackgrad.autograd import functional as F
from hackgrad.circuit import unit as _unit
from hackgrad.circuit.draw import draw
from hackgrad.circuit.unit import Gate, Op, Unit, _walk


class TracingError(TypeError):
    """A traced function read a Unit's value to decide something (data-dependent control flow)."""


class _Tracer:
    """Installed in hackgrad.circuit.unit while a function is traced: collects the numbers it used."""

    def __init__(self, name):
        self.name = name
        self.constants = set()  # Units made from plain numbers inside the traced function: literals

    def error(self, what):
        return TracingError(
            f"vectorize: {what} on a Unit while tracing {self.name}: the trace is one example's circuit, "
            "so a branch on this value would be frozen for every example. Data-dependent control flow "
            "cannot be vectorized; write the choice as a gate: max/relu (for example "
            "`(1 - y * score).relu()` instead of `if y * score < 1:`, or `a.max(b)` instead of `a if a > b else b`)"
        )


# Gates wired by hand (and the n-ary ones) translate to the same ops as the operators.
_GATE_OPS = {"AddGate": "add", "SubtractGate": "sub", "MultiplyGate": "mul", "DivideGate": "div",
             "MaxGate": "max", "NegateGate": "neg", "PowerGate": "pow", "ExpGate": "exp", "LogGate": "log",
             "TanhGate": "tanh", "SigmoidGate": "sigmoid", "ReLUGate": "relu", "SumGate": "sum",
             "LinearGate": "linear", "LinearReLUGate": "linear_relu"}

# Elementwise ops on tensors (each with its backward in the tensor engine) and as NumPy source.
_TENSOR_OPS = {
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "max": lambda x, y: F.where(x.data >= y.data, x, y),  # a tie routes to x, as the scalar max gate
    "pow": lambda x, p: x**p,
    "exp": F.exp,
    "log": F.log,
    "tanh": F.tanh,
    "sigmoid": F.sigmoid,
    "relu": F.relu,
}
_NUMPY_SOURCE = {
    "mul": "{0} * {1}",
    "div": "{0} / {1}",
    "max": "np.where({0} >= {1}, {0}, {1})",
    "pow": "{0} ** {p!r}",
    "exp": "np.exp({0})",
    "log": "np.log({0})",
    "tanh": "np.tanh({0})",
    "sigmoid": "1 / (1 + np.exp(-{0}))",
    "relu": "np.maximum({0}, 0.0)",
}


def _describe(u):
    """(op name, input Units, parameter) of a traced non-leaf wire, whoever made it."""
    op = u._op
    if isinstance(op, Op):
        return op.name, u.inputs, (u._db if op is _unit.POW else None)
    name = _GATE_OPS.get(type(op).__name__)
    if name is None:
        raise TracingError(
            f"vectorize: cannot translate {type(op).__name__} (a custom gate) into array ops; write it with "
            "Unit operators and methods (+, *, exp(), tanh(), max(), ...)"
        )
    return name, op.inputs, (op.p if name == "pow" else None)


_SYNTHETIC = Op("synthetic", "", None)


class _Program:
    """The traced circuit, packed into groups of array ops; runs on tensors and prints as NumPy."""

    def __init__(self, out, inputs, constants):
        self.inputs = list(inputs)
        slot_of_input = {id(x): i for i, x in enumerate(self.inputs)}
        order = _walk(out)
        uses = {}
        for u in order:
            for x in _describe(u)[1]:
                uses[id(x)] = uses.get(id(x), 0) + 1
        uses[id(out)] = uses.get(id(out), 0) + 1

        # leaves: inputs are columns of X; parameters and constants are entries of one vector theta
        self.parameters, consts, leaf_index = [], [], {}

        def leaf(x):
            if id(x) not in leaf_index:
                if id(x) in constants:
                    consts.append(x)
                    leaf_index[id(x)] = ("c", len(consts) - 1)
                else:
                    self.parameters.append(x)
                    leaf_index[id(x)] = ("p", len(self.parameters) - 1)
            return x

        def is_leaf(x):
            return x._op is None and id(x) not in slot_of_input

        # 1. every wire as an instruction: "lin" (a signed sum of coef * wire terms) or an elementwise op
        instrs, lin_of, absorbed = {}, {}, set()

        def terms_of(x, sign):
            """x as terms (sign, coefficient leaf or None for 1, wire or None for a bias) of a sum."""
            if is_leaf(x):
                return [(sign, leaf(x), None)]
            if id(x) in lin_of and uses[id(x)] == 1:  # a partial sum read only here: fold it in
                absorbed.add(id(x))
                return [(sign * s, c, a) for s, c, a in lin_of[id(x)]]
            return [(sign, None, x)]

        def product(a, b, key):
            """a * b as one term when one side is a leaf, else as an op of its own (keyed by `key`)."""
            if is_leaf(a) != is_leaf(b):
                c, w = (a, b) if is_leaf(a) else (b, a)
                return [(1.0, leaf(c), w)]
            for x in (a, b):
                if is_leaf(x):
                    leaf(x)
            instrs[id(key)] = ("op", "mul", (a, b), None, key)
            return [(1.0, None, key)]

        self._keep = []  # synthetic wires (the products inside a LinearGate) stay alive with the program
        for u in order:
            name, args, p = _describe(u)
            if name in ("add", "sub", "neg", "sum", "mul", "linear", "linear_relu"):
                if name == "add" or name == "sum":
                    terms = [t for x in args for t in terms_of(x, 1.0)]
                elif name == "sub":
                    terms = terms_of(args[0], 1.0) + terms_of(args[1], -1.0)
                elif name == "neg":
                    terms = terms_of(args[0], -1.0)
                elif name == "mul":
                    terms = product(args[0], args[1], u)
                    if id(u) in instrs:  # not a term: an elementwise product of two wires
                        continue
                else:  # w1..wn, x1..xn, b
                    n = len(args) // 2
                    terms = []
                    for w, x in zip(args[:n], args[n:-1]):
                        terms += product(w, x, self._synthetic() if is_leaf(w) == is_leaf(x) else None)
                    terms += terms_of(args[-1], 1.0)
                if name == "linear_relu":
                    key = self._synthetic()
                    lin_of[id(key)] = terms
                    instrs[id(key)] = ("lin", terms, key)
                    instrs[id(u)] = ("op", "relu", (key,), None, u)
                    continue
                lin_of[id(u)] = terms
                instrs[id(u)] = ("lin", terms, u)
            else:
                for x in args:
                    if is_leaf(x):
                        leaf(x)
                instrs[id(u)] = ("op", name, tuple(args), p, u)
        if not order:  # the output is itself a leaf or an input
            instrs[id(out)] = ("lin", terms_of(out, 1.0), out)
        kept = [ins for k, ins in instrs.items() if k not in absorbed]

        # 2. theta = [parameters..., constants..., 1.0]: one vector, so every coefficient is a gather
        self.n_params = len(self.parameters)
        self.constants = [c.value for c in consts]
        self.one = self.n_params + len(consts)

        def theta_index(x):
            kind, i = leaf_index[id(x)]
            return i if kind == "p" else self.n_params + i

        # 3. levels (longest path from the inputs), then pack same-shaped instructions of a level
        level = {}
        for ins in kept:  # `kept` is in topological order
            deps = _wires(ins)
            level[id(ins[-1])] = 1 + max([level.get(id(d), 0) for d in deps if not is_leaf(d)], default=0)
        groups = {}
        for ins in kept:
            groups.setdefault((level[id(ins[-1])], _signature(ins, is_leaf)), []).append(ins)
        where = {id(x): (-1, i) for i, x in enumerate(self.inputs)}  # wire -> (group id, column); X is -1
        self.groups = []
        for _, members in sorted(groups.items(), key=lambda kv: kv[0][0]):
            gid = len(self.groups)
            self.groups.append(_Group(gid, members, where, theta_index, is_leaf, self.one))
            for col, ins in enumerate(members):
                where[id(ins[-1])] = (gid, col)
        self.output = where[id(out)]
        self.rows = {-1: True}  # does a group's result depend on the inputs (one row per example)?
        for g in self.groups:
            self.rows[g.gid] = g.batched(self.rows)

    def _synthetic(self):
        """A wire the trace does not have (a product inside a LinearGate): a key for the packed program."""
        key = Unit(0.0, _gate=_SYNTHETIC)
        self._keep.append(key)
        return key

    def theta(self):
        """The vector the coefficients are gathered from: parameters' current values, constants, 1.0."""
        return np.array([p.value for p in self.parameters] + self.constants + [1.0])

    def run(self, X, theta, requires_grad):
        """The per-example outputs (N,) as a tensor, and the tensor theta (for its gradient)."""
        th = Tensor(theta, requires_grad=requires_grad, dtype=np.float64)  # float64, as the Units
        tensors = {-1: Tensor(X, dtype=np.float64)}
        for g in self.groups:
            tensors[g.gid] = g.run(tensors, th, X.shape[0], self.rows)
        gid, col = self.output
        out = tensors[gid][:, col]  # (N,) or (1,)
        if out.shape[0] != X.shape[0]:  # a circuit that ignores its inputs: the same value for each example
            out = out.broadcast_to((X.shape[0],))
        return out, th

    def source(self, name, arg_names, reduce):
        lines = [f"def {name}_vectorized({', '.join(arg_names)}, theta):",
                 "    # arguments: one value per example, shape (N,); theta: the parameters' values",
                 f"    # ({self.n_params}), the circuit's constants ({len(self.constants)}), then 1.0",
                 f"    X = np.stack([{', '.join(arg_names)}], axis=1)  # (N, {len(arg_names)})"]
        widths = {-1: len(self.inputs), **{g.gid: g.m for g in self.groups}}
        for g in self.groups:
            lines += ["    " + line for line in g.source(self.rows, widths)]
        gid, col = self.output
        res = f"v{gid}[:, {col}]"
        lines.append(f"    return {res}.{reduce}()" if reduce else f"    return {res}")
        return "\n".join(lines)


def _wires(ins):
    if ins[0] == "lin":
        return [a for _, _, a in ins[1] if a is not None]
    return list(ins[2])


def _signature(ins, is_leaf):
    if ins[0] == "lin":  # the same wires in the same places: one matrix product for the group
        return ("lin", tuple((s, c is None, id(a) if a is not None else None) for s, c, a in ins[1]))
    return ("op", ins[1], ins[3], tuple(is_leaf(x) for x in ins[2]))


class _Group:
    """Instructions of one level with one signature: one array op whose columns are their wires."""

    def __init__(self, gid, members, where, theta_index, is_leaf, one):
        self.gid, self.kind, self.one = gid, members[0][0], one
        self.m = m = len(members)
        if self.kind == "lin":
            terms = members[0][1]
            wired = [i for i, (_, _, a) in enumerate(terms) if a is not None]
            bias = [i for i, (_, _, a) in enumerate(terms) if a is None]
            self.acts = _gather_plan([terms[i][2] for i in wired], where)
            # W[i, j]: the coefficient of the i-th wire in member j (theta's 1.0 where it has none)
            self.W = np.array([[theta_index(ins[1][i][1]) if ins[1][i][1] is not None else one
                                for ins in members] for i in wired], dtype=np.intp).reshape(len(wired), m)
            self.W_sign = np.array([[terms[i][0]] * m for i in wired]).reshape(len(wired), m)
            self.B = np.array([[theta_index(ins[1][i][1]) for ins in members] for i in bias],
                              dtype=np.intp).reshape(len(bias), m)
            self.B_sign = np.array([[terms[i][0]] * m for i in bias]).reshape(len(bias), m)
            self.W_signed, self.B_signed = (self.W_sign != 1.0).any(), (self.B_sign != 1.0).any()
        else:
            _, self.op, args, self.p, _ = members[0]
            self.args = []
            for pos, x in enumerate(args):
                if is_leaf(x):
                    self.args.append(("theta", np.array([theta_index(ins[2][pos]) for ins in members], np.intp)))
                else:
                    self.args.append(("wires", _gather_plan([ins[2][pos] for ins in members], where)))

    def batched(self, rows):
        plans = [self.acts] if self.kind == "lin" else [plan for kind, plan in self.args if kind == "wires"]
        return any(rows[gid] for plan in plans for gid, _ in plan)

    # --- on tensors ----------------------------------------------------------------------------------
    def run(self, tensors, theta, n, rows):
        if self.kind == "lin":
            z = None
            if self.W.size:
                W = theta[self.W]  # (k, m)
                if self.W_signed:
                    W = W * self.W_sign
                z = _gather(self.acts, tensors, n) @ W  # (N, k) @ (k, m) -> (N, m)
            if self.B.size:
                b = theta[self.B]  # (nb, m)
                if self.B_signed:
                    b = b * self.B_sign
                b = b.sum(axis=0, keepdims=True) if self.B.shape[0] > 1 else b  # (1, m)
                z = b if z is None else z + b
            return z
        xs = [theta[plan].reshape(1, -1) if kind == "theta" else _gather(plan, tensors, n)
              for kind, plan in self.args]
        return _TENSOR_OPS[self.op](*xs) if self.op != "pow" else xs[0] ** self.p

    # --- as NumPy source -----------------------------------------------------------------------------
    def source(self, rows, widths):
        v = f"v{self.gid}"
        if self.kind == "lin":
            parts, lines = [], []
            if self.W.size:
                if (self.W == self.one).all():  # coefficients 1 (or -1): no parameter involved
                    w = f"np.array({self.W_sign.tolist()})"
                else:
                    w = _index_source(self.W)
                    if self.W_signed:
                        w = f"{w} * np.array({self.W_sign.tolist()})"
                lines.append(f"W{self.gid} = {w}  # {self.W.shape}")
                parts.append(f"{_gather_source(self.acts, widths)} @ W{self.gid}")
            if self.B.size:
                b = _index_source(self.B[0] if self.B.shape[0] == 1 else self.B)
                if self.B_signed:
                    b = f"({b} * np.array({(self.B_sign[0] if self.B.shape[0] == 1 else self.B_sign).tolist()}))"
                if self.B.shape[0] > 1:
                    b = f"{b}.sum(axis=0)"
                lines.append(f"b{self.gid} = {b}  # ({self.m},)")
                parts.append(f"b{self.gid}")
            return lines + [f"{v} = {' + '.join(parts)}  # {_shape(self.batched(rows), self.m)}"]
        xs = [_index_source(plan) if kind == "theta" else _gather_source(plan, widths) for kind, plan in self.args]
        return [f"{v} = {_NUMPY_SOURCE[self.op].format(*xs, p=self.p)}  # {_shape(self.batched(rows), self.m)}"]


def _shape(batched, m):
    return f"(N, {m})" if batched else f"(1, {m})"


def _gather_plan(wires, where):
    """How to assemble a matrix from wires: runs of (group id, [columns]) to concatenate."""
    runs = []
    for x in wires:
        gid, col = where[id(x)]
        if runs and runs[-1][0] == gid:
            runs[-1][1].append(col)
        else:
            runs.append((gid, [col]))
    return runs


def _gather(plan, tensors, n):
    pieces = []
    for gid, cols in plan:
        t = tensors[gid]
        if cols != list(range(t.shape[1])):  # all of a group's columns in order: the tensor itself
            t = t[:, cols]
        pieces.append(t)
    if len(pieces) == 1:
        return pieces[0]
    if len({p.shape[0] for p in pieces}) > 1:  # a wire that ignores the inputs: one row for every example
        pieces = [p if p.shape[0] == n else p.broadcast_to((n, p.shape[1])) for p in pieces]
    return F.cat(pieces, axis=1)


def _gather_source(plan, widths):
    pieces = []
    for gid, cols in plan:
        name = "X" if gid == -1 else f"v{gid}"
        if cols == list(range(widths[gid])):
            pieces.append(name)
        elif len(cols) == 1:
            pieces.append(f"{name}[:, {cols[0]}:{cols[0] + 1}]")
        else:
            pieces.append(f"{name}[:, {cols}]")
    return pieces[0] if len(pieces) == 1 else f"np.concatenate([{', '.join(pieces)}], axis=1)"


def _index_source(idx):
    """theta[idx] as short source: a slice or an arithmetic pattern when idx has one (a layer's weights)."""
    idx = np.asarray(idx)
    if idx.ndim == 2 and 1 in idx.shape and idx.size > 1:  # a row or a column: a 1-D pattern, reshaped
        return f"{_index_source(idx.ravel())}.reshape{idx.shape}"
    flat = idx.ravel()
    if idx.ndim == 1 and len(flat) == 1:
        return f"theta[{flat[0]}:{flat[0] + 1}]"
    if idx.ndim == 1 and len(set(np.diff(flat))) == 1 and flat[1] > flat[0]:
        step = flat[1] - flat[0]
        return f"theta[{flat[0]}:{flat[-1] + 1}{'' if step == 1 else f':{step}'}]"
    if idx.ndim == 2 and idx.size > 1:
        si, sj = idx[1, 0] - idx[0, 0], idx[0, 1] - idx[0, 0]
        i, j = np.arange(idx.shape[0])[:, None], np.arange(idx.shape[1])
        if (idx == idx[0, 0] + si * i + sj * j).all():  # W[i, j] = theta[start + si*i + sj*j]
            return f"theta[{idx[0, 0]} + {si} * np.arange({idx.shape[0]})[:, None] + {sj} * np.arange({idx.shape[1]})]"
    return f"theta[np.array({idx.tolist()})]"


class VectorizedGate(Gate):
    """One batch through a vectorized circuit: inputs are the circuit's parameters, the output its loss.

    Forward runs the packed circuit on the batch (tensor engine); the local gradients are the tensor
    engine's gradient of the reduced loss with respect to each parameter (computed once, on first use).
    """

    __slots__ = ("vf", "X", "values", "_loss", "_theta", "_dtheta")
    symbol = "vectorized"

    def __init__(self, vf, X):
        self.vf, self.X, self._dtheta = vf, X, None

    def compute(self, *param_values):
        prog = self.vf.program
        theta = np.array(list(param_values) + prog.constants + [1.0])
        per_example, self._theta = prog.run(self.X, theta, requires_grad=True)
        self.values = per_example.data
        self._loss = per_example.mean() if self.vf.reduce == "mean" else per_example.sum()
        return float(self._loss.item())

    def local_grads(self, dout):
        if self._dtheta is None:
            self._loss.backward()
            self._dtheta = self._theta.grad[: len(self.inputs)].copy()
            self._loss = self._theta = None  # the tensor graph is no longer needed
        return (self._dtheta * dout).tolist()


class Vectorized:
    """What `vectorize(fn)` returns: call it on arrays (one value per example) to get the batch's loss Unit."""

    def __init__(self, fn, reduce="mean"):
        if not callable(fn):
            raise TypeError(f"vectorize: expected a function of Units, got {type(fn).__name__}")
        if reduce not in ("mean", "sum"):
            raise ValueError(f"vectorize: reduce must be 'mean' or 'sum', got {reduce!r}")
        self.fn, self.reduce = fn, reduce
        self.name = getattr(fn, "__name__", "fn")
        if not self.name.isidentifier():
            self.name = "circuit"
        self.program = None
        self.example = None  # the traced circuit's output Unit: one example, drawable

    @property
    def parameters(self):
        """The traced circuit's parameters (its leaf Units other than inputs and literal numbers)."""
        self._require_trace("parameters")
        return list(self.program.parameters)

    def trace(self, *values):
        """Trace `fn` on one example's values (numbers); calling on arrays traces on their first example."""
        names = _arg_names(self.fn, len(values))
        inputs = [Unit(float(v), label=n) for v, n in zip(values, names)]
        tracer = _Tracer(f"{self.name}()")
        _unit._tracing = tracer
        try:
            out = self.fn(*inputs)
        finally:
            _unit._tracing = None
        if not isinstance(out, Unit):
            raise TypeError(f"vectorize: {self.name} returned {type(out).__name__}, not a Unit: build the "
                            "circuit from its Unit arguments with operators and methods")
        self.arg_names = names
        self.program = _Program(out, inputs, {id(c) for c in tracer.constants})
        self.example = out
        return self

    def _arrays(self, arrays):
        if not arrays:
            raise ValueError(f"vectorize: call {self.name} on arrays, one per argument (one value per example)")
        cols = []
        for i, a in enumerate(arrays):
            arr = np.asarray(a, dtype=np.float64)
            if arr.ndim != 1 or arr.shape[0] == 0:
                raise ValueError(f"vectorize: argument {i} must be a non-empty 1-D array (one value per "
                                 f"example), got shape {arr.shape}")
            if cols and arr.shape != cols[0].shape:
                raise ValueError(f"vectorize: argument {i} has shape {arr.shape}, expected {cols[0].shape} "
                                 "like argument 0 (one value per example)")
            cols.append(arr)
        if self.program is None:
            self.trace(*[c[0] for c in cols])
        if len(cols) != len(self.program.inputs):
            raise ValueError(f"vectorize: {self.name} was traced with {len(self.program.inputs)} arguments, "
                             f"got {len(cols)}")
        return np.stack(cols, axis=1)  # (N, number of arguments)

    def __call__(self, *arrays):
        """The batch's loss (mean or sum over examples) as a Unit whose inputs are the parameters."""
        X = self._arrays(arrays)
        return VectorizedGate(self, X)(*self.program.parameters)

    def values(self, *arrays):
        """The circuit's output for each example, shape (N,), without gradients."""
        X = self._arrays(arrays)
        with no_grad():
            out, _ = self.program.run(X, self.program.theta(), requires_grad=False)
        return out.data.copy()

    def draw(self, **kwargs):
        """One example's circuit (the trace), as hackgrad.circuit.draw draws it."""
        self._require_trace("draw")
        return draw(self.example, **kwargs)

    def source(self):
        """The packed circuit as NumPy code (forward only): chapter 3's vectorized version of `fn`."""
        self._require_trace("source")
        return self.program.source(self.name, self.arg_names, self.reduce)

    def __str__(self):
        return self.source() if self.program is not None else repr(self)

    def __repr__(self):
        if self.program is None:
            return f"<vectorize({self.name}): not traced yet; call it on arrays or .trace(values) first>"
        return (f"<vectorize({self.name}): {len(self.program.parameters)} parameters, "
                f"{len(self.program.groups)} array ops>")

    def _require_trace(self, what):
        if self.program is None:
            raise RuntimeError(f"vectorize({self.name}).{what}: not traced yet; call it on arrays or "
                               ".trace(one example's values) first")


def _arg_names(fn, n):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    if len(params) == n and all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
        return [p.name for p in params]
    return [f"x{i}" for i in range(n)]


def vectorize(fn, reduce="mean"):
    """Trace the scalar circuit `fn(*Units) -> Unit` once and run it on batches with the tensor engine.

    `vf = vectorize(fn)`; `loss = vf(x0s, x1s, ...)` takes one 1-D array per argument (one value per
    example) and returns the batch's `reduce` ("mean" or "sum") as a Unit; `loss.backward()` writes the
    gradients into the parameters' `.grad` (they accumulate, as for any leaf). `vf.values(...)` gives the
    per-example outputs, `vf.draw()` the traced circuit, `print(vf)` the equivalent NumPy code.
    """
    return Vectorized(fn, reduce=reduce)

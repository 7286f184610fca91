"""hackgrad.circuit.vectorize: the traced circuit on arrays equals the scalar engine, example by example."""

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hackgrad.circuit import Gate, Unit, linear, total, vectorize
from hackgrad.circuit.vectorized import TracingError

# --- random expression trees over three inputs and three parameters -----------------------------------

UNARY = [
    lambda x: x.tanh(),
    lambda x: x.sigmoid() * 3.0,
    lambda x: (x.tanh()).exp(),
    lambda x: (1.0 + x * x).log(),
    lambda x: -x,
    lambda x: (1.0 + x * x) ** 1.5,
    lambda x: 1.0 / (1.0 + x * x),
    lambda x: x * 0.5 + 1.0,
    lambda x: x.relu(),
    lambda x: 2.0 - x,
]
BINARY = [
    lambda x, y: x + y,
    lambda x, y: x - y,
    lambda x, y: x * y,
    lambda x, y: x / (2.0 + y * y),
    lambda x, y: x.max(y),
    lambda x, y: total([x, y, x]),  # an n-ary SumGate
    lambda x, y: linear([x, 0.5], [y, -1.5], 0.25),  # an n-ary LinearGate
]


@st.composite
def trees(draw, depth=4):
    """('u', op, child) / ('b', op, left, right) / ('x', i) for input i / ('p', i) for parameter i."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return (draw(st.sampled_from("xp")), draw(st.integers(0, 2)))
    if draw(st.booleans()):
        return ("u", draw(st.integers(0, len(UNARY) - 1)), draw(trees(depth - 1)))
    return ("b", draw(st.integers(0, len(BINARY) - 1)), draw(trees(depth - 1)), draw(trees(depth - 1)))


def evaluate(tree, xs, ps):
    kind = tree[0]
    if kind == "x":
        return xs[tree[1]]
    if kind == "p":
        return ps[tree[1]]
    if kind == "u":
        return UNARY[tree[1]](evaluate(tree[2], xs, ps))
    return BINARY[tree[1]](evaluate(tree[2], xs, ps), evaluate(tree[3], xs, ps))


@settings(max_examples=120, deadline=None)
@given(trees(), st.integers(0, 2**31 - 1))
def test_vectorize_equals_the_scalar_engine_on_random_trees(tree, seed):
    rng = np.random.default_rng(seed)
    params = [Unit(float(v)) for v in rng.uniform(-1.5, 1.5, size=3)]
    X = rng.uniform(-2.0, 2.0, size=(7, 3))

    def f(a, b, c):
        return evaluate(tree, [a, b, c], params) * 1.0 + 0.0  # always a circuit, even for a bare leaf

    vf = vectorize(f, reduce="sum")
    loss = vf(X[:, 0], X[:, 1], X[:, 2])
    loss.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    outs = [f(*map(Unit, row)) for row in X.tolist()]
    expected = sum(outs)
    expected.backward()
    assert vf.values(X[:, 0], X[:, 1], X[:, 2]) == pytest.approx([o.value for o in outs], rel=1e-10, abs=1e-12)
    assert loss.value == pytest.approx(expected.value, rel=1e-10, abs=1e-12)
    assert grads == pytest.approx([p.grad for p in params], rel=1e-9, abs=1e-11)


# --- micrograd's model, written as micrograd writes it -----------------------------------------------


class Neuron:
    def __init__(self, nin, rng, nonlin=True):
        self.w = [Unit(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Unit(0.0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self):
        return self.w + [self.b]


class MLP:
    def __init__(self, sizes, seed=0):
        rng = random.Random(seed)
        self.layers = [[Neuron(a, rng, nonlin=i < len(sizes) - 2) for _ in range(b)]
                       for i, (a, b) in enumerate(zip(sizes, sizes[1:]))]

    def __call__(self, x):
        for layer in self.layers:
            x = [n(x) for n in layer]
        return x[0]

    def parameters(self):
        return [p for layer in self.layers for n in layer for p in n.parameters()]


def test_an_mlp_is_packed_into_a_few_matrix_products_with_the_scalar_gradients():
    model = MLP([2, 8, 8, 1], seed=1)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 2)), np.sign(rng.normal(size=30))

    def hinge(x0, x1, label):
        return (1 + -label * model([x0, x1])).relu()

    vf = vectorize(hinge)  # reduce="mean"
    loss = vf(X[:, 0], X[:, 1], y) + 1e-3 * sum(p * p for p in model.parameters())  # composes with Units
    loss.backward()
    grads = [p.grad for p in model.parameters()]
    for p in model.parameters():
        p.grad = 0.0
    losses = [hinge(Unit(a), Unit(b), Unit(c)) for (a, b), c in zip(X.tolist(), y.tolist())]
    scalar = sum(losses) * (1.0 / len(losses)) + 1e-3 * sum(p * p for p in model.parameters())
    scalar.backward()
    assert loss.value == pytest.approx(scalar.value, rel=1e-12)
    assert grads == pytest.approx([p.grad for p in model.parameters()], rel=1e-9, abs=1e-13)
    assert sorted(map(id, vf.parameters)) == sorted(map(id, model.parameters()))
    # three layers of neurons and their ReLUs, then -label * score, 1 + ..., relu: not 400 scalar gates
    assert len(vf.program.groups) <= 10, vf.program.groups
    # the printed NumPy code computes the same values
    namespace = {"np": np}
    exec(vf.source(), namespace)
    code_loss = namespace["hinge_vectorized"](X[:, 0], X[:, 1], y, vf.program.theta())
    assert code_loss == pytest.approx(np.mean([u.value for u in losses]), rel=1e-12)
    assert "@" in str(vf) and "np.maximum" in str(vf)


def test_the_traced_example_can_be_drawn():
    w, b = Unit(0.5, label="w"), Unit(-1.0, label="b")
    vf = vectorize(lambda x: (w * x + b).tanh())
    with pytest.raises(RuntimeError, match="not traced yet"):
        vf.draw()
    vf(np.array([0.1, 0.2, 0.3]))
    d = vf.draw()
    assert "tanh" in d.svg and "w = 0.5" in d.svg
    assert "2 parameters" in repr(vf)


# --- what cannot be traced ----------------------------------------------------------------------------


@pytest.mark.parametrize("fn, what", [
    (lambda x: x * 2.0 if x > 0 else -x, ">"),
    (lambda x: x if x < 1.0 else x * 0.0, "<"),
    (lambda x: x * 2.0 if x else x, "bool()"),
    (lambda x: Unit(math.exp(x)) * x, "float()"),
])
def test_tracing_through_a_comparison_raises_a_clear_error(fn, what):
    vf = vectorize(fn)
    with pytest.raises(TracingError, match=r"max/relu") as err:
        vf(np.array([1.0, -2.0]))
    assert what in str(err.value) and "control flow" in str(err.value)
    assert Unit(1.0) < 2.0  # outside tracing, comparisons read values as before


def test_bad_calls_are_refused_before_the_work():
    vf = vectorize(lambda a, b: a * b)
    with pytest.raises(ValueError, match="argument 1 has shape"):
        vf(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="1-D array"):
        vf(np.ones((3, 2)), np.ones(3))
    vf(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="traced with 2 arguments, got 1"):
        vf(np.ones(3))
    with pytest.raises(TypeError, match="returned float, not a Unit"):
        vectorize(lambda a: 1.0)(np.ones(2))
    with pytest.raises(ValueError, match="reduce must be"):
        vectorize(lambda a: a, reduce="max")

    class Twice(Gate):
        __slots__ = ()

        def compute(self, x):
            return 2 * x

        def local_grads(self, dz):
            return (2 * dz,)

    with pytest.raises(TypeError, match="Twice.*custom gate"):
        vectorize(lambda a: Twice()(a))(np.ones(2))


def test_the_chapter_2_vectorize_example(capsys, monkeypatch, tmp_path):
    """examples/ch2_vectorize.py: the guide's 2-layer net (n-ary LinearReLU gates) traced, checked, trained."""
    import re
    import runpy
    import sys
    from pathlib import Path

    monkeypatch.setattr(sys, "argv", ["ch2_vectorize"])
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(Path(__file__).resolve().parents[1] / "examples" / "ch2_vectorize.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "def hinge_vectorized(x0, x1, label, theta):" in out and " @ W0 + b0" in out
    vec, sca = map(float, re.search(r"vectorized (\S+), scalar circuits (\S+)", out).groups())
    assert vec == pytest.approx(sca, rel=1e-12)
    assert float(re.search(r"largest gradient difference: (\S+)", out).group(1)) < 1e-12
    assert float(re.search(r"training accuracy (\S+)", out).group(1)) >= 0.85

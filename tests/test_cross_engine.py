"""The scalar engine as an oracle for the tensor engine: the same circuit built from Units and from float64
Tensors gives the same values and the same gradients."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hackgrad
from hackgrad import Unit

# the guide's six SVM training points (from its code) and labels
DATA = [(1.2, 0.7), (-0.3, -0.5), (3.0, 0.1), (-0.1, -1.0), (-1.0, 1.1), (2.1, -3.0)]
LABELS = [1, -1, 1, -1, -1, 1]


def t64(v):
    return hackgrad.tensor(v, dtype="float64", requires_grad=True)


def expression(a, b, c):
    """Works on Units and on Tensors alike: every gate kind of chapter 1 appears."""
    q = a * b + c
    r = q.tanh() * a - b / (c * c + 1.0)
    s = (r.sigmoid() + (a - 0.5).relu()) ** 2
    return s * (b * 0.3).exp() + (a * a + 1.0).log() - (-c)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3))
def test_random_points_same_value_and_gradient(vals):
    units = [Unit(v) for v in vals]
    out_u = expression(*units)
    out_u.backward()
    tensors = [t64(v) for v in vals]
    out_t = expression(*tensors)
    out_t.backward()
    assert out_t.item() == pytest.approx(out_u.value, rel=1e-12, abs=1e-12)
    for u, t in zip(units, tensors):
        assert float(t.grad) == pytest.approx(u.grad, rel=1e-10, abs=1e-12)


def svm_loss_units(a, b, c, alpha=0.1):
    total = 0.0
    for (x, y), label in zip(DATA, LABELS):
        score = a * x + b * y + c
        total = total + hackgrad.circuit.maximum(0.0, 1.0 - label * score)
    return total + alpha * (a * a + b * b)


def svm_loss_tensors(w, c, alpha=0.1):
    X = hackgrad.tensor(np.array(DATA), dtype="float64")
    y = hackgrad.tensor(np.array(LABELS, dtype=float), dtype="float64")
    scores = X @ w + c  # (6,)
    return (1.0 - y * scores).relu().sum() + alpha * (w * w).sum()


@pytest.mark.parametrize("params", [(1.0, -2.0, -1.0), (0.1, 0.2, 0.3), (-0.7, 0.4, 0.05)])
def test_guide_svm_loss_gradients_agree(params):
    a, b, c = (Unit(v) for v in params)
    loss_u = svm_loss_units(a, b, c)
    loss_u.backward()
    w, ct = t64(list(params[:2])), t64(params[2])
    loss_t = svm_loss_tensors(w, ct)
    loss_t.backward()
    assert loss_t.item() == pytest.approx(loss_u.value, rel=1e-12)
    np.testing.assert_allclose(w.grad, [a.grad, b.grad], rtol=1e-12, atol=1e-14)
    assert float(ct.grad) == pytest.approx(c.grad, rel=1e-12, abs=1e-14)


def test_guide_two_layer_net_gradients_agree():
    """The guide's 2-layer net: three ReLU neurons, then a linear score, pulled by the hinge."""
    rng = np.random.default_rng(0)
    W1, b1 = rng.random((3, 2)) - 0.5, rng.random(3) - 0.5
    w2, b2 = rng.random(3) - 0.5, rng.random() - 0.5

    uW1 = [[Unit(v) for v in row] for row in W1]
    ub1 = [Unit(v) for v in b1]
    uw2 = [Unit(v) for v in w2]
    ub2 = Unit(b2)
    total = 0.0
    for (x, y), label in zip(DATA, LABELS):
        hidden = [(row[0] * x + row[1] * y + bias).relu() for row, bias in zip(uW1, ub1)]
        score = sum((w * n for w, n in zip(uw2, hidden)), ub2)
        total = total + hackgrad.circuit.maximum(0.0, 1.0 - label * score)
    total.backward()

    tW1, tb1, tw2, tb2 = t64(W1), t64(b1), t64(w2), t64(b2)
    X = hackgrad.tensor(np.array(DATA), dtype="float64")
    yv = hackgrad.tensor(np.array(LABELS, dtype=float), dtype="float64")
    hidden = (X @ tW1.T + tb1).relu()  # (6, 3)
    scores = hidden @ tw2 + tb2  # (6,)
    loss = (1.0 - yv * scores).relu().sum()
    loss.backward()

    assert loss.item() == pytest.approx(total.value, rel=1e-12)
    np.testing.assert_allclose(tW1.grad, [[u.grad for u in row] for row in uW1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tb1.grad, [u.grad for u in ub1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tw2.grad, [u.grad for u in uw2], rtol=1e-12, atol=1e-14)
    assert float(tb2.grad) == pytest.approx(ub2.grad, rel=1e-12, abs=1e-14)


def test_neuron_matches_guide_in_both_engines():
    vals = dict(a=1.0, b=2.0, c=-3.0, x=-1.0, y=3.0)
    units = {k: Unit(v) for k, v in vals.items()}
    tens = {k: t64(v) for k, v in vals.items()}
    for env in (units, tens):
        s = (env["a"] * env["x"] + env["b"] * env["y"] + env["c"]).sigmoid()
        s.backward()
        value = s.value if isinstance(s, Unit) else s.item()
        assert value == pytest.approx(1 / (1 + math.exp(-2.0)), rel=1e-12)
    for k in vals:
        assert float(tens[k].grad) == pytest.approx(units[k].grad, rel=1e-12)
    assert [round(units[k].grad, 3) for k in "abcxy"] == [-0.105, 0.315, 0.105, 0.105, 0.21]

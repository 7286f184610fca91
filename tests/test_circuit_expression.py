"""Circuits typed as text: the parser (positions of errors, never eval) and compute(), checked against Units."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hackgrad.circuit import Unit, gates
from hackgrad.circuit.expression import PRESETS, Expression, ExpressionError, compute, parse


def _hand_neuron(a=1.0, b=2.0, c=-3.0, x=-1.0, y=3.0):
    units = {k: Unit(v, label=k) for k, v in dict(a=a, b=b, c=c, x=x, y=y).items()}
    u = units
    out = gates.sigmoid(u["a"] * u["x"] + u["b"] * u["y"] + u["c"])
    out.backward()
    return out, units


def test_the_guides_neuron_matches_units_wired_by_hand():
    r = compute("sigmoid(a*x + b*y + c)", {"a": 1, "b": 2, "c": -3, "x": -1, "y": 3})
    out, units = _hand_neuron()
    assert r["output"] == pytest.approx(0.8807970779778823, abs=1e-12) and r["output"] == out.value
    assert r["gradients"] == {k: u.grad for k, u in units.items()}
    assert r["gradients"]["a"] == pytest.approx(-0.104993585, abs=1e-9)  # the guide's figures
    assert r["gradients"]["b"] == pytest.approx(0.314980756, abs=1e-9)
    for k in "abcxy":
        assert r["numerical"][k] == pytest.approx(r["gradients"][k], abs=1e-8)


def test_wires_are_in_forward_order_and_explain_each_gate():
    r = compute("sigmoid(a*x + b*y + c)", {"a": 1, "b": 2, "c": -3, "x": -1, "y": 3}, force=2.0)
    wires = r["wires"]
    gates_ = [w for w in wires if w["kind"] == "gate"]
    assert [w["op"] for w in gates_] == ["*", "*", "+", "+", "sig"]
    assert sorted(w["name"] for w in wires if w["kind"] == "input") == list("abcxy")
    assert r["output_id"] == wires[-1]["id"] and wires[-1]["grad"] == 2.0  # the force
    for w in gates_:
        assert all(i < w["id"] for i in w["inputs"])  # forward order: a gate after what it reads
        assert w["passed"] == pytest.approx([d * w["grad"] for d in w["local"]])
        for src, passed in zip(w["inputs"], w["passed"]):
            if "branches" not in wires[src]:
                assert wires[src]["grad"] == pytest.approx(passed)
    sig = gates_[-1]
    assert sig["local"][0] == pytest.approx(0.8808 * (1 - 0.8808), abs=1e-4)
    assert r["gradients"]["a"] == pytest.approx(2 * -0.104993585, abs=1e-9)


def test_a_branching_wire_lists_each_branch_and_their_sum():
    r = compute("x*y + x", {"x": 3.0, "y": -2.0})
    x = next(w for w in r["wires"] if w.get("name") == "x")
    assert [b["grad"] for b in x["branches"]] == [-2.0, 1.0] and x["grad"] == -1.0
    assert r["gradients"] == {"x": -1.0, "y": 3.0}


@pytest.mark.parametrize("text, value", [
    ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9.0), ("8 / 4 / 2", 1.0), ("2 - 3 - 4", -5.0), ("-2 * -3", 6.0),
    ("--2", 2.0), ("max(1, relu(-3))", 1.0), ("exp(log(2.5))", 2.5), ("tanh(0) + sig(0)", 0.5),
    ("1e-3 * 2E3", 2.0), (".5 + 5.", 5.5),
])
def test_precedence_and_functions(text, value):
    assert compute(text, {})["output"] == pytest.approx(value)


def test_every_typed_operator_is_a_gate_even_between_constants():
    r = compute("2 * 3", {})
    assert [w["kind"] for w in r["wires"]] == ["constant", "constant", "gate"] and r["output"] == 6.0


@pytest.mark.parametrize("text, position, needle", [
    ("a *", 3, "expected a number, a name or '('"),
    ("sigmoid(a", 9, "')' closing sigmoid("),
    ("foo(x)", 0, "unknown function 'foo'"),
    ("a $ b", 2, "unexpected character '$'"),
    ("", 0, "empty expression"),
    ("(a + b))", 7, "expected an operator"),
    ("max(a)", 0, "max takes 2 arguments"),
    ("sigmoid + 1", 8, "sigmoid is a function"),
    ("a b", 2, "expected an operator"),
    ("__import__('os')", 11, "unexpected character"),
])
def test_errors_name_the_position(text, position, needle):
    with pytest.raises(ExpressionError) as err:
        parse(text)
    assert err.value.position == position and needle in str(err.value)
    assert f"at character {position + 1}" in str(err.value)


def test_limits_on_length_and_depth():
    with pytest.raises(ExpressionError, match="at most 500"):
        parse("x + " * 200 + "x")
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("(" * 100 + "x" + ")" * 100)
    assert parse("(" * 50 + "x" + ")" * 50).variables == ["x"]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab1.e+-*/(), xsigmodtanhlrelu$ ", max_size=40))
def test_any_text_parses_or_fails_with_a_position(text):
    try:
        expr = parse(text)
    except ExpressionError as e:
        assert 0 <= e.position <= len(text)
        return
    assert isinstance(expr, Expression)


def test_inputs_are_checked_before_the_work():
    with pytest.raises(ValueError, match="no value for inputs b, c"):
        compute("a + b + c", {"a": 1})
    assert compute("a + b", {"a": 1}, default=1.0)["inputs"] == {"a": 1.0, "b": 1.0}
    with pytest.raises(ValueError, match="'z' do not appear"):
        compute("a", {"a": 1, "z": 2})
    with pytest.raises(ValueError, match="input a must be a finite number"):
        compute("a", {"a": 10**400})
    with pytest.raises(ValueError, match="force must be a finite number"):
        compute("a", {"a": 1}, force=float("nan"))
    with pytest.raises(ValueError, match="log of a non-positive number"):
        compute("log(x)", {"x": -1})


@pytest.mark.parametrize("preset", PRESETS, ids=[p["name"] for p in PRESETS])
def test_each_preset_computes_and_its_gradients_check(preset):
    r = compute(preset["expression"], preset["inputs"])
    assert set(r["gradients"]) == set(preset["inputs"]) and set(preset["parameters"]) <= set(r["variables"])
    for k, g in r["gradients"].items():
        assert r["numerical"][k] == pytest.approx(g, abs=1e-6), k
    assert math.isfinite(r["output"])


def test_the_svm_cost_preset_is_the_guides_hinge_plus_regularization():
    p = next(p for p in PRESETS if "SVM" in p["name"])
    i = p["inputs"]
    score = i["a"] * i["x"] + i["b"] * i["y"] + i["c"]
    expected = max(0.0, 1 - i["label"] * score) + 0.1 * (i["a"] ** 2 + i["b"] ** 2)
    r = compute(p["expression"], i)
    assert r["output"] == pytest.approx(expected)
    # the hinge is active here, so the pull on a is -label*x plus the regularizer's 0.2*a
    assert r["gradients"]["a"] == pytest.approx(-i["label"] * i["x"] + 0.2 * i["a"])


_leaf = st.sampled_from(["a", "b", "c", "0.5", "2"])
_tree = st.recursive(
    _leaf,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["tanh", "sigmoid", "-"]), inner).map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"max({t[0]}, {t[1]} + 0.3)"),
    ),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(_tree, st.lists(st.floats(-2, 2), min_size=3, max_size=3), st.floats(-3, 3))
def test_random_circuits_agree_with_their_numerical_gradients(text, values, force):
    variables = parse(text).variables
    inputs = {k: v for k, v in zip("abc", values) if k in variables}
    r = compute(text, inputs, force=force)
    for k, g in r["gradients"].items():
        # a max at a near-tie is a kink, where the two one-sided slopes differ: skip those draws
        if r["numerical"] is not None and abs(r["numerical"][k] - g) > 1e-4 * (1 + abs(g)):
            kinks = [w for w in r["wires"] if w.get("op") == "max"
                     and abs(r["wires"][w["inputs"][0]]["value"] - r["wires"][w["inputs"][1]]["value"]) < 1e-4]
            assert kinks, (text, inputs, k, g, r["numerical"][k])
    # the wires add up: each wire's gradient is the sum of what its readers passed back
    passed = {}
    for w in r["wires"]:
        for src, p in zip(w.get("inputs", ()), w.get("passed", ())):
            passed[src] = passed.get(src, 0.0) + p
    for w in r["wires"]:
        if w["id"] in passed:
            assert w["grad"] == pytest.approx(passed[w["id"]], abs=1e-12)

"""The three strategies, the gradient check (mismatches and kinks) and their side-by-side comparison."""

import io

import pytest

from hackgrad.circuit import Gate, Unit, maximum, relu, sigmoid
from hackgrad.circuit.strategies import (
    analytic_gradient,
    compare_strategies,
    gradcheck,
    numerical_gradient,
    random_search,
)


def mul(x, y):
    return x * y


def test_random_search_improves_and_is_deterministic_with_a_seed():
    res = random_search(mul, -2.0, 3.0, seed=7)
    assert res.best_out > -6.0 and res.forward_passes == 100
    assert all(abs(t - v) <= 0.01 for t, v in zip(res.best_inputs, (-2.0, 3.0)))
    assert res.best_out == pytest.approx(mul(*res.best_inputs), rel=1e-15)
    assert random_search(mul, -2.0, 3.0, seed=7) == res
    assert random_search(mul, -2.0, 3.0, seed=8) != res


def test_numerical_gradient_forward_and_centred():
    fwd = numerical_gradient(mul, -2.0, 3.0, h=1e-4)
    assert fwd == pytest.approx([3.0, -2.0], abs=1e-9)
    f = lambda x: x**3  # noqa: E731
    fwd_err = abs(numerical_gradient(f, 1.0, h=1e-3)[0] - 3.0)
    cen_err = abs(numerical_gradient(f, 1.0, h=1e-3, method="centered")[0] - 3.0)
    assert cen_err < fwd_err / 100  # O(h**2) against O(h)
    with pytest.raises(ValueError, match="method must be"):
        numerical_gradient(mul, 1.0, 2.0, method="backward")
    with pytest.raises(ValueError, match="h must be > 0"):
        numerical_gradient(mul, 1.0, 2.0, h=0)


def test_analytic_gradient_returns_output_and_gradients():
    out, grads = analytic_gradient(lambda x, y, z: (x + y) * z, -2.0, 5.0, -4.0)
    assert out == -12.0 and grads == [-4.0, -4.0, 3.0]


def test_strategies_refuse_bad_input():
    import math

    with pytest.raises(TypeError, match="not a Unit.*math"):
        analytic_gradient(lambda x: math.exp(x), 1.0)  # math.exp turns the Unit into a float
    with pytest.raises(TypeError, match="input 1 must be a real number, got str"):
        numerical_gradient(mul, 1.0, "2")
    with pytest.raises(ValueError, match="give the circuit's input values"):
        gradcheck(mul)


class BrokenMultiply(Gate):
    """x * y with the gradient of y deliberately wrong."""

    __slots__ = ()

    def compute(self, x, y):
        return x * y

    def local_grads(self, dz):
        x, y = self.inputs
        return y.value * dz, 2 * x.value * dz


def test_gradcheck_names_the_input_that_disagrees():
    def f(a, b, c):
        return BrokenMultiply()(a, b) + c if isinstance(a, Unit) else a * b + c

    check = gradcheck(f, 1.5, -2.0, 0.5)
    assert not check
    assert check.mismatches == ["b"]
    text = repr(check)
    assert "FAILED" in text and "disagree for: b" in text
    row = {r.name: r for r in check.rows}
    assert row["a"].status == "ok" and row["c"].status == "ok" and row["b"].status == "MISMATCH"
    assert row["b"].analytic == 3.0 and row["b"].numerical == pytest.approx(1.5, rel=1e-6)


def test_gradcheck_passes_and_prints_a_table():
    check = gradcheck(lambda a, b, c, x, y: sigmoid(a * x + b * y + c), 1.0, 2.0, -3.0, -1.0, 3.0)
    assert check and check.ok and not check.mismatches and not check.kinks
    assert bool(check) is True
    lines = repr(check).splitlines()
    assert lines[0].startswith("gradcheck passed") and len(lines) == 2 + 5
    assert [r.name for r in check.rows] == ["a", "b", "c", "x", "y"]
    check = gradcheck(lambda *xs: xs[0] * xs[1], 2.0, 3.0, names=["left", "right"])
    assert [r.name for r in check.rows] == ["left", "right"]


@pytest.mark.parametrize("a, b", [(2.0, 2.0), (2.0, 2.0 + 4e-7), (2.0 + 4e-7, 2.0)])
def test_gradcheck_recognises_a_max_kink_at_or_near_a_tie(a, b):
    check = gradcheck(maximum, a, b)
    assert check, check
    assert set(check.kinks) == {"a", "b"}
    for r in check.rows:
        assert min(r.left, r.right) - 1e-6 <= r.analytic <= max(r.left, r.right) + 1e-6
    assert "kink at a, b" in repr(check)


@pytest.mark.parametrize("f, x", [(relu, 0.0), (lambda x: maximum(x, -x), 0.0),
                                  (lambda w: relu(1 - 2.0 * w), 0.5)])
def test_gradcheck_recognises_relu_abs_and_hinge_kinks(f, x):
    check = gradcheck(f, x)
    assert check and check.kinks == [check.rows[0].name], check


def test_a_wrong_gradient_on_a_kink_is_still_a_mismatch():
    class BadReLU(Gate):
        __slots__ = ()

        def compute(self, x):
            return max(x, 0.0)

        def local_grads(self, dy):
            return (5.0 * dy,)  # outside [0, 1]: not a subgradient

    check = gradcheck(lambda x: BadReLU()(x) if isinstance(x, Unit) else max(x, 0.0), 0.0)
    assert not check and check.mismatches == ["x"]


def test_compare_strategies_prints_and_returns_rows():
    buf = io.StringIO()
    rows = compare_strategies(mul, -2.0, 3.0, seed=0, file=buf)
    search, num, ana = rows
    assert [r.strategy for r in rows] == ["random search", "numerical gradient", "analytic gradient"]
    passes = (search.forward_passes, num.forward_passes, ana.forward_passes, ana.backward_passes)
    assert passes == (100, 3, 1, 1)
    assert search.gradient is None and search.out_after > -6.0
    assert num.gradient == pytest.approx([3.0, -2.0], abs=1e-9) and ana.gradient == [3.0, -2.0]
    assert ana.out_after == pytest.approx(-5.8706, abs=1e-12)
    assert num.out_after == pytest.approx(-5.8706, abs=1e-5)
    text = buf.getvalue()
    for word in ("random search", "numerical gradient", "analytic gradient",
                 "100 fwd", "3 fwd", "1 fwd + 1 bwd"):
        assert word in text


def test_every_strategy_takes_a_function_written_with_unit_methods():
    """`lambda a, b, c: (a * b + c).tanh()` used to fail on floats ('float' object has no attribute 'tanh')."""
    import math

    def f(a, b, c):
        return (a * b + c).tanh()

    def f_float(a, b, c):
        return math.tanh(a * b + c)

    values = (0.5, -1.5, 0.25)
    assert gradcheck(f, *values)
    num = numerical_gradient(f, *values, h=1e-6, method="centered")
    assert num == pytest.approx(numerical_gradient(f_float, *values, h=1e-6, method="centered"), rel=1e-12)
    assert num == pytest.approx(analytic_gradient(f, *values)[1], rel=1e-6)
    res = random_search(f, *values, seed=3)
    assert res == random_search(f_float, *values, seed=3)
    assert res.best_out > f_float(*values)
    rows = compare_strategies(lambda x, y: (x * y).sigmoid(), -2.0, 3.0, seed=0, file=None)
    assert all(r.out_after > r.out_before for r in rows)
    with pytest.raises(TypeError, match="returned str; expected a Unit or a real number"):
        numerical_gradient(lambda x: "x", 1.0)

"""`gradcheck` itself: it passes correct ops, catches a wrong backward and says where, and refuses inputs
it cannot check honestly."""

import numpy as np
import pytest

from hackgrad.autograd import Function, Tensor, gradcheck


def leaf(shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), dtype="float64", requires_grad=True)


class WrongSquare(Function):
    """y = x**2 with a backward that is off by a factor on one element (a planted bug)."""

    def forward(self, x):
        self.x = x
        return x * x

    def backward(self, dy):
        dx = 2 * self.x * dy
        dx.flat[3] *= 1.5  # only element 3 is wrong
        return (dx,)


def test_passes_correct_ops_with_scalar_and_non_scalar_outputs():
    a, b = leaf((3, 4)), leaf((4,), 1)
    assert gradcheck(lambda a, b: (a * b).sum(), a, b)
    assert gradcheck(lambda a, b: (a * b).tanh(), a, b)  # a (3, 4) output, contracted with random weights


def test_reports_the_input_index_and_both_values():
    x = leaf((2, 3))
    with pytest.raises(AssertionError) as info:
        gradcheck(lambda c, x: c * WrongSquare.apply(x), leaf(()), x)
    message = str(info.value)
    assert "input 1 (shape (2, 3))" in message and "index (1, 0)" in message
    assert "1 of 6 element(s) disagree" in message
    assert "analytic" in message and "numerical" in message
    assert gradcheck(lambda x: WrongSquare.apply(x), x, raise_exception=False) is False


def test_a_non_scalar_output_with_one_wrong_element_is_caught():
    """The random upstream gradient weighs every output element, so a bug anywhere shows."""
    assert gradcheck(lambda x: WrongSquare.apply(x), leaf((5,)), raise_exception=False) is False


def test_checks_only_inputs_that_require_grad_and_accepts_non_tensor_arguments():
    x, constant = leaf((3,)), Tensor(np.ones(3), dtype="float64")
    assert gradcheck(lambda x, c, k: (x * c * k).sum(), x, constant, 2.0)


def test_zero_gradient_inputs_are_checked_too():
    x, unused = leaf((2,)), leaf((2,), 1)
    assert gradcheck(lambda x, u: x.sum(), x, unused)  # analytic None counts as zeros; numerical is zero
    assert gradcheck(lambda x, u: (x * 0).sum() + 0 * u.sum(), x, unused)


def test_multiple_outputs_are_all_checked():
    x = leaf((3,))
    assert gradcheck(lambda x: (x.exp(), x.sum()), x)
    assert gradcheck(lambda x: (x.exp(), WrongSquare.apply(x)), leaf((4,)), raise_exception=False) is False


def test_leaves_grads_and_values_as_they_were():
    x = leaf((3,))
    before = x.data.copy()
    x.grad = np.full(3, 7.0)
    gradcheck(lambda x: (x * x).sum(), x)
    np.testing.assert_array_equal(x.grad, np.full(3, 7.0))
    np.testing.assert_array_equal(x.data, before)


def test_refuses_float32_and_inputs_without_requires_grad():
    with pytest.raises(TypeError, match="input 0 has dtype float32; use float64"):
        gradcheck(lambda x: x.sum(), Tensor(np.ones(3), requires_grad=True))
    with pytest.raises(ValueError, match="no input is a tensor with requires_grad=True"):
        gradcheck(lambda x: x.sum(), Tensor(np.ones(3), dtype="float64"))
    with pytest.raises(TypeError, match="fn must return a tensor"):
        gradcheck(lambda x: 1.0, leaf((2,)))


def test_a_nan_gradient_fails():
    x = Tensor([0.0, 1.0], dtype="float64", requires_grad=True)
    with np.errstate(all="ignore"):
        assert gradcheck(lambda x: (x.sqrt() * 0).sum(), x, raise_exception=False) is False  # 0 * inf = NaN

"""Properties over random shapes (hypothesis): broadcasting gradients reduce to the input's shape with the
right counts, and reductions over any axes agree with NumPy and have the gradients their math says."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import hackgrad.autograd as ag
from hackgrad.autograd import Tensor

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)  # the same examples on every run


def leaf(shape, seed):
    return Tensor(np.random.default_rng(seed).standard_normal(shape), dtype="float64", requires_grad=True)


@st.composite
def shape_and_axes(draw):
    """A shape (up to 4 dims), an axis in any form (None, int, tuple, negatives), keepdims."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    ndim = len(shape)
    form = draw(st.sampled_from(["none", "int", "tuple"]))
    if form == "none":
        axis = None
    elif form == "int":
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
        axis = tuple(a - ndim if draw(st.booleans()) else a for a in chosen)  # mix negative spellings in
    return shape, axis, draw(st.booleans())


def _n_reduced(shape, axis):
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes]))


@SETTINGS
@given(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4), st.integers(0, 2**16))
def test_broadcast_gradient_counts_the_copies(shapes, seed):
    (sa, sb), out_shape = shapes.input_shapes, shapes.result_shape
    a, b = leaf(sa, seed), leaf(sb, seed + 1)
    (a * b).sum().backward()
    # d sum(a*b) / da = b summed over every place a was copied to: check against NumPy's own broadcast
    full_b = np.broadcast_to(b.data, out_shape)
    expected_da = ag.unbroadcast(full_b.copy(), sa)
    assert a.grad.shape == sa and b.grad.shape == sb
    np.testing.assert_allclose(a.grad, expected_da, rtol=1e-12, atol=1e-12)
    ones = Tensor(np.zeros(sa), dtype="float64", requires_grad=True)
    (ones + Tensor(np.zeros(sb), dtype="float64")).sum().backward()
    np.testing.assert_allclose(ones.grad, np.full(sa, np.prod(out_shape) / max(np.prod(sa), 1)))


@SETTINGS
@given(shape_and_axes(), st.integers(0, 2**16))
def test_sum_and_mean_over_any_axes(case, seed):
    shape, axis, keepdims = case
    x = leaf(shape, seed)
    s = x.sum(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(s.data, x.data.sum(axis=axis, keepdims=keepdims), rtol=1e-12)
    s.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones(shape))
    x.grad = None
    m = x.mean(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(m.data, x.data.mean(axis=axis, keepdims=keepdims), rtol=1e-12)
    m.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(shape, 1 / _n_reduced(shape, axis)), rtol=1e-12)


@SETTINGS
@given(shape_and_axes(), st.integers(0, 2**16))
def test_max_routes_each_slice_gradient_to_its_maximum(case, seed):
    shape, axis, keepdims = case
    x = leaf(shape, seed)  # continuous random values: no ties
    m = x.max(axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(m.data, x.data.max(axis=axis, keepdims=keepdims))
    m.sum().backward()
    is_max = x.data == x.data.max(axis=axis, keepdims=True)
    np.testing.assert_array_equal(x.grad, is_max.astype(float))  # one 1 per slice, at its maximum


@SETTINGS
@given(shape_and_axes(), st.integers(0, 2**16))
def test_logsumexp_gradient_is_a_softmax_over_the_reduced_axes(case, seed):
    shape, axis, keepdims = case
    x = leaf(shape, seed)
    y = x.logsumexp(axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(y.data, np.log(np.exp(x.data).sum(axis=axis, keepdims=keepdims)), rtol=1e-12)
    y.sum().backward()
    assert (x.grad > 0).all()
    np.testing.assert_allclose(x.grad.sum(axis=axis), np.ones_like(x.data.sum(axis=axis)), rtol=1e-12)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(shape_and_axes(), st.integers(0, 2**16))
def test_reductions_pass_gradcheck_over_any_axes(case, seed):
    shape, axis, keepdims = case
    x = leaf(shape, seed)
    assert ag.gradcheck(lambda x: x.var(axis=axis, keepdims=keepdims, correction=0)
                        + x.logsumexp(axis=axis, keepdims=keepdims), x)

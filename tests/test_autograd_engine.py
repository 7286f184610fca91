"""The tensor engine's core: accumulation, graph recording switches, the walk (deep graphs, freeing), and the
errors that bad input gets (shapes, dtypes, NaN/Inf under detect_anomaly, backward on a non-scalar)."""

import gc
import sys
import weakref

import numpy as np
import pytest

import hackgrad.autograd as ag
from hackgrad.autograd import Function, Tensor, detect_anomaly, enable_grad, is_grad_enabled, no_grad


def leaf(values, dtype="float64"):
    return Tensor(values, dtype=dtype, requires_grad=True)


# --- accumulation -------------------------------------------------------------------------------------
def test_a_value_used_twice_receives_both_gradients():
    x = leaf([3.0])
    (x * x).backward(np.ones(1))  # d(x^2)/dx = 2x, one x from each side of the product
    np.testing.assert_allclose(x.grad, [6.0])


def test_diamond_graph_sums_both_paths():
    x = leaf(2.0)
    a, b = x * 3, x.exp()
    (a * b).backward()  # d(3x e^x)/dx = 3 e^x + 3x e^x
    np.testing.assert_allclose(x.grad, 3 * np.exp(2) + 6 * np.exp(2))


def test_leaves_accumulate_across_backward_calls_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad, [4, 4])
    x.zero_grad()
    assert x.grad is None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad, [2, 2])


def test_leaf_grad_is_its_own_array():
    """The engine hands the same upstream array to both inputs of an add; leaves must not share it."""
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).backward(np.ones(2))
    a.grad[0] = 100.0
    np.testing.assert_allclose(b.grad, [1, 1])


def test_broadcast_gradients_are_reduced_to_the_input_shape():
    a, b = leaf(np.ones((3, 1))), leaf(np.ones((1, 4)))
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
    np.testing.assert_allclose(a.grad, 4 * np.ones((3, 1)))
    np.testing.assert_allclose(b.grad, 3 * np.ones((1, 4)))


def test_retain_grad_keeps_an_intermediate_gradient():
    x = leaf([1.0, 2.0])
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)
    np.testing.assert_allclose(x.grad, 3 * 2 * h.data)


def test_backward_skips_gradients_no_input_needs():
    calls = []

    class Spy(Function):
        def forward(self, x, y):
            return x * y

        def backward(self, dz):
            calls.append(self.needs_grad)
            return (None, dz) if not self.needs_grad[0] else (dz, dz)

    x, w = Tensor([1.0, 2.0]), leaf([3.0, 4.0])
    Spy.apply(x, w).sum().backward()
    assert calls == [(False, True)] and x.grad is None and w.grad is not None


# --- recording switches -------------------------------------------------------------------------------
def test_no_grad_records_nothing_and_restores_the_mode():
    x = leaf([1.0])
    with no_grad():
        assert not is_grad_enabled()
        y = x * 2
        with enable_grad():
            z = x * 2
    assert is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert is_grad_enabled()  # restored after an exception too


def test_detach_shares_values_but_stops_gradients():
    x = leaf([1.0, 2.0])
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    y = (x * d).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, d.data)  # d was a constant: no second path back to x
    assert x.detach().data is x.data


def test_constants_do_not_require_grad():
    x = Tensor([1.0, 2.0])
    y = x * 2 + 1
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()


# --- the walk -----------------------------------------------------------------------------------------
def test_a_chain_of_10000_ops_needs_no_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # far below the depth of the graph
    try:
        x = leaf(0.5)
        y = x
        for _ in range(5000):
            y = y * 1.0001 + 0.0  # 2 ops per step
        y.backward()
        np.testing.assert_allclose(x.grad, 1.0001**5000)
        del y  # freeing the chain must not recurse either
    finally:
        sys.setrecursionlimit(limit)


def test_a_discarded_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = leaf(np.ones(3))
        y = (x.tanh() * 2).sum()
        y.backward()
        probe = weakref.ref(y.grad_fn.inputs[0])
        del y
        assert probe() is None  # no reference cycle kept the graph alive
    finally:
        gc.enable()


# --- errors -------------------------------------------------------------------------------------------
def test_backward_on_a_non_scalar_needs_a_gradient():
    y = leaf(np.ones((2, 3))) * 2
    with pytest.raises(RuntimeError, match=r"non-scalar output of shape \(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"grad has shape \(3,\), expected \(2, 3\)"):
        y.backward(np.ones(3))
    y.backward(np.ones((2, 3)))


def test_only_floating_tensors_can_require_grad():
    with pytest.raises(TypeError, match="only floating-point tensors can require grad, got dtype int64"):
        Tensor(np.array([1, 2]), requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(np.array([True])).requires_grad_()


@pytest.mark.parametrize("make, message", [
    (lambda: leaf(np.ones((2, 3))) + leaf(np.ones((4,))), r"add: shapes \(2, 3\) and \(4,\) cannot"),
    (lambda: leaf(np.ones((2, 3))) * leaf(np.ones((2,))), r"mul: shapes \(2, 3\) and \(2,\)"),
    (lambda: leaf(np.ones(2)) - leaf(np.ones(3)), r"sub: shapes \(2,\) and \(3,\)"),
    (lambda: leaf(np.ones(2)) / leaf(np.ones(3)), r"div: shapes"),
    (lambda: ag.maximum(leaf(np.ones(2)), leaf(np.ones(3))), r"maximum: shapes \(2,\) and \(3,\)"),
    (lambda: ag.where(np.ones(4, bool), leaf(np.ones(2)), 0.0), r"where: shapes \(4,\) \(cond\), \(2,\)"),
    (lambda: leaf(np.ones((2, 3))) @ leaf(np.ones((4, 5))), r"matmul: shapes \(2, 3\) and \(4, 5\) do not"),
    (lambda: leaf(np.ones((2, 2, 3))) @ leaf(np.ones((3, 3, 4))), r"batch shapes \(2,\) and \(3,\)"),
    (lambda: leaf(np.ones(3)) @ leaf(np.array(2.0)), r"matmul: both operands need at least 1 dimension"),
    (lambda: leaf(np.ones((2, 3))).reshape(4, 2), r"reshape: cannot view .* \(6 values\) as \(4, 2\)"),
    (lambda: ag.cat([leaf(np.ones((2, 3))), leaf(np.ones((2, 4)))]), r"cat: .* \(2, 3\), \(2, 4\)"),
    (lambda: ag.cat([leaf(np.ones(2)), leaf(np.ones(2))], axis=1), r"cat: axis 1 is out of range"),
    (lambda: ag.stack([leaf(np.ones(2)), leaf(np.ones(3))]), r"stack: .* \(2,\), \(3,\)"),
    (lambda: ag.pad(leaf(np.ones((2, 3))), ((1, 1), (1, 1), (1, 1))), r"pad: pad_width .* shape \(2, 3\)"),
    (lambda: ag.pad(leaf(np.ones(2)), -2), r"pad: .* crops more than the whole of shape \(2,\)"),
    (lambda: leaf(np.ones((2, 3))).permute(0, 0), r"permute: \(0, 0\) is not a permutation"),
    (lambda: leaf(np.ones((2, 3))).transpose(0, 2), r"transpose: dim 2 is out of range"),
    (lambda: leaf(np.ones((2, 3))).expand(4, 3), r"expand: cannot broadcast shape \(2, 3\) to \(4, 3\)"),
    (lambda: leaf(np.ones((2, 3))).sum(axis=2), r"sum: axis 2 is out of range for a tensor with 2 dim"),
    (lambda: leaf(np.ones((2, 3))).mean(axis=(0, -2)), r"mean: axis \(0, -2\) repeats a dimension"),
    (lambda: leaf(np.ones((2, 3))).max(axis=-3), r"max: axis -3 is out of range"),
    (lambda: leaf(np.ones((0, 3))).max(), r"max: cannot reduce an empty tensor"),
    (lambda: leaf(np.ones(3)).clip(), r"clip: give at least one of min and max"),
    (lambda: leaf(np.ones(3)).unsqueeze(3), r"unsqueeze: dim 3 is out of range"),
    (lambda: leaf(np.ones((2, 3))).flatten(1, 0), r"flatten: start_dim 1 comes after end_dim 0"),
])
def test_shape_errors_name_the_op_and_the_shapes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("make, error, message", [
    (lambda: leaf(np.ones((2, 3)), "float32") @ leaf(np.ones((3, 2))), TypeError,
     r"matmul: dtypes differ \(float32 and float64\)"),
    (lambda: leaf(np.ones(3))[5], IndexError, r"getitem: .*5.* \(tensor shape \(3,\)\)"),
    (lambda: ag.where(np.ones(3), leaf(np.ones(3)), 0.0), TypeError, r"where: cond must be boolean"),
    (lambda: leaf(np.ones(3)).sum(axis=1.0), TypeError, r"sum: axis must be an int"),
    (lambda: leaf(np.ones(3)).sum(axis=0, dim=0), TypeError, r"give axis or dim"),
    (lambda: leaf(np.ones(3)).log_softmax(axis=(0,)), TypeError, r"log_softmax: axis must be one int"),
    (lambda: ag.cat(leaf(np.ones(3))), TypeError, r"cat: expected a list or tuple of tensors"),
    (lambda: leaf(np.ones(3)).reshape(1.5), TypeError, r"reshape: expected ints"),
    (lambda: Tensor(np.array(["a"])), TypeError, r"unsupported data of dtype <U1"),
])
def test_other_bad_input_gets_a_clear_error(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_detect_anomaly_names_the_op_that_made_a_nan_or_inf():
    x = leaf([-1.0, 4.0])
    with np.errstate(all="ignore"):
        assert np.isnan(x.log().data[0])  # off by default: NaN flows on quietly
        with detect_anomaly(), pytest.raises(FloatingPointError, match="Log.forward produced NaN"):
            x.log()
        y = leaf([0.0, 4.0]).sqrt()  # forward is finite: sqrt(0) = 0
        with detect_anomaly(), pytest.raises(FloatingPointError, match="Sqrt.backward produced Inf"):
            y.sum().backward()  # d sqrt(x)/dx = 1 / (2 sqrt(x)) is infinite at 0
    assert not ag.is_anomaly_enabled()


def test_a_function_returning_a_misshaped_gradient_is_named():
    class Broken(Function):
        def forward(self, x):
            return x.sum()

        def backward(self, dy):
            return (np.ones(5),)

    message = r"Broken.backward returned a gradient of shape \(5,\) for an input of shape \(3,\)"
    with pytest.raises(RuntimeError, match=message):
        Broken.apply(leaf(np.ones(3))).backward()


def test_unbroadcast_sums_added_and_stretched_axes():
    g = np.ones((2, 3, 4))
    np.testing.assert_array_equal(ag.unbroadcast(g, (3, 1)), np.full((3, 1), 8.0))
    np.testing.assert_array_equal(ag.unbroadcast(g, ()), 24.0)
    assert ag.unbroadcast(g, (2, 3, 4)) is g
    assert ag.unbroadcast(np.ones(3), (2, 3)).shape == (3,)  # irreducible: the caller reports it


def test_leaf_gradients_never_alias_each_other():
    """Add hands the same upstream array to both inputs; each leaf must still own its .grad."""
    import hackgrad as hg

    a = hg.tensor([1.0, 2.0], requires_grad=True)
    b = hg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert a.grad is not b.grad
    a.grad *= 10.0  # an in-place edit (e.g. clipping) of one leaf's gradient
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])


def test_seed_gradient_is_copied():
    import hackgrad as hg

    x = hg.tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([1.0, 1.0], dtype=np.float32)
    x.backward(seed)
    x.grad *= 3.0
    np.testing.assert_array_equal(seed, [1.0, 1.0])


class _SplitSum(Function):
    """(a + b, a * b): two outputs from one node; d/da = (1, b), d/db = (1, a)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        return a + b, a * b

    def backward(self, dsum, dprod):
        self.seen = (dsum is not None, dprod is not None)
        dsum = 0 if dsum is None else dsum
        dprod = 0 if dprod is None else dprod
        return dsum + dprod * self.b, dsum + dprod * self.a


def test_an_op_with_two_outputs_runs_backward_once_with_both_gradients():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True, dtype=np.float64)
    b = Tensor(np.array([3.0, 4.0]), requires_grad=True, dtype=np.float64)
    s, p = _SplitSum.apply(a, b)
    assert s.grad_fn is p.grad_fn
    calls = []
    fn = s.grad_fn
    original = fn.backward
    fn.backward = lambda *d: calls.append(d) or original(*d)
    (s * 2 + p * s).sum().backward()  # s used twice, p once, both reach the same node
    assert len(calls) == 1 and fn.seen == (True, True)
    # d/da [2(a+b) + ab(a+b)] = 2 + b(a+b) + ab
    np.testing.assert_allclose(a.grad, 2 + b.data * (a.data + b.data) + a.data * b.data)
    np.testing.assert_allclose(b.grad, 2 + a.data * (a.data + b.data) + a.data * b.data)
    assert ag.gradcheck(lambda x, y: _SplitSum.apply(x, y), a, b)


def test_an_unused_output_reaches_backward_as_none_and_the_graph_is_freed():
    a = Tensor(np.ones(3), requires_grad=True, dtype=np.float64)
    s, p = _SplitSum.apply(a, a)
    fn = weakref.ref(s.grad_fn)
    p.sum().backward()
    assert fn().seen == (False, True)
    np.testing.assert_allclose(a.grad, 2 * np.ones(3))  # d(a*a)/da
    del s, p
    assert fn() is None  # freed by reference counting: the node holds its outputs only weakly, no cycle

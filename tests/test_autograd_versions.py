"""The version counter and the used-graph check: backward never computes with stale or released values."""

import numpy as np
import pytest

import hackgrad as hg
from hackgrad import nn, optim
from hackgrad.autograd.tensor import Tensor


def _net(seed=0):
    rng = np.random.default_rng(seed)
    w = nn.Parameter(rng.standard_normal((3, 2)))
    x = hg.tensor(rng.standard_normal((4, 3)), dtype="float64")
    return w, x


def test_optimizer_step_between_forward_and_backward_is_an_error_naming_the_op():
    w, x = _net()
    loss = (x @ w).tanh().sum()
    w.grad = np.ones_like(w.data)
    optim.SGD([w], lr=0.1).step()  # updates w.data in place
    assert w._version == 1
    w.grad = None
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation: MatMul saved input 1 \(shape \(3, 2\)"):
        loss.backward()
    assert w.grad is None  # refused before any gradient moved


def test_the_stale_case_would_have_given_wrong_gradients():
    """What the check prevents: Mul holds w's array for dw = 2w, and the step changed that array."""
    w, _ = _net()
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    right = w.grad.copy()
    w.grad = np.ones_like(w.data)
    optim.SGD([w], lr=0.5).step()
    w.grad = None
    with pytest.raises(RuntimeError, match="inplace"):
        loss.backward()
    # the same walk without the check (versions reset by hand) gives a different, wrong answer
    fn_nodes = []
    stack = [loss]
    while stack:
        t = stack.pop()
        if t._fn is not None:
            fn_nodes.append(t._fn)
            stack += list(t._fn.inputs)
    for fn in fn_nodes:
        fn._stamp = float("inf")  # as if every op ran after the step
    loss.backward()
    assert not np.allclose(w.grad, right)


def test_every_optimizer_bumps_the_version_of_what_it_updates():
    for make in (
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
        lambda ps: optim.Adam(ps, lr=0.1),
        lambda ps: optim.AdamW(ps, lr=0.1),
        lambda ps: optim.RMSprop(ps, lr=0.1),
        lambda ps: optim.Adagrad(ps, lr=0.1),
        lambda ps: optim.Adadelta(ps),
    ):
        w, x = _net()
        opt = make([w])
        loss = (x @ w).sum()
        loss.backward(retain_graph=True)
        opt.step()
        with pytest.raises(RuntimeError, match="inplace"):
            loss.backward()


def test_lbfgs_and_init_bump_the_version():
    w, x = _net()
    loss = (x @ w).pow(2).sum()
    nn.init.normal_(w, seed=1)
    assert w._version == 1
    with pytest.raises(RuntimeError, match="MatMul"):
        loss.backward()

    w, x = _net()
    opt = optim.LBFGS([w], max_iter=2)

    def closure():
        opt.zero_grad()
        out = (x @ w).pow(2).sum()
        out.backward()
        return out

    stale = (x @ w).pow(2).sum()
    opt.step(closure)
    with pytest.raises(RuntimeError, match="inplace"):
        stale.backward()


def test_ops_that_keep_no_copy_of_an_input_do_not_care_about_its_version():
    """As in PyTorch: only values an op saved for backward are checked (an add saves nothing)."""
    a = hg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    b = hg.tensor([3.0, 4.0], dtype="float64", requires_grad=True)
    y = (a + b).sum()
    a._bump_version()
    y.backward()
    np.testing.assert_array_equal(a.grad, [1.0, 1.0])


def test_an_output_kept_by_its_op_and_changed_in_place_is_caught():
    x = hg.tensor([0.1, 0.2], dtype="float64", requires_grad=True)
    y = x.tanh()  # Tanh keeps its output for backward
    y.data += 1.0
    y._bump_version()
    with pytest.raises(RuntimeError, match="Tanh saved its output for backward, and it was changed in place since"):
        y.sum().backward()


def test_detach_shares_the_version_counter():
    w, x = _net()
    loss = (x @ w).sum()
    d = w.detach()
    d.data *= 2
    d._bump_version()
    assert w._version == 1
    with pytest.raises(RuntimeError, match="MatMul"):
        loss.backward()


def test_second_backward_raises_unless_the_graph_was_retained():
    w, x = _net()
    loss = (x @ w).tanh().sum()
    loss.backward()
    first = w.grad.copy()
    with pytest.raises(RuntimeError, match="backward through the graph a second time.*retain_graph=True"):
        loss.backward()
    np.testing.assert_array_equal(w.grad, first)  # nothing accumulated by the refused walk

    w.grad = None
    loss = (x @ w).tanh().sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(w.grad, 2 * first)


def test_two_losses_sharing_a_trunk_need_retain_graph_on_the_first():
    w, x = _net()
    h = (x @ w).tanh()
    l1, l2 = h.sum(), (h * h).sum()
    l1.backward()
    with pytest.raises(RuntimeError, match="second time"):
        l2.backward()

    w.grad = None
    h = (x @ w).tanh()
    l1, l2 = h.sum(), (h * h).sum()
    l1.backward(retain_graph=True)
    l2.backward()
    together = w.grad.copy()
    w.grad = None
    h = (x @ w).tanh()
    (h.sum() + (h * h).sum()).backward()
    np.testing.assert_allclose(together, w.grad)


def test_a_fresh_forward_after_the_step_is_fine():
    w, x = _net()
    opt = optim.SGD([w], lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        loss = (x @ w).tanh().sum()
        loss.backward()
        opt.step()
    assert w._version == 3


def test_torch_raises_in_the_same_two_cases():
    torch = pytest.importorskip("torch")
    w = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    x = torch.randn(4, 3, dtype=torch.float64, requires_grad=True)  # so that x @ w keeps w for dx
    loss = (x @ w).tanh().sum()
    w.grad = torch.ones_like(w)
    torch.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    loss = (x @ w).tanh().sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_tensor_made_directly_starts_at_version_zero():
    assert Tensor([1.0])._version == 0
    assert Tensor._make(np.zeros(2))._version == 0
